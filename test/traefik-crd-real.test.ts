/**
 * The real Traefik v3.6.6 with its kubernetescrd provider pointed at the real test control plane (the default
 * site synced onto it as Argo CD's controller would, test/lib/site-suite.ts), authenticated with a token of
 * Traefik's own ServiceAccount (TokenRequest). Proves the RBAC dist gives Traefik is enough for the provider to
 * list and watch what it reads in every namespace it watches, and that the IngressRoutes and Middlewares of
 * dist load and route.
 *
 * Nothing runs pods here (no kubelet, no controller-manager), so the test does what the EndpointSlice
 * controller would: one EndpointSlice per routed Service, pointing at a test backend on the machine's address. Without one,
 * Traefik drops the router ("no servers found") and answers 404.
 *
 * The mutation: a ServiceAccount bound like Traefik's except in one watched namespace; the real Traefik must
 * log that it may not list there.
 */
import { join } from 'node:path';
import { buildContext } from '../verify/cli';
import { traefikContainers, type TraefikContainer } from '../verify/traefik';
import type { Context } from '../verify/types';
import { requireTools } from './lib/control-plane';
import { messageOf, type KubeObject } from './lib/kube-client';
import { closeSites, controlPlaneAvailable, siteHasArgoController, siteOnApi, type SiteOnApi } from './lib/site-suite';
import { hostAddress, httpsGet, renderAgentFiles, startBackend, startTraefik, TestPki, traefikBinary, type Backend, type RunningTraefik } from './lib/traefik-real';

const dist = join(__dirname, '..', 'dist');
const plane = controlPlaneAvailable();
const missing = [...(plane.run ? [] : [plane.why]), ...(traefikBinary() ? [] : ['Traefik is not built'])];
// Tests follow the site: without Traefik, or without Argo CD to apply dist/, there is no provider to run.
const siteRuns = siteHasArgoController(() => buildContext(dist, [])) && traefikContainers(buildContext(dist, []).docs).length > 0;
const run = siteRuns && (missing.length === 0 || requireTools());
if (!siteRuns) process.stderr.write('test/traefik-crd-real.test.ts skipped: Traefik or Argo CD is off in this site\n');
else if (!run) process.stderr.write(`test/traefik-crd-real.test.ts skipped: ${missing.join('; ')} (run \`npm run tools\`; it needs Go, https://go.dev/dl/)\n`);

jest.setTimeout(600_000);
afterAll(closeSites, 60_000);

/** What a routed request must answer before the provider's configuration counts as loaded (a bound, not a timing). */
const LOAD_BOUND_MS = 120_000;

/** Lines of Traefik's log (its own and client-go's reflector, on stderr) saying the provider may not read something. */
const providerErrors = (log: string): string[] =>
  log
    .split('\n')
    .map((l) => l.replace(/\\"/g, '"'))
    .filter((l) => /forbidden|failed to list|failed to watch|Unauthorized/i.test(l));

/** An HTTPS GET through Traefik with SNI and Host `host`: status and body (status 0: no answer). */
const get = async (port: number, host: string, ca: string): Promise<{ status: number; body: string }> => {
  const a = await httpsGet(port, host, ca);
  return { status: a.status, body: a.body };
};

/** Polls `probe` until it holds or the bound passes; the last value either way. */
async function until<T>(probe: () => Promise<T>, ok: (t: T) => boolean): Promise<T> {
  const end = Date.now() + LOAD_BOUND_MS;
  for (;;) {
    const v = await probe();
    if (ok(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 250));
  }
}

const BACKEND_BODY = 'domus-test-backend';

/** The host of an IngressRoute's first route (`Host(\`x\`)`), and the Service it routes to. */
function routeOf(o: KubeObject): { host: string; service: string; kind: string } | undefined {
  const r = (o.spec as { routes?: { match?: string; services?: { name: string; kind?: string }[] }[] } | undefined)?.routes?.[0];
  const host = /Host\(`([^`]+)`\)/.exec(r?.match ?? '')?.[1];
  const svc = r?.services?.[0];
  return host && svc ? { host, service: svc.name, kind: svc.kind ?? 'Service' } : undefined;
}

(run ? describe : describe.skip)('the real Traefik v3.6.6 with its CRD provider on the real control plane (default site)', () => {
  let ctx: Context;
  let site: SiteOnApi;
  let t: TraefikContainer;
  let sa: { namespace: string; name: string };
  let watched: string[];
  const pki = new TestPki();
  let files: Record<string, string>;
  let back: Backend;

  beforeAll(async () => {
    ctx = buildContext(dist, []);
    site = await siteOnApi('site', ctx);
    const all = traefikContainers(ctx.docs);
    if (all.length !== 1) throw new Error(`expected one Traefik container in dist, found ${all.length}`);
    t = all[0]!;
    const spec = (t.doc.obj.spec as { template: { spec: { serviceAccountName?: string } } }).template.spec;
    sa = { namespace: t.doc.obj.metadata.namespace ?? 'default', name: spec.serviceAccountName ?? 'default' };
    watched = (t.args.get('providers.kubernetescrd.namespaces') ?? '').split(',').filter(Boolean);
    const domain = ctx.docs
      .map((d) => routeOf(d.obj as KubeObject)?.host)
      .find((h): h is string => !!h && h.startsWith('grafana.'))!
      .slice('grafana.'.length);
    files = renderAgentFiles(t, pki.issue('wildcard', [`*.${domain}`, domain]));
    back = await startBackend(hostAddress(), BACKEND_BODY);
  }, 600_000);
  afterAll(async () => {
    await back?.close();
    pki.cleanup();
  });

  /** The IngressRoutes of dist in the namespaces Traefik watches, with their first host and Service. */
  const routes = () =>
    ctx.docs
      .filter((d) => d.obj.kind === 'IngressRoute' && watched.includes(d.obj.metadata.namespace ?? ''))
      .flatMap((d) => {
        const r = routeOf(d.obj as KubeObject);
        return r ? [{ ...r, namespace: d.obj.metadata.namespace!, name: d.obj.metadata.name }] : [];
      });

  /** What the EndpointSlice controller would write for the Service: one ready endpoint, the test backend. */
  async function endpointsFor(namespace: string, service: string): Promise<void> {
    const svc = await site.client.get({ apiVersion: 'v1', kind: 'Service', metadata: { name: service, namespace } });
    if (svc.status !== 200) throw new Error(`Service ${namespace}/${service}: ${svc.status} ${messageOf(svc)}`);
    const ports = ((svc.body as { spec: { ports: { name?: string; protocol?: string }[] } }).spec.ports ?? []).map((p) => ({
      name: p.name ?? '',
      port: back.port,
      protocol: p.protocol ?? 'TCP',
    }));
    const slice: KubeObject = {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: `${service}-domus-test`, namespace, labels: { 'kubernetes.io/service-name': service, 'endpointslice.kubernetes.io/managed-by': 'domus-test' } },
      addressType: 'IPv4',
      endpoints: [{ addresses: [back.address], conditions: { ready: true, serving: true, terminating: false } }],
      ports,
    };
    const r = await site.client.apply(slice, { fieldManager: 'domus-test' });
    if (r.status !== 200 && r.status !== 201) throw new Error(`EndpointSlice ${namespace}/${service}: ${r.status} ${messageOf(r)}`);
  }

  const start = async (token: string): Promise<RunningTraefik> => startTraefik(t, { files, crd: { endpoint: site.info.server, token, caFile: site.info.caFile } });

  test("with Traefik's own ServiceAccount token the provider reads every watched namespace and the IngressRoutes route", async () => {
    expect(site.sync.refusals).toEqual([]);
    expect(watched.length).toBeGreaterThan(0);
    const rs = routes();
    expect(rs.length).toBeGreaterThan(0);
    // A TraefikService (the dashboard's api@internal) has no endpoints.
    for (const r of rs) if (r.kind === 'Service') await endpointsFor(r.namespace, r.service);
    const token = await site.client.serviceAccountToken(sa.namespace, sa.name);
    const tr = await start(token);
    try {
      const port = tr.ports['websecure']!;
      // Grafana's route has no allow-list: it reaches the test backend through the Service's EndpointSlice.
      const grafana = rs.find((r) => r.host.startsWith('grafana.'))!;
      const g = await until(
        () => get(port, grafana.host, pki.caPem),
        (x) => x.status !== 404,
      );
      expect({ host: grafana.host, ...g, log: g.status === 200 ? '' : tr.log().slice(-4000) }).toEqual({ host: grafana.host, status: 200, body: BACKEND_BODY, log: '' });
      // Every watched route is loaded (not 404): through to the backend, or refused by its own middleware (the
      // admin allow-list Middleware, also a CRD, does not admit loopback on the default site).
      for (const r of rs) {
        const x = await until(
          () => get(port, r.host, pki.caPem),
          (v) => v.status !== 404,
        );
        expect({ route: `${r.namespace}/${r.name}`, loaded: x.status === 200 || x.status === 403 }).toEqual({ route: `${r.namespace}/${r.name}`, loaded: true });
      }
      // A host of no route: 404.
      expect((await get(port, `nothing.${grafana.host.slice('grafana.'.length)}`, pki.caPem)).status).toBe(404);
      expect(tr.log()).toMatch(/Starting provider \*crd\.Provider/);
      expect(providerErrors(tr.log())).toEqual([]);
    } finally {
      await tr.stop();
    }
  });

  test('mutation: a ServiceAccount bound like Traefik except in one watched namespace; the real Traefik logs it may not list there', async () => {
    const lacking = watched[watched.length - 1]!;
    const mutant = { namespace: sa.namespace, name: 'domus-mutation-traefik' };
    const c = await site.client.apply({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: mutant }, { fieldManager: 'domus-test' });
    expect(c.status === 200 || c.status === 201).toBe(true);
    const isTraefik = (s: { kind: string; name: string; namespace?: string }) => s.kind === 'ServiceAccount' && s.name === sa.name && s.namespace === sa.namespace;
    let copied = 0;
    for (const d of ctx.docs.filter((x) => x.obj.kind === 'RoleBinding' || x.obj.kind === 'ClusterRoleBinding')) {
      const subjects = (d.obj.subjects as { kind: string; name: string; namespace?: string }[] | undefined) ?? [];
      if (!subjects.some(isTraefik) || d.obj.metadata.namespace === lacking) continue;
      const b: KubeObject = {
        apiVersion: d.obj.apiVersion,
        kind: d.obj.kind,
        metadata: { name: `domus-mutation-${d.obj.metadata.name}`, ...(d.obj.metadata.namespace ? { namespace: d.obj.metadata.namespace } : {}) },
        roleRef: d.obj.roleRef,
        subjects: [{ kind: 'ServiceAccount', ...mutant }],
      };
      const r = await site.client.apply(b, { fieldManager: 'domus-test' });
      expect({ binding: b.metadata.name, accepted: r.status === 200 || r.status === 201, msg: messageOf(r) }).toEqual({
        binding: b.metadata.name,
        accepted: true,
        msg: expect.any(String),
      });
      copied++;
    }
    expect(copied).toBeGreaterThan(0);
    const tr = await start(await site.client.serviceAccountToken(mutant.namespace, mutant.name));
    try {
      const refusedIn = (l: string) => providerErrors(l).filter((x) => /forbidden/i.test(x) && x.includes(`"${lacking}"`));
      const log = await until(
        async () => tr.log(),
        (l) => refusedIn(l).length > 0,
      );
      expect({ lacking, forbidden: refusedIn(log).length > 0, log: refusedIn(log).length > 0 ? '' : log.slice(-4000) }).toEqual({ lacking, forbidden: true, log: '' });
      // Only the namespace without the binding is refused.
      for (const ns of watched.filter((n) => n !== lacking)) expect({ ns, refused: providerErrors(log).filter((x) => x.includes(`"${ns}"`)) }).toEqual({ ns, refused: [] });
    } finally {
      await tr.stop();
    }
  });
});
