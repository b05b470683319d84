/**
 * Prometheus' own checker on the synthesized Prometheus configuration: `promtool check config` on
 * prometheus.yml as the Prometheus container sees it (its ConfigMap mount, the ServiceAccount token files),
 * `promtool check rules` on the rule file, and the firing cases of the alert rules (test/promql/alert-cases.ts)
 * as `promtool test rules` unit tests, evaluated by Prometheus' rule engine. Each check has mutations that
 * promtool itself must reject.
 *
 * Paths: the files the container would see are written under a temporary root (test/real/pod.ts), and in
 * prometheus.yml only the strings that are paths under one of the container's mounts are prefixed with it.
 */
import { readFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import type { Synthesis } from '../../charts/synth';
import type { AlertRule } from '../../constructs/lib/app';
import { siteSynth, synth } from '../helpers';
import { ALL_CASES, FOR_CASE, T, workloadNotRunningCase } from '../promql/alert-cases';
import { fires, type Series } from '../promql/promql';
import { containerView, prepareConfig, writeConfig, type PreparedConfig } from './pod';
import { FakeRoot, realTool } from './tool';

const promtool = realTool('promtool');

/** The parts of prometheus.yml and of a rule that the mutations change. */
interface PromConfig {
  global: Record<string, unknown>;
  rule_files?: string[];
  scrape_configs: ({ job_name: string; authorization?: { credentials_file?: string }; relabel_configs?: Record<string, unknown>[] } & Record<string, unknown>)[];
}
interface RuleDoc {
  expr: string;
  for?: string;
  annotations?: Record<string, string>;
}

interface Prepared extends PreparedConfig<Record<string, unknown>> {
  /** The rule files' text by their container path. */
  readonly ruleFiles: ReadonlyMap<string, string>;
}

function prepare(s: Synthesis): Prepared {
  const p = prepareConfig<Record<string, unknown>>(s, 'prometheus', s.stack.ctx.site.namespaces.monitoring, 'prometheus', '--config.file');
  const ruleFiles = new Map(((p.config.rule_files ?? []) as string[]).map((f) => [f, p.view.files.get(f) ?? ''] as const));
  return { ...p, ruleFiles };
}

/** Writes (a mutation of) prometheus.yml with its paths under the root and runs promtool check config on it. */
function checkConfig(p: Prepared, config: Record<string, unknown> = p.config) {
  const path = writeConfig(p, config);
  return promtool.run(['check', 'config', '--lint=all', '--lint-fatal', path]);
}

function checkRules(p: Prepared, text: string) {
  const path = p.root.write('/check/alerts.yml', text);
  return promtool.run(['check', 'rules', '--lint=all', '--lint-fatal', path]);
}

const sites: [string, () => Synthesis][] = [
  // Tests follow the site: a fork with prometheus off has no configuration of it to check.
  ...((({ site }) => site.workloads.prometheus.enabled)(siteSynth().stack.ctx) ? ([['the site in use', () => siteSynth()]] as [string, () => Synthesis][]) : []),
  ['the default site', () => synth()],
];
/** A site of the list by name (the site in use is listed only when it enables the app). */
const siteNamed = (name: string): (() => Synthesis) => sites.find(([n]) => n === name)![1];

promtool.describe('promtool check config and check rules on the synthesized Prometheus configuration', () => {
  const prepared: Prepared[] = [];
  afterAll(() => prepared.forEach((p) => p.root.remove()));
  const get = (f: () => Synthesis): Prepared => {
    const p = prepare(f());
    prepared.push(p);
    return p;
  };

  test.each(sites)('%s: prometheus.yml and its rule files pass promtool check config (lint: all, fatal)', (_, f) => {
    const p = get(f);
    expect(p.ruleFiles.size).toBeGreaterThan(0);
    const r = checkConfig(p);
    expect({ status: r.status, output: r.output }).toEqual({ status: 0, output: expect.stringContaining('SUCCESS') });
    expect(r.output).toMatch(/SUCCESS: \d+ rules found/);
  });

  test.each(sites)('%s: every rule file passes promtool check rules (lint: all, fatal)', (_, f) => {
    const p = get(f);
    for (const [file, text] of p.ruleFiles) {
      const r = checkRules(p, text);
      expect({ file, status: r.status, output: r.output }).toEqual({ file, status: 0, output: expect.stringMatching(/SUCCESS: \d+ rules found/) });
    }
  });

  describe('promtool rejects a broken configuration (the check can fail)', () => {
    const mutations: [string, (c: PromConfig) => void, RegExp][] = [
      ['a rule file the pod does not have', (c) => (c.rule_files = ['/etc/config/missing.yml']), /does not point to an existing file/],
      [
        'a token file the pod does not have',
        (c) => (c.scrape_configs.find((j) => j.authorization)!.authorization!.credentials_file = '/var/run/secrets/kubernetes.io/serviceaccount/tokn'),
        /credentials or bearer token file/,
      ],
      ['a misspelt key', (c) => (c.global.scrape_intervall = '30s'), /field scrape_intervall not found/],
      ['a scrape timeout longer than the interval', (c) => (c.global.scrape_timeout = '45s'), /scrape timeout greater than scrape interval/],
      ['two jobs with one name', (c) => c.scrape_configs.push({ ...c.scrape_configs[0]! }), /found multiple scrape configs with job name/],
      ['a relabel rule with an invalid regex', (c) => (c.scrape_configs[0]!.relabel_configs![0]!.regex = '(unclosed'), /error parsing regexp/],
    ];
    test.each(mutations)('%s', (_, mutate, message) => {
      const p = get(siteNamed('the default site'));
      const c = structuredClone(p.config) as unknown as PromConfig;
      mutate(c);
      const r = checkConfig(p, c as unknown as Record<string, unknown>);
      expect(r.status).not.toBe(0);
      expect(r.output).toMatch(message);
    });

    const ruleMutations: [string, (g: { rules: RuleDoc[] }) => void, RegExp][] = [
      ['an expression that does not parse', (g) => (g.rules[0]!.expr = 'up ==== 0'), /parse error/],
      ['a bad duration', (g) => (g.rules[0]!.for = '5 minutes'), /unknown unit .* in duration/],
      ['a broken annotation template', (g) => (g.rules[0]!.annotations!.summary = '{{ $labels.job '), /template/],
      ['the same rule twice (lint)', (g) => g.rules.push(structuredClone(g.rules[0]!)), /duplicate/],
    ];
    test.each(ruleMutations)('rules: %s', (_, mutate, message) => {
      const p = get(siteNamed('the default site'));
      const [text] = [...p.ruleFiles.values()];
      const doc = parse(text!) as { groups: { rules: RuleDoc[] }[] };
      mutate(doc.groups[0]!);
      const r = checkRules(p, stringify(doc));
      expect(r.status).not.toBe(0);
      expect(r.output).toMatch(message);
    });
  });
});

// --- the firing cases as promtool unit tests -----------------------------------------------------------------

/** A series in promtool's notation: `name{label="value",...}` and its values every 30 s from 0. */
function seriesOf(s: Series): { series: string; values: string } {
  const { __name__: name, ...labels } = s.labels;
  const sel = Object.entries(labels)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(',');
  const steps = s.samples.map(([t]) => t);
  steps.forEach((t, i) => {
    if (t !== i * 30) throw new Error(`${name}: samples must be every 30 s from 0 (have ${t} at ${i})`);
  });
  return { series: `${name}{${sel}}`, values: s.samples.map(([, v]) => String(v)).join(' ') };
}

interface UnitCase {
  /** `<alert>[labels] fires|quiet|empty`: the test group's name. */
  readonly name: string;
  readonly alert: string;
  /** Rule labels that single out the rule (WorkloadNotRunning has one rule per workload). */
  readonly match: Readonly<Record<string, string>>;
  readonly series: readonly Series[];
  readonly fires: boolean;
}

function unitCases(s: Synthesis, rules: readonly AlertRule[]): UnitCase[] {
  const out: UnitCase[] = [];
  for (const r of rules.filter((x) => x.alert !== 'WorkloadNotRunning')) {
    const c = ALL_CASES[r.alert];
    if (!c) throw new Error(`no firing case for ${r.alert} (test/promql/alert-cases.ts)`);
    out.push({ name: `${r.alert} fires`, alert: r.alert, match: {}, series: c.fire, fires: true });
    if (c.alwaysFires) continue;
    out.push({ name: `${r.alert} quiet`, alert: r.alert, match: {}, series: c.quiet, fires: false });
    if (!r.expr.startsWith('absent(')) out.push({ name: `${r.alert} with no series`, alert: r.alert, match: {}, series: [], fires: false });
  }
  out.push({ name: `${FOR_CASE.alert} for: 5m reached`, alert: FOR_CASE.alert, match: {}, series: FOR_CASE.fire, fires: true });
  out.push({ name: `${FOR_CASE.alert} for: 5m not reached`, alert: FOR_CASE.alert, match: {}, series: FOR_CASE.quiet, fires: false });
  for (const w of s.stack.ctx.workloads.filter((x) => x.props.kind !== 'Job' && x.props.kind !== 'CronJob')) {
    const c = workloadNotRunningCase({ name: w.name, namespace: w.namespace, kind: w.props.kind, container: w.props.containers[0]!.name });
    const match = { workload: w.name, namespace: w.namespace };
    out.push({ name: `WorkloadNotRunning ${w.namespace}/${w.name} fires`, alert: 'WorkloadNotRunning', match, series: c.fire, fires: true });
    out.push({ name: `WorkloadNotRunning ${w.namespace}/${w.name} quiet`, alert: 'WorkloadNotRunning', match, series: c.quiet, fires: false });
  }
  return out;
}

/** promtool's unit-test file: one group per case, asking for the rule's firing ALERTS series at T. */
function unitTestFile(ruleFile: string, cases: readonly UnitCase[]): string {
  return stringify({
    rule_files: [ruleFile],
    evaluation_interval: '1m',
    tests: cases.map((c) => ({
      name: c.name,
      interval: '30s',
      input_series: c.series.map(seriesOf),
      promql_expr_test: [
        {
          expr: `max(ALERTS{${Object.entries({ alertname: c.alert, alertstate: 'firing', ...c.match })
            .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
            .join(',')}})`,
          eval_time: `${T}s`,
          exp_samples: c.fires ? [{ labels: '{}', value: 1 }] : [],
        },
      ],
    })),
  });
}

/** The test groups promtool's JUnit report lists, and which of them failed. */
function junitCases(xml: string): { all: string[]; failed: string[] } {
  const all: string[] = [];
  const failed: string[] = [];
  const unescape = (x: string) =>
    x
      .replace(/&#34;|&quot;/g, '"')
      .replace(/&#39;|&apos;/g, "'")
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&');
  for (const m of xml.matchAll(/<testcase\b[^>]*\bname="([^"]*)"[^>]*?(\/>|>([\s\S]*?)<\/testcase>)/g)) {
    const name = unescape(m[1]!);
    all.push(name);
    if (m[3]?.includes('<failure')) failed.push(name);
  }
  return { all, failed };
}

promtool.describe('promtool test rules: every firing case of the alert rules, evaluated by Prometheus', () => {
  // The default site runs every app but the backups, which need a target: with one, every rule of the stack.
  const s = synth({ workloads: { backup: { target: { endpoint: 'https://backup.example.org', bucket: 'domus-backups' } } } });
  const view = containerView(s, 'prometheus', s.stack.ctx.site.namespaces.monitoring, 'prometheus');
  const ruleText = view.files.get('/etc/config/alerts.yml');
  if (ruleText === undefined) throw new Error('the Prometheus container has no /etc/config/alerts.yml');
  const groups = (parse(ruleText) as { groups: { name: string; rules: AlertRule[] }[] }).groups;
  const rules = groups.flatMap((g) => g.rules);
  const cases = unitCases(s, rules);
  const root = new FakeRoot();
  afterAll(() => root.remove());
  /**
   * One rule file and one unit-test file per rule under test (the rule engine then evaluates only that rule in
   * each group), all run by one promtool; the JUnit report says which groups failed.
   */
  const run = (list: readonly UnitCase[]) => {
    const ruleOf = (c: UnitCase) =>
      `${c.alert}${Object.values(c.match)
        .map((v) => `-${v}`)
        .join('')}`;
    const files = [...new Set(list.map(ruleOf))].map((id) => {
      const mine = list.filter((c) => ruleOf(c) === id);
      const { alert, match } = mine[0]!;
      const only = (r: AlertRule) => r.alert === alert && Object.entries(match).every(([k, v]) => r.labels[k] === v);
      const ruleFile = root.write(`/rules/${id}.rules.yml`, stringify({ groups: groups.map((g) => ({ ...g, rules: g.rules.filter(only) })).filter((g) => g.rules.length > 0) }));
      return root.write(`/rules/${id}.test.yml`, unitTestFile(ruleFile, mine));
    });
    const junit = root.path('/rules/junit.xml');
    const r = promtool.run(['test', `--junit=${junit}`, 'rules', ...files]);
    return { ...r, ...junitCases(readFileSync(junit, 'utf8')) };
  };

  test('the hand evaluator and promtool agree on every case, and both say what the case says', () => {
    const hand = cases.filter((c) => {
      const rule = rules.find((r) => r.alert === c.alert && Object.entries(c.match).every(([k, v]) => r.labels[k] === v))!;
      return fires(rule, c.series, T) !== c.fires;
    });
    expect(hand.map((c) => c.name)).toEqual([]);
    const r = run(cases);
    expect({ disagreements: r.failed, status: r.status }).toEqual({ disagreements: [], status: 0 });
    expect(r.all.sort()).toEqual(cases.map((c) => c.name).sort());
  });

  test('promtool fails a case whose expectation is flipped (the check can fail)', () => {
    const flipped = [cases.find((c) => c.fires)!, cases.find((c) => !c.fires && c.series.length > 0)!].map((c) => ({ ...c, fires: !c.fires }));
    const r = run(flipped);
    expect(r.status).not.toBe(0);
    expect(r.failed.sort()).toEqual(flipped.map((c) => c.name).sort());
  });
});
