/**
 * A real Kubernetes control plane for the tests, in the manner of controller-runtime's envtest
 * (pkg/internal/testing/controlplane at v0.24.1): etcd and kube-apiserver, built from their Go modules at the
 * pins (tools/programs.ts), on loopback with free ports, in a temporary folder, RBAC authorization, a client CA
 * and an admin client certificate made at start, the service-account signing keys, and the k3s Pod Security
 * admission configuration of the site (dist/bootstrap/k3s/psa.yaml). No kubelet, no controller-manager: nothing
 * runs a pod, collects garbage, finalizes namespaces or creates the `default` ServiceAccounts.
 *
 * Started once per Jest run and shared by every test file: the global setup (test/lib/control-plane-setup.ts)
 * names a run folder; the first test that asks for a site's control plane starts it (a lock folder makes it
 * once), the others wait for its `ready.json`; the global teardown stops every process it finds there. Without
 * the global setup (one file run by hand) a test file starts its own and stops it after its tests. The logs of
 * the last run are kept (`logsOf()`; every failure message of the client names the folder).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtTool, toolPath } from '../../tools/paths';

/** Where a running control plane is and how to reach it as the cluster admin. */
export interface ControlPlaneInfo {
  /** https://127.0.0.1:<port> */
  readonly server: string;
  /** PEM files: the CA that signed the serving and client certificates, the admin's certificate and key. */
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
  /** A kubeconfig for kubectl-like tools. */
  readonly kubeconfig: string;
  /** Folder with etcd.log and kube-apiserver.log. */
  readonly logs: string;
  /** Process ids to stop. */
  readonly pids: readonly number[];
}

/** The environment variable the global setup sets: the run's folder, shared by every worker. */
export const RUN_ENV = 'DOMUS_CONTROL_PLANE_RUN';
/** Where the logs of the last run stay after the teardown. */
export const LAST_RUN = join(tmpdir(), 'domus-control-plane-last');

/** The programs the control plane needs, or a sentence saying how to get them. */
export function controlPlaneTools(): { etcd: string; apiserver: string } | { missing: string } {
  const etcd = builtTool('etcd');
  const apiserver = builtTool('kube-apiserver');
  if (etcd && apiserver) return { etcd, apiserver };
  const absent = [!etcd ? toolPath('etcd') : undefined, !apiserver ? toolPath('kube-apiserver') : undefined].filter((x): x is string => !!x);
  return { missing: `not built: ${absent.join(', ')} (run \`npm run tools\`; it needs Go ≥ 1.22 from https://go.dev/dl/)` };
}

/** CI sets this: a missing program fails the run instead of skipping the control-plane tests. */
export const requireTools = (): boolean => process.env.DOMUS_REQUIRE_TOOLS === '1' || process.env.CI === 'true';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

function openssl(args: readonly string[], cwd: string): void {
  const r = spawnSync('openssl', args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${r.stderr || r.error?.message}`);
}

/** A CA, a serving certificate for 127.0.0.1 and an admin client certificate (group system:masters). */
function makeCertificates(dir: string): void {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(
    [
      'req',
      '-x509',
      ...ec,
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
      '-days',
      '2',
      '-subj',
      '/CN=domus-test-ca',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ],
    dir,
  );
  const leaf = (name: string, subject: string, ext: string) => {
    writeFileSync(join(dir, `${name}.ext`), ext);
    openssl(['req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject], dir);
    openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', '-extfile', `${name}.ext`], dir);
  };
  leaf('serving', '/CN=127.0.0.1', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature\n');
  // The client CA authenticates the certificate's CN as the user and each O as a group (x509 request authenticator).
  leaf('admin', '/O=system:masters/CN=domus-test-admin', 'extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature\n');
  const sa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  writeFileSync(join(dir, 'sa.key'), sa.privateKey.export({ type: 'pkcs8', format: 'pem' }));
  writeFileSync(join(dir, 'sa.pub'), sa.publicKey.export({ type: 'spki', format: 'pem' }));
}

function startProcess(bin: string, args: readonly string[], log: string): ChildProcess {
  const fd = openSync(log, 'a');
  const p = spawn(bin, args, { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  // The test worker may end before the teardown stops the program: do not hold the worker's event loop.
  p.unref();
  return p;
}

async function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function waitFor(what: string, probe: () => Promise<boolean>, proc: ChildProcess, log: string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (proc.exitCode !== null) throw new Error(`${what} exited with ${proc.exitCode}; log: ${log}\n${tail(log)}`);
    if (await probe().catch(() => false)) return;
    await sleep(250);
  }
  throw new Error(`${what} not ready after ${timeoutMs / 1000} s; log: ${log}\n${tail(log)}`);
}

function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** GET over https with the admin certificate; resolves with the status code. */
async function adminGet(info: Pick<ControlPlaneInfo, 'server' | 'caFile' | 'certFile' | 'keyFile'>, path: string): Promise<number> {
  const { request } = await import('node:https');
  return new Promise((resolve, reject) => {
    const req = request(`${info.server}${path}`, { ca: readFileSync(info.caFile), cert: readFileSync(info.certFile), key: readFileSync(info.keyFile), timeout: 5000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end();
  });
}

/** What a site's k3s server passes its kube-apiserver (dist/bootstrap/k3s). */
export interface ServerSettings {
  /** The text of the admission configuration (psa.yaml). */
  readonly admissionConfig: string;
  /** k3s' service-cidr. */
  readonly serviceCidr: string;
  /**
   * Call admission webhooks (the Vault injector's live test runs the injector as one, on its own control plane).
   * @default false: the shared control plane has no webhook server, pods are admitted as the template writes them
   */
  readonly admissionWebhooks?: boolean;
}

/**
 * Starts etcd and kube-apiserver in `dir` (created), with the site's admission configuration and Service
 * range. Resolves when /readyz answers 200 (every post-start hook, the RBAC bootstrap roles among them, ran).
 */
export async function startControlPlane(dir: string, settings: ServerSettings): Promise<ControlPlaneInfo> {
  if (!/^[0-9a-f.:]+\/\d+$/.test(settings.serviceCidr)) throw new Error(`service CIDR ${settings.serviceCidr} is not a CIDR`);
  const tools = controlPlaneTools();
  if ('missing' in tools) throw new Error(tools.missing);
  mkdirSync(dir, { recursive: true });
  const certs = join(dir, 'pki');
  mkdirSync(certs, { recursive: true });
  makeCertificates(certs);
  writeFileSync(join(dir, 'admission.yaml'), settings.admissionConfig);
  const [etcdClient, etcdPeer, securePort] = [await freePort(), await freePort(), await freePort()];
  const logs = join(dir, 'logs');
  mkdirSync(logs, { recursive: true });

  // etcd flags as envtest passes them (etcd.go), plus the peer URLs a single member needs to agree on.
  const etcdUrl = `http://127.0.0.1:${etcdClient}`;
  const peerUrl = `http://127.0.0.1:${etcdPeer}`;
  const etcdLog = join(logs, 'etcd.log');
  const etcd = startProcess(
    tools.etcd,
    [
      `--data-dir=${join(dir, 'etcd')}`,
      `--listen-client-urls=${etcdUrl}`,
      `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=${peerUrl}`,
      `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=default=${peerUrl}`,
      '--unsafe-no-fsync=true',
      '--log-level=warn',
    ],
    etcdLog,
  );
  const pids = [etcd.pid ?? 0];
  writeFileSync(join(dir, 'pids.json'), JSON.stringify(pids));
  await waitFor(
    'etcd',
    async () => {
      const r = await fetch(`${etcdUrl}/health`);
      return r.ok && ((await r.json()) as { health?: string }).health === 'true';
    },
    etcd,
    etcdLog,
    60_000,
  );

  const apiLog = join(logs, 'kube-apiserver.log');
  const apiserver = startProcess(
    tools.apiserver,
    [
      `--etcd-servers=${etcdUrl}`,
      `--cert-dir=${certs}`,
      `--tls-cert-file=${join(certs, 'serving.crt')}`,
      `--tls-private-key-file=${join(certs, 'serving.key')}`,
      `--client-ca-file=${join(certs, 'ca.crt')}`,
      `--secure-port=${securePort}`,
      '--bind-address=127.0.0.1',
      `--service-cluster-ip-range=${settings.serviceCidr}`,
      '--allow-privileged=true',
      '--authorization-mode=RBAC',
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${join(certs, 'sa.pub')}`,
      `--service-account-signing-key-file=${join(certs, 'sa.key')}`,
      // k3s passes the site's psa.yaml the same way (day0: kube-apiserver-arg admission-control-config-file).
      `--admission-control-config-file=${join(dir, 'admission.yaml')}`,
      // No webhook server runs here: the Vault injector's MutatingWebhookConfiguration is created (and validated)
      // but not called. Pods are admitted as they are before the injector adds its containers. (The Vault live
      // test starts a control plane of its own that calls webhooks, with the injector running as one.)
      ...(settings.admissionWebhooks ? [] : ['--disable-admission-plugins=MutatingAdmissionWebhook']),
      '--v=1',
    ],
    apiLog,
  );
  pids.push(apiserver.pid ?? 0);
  writeFileSync(join(dir, 'pids.json'), JSON.stringify(pids));
  const info: ControlPlaneInfo = {
    server: `https://127.0.0.1:${securePort}`,
    caFile: join(certs, 'ca.crt'),
    certFile: join(certs, 'admin.crt'),
    keyFile: join(certs, 'admin.key'),
    kubeconfig: join(dir, 'kubeconfig.yaml'),
    logs,
    pids,
  };
  await waitFor('kube-apiserver', async () => (await adminGet(info, '/readyz')) === 200, apiserver, apiLog, 240_000);
  writeFileSync(
    info.kubeconfig,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      `- name: test\n  cluster:\n    server: ${info.server}\n    certificate-authority: ${info.caFile}`,
      'users:',
      `- name: admin\n  user:\n    client-certificate: ${info.certFile}\n    client-key: ${info.keyFile}`,
      'contexts:',
      '- name: test\n  context:\n    cluster: test\n    user: admin',
      'current-context: test',
      '',
    ].join('\n'),
  );
  return info;
}

/** Stops the processes of a control plane folder (SIGTERM, then SIGKILL) and removes its etcd data. */
export async function stopControlPlane(dir: string): Promise<void> {
  const file = join(dir, 'pids.json');
  const pids = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as number[]) : [];
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  // The apiserver first, so it does not log etcd's absence.
  for (const pid of [...pids].reverse()) {
    if (pid > 0 && alive(pid)) process.kill(pid, 'SIGTERM');
    for (let i = 0; i < 40 && pid > 0 && alive(pid); i++) await sleep(100);
    if (pid > 0 && alive(pid)) process.kill(pid, 'SIGKILL');
  }
  rmSync(join(dir, 'etcd'), { recursive: true, force: true });
}

const ownPlanes = new Map<string, Promise<ControlPlaneInfo>>();

/**
 * The control plane for `key` (one per site: both sites' objects have the same names), started on first use.
 * Shared across test files when the global setup ran; otherwise owned by this file (stop with `releaseOwn()`).
 */
export async function controlPlane(key: string, settings: ServerSettings): Promise<ControlPlaneInfo> {
  if (!/^[a-z0-9-]+$/.test(key)) throw new Error(`control plane key ${key}: lowercase letters, digits and dashes only`);
  const run = process.env[RUN_ENV];
  if (!run) {
    let p = ownPlanes.get(key);
    if (!p) {
      p = startControlPlane(mkdtempSync(join(tmpdir(), `domus-cp-${key}-`)), settings);
      ownPlanes.set(key, p);
    }
    return p;
  }
  const dir = join(run, key);
  const ready = join(dir, 'ready.json');
  const failed = join(dir, 'failed.txt');
  let mine: boolean;
  try {
    mkdirSync(`${dir}.lock`);
    mine = true;
  } catch {
    mine = false;
  }
  if (mine) {
    try {
      const info = await startControlPlane(dir, settings);
      writeFileSync(ready, JSON.stringify(info));
      return info;
    } catch (e) {
      mkdirSync(dir, { recursive: true });
      writeFileSync(failed, String((e as Error).message));
      throw e;
    }
  }
  for (let i = 0; i < 2400; i++) {
    if (existsSync(ready)) return JSON.parse(readFileSync(ready, 'utf8')) as ControlPlaneInfo;
    if (existsSync(failed)) throw new Error(readFileSync(failed, 'utf8'));
    await sleep(250);
  }
  throw new Error(`control plane ${key} was not ready after 10 minutes (${dir})`);
}

/** Stops the control planes this file started itself (no global setup). */
export async function releaseOwn(): Promise<void> {
  for (const [key, p] of ownPlanes) {
    ownPlanes.delete(key);
    const info = await p.catch(() => undefined);
    if (info) await stopControlPlane(join(info.logs, '..'));
  }
}
