/**
 * Argo CD for real (issue 20): the pinned Argo CD (one binary built from its Go module, tools/programs.ts),
 * its repo-server and application controller as processes on loopback against the test control plane
 * (test/lib/control-plane.ts), reading this repository's dist/ from a local git repository.
 *
 * What the test copies and what it changes (docs/adr/0160-live-gitops.md):
 *  - the stack's repository is a `file://` git repository holding a copy of the working tree's dist/ at `main`;
 *    the LAN mirrors are `file://` repositories holding the upstream CRD folder of each mirror at its pinned tag,
 *    read from the Go module of that tag (the files the LAN mirror serves; test/lib/stack-on-api.ts does the same);
 *  - in that copy only: every Application's `repoURL` and the AppProject's `sourceRepos` name the local
 *    repositories instead of git.domus.lan, and argocd-cm has the test's health checks (HEALTH_OVERRIDES):
 *    nothing runs a pod here, so no workload ever becomes Healthy and every health-gated wave would wait forever;
 *  - each process gets the container's arguments from dist/ with the addresses of the other components moved
 *    to loopback ports, and the image's default paths (/app/config/..., /tmp, /home/argocd) moved under a
 *    temporary folder that holds the mounted ConfigMaps' files;
 *  - the controller talks to the API server with a token of its ServiceAccount (TokenRequest), so it holds
 *    exactly the RBAC that DAY0 applied; `ARGOCD_FAKE_IN_CLUSTER=true` makes it use that kubeconfig for the
 *    in-cluster destination https://kubernetes.default.svc (argo-cd pkg/apis/application/v1alpha1 types.go
 *    RawRestConfig, the switch upstream's own local runs use: Procfile).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { ARGOCD_LIVE_FACTS as F } from '../../conformance/facts/argocd-live';
import { builtTool, programOf, toolPath } from '../../tools/paths';
import { podSpecOf } from '../../verify/load';
import type { Doc } from '../../verify/types';
import type { ControlPlaneInfo } from './control-plane';
import type { KubeObject } from './kube-client';
import { moduleDir } from './stack-on-api';

/** The programs this test runs besides the control plane. */
export const ARGO_PROGRAMS = ['argocd', 'kustomize', 'miniredis'] as const;

/** The built programs, or a sentence naming what is missing and how to build it. */
export function argoTools(): { argocd: string; kustomize: string; miniredis: string } | { missing: string } {
  const [argocd, kustomize, miniredis] = ARGO_PROGRAMS.map((n) => builtTool(n));
  if (argocd && kustomize && miniredis) return { argocd, kustomize, miniredis };
  const absent = ARGO_PROGRAMS.filter((n) => !builtTool(n)).map((n) => `${n} ${programOf(n).version} (${toolPath(n)})`);
  return { missing: `not built: ${absent.join(', ')} (run \`npm run tools\`)` };
}

/**
 * The test's health checks (added to argocd-cm in the test's copy only; argocd-cm key
 * `resource.customizations.health.<group>_<kind>`, `<kind>` for the core group: argo-cd util/settings
 * convertToOverrideKey). Nothing runs a pod here, nothing assigns a load-balancer address: a workload, a Job
 * and a LoadBalancer Service never become Healthy, and Argo CD waits on the health of each wave before the
 * next one, inside an Application and in the root. These kinds are reported Healthy, with a message saying
 * why; every other kind keeps Argo CD's own check, and the stack's Application check (the child's health) is
 * the stack's own, so the root's waves wait on it as in the cluster.
 */
export const HEALTH_OVERRIDES: Readonly<Record<string, string>> = Object.fromEntries(
  ['apps_Deployment', 'apps_StatefulSet', 'apps_DaemonSet', 'batch_Job', 'Service'].map((k) => [
    `resource.customizations.health.${k}`,
    'hs = {}\nhs.status = "Healthy"\nhs.message = "test override: no kubelet, controller-manager or load balancer runs here"\nreturn hs\n',
  ]),
);

/** Runs git with a fixed identity and no user or system configuration. */
export function git(args: readonly string[], cwd: string): string {
  const r = spawnSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: cwd,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_AUTHOR_NAME: 'domus test',
      GIT_AUTHOR_EMAIL: 'test@domus.invalid',
      GIT_COMMITTER_NAME: 'domus test',
      GIT_COMMITTER_EMAIL: 'test@domus.invalid',
      GIT_AUTHOR_DATE: '2026-01-01T00:00:00Z',
      GIT_COMMITTER_DATE: '2026-01-01T00:00:00Z',
    },
  });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')} in ${cwd}: ${r.stderr || r.error?.message}`);
  return r.stdout.trim();
}

/** A local git repository served as `file://` (a working repository: Argo CD fetches from it like from a remote). */
export class LocalRepo {
  readonly url: string;
  constructor(
    readonly dir: string,
    branch: string,
  ) {
    mkdirSync(dir, { recursive: true });
    git(['init', '-q', '-b', branch], dir);
    this.url = `file://${dir}`;
  }

  write(rel: string, text: string): void {
    const p = join(this.dir, rel);
    if (relative(this.dir, p).startsWith('..')) throw new Error(`${rel} is outside the repository`);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, text);
  }

  read(rel: string): string {
    return readFileSync(join(this.dir, rel), 'utf8');
  }

  /** Commits everything; returns the commit's hash. */
  commit(message: string): string {
    git(['add', '-A'], this.dir);
    git(['commit', '-q', '--allow-empty', '-m', message], this.dir);
    return git(['rev-parse', 'HEAD'], this.dir);
  }

  tag(name: string): void {
    git(['tag', name], this.dir);
  }
}

/** Every file under `dir`, by path relative to it. */
function filesUnder(dir: string, base = dir): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of readdirSync(dir).sort()) {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) for (const [k, v] of filesUnder(p, base)) out.set(k, v);
    else out.set(relative(base, p), readFileSync(p, 'utf8'));
  }
  return out;
}

/** Parses a multi-document YAML file into objects (comments dropped: the copy is read by Argo CD, not people). YAML 1.1 both ways: Go's YAML reads `no` as false. */
export function objectsOfText(text: string): KubeObject[] {
  return parseAllDocuments(text, { version: '1.1' }).flatMap((d) => {
    if (d.errors.length) throw new Error(d.errors[0]!.message);
    const o = d.toJS() as KubeObject | null;
    return o && typeof o === 'object' && 'kind' in o ? [o] : [];
  });
}

export const textOfObjects = (objects: readonly KubeObject[]): string => objects.map((o) => stringify(o, { version: '1.1', lineWidth: 0 })).join('---\n');

/** The upstream mirror of a repoURL (`https://git.domus.lan/homelab/argo-cd.git` → `argo-cd`), or undefined for the stack's own. */
const mirrorName = (url: string): string =>
  (
    url
      .replace(/\.git$/, '')
      .split('/')
      .pop() ?? ''
  ).toLowerCase();

/** Where each repository of the stack lives in the test: URL as dist/ writes it → local file:// URL. */
export type RepoMap = ReadonlyMap<string, string>;

/**
 * The test's copy of dist/: Applications and the AppProject name the local repositories, argocd-cm has the
 * health override. Nothing else changes.
 */
export function testCopyOfDist(files: ReadonlyMap<string, string>, repos: RepoMap): Map<string, string> {
  const out = new Map(files);
  for (const [rel, text] of files) {
    if (!/\.ya?ml$/.test(rel) || !/kind: (Application|AppProject|ConfigMap)\b/.test(text)) continue;
    const objects = objectsOfText(text);
    let changed = false;
    for (const o of objects) {
      const spec = o.spec as { source?: { repoURL?: string }; sourceRepos?: string[] } | undefined;
      if (o.kind === 'Application' && spec?.source?.repoURL) {
        const to = repos.get(spec.source.repoURL);
        if (!to) throw new Error(`Application ${o.metadata.name}: no local repository for ${spec.source.repoURL}`);
        spec.source.repoURL = to;
        changed = true;
      }
      if (o.kind === 'AppProject' && spec?.sourceRepos) {
        spec.sourceRepos = spec.sourceRepos.map((u) => repos.get(u) ?? u);
        changed = true;
      }
      if (o.kind === 'ConfigMap' && o.metadata.name === 'argocd-cm') {
        o.data = { ...((o.data ?? {}) as Record<string, string>), ...HEALTH_OVERRIDES };
        changed = true;
      }
    }
    if (changed) out.set(rel, textOfObjects(objects));
  }
  return out;
}

/** The local repositories: the stack's (dist/ under the site's git path) and one per upstream mirror at its tag. */
export interface Repos {
  readonly root: string;
  readonly stack: LocalRepo;
  readonly map: RepoMap;
  /** The stack repository's folder of dist/ (the site's git.path). */
  readonly distPath: string;
  /** The commit of the first copy. */
  readonly first: string;
}

/**
 * Builds the repositories from `dist` (a folder: the working tree's dist/) and the Applications in `docs`.
 * `stackUrl` is the site's git.repoURL, `distPath` its git.path.
 */
export function makeRepos(dist: string, docs: readonly Doc[], stackUrl: string, distPath: string): Repos {
  const root = mkdtempSync(join(tmpdir(), 'domus-argocd-git-'));
  const stack = new LocalRepo(join(root, 'domus-digitalis-stack'), 'main');
  const map = new Map<string, string>([[stackUrl, stack.url]]);
  for (const d of docs.filter((x) => x.obj.kind === 'Application')) {
    const src = (d.obj.spec as { source?: { repoURL?: string; path?: string; targetRevision?: string } }).source ?? {};
    if (!src.repoURL || map.has(src.repoURL)) continue;
    const name = mirrorName(src.repoURL);
    const module = { 'argo-cd': 'github.com/argoproj/argo-cd', traefik: 'github.com/traefik/traefik' }[name];
    if (!module || !src.targetRevision || !src.path) throw new Error(`Application ${d.obj.metadata.name}: no upstream module known for ${src.repoURL}`);
    const mirror = new LocalRepo(join(root, name), 'master');
    // Only the folder the Application reads: the rest of the upstream tree is not needed to build it.
    cpSync(join(moduleDir(module, src.targetRevision), src.path), join(mirror.dir, src.path), { recursive: true });
    mirror.commit(`${name} ${src.targetRevision}: ${src.path}`);
    mirror.tag(src.targetRevision);
    map.set(src.repoURL, mirror.url);
  }
  const files = testCopyOfDist(filesUnder(dist), map);
  for (const [rel, text] of files) stack.write(join(distPath, rel), text);
  const first = stack.commit('dist/ of the working tree (test copy)');
  return { root, stack, map, distPath, first };
}

/** A child process with its log file. */
export interface Proc {
  readonly name: string;
  readonly proc: ChildProcess;
  readonly log: string;
}

function start(name: string, bin: string, args: readonly string[], env: NodeJS.ProcessEnv, logDir: string): Proc {
  const log = join(logDir, `${name}.log`);
  const fd = openSync(log, 'a');
  const proc = spawn(bin, args, { stdio: ['ignore', fd, fd], env });
  closeSync(fd);
  proc.unref();
  return { name, proc, log };
}

export function tail(file: string, lines = 40): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** Stops a process it started (SIGTERM, then SIGKILL after 5 s). */
export async function stop(p: Proc): Promise<void> {
  if (p.proc.exitCode !== null || p.proc.signalCode !== null) return;
  const done = new Promise<void>((r) => p.proc.once('exit', () => r()));
  p.proc.kill('SIGTERM');
  const timer = setTimeout(() => p.proc.kill('SIGKILL'), 5000);
  await done;
  clearTimeout(timer);
}

/** Polls `probe` every 500 ms until it returns a value; fails with `what` and the logs after `timeoutMs`. */
export async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number, procs: readonly Proc[] = []): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    for (const p of procs) if (p.proc.exitCode !== null) throw new Error(`${p.name} exited with ${p.proc.exitCode} while waiting for ${what}:\n${tail(p.log)}`);
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`${what}: not reached after ${timeoutMs / 1000} s${last ? ` (${String(last)})` : ''}; logs: ${procs.map((p) => p.log).join(', ')}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** The container `container` of the workload `name` in dist: its arguments and environment. */
interface ContainerSpec {
  args?: string[];
  command?: string[];
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string }; configMapKeyRef?: { name: string; key: string } } }[];
  volumeMounts?: { name: string; mountPath: string }[];
}

/**
 * A component's command line as its container in dist/ runs it: argv without the binary, the environment
 * (configMapKeyRef values from dist, secretKeyRef values from `secrets`), the ConfigMap mounts' files.
 */
export function componentOf(
  docs: readonly Doc[],
  workload: string,
  namespace: string,
  secrets: Readonly<Record<string, string>>,
): { binary: string; args: string[]; env: Record<string, string>; files: Map<string, string>; dirs: string[] } {
  const owner = docs.find((d) => ['Deployment', 'StatefulSet'].includes(d.obj.kind) && d.obj.metadata.name === workload && d.obj.metadata.namespace === namespace);
  const tpl = owner ? podSpecOf(owner.obj) : undefined;
  if (!tpl) throw new Error(`no workload ${namespace}/${workload} in dist`);
  const spec = tpl.spec as unknown as { containers: ContainerSpec[]; volumes?: { name: string; configMap?: { name: string } }[] };
  if (spec.containers.length !== 1) throw new Error(`${workload}: expected one container`);
  const c = spec.containers[0]!;
  const argv = [...(c.command ?? []), ...(c.args ?? [])];
  const binary = (argv.shift() ?? '').split('/').pop() ?? '';
  const cm = (name: string): Record<string, string> =>
    (docs.find((d) => d.obj.kind === 'ConfigMap' && d.obj.metadata.name === name && d.obj.metadata.namespace === namespace)?.obj as { data?: Record<string, string> } | undefined)
      ?.data ?? {};
  const env: Record<string, string> = {};
  for (const e of c.env ?? []) {
    if (e.value !== undefined) env[e.name] = e.value;
    else if (e.valueFrom?.configMapKeyRef) env[e.name] = cm(e.valueFrom.configMapKeyRef.name)[e.valueFrom.configMapKeyRef.key] ?? '';
    else if (e.valueFrom?.secretKeyRef) {
      const v = secrets[`${e.valueFrom.secretKeyRef.name}/${e.valueFrom.secretKeyRef.key}`];
      if (v === undefined) throw new Error(`${workload}: no test value for secret ${e.valueFrom.secretKeyRef.name} key ${e.valueFrom.secretKeyRef.key}`);
      env[e.name] = v;
    }
  }
  const files = new Map<string, string>();
  const dirs: string[] = [];
  for (const m of c.volumeMounts ?? []) {
    const v = (spec.volumes ?? []).find((x) => x.name === m.name);
    if (v?.configMap) for (const [k, text] of Object.entries(cm(v.configMap.name))) files.set(`${m.mountPath}/${k}`, text);
    else dirs.push(m.mountPath);
  }
  return { binary, args: argv, env, files, dirs };
}

/** Replaces the value of `--flag value` (or `--flag=value`); adds the flag when absent. */
export function setFlag(args: readonly string[], flag: string, value: string): string[] {
  const out = [...args];
  const i = out.findIndex((a) => a === flag || a.startsWith(`${flag}=`));
  if (i < 0) return [...out, flag, value];
  if (out[i] === flag) out[i + 1] = value;
  else out[i] = `${flag}=${value}`;
  return out;
}

/** The running Argo CD: Redis, the repo-server, the application controller. */
export interface RunningArgo {
  readonly redis: Proc;
  readonly repoServer: Proc;
  readonly controller: Proc;
  readonly dir: string;
  stopAll(): Promise<void>;
}

async function listeningLine(p: Proc, pattern: RegExp): Promise<RegExpExecArray> {
  return until(`${p.name} listening`, async () => pattern.exec(readFileSync(p.log, 'utf8')) ?? undefined, 60_000, [p]);
}

/** A free port on 127.0.0.1 (closed before the program binds it). */
async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** The image's default paths that the processes would otherwise read on this machine (conformance/facts/argocd-live.ts). */
const IMAGE_PATH_ENV: Readonly<Record<string, string>> = F.imagePaths.value;

/**
 * Starts Redis, the repo-server and the controller. `token` is the controller ServiceAccount's token; the
 * components' arguments come from dist (`docs`), with addresses moved to loopback.
 */
export async function startArgo(info: ControlPlaneInfo, docs: readonly Doc[], token: string, namespace: string): Promise<RunningArgo> {
  const tools = argoTools();
  if ('missing' in tools) throw new Error(tools.missing);
  const dir = mkdtempSync(join(tmpdir(), 'domus-argocd-run-'));
  const logs = join(dir, 'logs');
  const bin = join(dir, 'bin');
  mkdirSync(logs, { recursive: true });
  mkdirSync(bin, { recursive: true });
  // One binary, the component chosen by the name it runs as (argo-cd cmd/main.go); kustomize on the PATH.
  for (const n of ['argocd-repo-server', 'argocd-application-controller']) symlinkSync(tools.argocd, join(bin, n));
  symlinkSync(tools.kustomize, join(bin, 'kustomize'));
  const redisPassword = randomBytes(18).toString('base64url');
  const secrets = { 'argocd-redis/auth': redisPassword };
  const base: NodeJS.ProcessEnv = { PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}` };

  const redis = start('miniredis', tools.miniredis, ['-addr', '127.0.0.1:0'], { ...base, REDIS_PASSWORD: redisPassword }, logs);
  const redisAddr = (await listeningLine(redis, /listening on (127\.0\.0\.1:\d+)/))[1]!;

  const procEnv = (root: string, c: ReturnType<typeof componentOf>): NodeJS.ProcessEnv => {
    const under = (p: string) => join(root, p);
    for (const d of c.dirs) mkdirSync(under(d), { recursive: true });
    for (const [p, text] of c.files) {
      mkdirSync(dirname(under(p)), { recursive: true });
      writeFileSync(under(p), text);
    }
    for (const p of Object.values(IMAGE_PATH_ENV)) mkdirSync(under(p), { recursive: true });
    // Values of the container's environment that are paths under its mounts move under the root too.
    const mounted = (v: string) => [...c.dirs, ...[...c.files.keys()].map(dirname)].some((m) => v === m || v.startsWith(`${m}/`));
    const env = Object.fromEntries(Object.entries(c.env).map(([k, v]) => [k, mounted(v) ? under(v) : v]));
    return {
      ...base,
      ...env,
      ...Object.fromEntries(Object.entries(IMAGE_PATH_ENV).map(([k, v]) => [k, under(v)])),
      HOME: under('/home/argocd'),
      TMPDIR: under('/tmp'),
      // GnuPG needs the image's gpg and gpg-wrapper.sh; the stack verifies no signatures (no keys in
      // argocd-gpg-keys-cm, no signatureKeys in its project), so the test runs without it (ADR 0160).
      ARGOCD_GPG_ENABLED: 'false',
    };
  };

  // The repo-server: no ServiceAccount token (its pod does not mount one), plain loopback ports.
  const rs = componentOf(docs, 'argocd-repo-server', namespace, secrets);
  const rsRoot = join(dir, 'repo-server');
  const [rsPort, rsMetrics] = [await freePort(), await freePort()];
  let rsArgs = setFlag(rs.args, '--redis', redisAddr);
  rsArgs = setFlag(rsArgs, '--address', '127.0.0.1');
  rsArgs = setFlag(rsArgs, '--port', String(rsPort));
  rsArgs = setFlag(rsArgs, '--metrics-address', '127.0.0.1');
  rsArgs = setFlag(rsArgs, '--metrics-port', String(rsMetrics));
  const repoServer = start('argocd-repo-server', join(bin, rs.binary), rsArgs, procEnv(rsRoot, rs), logs);

  // The controller: the ServiceAccount's token, namespace argocd, in a kubeconfig.
  const ctl = componentOf(docs, 'argocd-application-controller', namespace, secrets);
  const ctlRoot = join(dir, 'application-controller');
  const kubeconfig = join(dir, 'controller.kubeconfig');
  writeFileSync(
    kubeconfig,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'test', cluster: { server: info.server, 'certificate-authority': info.caFile } }],
      users: [{ name: 'controller', user: { token } }],
      contexts: [{ name: 'test', context: { cluster: 'test', user: 'controller', namespace } }],
      'current-context': 'test',
    }),
    { mode: 0o600 },
  );
  let ctlArgs = setFlag(ctl.args, '--redis', redisAddr);
  ctlArgs = setFlag(ctlArgs, '--repo-server', `127.0.0.1:${rsPort}`);
  ctlArgs = setFlag(ctlArgs, '--metrics-port', String(await freePort()));
  await until('the repo-server listening', async () => (/argocd-repo-server is listening on/.test(readFileSync(repoServer.log, 'utf8')) ? true : undefined), 120_000, [repoServer]);
  const controller = start(
    'argocd-application-controller',
    join(bin, ctl.binary),
    ctlArgs,
    { ...procEnv(ctlRoot, ctl), KUBECONFIG: kubeconfig, [F.fakeInCluster.value]: 'true' },
    logs,
  );
  const all = [controller, repoServer, redis];
  return {
    redis,
    repoServer,
    controller,
    dir,
    async stopAll() {
      for (const p of all) await stop(p);
    },
  };
}

/** Removes a folder made by this module (the logs stay when `keep`). */
export function cleanup(dir: string | undefined, keep = false): void {
  if (dir && existsSync(dir) && !keep) rmSync(dir, { recursive: true, force: true });
}

/** One watch event as recorded: the etcd revision of the object's state, and the state itself. */
export interface Seen {
  readonly type: string;
  readonly key: string;
  readonly rev: number;
  readonly obj: KubeObject;
}

/**
 * Watches collections (cluster-wide list paths, e.g. /apis/apps/v1/deployments) as the admin and records every
 * event. Each event's object carries the resourceVersion of that state: one etcd revision counter for the whole
 * (single-member) store, so revisions of different kinds compare (the ADR says why the test relies on it).
 */
export class Recorder {
  readonly events: Seen[] = [];
  private readonly reqs: { destroy(): void }[] = [];
  private readonly errors: string[] = [];

  constructor(private readonly info: ControlPlaneInfo) {}

  async watch(path: string): Promise<void> {
    const { request } = await import('node:https');
    const opts = { ca: readFileSync(this.info.caFile), cert: readFileSync(this.info.certFile), key: readFileSync(this.info.keyFile) };
    await new Promise<void>((resolve, reject) => {
      const req = request(`${this.info.server}${path}?watch=true&allowWatchBookmarks=false&timeoutSeconds=3600`, { ...opts, headers: { Accept: 'application/json' } }, (res) => {
        if (res.statusCode !== 200) {
          reject(new Error(`watch ${path}: ${res.statusCode}`));
          res.resume();
          return;
        }
        resolve();
        let buf = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buf += chunk;
          let i: number;
          while ((i = buf.indexOf('\n')) >= 0) {
            const line = buf.slice(0, i);
            buf = buf.slice(i + 1);
            if (!line.trim()) continue;
            const ev = JSON.parse(line) as { type: string; object: KubeObject };
            if (ev.type === 'ERROR') {
              this.errors.push(`${path}: ${JSON.stringify(ev.object).slice(0, 300)}`);
              continue;
            }
            const o = ev.object;
            this.events.push({ type: ev.type, key: keyOf(o), rev: Number(o.metadata.resourceVersion), obj: o });
          }
        });
      });
      req.on('error', (e) => {
        if (!('destroyed' in req && req.destroyed)) this.errors.push(`${path}: ${e.message}`);
      });
      req.end();
      this.reqs.push(req);
    });
  }

  /** Watch errors so far (a test asserts there are none: a dropped watch would hide events). */
  problems(): readonly string[] {
    return this.errors;
  }

  close(): void {
    for (const r of this.reqs) r.destroy();
  }
}

/** `group/Kind namespace/name`, the key of an object across kinds. */
export function keyOf(o: Pick<KubeObject, 'apiVersion' | 'kind' | 'metadata'>): string {
  const group = o.apiVersion.includes('/') ? o.apiVersion.split('/')[0]! : '';
  return `${group}/${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}

/** The annotation Argo CD's annotation tracking writes on every object it applies. */
export const TRACKING_ANNOTATION = F.trackingAnnotation.value;

/** An AppProject's `orphanedResources.ignore` entry (each field a glob; an empty kind or name matches any). */
export interface OrphanIgnore {
  readonly group?: string;
  readonly kind?: string;
  readonly name?: string;
}

/** Argo CD's glob (util/glob, gobwas/glob) as the project uses it: `*` for any run of characters, else literal. */
const globMatch = (pattern: string, value: string): boolean =>
  new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  ).test(value);

/**
 * The objects Argo CD would report as orphans (controller/appcontroller.go getResourceTree at v2.14.21): a
 * namespaced object that no existing Application tracks (the tracking annotation is absent or names no
 * Application), unless isKnownOrphanedResourceExclusion matches it (Service default/kubernetes, any
 * ServiceAccount `default`, any ConfigMap `kube-root-ca.crt`, or an ignore entry by group, kind and name).
 * The caller passes only kinds the controller watches (resource.inclusions) and the project admits.
 * Deterministic, unlike the OrphanedResourceWarning condition, which is only recomputed when the Application
 * itself is reconciled (see ADR 0160, defect 3).
 */
export function orphansOf(objects: readonly KubeObject[], ignore: readonly OrphanIgnore[], applications: ReadonlySet<string>): string[] {
  const groupOf = (o: KubeObject) => (o.apiVersion.includes('/') ? o.apiVersion.split('/')[0]! : '');
  const known = (o: KubeObject): boolean => {
    const g = groupOf(o);
    const { name, namespace } = o.metadata;
    if (namespace === 'default' && g === '' && o.kind === 'Service' && name === 'kubernetes') return true;
    if (g === '' && o.kind === 'ServiceAccount' && name === 'default') return true;
    if (g === '' && o.kind === 'ConfigMap' && name === 'kube-root-ca.crt') return true;
    return ignore.some((i) => (!i.kind || globMatch(i.kind, o.kind)) && globMatch(i.group ?? '', g) && (!i.name || globMatch(i.name, name)));
  };
  return objects
    .filter((o) => o.metadata.namespace)
    .filter((o) => {
      const tracking = o.metadata.annotations?.[TRACKING_ANNOTATION];
      // annotation tracking: `<app>:<group>/<kind>:<namespace>/<name>`
      const app = tracking ? tracking.split(':')[0]! : '';
      return !applications.has(app);
    })
    .filter((o) => !known(o))
    .map((o) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`)
    .sort();
}
