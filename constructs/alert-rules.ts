/**
 * Alerting rules (Prometheus rule-file format), generated for the workloads that are enabled. Without
 * kube-state-metrics, pod health comes from cAdvisor (container restarts show as new start times) and volume
 * usage from the kubelet's volume stats.
 */
import { StackContext } from './lib/context';

export interface AlertRule {
  alert: string;
  expr: string;
  for: string;
  labels: { severity: 'warning' | 'critical' };
  annotations: { summary: string; description: string };
}
export interface RuleGroup {
  name: string;
  rules: AlertRule[];
}

const rule = (alert: string, expr: string, forDur: string, severity: 'warning' | 'critical', summary: string, description: string): AlertRule => ({
  alert,
  expr,
  for: forDur,
  labels: { severity },
  annotations: { summary, description },
});

export function alertRules(ctx: StackContext): { groups: RuleGroup[] } {
  const w = ctx.site.workloads;
  const groups: RuleGroup[] = [
    {
      name: 'stack',
      rules: [
        rule('TargetDown', 'up == 0', '5m', 'warning', 'Scrape target {{ $labels.job }} is down', '{{ $labels.instance }} of job {{ $labels.job }} has not answered scrapes for 5 minutes.'),
        rule(
          'PrometheusStorageNearlyFull',
          `prometheus_tsdb_storage_blocks_bytes / (${Math.floor(toBytes(w.prometheus.storage))}) > 0.8`,
          '15m',
          'warning',
          'Prometheus TSDB uses over 80% of its volume',
          'Blocks on disk exceed 80% of the data volume; retention by size will start deleting old data.',
        ),
        rule(
          'PersistentVolumeNearlyFull',
          'kubelet_volume_stats_available_bytes / kubelet_volume_stats_capacity_bytes < 0.15',
          '10m',
          'warning',
          'PVC {{ $labels.namespace }}/{{ $labels.persistentvolumeclaim }} is over 85% full',
          'Less than 15% of the volume is free.',
        ),
        rule(
          'PodCrashLooping',
          'changes(container_start_time_seconds{container!="", container!="POD"}[15m]) > 3',
          '0m',
          'critical',
          'Container {{ $labels.namespace }}/{{ $labels.pod }}/{{ $labels.container }} restarts repeatedly',
          'The container started more than 3 times in 15 minutes (cAdvisor start times).',
        ),
        rule(
          'CiliumPolicyDrops',
          'sum by (direction) (rate(cilium_drop_count_total{reason="Policy denied"}[5m])) > 1',
          '15m',
          'warning',
          'Cilium drops traffic by policy',
          'More than one packet per second is denied by network policy; a declared flow may be missing (hubble observe --verdict DROPPED).',
        ),
      ],
    },
  ];
  const perWorkload: AlertRule[] = [];
  if (w.grafana.enabled) {
    perWorkload.push(rule('GrafanaServerErrors', 'sum(rate(grafana_http_request_duration_seconds_count{status_code=~"5.."}[5m])) > 0.1', '10m', 'warning', 'Grafana answers with server errors', 'Grafana returns 5xx responses.'));
  }
  if (w.argocd.enabled) {
    perWorkload.push(rule('ArgoCdAppDegraded', 'argocd_app_info{health_status="Degraded"} == 1', '15m', 'critical', 'Argo CD application {{ $labels.name }} is degraded', 'The application has been Degraded for 15 minutes.'));
    perWorkload.push(rule('ArgoCdAppOutOfSync', 'argocd_app_info{sync_status="OutOfSync"} == 1', '30m', 'warning', 'Argo CD application {{ $labels.name }} is out of sync', 'The live state differs from git for 30 minutes.'));
  }
  if (w.traefik.enabled) {
    perWorkload.push(rule('TraefikServerErrors', 'sum by (entrypoint) (rate(traefik_entrypoint_requests_total{code=~"5.."}[5m])) / sum by (entrypoint) (rate(traefik_entrypoint_requests_total[5m])) > 0.05', '10m', 'warning', 'Traefik: over 5% server errors on {{ $labels.entrypoint }}', 'Backends behind Traefik fail requests.'));
  }
  if (w.minio.enabled) {
    perWorkload.push(rule('MinioDriveOffline', 'minio_cluster_drive_offline_total > 0', '5m', 'critical', 'MinIO has offline drives', 'At least one MinIO drive is offline.'));
  }
  if (w.wazuh.enabled) {
    // Wazuh 4.14 exposes no Prometheus endpoint; its health is seen through the pods' restarts.
    perWorkload.push(rule('WazuhRestarting', 'changes(container_start_time_seconds{namespace="' + ctx.site.namespaces.security + '", container=~"wazuh-.*"}[30m]) > 2', '0m', 'warning', 'A Wazuh component restarts repeatedly', 'Wazuh exposes no metrics endpoint; restarts are the available signal.'));
  }
  if (w.prometheus.enabled) {
    perWorkload.push(rule('PrometheusRuleFailures', 'increase(prometheus_rule_evaluation_failures_total[5m]) > 0', '5m', 'warning', 'Prometheus rule evaluation fails', 'Some alerting rules fail to evaluate.'));
  }
  groups.push({ name: 'workloads', rules: perWorkload });
  return { groups };
}

function toBytes(q: string): number {
  const n = parseInt(q, 10);
  const unit = q.replace(/^\d+/, '');
  const pow = { Ki: 1, Mi: 2, Gi: 3, Ti: 4 }[unit] ?? 0;
  return n * 1024 ** pow;
}
