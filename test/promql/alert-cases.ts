/**
 * The firing cases of the alert rules: for every rule, series that must make it fire at T and series that must
 * not. test/alert-rules.test.ts runs them through the hand evaluator (test/promql/promql.ts), and
 * test/real/promtool.test.ts through Prometheus' own rule engine (`promtool test rules`), so both agree on each.
 */
import type { AlertCase, AlertSeries } from '../../constructs/lib/app';
import { APPS } from '../../constructs/registry';
import { sampled, type Series } from './promql';

/** The time every case is evaluated at (2 h of samples, every 30 s). */
export const T = 7200;
export const gauge = (name: string, labels: Record<string, string>, v: number | ((t: number) => number)): Series =>
  sampled({ __name__: name, ...labels }, 0, T, typeof v === 'number' ? () => v : v);
/** A counter growing by `perMinute` from 100. */
export const counter = (name: string, labels: Record<string, string>, perMinute: number): Series => sampled({ __name__: name, ...labels }, 0, T, (t) => 100 + (t / 60) * perMinute);

const ksm = { job: 'kube-state-metrics' };
const fsLabels = { job: 'node-exporter', instance: '10.42.0.5:9100', device: '/dev/sda2', fstype: 'ext4', mountpoint: '/' };
/** `alwaysFires`: a dead man's switch, which fires on any input (no quiet case, nothing silences it but a dead Prometheus). */
export const CASES: Readonly<Record<string, { fire: Series[]; quiet: Series[]; alwaysFires?: true }>> = {
  TargetDown: { fire: [gauge('up', { job: 'x' }, 0)], quiet: [gauge('up', { job: 'x' }, 1), gauge('up', { job: 'y' }, (t) => (t > T - 120 ? 0 : 1))] },
  PrometheusStorageNearlyFull: {
    fire: [gauge('prometheus_tsdb_storage_blocks_bytes', {}, 17e9), gauge('prometheus_tsdb_wal_storage_size_bytes', {}, 1e9)],
    quiet: [gauge('prometheus_tsdb_storage_blocks_bytes', {}, 10e9), gauge('prometheus_tsdb_wal_storage_size_bytes', {}, 1e9)],
  },
  ContainerLivenessFailing: {
    fire: [counter('prober_probe_total', { probe_type: 'Liveness', result: 'failed', namespace: 'a', pod: 'p', container: 'c' }, 1)],
    quiet: [
      counter('prober_probe_total', { probe_type: 'Liveness', result: 'successful', namespace: 'a', pod: 'p', container: 'c' }, 6),
      counter('prober_probe_total', { probe_type: 'Readiness', result: 'failed', namespace: 'a', pod: 'p', container: 'c' }, 6),
    ],
  },
  CiliumPolicyDrops: {
    fire: [counter('cilium_drop_count_total', { reason: 'Policy denied', direction: 'INGRESS' }, 120)],
    quiet: [
      counter('cilium_drop_count_total', { reason: 'Policy denied', direction: 'INGRESS' }, 30),
      counter('cilium_drop_count_total', { reason: 'Stale or unroutable IP', direction: 'EGRESS' }, 600),
    ],
  },
  TraefikServerErrors: {
    fire: [
      counter('traefik_entrypoint_requests_total', { entrypoint: 'websecure', code: '502' }, 10),
      counter('traefik_entrypoint_requests_total', { entrypoint: 'websecure', code: '200' }, 100),
    ],
    quiet: [
      counter('traefik_entrypoint_requests_total', { entrypoint: 'websecure', code: '502' }, 1),
      counter('traefik_entrypoint_requests_total', { entrypoint: 'websecure', code: '200' }, 100),
    ],
  },
  ArgoCdAppDegraded: {
    fire: [gauge('argocd_app_info', { name: 'x', health_status: 'Degraded', sync_status: 'Synced' }, 1)],
    quiet: [gauge('argocd_app_info', { name: 'x', health_status: 'Healthy', sync_status: 'Synced' }, 1)],
  },
  ArgoCdAppOutOfSync: {
    fire: [gauge('argocd_app_info', { name: 'x', health_status: 'Healthy', sync_status: 'OutOfSync' }, 1)],
    quiet: [gauge('argocd_app_info', { name: 'x', health_status: 'Healthy', sync_status: 'Synced' }, 1)],
  },
  ArgoCdSyncFailing: {
    fire: [counter('argocd_app_sync_total', { name: 'x', phase: 'Failed' }, 0.1)],
    quiet: [counter('argocd_app_sync_total', { name: 'x', phase: 'Succeeded' }, 1), gauge('argocd_app_sync_total', { name: 'x', phase: 'Error' }, 4)],
  },
  MinioDriveOffline: { fire: [gauge('minio_cluster_drive_offline_total', { server: 'a' }, 1)], quiet: [gauge('minio_cluster_drive_offline_total', { server: 'a' }, 0)] },
  MinioCapacityLow: {
    fire: [gauge('minio_cluster_capacity_usable_free_bytes', { server: 'a' }, 10), gauge('minio_cluster_capacity_usable_total_bytes', { server: 'a' }, 100)],
    quiet: [gauge('minio_cluster_capacity_usable_free_bytes', { server: 'a' }, 50), gauge('minio_cluster_capacity_usable_total_bytes', { server: 'a' }, 100)],
  },
  WazuhRestarting: {
    fire: [counter('kube_pod_container_status_restarts_total', { ...ksm, namespace: 'security', pod: 'wazuh-manager-master-0', container: 'wazuh-manager' }, 0.1)],
    quiet: [
      // one restart in two hours (a certificate renewal): not more than twice in the day
      counter('kube_pod_container_status_restarts_total', { ...ksm, namespace: 'security', pod: 'wazuh-manager-master-0', container: 'wazuh-manager' }, 1 / 120),
      counter('kube_pod_container_status_restarts_total', { ...ksm, namespace: 'monitoring', pod: 'x-0', container: 'wazuh-x' }, 1),
    ],
  },
  TlsCertificateExpiring: {
    // At T = 7200 s: NotAfter 7200 + 3600 is an hour away; 7200 + 5 days is fine.
    fire: [gauge('traefik_tls_certs_not_after', { job: 'traefik', cn: '*.domus.lan', serial: '1', sans: '*.domus.lan,domus.lan' }, 7200 + 3600)],
    quiet: [
      gauge('traefik_tls_certs_not_after', { job: 'traefik', cn: '*.domus.lan', serial: '2', sans: '*.domus.lan,domus.lan' }, 7200 + 5 * 86400),
      // The replaced certificate's series stays in Traefik's registry: the renewed one (same cn) wins.
      gauge('traefik_tls_certs_not_after', { job: 'traefik', cn: '*.domus.lan', serial: '1', sans: '*.domus.lan,domus.lan' }, 7200 + 3600),
    ],
  },
  PrometheusConfigReloadFailed: { fire: [gauge('prometheus_config_last_reload_successful', {}, 0)], quiet: [gauge('prometheus_config_last_reload_successful', {}, 1)] },
  PrometheusRuleFailures: {
    fire: [counter('prometheus_rule_evaluation_failures_total', { rule_group: 'x' }, 1)],
    quiet: [gauge('prometheus_rule_evaluation_failures_total', { rule_group: 'x' }, 7)],
  },
  GrafanaServerErrors: {
    fire: [counter('grafana_http_request_duration_seconds_count', { status_code: '500', handler: '/api/ds/query' }, 12)],
    quiet: [
      counter('grafana_http_request_duration_seconds_count', { status_code: '500', handler: '/api/ds/query' }, 3),
      counter('grafana_http_request_duration_seconds_count', { status_code: '200', handler: '/' }, 600),
    ],
  },
  PodCrashLooping: {
    // A restart every 5 minutes: 6 in 30 minutes. The counter survives restarts (no new series per instance).
    fire: [counter('kube_pod_container_status_restarts_total', { ...ksm, namespace: 'apps', pod: 'web-1', container: 'web' }, 0.2)],
    quiet: [
      counter('kube_pod_container_status_restarts_total', { ...ksm, namespace: 'apps', pod: 'web-1', container: 'web' }, 0.05),
      gauge('kube_pod_container_status_restarts_total', { ...ksm, namespace: 'apps', pod: 'old-1', container: 'web' }, 40),
    ],
  },
  PodNotReady: {
    fire: [
      gauge('kube_pod_status_phase', { ...ksm, namespace: 'apps', pod: 'web-1', phase: 'Pending' }, 1),
      gauge('kube_pod_status_phase', { ...ksm, namespace: 'apps', pod: 'web-1', phase: 'Running' }, 0),
    ],
    quiet: [
      gauge('kube_pod_status_phase', { ...ksm, namespace: 'apps', pod: 'web-1', phase: 'Pending' }, 0),
      gauge('kube_pod_status_phase', { ...ksm, namespace: 'apps', pod: 'web-1', phase: 'Running' }, 1),
    ],
  },
  DeploymentReplicasUnavailable: {
    fire: [gauge('kube_deployment_status_replicas_unavailable', { ...ksm, namespace: 'apps', deployment: 'web' }, 1)],
    quiet: [gauge('kube_deployment_status_replicas_unavailable', { ...ksm, namespace: 'apps', deployment: 'web' }, 0)],
  },
  KubeStateMetricsDown: { fire: [gauge('up', { job: 'kube-state-metrics' }, 0)], quiet: [gauge('up', { job: 'kube-state-metrics' }, 1)] },
  NodeFilesystemNearlyFull: {
    fire: [gauge('node_filesystem_avail_bytes', fsLabels, 10), gauge('node_filesystem_size_bytes', fsLabels, 100), gauge('node_filesystem_readonly', fsLabels, 0)],
    quiet: [
      gauge('node_filesystem_avail_bytes', fsLabels, 50),
      gauge('node_filesystem_size_bytes', fsLabels, 100),
      gauge('node_filesystem_readonly', fsLabels, 0),
      // A full read-only image and a full tmpfs are no disk to free.
      ...[{ ...fsLabels, device: '/dev/loop0', fstype: 'ext4', mountpoint: '/media' }].flatMap((l) => [
        gauge('node_filesystem_avail_bytes', l, 0),
        gauge('node_filesystem_size_bytes', l, 100),
        gauge('node_filesystem_readonly', l, 1),
      ]),
      ...[{ ...fsLabels, device: 'tmpfs', fstype: 'tmpfs', mountpoint: '/run' }].flatMap((l) => [
        gauge('node_filesystem_avail_bytes', l, 1),
        gauge('node_filesystem_size_bytes', l, 100),
        gauge('node_filesystem_readonly', l, 0),
      ]),
    ],
  },
  NodeMemoryLow: {
    fire: [gauge('node_memory_MemAvailable_bytes', { instance: 'n' }, 5), gauge('node_memory_MemTotal_bytes', { instance: 'n' }, 100)],
    quiet: [gauge('node_memory_MemAvailable_bytes', { instance: 'n' }, 50), gauge('node_memory_MemTotal_bytes', { instance: 'n' }, 100)],
  },
  AlertmanagerNotificationsFailing: {
    fire: [counter('alertmanager_notifications_failed_total', { integration: 'webhook' }, 1)],
    quiet: [gauge('alertmanager_notifications_failed_total', { integration: 'webhook' }, 3), counter('alertmanager_notifications_total', { integration: 'webhook' }, 5)],
  },
  // The dead man's switch fires on nothing at all: there is no quiet case (its route sends it only to the heartbeat).
  Watchdog: {
    fire: [],
    quiet: [],
    alwaysFires: true,
  },
  NodeExporterDown: {
    fire: [gauge('up', { job: 'node-exporter', instance: 'a' }, 0)],
    quiet: [gauge('up', { job: 'node-exporter', instance: 'a' }, 1), gauge('up', { job: 'traefik' }, 0)],
  },
};

/** A pod name of a workload of that kind, as its controller names pods. */
export const podOf = (name: string, kind: string): string =>
  ({ StatefulSet: `${name}-0`, Deployment: `${name}-7d9f8b6c5d-x2k9p`, DaemonSet: `${name}-x2k9p`, Job: `${name}-x2k9p` })[kind]!;

/** WorkloadNotRunning for one workload: no running container of it fires, one running container is quiet. */
export function workloadNotRunningCase(w: { readonly name: string; readonly namespace: string; readonly kind: string; readonly container: string }): {
  fire: Series[];
  quiet: Series[];
} {
  const running = gauge('container_start_time_seconds', { namespace: w.namespace, pod: podOf(w.name, w.kind), container: w.container }, 1000);
  const other = gauge('container_start_time_seconds', { namespace: w.namespace, pod: `${w.name}x-0`, container: w.container }, 1000);
  return { fire: [other], quiet: [running] };
}

/** 'for' holds: TargetDown's condition started 2 minutes ago is pending (quiet), 5 minutes ago fires. */
export const FOR_CASE = {
  alert: 'TargetDown',
  fire: [gauge('up', { job: 'x' }, (t) => (t >= T - 300 ? 0 : 1))],
  quiet: [gauge('up', { job: 'x' }, (t) => (t > T - 120 ? 0 : 1))],
};

/** An app's declared series (its `alertCases`, constructs/lib/app.ts) as the evaluator's. */
const seriesOf = (d: AlertSeries): Series => ('value' in d ? gauge(d.metric, d.labels ?? {}, d.value) : counter(d.metric, d.labels ?? {}, d.perMinute));
const declared = (c: AlertCase) => ({ fire: c.fire.map(seriesOf), quiet: c.quiet.map(seriesOf) });
/** The cases the apps declare next to their rules, found through the registry. */
export const APP_CASES: Readonly<Record<string, { fire: Series[]; quiet: Series[] }>> = Object.fromEntries(
  APPS.flatMap((a) => Object.entries(a.alertCases ?? {}).map(([name, c]) => [name, declared(c)] as const)),
);
/** Every case: the stack's and built-in apps' (above) and those the apps declare. */
export const ALL_CASES: Readonly<Record<string, { fire: Series[]; quiet: Series[]; alwaysFires?: true }>> = { ...CASES, ...APP_CASES };
