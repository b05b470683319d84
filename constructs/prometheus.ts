/**
 * Prometheus (namespace `monitoring`): StatefulSet with a retained data volume, a config-reloader sidecar
 * (POST /-/reload on ConfigMap change, no restart), and a scrape configuration generated from the metrics
 * every workload declared (constructs/lib/metrics.ts): one declaration gives the job and the network flow.
 *
 * Targets outside the stack are declared here: CoreDNS, the Cilium agent/operator/Hubble (hostNetwork, so the
 * `host`/`remote-node` entities), and the kubelet/cAdvisor through the API server proxy
 * (docs/adr/0011-scrape-config-from-declarations.md).
 */
import { z } from 'zod';
import { duration, res, statefulComponent, versionOverride } from '../config/fields';
import { Construct } from 'constructs';
import { Lazy } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import type { Site } from '../config/schema';
import { toMi } from '../config/fields';
import { imageOf, tagOf } from '../config/versions';
import { alertRules } from './alert-rules';
import { StackContext } from './lib/context';
import { ScrapeTarget } from './lib/metrics';
import { Endpoint, entity, KUBE_DNS, pods, tcp, workloadPeer } from './lib/network';
import { READ } from './lib/rbac';
import { Workload } from './lib/workload';
import { yamlDoc } from './lib/yaml';
import { alertRule, defineApp } from './lib/app';
import { adminAllowList, httpsRoute } from './lib/ingress';

/**
 * Lifecycle endpoints (POST/PUT) Prometheus registers with --web.enable-lifecycle: stop the server, reload the
 * configuration (prometheus/prometheus web/web.go @ v3.5.0; conformance/facts/exposure.ts). Not for the LAN.
 */
export const PROMETHEUS_LIFECYCLE_PATHS: readonly string[] = ['/-/quit', '/-/reload'];
export const PROMETHEUS_UID = 65534;
export const PROMETHEUS_PORT = 9090;
export const PROMETHEUS_CONFIG = 'prometheus-config';
const CONFIG_DIR = '/etc/config';
const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
/** Share of the data volume the TSDB blocks may fill before retention by size deletes old blocks; the rest is WAL/head headroom. */
export const RETENTION_SIZE_SHARE = 0.85;

type Json = Record<string, unknown>;

/** Cilium's hostNetwork metrics endpoints (Helm values in day0/bootstrap.ts enable all three). */
const CILIUM_TARGETS = [
  // The agent (and its Hubble metrics server) runs on every node: one target per node.
  { job: 'cilium-agent', port: 9962 },
  { job: 'hubble', port: 9965 },
  // The operator runs on at most two nodes: discover its pods, or a node without one would count as down.
  { job: 'cilium-operator', port: 9963, pods: pods('kube-system', { 'io.cilium/app': 'operator' }) },
] as const;

export class Prometheus extends Construct {
  readonly workload: Workload;

  constructor(scope: Construct, id: string, ctx: StackContext) {
    super(scope, id);
    const site = ctx.site;
    const cfg = site.workloads.prometheus;
    const ns = site.namespaces.monitoring;
    const retentionSizeMi = Math.floor(toMi(cfg.storage) * RETENTION_SIZE_SHARE);

    this.workload = new Workload(this, 'prometheus', ctx, {
      name: 'prometheus',
      namespace: ns,
      partOf: 'observability',
      version: tagOf('prometheus', cfg.version),
      kind: 'StatefulSet',
      replicas: cfg.replicas,
      user: { uid: PROMETHEUS_UID, gid: PROMETHEUS_UID },
      // Lets the TSDB finish writing the head block on shutdown.
      terminationGracePeriodSeconds: 300,
      containers: [
        {
          name: 'prometheus',
          image: imageOf('prometheus', cfg.version),
          args: [
            `--config.file=${CONFIG_DIR}/prometheus.yml`,
            '--storage.tsdb.path=/data',
            `--storage.tsdb.retention.time=${cfg.retention}`,
            // Prometheus size units are base 2 (MB = MiB).
            `--storage.tsdb.retention.size=${retentionSizeMi}MB`,
            // For the reloader sidecar (POST /-/reload on 127.0.0.1). The lifecycle endpoints share port 9090 with
            // the UI, so the Traefik route leaves them out (PROMETHEUS_LIFECYCLE_PATHS).
            '--web.enable-lifecycle',
            `--web.external-url=https://${ctx.host('prometheus')}`,
          ],
          ports: [{ name: 'http', port: PROMETHEUS_PORT }],
          resources: cfg.resources,
          readiness: { http: { path: '/-/ready', port: 'http' }, initialDelaySeconds: 30, periodSeconds: 5, timeoutSeconds: 4, failureThreshold: 3 },
          liveness: { http: { path: '/-/healthy', port: 'http' }, initialDelaySeconds: 30, periodSeconds: 15, timeoutSeconds: 10, failureThreshold: 3 },
          // WAL replay after a crash can take minutes on a full head block.
          startup: { http: { path: '/-/ready', port: 'http' }, initialDelaySeconds: 10, periodSeconds: 10, timeoutSeconds: 4, failureThreshold: 60 },
          mounts: [
            { volume: 'config', path: CONFIG_DIR, readOnly: true },
            { volume: 'data', path: '/data' },
          ],
        },
        {
          name: 'config-reloader',
          image: imageOf('configReloader'),
          // Watches the ConfigMap directory (kubelet swaps it atomically) and POSTs /-/reload on change.
          args: [`--watched-dir=${CONFIG_DIR}`, `--reload-url=http://127.0.0.1:${PROMETHEUS_PORT}/-/reload`, '--listen-address=:8080'],
          ports: [{ name: 'reloader', port: 8080, expose: false }],
          resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '50m', memory: '32Mi' } },
          liveness: { http: { path: '/healthz', port: 'reloader' } },
          readiness: { http: { path: '/healthz', port: 'reloader' } },
          mounts: [{ volume: 'config', path: CONFIG_DIR, readOnly: true }],
        },
      ],
      volumes: [{ name: 'config', configMap: { name: PROMETHEUS_CONFIG } }],
      claims: [{ name: 'data', size: cfg.storage }],
      // Upstream's example ClusterRole (documentation/examples/rbac-setup.yml) plus nodes/proxy for the kubelet
      // through the API server proxy (ADR 0011), minus what no job uses (ingresses, /metrics/cadvisor): the
      // exceptions are listed in conformance/facts/prometheus.ts. No write verb, nothing on secrets or configmaps
      // (get on nodes/proxy is still powerful: ADR 0011).
      clusterRules: [
        { apiGroups: [''], resources: ['nodes', 'nodes/metrics', 'services', 'endpoints', 'pods'], verbs: READ },
        // A proxied GET is `get` on the subresource; list/watch mean nothing there.
        { apiGroups: [''], resources: ['nodes/proxy'], verbs: ['get'] },
        { nonResourceURLs: ['/metrics'], verbs: ['get'] },
      ],
      metrics: [{ port: 'http', job: 'prometheus' }],
    });
    ctx.allowApiServer(this.workload.peer, 'Prometheus discovers targets and scrapes kubelets/cAdvisor through the API server proxy');

    // Targets that are not workloads of the stack.
    ctx.metrics.declare({ job: 'coredns', endpoint: { peer: KUBE_DNS, port: tcp(9153) } });
    for (const t of CILIUM_TARGETS) {
      // hostNetwork: the local node is the `host` entity, every other node `remote-node`.
      const hostNetworkPods = 'pods' in t ? t.pods : undefined;
      ctx.metrics.declare({
        job: t.job,
        endpoint: { peer: entity('host'), port: tcp(t.port) },
        discovery: hostNetworkPods ? 'pods' : 'nodes',
        ...(hostNetworkPods ? { hostNetworkPods } : {}),
      });
      if (ctx.multiNode) ctx.net.allowPorts(this.workload.peer, entity('remote-node'), [tcp(t.port)], `Prometheus scrapes ${t.job} on the other nodes`);
    }

    // Rendered at synthesis time, after every chart declared its metrics and every workload exists: the jobs
    // come from the same registry state as the network policies (emitted after all charts), so the two match
    // even if a chart is ever built after this one.
    const yaml = (produce: () => unknown): string => Lazy.any({ produce: () => yamlDoc(produce()) });
    new k8s.KubeConfigMap(this, 'config', {
      metadata: { name: PROMETHEUS_CONFIG, namespace: ns, labels: this.workload.labels },
      data: {
        'prometheus.yml': yaml(() => prometheusConfig(ctx)),
        'alerts.yml': yaml(() => alertRules(ctx, RETENTION_SIZE_SHARE)),
      },
    });
  }
}

/** The whole prometheus.yml, from the registry as it stands when called. */
export function prometheusConfig(ctx: StackContext): Json {
  return {
    global: { scrape_interval: '30s', scrape_timeout: '10s', evaluation_interval: '30s', external_labels: { cluster: ctx.site.cluster.name } },
    rule_files: [`${CONFIG_DIR}/alerts.yml`],
    // Alertmanager's Service (constructs/alertmanager.ts declares the flow); without it alerts stay in this UI.
    ...(ctx.site.workloads.alertmanager.enabled
      ? { alerting: { alertmanagers: [{ static_configs: [{ targets: [`alertmanager.${ctx.site.namespaces.monitoring}.svc:9093`] }] }] } }
      : {}),
    scrape_configs: [...ctx.metrics.targets().map(scrapeJob), ...kubeletJobs()],
  };
}

/**
 * Kubelet and cAdvisor metrics through the API server proxy: one address (kubernetes.default.svc, i.e. the
 * kube-apiserver entity on 6443) for every node, authenticated with the ServiceAccount token. The flow is
 * the API server one, not a scrape-registry flow.
 */
export function kubeletJobs(): Json[] {
  return [
    ['kubelet', 'metrics'],
    ['kubelet-cadvisor', 'metrics/cadvisor'],
    ['kubelet-probes', 'metrics/probes'],
  ].map(([job, path]) => ({
    job_name: job,
    scheme: 'https',
    tls_config: { ca_file: `${SA_DIR}/ca.crt` },
    authorization: { credentials_file: `${SA_DIR}/token` },
    kubernetes_sd_configs: [{ role: 'node' }],
    relabel_configs: [
      { target_label: '__address__', replacement: 'kubernetes.default.svc:443' },
      { source_labels: ['__meta_kubernetes_node_name'], target_label: '__metrics_path__', replacement: `/api/v1/nodes/$1/proxy/${path}` },
      { source_labels: ['__meta_kubernetes_node_name'], target_label: 'node' },
    ],
  }));
}

/** One scrape job for a declared target. */
export function scrapeJob(t: ScrapeTarget): Json {
  const common: Json = {
    job_name: t.job,
    metrics_path: t.path ?? '/metrics',
    scheme: t.scheme ?? 'http',
    ...(t.honorLabels ? { honor_labels: true } : {}),
    ...(t.bearerTokenFile ? { authorization: { credentials_file: t.bearerTokenFile } } : {}),
    ...(t.basicAuth ? { basic_auth: { username: t.basicAuth.username, password_file: t.basicAuth.passwordFile } } : {}),
    ...(t.insecureSkipVerify ? { tls_config: { insecure_skip_verify: true } } : {}),
  };
  const peer = t.endpoint.peer;
  const port = t.endpoint.port.port;
  const extraLabels = Object.entries(t.labels ?? {}).map(([k, v]) => ({ target_label: k, replacement: v }));
  const keepLabels = (labels: Readonly<Record<string, string>>) =>
    Object.entries(labels).map(([k, v]) => ({ source_labels: [`__meta_kubernetes_pod_label_${k.replace(/[^a-zA-Z0-9_]/g, '_')}`], regex: v, action: 'keep' }));
  const podLabels = [
    { source_labels: ['__meta_kubernetes_namespace'], target_label: 'namespace' },
    { source_labels: ['__meta_kubernetes_pod_name'], target_label: 'pod' },
    { source_labels: ['__meta_kubernetes_pod_node_name'], target_label: 'node' },
  ];

  if (peer.kind === 'entity') {
    if (t.hostNetworkPods) {
      // hostNetwork pods: the pod IP is the node IP. Every container port gives a target; after the address
      // rewrite they are identical and Prometheus keeps one.
      return {
        ...common,
        kubernetes_sd_configs: [{ role: 'pod', namespaces: { names: [t.hostNetworkPods.namespace] } }],
        relabel_configs: [
          ...keepLabels(t.hostNetworkPods.labels),
          { source_labels: ['__meta_kubernetes_pod_ip'], target_label: '__address__', replacement: `$1:${port}` },
          ...podLabels,
          ...extraLabels,
        ],
      };
    }
    return {
      ...common,
      kubernetes_sd_configs: [{ role: 'node' }],
      relabel_configs: [
        { source_labels: ['__meta_kubernetes_node_address_InternalIP'], target_label: '__address__', replacement: `$1:${port}` },
        { source_labels: ['__meta_kubernetes_node_name'], target_label: 'node' },
        ...extraLabels,
      ],
    };
  }
  if (peer.kind !== 'workload' && peer.kind !== 'pods') throw new Error(`scrape job ${t.job}: cannot discover a ${peer.kind} peer`);
  const labels = peer.kind === 'workload' ? { 'app.kubernetes.io/name': peer.name } : peer.labels;
  return {
    ...common,
    kubernetes_sd_configs: [{ role: 'pod', namespaces: { names: [peer.namespace] } }],
    relabel_configs: [
      ...keepLabels(labels),
      // One target per pod: the declared container port only.
      { source_labels: ['__meta_kubernetes_pod_container_port_number'], regex: String(port), action: 'keep' },
      ...podLabels,
      ...extraLabels,
    ],
  };
}

/** The Prometheus endpoint clients use (Grafana's datasource), known without building Prometheus. */
export function prometheusEndpoint(site: Site): Endpoint {
  return { peer: workloadPeer(site.namespaces.monitoring, 'prometheus'), port: tcp(PROMETHEUS_PORT), name: 'http', service: { name: 'prometheus', port: PROMETHEUS_PORT } };
}

/** `site.workloads.prometheus`: this app's slice of the site schema (config/schema.ts composes it from the registry). */
export const prometheusSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    ...versionOverride,
    ...statefulComponent({ resources: res('200m', '1Gi', '2Gi'), storage: '20Gi' }),
    retention: duration.default('15d'),
  })
  .prefault({});

/** Prometheus, its configuration from every declared scrape target, and its allowlisted route: chart `monitoring`. */
declare module '../config/schema' {
  /** `site.workloads.prometheus`, typed by this file's schema (config/schema.ts SiteWorkloads). */
  interface SiteWorkloads {
    readonly prometheus: z.output<typeof prometheusSchema>;
  }
}

export const prometheusApp = defineApp({
  key: 'prometheus',
  schema: prometheusSchema,
  replicated: [['replicas']],
  namespace: { key: 'monitoring', podSecurity: 'restricted' },
  chart: 'monitoring',
  wave: 0,
  images: ['prometheus', 'configReloader'],
  enabled: (site) => site.workloads.prometheus.enabled,
  routed: true,
  roles: { scraper: (site) => workloadPeer(site.namespaces.monitoring, 'prometheus') },
  build: (chart, ctx) => {
    const prometheus = new Prometheus(chart, 'prometheus', ctx);
    // The Prometheus UI has no login: only the admin allowlist may reach it through Traefik.
    const allow = adminAllowList(chart, 'admin-allowlist', ctx, ctx.site.namespaces.monitoring);
    // --web.enable-lifecycle is on for the config reloader (pod-local); the LAN gets the UI and API, not quit/reload.
    httpsRoute(chart, 'prometheus-route', ctx, {
      subdomain: 'prometheus',
      backend: prometheus.workload.endpoint('http'),
      middlewares: [allow],
      excludePaths: PROMETHEUS_LIFECYCLE_PATHS,
      exposure: { audience: 'admin', exposes: 'Prometheus UI and query API (no login): admin ranges only, never the lifecycle API', denyPaths: [...PROMETHEUS_LIFECYCLE_PATHS] },
    });
  },
  dashboards: () => [
    {
      uid: 'domus-prometheus',
      title: 'Prometheus',
      panels: [
        { title: 'Head series', expr: 'prometheus_tsdb_head_series' },
        { title: 'Samples ingested/s', expr: 'rate(prometheus_tsdb_head_samples_appended_total[5m])' },
        { title: 'TSDB blocks size', expr: 'prometheus_tsdb_storage_blocks_bytes', unit: 'bytes' },
        { title: 'Rule evaluation failures', expr: 'increase(prometheus_rule_evaluation_failures_total[1h])' },
      ],
    },
  ],
  alerts: () => [
    alertRule(
      'PrometheusConfigReloadFailed',
      'prometheus_config_last_reload_successful == 0',
      '10m',
      'warning',
      'Prometheus rejected its new configuration',
      'The last reload failed; Prometheus keeps running the previous configuration (see the config-reloader and prometheus logs).',
    ),
    alertRule(
      'PrometheusRuleFailures',
      'increase(prometheus_rule_evaluation_failures_total[5m]) > 0',
      '5m',
      'warning',
      'Prometheus rule evaluation fails',
      'Some alerting rules fail to evaluate.',
    ),
  ],
  mustDeny: [
    { from: 'world', to: 'monitoring/prometheus', port: 9090, why: 'the Prometheus API has no auth: only via the allowlisted route' },
    { from: 'ingress/traefik', to: 'monitoring/prometheus', port: 8080, why: 'the reloader sidecar is pod-local' },
  ],
});
