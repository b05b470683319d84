/**
 * The site schema composed from the registry (charts/site-schema.ts `workloadsShape`): each app declares its slice of
 * `site.workloads` and which of its components are replicated or singletons; nothing central names an app.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { component, res } from '../config/fields';
import { ConfigError, validateSite } from '../config/load';
import { siteSchema, workloadsShape } from '../charts/site-schema';
import type { Site } from '../config/schema';
import { type AppDefinition, defineApp } from '../constructs/lib/app';
import { APPS } from '../constructs/registry';

const issuesOf = (input: unknown): { path: string; value: unknown; expected: string }[] => {
  try {
    validateSite(input, 'test');
    return [];
  } catch (e) {
    if (e instanceof ConfigError) return e.issues.map((i) => ({ path: i.path, value: i.value, expected: i.expected }));
    throw e;
  }
};

test('site.workloads has one field per app that declares a schema, in registry order', () => {
  const keys = Object.keys(siteSchema.shape.workloads.unwrap().shape);
  expect(keys).toEqual(APPS.filter((a) => 'schema' in a && a.schema !== undefined).map((a) => a.key));
});

test("the Site type is precise: each app's fields keep their types", () => {
  const site: Site = validateSite({}, 'test');
  // Compile-time: these lines fail `tsc` if the workloads type widens to Record<string, unknown>.
  const replicas: number = site.workloads.prometheus.replicas;
  const kind: 'Deployment' | 'DaemonSet' = site.workloads.traefik.kind;
  const heap: string = site.workloads.wazuh.indexer.heap;
  expect({ replicas, kind, heap }).toEqual({ replicas: 1, kind: 'DaemonSet', heap: '1g' });
});

test('every replicated and singleton path of an app names a replicas number of its slice', () => {
  const site = validateSite({}, 'test') as unknown as { workloads: Record<string, unknown> };
  const at = (key: string, path: readonly string[]): unknown => path.reduce<unknown>((v, p) => (v as Record<string, unknown> | undefined)?.[p], site.workloads[key]);
  const paths = APPS.flatMap((a: AppDefinition) => [...(a.replicated ?? []), ...(a.singletons ?? [])].map((p) => ({ key: a.key, path: p.join('.'), value: at(a.key, p) })));
  expect(paths.length).toBeGreaterThan(0);
  for (const p of paths) expect({ ...p, value: typeof p.value }).toEqual({ ...p, value: 'number' });
});

// The rules as they were before the registry declared them: the same paths, no more, no fewer.
const REPLICATED = [
  'prometheus.replicas',
  'grafana.replicas',
  'traefik.replicas',
  'argocd.server.replicas',
  'argocd.repoServer.replicas',
  'wazuh.indexer.replicas',
  'wazuh.worker.replicas',
  'wazuh.dashboard.replicas',
];
// kube-state-metrics: a second replica would export every series twice; Alertmanager runs without HA gossip.
const SINGLETONS = ['argocd.controller.replicas', 'argocd.redis.replicas', 'wazuh.master.replicas', 'kubeStateMetrics.replicas', 'alertmanager.replicas'];

test("the declared replica rules are exactly the stack's", () => {
  expect(APPS.flatMap((a: AppDefinition) => (a.replicated ?? []).map((p) => `${a.key}.${p.join('.')}`)).sort()).toEqual([...REPLICATED].sort());
  expect(APPS.flatMap((a: AppDefinition) => (a.singletons ?? []).map((p) => `${a.key}.${p.join('.')}`)).sort()).toEqual([...SINGLETONS].sort());
});

const setAt = (path: string, value: number): Record<string, unknown> => path.split('.').reduceRight<unknown>((v, k) => ({ [k]: v }), value) as Record<string, unknown>;

test.each(REPLICATED.filter((p) => p !== 'traefik.replicas'))('%s above the node count fails under required anti-affinity, passes under preferred', (path) => {
  expect(issuesOf({ workloads: setAt(path, 2) })).toEqual([{ path: `workloads.${path}`, value: 2, expected: expect.stringContaining('at most 1 (one replica per node') }]);
  expect(issuesOf({ cluster: { antiAffinity: 'preferred' }, workloads: setAt(path, 2) })).toEqual([]);
});

test.each(SINGLETONS)('%s is a singleton whatever the node count', (path) => {
  expect(issuesOf({ cluster: { antiAffinity: 'preferred' }, workloads: setAt(path, 2) })).toEqual([
    { path: `workloads.${path}`, value: 2, expected: '1 (this component is a singleton; scale its siblings instead)' },
  ]);
});

test('applicationSet is neither: its replicas are free', () => {
  expect(issuesOf({ workloads: { argocd: { applicationSet: { replicas: 2 } } } })).toEqual([]);
});

test('an app added to the registry brings its slice, typed, with its defaults and messages', () => {
  const extraSchema = z.strictObject({ enabled: z.boolean().default(true), ...component({ resources: res('10m', '16Mi', '32Mi') }) }).prefault({});
  const extra = defineApp({
    key: 'extra',
    namespace: { key: 'extra', podSecurity: 'restricted' },
    chart: 'extra',
    wave: 1,
    images: [],
    enabled: () => true,
    routed: false,
    build: () => undefined,
    schema: extraSchema,
  });
  const workloads = z.strictObject(workloadsShape([...APPS, extra] as const));
  const parsed = workloads.parse({});
  expect(parsed.extra).toEqual({ enabled: true, replicas: 1, resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '40m', memory: '32Mi' } } });
  expect(parsed.prometheus.replicas).toBe(1);
  expect(workloads.safeParse({ extra: { replicas: 0 } }).success).toBe(false);
  expect(() => workloadsShape([...APPS, { ...extra, key: 'prometheus' }])).toThrow('site.workloads.prometheus is declared by two apps');
});

test("crossFieldIssues reads no app's slice by name: the app rules come from the declarations", () => {
  const code = readFileSync(join(__dirname, '..', 'config', 'schema.ts'), 'utf8');
  expect(code.match(/site\.workloads\.\w+/g) ?? []).toEqual([]);
});

test("an app's siteIssues are blamed inside its slice", () => {
  expect(issuesOf({ workloads: { argocd: { dex: { enabled: true } } } })).toEqual([
    { path: 'workloads.argocd.dex.config', value: '', expected: 'a Dex connector configuration and the identity provider hosts when dex.enabled is true' },
  ]);
  expect(issuesOf({ workloads: { wazuh: { indexer: { heap: '2g' } } } })).toEqual([
    { path: 'workloads.wazuh.indexer.heap', value: '2g', expected: expect.stringContaining('at most half of the indexer memory limit') },
  ]);
  expect(issuesOf({ workloads: { minio: { buckets: [{ name: 'aaa' }, { name: 'aaa' }] } } })).toEqual([
    { path: 'workloads.minio.buckets[1].name', value: 'aaa', expected: 'a bucket name that is declared once' },
  ]);
});
