/**
 * Prometheus (namespace `monitoring`): StatefulSet with a retained data volume, a config-reloader sidecar
 * (POST /-/reload on ConfigMap change, no restart), and a scrape configuration generated from the metrics
 * every workload declared (constructs/lib/metrics.ts): one declaration gives the job and the network flow.
 *
 * Targets outside the stack are declared here: CoreDNS, the Cilium agent/operator/Hubble (hostNetwork, so the
 * `host` entity), and the kubelet/cAdvisor through the API server proxy.
 */
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { stringify } from 'yaml';
import { toMi } from '../config/schema';
import { imageOf, tagOf } from '../config/versions';
import { StackContext } from './lib/context';
import { ScrapeTarget } from './lib/metrics';
import { entity, KUBE_DNS, tcp } from './lib/network';
import { READ } from './lib/rbac';
import { Workload } from './lib/workload';
import { alertRules } from './alert-rules';

export const PROMETHEUS_UID = 65534;
export const PROMETHEUS_PORT = 9090;
const CONFIG_DIR = '/etc/config';

type Json = Record<string, unknown>;

export class Prometheus extends Construct {
  readonly workload: Workload;
  private readonly configName = 'prometheus-config';

  constructor(
    scope: Construct,
    id: string,
    private readonly ctx: StackContext,
  ) {
    super(scope, id);
    const site = ctx.site;
    const cfg = site.workloads.prometheus;
    const ns = site.namespaces.monitoring;
    // Keep 10% of the volume free: retention by size stops the TSDB before the disk fills.
    const retentionSizeMi = Math.floor(toMi(cfg.storage) * 0.85);

    this.workload = new Workload(this, 'prometheus', ctx, {
      name: 'prometheus',
      namespace: ns,
      partOf: 'observability',
      version: tagOf('prometheus', cfg.version),
      kind: 'StatefulSet',
      replicas: cfg.replicas,
      user: { uid: PROMETHEUS_UID, gid: PROMETHEUS_UID },
      terminationGracePeriodSeconds: 300,
      containers: [
        {
          name: 'prometheus',
          image: imageOf('prometheus', cfg.version),
          args: [
            `--config.file=${CONFIG_DIR}/prometheus.yml`,
            '--storage.tsdb.path=/data',
            `--storage.tsdb.retention.time=${cfg.retention}`,
            `--storage.tsdb.retention.size=${retentionSizeMi}MB`,
            '--web.enable-lifecycle',
            `--web.external-url=https://${ctx.host('prometheus')}`,
            '--web.console.libraries=/usr/share/prometheus/console_libraries',
            '--web.console.templates=/usr/share/prometheus/consoles',
          ],
          ports: [{ name: 'http', port: PROMETHEUS_PORT }],
          resources: cfg.resources,
          readiness: { http: { path: '/-/ready', port: 'http' }, initialDelaySeconds: 30, periodSeconds: 5, timeoutSeconds: 4, failureThreshold: 3 },
          liveness: { http: { path: '/-/healthy', port: 'http' }, initialDelaySeconds: 30, periodSeconds: 15, timeoutSeconds: 10, failureThreshold: 3 },
          mounts: [
            { volume: 'config', path: CONFIG_DIR, readOnly: true },
            { volume: 'data', path: '/data' },
          ],
        },
        {
          name: 'config-reloader',
          image: imageOf('configReloader'),
          args: [`--watched-dir=${CONFIG_DIR}`, `--reload-url=http://127.0.0.1:${PROMETHEUS_PORT}/-/reload`, '--listen-address=:8080'],
          ports: [{ name: 'reloader', port: 8080, expose: false }],
          resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '50m', memory: '32Mi' } },
          liveness: { http: { path: '/healthz', port: 'reloader' } },
          readiness: { http: { path: '/healthz', port: 'reloader' } },
          mounts: [{ volume: 'config', path: CONFIG_DIR, readOnly: true }],
        },
      ],
      volumes: [{ name: 'config', configMap: { name: this.configName } }],
      claims: [{ name: 'data', size: cfg.storage }],
      // Service discovery and the kubelet through the API server proxy; read-only, nothing on secrets.
      clusterRules: [
        { apiGroups: [''], resources: ['nodes', 'nodes/metrics', 'nodes/proxy', 'services', 'endpoints', 'pods'], verbs: READ },
        { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: READ },
        { nonResourceURLs: ['/metrics'], verbs: ['get'] },
      ],
      metrics: [{ port: 'http', job: 'prometheus' }],
    });
    ctx.allowApiServer(this.workload.peer, 'Prometheus discovers targets and scrapes kubelets through the API server');

    // Targets that are not workloads of the stack.
    ctx.metrics.declare({ job: 'coredns', endpoint: { peer: KUBE_DNS, port: tcp(9153) } });
    // Cilium runs with hostNetwork: one target per node IP; the local node is `host`, others `remote-node`.
    for (const [job, port] of [['cilium-agent', 9962], ['cilium-operator', 9963], ['hubble', 9965]] as const) {
      ctx.metrics.declare({ job, endpoint: { peer: entity('host'), port: tcp(port) }, discovery: 'nodes' });
      if (ctx.multiNode) ctx.net.allowPorts(this.workload.peer, entity('remote-node'), [tcp(port)], `Prometheus scrapes ${job} on the other nodes`);
    }
  }

  /** Writes the ConfigMap. Called by the chart after every workload has declared its metrics. */
  renderConfig(): void {
    const ctx = this.ctx;
    const jobs = ctx.metrics.targets().map(scrapeJob);
    const sa = '/var/run/secrets/kubernetes.io/serviceaccount';
    for (const [job, path] of [['kubelet', 'metrics'], ['cadvisor', 'metrics/cadvisor']] as const) {
      jobs.push({
        job_name: job,
        scheme: 'https',
        tls_config: { ca_file: `${sa}/ca.crt` },
        authorization: { credentials_file: `${sa}/token` },
        kubernetes_sd_configs: [{ role: 'node' }],
        relabel_configs: [
          { target_label: '__address__', replacement: 'kubernetes.default.svc:443' },
          { source_labels: ['__meta_kubernetes_node_name'], target_label: '__metrics_path__', replacement: `/api/v1/nodes/$1/proxy/${path}` },
          { source_labels: ['__meta_kubernetes_node_name'], target_label: 'node' },
        ],
      });
    }
    const config = {
      global: { scrape_interval: '30s', scrape_timeout: '10s', evaluation_interval: '30s', external_labels: { cluster: ctx.site.cluster.name } },
      rule_files: [`${CONFIG_DIR}/alerts.yml`],
      scrape_configs: jobs,
    };
    new k8s.KubeConfigMap(this, 'config', {
      metadata: { name: this.configName, namespace: ctx.site.namespaces.monitoring, labels: this.workload.labels },
      data: {
        'prometheus.yml': stringify(config, { lineWidth: 0, version: '1.1' }),
        'alerts.yml': stringify(alertRules(ctx), { lineWidth: 0, version: '1.1' }),
      },
    });
  }
}

/** One scrape job for a declared target. */
export function scrapeJob(t: ScrapeTarget): Json {
  const common: Json = {
    job_name: t.job,
    metrics_path: t.path ?? '/metrics',
    scheme: t.scheme ?? 'http',
    ...(t.bearerTokenFile ? { authorization: { credentials_file: t.bearerTokenFile } } : {}),
    ...(t.insecureSkipVerify ? { tls_config: { insecure_skip_verify: true } } : {}),
  };
  const peer = t.endpoint.peer;
  const port = t.endpoint.port.port;
  if (t.discovery === 'nodes' || peer.kind === 'entity') {
    return {
      ...common,
      kubernetes_sd_configs: [{ role: 'node' }],
      relabel_configs: [
        { source_labels: ['__meta_kubernetes_node_address_InternalIP'], target_label: '__address__', replacement: `$1:${port}` },
        { source_labels: ['__meta_kubernetes_node_name'], target_label: 'node' },
      ],
    };
  }
  if (peer.kind !== 'workload' && peer.kind !== 'pods') throw new Error(`scrape job ${t.job}: unsupported peer ${peer.kind}`);
  const labels = peer.kind === 'workload' ? { 'app.kubernetes.io/name': peer.name } : peer.labels;
  const keepLabels = Object.entries(labels).map(([k, v]) => ({
    source_labels: [`__meta_kubernetes_pod_label_${k.replace(/[^a-zA-Z0-9_]/g, '_')}`],
    regex: v,
    action: 'keep',
  }));
  return {
    ...common,
    kubernetes_sd_configs: [{ role: 'pod', namespaces: { names: [peer.namespace] } }],
    relabel_configs: [
      ...keepLabels,
      { source_labels: ['__meta_kubernetes_pod_container_port_number'], regex: String(port), action: 'keep' },
      { source_labels: ['__meta_kubernetes_namespace'], target_label: 'namespace' },
      { source_labels: ['__meta_kubernetes_pod_name'], target_label: 'pod' },
      ...Object.entries(t.labels ?? {}).map(([k, v]) => ({ target_label: k, replacement: v })),
    ],
  };
}
