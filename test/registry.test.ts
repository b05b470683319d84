/**
 * The workload registry (constructs/apps.ts, one line per app, ordered by constructs/registry.ts): every central list is derived from the apps' declarations,
 * and the declarations are consistent with each other and with what the stack ships.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chartNames } from '../charts/stack';
import { APP_WAVES } from '../charts/apps';
import { IMAGES } from '../config/versions';
import { validateSite } from '../config/load';
import { AppDefinition, defineApp, namespaceName, registryOrder, stackCharts, stackNamespaces } from '../constructs/lib/app';
import * as listed from '../constructs/apps';
import { APPS } from '../constructs/registry';
import { synthesize } from '../charts/synth';
import { runChecks } from '../verify/cli';
import { findAll, synth } from './helpers';
import { siteContext } from './verify/site-context';

const site = validateSite({}, 'test');

test('app keys are unique', () => {
  expect(new Set(APPS.map((a) => a.key)).size).toBe(APPS.length);
});

test('the registry is every app of constructs/apps.ts, in sync-wave order, then by key', () => {
  // One line per app in constructs/apps.ts; the order is stated by the apps' waves, never by the lines' order.
  expect([...APPS].sort((a, b) => (a.key < b.key ? -1 : 1))).toEqual(Object.values(listed).sort((a, b) => (a.key < b.key ? -1 : 1)));
  const rank = APPS.map((a) => [a.wave, a.key] as const);
  for (let i = 1; i < rank.length; i++) expect(rank[i - 1]![0] < rank[i]![0] || (rank[i - 1]![0] === rank[i]![0] && rank[i - 1]![1] < rank[i]![1])).toBe(true);
});

test('registryOrder orders by wave then key whatever the export names, and refuses an export that is not an app', () => {
  const app = (key: string, wave: number) => ({ ...APPS[0]!, key, wave });
  // Export names sort opposite to the expected order: the order comes from the declarations.
  const ordered = registryOrder({ a: app('zeta', 1), b: app('beta', 0), c: app('alpha', 1), d: app('omega', -1) });
  expect(ordered.map((a) => a.key)).toEqual(['omega', 'beta', 'alpha', 'zeta']);
  expect(() => registryOrder({ ok: app('x', 0), WHOAMI_IMAGE: { repository: 'r', tag: 't' } as unknown as AppDefinition })).toThrow(
    'constructs/apps.ts exports WHOAMI_IMAGE, which is not an app',
  );
});

test('every pinned image belongs to exactly one app', () => {
  const owners = Object.keys(IMAGES).map((image) => ({ image, apps: APPS.filter((a) => a.images.includes(image as keyof typeof IMAGES)).map((a) => a.key) }));
  expect(owners.filter((o) => o.apps.length !== 1)).toEqual([]);
});

test("the charts in dist/ are the platform chart plus the apps' charts, in registry order", () => {
  // The first app of each chart decides its place (an app added to the registry adds its chart here too).
  expect(chartNames()).toEqual(['platform', ...new Set(APPS.map((a) => a.chart))]);
  // The default site deploys every app but those that need a site setting (backup: a target).
  expect(synth().charts.map((c) => c.name)).toEqual([...chartNames(APPS.filter((a) => a.enabled(site))), 'apps']);
});

test('the waves come from the apps (and the CRD apps first)', () => {
  for (const a of APPS) expect({ chart: a.chart, wave: APP_WAVES[a.chart] }).toEqual({ chart: a.chart, wave: a.wave });
  expect(Object.keys(APP_WAVES).sort()).toEqual(['argocd-crds', 'traefik-crds', ...chartNames()].sort());
});

test('the namespaces and their Pod Security levels come from the apps', () => {
  const ns = findAll('Namespace');
  const enabled = APPS.filter((a) => a.enabled(site));
  expect(ns.map((n) => n.metadata.name)).toEqual(stackNamespaces(site, enabled).map((n) => n.name));
  for (const a of enabled) {
    const n = ns.find((x) => x.metadata.name === namespaceName(site, a.namespace.key))!;
    expect(n.metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe(a.namespace.podSecurity);
    expect(n.metadata.annotations?.['domus.dev/pod-security-reason']).toBe(a.namespace.reason);
  }
});

test('dist/intent/must-deny.json is exactly what the apps declare', () => {
  const file = (JSON.parse(synth().files.get('intent/must-deny.json')!) as { mustDeny: unknown[] }).mustDeny;
  const declared = APPS.flatMap((a) => a.mustDeny ?? []);
  expect(declared.length).toBeGreaterThan(10);
  const key = (x: unknown) => JSON.stringify(Object.entries(x as object).sort());
  expect(file.map(key).sort()).toEqual(declared.map(key).sort());
});

test("must-deny.json names the site's namespaces, so a site that renames one keeps every rule, and verify passes on it", () => {
  const renamed = validateSite({ namespaces: { monitoring: 'mon', security: 'sec' } }, 'test');
  const out = synthesize(renamed);
  const rules = (JSON.parse(out.files.get('intent/must-deny.json')!) as { mustDeny: { from: string; to: string; exceptNamespace?: string }[] }).mustDeny;
  expect(rules).toContainEqual(expect.objectContaining({ from: 'world', to: 'mon/prometheus', port: 9090 }));
  expect(rules).toContainEqual(expect.objectContaining({ from: '*', to: 'sec/wazuh-indexer', exceptNamespace: 'sec' }));
  expect(rules.flatMap((r) => [r.from, r.to]).filter((p) => /^(monitoring|security)\//.test(p))).toEqual([]);
  const errors = runChecks(siteContext(renamed, out.files), { maxShare: 0.8 }).findings.filter((f) => f.severity === 'error');
  expect(errors.map((f) => `${f.check}: ${f.message}`)).toEqual([]);
});

const base: AppDefinition = {
  key: 'x',
  namespace: { key: 'x', podSecurity: 'restricted' },
  chart: 'x',
  wave: 0,
  images: [],
  enabled: () => true,
  routed: false,
  build: () => undefined,
};

test('a level above restricted needs a reason, and restricted takes none', () => {
  expect(() => defineApp({ ...base, namespace: { key: 'x', podSecurity: 'baseline' } })).toThrow(/a reason is required exactly when the level is not restricted/);
  expect(() => defineApp({ ...base, namespace: { key: 'x', podSecurity: 'restricted', reason: 'why not' } })).toThrow(/a reason is required/);
  expect(defineApp({ ...base, namespace: { key: 'x', podSecurity: 'baseline', reason: 'needs root' } }).namespace.podSecurity).toBe('baseline');
});

test('apps sharing a namespace or a chart must agree', () => {
  expect(() => stackNamespaces(site, [base, { ...base, key: 'y', namespace: { key: 'x', podSecurity: 'baseline', reason: 'r' } }])).toThrow(
    /namespace x: app y declares Pod Security baseline/,
  );
  expect(() => stackCharts([base, { ...base, key: 'y', wave: 2 }])).toThrow(/chart x: app y declares wave 2, x wave 0/);
});

test('the shared library (constructs/lib) names no app or workload: roles and declarations stand in', () => {
  const names = new Set([...APPS.map((a) => a.key), ...synth().stack.ctx.workloads.map((w) => w.name)]);
  const dir = join(__dirname, '..', 'constructs', 'lib');
  const hits = readdirSync(dir)
    .filter((f) => f.endsWith('.ts'))
    .flatMap((f) => {
      // Code only: comments may give examples.
      const code = readFileSync(join(dir, f), 'utf8')
        .replace(/\/\*[\s\S]*?\*\//g, '')
        .replace(/^\s*\/\/.*$/gm, '');
      return [...names].filter((n) => new RegExp(`['"\`]${n.replace(/[-]/g, '\\-')}['"\`]`).test(code)).map((n) => `${f}: ${n}`);
    });
  expect(hits).toEqual([]);
});
