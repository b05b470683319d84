/**
 * Loki (namespace `monitoring`, chart `logging`): the single binary (`-target=all`, one replica), its config
 * file generated here, logs kept `retention` long by the compactor. Storage is the site's choice
 * (`workloads.loki.storage.backend`):
 * - `pvc` (default): chunks, TSDB index and compactor state on the StatefulSet's volume;
 * - `minio`: chunks and index in the `loki` bucket of this stack's MinIO, with S3 keys from Vault (the whole
 *   config file is then rendered by the Vault agent, because Loki reads keys only from its config or env).
 * Upstream facts (user, flags, ports, paths, config keys at v3.5.12): conformance/facts/loki.ts.
 */
import { z } from 'zod';
import { Construct } from 'constructs';
import { createHash } from 'node:crypto';
import { k8s } from 'cdk8s-plus-28';
import { duration, memoryQuantity, res, resourcesSchema } from '../config/fields';
import type { Site } from '../config/schema';
import { defineApp, namespaceName, pinnedImage } from './lib/app';
import { StackContext } from './lib/context';
import { Endpoint, tcp, workloadPeer } from './lib/network';
import { goString, templateText } from './lib/quote';
import { kvPath, kvTemplateSecret } from './lib/vault';
import { Workload } from './lib/workload';
import { yamlDoc } from './lib/yaml';

export const LOKI_IMAGE = { repository: 'docker.io/grafana/loki', tag: '3.5.12' } as const;
/** USER 10001 of cmd/loki/Dockerfile (loki:loki, owner of /loki and /etc/loki). */
export const LOKI_UID = 10001;
/** Grafana's datasource for Loki (plugin type `loki`, built into Grafana). */
export const LOKI_DATASOURCE = { type: 'loki', uid: 'loki' } as const;
export const LOKI_HTTP_PORT = 3100;
export const LOKI_GRPC_PORT = 9095;
/** Where the image keeps its data (path_prefix of upstream's docker config); our volume is mounted there. */
export const LOKI_DATA = '/loki';
const CONFIG_DIR = '/etc/loki/domus';
/** Path of the push API the agent ships to (pkg/loki/modules.go). */
export const LOKI_PUSH_PATH = '/loki/api/v1/push';
/** KV keys of the S3 credentials of Loki's MinIO user (`<kv>/data/monitoring/loki`). */
export const LOKI_S3_KEYS = { accessKey: 's3_access_key_id', secretKey: 's3_secret_access_key' } as const;
const S3_TOKENS = { access: 'DOMUS_VAULT_S3_ACCESS_KEY_ID', secret: 'DOMUS_VAULT_S3_SECRET_ACCESS_KEY' } as const;

/** `site.workloads.loki`. */
export const lokiSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    resources: resourcesSchema.default(res('100m', '256Mi', '1Gi')),
    /** How long log lines are kept (Loki's compactor deletes older chunks; at least 24h). @default '15d' */
    retention: duration.default('15d'),
    storage: z
      .strictObject({
        /** `pvc`: a volume of `size`; `minio`: the `bucket` of this stack's MinIO, keys from Vault (monitoring/loki). @default 'pvc' */
        backend: z.enum(['pvc', 'minio']).default('pvc'),
        /** The data volume (with `minio`: the WAL, index cache and compactor working files only). @default '10Gi' */
        size: memoryQuantity.default('10Gi'),
        /** Bucket with `minio` (must be one of workloads.minio.buckets). @default 'loki' */
        bucket: z
          .string()
          .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { message: 'an S3 bucket name: 3-63 lower-case letters, digits, "." or "-"' })
          .default('loki'),
      })
      .prefault({}),
  })
  .prefault({});

/** Hours of a duration of config/fields.ts `duration`. */
function hoursOf(d: string): number {
  const n = parseInt(d, 10);
  const unit = d.slice(String(n).length);
  return n * ({ s: 1 / 3600, m: 1 / 60, h: 1, d: 24, w: 168, y: 8760 } as Record<string, number>)[unit]!;
}

/** The rules Loki or this stack would refuse, blamed inside `workloads.loki`. */
function lokiSiteIssues(site: Site) {
  const l = site.workloads.loki;
  const out: { path: (string | number)[]; value: unknown; message: string }[] = [];
  // Loki's documented minimum (docs/sources/operations/storage/retention.md: "The minimum retention period is
  // 24h"; the compactor deletes whole 24h index tables). The program does not refuse less: limits.go's ">= 24h"
  // is for retention_stream periods only, and test/real/loki.test.ts shows -verify-config accepts 12h.
  if (hoursOf(l.retention) < 24) out.push({ path: ['retention'], value: l.retention, message: "a retention of at least 24h (Loki's documented minimum)" });
  if (l.storage.backend === 'minio') {
    if (!site.workloads.minio.enabled) out.push({ path: ['storage', 'backend'], value: 'minio', message: '"pvc" while workloads.minio.enabled is false' });
    else if (!site.workloads.minio.buckets.some((b) => b.name === l.storage.bucket))
      out.push({ path: ['storage', 'bucket'], value: l.storage.bucket, message: `one of workloads.minio.buckets (${site.workloads.minio.buckets.map((b) => b.name).join(', ')})` });
  }
  return out;
}

/** The Loki HTTP endpoint (push, query), known without building Loki. */
export function lokiEndpoint(site: Site): Endpoint {
  return { peer: workloadPeer(site.namespaces.monitoring, 'loki'), port: tcp(LOKI_HTTP_PORT), name: 'http', service: { name: 'loki', port: LOKI_HTTP_PORT } };
}

/** The S3 endpoint of the stack's MinIO (its Service `minio` on 9000 in the storage namespace). */
export function minioS3Host(site: Site): string {
  return `minio.${site.namespaces.storage}.svc:9000`;
}

/** Loki's config file as an object; with MinIO the two key fields hold tokens the Vault template replaces. */
export function lokiConfig(site: Site): Record<string, unknown> {
  const l = site.workloads.loki;
  const s3 = l.storage.backend === 'minio';
  const store = s3 ? 's3' : 'filesystem';
  return {
    auth_enabled: false,
    server: { http_listen_port: LOKI_HTTP_PORT, grpc_listen_port: LOKI_GRPC_PORT, log_level: 'info' },
    common: {
      // One instance, ring in memory: no memberlist port, no peers to find.
      instance_addr: '127.0.0.1',
      // Loki puts the WAL, the TSDB shipper's index and cache, rules-temp and the compactor under it (all on
      // the volume; the root filesystem is read-only). The ruler's store follows common.storage.
      path_prefix: LOKI_DATA,
      replication_factor: 1,
      ring: { kvstore: { store: 'inmemory' } },
      storage: s3
        ? {
            s3: {
              endpoint: minioS3Host(site),
              bucketnames: l.storage.bucket,
              access_key_id: S3_TOKENS.access,
              secret_access_key: S3_TOKENS.secret,
              // In-cluster MinIO: plain HTTP inside the pod network (the flow is declared and encrypted by nothing else), path-style buckets.
              insecure: true,
              s3forcepathstyle: true,
            },
          }
        : { filesystem: { chunks_directory: `${LOKI_DATA}/chunks`, rules_directory: `${LOKI_DATA}/rules` } },
    },
    schema_config: { configs: [{ from: '2024-01-01', store: 'tsdb', object_store: store, schema: 'v13', index: { prefix: 'index_', period: '24h' } }] },
    compactor: {
      working_directory: `${LOKI_DATA}/compactor`,
      // Retention is the compactor's job; it needs a store for delete requests (pkg/compactor/compactor.go).
      retention_enabled: true,
      delete_request_store: store,
    },
    limits_config: { retention_period: l.retention },
    // Offline homelab: no usage reports to stats.grafana.org.
    analytics: { reporting_enabled: false },
  };
}

/** The Vault agent template of the config file with MinIO: literal YAML, the two keys as JSON strings (valid YAML). */
export function lokiConfigTemplate(site: Site): string {
  const path = kvPath(site, 'monitoring/loki');
  let text = templateText(yamlDoc(lokiConfig(site)));
  for (const [token, key] of [
    [S3_TOKENS.access, LOKI_S3_KEYS.accessKey],
    [S3_TOKENS.secret, LOKI_S3_KEYS.secretKey],
  ] as const) {
    if (text.split(token).length !== 2) throw new Error(`loki config template: ${token} must appear exactly once`);
    text = text.replace(token, `{{ .Data.data.${key} | toJSON }}`);
  }
  return `{{- with secret ${goString(path)} -}}\n${text}{{- end -}}\n`;
}

export class Loki extends Construct {
  readonly workload: Workload;

  constructor(scope: Construct, id: string, ctx: StackContext) {
    super(scope, id);
    const site = ctx.site;
    const l = site.workloads.loki;
    const ns = site.namespaces.monitoring;
    const s3 = l.storage.backend === 'minio';
    const tag = LOKI_IMAGE.tag;
    const configFile = s3 ? '/vault/secrets/loki.yaml' : `${CONFIG_DIR}/loki.yaml`;
    const configData: Record<string, string> = s3 ? {} : { 'loki.yaml': yamlDoc(lokiConfig(site)) };
    if (!s3) new k8s.KubeConfigMap(this, 'config', { metadata: { name: 'loki-config', namespace: ns, labels: { 'app.kubernetes.io/name': 'loki' } }, data: configData });

    this.workload = new Workload(this, 'loki', ctx, {
      name: 'loki',
      namespace: ns,
      partOf: 'observability',
      component: 'logs',
      version: tag,
      kind: 'StatefulSet',
      replicas: 1,
      user: { uid: LOKI_UID, gid: LOKI_UID },
      // The ingester flushes its in-memory chunks on shutdown.
      terminationGracePeriodSeconds: 120,
      podAnnotations: {
        'domus.dev/config-sha256': createHash('sha256')
          .update(s3 ? lokiConfigTemplate(site) : JSON.stringify(configData))
          .digest('hex'),
      },
      containers: [
        {
          name: 'loki',
          image: pinnedImage({ repository: LOKI_IMAGE.repository, tag }),
          args: [`-config.file=${configFile}`, '-target=all'],
          ports: [
            { name: 'http', port: LOKI_HTTP_PORT },
            // gRPC between Loki's own modules in the one process; not exposed.
            { name: 'grpc', port: LOKI_GRPC_PORT, expose: false },
          ],
          resources: l.resources,
          readiness: { http: { path: '/ready', port: 'http' }, initialDelaySeconds: 15, timeoutSeconds: 1 },
          liveness: { http: { path: '/ready', port: 'http' }, initialDelaySeconds: 60, periodSeconds: 30, timeoutSeconds: 5, failureThreshold: 10 },
          mounts: [...(s3 ? [] : [{ volume: 'config', path: CONFIG_DIR, readOnly: true }]), { volume: 'data', path: LOKI_DATA }],
          writable: ['/tmp'],
        },
      ],
      ...(s3 ? {} : { volumes: [{ name: 'config', configMap: { name: 'loki-config' } }] }),
      claims: [{ name: 'data', size: l.storage.size }],
      ...(s3
        ? {
            vault: {
              secrets: [
                kvTemplateSecret('loki.yaml', kvPath(site, 'monitoring/loki'), [LOKI_S3_KEYS.accessKey, LOKI_S3_KEYS.secretKey], lokiConfigTemplate(site), {
                  errorOnMissingKey: true,
                }),
              ],
              // Loki reads its config once at start: new keys take effect on the next restart.
              prePopulateOnly: true,
            },
          }
        : {}),
      metrics: [{ port: 'http' }],
    });
    if (s3 && site.workloads.minio.enabled) {
      this.workload.connectPorts(workloadPeer(site.namespaces.storage, 'minio'), [tcp(9000)], 'Loki stores chunks and index in its MinIO bucket (S3 API)');
    }
  }
}

/** Loki and its datasource, logs dashboard and must-deny flows: chart `logging`. */
declare module '../config/schema' {
  /** `site.workloads.loki`, typed by this file's schema (config/schema.ts SiteWorkloads). */
  interface SiteWorkloads {
    readonly loki: z.output<typeof lokiSchema>;
  }
}

export const lokiApp = defineApp({
  key: 'loki',
  schema: lokiSchema,
  siteIssues: (site) => lokiSiteIssues(site),
  namespace: { key: 'monitoring', podSecurity: 'restricted' },
  chart: 'logging',
  wave: 0,
  images: [LOKI_IMAGE],
  enabled: (site) => site.workloads.loki.enabled,
  routed: false,
  build: (chart, ctx) => {
    new Loki(chart, 'loki', ctx);
  },
  datasources: (site) => [{ name: 'Loki', ...LOKI_DATASOURCE, endpoint: lokiEndpoint(site) }],
  // Issue 18, item 13: the MinIO user behind the keys Loki reads (same path, same keys), created by MinIO's bucket Job.
  objectStoreUsers: (site) =>
    site.workloads.loki.storage.backend === 'minio'
      ? [{ name: 'loki', path: kvPath(site, 'monitoring/loki'), keys: LOKI_S3_KEYS, bucket: site.workloads.loki.storage.bucket }]
      : [],
  dashboards: () => [
    {
      uid: 'domus-logs',
      title: 'Logs',
      panels: [
        { title: 'Error lines by namespace (5m)', expr: 'sum by (namespace) (count_over_time({namespace=~".+"} |~ "(?i)(error|fail|panic)" [5m]))', datasource: LOKI_DATASOURCE },
        { title: 'Log lines/s by namespace', expr: 'sum by (namespace) (rate({namespace=~".+"} [5m]))', datasource: LOKI_DATASOURCE },
        { title: 'Errors (all pods)', expr: '{namespace=~".+"} |~ "(?i)(error|fail|panic)"', datasource: LOKI_DATASOURCE, kind: 'logs' },
        { title: 'Node journal: k3s', expr: '{job="node-journal", unit="k3s.service"}', datasource: LOKI_DATASOURCE, kind: 'logs' },
        { title: 'Ingested lines/s (Loki)', expr: 'sum(rate(loki_distributor_lines_received_total[5m]))' },
        { title: 'Ingest requests failing (Loki)', expr: `sum(rate(loki_request_duration_seconds_count{route="loki_api_v1_push", status_code!~"2.."}[5m]))` },
      ],
    },
  ],
  mustDeny: [
    { from: 'world', to: 'monitoring/loki', port: LOKI_HTTP_PORT, why: 'Loki has no auth (auth_enabled: false): only the log agent, Grafana and Prometheus reach it' },
    { from: 'ingress/traefik', to: 'monitoring/loki', port: LOKI_HTTP_PORT, why: 'Loki is not published through Traefik' },
    { from: 'storage/minio', to: 'monitoring/loki', port: LOKI_HTTP_PORT, why: "MinIO is Loki's store, never its client" },
    { from: 'monitoring/grafana', to: 'monitoring/loki', port: LOKI_GRPC_PORT, why: "Loki's gRPC is between its own modules, inside the pod" },
  ],
  runbook: (site) => ({
    loki: (ns) => [
      '# Is Loki ingesting and answering? (logcli: https://grafana.com/docs/loki/latest/query/logcli/)',
      `kubectl -n ${ns} port-forward svc/loki ${LOKI_HTTP_PORT}:${LOKI_HTTP_PORT} &`,
      `LOKI_ADDR=http://127.0.0.1:${LOKI_HTTP_PORT} logcli labels namespace`,
      ...(site.workloads.loki.storage.backend === 'minio'
        ? [
            `# MinIO backend: Loki's MinIO user (readwrite on bucket ${site.workloads.loki.storage.bucket}) has its keys in Vault (${kvPath(site, 'monitoring/loki')}: ${LOKI_S3_KEYS.accessKey}, ${LOKI_S3_KEYS.secretKey})`,
            `hubble observe --from-namespace ${ns} --from-label app.kubernetes.io/name=loki --to-namespace ${namespaceName(site, 'storage')} --verdict DROPPED`,
          ]
        : []),
    ],
  }),
});
