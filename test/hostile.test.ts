/**
 * config/hostile.ts unit by unit (issue 25, item 9): the rules the hostile corpus (test/input.test.ts) exercises
 * through validateSite, here with their boundaries, so a weakened rule fails fast (and under `npm run mutation`).
 */
import { bucketNameProblem, durationProblem, hostileIssues, LIST_BOUNDS, listSizeIssues, MAX_LIST, receiverHostProblem, VERSION_TAG } from '../config/hostile';
import { validateSite } from '../config/load';
import { APPS } from '../constructs/registry';

const site = validateSite({}, 'test');

test('list sizes: each bound holds exactly, nested lists too', () => {
  expect(listSizeIssues({ x: Array(MAX_LIST).fill(1) })).toEqual([]);
  expect(listSizeIssues({ x: Array(MAX_LIST + 1).fill(1) })).toEqual([{ path: ['x'], value: `(${MAX_LIST + 1} elements)`, message: `at most ${MAX_LIST} elements` }]);
  const bound = LIST_BOUNDS['workloads.minio.buckets']!;
  expect(listSizeIssues({ workloads: { minio: { buckets: Array(bound).fill({}) } } })).toEqual([]);
  expect(listSizeIssues({ workloads: { minio: { buckets: Array(bound + 1).fill({}) } } })[0]!.path).toEqual(['workloads', 'minio', 'buckets']);
  expect(listSizeIssues({ a: [{ b: Array(MAX_LIST + 1).fill(0) }] })[0]!.path).toEqual(['a', 0, 'b']);
  expect(listSizeIssues(null)).toEqual([]);
  expect(listSizeIssues('x')).toEqual([]);
});

test('durations: within (0, 292y]', () => {
  expect(durationProblem('292y')).toBeUndefined();
  expect(durationProblem('293y')).toMatch(/Go's range/);
  expect(durationProblem('106751d')).toBeUndefined();
  expect(durationProblem('106752d')).toMatch(/Go's range/);
  expect(durationProblem('0s')).toMatch(/longer than 0/);
  expect(durationProblem('1s')).toBeUndefined();
  expect(durationProblem('15w')).toBeUndefined();
  expect(durationProblem('99999999999999999999y')).toMatch(/Go's range/);
  expect(durationProblem('x')).toBeUndefined(); // the format rule's job
});

test('bucket names: S3 rules', () => {
  for (const ok of ['backups', 'a.b', 'loki-chunks', 'abc', 'a1.b2-c3']) expect(bucketNameProblem(ok)).toBeUndefined();
  expect(bucketNameProblem('ab')).toMatch(/3-63/);
  expect(bucketNameProblem('a'.repeat(64))).toMatch(/3-63/);
  expect(bucketNameProblem('a'.repeat(63))).toBeUndefined();
  expect(bucketNameProblem('Abc')).toMatch(/3-63/);
  expect(bucketNameProblem('-abc')).toMatch(/3-63/);
  for (const bad of ['a..b', 'a.-b', 'a-.b']) expect(bucketNameProblem(bad)).toMatch(/without "\.\."/);
  for (const bad of ['192.168.1.1', '999.1.1.1']) expect(bucketNameProblem(bad)).toMatch(/IP address/);
  for (const bad of ['xn--abc', 'sthree-abc', 'abc-s3alias', 'abc--ol-s3']) expect(bucketNameProblem(bad)).toMatch(/reserved/);
});

test('version tags', () => {
  for (const ok of ['v3.5.0', '12.3.1', '7.2.11-alpine', 'RELEASE.2025-09-07T16-13-09Z', 'v1.28.15+k3s1', '1', 'v2.14.21']) expect(VERSION_TAG.test(ok)).toBe(true);
  for (const bad of ['main', 'nightly', 'latest', 'Latest', 'edge', 'dev', 'master', 'v', 'stable-1', 'RELEASE.2025', '1.2.3.4.5', '-1']) expect(VERSION_TAG.test(bad)).toBe(false);
});

test('receiver hosts: outside the cluster only', () => {
  for (const bad of [
    '169.254.169.254',
    '127.0.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '240.0.0.1',
    '10.42.3.4',
    '10.43.0.1',
    'localhost',
    'a.localhost',
    'kubernetes',
    'kubernetes.default',
    'kubernetes.default.svc',
    'x.y.svc',
    'x.y.svc.cluster.local',
    'cluster.local',
    'KUBERNETES.DEFAULT.SVC.',
  ])
    expect(receiverHostProblem(bad, site)).toBeDefined();
  for (const ok of ['ntfy.domus.lan', '192.168.10.5', 'smtp.example.org', '8.8.8.8', '169.253.255.255', '10.44.0.1', 'svc.example.org', 'kubernetes-alerts.example.org'])
    expect(receiverHostProblem(ok, site)).toBeUndefined();
});

test('cross-field: Vault CIDRs, receivers, namespaces of apps', () => {
  expect(hostileIssues(site, APPS)).toEqual([]);
  const s = structuredClone(site);
  s.vault.cidrs = ['10.0.0.0/8', '192.168.10.5/32'];
  expect(hostileIssues(s, APPS).map((i) => i.path)).toEqual([
    ['vault', 'cidrs', 0],
    ['vault', 'cidrs', 0],
  ]);
  const n = structuredClone(site);
  (n.namespaces as Record<string, string>).storage = 'node-exporter';
  expect(hostileIssues(n, APPS).map((i) => i.path)).toEqual([['namespaces', 'storage']]);
  const r = structuredClone(site);
  (r.workloads as unknown as { alertmanager: { receivers: unknown[] } }).alertmanager.receivers = [
    { type: 'webhook', name: 'a', host: 'ntfy.domus.lan', port: 443 },
    { type: 'email', name: 'b', to: 'a@b.org', from: 'c@d.org', smarthost: '127.0.0.1', port: 587 },
  ];
  expect(hostileIssues(r, APPS).map((i) => i.path)).toEqual([['workloads', 'alertmanager', 'receivers', 1, 'smarthost']]);
});

// Survivors of `npm run mutation` (config/hostile.ts, 81.8%): the field a webhook is reported under, the anchor
// of the kubernetes rule, and which range a Vault CIDR falls into.
test('mutation survivors: webhook host path, anchored names, the range named', () => {
  const r = structuredClone(site);
  (r.workloads as unknown as { alertmanager: { receivers: unknown[] } }).alertmanager.receivers = [{ type: 'webhook', name: 'a', host: 'kubernetes.default.svc', port: 443 }];
  expect(hostileIssues(r, APPS).map((i) => i.path)).toEqual([['workloads', 'alertmanager', 'receivers', 0, 'host']]);
  expect(receiverHostProblem('mykubernetes.example.org', site)).toBeUndefined();
  expect(receiverHostProblem('kubernetes.default.svc.', site)).toMatch(/in-cluster name/);
  expect(receiverHostProblem('10.42.0.1', site)).toMatch(/pod range 10\.42\.0\.0\/16/);
  expect(receiverHostProblem('10.43.0.1', site)).toMatch(/service range 10\.43\.0\.0\/16/);
  expect(receiverHostProblem('localhost', site)).toMatch(/not localhost/);
  const v = structuredClone(site);
  v.vault.cidrs = ['10.42.0.0/16', '10.43.0.0/16'];
  expect(hostileIssues(v, APPS).map((i) => i.message)).toEqual([
    expect.stringMatching(/outside the pod range 10\.42\.0\.0\/16 .*open every pod\)/),
    expect.stringMatching(/outside the service range 10\.43\.0\.0\/16 .*open every Service\)/),
  ]);
  // Nested list bounds are named by their string path only (numbers skipped): nodes[0].roles uses MAX_LIST.
  expect(listSizeIssues({ nodes: [{ roles: Array(LIST_BOUNDS.nodes! + 1).fill('server') }] })).toEqual([]);
});
