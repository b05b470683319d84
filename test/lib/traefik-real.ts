/**
 * Running the real Traefik (the pinned v3.6.6, built from its Go module by `npm run tools`; tools/programs.ts)
 * on the synthesized configuration: the Traefik container's arguments from dist/ and the file provider's
 * configuration rendered from the Vault agent template annotation with certificates of a test CA.
 *
 * What is rewritten, and only that:
 *  - each `--entryPoints.<name>.address=:<port>/tcp` binds 127.0.0.1 on a free port instead (the machine is
 *    shared; the container ports may be taken). Everything else of the entry points (redirections, TLS) stays;
 *  - `--providers.file.directory` points at a temporary folder holding the rendered files;
 *  - the kubernetescrd provider's flags are dropped, unless `crd` names an API server (the test control plane,
 *    test/traefik-crd-real.test.ts): then they stay, and the out-of-cluster client's three options are added
 *    (endpoint, token as a file path, CA file; Traefik v3.6.6 pkg/provider/kubernetes/crd/kubernetes.go).
 * One file is added to the provider's folder: a router `Path(/domus-test-ready)` on the `traefik` entry point to
 * `ping@internal`. The provider loads its folder as one configuration, so when that router answers, the stack's
 * files are loaded too (Traefik applies configurations after a throttle; polling it avoids timing guesses).
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, request as httpsRequest } from 'node:https';
import { connect, createServer, type AddressInfo } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect, type PeerCertificate } from 'node:tls';
import { parse } from 'yaml';
import type { Synthesis } from '../../charts/synth';
import { CONFIG_ENV, repoRoot, SITE_FILE } from '../../config/load';
import type { Site, SiteInput } from '../../config/schema';
import { builtTool } from '../../tools/paths';
import type { Doc } from '../../verify/types';
import { renderAgentTemplate, secretCallParams, traefikContainers, type TraefikContainer } from '../../verify/traefik';
import { allObjects } from '../helpers';
import { cliEnv, type DevVault } from './vault-dev';

/** The synthesized objects as verify's documents (verify's Traefik model reads these). */
export function loadDocsFromSynthesis(s: Synthesis): Doc[] {
  return allObjects(s).map((obj, i) => ({ obj: obj as unknown as Doc['obj'], file: 'synth', line: i + 1 }));
}

/** The one Traefik container of a synthesis. */
export function traefikOf(s: Synthesis): TraefikContainer {
  const all = traefikContainers(loadDocsFromSynthesis(s));
  if (all.length !== 1) throw new Error(`expected one Traefik container, found ${all.length}`);
  return all[0]!;
}

/** A test PKI made with openssl: a CA, and leaf certificates it signs. PEMs without a trailing newline, as Vault returns them. */
export class TestPki {
  readonly dir = mkdtempSync(join(tmpdir(), 'domus-pki-'));
  readonly caPem: string;

  constructor() {
    this.ssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=domus test CA']);
    this.caPem = this.read('ca.pem');
  }

  /** A server certificate for `names` (the first is the CN), signed by the CA. */
  issue(id: string, names: readonly string[]): { certificate: string; private_key: string; issuing_ca: string } {
    this.ssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${id}.key`, '-out', `${id}.csr`, '-subj', `/CN=${names[0]}`]);
    writeFileSync(join(this.dir, `${id}.ext`), `subjectAltName=${names.map((n) => `DNS:${n}`).join(',')}\nextendedKeyUsage=serverAuth\n`);
    this.ssl(['x509', '-req', '-in', `${id}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${id}.pem`, '-days', '1', '-extfile', `${id}.ext`]);
    return { certificate: this.read(`${id}.pem`), private_key: this.read(`${id}.key`), issuing_ca: this.caPem };
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  private read(f: string): string {
    return readFileSync(join(this.dir, f), 'utf8').trimEnd();
  }

  private ssl(args: string[]): void {
    execFileSync('openssl', args, { cwd: this.dir, stdio: 'pipe' });
  }
}

/** A free TCP port on 127.0.0.1 (the kernel picks it; the listener is closed before Traefik binds it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** The Vault agent templates of the Traefik pod rendered into files (name → content) with `data`. */
export function renderAgentFiles(t: TraefikContainer, data: Readonly<Record<string, string>>): Record<string, string> {
  const prefix = 'vault.hashicorp.com/agent-inject-template-';
  return Object.fromEntries(
    Object.entries(t.annotations)
      .filter(([k]) => k.startsWith(prefix))
      .map(([k, v]) => [k.slice(prefix.length), renderAgentTemplate(v, data)]),
  );
}

export interface RunningTraefik {
  readonly proc: ChildProcess;
  /** Loopback port of each entry point, by the entry point's name as written in dist/. */
  readonly ports: Readonly<Record<string, number>>;
  readonly args: readonly string[];
  readonly dir: string;
  /** Everything Traefik printed so far. */
  log(): string;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Rendered dynamic-configuration files (name → content) for the file provider's folder. */
  readonly files: Readonly<Record<string, string>>;
  /**
   * Keep the kubernetescrd provider and point it at this API server, with this bearer token (a ServiceAccount
   * token of TokenRequest; written to a 0600 file, Traefik's `token` option takes a value or a file path, so
   * the token stays out of the process' arguments).
   */
  readonly crd?: { readonly endpoint: string; readonly token: string; readonly caFile: string };
  /** Rewrites of the arguments after the loopback/CRD rewrite (mutation tests). */
  readonly editArgs?: (args: string[]) => string[];
}

/** The path of the built Traefik, or why there is none. */
export function traefikBinary(): string | undefined {
  return builtTool('traefik');
}

/**
 * Starts the real Traefik with the container's arguments (rewritten as the module comment says) and waits until
 * every entry point accepts connections and the file provider has loaded its configuration.
 */
export async function startTraefik(t: TraefikContainer, opts: StartOptions): Promise<RunningTraefik> {
  // freePort() closes its listener before Traefik binds the port, so another process on the machine (a parallel
  // Jest worker, a control plane) can take it in between: Traefik then exits with "address already in use". Only
  // that failure is retried, with new ports; any other exit is reported at once.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startTraefikOnce(t, opts);
    } catch (e) {
      if (attempt >= 3 || !(e instanceof PortTaken)) throw e;
    }
  }
}

/** Traefik exited because a port freePort() chose was taken before it could bind it. */
class PortTaken extends Error {}

async function startTraefikOnce(t: TraefikContainer, opts: StartOptions): Promise<RunningTraefik> {
  const bin = traefikBinary();
  if (!bin) throw new Error('Traefik is not built: run `npm run tools` (needs Go; https://go.dev/dl/)');
  const dir = mkdtempSync(join(tmpdir(), 'domus-traefik-'));
  for (const [name, content] of Object.entries(opts.files)) writeFileSync(join(dir, name), content, { mode: 0o600 });
  writeFileSync(join(dir, READY_FILE), READY_CONFIG, { mode: 0o600 });
  const ports: Record<string, number> = {};
  const original = ((t.container as { args?: string[] }).args ?? []).slice();
  let args: string[] = [];
  for (const a of original) {
    const ep = /^--entryPoints\.([^.=]+)\.address=:(\d+)(\/tcp)?$/i.exec(a);
    if (ep) {
      const port = await freePort();
      ports[ep[1]!] = port;
      args.push(`--entryPoints.${ep[1]}.address=127.0.0.1:${port}${ep[3] ?? ''}`);
    } else if (/^--providers\.kubernetescrd(\.|=)/i.test(a)) {
      if (opts.crd && !/^--providers\.kubernetescrd\.(endpoint|token|certauthfilepath)=/i.test(a)) args.push(a);
    } else if (/^--providers\.file\.directory=/i.test(a)) {
      args.push(`--providers.file.directory=${dir}`);
    } else {
      args.push(a);
    }
  }
  if (opts.crd) {
    const tokenFile = join(dir, 'sa-token');
    writeFileSync(tokenFile, opts.crd.token, { mode: 0o600 });
    args.push(
      `--providers.kubernetescrd.endpoint=${opts.crd.endpoint}`,
      `--providers.kubernetescrd.token=${tokenFile}`,
      `--providers.kubernetescrd.certAuthFilePath=${opts.crd.caFile}`,
    );
  }
  if (opts.editArgs) args = opts.editArgs(args);
  let out = '';
  const proc = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir } });
  proc.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  proc.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const running: RunningTraefik = {
    proc,
    ports,
    args,
    dir,
    log: () => out,
    stop: async () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
  // Ready: every entry point accepts connections and the file provider's configuration is applied. Polled, not
  // timed: the only bound is Jest's test timeout.
  const traefikPort = ports['traefik'];
  if (traefikPort === undefined) throw new Error('no `traefik` entry point in the arguments');
  for (;;) {
    if (proc.exitCode !== null) {
      rmSync(dir, { recursive: true, force: true });
      const Failure = /address already in use/.test(out) ? PortTaken : Error;
      throw new Failure(`Traefik exited (${proc.exitCode}):\n${out}`);
    }
    const open = await Promise.all(Object.values(ports).map(accepts));
    if (open.every(Boolean) && (await status(traefikPort, '/domus-test-ready')) === 200) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return running;
}

const READY_FILE = 'zz-domus-test-ready.yml';
const READY_CONFIG = [
  'http:',
  '  routers:',
  '    domus-test-ready:',
  '      entryPoints: [traefik]',
  '      rule: Path(`/domus-test-ready`)',
  '      service: ping@internal',
  '',
].join('\n');

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** The status of a plain HTTP GET on loopback (0 when the connection fails). */
export function status(port: number, path: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, headers, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.once('error', () => resolve(0));
    req.end();
  });
}

// ---------------------------------------------------------------------------------------------------------
// The live path (test/traefik-live.test.ts): certificates, backends, clients bound to source addresses, the fork
// ---------------------------------------------------------------------------------------------------------

/** What Vault's `pki/issue` returns and the Traefik template reads (`.Data.certificate`, `.Data.private_key`, `.Data.issuing_ca`). */
export type PkiIssued = {
  readonly certificate: string;
  readonly private_key: string;
  readonly issuing_ca: string;
};

/** A `pki/issue` request as the Vault agent sends it: the path of the template's `secret` call and its parameters. */
export interface PkiRequest {
  readonly path: string;
  readonly params: Readonly<Record<string, string>>;
}

/** A `pki/issue` answer of Vault as the agent reads it (`vault write -format=json`: the fields under `data`). */
export type VaultPkiIssued = PkiIssued & { readonly ca_chain: readonly string[] };

/**
 * Where the Traefik pod's certificates come from (test/traefik-live.test.ts): the dev Vault's PKI, `vault write -format=json <path> k=v...` with `token` (a token of the
 * Traefik pod's Vault role, from its own Kubernetes login), the request of the template's own `secret` call.
 * Exactly what the agent sends for `{{ with secret "<path>" "k=v" }}` (a write, as the path takes parameters).
 */
export function vaultPkiIssuer(v: DevVault, token: string): (request: PkiRequest) => VaultPkiIssued {
  return ({ path, params }) => {
    if (!/^[a-z0-9_-]+\/issue\/[a-z0-9_-]+$/.test(path)) throw new Error(`PKI path ${path} is not <mount>/issue/<role>`);
    const kv = Object.entries(params).map(([k, val]) => {
      if (!/^[a-z_]+$/.test(k)) throw new Error(`PKI parameter ${k}: lower-case letters and _ only`);
      return `${k}=${val}`;
    });
    // No shell: each k=v is one argument of the CLI, as the agent sends each as one field.
    const r = spawnSync(join(v.binDir, 'vault'), ['write', '-format=json', path, ...kv], { env: cliEnv(v, { VAULT_TOKEN: token }), encoding: 'utf8', timeout: 60_000 });
    if (r.status !== 0) throw new Error(`vault write ${path} ${kv.join(' ')}: ${r.status} ${r.stderr ?? ''}`);
    const data = (JSON.parse(r.stdout) as { data?: Partial<VaultPkiIssued> }).data;
    if (!data?.certificate || !data.private_key || !data.issuing_ca || !data.ca_chain)
      throw new Error(`vault write ${path}: no certificate, key, issuing CA or chain in the answer`);
    return { certificate: data.certificate, private_key: data.private_key, issuing_ca: data.issuing_ca, ca_chain: data.ca_chain };
  };
}

/**
 * A Vault token for a pod's role: `vault write -field=token <auth-path>/login role=<role> jwt=-` with a token of
 * the pod's ServiceAccount (the agent's auto_auth kubernetes method; Vault's TokenReview on the control plane).
 */
export function vaultLogin(v: DevVault, authPath: string, role: string, jwt: string): string {
  if (!/^auth\/[a-z0-9_-]+$/.test(authPath) || !/^[a-z0-9_-]+$/.test(role)) throw new Error(`Vault login ${authPath} role ${role}: not a path and a role name`);
  const r = spawnSync(join(v.binDir, 'vault'), ['write', '-field=token', `${authPath}/login`, `role=${role}`, 'jwt=-'], {
    env: cliEnv(v, { VAULT_TOKEN: '' }),
    input: jwt,
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (r.status !== 0 || !r.stdout.trim()) throw new Error(`vault login at ${authPath} as ${role}: ${r.status} ${r.stderr ?? ''}`);
  return r.stdout.trim();
}

/** The PKI request of a Vault agent template (`{{- with secret "<mount>/issue/<role>" "k=v"... -}}`), if it issues a certificate. */
export function pkiRequestOf(template: string): PkiRequest | undefined {
  const path = /^\{\{-\s*with\s+secret\s+"((?:[^"\\]|\\.)*)"/.exec(template)?.[1];
  if (!path || !/\/issue\//.test(path)) return undefined;
  return { path: JSON.parse(`"${path}"`) as string, params: secretCallParams(template) };
}

/**
 * The machine's first non-loopback IPv4 address: the API server refuses loopback endpoint addresses ("may not
 * be in the loopback range"), so the test backends listen on this one (and only on it).
 */
export function hostAddress(): string {
  const a = Object.values(networkInterfaces())
    .flat()
    .find((i) => i && i.family === 'IPv4' && !i.internal && !i.address.startsWith('169.254.'));
  if (!a) throw new Error('no non-loopback IPv4 address on this machine for the test backends (an EndpointSlice may not name loopback)');
  return a.address;
}

/** A test backend: answers every request 200 with its marker, and records what reached it. */
export interface Backend {
  readonly server: Server;
  readonly address: string;
  readonly port: number;
  readonly marker: string;
  /** The paths of the requests that reached it (as sent on the wire by Traefik). */
  readonly seen: string[];
  close(): Promise<void>;
}

/** Starts a backend on `address` (HTTPS with `tls` when given: a certificate for the name Traefik verifies). */
export function startBackend(address: string, marker: string, tls?: { certificate: string; private_key: string }): Promise<Backend> {
  const seen: string[] = [];
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    seen.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(marker);
  };
  const server: Server = tls ? createHttpsServer({ cert: tls.certificate, key: tls.private_key }, handler) : createHttpServer(handler);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, address, () =>
      resolve({
        server,
        address,
        port: (server.address() as AddressInfo).port,
        marker,
        seen,
        close: () => new Promise<void>((r) => server.close(() => r())),
      }),
    );
  });
}

export interface HttpsAnswer {
  /** 0: no answer (refused handshake, reset). */
  readonly status: number;
  readonly body: string;
  readonly location?: string;
  readonly error?: string;
}

/**
 * A GET through Traefik's websecure entry point on 127.0.0.1 with SNI and Host `host`, from `localAddress` (any
 * 127.0.0.0/8 address is local on Linux: the clients standing in for the admin, LAN and world sources). The
 * certificate must be trusted by `ca` and name `host` (Node's hostname check), or the answer is status 0.
 */
export function httpsGet(port: number, host: string, ca: string, opts: { localAddress?: string; path?: string; headers?: Record<string, string> } = {}): Promise<HttpsAnswer> {
  return new Promise((resolve) => {
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        port,
        path: opts.path ?? '/',
        servername: host,
        headers: { host, ...(opts.headers ?? {}) },
        ca,
        agent: false,
        ...(opts.localAddress ? { localAddress: opts.localAddress } : {}),
      },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, ...(res.headers.location ? { location: res.headers.location } : {}) }));
      },
    );
    req.once('error', (e) => resolve({ status: 0, body: '', error: e.message }));
    req.end();
  });
}

/** A plain HTTP GET on 127.0.0.1:`port` with Host `host`: status and Location. */
export function httpGet(port: number, host: string, path: string, localAddress?: string): Promise<{ status: number; location?: string }> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host }, agent: false, ...(localAddress ? { localAddress } : {}) }, (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, ...(res.headers.location ? { location: res.headers.location } : {}) });
    });
    req.once('error', () => resolve({ status: 0 }));
    req.end();
  });
}

/**
 * A TLS handshake with `servername` (no SNI when undefined), never refused for trust: the certificate presented
 * and, with `ca`, whether its chain is trusted by it; or the error.
 */
export function handshake(port: number, servername: string | undefined, ca?: string): Promise<{ cert?: PeerCertificate; authorized?: boolean; error?: string }> {
  return new Promise((resolve) => {
    const s = tlsConnect({ host: '127.0.0.1', port, ...(servername ? { servername } : {}), ...(ca ? { ca } : {}), rejectUnauthorized: false }, () => {
      const cert = s.getPeerCertificate();
      const authorized = s.authorized;
      s.destroy();
      resolve({ ...(cert && Object.keys(cert).length > 0 ? { cert } : {}), ...(ca ? { authorized } : {}) });
    });
    s.once('error', (e) => resolve({ error: e.message }));
  });
}

/** The raw input of the site in use: $DOMUS_CONFIG, else site.yaml at the repository root (config/load.ts resolveSite). */
export function siteInUseInput(): SiteInput {
  const file = process.env[CONFIG_ENV] ?? join(repoRoot(), SITE_FILE);
  if (!existsSync(file)) throw new Error(`no site file at ${file}`);
  return (parse(readFileSync(file, 'utf8')) ?? {}) as SiteInput;
}

/**
 * The clients of the live test, each an address of 127.0.0.0/8 (local on Linux, so a socket can bind it and
 * reach Traefik on 127.0.0.1): one inside the admin range, one inside the LAN but outside the admin range, one
 * outside the LAN.
 */
export const LOOPBACK_SITE = {
  lanCidr: '127.77.0.0/16',
  adminCidr: '127.77.10.0/24',
  pool: '127.77.0.240/28',
  sources: { admin: '127.77.10.9', lan: '127.77.20.9', world: '127.78.0.9' },
} as const;

export type Source = keyof typeof LOOPBACK_SITE.sources;

/**
 * A fork of the site in use whose LAN and admin ranges are loopback ranges (LOOPBACK_SITE), everything else
 * kept: the nodes renumbered into the LAN in order, the LB-IPAM pool moved into it (fixed ingress/Wazuh
 * addresses dropped, they follow the pool), Vault's egress CIDRs kept as the site resolved them (they default
 * from the LAN), the admin allow-list the admin range. A ServiceLB site keeps ServiceLB: its allow-list is
 * loopback only (127.0.0.1/32, constructs/lib/ingress.ts adminSourceRange), so its admin client is 127.0.0.1.
 */
export function loopbackFork(input: SiteInput, site: Site): { input: SiteInput; sources: Record<Source, string> } {
  const raw = structuredClone(input) as Record<string, Record<string, unknown> | undefined> & SiteInput;
  const cilium = site.loadBalancer.provider === 'cilium';
  const nodes = site.nodes.map((n, i) => ({ ...((input.nodes as Record<string, unknown>[] | undefined)?.[i] ?? { name: n.name, roles: n.roles }), ip: `127.77.0.${20 + i}` }));
  const lb: Record<string, unknown> = { ...(raw.loadBalancer ?? {}) };
  delete lb['ingressIp'];
  delete lb['wazuhIp'];
  if (cilium) lb['pool'] = [LOOPBACK_SITE.pool];
  const workloads = (raw.workloads ?? {}) as Record<string, Record<string, unknown> | undefined>;
  const out = {
    ...raw,
    cluster: { ...(raw.cluster ?? {}), lanCidr: LOOPBACK_SITE.lanCidr },
    nodes,
    loadBalancer: lb,
    ...(site.vault ? { vault: { ...(raw.vault ?? {}), cidrs: [...site.vault.cidrs] } } : {}),
    workloads: { ...workloads, traefik: { ...(workloads['traefik'] ?? {}), adminAllowCidrs: cilium ? [LOOPBACK_SITE.adminCidr] : [] } },
  } as SiteInput;
  return { input: out, sources: { ...LOOPBACK_SITE.sources, ...(cilium ? {} : { admin: '127.0.0.1' }) } };
}
