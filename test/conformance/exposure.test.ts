/**
 * The Prometheus lifecycle API and MinIO's metrics are not reachable through Traefik, checked against the
 * upstream facts (conformance/facts/exposure.ts): the paths upstream serves, the routes' rules evaluated as
 * Traefik evaluates them, and Traefik left at the defaults that make the routing path the backend's path.
 */
import { EXPOSURE_FACTS } from '../../conformance/facts/exposure';
import { MINIO_METRICS_PATHS } from '../../constructs/minio';
import { PROMETHEUS_LIFECYCLE_PATHS } from '../../constructs/prometheus';
import { evalRule, parseRule } from '../../verify/checks/exposure';
import { EXPOSURE_FILE, parseExposure } from '../../verify/contracts/declared';
import { findResource, podTemplate, synth } from '../helpers';

const matchOf = (name: string, ns: string) => (findResource('IngressRoute', name, ns).spec as { routes: { match: string }[] }).routes[0]!.match;

test('the lifecycle paths the Prometheus route excludes are the ones Prometheus registers', () => {
  expect({ excluded: PROMETHEUS_LIFECYCLE_PATHS, source: EXPOSURE_FACTS.prometheusLifecycle.source }).toEqual({
    excluded: EXPOSURE_FACTS.prometheusLifecycle.value,
    source: EXPOSURE_FACTS.prometheusLifecycle.source,
  });
  // The facts apply: the stack turns the lifecycle API on (for the pod-local reloader).
  const args = podTemplate('StatefulSet', 'prometheus', 'monitoring').spec.containers.find((c) => c.name === 'prometheus')!.args ?? [];
  expect(args).toContain('--web.enable-lifecycle');
});

test.each(EXPOSURE_FACTS.prometheusLifecycle.value)('Traefik does not forward %s to Prometheus; the UI and /-/ready still are', (path) => {
  const rule = parseRule(matchOf('prometheus', 'monitoring'));
  expect(evalRule(rule, { host: 'prometheus.domus.lan', path })).toBe(false);
  expect(evalRule(rule, { host: 'prometheus.domus.lan', path: `${path}/x` })).toBe(false);
  expect(evalRule(rule, { host: 'prometheus.domus.lan', path: '/-/ready' })).toBe(true);
  expect(evalRule(rule, { host: 'prometheus.domus.lan', path: '/api/v1/query' })).toBe(true);
});

test.each(EXPOSURE_FACTS.minioMetricsPaths.value)('Traefik does not forward %s on s3.<domain>; bucket paths still are', (path) => {
  expect(path.startsWith(`${EXPOSURE_FACTS.minioReservedPrefix.value}/`)).toBe(true);
  expect(MINIO_METRICS_PATHS.some((p) => path.startsWith(p))).toBe(true);
  const rule = parseRule(matchOf('s3', 'storage'));
  expect(evalRule(rule, { host: 's3.domus.lan', path })).toBe(false);
  expect(evalRule(rule, { host: 's3.domus.lan', path: '/backups/etcd/snapshot-1.db' })).toBe(true);
});

test('the declared exposure (dist/intent/exposure.json) denies every upstream path of the facts, so verify catches a route that forwards one', () => {
  const parsed = parseExposure(synth().files.get(EXPOSURE_FILE));
  if (!parsed.ok) throw new Error(parsed.message);
  const routes = new Map(parsed.value.map((r) => [r.host, r]));
  expect(routes.get('prometheus')!.denyPaths).toEqual(expect.arrayContaining(EXPOSURE_FACTS.prometheusLifecycle.value));
  expect(routes.get('s3')!.denyPaths).toEqual(expect.arrayContaining(EXPOSURE_FACTS.minioMetricsPaths.value));
});

test('Traefik keeps path sanitizing and refuses encoded slashes (the defaults the routing facts rely on)', () => {
  const args = podTemplate(synth().stack.ctx.site.workloads.traefik.kind, 'traefik', 'ingress').spec.containers.find((c) => c.name === 'traefik')!.args ?? [];
  expect(EXPOSURE_FACTS.traefikSanitizePath.value).toBe(true);
  expect(EXPOSURE_FACTS.traefikEncodedSlash.value).toBe(false);
  expect(args.filter((a) => /sanitizepath|encodedcharacters/i.test(a))).toEqual([]);
});
