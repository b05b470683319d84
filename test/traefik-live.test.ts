/**
 * Traefik for real, end to end (issue 20; docs/adr/0162-live-traefik.md): the pinned Traefik v3.6.6 with the
 * generated static arguments, the file-provider configuration rendered from its Vault agent template, and its
 * kubernetescrd provider on the real test control plane with a token of its own ServiceAccount (TokenRequest:
 * exactly the RBAC dist gives it). The site is a fork of the site in use whose LAN and admin ranges are loopback
 * ranges (test/lib/traefik-real.ts loopbackFork), so clients bound to three loopback addresses stand in for an
 * admin workstation, another LAN host and a host outside the LAN.
 *
 * Every route's backend is a small HTTP(S) server of its own that answers with a marker and records what reaches
 * it: registered as the EndpointSlice of the route's Service (what the EndpointSlice controller would write) for
 * the IngressRoutes; for the file provider's routes (in-cluster Service names Traefik would resolve through the
 * cluster DNS) the server URL is the one rewrite. The certificates come from a dev Vault on the fork's own control
 * plane, configured by the fork's generated setup.sh as DAY0 says (test/lib/vault-dev.ts configuredDevVault):
 * vault-k8s injects the pod created from Traefik's template (the plane's webhook) and `vault agent` runs its init
 * configuration with a token of Traefik's ServiceAccount, writing the tls.yml Traefik starts on; clients trust only
 * the root at the end of Vault's CA chain.
 *
 * What is asserted, derived from the site (routes from dist's objects and the rendered file, audiences and
 * excluded paths from intent/exposure.json): every host answers over TLS with the certificate for its name (SNI),
 * HTTP redirects to https on 443, each route reaches its own backend, admin routes answer only admin sources,
 * excluded paths are never forwarded, unknown names get no certificate. Then deliberate breakages, pushed into
 * the running Traefik the way production would (an object applied to the API server, the Vault agent rewriting
 * the rendered file), each failing live as predicted and each reported by verify's model of the same output.
 */
import { X509Certificate } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Synthesis } from '../charts/synth';
import { siteInUse, validateSite } from '../config/load';
import { checkExposure } from '../verify/checks/exposure';
import { checkTraefik } from '../verify/checks/traefik';
import { buildContext, siteContextFor } from '../verify/cli';
import { EXPOSURE_FILE, parseExposure, type ExposureRoute } from '../verify/contracts/declared';
import { fileProviderFiles, renderAgentTemplate, traefikContainers, type TraefikContainer } from '../verify/traefik';
import type { Context, Doc, KubeObj } from '../verify/types';
import { synth } from './helpers';
import { requireTools } from './lib/control-plane';
import { messageOf, type KubeObject } from './lib/kube-client';
import { closeSites, controlPlaneAvailable, siteHasArgoController, siteOnApi, type SiteOnApi } from './lib/site-suite';
import { podFromTemplate, writeDist } from './lib/stack-on-api';
import {
  handshake,
  hostAddress,
  httpGet,
  httpsGet,
  loopbackFork,
  pkiRequestOf,
  siteInUseInput,
  startBackend,
  startTraefik,
  traefikBinary,
  vaultLogin,
  vaultPkiIssuer,
  type Backend,
  type HttpsAnswer,
  type PkiRequest,
  type VaultPkiIssued,
  type RunningTraefik,
  type Source,
} from './lib/traefik-real';
import {
  agentConfig,
  agentContainer,
  configuredDevVault,
  pemBlocks,
  injectorBinary,
  pkiRequests,
  podToken,
  renderAgent,
  startInjector,
  stopDevVault,
  stopPid,
  vaultBinary,
  type DevVault,
  type Injector,
} from './lib/vault-dev';
import { FakeRoot } from './real/tool';
import { podSpecOf } from '../verify/load';

const dist = join(__dirname, '..', 'dist');
const plane = controlPlaneAvailable();
const vaultBin = vaultBinary();
const injectorBin = injectorBinary();
// The certificates are the dev Vault's (no test-CA fallback: `npm run tools` builds vault with Traefik).
const missing = [
  ...(plane.run ? [] : [plane.why]),
  ...(traefikBinary() ? [] : ['Traefik is not built']),
  ...(typeof vaultBin === 'string' ? [] : [vaultBin.missing]),
  ...(typeof injectorBin === 'string' ? [] : [injectorBin.missing]),
];
// Tests follow the site: without Traefik there is nothing to serve; without Argo CD nothing applies dist/ (the
// control-plane suites impersonate its controller).
const siteRuns = siteInUse().site.workloads.traefik.enabled && siteHasArgoController(() => buildContext(dist, []));
// The quick loop (DOMUS_SKIP_TOOLS=1, refused under CI by test/real/tool.ts) skips the upstream programs.
const quick = process.env.DOMUS_SKIP_TOOLS === '1';
const run = siteRuns && !quick && (missing.length === 0 || requireTools());
if (!siteRuns) process.stderr.write('test/traefik-live.test.ts skipped: Traefik or Argo CD is off in this site\n');
else if (quick) process.stderr.write('test/traefik-live.test.ts skipped: DOMUS_SKIP_TOOLS=1\n');
else if (!run) process.stderr.write(`test/traefik-live.test.ts skipped: ${missing.join('; ')} (run \`npm run tools\`; it needs Go, https://go.dev/dl/)\n`);

jest.setTimeout(600_000);
afterAll(closeSites, 60_000);

/** How long a change may take to reach Traefik's routing (provider throttle, informer): a bound, not a timing. */
const LOAD_BOUND_MS = 120_000;

/** Polls `probe` until `ok` holds or the bound passes; the last value either way. */
async function until<T>(probe: () => Promise<T>, ok: (t: T) => boolean): Promise<T> {
  const end = Date.now() + LOAD_BOUND_MS;
  for (;;) {
    const v = await probe();
    if (ok(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** One router Traefik loads, as the test drives it. */
interface LiveRoute {
  readonly host: string;
  readonly provider: 'kubernetescrd' | 'file';
  /** `IngressRoute ns/name` or `file <file> router <name>`. */
  readonly where: string;
  readonly exposure: ExposureRoute;
  /** The backend that must answer (undefined: Traefik's own api@internal). */
  readonly backend?: Backend;
  /** The path a probe asks for, and what proves the route reached its own backend. */
  readonly probePath: string;
  /** The router's rule (its `!PathPrefix(...)` exclusions are probed too). */
  readonly rule: string;
  reached(a: HttpsAnswer): boolean;
}

/** The host of a Traefik rule's `Host(...)` (the stack writes exactly one per route). */
const hostOfRule = (rule: string): string => {
  const m = /Host\(`([^`]+)`\)/.exec(rule);
  if (!m) throw new Error(`rule without Host(): ${rule}`);
  return m[1]!;
};

/** What a source gets from a route: through to its own backend, refused by the allow-list, or something else. */
function outcome(r: LiveRoute, a: HttpsAnswer): string {
  if (r.reached(a)) return 'backend';
  if (a.status === 403) return 'refused (403)';
  return `other: ${a.status} ${a.error ?? a.body.slice(0, 80)}`;
}

/**
 * What each source must get from a route of this audience. Traefik has no LAN boundary: a `lan` route serves
 * every source that reaches the entry point, the world source too (measured). What keeps the world out is the
 * network in front of Traefik, outside this test (ADR-0162, "what it cannot prove").
 */
function expected(audience: ExposureRoute['audience'], source: Source): string {
  if (audience === 'lan') return 'backend';
  return source === 'admin' ? 'backend' : 'refused (403)';
}

/** A copy of the context with the documents `edit` changes (verify's model of a mutated dist). */
function mutated(ctx: Context, edit: (o: KubeObj) => KubeObj | undefined): { ctx: Context; changed: KubeObj[] } {
  const changed: KubeObj[] = [];
  const docs: Doc[] = ctx.docs.map((d) => {
    const o = edit(structuredClone(d.obj));
    if (!o) return d;
    changed.push(o);
    return { obj: o, file: d.file, line: d.line };
  });
  return { ctx: { ...ctx, docs }, changed };
}

(run ? describe : describe.skip)('Traefik for real: the loopback fork of the site in use, on the real control plane', () => {
  const input = siteInUseInput();
  const fork = loopbackFork(input, siteInUse().site);
  // Started in beforeAll: a skipped block starts no Vault.
  let dev: DevVault | undefined;
  let issue: (request: PkiRequest) => VaultPkiIssued;
  let injector: Injector | undefined;
  let agentRoot: FakeRoot | undefined;
  /** The leaf of the tls.yml that `vault agent` rendered for Traefik's injected pod. */
  let agentLeaf: X509Certificate;
  /** The root at the end of the PKI mount's CA chain: the only certificate the clients trust. */
  let caPem: string;
  let s: Synthesis;
  /** The fork's dist/, written to a temporary folder (removed after the tests). */
  let forkDist: string | undefined;
  let ctx: Context;
  let site: SiteOnApi;
  let t: TraefikContainer;
  /** The file-provider file holding the certificate (the template with a `pki/issue` call), and its PKI parameters. */
  let certFile: { name: string; path: string; params: Record<string, string>; issued: VaultPkiIssued };
  /** The rendered files as the Vault agent would write them, with the file routes' server URLs rewritten. */
  let files: Record<string, string>;
  const urlRewrites = new Map<string, string>();
  let exposure: ExposureRoute[];
  let routes: LiveRoute[];
  const backends: Backend[] = [];
  let traefik: RunningTraefik;
  let domain: string;
  const ask = (r: LiveRoute, source: Source, path = r.probePath) => httpsGet(traefik.ports['websecure']!, r.host, caPem, { localAddress: fork.sources[source], path });

  /** The Traefik pod's template files rendered for `c` (the Vault agent's job), with the test's URL rewrites. */
  const render = (c: TraefikContainer): Record<string, string> => {
    const out: Record<string, string> = {};
    for (const f of fileProviderFiles(c)) {
      const template = c.annotations[`vault.hashicorp.com/agent-inject-template-${f.name}`]!;
      // The template reads the answer's string fields (.Data.certificate, .Data.issuing_ca, .Data.private_key).
      const { ca_chain: _chain, ...fields } = certFile.issued;
      let text = renderAgentTemplate(template, fields);
      for (const [from, to] of urlRewrites) text = text.split(from).join(to);
      out[f.name] = text;
    }
    return out;
  };

  beforeAll(async () => {
    s = synth(fork.input);
    forkDist = writeDist(s.files);
    ctx = siteContextFor(validateSite(fork.input, 'loopback fork'), forkDist);
    // Admission webhooks on: the Vault injector mutates Traefik's pod on this same plane.
    site = await siteOnApi('traefik-loopback', ctx, { admissionWebhooks: true });
    const all = traefikContainers(ctx.docs);
    if (all.length !== 1) throw new Error(`expected one Traefik container, found ${all.length}`);
    t = all[0]!;
    // The dev Vault, set up from the fork's dist/ as DAY0 says, its Kubernetes auth backed by this same plane.
    const configured = await configuredDevVault(forkDist, new URL(t.annotations['vault.hashicorp.com/service'] ?? 'https://invalid').hostname, site.info, site.client);
    dev = configured.vault;
    if (configured.setup.status !== 0) throw new Error(`setup.sh failed (${configured.setup.status}): ${configured.setup.stderr.slice(-2000)}`);
    const token = await site.client.serviceAccountToken(
      t.doc.obj.metadata.namespace ?? 'default',
      (t.doc.obj.spec as { template: { spec: { serviceAccountName?: string } } }).template.spec.serviceAccountName ?? 'default',
    );
    // The agent's login: Traefik's role at the pod's auth path, with its ServiceAccount's token.
    issue = vaultPkiIssuer(dev, vaultLogin(dev, t.annotations['vault.hashicorp.com/auth-path'] ?? '', t.annotations['vault.hashicorp.com/role'] ?? '', token));
    const parsed = parseExposure(ctx.files.get(EXPOSURE_FILE));
    if (!parsed.ok) throw new Error(parsed.message);
    exposure = parsed.value;
    const withCert = fileProviderFiles(t).flatMap((f) => {
      const request = pkiRequestOf(t.annotations[`vault.hashicorp.com/agent-inject-template-${f.name}`] ?? '');
      return request ? [{ name: f.name, request }] : [];
    });
    if (withCert.length !== 1) throw new Error(`expected one file-provider template issuing a certificate, found ${withCert.length}`);
    const { name: certName, request } = withCert[0]!;
    certFile = { name: certName, path: request.path, params: { ...request.params }, issued: issue(request) };
    const root = certFile.issued.ca_chain[certFile.issued.ca_chain.length - 1]!;
    if (certFile.issued.ca_chain.length < 2 || new X509Certificate(root).issuer !== new X509Certificate(root).subject)
      throw new Error("the PKI mount's CA chain does not end in a root (DAY0: the intermediate is set-signed with the full bundle)");
    caPem = root;
    domain = certFile.params['common_name']!.replace(/^\*\./, '');
    const address = hostAddress();
    const entryOf = (host: string): ExposureRoute => {
      const e = exposure.find((x) => `${x.host}.${domain}` === host);
      if (!e) throw new Error(`${host} is routed but not declared in ${EXPOSURE_FILE}`);
      return e;
    };
    const watched = (t.args.get('providers.kubernetescrd.namespaces') ?? '').split(',').filter(Boolean);
    routes = [];

    // The IngressRoutes: one backend per Service port, registered as the Service's EndpointSlice.
    const byService = new Map<string, { namespace: string; name: string; ports: Map<number, Backend> }>();
    for (const d of ctx.docs.filter((x) => x.obj.kind === 'IngressRoute' && watched.includes(x.obj.metadata.namespace ?? ''))) {
      const ns = d.obj.metadata.namespace!;
      const spec = d.obj.spec as { routes: { match: string; services?: { name: string; kind?: string; port?: number }[] }[] };
      for (const r of spec.routes) {
        const host = hostOfRule(r.match);
        const svc = r.services?.[0];
        if (!svc || r.services!.length !== 1) throw new Error(`IngressRoute ${ns}/${d.obj.metadata.name}: expected one service per route`);
        const where = `IngressRoute ${ns}/${d.obj.metadata.name}`;
        if (svc.kind === 'TraefikService') {
          if (svc.name !== 'api@internal') throw new Error(`${where}: a TraefikService other than api@internal (${svc.name})`);
          // Traefik's own API: its version document proves the dashboard router answered.
          routes.push({
            host,
            provider: 'kubernetescrd',
            where,
            rule: r.match,
            exposure: entryOf(host),
            probePath: '/api/version',
            reached: (a) => a.status === 200 && a.body.includes('"Version"'),
          });
          continue;
        }
        const key = `${ns}/${svc.name}`;
        const entry = byService.get(key) ?? { namespace: ns, name: svc.name, ports: new Map<number, Backend>() };
        byService.set(key, entry);
        let b = entry.ports.get(svc.port!);
        if (!b) {
          b = await startBackend(address, `backend ${key}:${svc.port}`);
          backends.push(b);
          entry.ports.set(svc.port!, b);
        }
        const own = b;
        routes.push({
          host,
          provider: 'kubernetescrd',
          where,
          rule: r.match,
          exposure: entryOf(host),
          backend: own,
          probePath: '/',
          reached: (a) => a.status === 200 && a.body === own.marker,
        });
      }
    }
    for (const e of byService.values()) {
      const svc = await site.client.get({ apiVersion: 'v1', kind: 'Service', metadata: { name: e.name, namespace: e.namespace } });
      if (svc.status !== 200) throw new Error(`Service ${e.namespace}/${e.name}: ${svc.status} ${messageOf(svc)}`);
      const sports = (svc.body as { spec: { ports: { name?: string; port: number; protocol?: string }[] } }).spec.ports;
      const ports = [...e.ports].map(([port, b]) => {
        const p = sports.find((x) => x.port === port);
        if (!p) throw new Error(`Service ${e.namespace}/${e.name} has no port ${port} (an IngressRoute routes to it)`);
        return { name: p.name ?? '', port: b.port, protocol: p.protocol ?? 'TCP' };
      });
      const slice: KubeObject = {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: {
          name: `${e.name}-domus-live`,
          namespace: e.namespace,
          labels: { 'kubernetes.io/service-name': e.name, 'endpointslice.kubernetes.io/managed-by': 'domus-test' },
        },
        addressType: 'IPv4',
        endpoints: [{ addresses: [address], conditions: { ready: true, serving: true, terminating: false } }],
        ports,
      };
      const r = await site.client.apply(slice, { fieldManager: 'domus-test' });
      if (r.status !== 200 && r.status !== 201) throw new Error(`EndpointSlice ${e.namespace}/${e.name}: ${r.status} ${messageOf(r)}`);
    }

    // The file provider's routes: one backend per service; HTTPS where a ServersTransport verifies a name (a
    // certificate of the same Vault for that name, as the backend's own Vault agent gets it: the backend pod's
    // template request, with a token of its role; Traefik's policy admits only its own names).
    const backendCertificate = async (serverName: string): Promise<VaultPkiIssued> => {
      for (const d of ctx.docs) {
        const tpl = podSpecOf(d.obj);
        const ann = tpl?.metadata.annotations ?? {};
        const request = Object.entries(ann)
          .filter(([k]) => k.startsWith('vault.hashicorp.com/agent-inject-template-'))
          .flatMap(([, v]) => pkiRequests(v))
          .find((q) => q.params['common_name'] === serverName);
        if (!request) continue;
        const jwt = await site.client.serviceAccountToken(d.obj.metadata.namespace ?? 'default', tpl?.spec.serviceAccountName ?? 'default');
        const own = vaultLogin(dev!, ann['vault.hashicorp.com/auth-path'] ?? '', ann['vault.hashicorp.com/role'] ?? '', jwt);
        return vaultPkiIssuer(dev!, own)({ path: request.path, params: request.params });
      }
      throw new Error(`no pod template of the site asks Vault for a certificate for ${serverName} (the name a ServersTransport verifies)`);
    };
    for (const f of fileProviderFiles(t)) {
      const http = f.config?.http ?? {};
      for (const [name, router] of Object.entries(http.routers ?? {})) {
        const service = http.services?.[router.service ?? '']?.loadBalancer;
        const url = service?.servers?.[0]?.url;
        if (!url || service!.servers!.length !== 1) throw new Error(`file ${f.name} router ${name}: expected one server URL`);
        const u = new URL(url);
        const transport = service!.serversTransport ? http.serversTransports?.[service!.serversTransport] : undefined;
        const tls = u.protocol === 'https:' ? await backendCertificate(transport?.serverName ?? u.hostname) : undefined;
        const b = await startBackend(address, `backend file ${name}`, tls);
        backends.push(b);
        urlRewrites.set(url, `${u.protocol}//${address}:${b.port}`);
        const host = hostOfRule(router.rule ?? '');
        routes.push({
          host,
          provider: 'file',
          where: `file ${f.name} router ${name}`,
          rule: router.rule ?? '',
          exposure: entryOf(host),
          backend: b,
          probePath: '/',
          reached: (a) => a.status === 200 && a.body === b.marker,
        });
      }
    }
    // The files Traefik starts with are the real agent's: vault-k8s injects the pod created from Traefik's
    // template (the fork's plane calls it as its webhook), and `vault agent` runs the init container's
    // configuration with a token of Traefik's ServiceAccount against the dev Vault. Only the file routes' server
    // URLs are rewritten afterwards. (The breakages below re-render mutated templates with verify's renderer.)
    const injectorDeployment = ctx.docs.find(
      (d) => d.obj.kind === 'Deployment' && (podSpecOf(d.obj)?.spec.containers ?? []).some((c) => ((c as { args?: string[] }).args ?? []).includes('agent-inject')),
    )?.obj as KubeObject | undefined;
    const webhook = ctx.docs.find((d) => d.obj.kind === 'MutatingWebhookConfiguration' && (d.obj.webhooks as { name: string }[]).some((w) => w.name === 'vault.hashicorp.com'))
      ?.obj as KubeObject | undefined;
    if (!injectorDeployment || !webhook) throw new Error('the site runs Traefik with Vault templates but no Vault agent injector');
    injector = await startInjector(site.client, site.info, injectorDeployment, webhook);
    const created = await site.client.create(podFromTemplate(t.doc.obj as KubeObject)!);
    if (created.status !== 201) throw new Error(`creating Traefik's pod: ${created.status} ${messageOf(created)}`);
    const pod = created.body as KubeObject;
    const init = agentContainer(pod, 'vault-agent-init');
    const cfg = agentConfig(init);
    agentRoot = new FakeRoot();
    const rendered = await renderAgent(dev, init, cfg, await podToken(site.client, pod), agentRoot);
    files = {};
    for (const f of fileProviderFiles(t)) {
      const dest = (cfg.template ?? []).find((x) => x.destination.endsWith(`/${f.name}`))?.destination;
      let text = dest === undefined ? undefined : rendered.files.get(dest);
      if (text === undefined) throw new Error(`vault agent did not render ${f.name} (exit ${rendered.status}): ${rendered.output.slice(-2000)}`);
      for (const [from, to] of urlRewrites) text = text.split(from).join(to);
      files[f.name] = text;
    }
    // The agent's own output (not the files handed to Traefik), so a start from another rendering is caught.
    const agentTls = (cfg.template ?? []).find((x) => x.destination.endsWith(`/${certFile.name}`))?.destination;
    agentLeaf = new X509Certificate(pemBlocks(rendered.files.get(agentTls ?? '') ?? '')[0]!.pem);

    traefik = await startTraefik(t, { files, crd: { endpoint: site.info.server, token, caFile: site.info.caFile } });
    // Loaded: every route answers the admin source from its own backend (the CRD provider lists, then throttles).
    for (const r of routes)
      await until(
        () => ask(r, 'admin'),
        (a) => r.reached(a),
      );
  }, 600_000);

  afterAll(async () => {
    await traefik?.stop();
    for (const b of backends) await b.close();
    if (injector) stopPid(injector.pid);
    if (dev) stopDevVault(dev);
    agentRoot?.remove();
    if (forkDist) rmSync(forkDist, { recursive: true, force: true });
  });

  test('the routes follow the site: every declared host is routed, by exactly one router, each with a backend of its own', () => {
    expect(site.sync.refusals).toEqual([]);
    expect(routes.map((r) => r.host).sort()).toEqual(exposure.map((e) => `${e.host}.${domain}`).sort());
    const own = routes.flatMap((r) => (r.backend ? [r.backend.marker] : []));
    expect(new Set(own).size).toBe(own.length);
    expect(routes.some((r) => r.provider === 'kubernetescrd')).toBe(true);
  });

  test("the CRD provider reads every watched namespace with Traefik's own token: no forbidden list or watch", () => {
    expect(traefik.log()).toMatch(/Starting provider \*crd\.Provider/);
    expect(
      traefik
        .log()
        .split('\n')
        .filter((l) => /forbidden|failed to list|failed to watch|Unauthorized| ERR /i.test(l)),
    ).toEqual([]);
  });

  test('every host answers over TLS with the certificate vault agent rendered from Traefik’s template: SNI, the served chain verified up to Vault’s root, names the host', async () => {
    const names = [certFile.params['common_name']!, ...(certFile.params['alt_names'] ?? '').split(',').filter(Boolean)];
    const got = [];
    for (const r of routes) {
      const h = await handshake(traefik.ports['websecure']!, r.host);
      // httpsGet verifies the served chain against Vault's root only and the name against the host (status 0 otherwise).
      const a = await ask(r, 'admin');
      // The certificate served is the one `vault agent` rendered into tls.yml for Traefik's injected pod.
      got.push({ host: r.host, san: h.cert?.subjectaltname, agents: h.cert?.fingerprint256 === agentLeaf.fingerprint256, verified: a.status !== 0 ? true : a.error });
    }
    expect(got).toEqual(routes.map((r) => ({ host: r.host, san: names.map((n) => `DNS:${n}`).join(', '), agents: true, verified: true })));
  });

  test('HTTP redirects every host to https on 443, keeping the path and query', async () => {
    const got = [];
    for (const r of routes) got.push({ host: r.host, ...(await httpGet(traefik.ports['web']!, r.host, '/a/b?c=1', fork.sources.world)) });
    expect(got).toEqual(routes.map((r) => ({ host: r.host, status: 301, location: `https://${r.host}/a/b?c=1` })));
  });

  test('each route reaches its own backend from the sources of its audience; admin routes refuse LAN and world sources', async () => {
    const sources: Source[] = ['admin', 'lan', 'world'];
    const before = new Map(backends.map((b) => [b, b.seen.length]));
    const got: Record<string, string>[] = [];
    for (const r of routes) {
      const row: Record<string, string> = { host: r.host, audience: r.exposure.audience };
      for (const src of sources) row[src] = outcome(r, await ask(r, src));
      got.push(row);
    }
    expect(got).toEqual(
      routes.map((r) => ({ host: r.host, audience: r.exposure.audience, ...Object.fromEntries(sources.map((src) => [src, expected(r.exposure.audience, src)])) })),
    );
    // A refused request never reaches the backend: an admin route's backend saw only the admin probe.
    for (const r of routes.filter((x) => x.exposure.audience === 'admin' && x.backend))
      expect({ host: r.host, requests: r.backend!.seen.length - before.get(r.backend!)! }).toEqual({ host: r.host, requests: 1 });
    // A forged X-Forwarded-For does not help a LAN source past the allow-list (the connection's address counts).
    for (const r of routes.filter((x) => x.exposure.audience === 'admin'))
      expect({
        host: r.host,
        forged: outcome(
          r,
          await httpsGet(traefik.ports['websecure']!, r.host, caPem, { localAddress: fork.sources.lan, path: r.probePath, headers: { 'x-forwarded-for': fork.sources.admin } }),
        ),
      }).toEqual({
        host: r.host,
        forged: 'refused (403)',
      });
  });

  test('the excluded paths (every denyPaths entry of exposure.json, every prefix a rule excludes) are never forwarded, from the source the route admits most', async () => {
    const excluded = (r: LiveRoute) => [...new Set([...(r.exposure.denyPaths ?? []), ...[...r.rule.matchAll(/!PathPrefix\(`([^`]+)`\)/g)].map((m) => m[1]!)])];
    const denied = routes.filter((r) => excluded(r).length > 0);
    // Prometheus' lifecycle API and MinIO's metrics, where the site runs those apps.
    expect(denied.map((r) => r.host).sort()).toEqual(
      exposure
        .filter((e) => (e.denyPaths ?? []).length > 0)
        .map((e) => `${e.host}.${domain}`)
        .sort(),
    );
    const got: { host: string; path: string; status: number; forwarded: boolean }[] = [];
    for (const r of denied) {
      for (const p of excluded(r))
        for (const path of [p, `${p}/x`.replace('//x', '/x'), `${p}?x=1`]) {
          const seen = r.backend!.seen.length;
          const a = await ask(r, 'admin', path);
          got.push({ host: r.host, path, status: a.status, forwarded: r.backend!.seen.length > seen });
        }
      // The rest of the host is served.
      expect({ host: r.host, root: outcome(r, await ask(r, 'admin')) }).toEqual({ host: r.host, root: 'backend' });
    }
    expect(got).toEqual(got.map((g) => ({ ...g, status: 404, forwarded: false })));
  });

  test('an unknown name, a name two labels under the domain, or no SNI gets no certificate (sniStrict); a name of no route gets 404', async () => {
    for (const name of ['evil.example', `a.b.${domain}`, undefined]) {
      const h = await handshake(traefik.ports['websecure']!, name);
      expect({ name, cert: h.cert?.subjectaltname, refused: h.error !== undefined }).toEqual({ name, cert: undefined, refused: true });
    }
    const nothing = await httpsGet(traefik.ports['websecure']!, `nothing.${domain}`, caPem, { localAddress: fork.sources.admin });
    expect(nothing.status).toBe(404);
  });

  test("credentials in a query (the hosts declaring secretsInQuery: S3 presigned URLs) never reach Traefik's access log; other hosts' queries do", async () => {
    const signed = (r: LiveRoute, n: number) => `/bucket/object?X-Amz-Credential=domus%2Ftest&X-Amz-Signature=domus${n}${r.host.replace(/[^a-z0-9]/g, '')}`;
    const routed = routes.filter((r) => r.backend);
    const secret = routed.filter((r) => r.exposure.secretsInQuery !== undefined);
    const plain = routed.filter((r) => r.exposure.secretsInQuery === undefined);
    // The secret hosts first; then every other host, whose lines prove the log has caught up past them: Traefik
    // writes a request's line in its handler (pkg/middlewares/accesslog/logger.go, unbuffered by default), before
    // net/http completes the response, and stdout is one ordered pipe.
    for (const r of [...secret, ...plain])
      expect({ host: r.host, got: outcome(r, await ask(r, r.exposure.audience === 'admin' ? 'admin' : 'lan', signed(r, 1))) }).toEqual({ host: r.host, got: 'backend' });
    const log = await until(
      async () => traefik.log(),
      (l) => plain.every((r) => l.includes(signed(r, 1).split('&')[1]!)),
    );
    expect(routed.map((r) => ({ host: r.host, logged: log.includes(signed(r, 1).split('&')[1]!) }))).toEqual(
      routed.map((r) => ({ host: r.host, logged: r.exposure.secretsInQuery === undefined })),
    );
  });

  describe('deliberate breakages: each fails live as predicted, and verify reports the same output', () => {
    /** Applies objects as the cluster admin would (server-side apply, forced). */
    const applyAll = async (objs: readonly KubeObj[]) => {
      for (const o of objs) {
        const r = await site.client.apply(o as KubeObject, { fieldManager: 'argocd-controller' });
        if (r.status !== 200 && r.status !== 201) throw new Error(`apply ${o.kind} ${o.metadata.namespace}/${o.metadata.name}: ${r.status} ${messageOf(r)}`);
      }
    };
    /** The Vault agent rewriting the rendered files of a (mutated) Traefik pod template; Traefik's file watch reloads. */
    const writeFiles = (c: TraefikContainer) => {
      for (const [name, text] of Object.entries(render(c))) writeFileSync(join(traefik.dir, name), text, { mode: 0o600 });
    };
    const errorsOf = (c: Context) => [...checkExposure(c), ...checkTraefik(c)].filter((f) => f.severity === 'error').map((f) => f.message);

    test('the unmutated output: verify reports nothing on exposure and Traefik', () => {
      expect(errorsOf(ctx)).toEqual([]);
    });

    test("an admin allow-list widened to everyone (a CRD Middleware): the world source reaches the admin route; verify: 'everyone reaches it'", async () => {
      const r = routes.find((x) => x.provider === 'kubernetescrd' && x.exposure.audience === 'admin' && x.backend);
      if (!r) return; // the site has no admin UI behind a CRD Middleware (e.g. Prometheus off)
      const ns = r.where.split(' ')[1]!.split('/')[0]!;
      const m = mutated(ctx, (o) =>
        o.kind === 'Middleware' && o.metadata.namespace === ns && (o.spec as { ipAllowList?: unknown }).ipAllowList
          ? { ...o, spec: { ipAllowList: { sourceRange: ['0.0.0.0/0'] } } }
          : undefined,
      );
      expect(m.changed.length).toBe(1);
      expect(errorsOf(m.ctx).filter((e) => e.includes(r.host) && /everyone reaches it/.test(e)).length).toBeGreaterThan(0);
      await applyAll(m.changed);
      try {
        expect(
          outcome(
            r,
            await until(
              () => ask(r, 'world'),
              (a) => r.reached(a),
            ),
          ),
        ).toBe('backend');
      } finally {
        await applyAll(ctx.docs.filter((d) => d.obj.kind === 'Middleware' && d.obj.metadata.namespace === ns).map((d) => d.obj));
      }
      expect(
        outcome(
          r,
          await until(
            () => ask(r, 'world'),
            (a) => a.status === 403,
          ),
        ),
      ).toBe('refused (403)');
    });

    test("an excluded path re-opened (the rule without its !PathPrefix): the backend receives it; verify: 'forwards'", async () => {
      const r = routes.find((x) => x.provider === 'kubernetescrd' && (x.exposure.denyPaths ?? []).length > 0);
      if (!r) return; // the site excludes no path (Prometheus and MinIO off)
      const path = r.exposure.denyPaths![0]!;
      const [ns, name] = r.where.split(' ')[1]!.split('/') as [string, string];
      const isIt = (o: KubeObj) => o.kind === 'IngressRoute' && o.metadata.namespace === ns && o.metadata.name === name;
      const m = mutated(ctx, (o) => {
        if (!isIt(o)) return undefined;
        for (const route of (o.spec as { routes: { match: string }[] }).routes) route.match = route.match.replace(/ && !PathPrefix\(`[^`]*`\)/g, '');
        return o;
      });
      expect(errorsOf(m.ctx).filter((e) => e.includes(`forwards ${path} on ${r.host}`)).length).toBe(1);
      await applyAll(m.changed);
      try {
        const a = await until(
          () => ask(r, r.exposure.audience === 'admin' ? 'admin' : 'lan', path),
          (x) => r.reached(x),
        );
        expect({ path, outcome: outcome(r, a), received: r.backend!.seen.includes(path) }).toEqual({ path, outcome: 'backend', received: true });
      } finally {
        await applyAll(ctx.docs.filter((d) => isIt(d.obj)).map((d) => d.obj));
      }
      expect(
        (
          await until(
            () => ask(r, 'admin', path),
            (a) => a.status === 404,
          )
        ).status,
      ).toBe(404);
    });

    test("the old output: an S3 route access-logged (no observability.accessLogs: false); a presigned URL's signature is in the log; verify reports it", async () => {
      const r = routes.find((x) => x.provider === 'kubernetescrd' && x.exposure.secretsInQuery !== undefined);
      if (!r) return; // no host of this site carries credentials in its query (MinIO off)
      const [ns, name] = r.where.split(' ')[1]!.split('/') as [string, string];
      const isIt = (o: KubeObj) => o.kind === 'IngressRoute' && o.metadata.namespace === ns && o.metadata.name === name;
      const m = mutated(ctx, (o) => {
        if (!isIt(o)) return undefined;
        for (const route of (o.spec as { routes: { observability?: unknown }[] }).routes) delete route.observability;
        return o;
      });
      expect(m.changed.length).toBe(1);
      expect(errorsOf(m.ctx).filter((e) => e.includes(`requests to ${r.host} carry credentials in their query`)).length).toBe(1);
      await applyAll(m.changed);
      let n = 100;
      try {
        // Each probe a new signature, until one shows in the log: the route is access-logged again.
        const sig = () => `X-Amz-Signature=domusold${n}`;
        const logged = await until(
          async () => {
            n++;
            await ask(r, r.exposure.audience === 'admin' ? 'admin' : 'lan', `/bucket/object?X-Amz-Credential=domus%2Ftest&${sig()}`);
            return traefik.log().includes(sig());
          },
          (x) => x,
        );
        expect(logged).toBe(true);
      } finally {
        // Server-side apply of the original drops the field this test removed, and the observability comes back.
        await applyAll(ctx.docs.filter((d) => isIt(d.obj)).map((d) => d.obj));
      }
    });

    test("a file-provider admin router without its allow-list (the Vault template): the LAN source reaches it; verify: 'no ipAllowList'", async () => {
      const r = routes.find((x) => x.provider === 'file' && x.exposure.audience === 'admin');
      if (!r) return; // the site publishes no admin UI through the file provider (e.g. the Hubble UI off)
      const router = r.where.split(' router ')[1]!;
      const edit = (c: TraefikContainer): TraefikContainer => {
        const annotations = { ...c.annotations };
        const key = `vault.hashicorp.com/agent-inject-template-${r.where.split(' ')[1]}`;
        const lines = annotations[key]!.split('\n');
        const at = lines.findIndex((l) => l === `    ${router}:`);
        const mw = lines.findIndex((l, i) => i > at && l === '      middlewares:');
        expect(lines[mw + 1]).toMatch(/^ {8}- admin-allowlist$/);
        lines.splice(mw, 2);
        annotations[key] = lines.join('\n');
        return { ...c, annotations };
      };
      const broken = edit(t);
      const m = mutated(ctx, (o) => {
        if (o.kind !== t.doc.obj.kind || o.metadata.name !== t.doc.obj.metadata.name || o.metadata.namespace !== t.doc.obj.metadata.namespace) return undefined;
        (o.spec as { template: { metadata: { annotations: Record<string, string> } } }).template.metadata.annotations = { ...broken.annotations };
        return o;
      });
      expect(errorsOf(m.ctx).filter((e) => e.includes(r.host) && /no ipAllowList middleware/.test(e)).length).toBe(1);
      writeFiles(broken);
      try {
        expect(
          outcome(
            r,
            await until(
              () => ask(r, 'lan'),
              (a) => r.reached(a),
            ),
          ),
        ).toBe('backend');
      } finally {
        writeFiles(t);
      }
      expect(
        outcome(
          r,
          await until(
            () => ask(r, 'lan'),
            (a) => a.status === 403,
          ),
        ),
      ).toBe('refused (403)');
    });

    test("the default TLS option without sniStrict: a name of no certificate gets Traefik's self-signed default; verify refuses it", async () => {
      const key = `vault.hashicorp.com/agent-inject-template-${certFile.name}`;
      const broken: TraefikContainer = { ...t, annotations: { ...t.annotations, [key]: t.annotations[key]!.replace('sniStrict: true', 'sniStrict: false') } };
      expect(broken.annotations[key]).not.toBe(t.annotations[key]);
      const m = mutated(ctx, (o) => {
        if (o.kind !== t.doc.obj.kind || o.metadata.name !== t.doc.obj.metadata.name || o.metadata.namespace !== t.doc.obj.metadata.namespace) return undefined;
        (o.spec as { template: { metadata: { annotations: Record<string, string> } } }).template.metadata.annotations = { ...broken.annotations };
        return o;
      });
      expect(errorsOf(m.ctx).filter((e) => /sniStrict/.test(e)).length).toBe(1);
      writeFiles(broken);
      try {
        const h = await until(
          () => handshake(traefik.ports['websecure']!, 'evil.example'),
          (x) => x.cert !== undefined,
        );
        expect(h.cert?.subject?.CN).toBe('TRAEFIK DEFAULT CERT');
      } finally {
        writeFiles(t);
      }
      expect(
        (
          await until(
            () => handshake(traefik.ports['websecure']!, 'evil.example'),
            (x) => x.error !== undefined,
          )
        ).cert,
      ).toBeUndefined();
    });
  });
});
