/**
 * Alert rules that can fire. Every rule and dashboard query parses with Prometheus' own grammar; every metric a
 * rule selects is in the catalogue (conformance/facts/metrics.ts) of an exporter whose job Prometheus scrapes;
 * and every rule has series that must make it fire and series that must not, run through the test evaluator
 * (test/promql/promql.ts, which states what it covers). The cases of an app's rules are declared next to them,
 * in its `alertCases` (constructs/lib/app.ts), and found here through the registry; the stack's own rules
 * (constructs/alert-rules.ts) and the built-in apps' have theirs below. A rule without a case fails the last test.
 */
import { parse } from 'yaml';
import { METRIC_FACTS } from '../conformance/facts/metrics';
import { podNamePattern } from '../constructs/alert-rules';
import { dashboardSpecs } from '../constructs/dashboards';
import type { AlertCase, AlertRule, AlertSeries } from '../constructs/lib/app';
import { APPS } from '../constructs/registry';
import { fires, metricNames, sampled, Series, syntaxErrors } from './promql/promql';
import { findResource, synth } from './helpers';

type Synth = ReturnType<typeof synth>;
const T = 7200;
const rulesOf = (s: Synth): AlertRule[] =>
  (parse((findResource('ConfigMap', 'prometheus-config', 'monitoring', s).data as Record<string, string>)['alerts.yml']!) as { groups: { rules: AlertRule[] }[] }).groups.flatMap(
    (g) => g.rules,
  );
const jobsOf = (s: Synth): string[] =>
  (
    parse((findResource('ConfigMap', 'prometheus-config', 'monitoring', s).data as Record<string, string>)['prometheus.yml']!) as { scrape_configs: { job_name: string }[] }
  ).scrape_configs.map((j) => j.job_name);

const s = synth();
const sites: [string, Synth][] = [
  ['default', s],
  ['without kube-state-metrics and node-exporter', synth({ workloads: { kubeStateMetrics: { enabled: false }, nodeExporter: { enabled: false } } })],
];

test.each(sites)('%s: every rule and every dashboard query parses with the PromQL grammar of Prometheus v3.5.0', (_, x) => {
  // Panels on another datasource (Loki: LogQL) are not PromQL.
  const promPanels = dashboardSpecs(x.stack.ctx).flatMap((d) => d.panels.filter((p) => (p.datasource?.type ?? 'prometheus') === 'prometheus'));
  const exprs = [...rulesOf(x).map((r) => r.expr), ...promPanels.map((p) => p.expr)];
  expect(exprs.length).toBeGreaterThan(40);
  for (const expr of exprs) expect({ expr, errors: syntaxErrors(expr) }).toEqual({ expr, errors: [] });
});

test.each(sites)('%s: every metric of every rule is produced by an exporter Prometheus scrapes (metric catalogue)', (_, x) => {
  const jobs = new Set(jobsOf(x));
  const catalogue = Object.values(METRIC_FACTS);
  for (const r of rulesOf(x))
    for (const m of metricNames(r.expr)) {
      const from = catalogue.filter((f) => f.value.metrics.includes(m)).map((f) => ({ id: f.id, scraped: f.value.jobs.some((j) => j === '*' || jobs.has(j)) }));
      expect({ rule: r.alert, metric: m, from: from.filter((f) => f.scraped).length > 0 }).toEqual({ rule: r.alert, metric: m, from: true });
    }
});

test('the catalogue catches a metric nothing scrapes (mutation: a rule on a kubelet volume metric)', () => {
  const all = Object.values(METRIC_FACTS).flatMap((f) => f.value.metrics);
  expect(metricNames('kubelet_volume_stats_available_bytes / kubelet_volume_stats_capacity_bytes < 0.15').filter((m) => !all.includes(m))).toEqual([
    'kubelet_volume_stats_available_bytes',
    'kubelet_volume_stats_capacity_bytes',
  ]);
});

// --- firing cases -------------------------------------------------------------------------------------------
const gauge = (name: string, labels: Record<string, string>, v: number | ((t: number) => number)): Series =>
  sampled({ __name__: name, ...labels }, 0, T, typeof v === 'number' ? () => v : v);
/** A counter growing by `perMinute` from 100. */
const counter = (name: string, labels: Record<string, string>, perMinute: number): Series => sampled({ __name__: name, ...labels }, 0, T, (t) => 100 + (t / 60) * perMinute);

const ksm = { job: 'kube-state-metrics' };
const fsLabels = { job: 'node-exporter', instance: '10.42.0.5:9100', device: '/dev/sda2', fstype: 'ext4', mountpoint: '/' };
const CASES: Readonly<Record<string, { fire: Series[]; quiet: Series[] }>> = {
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
      counter('kube_pod_container_status_restarts_total', { ...ksm, namespace: 'security', pod: 'wazuh-manager-master-0', container: 'wazuh-manager' }, 0.02),
      counter('kube_pod_container_status_restarts_total', { ...ksm, namespace: 'monitoring', pod: 'x-0', container: 'wazuh-x' }, 1),
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
  NodeExporterDown: {
    fire: [gauge('up', { job: 'node-exporter', instance: 'a' }, 0)],
    quiet: [gauge('up', { job: 'node-exporter', instance: 'a' }, 1), gauge('up', { job: 'traefik' }, 0)],
  },
};

/** An app's declared series as the evaluator's. */
const seriesOf = (d: AlertSeries): Series => ('value' in d ? gauge(d.metric, d.labels ?? {}, d.value) : counter(d.metric, d.labels ?? {}, d.perMinute));
const declared = (c: AlertCase) => ({ fire: c.fire.map(seriesOf), quiet: c.quiet.map(seriesOf) });
const APP_CASES: Readonly<Record<string, { fire: Series[]; quiet: Series[] }>> = Object.fromEntries(
  APPS.flatMap((a) => Object.entries(a.alertCases ?? {}).map(([name, c]) => [name, declared(c)] as const)),
);
const ALL_CASES = { ...CASES, ...APP_CASES };

test('a case is declared once: in this file or in one app, never both', () => {
  const names = APPS.flatMap((a) => Object.keys(a.alertCases ?? {}));
  expect(names.filter((n, i) => names.indexOf(n) !== i || n in CASES)).toEqual([]);
});

const rules = rulesOf(s);
test.each(rules.filter((r) => r.alert !== 'WorkloadNotRunning').map((r) => [r.alert, r] as const))('%s fires on its series and stays quiet on the others', (name, rule) => {
  const c = ALL_CASES[name];
  expect({ name, hasCase: c !== undefined }).toEqual({ name, hasCase: true });
  expect(fires(rule, c!.fire, T)).toBe(true);
  expect(fires(rule, c!.quiet, T)).toBe(false);
  // Nothing at all is not an alert either (absent() rules are the exception and say so in their case).
  if (!rule.expr.startsWith('absent(')) expect(fires(rule, [], T)).toBe(false);
});

test("'for' holds: a condition that started 2 minutes ago does not fire a rule that waits 5", () => {
  const rule = rules.find((r) => r.alert === 'TargetDown')!;
  expect(fires(rule, [gauge('up', { job: 'x' }, (t) => (t > T - 120 ? 0 : 1))], T)).toBe(false);
  expect(fires(rule, [gauge('up', { job: 'x' }, (t) => (t >= T - 300 ? 0 : 1))], T)).toBe(true);
});

const podOf = (name: string, kind: string) => ({ StatefulSet: `${name}-0`, Deployment: `${name}-7d9f8b6c5d-x2k9p`, DaemonSet: `${name}-x2k9p`, Job: `${name}-x2k9p` })[kind]!;
test.each(s.stack.ctx.workloads.filter((w) => w.props.kind !== 'Job').map((w) => [`${w.namespace}/${w.name}`, w] as const))(
  'WorkloadNotRunning for %s fires with no running container and stays quiet with one',
  (_, w) => {
    const rule = rules.find((r) => r.alert === 'WorkloadNotRunning' && r.labels.workload === w.name && r.labels.namespace === w.namespace)!;
    expect(new RegExp(`^${podNamePattern(w.name, w.props.kind)}$`).test(podOf(w.name, w.props.kind))).toBe(true);
    const running = gauge('container_start_time_seconds', { namespace: w.namespace, pod: podOf(w.name, w.props.kind), container: w.props.containers[0]!.name }, 1000);
    const other = gauge('container_start_time_seconds', { namespace: w.namespace, pod: `${w.name}x-0`, container: w.props.containers[0]!.name }, 1000);
    expect(fires(rule, [other], T)).toBe(true);
    expect(fires(rule, [running], T)).toBe(false);
  },
);

test('every rule name has a case, and no case is left for a rule that no longer exists', () => {
  const names = new Set(rules.map((r) => r.alert).filter((n) => n !== 'WorkloadNotRunning'));
  expect(Object.keys(ALL_CASES).sort()).toEqual([...names].sort());
});
