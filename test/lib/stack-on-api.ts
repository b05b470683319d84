/**
 * The synthesized stack on the real API server, the way it reaches a cluster:
 *  - the admin (DAY0) installs what exists before Argo CD syncs: Cilium's CRDs (Cilium registers them), the
 *    namespaces the controller's bootstrap RBAC lives in, and dist/bootstrap/argocd/controller-rbac.yaml;
 *  - Argo CD's application controller (impersonated: its ServiceAccount, nothing else) applies every object
 *    of every Application, Applications by sync wave, then within each its objects by wave, kind and name
 *    (gitops-engine's order), with server-side apply (the stack's Applications sync with ServerSideApply=true);
 *    the upstream CRD Applications apply the CRD files of their repository at the pinned tag, read from the Go
 *    module of that tag (the same files the LAN mirror serves).
 * What the server refuses is returned, not thrown, so a test names every refusal at once.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { globMatch } from '../../verify/checks/argocd-admission';
import { podSpecOf } from '../../verify/load';
import type { Doc } from '../../verify/types';
import { KubeClient, messageOf, type KubeObject, type Response } from './kube-client';

/** gitops-engine pkg/sync/sync_tasks.go kindOrder: the order of kinds within one sync wave (unknown kinds: 0). */
const KIND_ORDER: Readonly<Record<string, number>> = {
  Namespace: -26,
  ResourceQuota: -24,
  LimitRange: -24,
  PodSecurityPolicy: -23,
  Secret: -22,
  ConfigMap: -21,
  StorageClass: -20,
  PersistentVolume: -19,
  PersistentVolumeClaim: -18,
  ServiceAccount: -17,
  CustomResourceDefinition: -16,
  ClusterRole: -15,
  ClusterRoleBinding: -14,
  Role: -13,
  RoleBinding: -12,
  Service: -11,
  DaemonSet: -10,
  Pod: -9,
  ReplicationController: -8,
  ReplicaSet: -7,
  Deployment: -6,
  StatefulSet: -5,
  Job: -4,
  CronJob: -3,
  Ingress: -2,
  APIService: -1,
};

const WAVE = 'argocd.argoproj.io/sync-wave';
const waveOf = (o: KubeObject): number => Number(o.metadata.annotations?.[WAVE] ?? '0') || 0;
export const idOf = (o: Pick<KubeObject, 'kind' | 'metadata'>): string => `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;

/** The Go modules of the upstream repositories the stack's CRD Applications sync (repository name → module). */
const UPSTREAM_MODULES: Readonly<Record<string, string>> = {
  'argo-cd': 'github.com/argoproj/argo-cd',
  traefik: 'github.com/traefik/traefik',
};

/** The folder of a Go module at a tag in the module cache (downloaded through the module proxy when absent). */
export function moduleDir(module: string, version: string): string {
  const major = /^v(\d+)\./.exec(version)?.[1];
  const path = major && Number(major) >= 2 ? `${module}/v${major}` : module;
  // Outside any module (the temporary folder): `go mod download` of a path@version needs no go.mod.
  const r = spawnSync('go', ['mod', 'download', '-json', `${path}@${version}`], { cwd: tmpdir(), encoding: 'utf8', env: { ...process.env, GOFLAGS: '-mod=mod' } });
  const out = JSON.parse(r.stdout || '{}') as { Dir?: string; Error?: string };
  if (r.status !== 0 || !out.Dir) throw new Error(`go mod download ${path}@${version}: ${out.Error ?? r.stderr ?? r.error?.message}`);
  return out.Dir;
}

export function parseObjects(text: string, where: string): KubeObject[] {
  return parseAllDocuments(text, { version: '1.1' }).flatMap((d) => {
    if (d.errors.length) throw new Error(`${where}: ${d.errors[0]!.message}`);
    const o = d.toJS() as unknown;
    if (!o || typeof o !== 'object' || !('kind' in o)) return [];
    // A document without metadata (a kustomization file read as a manifest) still gets a sortable, printable name.
    return [{ ...(o as KubeObject), metadata: { name: '', ...((o as { metadata?: KubeObject['metadata'] }).metadata ?? {}) } }];
  });
}

interface AppSpec {
  source?: { repoURL?: string; path?: string; targetRevision?: string; directory?: { recurse?: boolean; include?: string; exclude?: string } };
  syncPolicy?: { syncOptions?: string[] };
}

/** One Application's objects, in the order its sync applies them. */
export interface AppSync {
  readonly app: string;
  readonly wave: number;
  readonly objects: readonly KubeObject[];
  /** The Application syncs with server-side apply. */
  readonly serverSide: boolean;
}

/** Every Application of the stack and what it applies, Applications in the root's wave order. */
export function syncPlan(docs: readonly Doc[]): AppSync[] {
  const folders = new Set(docs.map((d) => dirname(d.file)));
  const apps = docs.filter((d) => d.obj.kind === 'Application');
  const plan = apps.map((d): AppSync => {
    const spec = (d.obj.spec ?? {}) as AppSpec;
    const src = spec.source ?? {};
    const folder = (src.path ?? '').split('/').pop() ?? '';
    const own = folders.has(folder) && (src.path ?? '').endsWith(`/${folder}`) && !/\.git$/.test(folder);
    let objects: KubeObject[];
    if (own && docs.some((x) => dirname(x.file) === folder && x.file.split('/').length === 2)) {
      objects = docs.filter((x) => dirname(x.file) === folder).map((x) => x.obj as KubeObject);
    } else {
      const repo =
        (src.repoURL ?? '')
          .replace(/\.git$/, '')
          .split('/')
          .pop() ?? '';
      const module = UPSTREAM_MODULES[repo];
      if (!module || !src.targetRevision) throw new Error(`Application ${d.obj.metadata.name}: no Go module known for ${src.repoURL}`);
      const dir = join(moduleDir(module, src.targetRevision), src.path ?? '');
      const kustomization = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'].find((f) => existsSync(join(dir, f)));
      let files: string[];
      if (kustomization && !src.directory) {
        // No directory block and a kustomization file: Argo CD detects a Kustomize source and applies what
        // `kustomize build` emits; here only plain resource files are supported (anything else fails loudly).
        const k = parse(readFileSync(join(dir, kustomization), 'utf8')) as Record<string, unknown>;
        const other = Object.keys(k).filter((key) => !['apiVersion', 'kind', 'resources'].includes(key));
        if (other.length) throw new Error(`${repo}/${src.path}/${kustomization}: ${other.join(', ')} not supported by this model of kustomize`);
        files = (k.resources as string[] | undefined) ?? [];
      } else {
        // The directory source (recurse false): every YAML or JSON file of the folder, narrowed by include and
        // exclude (a kustomization.yaml among them is applied as an object, as Argo CD's repo-server reads it).
        files = readdirSync(dir)
          .filter((f) => /\.(ya?ml|json)$/.test(f) && statSync(join(dir, f)).isFile())
          .filter((f) => !src.directory?.include || globMatch(src.directory.include, f))
          .filter((f) => !src.directory?.exclude || !globMatch(src.directory.exclude, f))
          .sort();
      }
      objects = files.flatMap((f) => parseObjects(readFileSync(join(dir, f), 'utf8'), `${repo}@${src.targetRevision}/${src.path}/${f}`));
    }
    const ordered = [...objects].sort(
      (a, b) =>
        waveOf(a) - waveOf(b) || (KIND_ORDER[a.kind] ?? 0) - (KIND_ORDER[b.kind] ?? 0) || (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0),
    );
    return { app: d.obj.metadata.name, wave: waveOf(d.obj as KubeObject), objects: ordered, serverSide: (spec.syncPolicy?.syncOptions ?? []).includes('ServerSideApply=true') };
  });
  return plan.sort((a, b) => a.wave - b.wave || (a.app < b.app ? -1 : 1));
}

export interface Refusal {
  readonly app: string;
  readonly object: string;
  readonly status: number;
  readonly message: string;
}

async function waitEstablished(client: KubeClient, crds: readonly KubeObject[]): Promise<void> {
  for (const crd of crds) {
    for (let i = 0; i < 200; i++) {
      const r = await client.get(crd);
      const conds = ((r.body as { status?: { conditions?: { type: string; status: string }[] } }).status?.conditions ?? []).filter((c) => c.type === 'Established');
      if (conds.some((c) => c.status === 'True')) break;
      await new Promise((res) => setTimeout(res, 100));
    }
  }
  client.rediscover();
}

/** Applies one object; a refusal (or an object the server does not serve) is returned. */
export async function applyOne(client: KubeClient, o: KubeObject, opts: { as?: string; serverSide: boolean; app: string }): Promise<Refusal | undefined> {
  let r: Response;
  try {
    if (opts.serverSide) r = await client.apply(o, opts.as ? { as: opts.as } : {});
    else {
      // Client-side apply of a new object is a create (kubectl apply: get, then create).
      r = await client.create(o, opts.as ? { as: opts.as } : {});
      if (r.status === 409) r = await client.apply(o, opts.as ? { as: opts.as, fieldManager: 'kubectl-client-side-apply' } : { fieldManager: 'kubectl-client-side-apply' });
    }
  } catch (e) {
    return { app: opts.app, object: idOf(o), status: 0, message: (e as Error).message };
  }
  return r.status >= 200 && r.status < 300 ? undefined : { app: opts.app, object: idOf(o), status: r.status, message: messageOf(r) };
}

/** Applies `plan` in order as `as` (impersonated); CRDs are waited for before the next Application. */
export async function syncAll(client: KubeClient, plan: readonly AppSync[], as: string): Promise<{ refusals: Refusal[]; applied: number }> {
  const refusals: Refusal[] = [];
  let applied = 0;
  for (const a of plan) {
    for (const o of a.objects) {
      const refused = await applyOne(client, o, { as, serverSide: a.serverSide, app: a.app });
      if (refused) refusals.push(refused);
      else applied++;
    }
    const crds = a.objects.filter((o) => o.kind === 'CustomResourceDefinition');
    if (crds.length) await waitEstablished(client, crds);
  }
  return { refusals, applied };
}

/** As the admin: CRDs that exist before Argo CD (Cilium's), waited for. */
export async function installAsAdmin(client: KubeClient, objects: readonly KubeObject[], app: string): Promise<Refusal[]> {
  const out: Refusal[] = [];
  for (const o of objects) {
    const refused = await applyOne(client, o, { serverSide: true, app });
    if (refused) out.push(refused);
  }
  const crds = objects.filter((o) => o.kind === 'CustomResourceDefinition');
  if (crds.length) await waitEstablished(client, crds);
  return out;
}

/** The Argo CD application controller's user name, read from its workload in dist (as verify reads it). */
export function controllerUser(docs: readonly Doc[]): { user: string; namespace: string; name: string } {
  const ctrl = docs.find((d) => d.obj.metadata.name === 'argocd-application-controller' && (d.obj.kind === 'StatefulSet' || d.obj.kind === 'Deployment'));
  if (!ctrl) throw new Error('no argocd-application-controller workload in dist');
  const namespace = ctrl.obj.metadata.namespace ?? 'argocd';
  const name = podSpecOf(ctrl.obj)?.spec.serviceAccountName ?? 'default';
  return { user: `system:serviceaccount:${namespace}:${name}`, namespace, name };
}

/**
 * A Pod as a workload's controller makes it from the pod template: the template's metadata and spec in the
 * workload's namespace; a StatefulSet's pods also get a volume per volumeClaimTemplate (claim
 * `<template>-<set>-<ordinal>`).
 */
export function podFromTemplate(owner: KubeObject): KubeObject | undefined {
  const t = podSpecOf(owner);
  if (!t) return undefined;
  const spec = JSON.parse(JSON.stringify(t.spec)) as Record<string, unknown> & { volumes?: Record<string, unknown>[] };
  if (owner.kind === 'StatefulSet') {
    const vcts = ((owner.spec as { volumeClaimTemplates?: { metadata: { name: string } }[] }).volumeClaimTemplates ?? []).map((v) => v.metadata.name);
    spec.volumes = [...(spec.volumes ?? []), ...vcts.map((n) => ({ name: n, persistentVolumeClaim: { claimName: `${n}-${owner.metadata.name}-0` } }))];
  }
  const meta = t.metadata ?? {};
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `${owner.metadata.name}-${owner.kind.toLowerCase()}-0`,
      ...(owner.metadata.namespace ? { namespace: owner.metadata.namespace } : {}),
      ...(meta.labels ? { labels: meta.labels } : {}),
      ...(meta.annotations ? { annotations: meta.annotations } : {}),
    },
    spec,
  };
}

/** Writes a synthesis' files to a folder (dist/ as `npm run synth --outdir` would write it). */
export function writeDist(files: ReadonlyMap<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'domus-dist-'));
  for (const [rel, text] of files) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
  return dir;
}
