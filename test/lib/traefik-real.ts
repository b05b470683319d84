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
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Synthesis } from '../../charts/synth';
import { builtTool } from '../../tools/paths';
import type { Doc } from '../../verify/types';
import { renderAgentTemplate, traefikContainers, type TraefikContainer } from '../../verify/traefik';
import { allObjects } from '../helpers';

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
    if (proc.exitCode !== null) throw new Error(`Traefik exited (${proc.exitCode}):\n${out}`);
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
