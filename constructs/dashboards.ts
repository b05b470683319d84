/**
 * Grafana dashboards written as data: a cluster overview and one per enabled workload, each panel a query on
 * a metric that workload really exposes (the list is asserted in tests). Without kube-state-metrics, pod-level
 * views come from cAdvisor and the kubelet (see docs/adr/0012-alerting-without-kube-state-metrics.md).
 */
import { Site } from '../config/schema';

export interface Panel {
  readonly title: string;
  readonly expr: string;
  readonly unit?: string;
}
export interface DashboardSpec {
  readonly uid: string;
  readonly title: string;
  readonly panels: readonly Panel[];
}

export function dashboardSpecs(site: Site): DashboardSpec[] {
  const w = site.workloads;
  const ns = site.namespaces;
  const out: DashboardSpec[] = [
    {
      uid: 'domus-cluster',
      title: 'Cluster overview',
      panels: [
        { title: 'Targets up', expr: 'sum by (job) (up)' },
        { title: 'Node CPU (cores used)', expr: 'sum by (node) (rate(container_cpu_usage_seconds_total{id="/"}[5m]))' },
        { title: 'Memory working set by namespace', expr: 'sum by (namespace) (container_memory_working_set_bytes{container!=""})', unit: 'bytes' },
        // cAdvisor has no restart counter: each restart is a new container instance (series), so count instances.
        { title: 'Container restarts (1h)', expr: 'count by (namespace, pod, container) (count_over_time(container_start_time_seconds{container!="", container!="POD"}[1h])) - 1' },
        { title: 'Failed liveness probes (15m)', expr: 'sum by (namespace, pod, container) (increase(prober_probe_total{probe_type="Liveness", result="failed"}[15m]))' },
        { title: 'Node filesystem usage', expr: 'max by (node, device) (container_fs_usage_bytes{id="/", device=~"/dev/.+"} / container_fs_limit_bytes{id="/", device=~"/dev/.+"})', unit: 'percentunit' },
        { title: 'Volume usage', expr: '1 - kubelet_volume_stats_available_bytes / kubelet_volume_stats_capacity_bytes', unit: 'percentunit' },
        { title: 'Policy drops (Cilium)', expr: 'sum by (reason) (rate(cilium_drop_count_total[5m]))' },
        { title: 'Hubble flows by verdict', expr: 'sum by (verdict) (rate(hubble_flows_processed_total[5m]))' },
        { title: 'DNS queries (CoreDNS)', expr: 'sum by (rcode) (rate(coredns_dns_responses_total[5m]))' },
      ],
    },
  ];
  if (w.prometheus.enabled) {
    out.push({
      uid: 'domus-prometheus',
      title: 'Prometheus',
      panels: [
        { title: 'Head series', expr: 'prometheus_tsdb_head_series' },
        { title: 'Samples ingested/s', expr: 'rate(prometheus_tsdb_head_samples_appended_total[5m])' },
        { title: 'TSDB blocks size', expr: 'prometheus_tsdb_storage_blocks_bytes', unit: 'bytes' },
        { title: 'Rule evaluation failures', expr: 'increase(prometheus_rule_evaluation_failures_total[1h])' },
      ],
    });
  }
  if (w.grafana.enabled) {
    out.push({
      uid: 'domus-grafana',
      title: 'Grafana',
      panels: [
        { title: 'HTTP requests/s by status', expr: 'sum by (status_code) (rate(grafana_http_request_duration_seconds_count[5m]))' },
        { title: 'Active users', expr: 'grafana_stat_active_users' },
      ],
    });
  }
  if (w.argocd.enabled) {
    out.push({
      uid: 'domus-argocd',
      title: 'Argo CD',
      panels: [
        { title: 'Applications by health', expr: 'sum by (health_status) (argocd_app_info)' },
        { title: 'Applications by sync status', expr: 'sum by (sync_status) (argocd_app_info)' },
        { title: 'Syncs by phase (1h)', expr: 'sum by (phase) (increase(argocd_app_sync_total[1h]))' },
        { title: 'Git requests', expr: 'sum by (request_type) (rate(argocd_git_request_total[5m]))' },
      ],
    });
  }
  if (w.traefik.enabled) {
    out.push({
      uid: 'domus-traefik',
      title: 'Traefik',
      panels: [
        { title: 'Requests/s by entrypoint', expr: 'sum by (entrypoint) (rate(traefik_entrypoint_requests_total[5m]))' },
        { title: 'Requests/s by service and code', expr: 'sum by (service, code) (rate(traefik_service_requests_total[5m]))' },
        { title: 'p95 latency by service', expr: 'histogram_quantile(0.95, sum by (service, le) (rate(traefik_service_request_duration_seconds_bucket[5m])))', unit: 's' },
      ],
    });
  }
  if (w.minio.enabled) {
    out.push({
      uid: 'domus-minio',
      title: 'MinIO',
      panels: [
        { title: 'Usable capacity free', expr: 'minio_cluster_capacity_usable_free_bytes', unit: 'bytes' },
        { title: 'Drives offline', expr: 'minio_cluster_drive_offline_total' },
        { title: 'S3 requests/s by API', expr: 'sum by (api) (rate(minio_s3_requests_total[5m]))' },
      ],
    });
  }
  // The injector is always part of the stack (chart `vault`); vault-k8s documents no metric names of its own.
  out.push({
    uid: 'domus-vault-injector',
    title: 'Vault Agent Injector',
    panels: [
      { title: 'Injector scrape up', expr: 'up{job="vault-agent-injector"}' },
      { title: 'CPU', expr: `sum by (pod) (rate(container_cpu_usage_seconds_total{namespace="${ns.vault}", container!=""}[5m]))` },
      { title: 'Memory', expr: `sum by (pod) (container_memory_working_set_bytes{namespace="${ns.vault}", container!=""})`, unit: 'bytes' },
    ],
  });
  if (w.wazuh.enabled) {
    // Wazuh 4.14 exposes no Prometheus metrics: its dashboard shows what cAdvisor and the kubelet see.
    out.push({
      uid: 'domus-wazuh',
      title: 'Wazuh',
      panels: [
        { title: 'CPU by component', expr: `sum by (pod) (rate(container_cpu_usage_seconds_total{namespace="${ns.security}", container!=""}[5m]))` },
        { title: 'Memory by component', expr: `sum by (pod) (container_memory_working_set_bytes{namespace="${ns.security}", container!=""})`, unit: 'bytes' },
        { title: 'Container restarts (1h)', expr: `count by (pod, container) (count_over_time(container_start_time_seconds{namespace="${ns.security}", container=~"wazuh-.*"}[1h])) - 1` },
        { title: 'Network received by component', expr: `sum by (pod) (rate(container_network_receive_bytes_total{namespace="${ns.security}"}[5m]))`, unit: 'Bps' },
      ],
    });
  }
  return out;
}

/** Grafana dashboard JSON (schema 39) for a spec: one time-series panel per query, two per row. */
export function dashboardJson(spec: DashboardSpec): Record<string, unknown> {
  return {
    uid: spec.uid,
    title: spec.title,
    tags: ['domus'],
    schemaVersion: 39,
    editable: false,
    time: { from: 'now-6h', to: 'now' },
    refresh: '1m',
    panels: spec.panels.map((p, i) => ({
      id: i + 1,
      type: 'timeseries',
      title: p.title,
      gridPos: { h: 8, w: 12, x: (i % 2) * 12, y: Math.floor(i / 2) * 8 },
      datasource: { type: 'prometheus', uid: 'prometheus' },
      fieldConfig: { defaults: { unit: p.unit ?? 'short' }, overrides: [] },
      targets: [{ refId: 'A', expr: p.expr, datasource: { type: 'prometheus', uid: 'prometheus' } }],
    })),
  };
}
