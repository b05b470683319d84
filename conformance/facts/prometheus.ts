/**
 * Prometheus v3.5.0 and prometheus-config-reloader v0.87.1: what the images run, the flags they accept, the
 * ports and paths they serve, and the RBAC upstream's Kubernetes example grants. Read at the tags' commits
 * (conformance/upstream.ts); Dockerfiles and Go sources are not mirrored, so those facts carry no check.
 */
import { factTable } from '../upstream';

/** A rule of upstream's example ClusterRole, as the tests compare it. */
export interface UpstreamRule {
  readonly apiGroups?: readonly string[];
  readonly resources?: readonly string[];
  readonly nonResourceURLs?: readonly string[];
  readonly verbs: readonly string[];
}

interface ClusterRoleDoc {
  kind?: string;
  rules?: UpstreamRule[];
}

export const PROMETHEUS_FACTS = factTable('prometheus', {
  user: {
    fact: 'the image runs as USER nobody, which is UID 65534 in the busybox base image',
    value: { user: 'nobody', uid: 65534 },
    upstream: 'prometheus',
    path: 'Dockerfile',
  },
  entrypoint: {
    fact: 'ENTRYPOINT is /bin/prometheus; the default CMD passes only --config.file and --storage.tsdb.path, so container args replace both',
    value: { entrypoint: ['/bin/prometheus'], cmd: ['--config.file=/etc/prometheus/prometheus.yml', '--storage.tsdb.path=/prometheus'] },
    upstream: 'prometheus',
    path: 'Dockerfile',
  },
  port: {
    fact: 'the web UI, API, /metrics and health endpoints listen on 0.0.0.0:9090 (--web.listen-address default; EXPOSE 9090)',
    value: 9090,
    upstream: 'prometheus',
    path: 'cmd/prometheus/main.go',
  },
  flags: {
    fact: 'flags cmd/prometheus/main.go defines (the ones the stack passes; kingpin rejects unknown flags at start)',
    value: ['config.file', 'storage.tsdb.path', 'storage.tsdb.retention.time', 'storage.tsdb.retention.size', 'web.enable-lifecycle', 'web.external-url', 'web.listen-address'],
    upstream: 'prometheus',
    path: 'cmd/prometheus/main.go',
  },
  retentionSizeUnits: {
    fact: '--storage.tsdb.retention.size needs a unit out of B, KB, MB, GB, TB, PB, EB, based on powers of 2',
    value: ['B', 'KB', 'MB', 'GB', 'TB', 'PB', 'EB'],
    upstream: 'prometheus',
    path: 'cmd/prometheus/main.go',
  },
  health: {
    fact: 'GET /-/healthy answers while the process runs; GET /-/ready only once the TSDB and config are loaded',
    value: { healthy: '/-/healthy', ready: '/-/ready' },
    upstream: 'prometheus',
    path: 'web/web.go',
  },
  lifecycle: {
    fact: 'with --web.enable-lifecycle, POST/PUT /-/reload re-reads the configuration and POST/PUT /-/quit stops the server, unauthenticated, on the same router and port as the UI; without the flag both answer 403',
    value: { path: '/-/reload', quit: '/-/quit', methods: ['POST', 'PUT'], flag: 'web.enable-lifecycle' },
    upstream: 'prometheus',
    path: 'web/web.go',
  },
  traefikRoutingPath: {
    fact: 'Traefik matches PathRegexp against the routing path: /./, /../ and // sanitized away, percent-encodings decoded except reserved ones (%2F stays encoded); a router then rejects encoded slashes unless the entry point allows them (not set here), so /-%2Fquit cannot reach /-/quit behind an exclusion',
    value: { sanitizePath: true, allowEncodedSlash: false },
    upstream: 'traefik',
    path: 'pkg/muxer/http/mux.go',
  },
  metrics: {
    fact: 'GET /metrics on the web port serves its own metrics; the names the alert rules and dashboard query (tsdb/db.go, tsdb/head.go, tsdb/wlog/wlog.go with the prometheus_tsdb_wal_ prefix, rules/group.go, cmd/prometheus/main.go)',
    value: {
      path: '/metrics',
      names: [
        'prometheus_tsdb_storage_blocks_bytes',
        'prometheus_tsdb_wal_storage_size_bytes',
        'prometheus_tsdb_head_series',
        'prometheus_tsdb_head_samples_appended_total',
        'prometheus_config_last_reload_successful',
        'prometheus_rule_evaluation_failures_total',
      ],
    },
    upstream: 'prometheus',
    path: 'web/web.go',
  },
  rbac: {
    fact: 'the example ClusterRole for Kubernetes service discovery (documentation/examples/rbac-setup.yml)',
    value: [
      { apiGroups: [''], resources: ['nodes', 'nodes/metrics', 'services', 'endpoints', 'pods'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: ['extensions', 'networking.k8s.io'], resources: ['ingresses'], verbs: ['get', 'list', 'watch'] },
      { nonResourceURLs: ['/metrics', '/metrics/cadvisor'], verbs: ['get'] },
    ] as readonly UpstreamRule[],
    upstream: 'prometheus',
    path: 'documentation/examples/rbac-setup.yml',
    check: { yaml: (docs) => (docs as ClusterRoleDoc[]).find((d) => d?.kind === 'ClusterRole')?.rules },
  },
  kubeletProxyScheme: {
    fact: "upstream's Kubernetes example scrapes nodes over https with the pod's ServiceAccount CA and token",
    value: { ca: '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt', token: '/var/run/secrets/kubernetes.io/serviceaccount/token' },
    upstream: 'prometheus',
    path: 'documentation/examples/prometheus-kubernetes.yml',
    check: { matches: /ca_file: \/var\/run\/secrets\/kubernetes\.io\/serviceaccount\/ca\.crt[\s\S]*credentials_file: \/var\/run\/secrets\/kubernetes\.io\/serviceaccount\/token/ },
  },
  scrapeAuth: {
    fact: "a scrape job's http_config sends Basic auth from `basic_auth` (username or username_file, password or password_file: each pair exclusive) or a bearer token from `authorization.credentials_file`; a file is read at each scrape, so a rotated secret needs no reload",
    value: { basicAuth: ['username', 'username_file', 'password', 'password_file'], bearer: 'credentials_file' },
    upstream: 'prometheus',
    path: 'docs/configuration/configuration.md',
  },
});

/** Image defaults the stack overrides, and why (asserted in test/conformance/prometheus.test.ts). */
export const PROMETHEUS_EXCEPTIONS = {
  'config.file': 'read from the ConfigMap directory the reloader watches (/etc/config), not the example file baked into the image',
  'storage.tsdb.path': 'the retained PersistentVolumeClaim at /data; the image VOLUME /prometheus is nothing Kubernetes keeps across pod replacement',
} as const;

/**
 * Where the stack grants less or more than upstream's example ClusterRole, and why. The test fails on any
 * difference not listed here.
 */
export const PROMETHEUS_RBAC_EXCEPTIONS = {
  omitted: {
    'extensions/ingresses': 'the stack has no role: ingress scrape job (it discovers pods and nodes only)',
    'networking.k8s.io/ingresses': 'the stack has no role: ingress scrape job (it discovers pods and nodes only)',
    // The kubelet is never scraped directly: the API server proxies /metrics/cadvisor (nodes/proxy below).
    '/metrics/cadvisor': 'cAdvisor is read through the API server proxy (/api/v1/nodes/<node>/proxy/metrics/cadvisor), which nodes/proxy authorizes',
  },
  added: {
    // ADR 0011: one address (kubernetes.default.svc) for every kubelet, no node-port flows.
    '/nodes/proxy': 'kubelet, cAdvisor and probe metrics through the API server proxy need get on nodes/proxy',
  },
} as const;

export const CONFIG_RELOADER_FACTS = factTable('config-reloader', {
  user: {
    fact: 'the image runs as USER nobody (UID 65534, busybox base) with ENTRYPOINT /bin/prometheus-config-reloader',
    value: { uid: 65534, entrypoint: '/bin/prometheus-config-reloader' },
    upstream: 'prometheus-operator',
    path: 'cmd/prometheus-config-reloader/Dockerfile',
  },
  flags: {
    fact: 'flags cmd/prometheus-config-reloader/main.go defines (kingpin exits 2 on an unknown flag)',
    value: [
      'config-file',
      'config-envsubst-file',
      'watch-interval',
      'delay-interval',
      'retry-interval',
      'reload-timeout',
      'watched-dir',
      'reload-method',
      'listen-address',
      'web-config-file',
      'log-format',
      'log-level',
      'reload-url',
      'runtimeinfo-url',
    ],
    upstream: 'prometheus-operator',
    path: 'cmd/prometheus-config-reloader/main.go',
  },
  reloadUrlDefault: {
    fact: 'the default --reload-url is http://127.0.0.1:9090/-/reload; the HTTP reload method POSTs to it',
    value: 'http://127.0.0.1:9090/-/reload',
    upstream: 'prometheus-operator',
    path: 'cmd/prometheus-config-reloader/main.go',
  },
  http: {
    fact: 'with --listen-address set (and watch-interval not 0) it serves /metrics and /healthz there; without it, no port is open',
    value: { healthz: '/healthz', metrics: '/metrics' },
    upstream: 'prometheus-operator',
    path: 'cmd/prometheus-config-reloader/main.go',
  },
  operatorPort: {
    fact: 'the operator itself runs the reloader with --listen-address=:8080 and probes /healthz on 8080',
    value: 8080,
    upstream: 'prometheus-operator',
    path: 'pkg/operator/config_reloader.go',
  },
  watchedDir: {
    fact: '--watched-dir watches a directory non-recursively (the operator passes ConfigMap mount directories), re-checked every --watch-interval (3m default)',
    value: { recursive: false, watchInterval: '3m' },
    upstream: 'prometheus-operator',
    path: 'cmd/prometheus-config-reloader/main.go',
  },
});

/**
 * cAdvisor and kubelet series the alert rules and dashboards query (ADR 0012). Not a facts table: the
 * stack's UPSTREAM list has no kubernetes or cadvisor entry (their snapshots are not mirrored), so these are
 * recorded here with the place each was read, and the test keeps queries inside this list.
 *
 * - cAdvisor v0.47.3 (google/cadvisor tag v0.47.3, commit c5730c5a72b527a724e7333d0e2f5b9a3ce5cf4d),
 *   metrics/prometheus.go: container_cpu_usage_seconds_total, container_memory_working_set_bytes,
 *   container_fs_usage_bytes, container_fs_limit_bytes, container_network_receive_bytes_total,
 *   container_start_time_seconds. Kubernetes 1.28 vendors the cadvisor v0.47 line (go.mod of the 1.28 branch;
 *   not re-read here).
 * - kubelet prober_probe_total (labels probe_type, result, container, pod, namespace; results successful,
 *   failed, unknown): kubernetes/kubernetes pkg/kubelet/prober/prober_manager.go, read at 0181833dbbd0 (a later
 *   commit than the 1.28 tag; the metric is ALPHA there and older than 1.28).
 * - the kubelet serves the cAdvisor series on /metrics/cadvisor with CPU, memory, disk I/O, disk usage and
 *   network metric sets included (pkg/kubelet/server/server.go, in unpinned copies; container_fs_* needs disk
 *   usage), prober_probe_total on /metrics/probes and the volume stats on /metrics.
 * - kubelet_volume_stats_capacity_bytes / _available_bytes / _used_bytes (labels namespace,
 *   persistentvolumeclaim): pkg/kubelet/metrics/collectors/volume_stats.go, read at 03ac3ef25991 (also later
 *   than 1.28).
 */
export const KUBELET_SERIES: readonly string[] = [
  'container_cpu_usage_seconds_total',
  'container_memory_working_set_bytes',
  'container_fs_usage_bytes',
  'container_fs_limit_bytes',
  'container_network_receive_bytes_total',
  'container_start_time_seconds',
  'prober_probe_total',
  'kubelet_volume_stats_capacity_bytes',
  'kubelet_volume_stats_available_bytes',
  'kubelet_volume_stats_used_bytes',
];
