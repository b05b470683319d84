/**
 * A dev Vault for the live tests (test/vault-live.test.ts; the Traefik live path takes its certificates from it):
 * the pinned Vault (tools/programs.ts, `npm run tools`) as `vault server -dev -dev-tls` on loopback, its TLS
 * from the CA dev-tls makes (with the site's Vault host name as a SAN), then configured the way DAY0 says:
 *  - step 8's prerequisites: KV version 2 at the site's KV mount, a PKI mount at the site's PKI mount holding an
 *    intermediate CA set-signed with the full bundle (its root is a second PKI mount, `pki_root`);
 *  - step 10: `kubectl apply -f dist/bootstrap/vault/reviewer-token.yaml`, then the generated setup.sh run by
 *    bash with the real `vault` CLI and kubectl on PATH, VAULT_ADDR/VAULT_CACERT/KUBECONFIG/K3S_CA_FILE set as
 *    DAY0 sets them, and the KV values put with DAY0's own commands (a test value on stdin for each prompt).
 * What differs from a real site, and only that: the API server address in setup.sh (the test control plane
 * instead of the site's node), the Vault address (loopback; the TLS name stays the site's), and the token in
 * the reviewer Secret, which the test writes (a TokenRequest token) because no token controller runs here.
 *
 * `renderAgent()` runs `vault agent` with a pod's injected agent configuration (the injector's config JSON)
 * and a token of the pod's ServiceAccount, its paths laid under a folder, and returns the rendered files.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { WAZUH_SECRETS } from '../../config/wazuh-secrets';
import { builtTool, toolPath } from '../../tools/paths';
import type { ControlPlaneInfo } from './control-plane';
import { messageOf, type KubeClient, type KubeObject } from './kube-client';
import { FakeRoot } from '../real/tool';

export interface DevVault {
  /** https://127.0.0.1:<port> */
  readonly addr: string;
  /** The host name the site's Vault certificate carries (the TLS name every client checks). */
  readonly serverName: string;
  /** The CA that dev-tls made (PEM file). */
  readonly caFile: string;
  /** The dev root token (the "admin token" of DAY0 step 8). */
  readonly token: string;
  /** A folder with `vault` (and nothing else) for PATH. */
  readonly binDir: string;
  readonly dir: string;
  readonly log: string;
  readonly pid: number;
}

/** A command's result. */
export interface Ran {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The pinned Vault binary, or a sentence saying how to build it. */
export function vaultBinary(): string | { missing: string } {
  return builtTool('vault') ?? { missing: `not built: ${toolPath('vault')} (run \`npm run tools -- --only vault\`)` };
}

/** The environment DAY0 gives the vault CLI (step 8: VAULT_ADDR, VAULT_CACERT, the admin token), with PATH. */
export function cliEnv(v: DevVault, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    PATH: `${v.binDir}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    HOME: v.dir,
    VAULT_ADDR: v.addr,
    VAULT_CACERT: v.caFile,
    VAULT_TLS_SERVER_NAME: v.serverName,
    VAULT_TOKEN: v.token,
    ...extra,
  };
}

/** Runs the vault CLI against the dev Vault. */
export function vault(v: DevVault, args: readonly string[], input?: string): Ran {
  const r = spawnSync(join(v.binDir, 'vault'), args, { env: cliEnv(v), input, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout ?? '', stderr: `${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}

function must(what: string, r: Ran): string {
  if (r.status !== 0) throw new Error(`${what} failed (${r.status}): ${r.stderr || r.stdout}`);
  return r.stdout;
}

/** Starts `vault server -dev -dev-tls` on a free loopback port; resolves when it answers unsealed. */
export async function startDevVault(serverName: string): Promise<DevVault> {
  if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(serverName)) throw new Error(`Vault host ${serverName} is not a DNS name`);
  const bin = vaultBinary();
  if (typeof bin !== 'string') throw new Error(bin.missing);
  const dir = mkdtempSync(join(tmpdir(), 'domus-vault-dev-'));
  const binDir = join(dir, 'bin');
  mkdirSync(binDir);
  symlinkSync(bin, join(binDir, 'vault'));
  const certDir = join(dir, 'tls');
  mkdirSync(certDir);
  const port = await freePort();
  const token = `dev-root-${process.pid}-${port}`;
  const log = join(dir, 'vault.log');
  const out = await import('node:fs').then((fs) => fs.openSync(log, 'a'));
  const p: ChildProcess = spawn(
    bin,
    [
      'server',
      '-dev',
      '-dev-tls',
      `-dev-tls-cert-dir=${certDir}`,
      `-dev-tls-san=${serverName}`,
      `-dev-listen-address=127.0.0.1:${port}`,
      `-dev-root-token-id=${token}`,
      '-dev-no-store-token',
    ],
    { stdio: ['ignore', out, out], env: { PATH: process.env.PATH ?? '', HOME: dir } },
  );
  p.unref();
  const v: DevVault = { addr: `https://127.0.0.1:${port}`, serverName, caFile: join(certDir, 'vault-ca.pem'), token, binDir, dir, log, pid: p.pid ?? 0 };
  for (let i = 0; i < 600; i++) {
    if (p.exitCode !== null) throw new Error(`vault server -dev exited with ${p.exitCode}: ${readFileSync(log, 'utf8').slice(-2000)}`);
    if (existsSync(v.caFile) && vault(v, ['status', '-format=json']).status === 0) return v;
    await sleep(250);
  }
  stopDevVault(v);
  throw new Error(`vault server -dev not ready after 150 s (log ${log})`);
}

export function stopDevVault(v: DevVault): void {
  try {
    if (v.pid > 0) process.kill(v.pid, 'SIGTERM');
  } catch {
    // already gone
  }
}

/** DAY0 step 8's prerequisites: KV version 2 at `kvMount`, a PKI mount `pkiMount` holding an intermediate CA whose chain reaches its root. */
export function prerequisites(v: DevVault, kvMount: string, pkiMount: string): void {
  for (const m of [kvMount, pkiMount]) if (!/^[a-z0-9_-]+$/.test(m)) throw new Error(`mount ${m}: letters, digits, _ and - only`);
  must('enable kv', vault(v, ['secrets', 'enable', `-path=${kvMount}`, 'kv-v2']));
  must('enable pki_root', vault(v, ['secrets', 'enable', '-path=pki_root', '-max-lease-ttl=87600h', 'pki']));
  must('root CA', vault(v, ['write', '-field=certificate', 'pki_root/root/generate/internal', 'common_name=Domus test root CA', 'ttl=87600h']));
  must('enable pki_int', vault(v, ['secrets', 'enable', `-path=${pkiMount}`, '-max-lease-ttl=43800h', 'pki']));
  const csr = must('intermediate CSR', vault(v, ['write', '-field=csr', `${pkiMount}/intermediate/generate/internal`, 'common_name=Domus test issuing CA']));
  writeFileSync(join(v.dir, 'int.csr'), csr);
  // format=pem_bundle: the intermediate followed by the root, so the mount knows its parent (ca_chain holds both).
  const signed = must(
    'sign intermediate',
    vault(v, ['write', '-field=certificate', 'pki_root/root/sign-intermediate', `csr=@${join(v.dir, 'int.csr')}`, 'format=pem_bundle', 'ttl=43800h']),
  );
  const rootPem = must('root PEM', vault(v, ['read', '-field=certificate', 'pki_root/cert/ca']));
  const bundle = signed.includes(rootPem.trim()) ? signed : `${signed.trim()}\n${rootPem.trim()}\n`;
  writeFileSync(join(v.dir, 'int-bundle.pem'), bundle);
  must('set-signed', vault(v, ['write', `${pkiMount}/intermediate/set-signed`, `certificate=@${join(v.dir, 'int-bundle.pem')}`]));
}

/** The one literal of setup.sh the test replaces: the site's API server address. */
export const KUBERNETES_HOST = /kubernetes_host=(https:\/\/[^\s]+)/g;

/**
 * DAY0 step 10 against the test control plane: the reviewer Secret applied with kubectl, its token written as
 * the token controller would (TokenRequest), then setup.sh from a copy of dist/bootstrap/vault whose only change
 * is `kubernetes_host`. Returns setup.sh's result (it is not thrown: the test names what failed).
 */
export async function runSetup(v: DevVault, dist: string, cp: ControlPlaneInfo, client: KubeClient): Promise<Ran & { siteHost: string }> {
  const src = join(dist, 'bootstrap', 'vault');
  const copy = join(v.dir, 'bootstrap-vault');
  cpSync(src, copy, { recursive: true });
  const script = readFileSync(join(src, 'setup.sh'), 'utf8');
  const hosts = [...script.matchAll(KUBERNETES_HOST)].map((m) => m[1]!);
  if (hosts.length !== 1) throw new Error(`setup.sh names kubernetes_host ${hosts.length} times, the test rewrites exactly one`);
  writeFileSync(join(copy, 'setup.sh'), script.replace(KUBERNETES_HOST, `kubernetes_host=${cp.server}`));
  const env = cliEnv(v, { KUBECONFIG: cp.kubeconfig, K3S_CA_FILE: cp.caFile });
  const apply = spawnSync('kubectl', ['apply', '-f', join(copy, 'reviewer-token.yaml')], { env, encoding: 'utf8' });
  if (apply.status !== 0) throw new Error(`kubectl apply -f reviewer-token.yaml: ${apply.stderr}`);
  // The token controller's part: the Secret's token is its ServiceAccount's (annotation kubernetes.io/service-account.name).
  const secret = (await client.get({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'vault-auth-token', namespace: 'vault' } })).body as KubeObject;
  const sa = secret.metadata.annotations?.['kubernetes.io/service-account.name'];
  if (!sa) throw new Error('vault/vault-auth-token names no ServiceAccount');
  const jwt = await client.serviceAccountToken('vault', sa, 86_400);
  const patch = await client.request(
    'PATCH',
    '/api/v1/namespaces/vault/secrets/vault-auth-token',
    { data: { token: Buffer.from(jwt).toString('base64') } },
    { contentType: 'application/merge-patch+json' },
  );
  if (patch.status !== 200) throw new Error(`writing the reviewer token: ${patch.status} ${messageOf(patch)}`);
  // DAY0 runs it from the repository root, with a relative K3S_CA_FILE; here every path is absolute.
  const r = spawnSync('bash', [join(copy, 'setup.sh')], { cwd: v.dir, env, encoding: 'utf8', timeout: 300_000 });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '', siteHost: hosts[0]! };
}

/** A test value for a KV key: the documented example where the stack validates the key (Wazuh), else `test-<key>`. */
export function testValue(key: string): string {
  const w = Object.values(WAZUH_SECRETS).find((s) => s.key === key);
  return w ? w.example : `test-${key}`;
}

/** DAY0's KV commands (`printf '%s' "$v" | vault kv put|patch -mount=… <path> <key>=-`), each with the key. */
export function kvCommands(day0: string): { command: string; path: string; key: string }[] {
  return [...day0.matchAll(/printf '%s' "\$v" \| (vault kv (?:put|patch) -mount=[a-z0-9_-]+ -field=version ([a-z0-9/_-]+) ([A-Za-z0-9_]+)=-)/g)].map((m) => ({
    command: `printf '%s' "$v" | ${m[1]!}`,
    path: m[2]!,
    key: m[3]!,
  }));
}

/** Runs DAY0's KV commands with `testValue(key)` as what the operator types. */
export function putKv(v: DevVault, day0: string): { path: string; key: string; value: string }[] {
  const cmds = kvCommands(day0);
  if (cmds.length === 0) throw new Error('DAY0 has no KV command');
  return cmds.map((c) => {
    const value = testValue(c.key);
    const r = spawnSync('bash', ['-c', c.command], { env: cliEnv(v, { v: value }), encoding: 'utf8' });
    must(c.command, { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' });
    return { path: c.path, key: c.key, value };
  });
}

/** The agent configuration of an injected container (the injector's VAULT_CONFIG: base64 JSON). */
export interface AgentConfig {
  vault: { address: string; tls_server_name?: string; ca_cert?: string };
  auto_auth: { method: { type: string; mount_path: string; config: { role: string; token_path: string } }; sink: { type: string; config: { path: string } }[] };
  exit_after_auth: boolean;
  pid_file: string;
  template?: { destination: string; contents: string; perms?: string; error_on_missing_key?: boolean }[];
  template_config?: { exit_on_retry_failure: boolean };
  listener?: unknown[];
  [key: string]: unknown;
}

interface Container {
  name: string;
  env?: { name: string; value?: string }[];
}

export function agentContainer(pod: KubeObject, name: 'vault-agent-init' | 'vault-agent'): Container {
  const spec = pod.spec as { initContainers?: Container[]; containers?: Container[] };
  const c = [...(spec.initContainers ?? []), ...(spec.containers ?? [])].find((x) => x.name === name);
  if (!c) throw new Error(`pod ${pod.metadata.namespace}/${pod.metadata.name} has no ${name} container`);
  return c;
}

export function agentConfig(c: Container): AgentConfig {
  const b64 = c.env?.find((e) => e.name === 'VAULT_CONFIG')?.value;
  if (!b64) throw new Error(`${c.name} has no VAULT_CONFIG`);
  return JSON.parse(Buffer.from(b64, 'base64').toString('utf8')) as AgentConfig;
}

/** Where the injector's agent writes (the prefixes of every path of its configuration). */
const AGENT_PATHS = ['/home/vault', '/vault', '/var/run/secrets'];

const underAgentPath = (s: string): boolean => AGENT_PATHS.some((p) => s === p || s.startsWith(`${p}/`));

/** The configuration with its container paths under `root`; the address replaced by the dev Vault's, the site's TLS name kept. */
export function localConfig(config: AgentConfig, v: DevVault, root: FakeRoot): AgentConfig {
  const walk = (x: unknown): unknown => {
    if (typeof x === 'string') return underAgentPath(x) ? root.path(x) : x;
    if (Array.isArray(x)) return x.map(walk);
    if (x && typeof x === 'object') return Object.fromEntries(Object.entries(x).map(([k, y]) => [k, k === 'contents' ? y : walk(y)]));
    return x;
  };
  const c = walk(config) as AgentConfig;
  return { ...c, vault: { ...c.vault, address: v.addr, tls_server_name: new URL(config.vault.address).hostname } };
}

/** A token of the pod's ServiceAccount as its projected volume asks for it (TokenRequest: expiry and audience). */
export async function podToken(client: KubeClient, pod: KubeObject): Promise<string> {
  const spec = pod.spec as {
    serviceAccountName?: string;
    volumes?: { name: string; projected?: { sources: { serviceAccountToken?: { expirationSeconds?: number; audience?: string } }[] } }[];
  };
  const volumeName = pod.metadata.annotations?.['vault.hashicorp.com/agent-service-account-token-volume-name'];
  const src = spec.volumes?.find((x) => x.name === volumeName)?.projected?.sources.find((s) => s.serviceAccountToken)?.serviceAccountToken;
  const ns = pod.metadata.namespace ?? 'default';
  const sa = spec.serviceAccountName ?? 'default';
  const r = await client.request('POST', `/api/v1/namespaces/${encodeURIComponent(ns)}/serviceaccounts/${encodeURIComponent(sa)}/token`, {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenRequest',
    spec: { expirationSeconds: src?.expirationSeconds ?? 3600, ...(src?.audience ? { audiences: [src.audience] } : {}) },
  });
  const token = (r.body as { status?: { token?: string } } | undefined)?.status?.token;
  if (r.status !== 201 || !token) throw new Error(`TokenRequest for ${ns}/${sa}: ${r.status} ${messageOf(r)}`);
  return token;
}

export interface Rendered {
  readonly status: number | null;
  readonly output: string;
  /** Container path → content, for every template destination. */
  readonly files: ReadonlyMap<string, string>;
  /** Container path → mode (octal string), for every destination written. */
  readonly modes: ReadonlyMap<string, string>;
}

/**
 * Runs `vault agent` once with `config` (the init container's; a sidecar's with exit_after_auth set) under
 * `root`, with the container's environment (its VAULT_CACERT_BYTES replaced by the dev Vault's CA) and `token`
 * as the ServiceAccount token file. Resolves when the agent exits.
 */
export async function renderAgent(v: DevVault, container: Container, config: AgentConfig, token: string, root: FakeRoot, killAfterMs = 120_000): Promise<Rendered> {
  // One render and exit (the init container's mode); a sidecar's listener and cache are not needed for that.
  const { listener: _listener, cache: _cache, ...once } = config;
  const local = localConfig({ ...once, exit_after_auth: true }, v, root);
  root.write(config.auto_auth.method.config.token_path, token);
  for (const t of config.template ?? []) root.mkdir(t.destination.replace(/\/[^/]*$/, ''));
  root.mkdir('/home/vault');
  const file = root.write('/home/vault/config.json', JSON.stringify(local, null, 2));
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '', HOME: root.path('/home/vault') };
  for (const e of container.env ?? []) {
    if (e.value === undefined || e.name === 'VAULT_CONFIG') continue;
    env[e.name] = e.name === 'VAULT_CACERT_BYTES' ? readFileSync(v.caFile, 'utf8') : e.name === 'VAULT_ADDR' ? v.addr : e.value;
  }
  const out: Buffer[] = [];
  const status = await new Promise<number | null>((resolve) => {
    const p = spawn(join(v.binDir, 'vault'), ['agent', `-config=${file}`], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    p.stdout.on('data', (b: Buffer) => out.push(b));
    p.stderr.on('data', (b: Buffer) => out.push(b));
    // An agent that cannot log in retries for ever: stop it (the caller then finds its files missing).
    const timer = setTimeout(() => p.kill('SIGKILL'), killAfterMs);
    p.on('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
  const files = new Map<string, string>();
  const modes = new Map<string, string>();
  const { statSync } = await import('node:fs');
  for (const t of config.template ?? []) {
    const p = root.path(t.destination);
    if (!existsSync(p)) continue;
    files.set(t.destination, readFileSync(p, 'utf8'));
    modes.set(t.destination, (statSync(p).mode & 0o777).toString(8).padStart(4, '0'));
  }
  return { status, output: Buffer.concat(out).toString('utf8'), files, modes };
}

/** Every file under a folder (for a test's failure message). */
export function listFiles(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir, { recursive: true }).map(String) : [];
}

/** The injector (vault-k8s) running as a webhook of a control plane. */
export interface Injector {
  readonly url: string;
  readonly log: string;
  readonly pid: number;
  /** The MutatingWebhookConfiguration as the injector left it (caBundle patched in). */
  readonly webhook: KubeObject;
}

export function injectorBinary(): string | { missing: string } {
  return builtTool('vault-k8s') ?? { missing: `not built: ${toolPath('vault-k8s')} (run \`npm run tools -- --only vault-k8s\`)` };
}

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { fieldRef?: { fieldPath: string } };
}

/**
 * Starts the injector from its generated Deployment and webhook configuration: the container's environment as
 * written (NAMESPACE from the downward API), except where it listens (a free loopback port) and the auto-TLS
 * hosts (127.0.0.1 added, the address the API server calls); the webhook recreated with only its clientConfig
 * changed to that URL. The in-cluster client reads its ServiceAccount token (TokenRequest) and the cluster CA at
 * the fixed in-cluster paths, which a private mount namespace (unshare) provides without touching the host's.
 * The injector itself patches the webhook's caBundle (auto TLS, with the generated ClusterRole's patch right).
 */
export async function startInjector(client: KubeClient, cp: ControlPlaneInfo, deployment: KubeObject, mwc: KubeObject): Promise<Injector> {
  const bin = injectorBinary();
  if (typeof bin !== 'string') throw new Error(bin.missing);
  const tpl = (deployment.spec as { template: { spec: { serviceAccountName?: string; containers: { args?: string[]; env?: EnvVar[] }[] } } }).template.spec;
  const c = tpl.containers[0]!;
  const ns = deployment.metadata.namespace ?? 'default';
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '', KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: new URL(cp.server).port };
  for (const e of c.env ?? []) {
    if (e.value !== undefined) env[e.name] = e.value;
    else if (e.valueFrom?.fieldRef?.fieldPath === 'metadata.namespace') env[e.name] = ns;
    else throw new Error(`injector env ${e.name}: only values and metadata.namespace are known here`);
  }
  env.AGENT_INJECT_LISTEN = `127.0.0.1:${port}`;
  env.AGENT_INJECT_TLS_AUTO_HOSTS = `${env.AGENT_INJECT_TLS_AUTO_HOSTS ?? ''},127.0.0.1`;
  const name = mwc.metadata.name;
  if (env.AGENT_INJECT_TLS_AUTO !== name) throw new Error(`the injector patches ${env.AGENT_INJECT_TLS_AUTO}, the webhook is ${name}`);
  const url = `https://127.0.0.1:${port}`;
  const webhooks = (mwc.webhooks as { clientConfig: { service?: { path?: string } } }[]).map((w) => ({
    ...w,
    clientConfig: { url: `${url}${w.clientConfig.service?.path ?? '/'}` },
  }));
  const path = '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations';
  await client.request('DELETE', `${path}/${encodeURIComponent(name)}`);
  const created = await client.request('POST', path, { apiVersion: mwc.apiVersion, kind: mwc.kind, metadata: { name, labels: mwc.metadata.labels }, webhooks });
  if (created.status !== 201) throw new Error(`creating the webhook ${name}: ${created.status} ${messageOf(created)}`);

  const dir = mkdtempSync(join(tmpdir(), 'domus-injector-'));
  const sa = join(dir, 'serviceaccount');
  mkdirSync(sa);
  writeFileSync(join(sa, 'token'), await client.serviceAccountToken(ns, tpl.serviceAccountName ?? 'default'));
  writeFileSync(join(sa, 'ca.crt'), readFileSync(cp.caFile));
  writeFileSync(join(sa, 'namespace'), ns);
  const log = join(dir, 'injector.log');
  const fs = await import('node:fs');
  const out = fs.openSync(log, 'a');
  // /var/run is /run on most systems: a tmpfs over the real folder, in this process' own mount namespace only.
  const run = fs.realpathSync('/var/run');
  const script = 'set -e; mount -t tmpfs tmpfs "$1"; mkdir -p "$1/secrets/kubernetes.io/serviceaccount"; cp "$2"/* "$1/secrets/kubernetes.io/serviceaccount/"; shift 2; exec "$@"';
  const p = spawn('unshare', ['--user', '--map-root-user', '--mount', '--', 'sh', '-c', script, 'sh', run, sa, bin, ...(c.args ?? [])], { env, stdio: ['ignore', out, out] });
  p.unref();
  const inj = { url, log, pid: p.pid ?? 0 };
  for (let i = 0; i < 240; i++) {
    if (p.exitCode !== null) throw new Error(`the injector exited with ${p.exitCode}: ${readFileSync(log, 'utf8').slice(-3000)}`);
    const r = await client.request('GET', `${path}/${encodeURIComponent(name)}`);
    const hooks = (r.body as { webhooks?: { clientConfig?: { caBundle?: string } }[] } | undefined)?.webhooks ?? [];
    if (r.status === 200 && hooks.length > 0 && hooks.every((h) => h.clientConfig?.caBundle)) return { ...inj, webhook: r.body as KubeObject };
    await sleep(500);
  }
  stopPid(inj.pid);
  throw new Error(`the injector did not patch the webhook's caBundle in 120 s: ${readFileSync(log, 'utf8').slice(-3000)}`);
}

export function stopPid(pid: number): void {
  try {
    if (pid > 0) process.kill(pid, 'SIGTERM');
  } catch {
    // already gone
  }
}

/** A dev Vault configured as DAY0 steps 8 and 10 say, against a control plane the stack is synced onto. */
export interface ConfiguredVault {
  readonly vault: DevVault;
  readonly setup: Ran & { siteHost: string };
  /** What DAY0's KV commands put (path under the KV mount, key, test value). */
  readonly kv: readonly { path: string; key: string; value: string }[];
  readonly kvMount: string;
  readonly pkiMount: string;
}

/**
 * Starts a dev Vault for the site's Vault host name and configures it from `dist` (DAY0.md's prerequisites and
 * KV commands, setup.sh). The Traefik live path uses it for its certificates: `renderAgent()` with Traefik's
 * injected agent configuration writes tls.yml into a folder.
 */
export async function configuredDevVault(dist: string, siteVaultHost: string, cp: ControlPlaneInfo, client: KubeClient): Promise<ConfiguredVault> {
  const day0 = readFileSync(join(dist, 'bootstrap', 'DAY0.md'), 'utf8');
  const kvMount = /KV version 2 at `([a-z0-9_-]+)\/`/.exec(day0)?.[1];
  const pkiMount = /a PKI mount at `([a-z0-9_-]+)\/`/.exec(day0)?.[1];
  if (!kvMount || !pkiMount) throw new Error('DAY0 names no KV or PKI mount in its Vault prerequisites');
  const v = await startDevVault(siteVaultHost);
  try {
    prerequisites(v, kvMount, pkiMount);
    const setup = await runSetup(v, dist, cp, client);
    const kv = setup.status === 0 ? putKv(v, day0) : [];
    return { vault: v, setup, kv, kvMount, pkiMount };
  } catch (e) {
    stopDevVault(v);
    throw e;
  }
}

/** `"k=v"` parameters of a `secret`/`pkiCert` call on a PKI issue path in a template. */
export function pkiRequests(template: string): { fn: string; path: string; params: Record<string, string> }[] {
  return [...template.matchAll(/\b(secret|pkiCert) "([^"]+\/issue\/[^"]+)"((?: "[^"]*")*)/g)].map((m) => ({
    fn: m[1]!,
    path: m[2]!,
    params: Object.fromEntries([...m[3]!.matchAll(/"([a-z_]+)=([^"]*)"/g)].map((p) => [p[1]!, p[2]!])),
  }));
}

/** The PEM blocks of a text, also when a YAML block scalar indents them. */
export function pemBlocks(text: string): { type: string; pem: string }[] {
  const flat = text
    .split('\n')
    .map((l) => l.trim())
    .join('\n');
  return [...flat.matchAll(/-----BEGIN ([A-Z ]+)-----\n[A-Za-z0-9+/=\n]+?-----END \1-----/g)].map((m) => ({ type: m[1]!, pem: `${m[0]}\n` }));
}

const sanNames = (c: X509Certificate): string[] =>
  (c.subjectAltName ?? '')
    .split(', ')
    .filter((s) => s.startsWith('DNS:'))
    .map((s) => s.slice(4))
    .sort();
const cnOf = (c: X509Certificate): string => /(?:^|\n)CN=([^\n]+)/.exec(c.subject)?.[1] ?? '';

/** What is wrong with one PKI-issued file, for the names its template asked. */
export function certificateProblems(file: string, text: string, params: Record<string, string>, chain: readonly X509Certificate[]): string[] {
  const problems: string[] = [];
  const blocks = pemBlocks(text);
  // The issued bundle is the certificates before the key (leaf first); a file may hold other certificates after
  // it (Traefik's tls.yml: the CA a serversTransport trusts), which are not part of the chain.
  const firstKey = blocks.findIndex((b) => /PRIVATE KEY$/.test(b.type));
  const certs = blocks
    .slice(0, firstKey < 0 ? blocks.length : firstKey)
    .filter((b) => b.type === 'CERTIFICATE')
    .map((b) => new X509Certificate(b.pem));
  const keys = blocks.filter((b) => /PRIVATE KEY$/.test(b.type));
  const leaf = certs[0];
  if (!leaf) return [`${file}: no certificate`];
  const asked = [params.common_name ?? '', ...(params.alt_names ? params.alt_names.split(',') : [])].filter(Boolean).sort();
  if (cnOf(leaf) !== params.common_name) problems.push(`${file}: CN ${cnOf(leaf)}, asked ${params.common_name}`);
  if (JSON.stringify(sanNames(leaf)) !== JSON.stringify([...new Set(asked)].sort())) problems.push(`${file}: DNS names ${sanNames(leaf).join(',')}, asked ${asked.join(',')}`);
  if (keys.length !== 1) problems.push(`${file}: ${keys.length} private keys`);
  else {
    const want = params.private_key_format === 'pkcs8' ? 'PRIVATE KEY' : 'RSA PRIVATE KEY';
    if (keys[0]!.type !== want)
      problems.push(`${file}: key block ${keys[0]!.type}, expected ${want}${params.private_key_format ? ` (private_key_format=${params.private_key_format})` : ''}`);
    if (!leaf.checkPrivateKey(createPrivateKey(keys[0]!.pem))) problems.push(`${file}: the key is not the certificate's`);
  }
  // Each certificate of the bundle is signed by the next; the last one by a certificate of the mount's chain.
  for (let i = 0; i + 1 < certs.length; i++) if (!certs[i]!.verify(certs[i + 1]!.publicKey)) problems.push(`${file}: certificate ${i} is not signed by ${i + 1}`);
  const last = certs[certs.length - 1]!;
  if (!chain.some((c) => last.verify(c.publicKey))) problems.push(`${file}: not issued under the mount's chain`);
  return problems;
}

/**
 * What is wrong with one agent run's files: a template not rendered or rendered empty or with `<no value>`,
 * a mode other than the perms asked, a PKI file (certificateProblems), a `ca_chain` file that does not end in a
 * root, a file of one KV value that is not exactly what DAY0 put, a YAML file that does not parse.
 */
export function renderProblems(
  cfg: AgentConfig,
  r: Pick<Rendered, 'files' | 'modes'>,
  chain: readonly X509Certificate[],
  kvValues: readonly { path: string; key: string; value: string }[],
): string[] {
  const problems: string[] = [];
  for (const t of cfg.template ?? []) {
    const text = r.files.get(t.destination);
    if (text === undefined) {
      problems.push(`${t.destination}: not rendered`);
      continue;
    }
    if (text.includes('<no value>')) problems.push(`${t.destination}: <no value>`);
    if (text.trim() === '') problems.push(`${t.destination}: empty`);
    if (t.perms && r.modes.get(t.destination) !== t.perms.padStart(4, '0')) problems.push(`${t.destination}: mode ${r.modes.get(t.destination)}, asked ${t.perms}`);
    for (const req of pkiRequests(t.contents)) problems.push(...certificateProblems(t.destination, text, req.params, chain));
    if (/\/cert\/ca_chain"/.test(t.contents)) {
      const certs = pemBlocks(text).map((b) => new X509Certificate(b.pem));
      const top = certs[certs.length - 1];
      if (certs.length < 2 || !top || top.issuer !== top.subject)
        problems.push(`${t.destination}: the chain holds ${certs.length} certificates and ends in ${top?.subject ?? 'nothing'}, not a root`);
    }
    // A file of one KV value holds exactly what DAY0's command put (no newline, nothing around it).
    const kv = /^\{\{- with secret "[^"/]+\/data\/([^"]+)" -\}\}\{\{ \.Data\.data\.([A-Za-z0-9_]+) \}\}\{\{- end \}\}$/.exec(t.contents);
    const put = kv && kvValues.find((x) => x.path === kv[1] && x.key === kv[2]);
    if (kv && text !== put?.value) problems.push(`${t.destination}: not the value DAY0 put at ${kv[1]} ${kv[2]}`);
    if (/\.ya?ml$/.test(t.destination)) {
      try {
        parseYaml(text);
      } catch (e) {
        problems.push(`${t.destination}: not YAML (${(e as Error).message.split('\n')[0]})`);
      }
    }
  }
  return problems;
}
