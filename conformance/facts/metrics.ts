/**
 * The metric catalogue: per exporter, the scrape jobs of this stack that produce its series and the metric
 * names the alert rules use, each read where upstream defines it. test/alert-rules.test.ts requires every
 * metric of every rule to be in the catalogue of an exporter whose job Prometheus scrapes. Names from the
 * exporters that have their own facts table (kube-state-metrics, node-exporter, Grafana, MinIO) come from it.
 */
import { factTable } from '../upstream';
import { ALERTMANAGER_FACTS } from './alertmanager';
import { GRAFANA_FACTS } from './grafana';
import { KSM_FACTS } from './kube-state-metrics';
import { MINIO_FACTS } from './minio';
import { NODE_EXPORTER_FACTS } from './node-exporter';

export interface CatalogueEntry {
  /** Scrape jobs (job_name in prometheus.yml) whose targets expose these names; `*` for every job. */
  readonly jobs: readonly string[];
  readonly metrics: readonly string[];
}

export const METRIC_FACTS = factTable('metrics', {
  up: {
    fact: 'Prometheus writes up (1 when the scrape succeeded, 0 otherwise) for every target it scrapes (scrape/scrape.go)',
    value: { jobs: ['*'], metrics: ['up'] } satisfies CatalogueEntry,
    upstream: 'prometheus',
    path: 'scrape/scrape.go',
  },
  prometheus: {
    fact: 'Prometheus self-metrics: prometheus_tsdb_storage_blocks_bytes (tsdb/db.go), prometheus_tsdb_wal_storage_size_bytes (tsdb/wlog/wlog.go, prefix prometheus_tsdb_wal_), prometheus_config_last_reload_successful (cmd/prometheus/main.go), prometheus_rule_evaluation_failures_total (rules/group.go)',
    value: {
      jobs: ['prometheus'],
      metrics: [
        'prometheus_config_last_reload_successful',
        'prometheus_rule_evaluation_failures_total',
        'prometheus_tsdb_storage_blocks_bytes',
        'prometheus_tsdb_wal_storage_size_bytes',
      ],
    } satisfies CatalogueEntry,
    upstream: 'prometheus',
    path: 'tsdb/db.go',
  },
  cadvisor: {
    fact: "cAdvisor's container_start_time_seconds, one series per running container instance (metrics/prometheus.go)",
    value: { jobs: ['kubelet-cadvisor'], metrics: ['container_start_time_seconds'] } satisfies CatalogueEntry,
    upstream: 'cadvisor',
    path: 'metrics/prometheus.go',
  },
  kubeletProbes: {
    fact: "the kubelet's /metrics/probes serves prober_probe_total{probe_type, result, namespace, pod, container}",
    value: { jobs: ['kubelet-probes'], metrics: ['prober_probe_total'] } satisfies CatalogueEntry,
    upstream: 'kubelet-stored',
    path: 'pkg/kubelet/prober/prober_manager.go',
  },
  cilium: {
    fact: 'the Cilium agent counts dropped packets in cilium_drop_count_total{reason, direction} (Namespace cilium, Name drop_count_total)',
    value: { jobs: ['cilium-agent'], metrics: ['cilium_drop_count_total'] } satisfies CatalogueEntry,
    upstream: 'cilium-stored',
    path: 'pkg/metrics/metrics.go',
  },
  argocd: {
    fact: 'the application controller exports argocd_app_info{sync_status, health_status, ...} and argocd_app_sync_total{phase, ...}',
    value: { jobs: ['argocd-application-controller'], metrics: ['argocd_app_info', 'argocd_app_sync_total'] } satisfies CatalogueEntry,
    upstream: 'argo-cd',
    path: 'controller/metrics/metrics.go',
  },
  traefik: {
    fact: 'Traefik exports traefik_entrypoint_requests_total{code, method, protocol, entrypoint}',
    value: { jobs: ['traefik'], metrics: ['traefik_entrypoint_requests_total'] } satisfies CatalogueEntry,
    upstream: 'traefik',
    path: 'pkg/observability/metrics/prometheus.go',
  },
  traefikTls: {
    fact: 'Traefik exports traefik_tls_certs_not_after{cn, serial, sans} (Unix seconds), set for every certificate of its TLS stores each time a dynamic configuration is applied (cmd/traefik/traefik.go appendCertMetric); series of replaced certificates stay until a restart',
    value: { jobs: ['traefik'], metrics: ['traefik_tls_certs_not_after'] } satisfies CatalogueEntry,
    upstream: 'traefik',
    path: 'pkg/observability/metrics/prometheus.go',
  },
  kubeStateMetricsJobs: {
    fact: KSM_FACTS.jobMetrics.fact,
    value: { jobs: ['kube-state-metrics'], metrics: KSM_FACTS.jobMetrics.value } satisfies CatalogueEntry,
    upstream: 'kube-state-metrics',
    path: KSM_FACTS.jobMetrics.path,
  },
  kubeStateMetrics: {
    fact: KSM_FACTS.metrics.fact,
    value: { jobs: ['kube-state-metrics'], metrics: KSM_FACTS.metrics.value } satisfies CatalogueEntry,
    upstream: 'kube-state-metrics',
    path: KSM_FACTS.metrics.path,
  },
  nodeExporter: {
    fact: NODE_EXPORTER_FACTS.metrics.fact,
    value: { jobs: ['node-exporter'], metrics: NODE_EXPORTER_FACTS.metrics.value } satisfies CatalogueEntry,
    upstream: 'node-exporter',
    path: NODE_EXPORTER_FACTS.metrics.path,
  },
  grafana: {
    fact: GRAFANA_FACTS.metrics.fact,
    value: { jobs: ['grafana'], metrics: [`${GRAFANA_FACTS.metrics.value.histograms[0]}_count`, ...GRAFANA_FACTS.metrics.value.names] } satisfies CatalogueEntry,
    upstream: GRAFANA_FACTS.metrics.upstream,
    path: GRAFANA_FACTS.metrics.path,
    at: GRAFANA_FACTS.metrics.at,
  },
  alertmanager: {
    fact: ALERTMANAGER_FACTS.metrics.fact,
    value: { jobs: ['alertmanager'], metrics: ALERTMANAGER_FACTS.metrics.value } satisfies CatalogueEntry,
    upstream: 'alertmanager',
    path: ALERTMANAGER_FACTS.metrics.path,
  },
  minio: {
    fact: MINIO_FACTS.metricNames.fact,
    value: { jobs: ['minio'], metrics: MINIO_FACTS.metricNames.value } satisfies CatalogueEntry,
    upstream: MINIO_FACTS.metricNames.upstream,
    path: MINIO_FACTS.metricNames.path,
  },
});
