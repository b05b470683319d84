/**
 * GitOps for real (issue 20, docs/adr/0160-live-gitops.md): the pinned Argo CD's repo-server and application
 * controller, built from the Go module (tools/programs.ts), run as processes against the test control plane and
 * sync this repository's dist/ from a local git repository, after the admin's DAY0 steps. The controller holds
 * exactly the RBAC DAY0 applies (a token of its ServiceAccount). Then three deliberate breakages, each compared
 * with what verify's admission check (verify/checks/argocd-admission.ts) predicts.
 *
 * Slow tier (CI runs it): one Argo CD start and a full sync of the stack take minutes on two shared cores.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { VERSIONS } from '../config/versions';
import { programOf } from '../tools/paths';
import { checkArgocdAdmission } from '../verify/checks/argocd-admission';
import { buildContext } from '../verify/cli';
import type { Context, Finding } from '../verify/types';
import {
  argoTools,
  cleanup,
  keyOf,
  makeRepos,
  objectsOfText,
  Recorder,
  startArgo,
  tail,
  textOfObjects,
  orphansOf,
  TRACKING_ANNOTATION,
  until,
  type OrphanIgnore,
  type Repos,
  type RunningArgo,
} from './lib/argocd-live';
import { controlPlane, requireTools, type ControlPlaneInfo } from './lib/control-plane';
import { KubeClient, messageOf, type KubeObject } from './lib/kube-client';
import { controlPlaneAvailable, siteHasArgoController } from './lib/site-suite';
import { parseObjects, syncPlan, type AppSync } from './lib/stack-on-api';
import { SLOW_TIER } from './tier';

const dist = join(__dirname, '..', 'dist');
const context = (): Context => buildContext(dist, []);
/** Where the stack's upstream CRDs are kept for offline use: Cilium registers its own CRDs (site-suite does the same). */
const SHARED_CRDS = join(__dirname, '..', '..', 'shared', 'crds');

const cp = controlPlaneAvailable();
const tools = argoTools();
const gitops = siteHasArgoController(context);
const skipTools = process.env.DOMUS_SKIP_TOOLS === '1';
const why = !gitops
  ? 'Argo CD is off in this site'
  : !cp.run
    ? cp.why
    : skipTools
      ? `DOMUS_SKIP_TOOLS=1, argocd ${programOf('argocd').version} not run`
      : 'missing' in tools && !requireTools()
        ? tools.missing
        : !SLOW_TIER
          ? 'slow tier: CI runs it, or DOMUS_SLOW_TESTS=1'
          : undefined;
if (why && gitops && cp.run) process.stderr.write(`argocd-live skipped: ${why}\n`);
const d = why ? describe.skip : describe;

interface AppStatus {
  sync?: { status?: string; revision?: string };
  health?: { status?: string; message?: string };
  reconciledAt?: string;
  conditions?: { type: string; message: string }[];
  history?: unknown[];
  operationState?: {
    phase?: string;
    message?: string;
    startedAt?: string;
    syncResult?: { revision?: string; resources?: { group?: string; kind: string; namespace?: string; name: string; status?: string; message?: string }[] };
  };
}
interface App extends KubeObject {
  status?: AppStatus;
}

const NS = 'argocd';
const APPS = `/apis/argoproj.io/v1alpha1/namespaces/${NS}/applications`;

d(`Argo CD ${VERSIONS.argocd} syncs dist/ on the test control plane (repo-server and application controller as processes)${why ? ` [skipped: ${why}]` : ''}`, () => {
  let ctx: Context;
  let info: ControlPlaneInfo;
  let client: KubeClient;
  let repos: Repos;
  let argo: RunningArgo | undefined;
  let recorder: Recorder;
  let plan: AppSync[];
  const times: Record<string, number> = {};
  const names = (): string[] => ctx.docs.filter((x) => x.obj.kind === 'Application').map((x) => x.obj.metadata.name);

  const apps = async (): Promise<Map<string, App>> => {
    const r = await client.request('GET', APPS);
    if (r.status !== 200) throw new Error(`list applications: ${r.status} ${messageOf(r)}`);
    return new Map(((r.body as { items: App[] }).items ?? []).map((a) => [a.metadata.name, a]));
  };
  const procs = () => (argo ? [argo.controller, argo.repoServer, argo.redis] : []);
  const summary = (all: Map<string, App>): string =>
    [...all.values()]
      .map(
        (a) =>
          `${a.metadata.name}: sync ${a.status?.sync?.status} health ${a.status?.health?.status} op ${a.status?.operationState?.phase} ${a.status?.operationState?.message ?? ''} ${(a.status?.conditions ?? []).map((c) => `[${c.type}: ${c.message}]`).join(' ')}`,
      )
      .join('\n');
  /** Every Application Synced (those of the stack's repository at `revision`), its last operation (if any) Succeeded. */
  const allSynced = async (revision?: string): Promise<Map<string, App> | undefined> => {
    const all = await apps();
    const ok = names().every((n) => {
      const a = all.get(n);
      const s = a?.status;
      const own = (a?.spec as { source?: { repoURL?: string } } | undefined)?.source?.repoURL === repos.stack.url;
      return s?.sync?.status === 'Synced' && (!revision || !own || s.sync.revision === revision) && (!s.operationState || s.operationState.phase === 'Succeeded');
    });
    return ok ? all : undefined;
  };
  const refresh = async (name: string, kind: 'normal' | 'hard'): Promise<void> => {
    const r = await client.request(
      'PATCH',
      `${APPS}/${name}`,
      { metadata: { annotations: { 'argocd.argoproj.io/refresh': kind } } },
      { contentType: 'application/merge-patch+json' },
    );
    if (r.status !== 200) throw new Error(`refresh ${name}: ${r.status} ${messageOf(r)}`);
  };
  /** The admin's server-side apply, as `kubectl apply --server-side` does it (field manager kubectl). */
  const adminApply = async (objects: readonly KubeObject[], step: string): Promise<string[]> => {
    const refused: string[] = [];
    for (const o of objects) {
      const r = await client.apply(o, { fieldManager: 'kubectl' });
      if (r.status >= 300) refused.push(`${step}: ${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}: ${r.status} ${messageOf(r)}`);
      if (o.kind === 'CustomResourceDefinition') client.rediscover();
    }
    return refused;
  };
  const objectsIn = (folder: string, copy = false): KubeObject[] => {
    const base = copy ? join(repos.stack.dir, repos.distPath, folder) : join(dist, folder);
    return readdirSync(base)
      .filter((f) => /\.ya?ml$/.test(f))
      .sort()
      .flatMap((f) => parseObjects(readFileSync(join(base, f), 'utf8'), `${folder}/${f}`));
  };

  beforeAll(async () => {
    const t0 = Date.now();
    ctx = context();
    plan = syncPlan(ctx.docs);
    const k3s = join(ctx.dist, 'bootstrap', 'k3s');
    const server = parse(readFileSync(join(k3s, readdirSync(k3s).find((f) => /^config-.*\.yaml$/.test(f)) ?? 'config.yaml'), 'utf8')) as { 'service-cidr'?: string };
    // Its own control plane: the site suite's is already synced by its model of the controller; this one starts as DAY0 finds a cluster.
    info = await controlPlane('argocd-live', { admissionConfig: readFileSync(join(k3s, 'psa.yaml'), 'utf8'), serviceCidr: server['service-cidr'] ?? '10.43.0.0/16' });
    client = new KubeClient(info);
    times.controlPlane = Date.now() - t0;
    if (!ctx.git) throw new Error('the site names no git repository');
    repos = makeRepos(dist, ctx.docs, ctx.git.repoURL, ctx.gitPath);

    // DAY0 as dist/bootstrap/DAY0.md runs it (day0/bootstrap.ts): Cilium's CRDs (k3s installs Cilium), the
    // platform and vault folders, the upstream CRDs, argocd-secret, dist/argocd/, the controller's RBAC, the
    // Applications. The argocd folder and the Applications are the test's copy (health override, local repoURLs).
    const refused: string[] = [];
    const cilium = ['ciliumnetworkpolicy.yaml', 'ciliumclusterwidenetworkpolicy.yaml'].flatMap((f) => parseObjects(readFileSync(join(SHARED_CRDS, 'cilium', f), 'utf8'), f));
    refused.push(...(await adminApply(cilium, 'cilium')));
    refused.push(...(await adminApply(objectsIn('platform'), 'platform')));
    refused.push(...(await adminApply(objectsIn('vault'), 'vault')));
    for (const a of plan.filter((p) => p.objects.every((o) => o.kind === 'CustomResourceDefinition'))) refused.push(...(await adminApply(a.objects, `${a.app} (kubectl apply)`)));
    refused.push(
      ...(await adminApply(
        [
          {
            apiVersion: 'v1',
            kind: 'Secret',
            metadata: { name: 'argocd-secret', namespace: NS, labels: { 'app.kubernetes.io/name': 'argocd-secret', 'app.kubernetes.io/part-of': 'argocd' } },
          },
        ],
        'argocd-secret',
      )),
    );
    refused.push(...(await adminApply(objectsIn('argocd', true), 'argocd')));
    refused.push(...(await adminApply(objectsIn(join('bootstrap', 'argocd')), 'controller-rbac')));
    expect(refused).toEqual([]);

    // Watch every kind the Applications apply, before Argo CD starts: the order of its applies is read from these events.
    recorder = new Recorder(info);
    const collections = new Set<string>();
    for (const o of plan.flatMap((a) => a.objects)) {
      const p = await client.pathOf({ apiVersion: o.apiVersion, kind: o.kind, metadata: { name: 'x', namespace: 'x' } }, false);
      collections.add(p.replace('/namespaces/x/', '/'));
    }
    for (const c of [...collections].sort()) await recorder.watch(c);

    // `kubectl apply -f dist/apps/apps.yaml`: client-side apply of a new object is a create carrying the
    // last-applied-configuration annotation (what Argo CD's own client-side apply then merges against).
    for (const o of objectsIn('apps', true)) {
      const lastApplied = JSON.stringify(o);
      const r = await client.create({
        ...o,
        metadata: { ...o.metadata, annotations: { ...(o.metadata.annotations ?? {}), 'kubectl.kubernetes.io/last-applied-configuration': lastApplied } },
      });
      if (r.status !== 201) refused.push(`apps: ${o.kind} ${o.metadata.name}: ${r.status} ${messageOf(r)}`);
    }
    expect(refused).toEqual([]);
    times.day0 = Date.now() - t0 - times.controlPlane;
    const token = await client.serviceAccountToken(NS, 'argocd-application-controller');
    argo = await startArgo(info, ctx.docs, token, NS);
  }, 900_000);

  afterAll(async () => {
    recorder?.close();
    await argo?.stopAll();
    client?.close();
    cleanup(repos?.root);
    process.stdout.write(`argocd-live times (ms): ${JSON.stringify(times)}; logs: ${argo?.dir ?? '(not started)'}\n`);
  }, 60_000);

  test('every Application reaches Synced and Healthy (workload health overridden: no kubelet), its last sync Succeeded', async () => {
    const t = Date.now();
    const all = await until('every Application Synced', () => allSynced(), 900_000, procs()).catch(async (e: Error) => {
      throw new Error(`${e.message}\n${summary(await apps())}\n--- controller:\n${argo ? tail(argo.controller.log, 30) : ''}`);
    });
    times.firstSync = Date.now() - t;
    expect(new Set(all.keys())).toEqual(new Set(names()));
    // The stack's own Application health check passes each child's health up to the root.
    const unhealthy = names().filter((n) => all.get(n)?.status?.health?.status !== 'Healthy');
    expect({ unhealthy, summary: unhealthy.length ? summary(all) : '' }).toEqual({ unhealthy: [], summary: '' });
    // No orphans in any destination namespace, Argo CD's own included: every object of a kind the controller
    // watches and the project admits is tracked by an existing Application, or the project ignores it (the
    // controller's bootstrap RBAC). Read from the API server, Argo CD's rule applied (orphansOf): the
    // OrphanedResourceWarning conditions at this moment are stale (ADR 0160, defect 3) and are checked after the
    // hard refresh below.
    const project = ctx.docs.find((x) => x.obj.kind === 'AppProject')?.obj;
    const ignore = (project?.spec as { orphanedResources?: { ignore?: OrphanIgnore[] } } | undefined)?.orphanedResources?.ignore ?? [];
    const destinations = new Set(names().map((n) => (all.get(n)?.spec as { destination?: { namespace?: string } } | undefined)?.destination?.namespace ?? ''));
    const kinds = new Map<string, KubeObject>();
    for (const o of plan.flatMap((p) => p.objects)) if (o.metadata.namespace) kinds.set(`${o.apiVersion} ${o.kind}`, o);
    const live: KubeObject[] = [];
    for (const ns of [...destinations].filter(Boolean).sort())
      for (const o of kinds.values()) {
        const r = await client.request('GET', await client.pathOf({ ...o, metadata: { name: 'x', namespace: ns } }, false));
        if (r.status !== 200) throw new Error(`list ${o.kind} in ${ns}: ${r.status} ${messageOf(r)}`);
        live.push(...((r.body as { items?: KubeObject[] }).items ?? []).map((x) => ({ ...x, apiVersion: o.apiVersion, kind: o.kind })));
      }
    expect(destinations.has(NS)).toBe(true);
    expect(live.some((o) => o.metadata.namespace === NS && o.metadata.name === 'argocd-application-controller-synced-rbac')).toBe(true);
    expect(orphansOf(live, ignore, new Set(names()))).toEqual([]);
    expect(recorder.problems()).toEqual([]);
  }, 960_000);

  test('every object of every Application that synced was applied by Argo CD, wave after wave (the root: Application after Application)', async () => {
    const all = await apps();
    const firstTracked = new Map<string, number>();
    for (const e of recorder.events) {
      const tracking = e.obj.metadata.annotations?.[TRACKING_ANNOTATION];
      if (tracking && !firstTracked.has(e.key)) firstTracked.set(e.key, e.rev);
    }
    const untracked: string[] = [];
    const outOfOrder: string[] = [];
    // gitops-engine's order: phase (PreSync, Sync, PostSync hooks), then wave; SyncFail hooks run only on failure.
    const phaseOf = (o: KubeObject): number | undefined => {
      const hook = o.metadata.annotations?.['argocd.argoproj.io/hook'];
      if (!hook) return 1;
      const phases = hook.split(',').map((x) => x.trim());
      return phases.includes('PreSync') ? 0 : phases.includes('Sync') ? 1 : phases.includes('PostSync') ? 2 : undefined;
    };
    const waveOf = (o: KubeObject): number | undefined => {
      const phase = phaseOf(o);
      return phase === undefined ? undefined : phase * 1_000_000 + (Number(o.metadata.annotations?.['argocd.argoproj.io/sync-wave'] ?? '0') || 0);
    };
    for (const a of plan) {
      const byWave = new Map<number, number[]>();
      for (const o of a.objects) {
        if (!o.kind) continue;
        const key = keyOf(o);
        const rev = firstTracked.get(key);
        if (rev === undefined) {
          // An Application in sync from the start (its CRDs as DAY0 applied them) never runs a sync.
          if (all.get(a.app)?.status?.operationState) untracked.push(`${a.app}: ${key}`);
          continue;
        }
        const w = waveOf(o);
        if (w !== undefined) byWave.set(w, [...(byWave.get(w) ?? []), rev]);
      }
      const waves = [...byWave.keys()].sort((x, y) => x - y);
      for (let i = 1; i < waves.length; i++) {
        const before = Math.max(...byWave.get(waves[i - 1]!)!);
        const after = Math.min(...byWave.get(waves[i]!)!);
        const label = (w: number) => `${['PreSync', 'Sync', 'PostSync'][Math.round(w / 1_000_000)]} wave ${w - Math.round(w / 1_000_000) * 1_000_000}`;
        if (!(before < after)) outOfOrder.push(`${a.app}: ${label(waves[i - 1]!)} applied up to revision ${before}, ${label(waves[i]!)} from ${after}`);
      }
    }
    expect(untracked).toEqual([]);
    expect(outOfOrder).toEqual([]);
  });

  test('a second reconcile (hard refresh) finds no difference: no Application goes OutOfSync, no sync starts, nothing is written', async () => {
    const before = await apps();
    const mark = recorder.events.length;
    const t = Date.now();
    for (const n of names()) await refresh(n, 'hard');
    // The controller removes the refresh annotation once it has compared the Application again.
    const after = await until(
      'every hard refresh done',
      async () => {
        const all = await apps();
        return names().every((n) => !all.get(n)?.metadata.annotations?.['argocd.argoproj.io/refresh']) ? all : undefined;
      },
      600_000,
      procs(),
    );
    times.secondReconcile = Date.now() - t;
    const changed = names().filter(
      (n) =>
        after.get(n)?.status?.sync?.status !== 'Synced' ||
        after.get(n)?.status?.operationState?.startedAt !== before.get(n)?.status?.operationState?.startedAt ||
        (after.get(n)?.status?.history ?? []).length !== (before.get(n)?.status?.history ?? []).length,
    );
    expect({ changed, summary: changed.length ? summary(after) : '' }).toEqual({ changed: [], summary: '' });
    // Every Application compared again, its resource tree recomputed: no standing warning on any of them, those
    // whose destination is Argo CD's own namespace included (their OrphanedResourceWarning after the first sync
    // named objects DAY0 created there that the root and argocd Applications had not yet tracked: ADR 0160).
    const warned = names().flatMap((n) => (after.get(n)?.status?.conditions ?? []).filter((c) => /Warning$/.test(c.type)).map((c) => `${n}: ${c.type}: ${c.message}`));
    expect(warned).toEqual([]);
    const written = recorder.events.slice(mark).filter((e) => !e.key.startsWith('argoproj.io/Application '));
    expect(written.map((e) => `${e.type} ${e.key}`)).toEqual([]);
  }, 660_000);

  test('a commit that changes one object syncs that object only', async () => {
    // The first ConfigMap of the monitoring folder (any Application's object would do; this one has many siblings).
    const folder = 'monitoring';
    const files = readdirSync(join(repos.stack.dir, repos.distPath, folder)).filter((f) => /\.ya?ml$/.test(f));
    const file = join(repos.distPath, folder, files[0]!);
    const objects = objectsOfText(repos.stack.read(file));
    const target = objects.find((o) => o.kind === 'ConfigMap');
    if (!target) throw new Error(`no ConfigMap in ${file}`);
    target.metadata.annotations = { ...(target.metadata.annotations ?? {}), 'domus.test/commit': 'one object changed' };
    repos.stack.write(file, textOfObjects(objects));
    const mark = recorder.events.length;
    const commit = repos.stack.commit(`change ${target.metadata.namespace}/${target.metadata.name} only`);
    const t = Date.now();
    for (const n of names()) await refresh(n, 'normal');
    const app = plan.find((a) =>
      a.objects.some((o) => o.kind === 'ConfigMap' && o.metadata.name === target.metadata.name && o.metadata.namespace === target.metadata.namespace),
    )!.app;
    await until(
      `${app} synced at ${commit}`,
      async () => {
        const a = (await apps()).get(app)?.status;
        return a?.operationState?.syncResult?.revision === commit && a.operationState.phase === 'Succeeded' && a.sync?.status === 'Synced' ? true : undefined;
      },
      600_000,
      procs(),
    );
    await until('every Application Synced at the commit', () => allSynced(commit), 600_000, procs());
    times.oneObjectCommit = Date.now() - t;
    const written = [
      ...new Set(
        recorder.events
          .slice(mark)
          .filter((e) => !e.key.startsWith('argoproj.io/Application '))
          .map((e) => e.key),
      ),
    ];
    expect(written).toEqual([keyOf(target)]);
  }, 1_260_000);

  describe('deliberate breakages fail in Argo CD where verify says they would', () => {
    /** The mutations, applied to the test's copy (what Argo CD reads) and to a copy of dist/ (what verify reads). */
    const BROKEN_DESTINATION = 'node-exporter';
    const ESCALATING_ROLE: KubeObject = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'domus-test-escalation', namespace: 'monitoring' },
      rules: [{ apiGroups: [''], resources: ['pods/exec'], verbs: ['create'] }],
    };
    const EXCLUDED_KIND: KubeObject = {
      apiVersion: 'v1',
      kind: 'LimitRange',
      metadata: { name: 'domus-test-excluded', namespace: 'storage' },
      spec: { limits: [{ type: 'Container', default: { memory: '64Mi' } }] },
    };
    const mutateProject = (read: (rel: string) => string, write: (rel: string, text: string) => void): void => {
      const apps = objectsOfText(read('apps/apps.yaml'));
      for (const o of apps)
        if (o.kind === 'AppProject') {
          const spec = o.spec as { destinations: { namespace: string }[] };
          spec.destinations = spec.destinations.filter((x) => x.namespace !== BROKEN_DESTINATION);
        }
      write('apps/apps.yaml', textOfObjects(apps));
    };
    const mutate = (read: (rel: string) => string, write: (rel: string, text: string) => void, touch: readonly string[]): void => {
      write('monitoring/domus-test-escalation.yaml', textOfObjects([ESCALATING_ROLE]));
      write('storage/domus-test-excluded.yaml', textOfObjects([EXCLUDED_KIND]));
      // A change in each Application verify blames, so that Argo CD syncs it again and validates every object.
      for (const folder of touch) {
        const f = readdirSync(join(repos.stack.dir, repos.distPath, folder)).find((x) => /\.ya?ml$/.test(x) && !x.startsWith('domus-test-'))!;
        const objs = objectsOfText(read(`${folder}/${f}`));
        objs[0]!.metadata.annotations = { ...(objs[0]!.metadata.annotations ?? {}), 'domus.test/touched': 'sync again' };
        write(`${folder}/${f}`, textOfObjects(objs));
      }
    };
    let verifyFindings: Finding[];
    let after: Map<string, App>;

    beforeAll(async () => {
      // verify on dist/ plus the mutations: what it blames.
      const vdir = mkdtempSync(join(tmpdir(), 'domus-argocd-verify-'));
      const copyTree = (from: string, to: string) => {
        for (const f of readdirSync(from, { withFileTypes: true })) {
          if (f.isDirectory()) copyTree(join(from, f.name), join(to, f.name));
          else {
            mkdirSync(to, { recursive: true });
            writeFileSync(join(to, f.name), readFileSync(join(from, f.name)));
          }
        }
      };
      copyTree(dist, vdir);
      const vread = (rel: string) => readFileSync(join(vdir, rel), 'utf8');
      const vwrite = (rel: string, text: string) => {
        mkdirSync(dirname(join(vdir, rel)), { recursive: true });
        writeFileSync(join(vdir, rel), text);
      };
      mutateProject(vread, vwrite);
      mutate(vread, vwrite, []);
      const baseline = new Set(checkArgocdAdmission(ctx).map((f) => f.message));
      verifyFindings = checkArgocdAdmission(buildContext(vdir, [])).filter((f) => !baseline.has(f.message));
      cleanup(vdir);
      // The Applications verify blames for the breakages themselves (not its consequence for the root's later waves).
      const blamed = [...new Set(verifyFindings.map((f) => /^Application ([a-z0-9-]+): /.exec(f.message)?.[1]).filter((x): x is string => !!x && names().includes(x)))];
      // The folder of each blamed Application of the stack's own repository (its source path under git.path).
      const folders = blamed.flatMap((n) => {
        const path = (ctx.docs.find((x) => x.obj.kind === 'Application' && x.obj.metadata.name === n)?.obj.spec as { source?: { path?: string } } | undefined)?.source?.path ?? '';
        return path.startsWith(`${ctx.gitPath}/`) && n !== 'root' ? [path.slice(ctx.gitPath.length + 1)] : [];
      });
      const read = (rel: string) => repos.stack.read(join(repos.distPath, rel));
      const write = (rel: string, text: string) => repos.stack.write(join(repos.distPath, rel), text);
      // The project first, alone: the root syncs it, so that every later sync and comparison meets the new project.
      mutateProject(read, write);
      repos.stack.commit('the project no longer admits the node-exporter namespace');
      await refresh('root', 'normal');
      await until(
        'the AppProject without the destination',
        async () => {
          const project = ctx.docs.find((x) => x.obj.kind === 'AppProject')!.obj.metadata.name;
          const r = await client.request('GET', `/apis/argoproj.io/v1alpha1/namespaces/${NS}/appprojects/${project}`);
          const dests = ((r.body as { spec?: { destinations?: { namespace: string }[] } }).spec?.destinations ?? []).map((x) => x.namespace);
          return r.status === 200 && !dests.includes(BROKEN_DESTINATION) ? true : undefined;
        },
        600_000,
        procs(),
      );
      mutate(read, write, folders);
      const commit = repos.stack.commit('deliberate breakages');
      for (const n of names()) await refresh(n, 'normal');
      // Wait until Argo CD has judged every blamed Application at the commit (a failed sync, a condition, or synced).
      after = await until(
        'Argo CD judged the breakages',
        async () => {
          const all = await apps();
          const judged = blamed.every((n) => {
            const s = all.get(n)?.status;
            return (
              (s?.conditions ?? []).some((c) => /InvalidSpecError|ExcludedResourceWarning/.test(c.type)) ||
              (s?.operationState?.syncResult?.revision === commit && ['Failed', 'Error', 'Succeeded'].includes(s.operationState.phase ?? '')) ||
              (s?.operationState?.phase === 'Running' && /retry/i.test(s.operationState.message ?? ''))
            );
          });
          return judged ? all : undefined;
        },
        600_000,
        procs(),
      );
    }, 720_000);

    const verifySays = (app: string, pattern: RegExp) => verifyFindings.some((f) => f.message.startsWith(`Application ${app}:`) && pattern.test(f.message));
    const argoSays = (app: string, pattern: RegExp) => {
      const s = after.get(app)?.status;
      const texts = [
        ...(s?.conditions ?? []).map((c) => `${c.type}: ${c.message}`),
        s?.operationState?.message ?? '',
        ...(s?.operationState?.syncResult?.resources ?? []).map((r) => `${r.kind} ${r.namespace ?? ''}/${r.name} ${r.status ?? ''}: ${r.message ?? ''}`),
      ];
      return texts.some((x) => pattern.test(x));
    };

    test('a project without the destination: verify blames the Application and the objects in that namespace, Argo CD refuses the same', () => {
      expect(verifySays(BROKEN_DESTINATION, /destination server .* namespace 'node-exporter' do not match/)).toBe(true);
      expect(argoSays(BROKEN_DESTINATION, /InvalidSpecError: application destination server .* namespace 'node-exporter' do not match any of the allowed destinations/)).toBe(true);
      const others = [
        ...new Set(
          verifyFindings.filter((f) => /namespace node-exporter of .* is not a destination/.test(f.message)).map((f) => /^Application ([a-z0-9-]+): /.exec(f.message)![1]!),
        ),
      ].filter((app) => app !== BROKEN_DESTINATION);
      expect(others.length).toBeGreaterThan(0);
      for (const app of others) {
        // The same objects: those verify names, and those Argo CD's sync refuses.
        const verifyObjects = verifyFindings
          .filter((f) => f.message.startsWith(`Application ${app}: `))
          .flatMap((f) => /namespace node-exporter of (\S+) (\S+) is not a destination/.exec(f.message)?.slice(1, 3).join(' ') ?? [])
          .sort();
        const argoObjects = (after.get(app)?.status?.operationState?.syncResult?.resources ?? [])
          .filter((r) => /namespace node-exporter is not permitted in project/.test(r.message ?? ''))
          .map((r) => `${r.kind} ${r.name}`)
          .sort();
        expect({ app, argoObjects }).toEqual({ app, argoObjects: verifyObjects });
      }
    });

    test('a Role the controller cannot grant: verify names the escalation, the API server refuses it to Argo CD', async () => {
      expect(verifySays('monitoring', /Role monitoring\/domus-test-escalation grants what .* does not hold/)).toBe(true);
      expect(argoSays('monitoring', /domus-test-escalation.*(attempting to grant RBAC permissions not currently held|forbidden)/s)).toBe(true);
      expect((await client.get(ESCALATING_ROLE)).status).toBe(404);
    });

    test('a kind outside resource.inclusions: verify says the controller never sees it, Argo CD leaves it out', async () => {
      expect(verifySays('storage', /core\/LimitRange is not in argocd-cm resource.inclusions/)).toBe(true);
      expect(argoSays('storage', /ExcludedResourceWarning: Resource \/LimitRange domus-test-excluded is excluded in the settings/)).toBe(true);
      expect((await client.get(EXCLUDED_KIND)).status).toBe(404);
    });
  });
});
