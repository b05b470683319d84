/**
 * The real Traefik v3.6.6 (built from its Go module, tools/programs.ts) on the synthesized configuration: the
 * Traefik container's arguments and the file provider's configuration rendered from the Vault agent template with
 * certificates of a test CA (test/lib/traefik-real.ts says what is rewritten: loopback ports, the provider's
 * folder; the kubernetescrd provider is left out, the control-plane tests own it).
 *
 * Then mutations of that configuration the real program must refuse or show to be wrong. Skipped, saying so,
 * when the binary is not built (`npm run tools`).
 */
import { createServer as createHttpsServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { parse, stringify } from 'yaml';
import type { Synthesis } from '../charts/synth';
import { createServer as createHttpServer } from 'node:http';
import { evalRule, parseRule } from '../verify/checks/exposure';
import { parseExposure, EXPOSURE_FILE } from '../verify/contracts/declared';
import { traefikRouters, type TraefikDynamic } from '../verify/traefik';
import { synth } from './helpers';
import { loadDocsFromSynthesis } from './lib/traefik-real';
import { handshake, httpGet, httpsGet, renderAgentFiles, startTraefik, status, TestPki, traefikBinary, traefikOf, type RunningTraefik } from './lib/traefik-real';

const bin = traefikBinary();
const maybe = bin ? describe : describe.skip;
if (!bin) console.warn('test/traefik-real.test.ts skipped: Traefik is not built (run `npm run tools`; it needs Go, https://go.dev/dl/)');

jest.setTimeout(180_000);

const DOMAIN = 'domus.lan';

/** An HTTPS GET through Traefik with SNI and Host `host`, from `localAddress`: the status code (0: no answer). */
async function httpsStatus(port: number, host: string, ca: string, opts: { localAddress?: string; headers?: Record<string, string>; path?: string } = {}): Promise<number> {
  return (await httpsGet(port, host, ca, opts)).status;
}

interface Fixture {
  readonly pki: TestPki;
  readonly files: Record<string, string>;
  readonly s: Synthesis;
}

/** The site's Traefik files rendered with a certificate of the test CA for the names its template asks for. */
function fixture(s: Synthesis, pki: TestPki): Fixture {
  const leaf = pki.issue('wildcard', [`*.${DOMAIN}`, DOMAIN]);
  return { pki, s, files: renderAgentFiles(traefikOf(s), leaf) };
}

/** The rendered tls.yml, every section present (the tests edit what the generator wrote). */
type Dyn = Required<Pick<TraefikDynamic, 'tls' | 'http'>> & {
  tls: Required<NonNullable<TraefikDynamic['tls']>>;
  http: Required<NonNullable<TraefikDynamic['http']>>;
};

/** Edits the parsed dynamic configuration of tls.yml (mutation tests). */
function editTls(files: Record<string, string>, edit: (c: Dyn) => void): Record<string, string> {
  const c = parse(files['tls.yml']!) as Dyn;
  edit(c);
  return { ...files, 'tls.yml': stringify(c) };
}

maybe('the real Traefik v3.6.6 on the default site', () => {
  const pki = new TestPki();
  const f = fixture(synth(), pki);
  let t: RunningTraefik;
  beforeAll(async () => {
    t = await startTraefik(traefikOf(f.s), { files: f.files });
  });
  afterAll(async () => {
    await t?.stop();
    pki.cleanup();
  });

  test('the providers start and every entry point answers (ping, metrics, web, websecure)', async () => {
    expect(t.log()).toMatch(/Starting provider \*file\.Provider/);
    expect(t.log()).toMatch(/Starting provider \*traefik\.Provider/);
    // No configuration error of any provider (a file Traefik cannot decode, a router it refuses).
    expect(
      t
        .log()
        .split('\n')
        .filter((l) => / ERR /.test(l)),
    ).toEqual([]);
    expect(await status(t.ports['traefik']!, '/ping')).toBe(200);
    expect(await status(t.ports['metrics']!, '/metrics')).toBe(200);
    expect((await httpGet(t.ports['web']!, `grafana.${DOMAIN}`, '/')).status).toBe(301);
    expect(await httpsStatus(t.ports['websecure']!, `nothing.${DOMAIN}`, pki.caPem)).toBe(404);
  });

  test('HTTPS with SNI for every stack host gets the wildcard certificate, trusted by the CA (the handshake that failed)', async () => {
    for (const host of ['argocd', 'grafana', 'prometheus', 'wazuh', 'hubble', 'traefik'].map((h) => `${h}.${DOMAIN}`).concat([DOMAIN])) {
      const h = await handshake(t.ports['websecure']!, host, pki.caPem);
      expect({ host, error: h.error, authorized: h.authorized, san: h.cert?.subjectaltname }).toEqual({
        host,
        error: undefined,
        authorized: true,
        san: `DNS:*.${DOMAIN}, DNS:${DOMAIN}`,
      });
    }
  });

  test('an unknown host, or no SNI, gets no certificate (sniStrict): no self-signed default, no stack certificate', async () => {
    for (const name of ['evil.example', `a.b.${DOMAIN}`, undefined]) {
      const h = await handshake(t.ports['websecure']!, name, pki.caPem);
      expect({ name, cert: h.cert?.subjectaltname, error: h.error === undefined ? undefined : 'refused' }).toEqual({ name, cert: undefined, error: 'refused' });
    }
  });

  test('HTTP redirects to https on :443 (the Service port), keeping host and path', async () => {
    const r = await httpGet(t.ports['web']!, `grafana.${DOMAIN}`, '/d/x?y=1');
    expect(r).toEqual({ status: 301, location: `https://grafana.${DOMAIN}/d/x?y=1` });
  });

  test('the file-provider routes are loaded: Argo CD and Wazuh reach their (absent) backends, Hubble refuses a source outside the admin ranges', async () => {
    // 502: the router matched and Traefik tried the in-cluster Service, which does not resolve here (not a 404).
    for (const host of ['argocd', 'wazuh']) {
      expect({ host, code: await httpsStatus(t.ports['websecure']!, `${host}.${DOMAIN}`, pki.caPem) }).toEqual({ host, code: 502 });
    }
    // The default site's admin range is 192.168.10.0/24: loopback is not in it.
    expect(await httpsStatus(t.ports['websecure']!, `hubble.${DOMAIN}`, pki.caPem)).toBe(403);
  });
});

maybe('the real Traefik on a site whose admin allow-list is loopback only (ServiceLB, no admin ranges)', () => {
  const pki = new TestPki();
  const f = fixture(synth({ loadBalancer: { provider: 'servicelb' }, workloads: { traefik: { adminAllowCidrs: [] } } }), pki);
  const run = async (files: Record<string, string>, editArgs?: (a: string[]) => string[]) => startTraefik(traefikOf(f.s), { files, ...(editArgs ? { editArgs } : {}) });
  afterAll(() => pki.cleanup());

  test('an admin route refuses a non-admin source (127.0.0.2) and lets the admin source (127.0.0.1) through', async () => {
    const t = await run(f.files);
    try {
      const port = t.ports['websecure']!;
      expect(await httpsStatus(port, `hubble.${DOMAIN}`, pki.caPem, { localAddress: '127.0.0.2' })).toBe(403);
      // A forged X-Forwarded-For does not help: the allow-list reads the connection's address.
      expect(await httpsStatus(port, `hubble.${DOMAIN}`, pki.caPem, { localAddress: '127.0.0.2', headers: { 'x-forwarded-for': '127.0.0.1' } })).toBe(403);
      expect(await httpsStatus(port, `hubble.${DOMAIN}`, pki.caPem, { localAddress: '127.0.0.1' })).not.toBe(403);
      // Argo CD is for the LAN: no allow-list.
      expect(await httpsStatus(port, `argocd.${DOMAIN}`, pki.caPem, { localAddress: '127.0.0.2' })).not.toBe(403);
    } finally {
      await t.stop();
    }
  });

  describe('mutations the real program refuses or shows to be wrong', () => {
    test('the old output (certificate only as the default store certificate, sniStrict): every handshake is refused', async () => {
      const old = editTls(f.files, (c) => {
        const cert = c.tls.certificates[0]!;
        delete (c.tls as TraefikDynamic['tls'] & object).certificates;
        c.tls.stores = { default: { defaultCertificate: { certFile: cert.certFile, keyFile: cert.keyFile } } };
      });
      const t = await run(old);
      try {
        const h = await handshake(t.ports['websecure']!, `grafana.${DOMAIN}`, pki.caPem);
        expect(h.cert).toBeUndefined();
        expect(h.error).toBeDefined();
      } finally {
        await t.stop();
      }
    });

    test('sniStrict without any certificate: the handshake is refused', async () => {
      const t = await run(editTls(f.files, (c) => delete (c.tls as TraefikDynamic['tls'] & object).certificates));
      try {
        expect((await handshake(t.ports['websecure']!, `grafana.${DOMAIN}`, pki.caPem)).error).toBeDefined();
      } finally {
        await t.stop();
      }
    });

    test('the old redirect (to=websecure) sends clients to the container port, not the Service port', async () => {
      const t = await run(f.files, (a) =>
        a.map((x) => (x.startsWith('--entryPoints.web.http.redirections.entryPoint.to=') ? '--entryPoints.web.http.redirections.entryPoint.to=websecure' : x)),
      );
      try {
        const r = await httpGet(t.ports['web']!, `grafana.${DOMAIN}`, '/');
        expect(r.location).toBe(`https://grafana.${DOMAIN}:${t.ports['websecure']}/`);
      } finally {
        await t.stop();
      }
    });

    test('an allow-list of 0.0.0.0/1 and 128.0.0.0/1 lets everyone in (what verify calls "everyone")', async () => {
      const wide = editTls(f.files, (c) => (c.http.middlewares['admin-allowlist']!.ipAllowList!.sourceRange = ['0.0.0.0/1', '128.0.0.0/1']));
      const t = await run(wide);
      try {
        expect(await httpsStatus(t.ports['websecure']!, `hubble.${DOMAIN}`, pki.caPem, { localAddress: '127.0.0.2' })).not.toBe(403);
      } finally {
        await t.stop();
      }
    });

    test('ipStrategy.depth with forwardedHeaders.insecure: a forged X-Forwarded-For passes the allow-list (what verify refuses)', async () => {
      const spoofable = editTls(f.files, (c) => (c.http.middlewares['admin-allowlist']!.ipAllowList!.ipStrategy = { depth: 1 }));
      const t = await run(spoofable, (a) => [...a, '--entryPoints.websecure.forwardedHeaders.insecure=true']);
      try {
        const port = t.ports['websecure']!;
        expect(await httpsStatus(port, `hubble.${DOMAIN}`, pki.caPem, { localAddress: '127.0.0.2', headers: { 'x-forwarded-for': '127.0.0.1' } })).not.toBe(403);
        expect(await httpsStatus(port, `hubble.${DOMAIN}`, pki.caPem, { localAddress: '127.0.0.2' })).toBe(403);
      } finally {
        await t.stop();
      }
    });

    describe('the Wazuh dashboard hop, against an HTTPS backend on loopback with a certificate for the Service name', () => {
      // The service URL (an in-cluster name) is the one rewrite: it points at this backend instead.
      let backend: Server;
      let backendPort = 0;
      const other = new TestPki();
      const serve = (cert: { certificate: string; private_key: string }) =>
        new Promise<void>((resolve) => {
          backend = createHttpsServer({ cert: cert.certificate, key: cert.private_key }, (_req, res) => res.writeHead(200).end('wazuh'));
          backend.listen(0, '127.0.0.1', () => {
            backendPort = (backend.address() as AddressInfo).port;
            resolve();
          });
        });
      const pointed = (edit: (c: Dyn) => void = () => undefined) =>
        editTls(f.files, (c) => {
          c.http.services['wazuh']!.loadBalancer!.servers = [{ url: `https://127.0.0.1:${backendPort}` }];
          edit(c);
        });
      const wazuhStatus = async (files: Record<string, string>) => {
        const t = await run(files);
        try {
          return await httpsStatus(t.ports['websecure']!, `wazuh.${DOMAIN}`, pki.caPem);
        } finally {
          await t.stop();
        }
      };
      afterEach(() => new Promise<void>((r) => backend.close(() => r())));
      afterAll(() => other.cleanup());

      test('the generated transport (PKI CA in rootCAs, the Service name) verifies the PKI-issued backend: 200', async () => {
        await serve(pki.issue('wazuh-dashboard', ['wazuh-dashboard.security.svc']));
        expect(await wazuhStatus(pointed())).toBe(200);
      });

      test('a backend certificate from another CA is refused by the generated transport, and accepted by the old insecureSkipVerify', async () => {
        await serve(other.issue('impostor', ['wazuh-dashboard.security.svc']));
        expect(await wazuhStatus(pointed())).toBe(500);
        expect(await wazuhStatus(pointed((c) => (c.http.serversTransports['wazuh'] = { serverName: 'wazuh-dashboard.security.svc', insecureSkipVerify: true })))).toBe(200);
      });

      test('a PKI certificate for another name is refused (serverName is checked)', async () => {
        await serve(pki.issue('other-name', ['wazuh-indexer.security.svc']));
        expect(await wazuhStatus(pointed())).toBe(500);
      });
    });
  });
});

maybe("verify's Traefik rule model against the real Traefik: the routes with denied paths", () => {
  // The IngressRoutes' rules are loaded through the file provider (the CRD provider is not run here; it passes a
  // route's `match` to the router as its rule), each to a loopback backend that records what reaches it. The
  // loopback-only admin site lets 127.0.0.1 through the allow-lists.
  const pki = new TestPki();
  const s = synth({ loadBalancer: { provider: 'servicelb' }, workloads: { traefik: { adminAllowCidrs: [] } } });
  const f = fixture(s, pki);
  const exposure = parseExposure(s.files.get(EXPOSURE_FILE));
  const routes = traefikRouters(loadDocsFromSynthesis(s)).filter((r) => r.provider === 'kubernetescrd');
  let backend: import('node:http').Server;
  let t: RunningTraefik;
  beforeAll(async () => {
    backend = createHttpServer((_req, res) => res.writeHead(200).end('backend'));
    await new Promise<void>((r) => backend.listen(0, '127.0.0.1', () => r()));
    const port = (backend.address() as AddressInfo).port;
    const files = editTls(f.files, (c) => {
      routes.forEach((r, i) => {
        c.http.routers[`model-${i}`] = { entryPoints: ['websecure'], rule: r.rule, service: 'model-backend', tls: {} };
      });
      c.http.services['model-backend'] = { loadBalancer: { servers: [{ url: `http://127.0.0.1:${port}` }] } };
    });
    t = await startTraefik(traefikOf(s), { files });
  });
  afterAll(async () => {
    await t?.stop();
    await new Promise<void>((r) => backend?.close(() => r()));
    pki.cleanup();
  });

  test('for every denied path and its spellings, the real Traefik forwards exactly when the model says so; where the model is unsure it is on the safe side', async () => {
    if (!exposure.ok) throw new Error(exposure.message);
    const disagreements: string[] = [];
    let probes = 0;
    for (const entry of exposure.value.filter((e) => (e.denyPaths ?? []).length > 0)) {
      const host = `${entry.host}.${DOMAIN}`;
      const rule = routes.find((r) => r.rule.includes(`Host(\`${host}\`)`));
      if (!rule) throw new Error(`no route for ${host}`);
      const ast = parseRule(rule.rule);
      for (const denied of entry.denyPaths ?? []) {
        // `raw`: spellings Traefik reads differently from the text (it cleans `//` and `..` segments, decodes
        // %XX and refuses an encoded slash before routing: ADR-0130); the model reads the text as written.
        const spellings: { path: string; raw: boolean }[] = [
          { path: denied, raw: false },
          { path: `${denied}/x`, raw: false },
          { path: `/${denied}`, raw: true },
          { path: `${denied.toUpperCase()}`, raw: false },
          { path: `/a/..${denied}`, raw: true },
          { path: denied.replace(/\/([^/]*)$/, '%2F$1'), raw: true },
          { path: denied.replace(/-|m/, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`), raw: true },
        ];
        for (const { path, raw } of spellings) {
          probes++;
          const code = await httpsStatus(t.ports['websecure']!, host, pki.caPem, { localAddress: '127.0.0.1', path });
          const real = code === 200;
          const model = evalRule(ast, { host, path });
          // The model reads the path as written; Traefik routes on the sanitized, decoded path.
          if (model !== real) disagreements.push(`${host}${path}: model ${String(model)}, Traefik ${real ? 'forwards' : `answers ${code}`}${raw ? '' : ' (a plain spelling)'}`);
        }
        // The promise verify makes: the denied path itself is never forwarded.
        expect({ host, denied, forwarded: (await httpsStatus(t.ports['websecure']!, host, pki.caPem, { localAddress: '127.0.0.1', path: denied })) === 200 }).toEqual({
          host,
          denied,
          forwarded: false,
        });
      }
      expect({ host, root: await httpsStatus(t.ports['websecure']!, host, pki.caPem, { localAddress: '127.0.0.1', path: '/' }) }).toEqual({ host, root: 200 });
    }
    expect(probes).toBeGreaterThan(0);
    // Every disagreement is one where the model says "forwards" and Traefik does not (the model is stricter),
    // never the reverse: a path the model believes excluded is excluded for real.
    expect(disagreements.filter((d) => / model false, Traefik forwards/.test(d))).toEqual([]);
    // And only on spellings Traefik rewrites before routing (measured on v3.6.6: 404 once cleaned or decoded, 400
    // for an encoded slash): on every plain spelling the model and the real Traefik agree.
    expect(disagreements.filter((d) => d.endsWith('(a plain spelling)'))).toEqual([]);
    expect(disagreements.every((d) => / model true, Traefik answers (400|404)$/.test(d))).toBe(true);
  });
});
