/**
 * Loki 3.5.12 (docker.io/grafana/loki:3.5.12), read in grafana/loki at the tag v3.5.12 (commit 3b305e3fe11a):
 * the image (cmd/loki/Dockerfile), the server flags (vendored dskit), the config keys the stack writes (the yaml
 * tags of the Go structs) and the rules Loki enforces at start. Not mirrored in ../shared/upstream: no `check`.
 */
import { factTable } from '../upstream';

export const LOKI_FACTS = factTable('loki', {
  user: {
    fact: 'the image creates loki:loki as 10001:10001, owner of /etc/loki and /loki, and runs as USER 10001',
    value: { uid: 10001, gid: 10001 },
    upstream: 'loki',
    path: 'cmd/loki/Dockerfile',
  },
  entrypoint: {
    fact: 'ENTRYPOINT /usr/bin/loki; CMD -config.file=/etc/loki/local-config.yaml (replaced by the args, which name our file)',
    value: { entrypoint: '/usr/bin/loki', configFlag: '-config.file' },
    upstream: 'loki',
    path: 'cmd/loki/Dockerfile',
  },
  dataDir: {
    fact: "the image prepares /loki (rules, rules-temp) for its user, and upstream's docker config uses path_prefix /loki",
    value: '/loki',
    upstream: 'loki',
    path: 'cmd/loki/loki-docker-config.yaml',
  },
  ports: {
    fact: 'EXPOSE 3100 (http_listen_port of the docker config); gRPC listens on 9095 by default (-server.grpc-listen-port)',
    value: { http: 3100, grpc: 9095 },
    upstream: 'loki',
    path: 'vendor/github.com/grafana/dskit/server/server.go',
  },
  pathPrefixDefaults: {
    fact: 'common.path_prefix moves the defaults of the ingester WAL (<prefix>/wal), ruler rules-temp, compactor working directory and the TSDB shipper active index (<prefix>/tsdb-shipper-active) under the prefix',
    value: ['wal', 'rules-temp', 'compactor', 'tsdb-shipper-active'],
    upstream: 'loki',
    path: 'pkg/loki/config_wrapper.go',
  },
  ready: {
    fact: 'GET /ready on the HTTP server answers 200 "ready" once every module is running, 503 before and while shutting down',
    value: '/ready',
    upstream: 'loki',
    path: 'pkg/loki/loki.go',
  },
  pushPath: {
    fact: 'the push API is POST /loki/api/v1/push',
    value: '/loki/api/v1/push',
    upstream: 'loki',
    path: 'pkg/loki/modules.go',
  },
  commonKeys: {
    fact: 'common: keys path_prefix, storage, replication_factor, ring, instance_addr (pkg/loki/common/common.go yaml tags)',
    value: ['instance_addr', 'path_prefix', 'replication_factor', 'ring', 'storage'],
    upstream: 'loki',
    path: 'pkg/loki/common/common.go',
  },
  storageKeys: {
    fact: 'common.storage has filesystem and s3; the S3 config keys are endpoint, bucketnames, access_key_id, secret_access_key, insecure, s3forcepathstyle (untagged fields take yaml.v2 lower-case names)',
    value: { s3: ['access_key_id', 'bucketnames', 'endpoint', 'insecure', 's3forcepathstyle', 'secret_access_key'], filesystem: ['chunks_directory', 'rules_directory'] },
    upstream: 'loki',
    path: 'pkg/storage/chunk/client/aws/s3_storage_client.go',
  },
  retentionNeedsDeleteStore: {
    fact: 'with compactor retention_enabled, delete_request_store must be set ("compactor.delete-request-store should be configured when retention is enabled")',
    value: true,
    upstream: 'loki',
    path: 'pkg/compactor/compactor.go',
  },
  retentionMinimum: {
    fact: 'the minimum retention period is 24h (documented; the compactor deletes whole 24h index tables). The program does not refuse less: the ">= 24h" check of pkg/validation/limits.go is for retention_stream periods only (loki -verify-config accepts retention_period 12h, test/real/loki.test.ts)',
    value: 24,
    upstream: 'loki',
    path: 'docs/sources/operations/storage/retention.md',
  },
  reporting: {
    fact: 'analytics.reporting_enabled (default true) sends usage reports to stats.grafana.org',
    value: 'reporting_enabled',
    upstream: 'loki',
    path: 'pkg/analytics/reporter.go',
  },
  metrics: {
    fact: "metrics under the loki_ namespace: loki_distributor_lines_received_total (push handler) and dskit's loki_request_duration_seconds{route,status_code} histogram",
    value: ['loki_distributor_lines_received_total', 'loki_request_duration_seconds'],
    upstream: 'loki',
    path: 'pkg/loghttp/push/push.go',
  },
});
