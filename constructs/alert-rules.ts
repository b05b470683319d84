/**
 * Alerting rules (Prometheus rule-file format), generated at synthesis time for what the stack runs.
 *
 * There is no kube-state-metrics, so nothing reports pod phases, restart counts or replica availability
 * (kube_pod_container_status_restarts_total, kube_deployment_status_replicas_available do not exist here).
 * What exists instead, and what these rules use (docs/adr/0012-alerting-without-kube-state-metrics.md):
 * - cAdvisor (kubelet /metrics/cadvisor): one series per running container *instance*; a restart starts a new
 *   instance (new `id` label), so restarts are counted as distinct instances, and a container that is not
 *   running has no series at all (absent()).
 * - kubelet /metrics/probes: prober_probe_total per container and probe type.
 * - kubelet /metrics: kubelet_volume_stats_* for volume plugins that report usage (not local-path's hostPath
 *   volumes); cAdvisor's root container reports the node filesystems those volumes live on.
 * - Each workload's own /metrics, for one rule per workload on a signal it really exposes.
 */
import { toMi } from '../config/schema';
import { StackContext } from './lib/context';
import type { Workload } from './lib/workload';

export type Severity = 'warning' | 'critical';
export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly labels: { readonly severity: Severity } & Readonly<Record<string, string>>;
  readonly annotations: { readonly summary: string; readonly description: string };
}
export interface RuleGroup {
  readonly name: string;
  readonly rules: readonly AlertRule[];
}

const rule = (alert: string, expr: string, forDur: string, severity: Severity, summary: string, description: string, labels: Record<string, string> = {}): AlertRule => ({
  alert,
  expr,
  for: forDur,
  labels: { severity, ...labels },
  annotations: { summary, description },
});

/** Regex for the pod names a controller gives its pods (StatefulSet `<name>-<ordinal>`, ReplicaSet `<name>-<hash>-<id>`). */
export function podNamePattern(name: string, kind: Workload['props']['kind']): string {
  switch (kind) {
    case 'StatefulSet':
      return `${name}-[0-9]+`;
    case 'Deployment':
      return `${name}-[a-z0-9]+-[a-z0-9]{5}`;
    case 'DaemonSet':
    case 'Job':
      return `${name}-[a-z0-9]{5}`;
  }
}

/** A container of a workload has no running instance (cAdvisor reports running containers only). */
function notRunning(w: Workload): AlertRule {
  const container = w.props.containers[0]!.name;
  return rule(
    'WorkloadNotRunning',
    `absent(container_start_time_seconds{namespace="${w.namespace}", pod=~"${podNamePattern(w.name, w.props.kind)}", container="${container}"})`,
    '10m',
    'critical',
    `${w.namespace}/${w.name} has no running ${container} container`,
    'cAdvisor has reported no running instance for 10 minutes: the pod is pending, crash looping or gone (kubectl -n ' +
      `${w.namespace} describe pod -l app.kubernetes.io/name=${w.name}).`,
    { namespace: w.namespace, workload: w.name },
  );
}

/**
 * @param retentionSizeShare share of the Prometheus volume that retention by size allows the blocks to use.
 */
export function alertRules(ctx: StackContext, retentionSizeShare: number): { groups: RuleGroup[] } {
  const w = ctx.site.workloads;
  const volumeBytes = Math.floor(toMi(w.prometheus.storage) * 1024 * 1024);
  const groups: RuleGroup[] = [
    {
      name: 'stack',
      rules: [
        rule('TargetDown', 'up == 0', '5m', 'warning', 'Scrape target {{ $labels.job }} is down', '{{ $labels.instance }} of job {{ $labels.job }} has not answered scrapes for 5 minutes.'),
        rule(
          'PrometheusStorageNearlyFull',
          `(prometheus_tsdb_storage_blocks_bytes + prometheus_tsdb_wal_storage_size_bytes) / ${volumeBytes} > 0.8`,
          '15m',
          'warning',
          'Prometheus uses over 80% of its data volume',
          `Blocks and WAL exceed 80% of the ${w.prometheus.storage} volume; retention by size (${Math.round(retentionSizeShare * 100)}% of it) is deleting history before ${w.prometheus.retention}. Grow workloads.prometheus.storage or shorten the retention.`,
        ),
        rule(
          'PersistentVolumeNearlyFull',
          'kubelet_volume_stats_available_bytes / kubelet_volume_stats_capacity_bytes < 0.15',
          '10m',
          'warning',
          'PVC {{ $labels.namespace }}/{{ $labels.persistentvolumeclaim }} is over 85% full',
          'Less than 15% of the volume is free. Only volume plugins that report usage appear here; local-path (hostPath) volumes are covered by NodeFilesystemNearlyFull.',
        ),
        rule(
          'NodeFilesystemNearlyFull',
          'max by (node, device) (container_fs_usage_bytes{id="/", device=~"/dev/.+"} / container_fs_limit_bytes{id="/", device=~"/dev/.+"}) > 0.85',
          '10m',
          'warning',
          'Filesystem {{ $labels.device }} on {{ $labels.node }} is over 85% full',
          'cAdvisor root-container usage of a node filesystem; local-path volumes (and the container images) live there.',
        ),
        rule(
          'PodCrashLooping',
          'count by (namespace, pod, container) (count_over_time(container_start_time_seconds{container!="", container!="POD"}[30m])) > 3',
          '0m',
          'critical',
          'Container {{ $labels.namespace }}/{{ $labels.pod }}/{{ $labels.container }} restarts repeatedly',
          'cAdvisor saw more than 3 instances of this container within 30 minutes (each restart is a new instance). Containers that die within one scrape interval are not seen; WorkloadNotRunning covers them.',
        ),
        rule(
          'ContainerLivenessFailing',
          'sum by (namespace, pod, container) (increase(prober_probe_total{probe_type="Liveness", result="failed"}[15m])) > 3',
          '0m',
          'warning',
          'Liveness probe of {{ $labels.namespace }}/{{ $labels.pod }}/{{ $labels.container }} fails',
          'The kubelet counted more than 3 failed liveness probes in 15 minutes; it restarts the container after failureThreshold of them.',
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
  if (w.prometheus.enabled) {
    perWorkload.push(rule('PrometheusConfigReloadFailed', 'prometheus_config_last_reload_successful == 0', '10m', 'warning', 'Prometheus rejected its new configuration', 'The last reload failed; Prometheus keeps running the previous configuration (see the config-reloader and prometheus logs).'));
    perWorkload.push(rule('PrometheusRuleFailures', 'increase(prometheus_rule_evaluation_failures_total[5m]) > 0', '5m', 'warning', 'Prometheus rule evaluation fails', 'Some alerting rules fail to evaluate.'));
  }
  if (w.grafana.enabled) {
    perWorkload.push(rule('GrafanaServerErrors', 'sum(rate(grafana_http_request_duration_seconds_count{status_code=~"5.."}[5m])) > 0.1', '10m', 'warning', 'Grafana answers with server errors', 'Grafana returns 5xx responses (often: Prometheus unreachable from the datasource proxy).'));
  }
  if (w.argocd.enabled) {
    perWorkload.push(rule('ArgoCdAppDegraded', 'argocd_app_info{health_status="Degraded"} == 1', '15m', 'critical', 'Argo CD application {{ $labels.name }} is degraded', 'The application has been Degraded for 15 minutes.'));
    perWorkload.push(rule('ArgoCdAppOutOfSync', 'argocd_app_info{sync_status="OutOfSync"} == 1', '30m', 'warning', 'Argo CD application {{ $labels.name }} is out of sync', 'The live state differs from git for 30 minutes.'));
    perWorkload.push(rule('ArgoCdSyncFailing', 'increase(argocd_app_sync_total{phase=~"Error|Failed"}[30m]) > 0', '0m', 'warning', 'Argo CD sync of {{ $labels.name }} fails', 'A sync ended in Error or Failed in the last 30 minutes.'));
  }
  if (w.traefik.enabled) {
    perWorkload.push(rule('TraefikServerErrors', 'sum by (entrypoint) (rate(traefik_entrypoint_requests_total{code=~"5.."}[5m])) / sum by (entrypoint) (rate(traefik_entrypoint_requests_total[5m])) > 0.05', '10m', 'warning', 'Traefik: over 5% server errors on {{ $labels.entrypoint }}', 'Backends behind Traefik fail requests.'));
  }
  if (w.minio.enabled) {
    // MinIO v2 cluster metrics (/minio/v2/metrics/cluster).
    perWorkload.push(rule('MinioDriveOffline', 'max(minio_cluster_drive_offline_total) > 0', '5m', 'critical', 'MinIO has offline drives', 'At least one MinIO drive is offline; erasure coding tolerates only a few.'));
    perWorkload.push(rule('MinioCapacityLow', 'min(minio_cluster_capacity_usable_free_bytes / minio_cluster_capacity_usable_total_bytes) < 0.15', '15m', 'warning', 'MinIO has less than 15% usable capacity left', 'Free usable capacity of the cluster is below 15%.'));
  }
  if (w.wazuh.enabled) {
    // Wazuh 4.14 has no Prometheus endpoint (the manager API has none; the indexer is OpenSearch without an
    // exporter plugin), so there is no scrape job and no `up`; its pods' cAdvisor series are the signal.
    perWorkload.push(
      rule(
        'WazuhRestarting',
        `count by (pod, container) (count_over_time(container_start_time_seconds{namespace="${ctx.site.namespaces.security}", container=~"wazuh-.*"}[1h])) > 2`,
        '0m',
        'warning',
        'Wazuh {{ $labels.pod }}/{{ $labels.container }} restarts repeatedly',
        'Wazuh exposes no metrics endpoint; more than 2 container instances in an hour (restarts) is the available signal.',
      ),
    );
  }
  groups.push({ name: 'workloads', rules: perWorkload });
  // Every long-running workload of the stack, as built (disabled ones do not exist).
  groups.push({ name: 'running', rules: ctx.workloads.filter((x) => x.props.kind !== 'Job').map(notRunning) });
  return { groups };
}
