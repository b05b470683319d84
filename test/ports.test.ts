/**
 * Port names a workload declares are the only ones its probes, scrape targets and flows may name: checked by
 * the compiler where the names are literals (the `@ts-expect-error` lines fail `tsc` if they ever compile),
 * and at synthesis for the rest (a probe must name a port of its own container, as the kubelet resolves it).
 */
import { App, Chart } from 'cdk8s';
import { validateSite } from '../config/load';
import { StackContext } from '../constructs/lib/context';
import { ContainerSpec, Workload } from '../constructs/lib/workload';

const site = validateSite({}, 'test');
const resources = site.workloads.grafana.resources;
const user = { uid: 1000, gid: 1000 };

function build<P extends string>(containers: readonly ContainerSpec<P>[], metrics?: readonly { port: NoInfer<P> }[]): Workload<P> {
  const ctx = new StackContext(site);
  return new Workload(new Chart(new App(), 'c'), 'w', ctx, {
    name: 'w',
    namespace: 'monitoring',
    partOf: 'test',
    kind: 'Deployment',
    user,
    containers,
    ...(metrics ? { metrics } : {}),
  });
}

test('declared names type-check and resolve', () => {
  const w = build(
    [
      {
        name: 'app',
        image: 'x:1',
        resources,
        ports: [
          { name: 'http', port: 8080 },
          { name: 'metrics', port: 9100 },
        ],
        liveness: { http: { path: '/', port: 'http' } },
        readiness: { tcp: { port: 'metrics' } },
      },
    ],
    [{ port: 'metrics' }],
  );
  expect(w.endpoint('http').port.port).toBe(8080);
  // @ts-expect-error 'htp' is not a declared port name
  expect(() => w.endpoint('htp')).toThrow(/has no port named htp \(has: http, metrics\)/);
  // @ts-expect-error flows name declared ports only
  expect(() => w.allowFrom({ kind: 'entity', entity: 'world' }, ['admin'], 'x')).toThrow(/has no port named admin/);
});

test('a probe or a scrape target naming an undeclared port does not compile', () => {
  const app = { name: 'app', image: 'x:1', resources, ports: [{ name: 'http', port: 8080 }], readiness: { tcp: { port: 'http' } } } as const;
  const probeTypo = () =>
    build([
      {
        ...app,
        // @ts-expect-error the probe names a port no container declares
        liveness: { http: { path: '/', port: 'htp' } },
      },
    ]);
  expect(probeTypo).toThrow(/liveness probe of container app names port htp/);
  const scrapeTypo = () =>
    build(
      [{ ...app, liveness: { tcp: { port: 'http' } } }],
      // @ts-expect-error the scrape target names a port no container declares
      [{ port: 'metric' }],
    );
  expect(scrapeTypo).toThrow(/has no port named metric/);
});

test('a probe must name a port of its own container (the kubelet looks nowhere else)', () => {
  expect(() =>
    build([
      { name: 'app', image: 'x:1', resources, ports: [{ name: 'http', port: 8080 }], liveness: { tcp: { port: 'http' } }, readiness: { tcp: { port: 'http' } } },
      { name: 'sidecar', image: 'y:1', resources, ports: [{ name: 'admin', port: 9000 }], liveness: { tcp: { port: 'http' } }, readiness: { tcp: { port: 'admin' } } },
    ]),
  ).toThrow(/the liveness probe of container sidecar names port http, which the container does not declare \(has: admin\)/);
});
