/**
 * Alert rules that can fire. Every rule and dashboard query parses with Prometheus' own grammar; every metric a
 * rule selects is in the catalogue (conformance/facts/metrics.ts) of an exporter whose job Prometheus scrapes;
 * and every rule has series that must make it fire and series that must not, run through the test evaluator
 * (test/promql/promql.ts, which states what it covers). The cases of an app's rules may be declared next to them, in its `alertCases`
 * (constructs/lib/app.ts), found through the registry; the stack's own and the built-in apps' are in
 * test/promql/alert-cases.ts. A rule without a case fails the last test.
 */
import { parse } from 'yaml';
import { METRIC_FACTS } from '../conformance/facts/metrics';
import { podNamePattern } from '../constructs/alert-rules';
import { dashboardSpecs } from '../constructs/dashboards';
import type { AlertRule } from '../constructs/lib/app';
import { ALL_CASES, CASES, FOR_CASE, T, gauge, podOf, workloadNotRunningCase } from './promql/alert-cases';
import { APPS } from '../constructs/registry';
import { fires, metricNames, sampled, syntaxErrors } from './promql/promql';
import { findResource, synth } from './helpers';

type Synth = ReturnType<typeof synth>;
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
  // The backup app runs only with a target (none by default): its rules come from a site that has one.
  ['with an off-node backup target', synth({ workloads: { backup: { target: { endpoint: 'https://backup.example.org', bucket: 'domus-backups' } } } })],
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

/** The default site's rules, and those of the other sites' apps that the default does not run (by alert name). */
const rules = [...rulesOf(s), ...sites.slice(1).flatMap(([, x]) => rulesOf(x).filter((r) => !rulesOf(s).some((d) => d.alert === r.alert)))];
test.each(rules.filter((r) => r.alert !== 'WorkloadNotRunning').map((r) => [r.alert, r] as const))('%s fires on its series and stays quiet on the others', (name, rule) => {
  const c = ALL_CASES[name];
  expect({ name, hasCase: c !== undefined }).toEqual({ name, hasCase: true });
  expect(fires(rule, c!.fire, T)).toBe(true);
  if (c!.alwaysFires) return;
  expect(fires(rule, c!.quiet, T)).toBe(false);
  // Nothing at all is not an alert either (absent() rules are the exception and say so in their case).
  if (!rule.expr.startsWith('absent(')) expect(fires(rule, [], T)).toBe(false);
});

test('WazuhRestarting sees a container restarted on a schedule (every 4 h: each Vault re-login), not only a crash loop', () => {
  const rule = rules.find((r) => r.alert === 'WazuhRestarting')!;
  const day = 26 * 3600;
  const labels = { __name__: 'kube_pod_container_status_restarts_total', job: 'kube-state-metrics', namespace: 'security', pod: 'wazuh-indexer-0', container: 'wazuh-indexer' };
  const every = (hours: number) => sampled(labels, 0, day, (t) => Math.floor(t / (hours * 3600)));
  expect(fires(rule, [every(4)], day)).toBe(true);
  // one renewal a day or less is what pkiCert leaves (about one per 27 days with 720h certificates)
  expect(fires(rule, [every(24)], day)).toBe(false);
});

test('the Watchdog fires whatever the series (a dead Prometheus is the only thing that silences it)', () => {
  const w = rules.find((r) => r.alert === 'Watchdog')!;
  expect(fires(w, [], T)).toBe(true);
  expect(fires(w, [gauge('up', { job: 'x' }, 0)], T)).toBe(true);
  // Mutation: an expression that can be empty is not a dead man's switch.
  expect(fires({ ...w, expr: 'absent(up)' }, [gauge('up', { job: 'x' }, 1)], T)).toBe(false);
});

test('a case is declared once: in test/promql/alert-cases.ts or in one app, never both', () => {
  const names = APPS.flatMap((a) => Object.keys(a.alertCases ?? {}));
  expect(names.filter((n, i) => names.indexOf(n) !== i || n in CASES)).toEqual([]);
});

test("'for' holds: a condition that started 2 minutes ago does not fire a rule that waits 5", () => {
  const rule = rules.find((r) => r.alert === FOR_CASE.alert)!;
  expect(fires(rule, FOR_CASE.quiet, T)).toBe(false);
  expect(fires(rule, FOR_CASE.fire, T)).toBe(true);
});

test.each(s.stack.ctx.workloads.filter((w) => w.props.kind !== 'Job' && w.props.kind !== 'CronJob').map((w) => [`${w.namespace}/${w.name}`, w] as const))(
  'WorkloadNotRunning for %s fires with no running container and stays quiet with one',
  (_, w) => {
    const rule = rules.find((r) => r.alert === 'WorkloadNotRunning' && r.labels.workload === w.name && r.labels.namespace === w.namespace)!;
    expect(new RegExp(`^${podNamePattern(w.name, w.props.kind)}$`).test(podOf(w.name, w.props.kind))).toBe(true);
    const c = workloadNotRunningCase({ name: w.name, namespace: w.namespace, kind: w.props.kind, container: w.props.containers[0]!.name });
    expect(fires(rule, c.fire, T)).toBe(true);
    expect(fires(rule, c.quiet, T)).toBe(false);
  },
);

test('every rule name has a case, and no case is left for a rule that no longer exists', () => {
  const names = new Set(rules.map((r) => r.alert).filter((n) => n !== 'WorkloadNotRunning'));
  expect(Object.keys(ALL_CASES).sort()).toEqual([...names].sort());
});
