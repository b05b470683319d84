/**
 * Argo CD admission: would Argo CD admit and sync every Application in dist/ on a real cluster?
 *
 * A model of what Argo CD v2.14.21 and the API server decide, read at the pinned commits
 * (docs/adr/0021-argocd-admission.md):
 * 1. project: the source repository matches `sourceRepos` (normalized URLs, globs), the destination server
 *    AND namespace match a project destination, the namespace as written (argo-cd
 *    pkg/apis/application/v1alpha1/app_project_types.go isDestinationMatched: an empty namespace matches only
 *    a `*` glob; util/argo/argo.go ValidatePermissions makes a mismatch InvalidSpecError); then each synced
 *    object: its kind in the namespace or cluster whitelist, a namespaced object's own namespace matched as a
 *    destination (controller/sync.go permission validator);
 * 2. controller: each synced kind is in argocd-cm `resource.inclusions` (not excluded), and the controller's
 *    ServiceAccount, through bindings outside the synced folders, may create/update/patch/delete it there; a Role/ClusterRole only if the controller holds
 *    every rule it grants (or `escalate` on it), a binding only if it holds the referenced role's rules in the
 *    binding's scope (or `bind` on it) (kubernetes pkg/registry/rbac/escalation_check.go, validation.Covers);
 * 3. CRDs exist before their custom resources: a CRD in the same Application, an upstream CRD Application in
 *    an earlier wave of the root, or a CRD the cluster has before Argo CD (Cilium's, k3s' helm-controller);
 * 4. every repoURL is reachable from the repo-server under the network policies (verify/netmodel.ts), and
 *    trusted: a CA in the mounted argocd-tls-certs-cm for a private https host, a known_hosts line for ssh;
 * 5. an Application that cannot become Healthy holds the root at its wave: every later wave is reported;
 * 6. an explicit `directory` source over a folder holding a kustomization file is refused (argo-cd
 *    reposerver/repository/repository.go GetAppSourceType: an explicit type wins over discovery), and
 *    argocd-server may get every kind of `resource.inclusions` (the UI tree; upstream grants get on every resource).
 */
import { dirname } from 'node:path';
import { parse } from 'yaml';
import { knownHostNames } from '../../config/git';
import { needsPrivateCa } from '../../config/trust';
import { clusterRoleRules } from '../builtin-rbac';
import { podSpecOf } from '../load';
import { endpointsOf, NetModel, Peer } from '../netmodel';
import { Context, Doc, Finding, finding, KubeObj } from '../types';
import { Grant, grants, Rule } from './rbac';

const CHECK = 'argocd';

/**
 * Kinds the API server serves without a namespace (the ones a stack like this can emit, or a hand edit add).
 * Apart from charts/stack-chart.ts because verify does not load the generator; test/verify/package.test.ts
 * proves this list covers the generator's.
 */
export const CLUSTER_SCOPED: ReadonlySet<string> = new Set([
  'Namespace',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'CiliumClusterwideNetworkPolicy',
  'MutatingWebhookConfiguration',
  'ValidatingWebhookConfiguration',
  'StorageClass',
  'PriorityClass',
  'IngressClass',
  'CiliumLoadBalancerIPPool',
  'CiliumL2AnnouncementPolicy',
  'PersistentVolume',
  'APIService',
]);

/** API groups whose CRDs exist before Argo CD runs: Cilium registers its own; k3s ships the helm-controller's. */
export const CLUSTER_CRD_GROUPS: ReadonlySet<string> = new Set(['cilium.io', 'helm.cattle.io', 'k3s.cattle.io']);

/**
 * What an upstream CRD source installs: repository name (last path segment) and path → the API groups and
 * kinds of its CRDs (argo-cd manifests/crds at v2.14.21: Application, ApplicationSet, AppProject; traefik's
 * kubernetes-crd-definition-v1.yml at v3.6.6: the traefik.io and hub.traefik.io kinds).
 */
export const UPSTREAM_CRD_SOURCES: readonly { repo: string; path: string; groups: readonly string[]; kustomization?: string }[] = [
  // manifests/crds holds a kustomization.yaml beside the CRD files (conformance/facts/argocd.ts crdsFolder).
  { repo: 'argo-cd', path: 'manifests/crds', groups: ['argoproj.io'], kustomization: 'kustomization.yaml' },
  { repo: 'traefik', path: 'docs/content/reference/dynamic-configuration', groups: ['traefik.io', 'hub.traefik.io'] },
];

type PodSpecWithMounts = { containers: { volumeMounts?: { name: string; mountPath: string }[] }[]; volumes?: ({ name: string } & Record<string, unknown>)[] };

/** The names that make a folder a kustomization (argo-cd util/kustomize/kustomize.go KustomizationNames). */
export const KUSTOMIZATION_NAMES: readonly string[] = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

interface AppSpec {
  project?: string;
  source?: { repoURL?: string; repoUrl?: string; path?: string; targetRevision?: string; directory?: unknown };
  destination?: { server?: string; name?: string; namespace?: string };
}
interface ProjectSpec {
  sourceRepos?: string[];
  destinations?: { server?: string; name?: string; namespace?: string }[];
  clusterResourceWhitelist?: { group: string; kind: string }[];
  clusterResourceBlacklist?: { group: string; kind: string }[];
  namespaceResourceWhitelist?: { group: string; kind: string }[] | null;
  namespaceResourceBlacklist?: { group: string; kind: string }[];
}

const groupOf = (o: KubeObj) => (o.apiVersion.includes('/') ? o.apiVersion.split('/')[0]! : '');
const waveOf = (o: KubeObj) => Number(o.metadata.annotations?.['argocd.argoproj.io/sync-wave'] ?? '0');
const repoOf = (a: AppSpec) => a.source?.repoURL ?? a.source?.repoUrl ?? '';

/** Plural resource of a kind, as the stack's kinds pluralize (Policy → policies, Endpoints → endpoints). */
export function resourceOf(kind: string): string {
  const k = kind.toLowerCase();
  if (k.endsWith('s')) return k === 'endpoints' ? k : `${k}es`;
  if (/[^aeiou]y$/.test(k)) return `${k.slice(0, -1)}ies`;
  return `${k}s`;
}

/** gobwas/glob as Argo CD uses it: `*` (within separators when given), `?`, `[...]`, `{a,b}`. */
export function globMatch(pattern: string, value: string, separators = ''): boolean {
  if (pattern.startsWith('!')) return !globMatch(pattern.slice(1), value, separators);
  if (pattern === '*') return true;
  const any = separators ? `[^${separators.replace(/[\]\\^-]/g, '\\$&')}]` : '.';
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += `${any}*`;
    else if (c === '?') re += any;
    else if (c === '{') {
      const end = pattern.indexOf('}', i);
      re += `(?:${pattern
        .slice(i + 1, end)
        .split(',')
        .map((x) => x.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('|')})`;
      i = end;
    } else if (c === '[') {
      const end = pattern.indexOf(']', i);
      re += pattern.slice(i, end + 1).replace(/^\[!/, '[^');
      i = end;
    } else re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`).test(value);
}

/** util/git NormalizeGitURL, as far as the stack's URLs need: case, trailing `.git` and `/`, scp → ssh. */
export function normalizeGitURL(url: string): string {
  let u = url.trim().toLowerCase();
  const scp = /^([^/@\s]+@)?([^:/\s]+):(?!\/\/)(.+)$/.exec(u);
  if (scp && !u.includes('://')) u = `ssh://${scp[1] ?? ''}${scp[2]}/${scp[3]}`;
  return u.replace(/\/+$/, '').replace(/\.git$/, '');
}

/** AppProject.isDestinationMatched (app_project_types.go @ v2.14.21), deny patterns included. */
export function destinationMatched(project: ProjectSpec, dst: { server?: string; name?: string; namespace?: string }): boolean {
  let any = false;
  for (const item of project.destinations ?? []) {
    const nameOk = !!dst.name && globMatch(item.name ?? '', dst.name);
    const serverOk = !!dst.server && globMatch(item.server ?? '', dst.server);
    const nsOk = globMatch(item.namespace ?? '', dst.namespace ?? '');
    if ((serverOk || nameOk) && nsOk) any = true;
    else if ((!nameOk && (item.name ?? '').startsWith('!')) || (!serverOk && (item.server ?? '').startsWith('!') && nsOk)) return false;
    else if (!nsOk && (item.namespace ?? '').startsWith('!') && serverOk) return false;
  }
  return any;
}

const inList = (gk: { group: string; kind: string }, list: { group: string; kind: string }[]) => list.some((x) => globMatch(x.group, gk.group) && globMatch(x.kind, gk.kind));

/** AppProject.IsGroupKindPermitted: a nil namespace whitelist admits everything, an empty one nothing. */
export function groupKindPermitted(project: ProjectSpec, gk: { group: string; kind: string }, namespaced: boolean): boolean {
  if (namespaced) {
    const wl = project.namespaceResourceWhitelist;
    const white = wl === undefined || wl === null || (wl.length !== 0 && inList(gk, wl));
    return white && !inList(gk, project.namespaceResourceBlacklist ?? []);
  }
  return inList(gk, project.clusterResourceWhitelist ?? []) && !inList(gk, project.clusterResourceBlacklist ?? []);
}

// ---------------------------------------------------------------------------------------------------------
// RBAC escalation rule
// ---------------------------------------------------------------------------------------------------------

const has = (list: readonly string[] | undefined, v: string) => (list ?? []).includes('*') || (list ?? []).includes(v);

/** Does one of `owner` grant this single (group, resource, verb, name) / (url, verb)? (validation.ruleCovers) */
function atomCovered(owner: readonly Rule[], atom: { group?: string; resource?: string; verb: string; name?: string; url?: string }): boolean {
  return owner.some((r) => {
    if (!has(r.verbs, atom.verb)) return false;
    if (atom.url !== undefined) return (r.nonResourceURLs ?? []).some((u) => u === '*' || u === atom.url || (u.endsWith('*') && atom.url!.startsWith(u.slice(0, -1))));
    if (!r.resources) return false;
    const [res, sub] = atom.resource!.split('/');
    const resOk = has(r.resources, atom.resource!) || (sub !== undefined && r.resources.includes(`${res}/*`)) || (sub === undefined ? false : r.resources.includes(`*/${sub}`));
    const nameOk = !r.resourceNames?.length || (atom.name !== undefined && r.resourceNames.includes(atom.name));
    return has(r.apiGroups, atom.group!) && resOk && nameOk;
  });
}

/** The rules of `requested` that `owner` does not cover, each as a readable atom (empty: covered). */
export function uncovered(owner: readonly Rule[], requested: readonly Rule[]): string[] {
  const out: string[] = [];
  for (const r of requested) {
    for (const verb of r.verbs) {
      if (r.nonResourceURLs?.length) {
        for (const url of r.nonResourceURLs) if (!atomCovered(owner, { verb, url })) out.push(`${verb} ${url}`);
        continue;
      }
      for (const group of r.apiGroups ?? []) {
        for (const resource of r.resources ?? []) {
          const names = r.resourceNames?.length ? r.resourceNames : [undefined];
          for (const name of names) {
            if (!atomCovered(owner, { group, resource, verb, ...(name !== undefined ? { name } : {}) }))
              out.push(`${verb} ${group ? `${group}/` : ''}${resource}${name ? ` (${name})` : ''}`);
          }
        }
      }
    }
  }
  return [...new Set(out)];
}

/** The controller's rules effective in `namespace` (cluster-wide ones always; undefined = cluster scope only). */
function rulesIn(all: readonly Grant[], subject: string, namespace: string | undefined): Rule[] {
  return all.filter((g) => g.subject === subject && (g.scope === 'cluster' || (namespace !== undefined && g.scope === `namespace:${namespace}`))).map((g) => g.rule);
}

// ---------------------------------------------------------------------------------------------------------
// The check
// ---------------------------------------------------------------------------------------------------------

interface App {
  doc: Doc;
  name: string;
  spec: AppSpec;
  wave: number;
  /** Folder of dist/ the app syncs (own repository), or the upstream CRD source it installs. */
  folder?: string;
  upstream?: (typeof UPSTREAM_CRD_SOURCES)[number];
  problems: string[];
}

export function checkArgocdAdmission(ctx: Context): Finding[] {
  const out: Finding[] = [];
  const apps: App[] = ctx.docs
    .filter((d) => d.obj.kind === 'Application')
    .map((d) => {
      const spec = (d.obj.spec ?? {}) as AppSpec;
      const path = spec.source?.path ?? '';
      const own = path.startsWith(`${ctx.gitPath}/`);
      const repoName = (
        repoOf(spec)
          .replace(/\.git$/, '')
          .split(/[/:]/)
          .pop() ?? ''
      ).toLowerCase();
      const upstream = own ? undefined : UPSTREAM_CRD_SOURCES.find((u) => u.path === path && u.repo === repoName);
      return {
        doc: d,
        name: d.obj.metadata.name,
        spec,
        wave: waveOf(d.obj),
        ...(own ? { folder: path.slice(ctx.gitPath.length + 1) } : {}),
        ...(upstream ? { upstream } : {}),
        problems: [],
      };
    });
  if (apps.length === 0) return out;
  const projects = new Map(ctx.docs.filter((d) => d.obj.kind === 'AppProject').map((d) => [d.obj.metadata.name, (d.obj.spec ?? {}) as ProjectSpec]));
  // Documents by folder, grants by scope: looked up per app and per object (a scan each time was quadratic, issue 22).
  const byFolder = new Map<string, Doc[]>();
  for (const d of ctx.docs) {
    const l = byFolder.get(dirname(d.file));
    if (l) l.push(d);
    else byFolder.set(dirname(d.file), [d]);
  }
  const objectsOf = (a: App): Doc[] => (a.folder !== undefined ? (byFolder.get(a.folder) ?? []) : []);

  // The controller: its StatefulSet names the namespace and ServiceAccount; argocd-cm its inclusions.
  const ctrl = ctx.docs.find((d) => d.obj.metadata.name === 'argocd-application-controller' && (d.obj.kind === 'StatefulSet' || d.obj.kind === 'Deployment'));
  const argoNs = ctrl?.obj.metadata.namespace ?? 'argocd';
  const sa = (ctrl?.obj.spec as { template?: { spec?: { serviceAccountName?: string } } } | undefined)?.template?.spec?.serviceAccountName ?? 'argocd-application-controller';
  const subject = `system:serviceaccount:${argoNs}:${sa}`;
  const cm = ctx.docs.find((d) => d.obj.kind === 'ConfigMap' && d.obj.metadata.name === 'argocd-cm' && d.obj.metadata.namespace === argoNs)?.obj as
    (KubeObj & { data?: Record<string, string> }) | undefined;
  const resList = (key: string) => (parse(cm?.data?.[key] ?? '[]', { version: '1.1' }) ?? []) as { apiGroups?: string[]; kinds?: string[] }[];
  const inclusions = resList('resource.inclusions');
  const exclusions = resList('resource.exclusions');
  const matchRes = (l: { apiGroups?: string[]; kinds?: string[] }[], gk: { group: string; kind: string }) =>
    l.some((x) => (x.apiGroups ?? []).some((g) => globMatch(g, gk.group)) && (x.kinds ?? []).some((k) => globMatch(k, gk.kind)));
  const watched = (gk: { group: string; kind: string }) => (inclusions.length === 0 || matchRes(inclusions, gk)) && !matchRes(exclusions, gk);
  // The controller's rights count only from bindings Argo CD does not sync itself: a right it holds through a
  // synced binding could not be extended by a sync (that needs the right first, or escalate on the role).
  const syncedFolders = new Set(apps.flatMap((a) => (a.folder !== undefined ? [a.folder] : [])));
  const all = grants(ctx.docs.filter((d) => !(syncedFolders.has(dirname(d.file)) && (d.obj.kind === 'RoleBinding' || d.obj.kind === 'ClusterRoleBinding'))));
  const ownerRules = new Map<string, Rule[]>();
  const ownerIn = (namespace: string | undefined): Rule[] => {
    const k = namespace ?? '';
    if (!ownerRules.has(k)) ownerRules.set(k, rulesIn(all, subject, namespace));
    return ownerRules.get(k)!;
  };
  const roles = new Map<string, Rule[]>();
  for (const d of ctx.docs) {
    if (d.obj.kind === 'Role') roles.set(`Role/${d.obj.metadata.namespace}/${d.obj.metadata.name}`, (d.obj.rules as Rule[]) ?? []);
    if (d.obj.kind === 'ClusterRole') roles.set(`ClusterRole//${d.obj.metadata.name}`, (d.obj.rules as Rule[]) ?? []);
  }
  // A binding to a built-in ClusterRole (edit, view, system:…) is covered by its rules as the cluster holds them (issue 25).
  for (const [name, rules] of clusterRoleRules(ctx.docs)) if (!roles.has(`ClusterRole//${name}`)) roles.set(`ClusterRole//${name}`, rules);

  for (const a of apps) {
    const project = projects.get(a.spec.project ?? 'default');
    if (!project) {
      a.problems.push(`project ${a.spec.project ?? 'default'} does not exist in dist`);
      continue;
    }
    // 1. Project admission of the Application itself.
    const repo = repoOf(a.spec);
    const srcOk = (project.sourceRepos ?? []).some((p) => !p.startsWith('!') && globMatch(normalizeGitURL(p), normalizeGitURL(repo), '/'));
    if (!srcOk) a.problems.push(`source ${repo} is not in the sourceRepos of project ${a.spec.project}`);
    const dst = a.spec.destination ?? {};
    if (!destinationMatched(project, dst)) {
      a.problems.push(
        `destination server '${dst.server ?? ''}' and namespace '${dst.namespace ?? ''}' do not match any destination of project ${a.spec.project} (Argo CD matches the namespace as written; an empty one matches only "*")`,
      );
    }
    // Each object the app syncs.
    const forbidden: string[] = [];
    for (const o of objectsOf(a)) {
      const gk = { group: groupOf(o.obj), kind: o.obj.kind };
      const namespaced = !CLUSTER_SCOPED.has(o.obj.kind);
      if (!groupKindPermitted(project, gk, namespaced))
        forbidden.push(`${gk.group || 'core'}/${gk.kind} is not in the project's ${namespaced ? 'namespace' : 'cluster'} resource whitelist`);
      else if (namespaced && !destinationMatched(project, { ...dst, namespace: o.obj.metadata.namespace ?? dst.namespace ?? '' }))
        forbidden.push(`namespace ${o.obj.metadata.namespace} of ${o.obj.kind} ${o.obj.metadata.name} is not a destination of the project`);
    }
    if (a.upstream && !groupKindPermitted(project, { group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition' }, false))
      forbidden.push("CustomResourceDefinition is not in the project's cluster resource whitelist");
    a.problems.push(...[...new Set(forbidden)]);
    // An explicit `directory` source wins over discovery (ApplicationSource.ExplicitType), and a directory
    // source reads every YAML file as manifests: a kustomization file there becomes a bogus object.
    if (a.spec.source?.directory !== undefined) {
      const kust = a.upstream?.kustomization ?? objectsOf(a).find((o) => KUSTOMIZATION_NAMES.includes(o.file.slice(o.file.lastIndexOf('/') + 1)))?.file;
      if (kust)
        a.problems.push(
          `its source sets \`directory\`, so Argo CD reads ${kust} as a manifest instead of building the kustomization (an explicit source type wins over discovery): drop \`directory\``,
        );
    }

    // 2. The controller may create/update each object (inclusions, RBAC, escalation rule).
    const denied: string[] = [];
    const kinds: { group: string; kind: string; namespace?: string; doc?: Doc }[] = a.upstream
      ? [{ group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition' }]
      : objectsOf(a).map((o) => ({ group: groupOf(o.obj), kind: o.obj.kind, ...(o.obj.metadata.namespace ? { namespace: o.obj.metadata.namespace } : {}), doc: o }));
    for (const k of kinds) {
      if (!watched(k)) denied.push(`${k.group || 'core'}/${k.kind} is not in argocd-cm resource.inclusions (or is excluded): the controller never sees it`);
      const owner = ownerIn(k.namespace);
      const missing = ['create', 'update', 'patch', 'delete'].filter((v) => uncovered(owner, [{ apiGroups: [k.group], resources: [resourceOf(k.kind)], verbs: [v] }]).length > 0);
      if (missing.length) denied.push(`${subject} may not ${missing.join('/')} ${k.group ? `${k.group}/` : ''}${resourceOf(k.kind)}${k.namespace ? ` in ${k.namespace}` : ''}`);
      const o = k.doc?.obj;
      if (!o) continue;
      if (o.kind === 'Role' || o.kind === 'ClusterRole') {
        const escalate = owner.some(
          (r) =>
            has(r.apiGroups, 'rbac.authorization.k8s.io') &&
            has(r.resources, resourceOf(o.kind)) &&
            has(r.verbs, 'escalate') &&
            (!r.resourceNames?.length || r.resourceNames.includes(o.metadata.name)),
        );
        const gap = escalate ? [] : uncovered(owner, (o.rules as Rule[]) ?? []);
        if (gap.length)
          denied.push(
            `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name} grants what ${subject} does not hold (Kubernetes forbids the escalation): ${gap.slice(0, 6).join(', ')}${gap.length > 6 ? ` and ${gap.length - 6} more` : ''}`,
          );
      }
      if (o.kind === 'RoleBinding' || o.kind === 'ClusterRoleBinding') {
        const ref = o.roleRef as { kind: string; name: string };
        const refKey = ref.kind === 'Role' ? `Role/${o.metadata.namespace}/${ref.name}` : `ClusterRole//${ref.name}`;
        const bind = owner.some(
          (r) =>
            has(r.apiGroups, 'rbac.authorization.k8s.io') &&
            has(r.resources, resourceOf(ref.kind)) &&
            has(r.verbs, 'bind') &&
            (!r.resourceNames?.length || r.resourceNames.includes(ref.name)),
        );
        const refRules = roles.get(refKey);
        const gap = bind ? [] : refRules ? uncovered(owner, refRules) : [`bind ${ref.kind} ${ref.name} (not in dist, so only bind on its name can admit it)`];
        if (gap.length)
          denied.push(
            `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name} binds ${ref.kind} ${ref.name} and ${subject} neither holds its rules nor has bind on it: ${gap.slice(0, 6).join(', ')}${gap.length > 6 ? ` and ${gap.length - 6} more` : ''}`,
          );
      }
    }
    a.problems.push(...[...new Set(denied)]);
  }

  // 3. CRDs before their custom resources.
  const root = apps.find((a) => a.folder !== undefined && objectsOf(a).some((d) => d.obj.kind === 'Application' && d.obj.metadata.name === a.name));
  // The apps that install each CRD group: upstream sources by their groups, own folders by their CRDs.
  const crdGroupsOf = (a: App) => new Set(objectsOf(a).flatMap((d) => (d.obj.kind === 'CustomResourceDefinition' ? [(d.obj.spec as { group?: string }).group] : [])));
  const installers = new Map<string, App[]>();
  for (const p of apps) {
    const groups = new Set<string>([...(p.upstream?.groups ?? []), ...[...crdGroupsOf(p)].filter((g): g is string => g !== undefined)]);
    for (const g of groups) installers.set(g, [...(installers.get(g) ?? []), p]);
  }
  const builtin = new Set([
    '',
    'apps',
    'batch',
    'policy',
    'autoscaling',
    'networking.k8s.io',
    'rbac.authorization.k8s.io',
    'admissionregistration.k8s.io',
    'apiextensions.k8s.io',
    'discovery.k8s.io',
    'storage.k8s.io',
    'scheduling.k8s.io',
    'coordination.k8s.io',
    'certificates.k8s.io',
    'node.k8s.io',
    'apiregistration.k8s.io',
  ]);
  for (const a of apps) {
    if (a.folder === undefined || a === root) continue; // the root is applied after DAY0 installs Argo CD's CRDs
    const own = objectsOf(a);
    const localCrdGroups = new Set(own.filter((o) => o.obj.kind === 'CustomResourceDefinition').map((o) => String((o.obj.spec as { group?: string }).group)));
    for (const group of [...new Set(own.map((o) => groupOf(o.obj)))].sort()) {
      if (builtin.has(group) || CLUSTER_CRD_GROUPS.has(group) || localCrdGroups.has(group)) continue;
      const providers = (installers.get(group) ?? []).filter((p) => p.upstream?.groups.includes(group) || (p.folder !== undefined && p !== a));
      if (providers.length === 0) a.problems.push(`its ${group} objects have no CRD: no Application installs one and the cluster does not have it`);
      else if (!providers.some((p) => p.wave < a.wave))
        a.problems.push(`its ${group} objects sync in wave ${a.wave}, not after the CRDs (${providers.map((p) => `${p.name} wave ${p.wave}`).join(', ')})`);
    }
  }

  // 4. Every repoURL is reachable from the repo-server.
  const repoServer = endpointsOf(ctx.docs).find((e) => e.name === 'argocd-repo-server' && e.namespace === argoNs);
  if (repoServer) {
    const model = NetModel.fromDocs(ctx.docs);
    for (const a of apps) {
      const url = repoOf(a.spec);
      const e = endpointOf(url);
      if (!e) {
        a.problems.push(`repoURL ${url} is not an https, ssh or scp-like git URL`);
        continue;
      }
      const peer: Peer = /^\d+\.\d+\.\d+\.\d+$/.test(e.host) ? { kind: 'cidr', cidrs: [`${e.host}/32`] } : { kind: 'fqdn', names: [e.host] };
      if (!model.allowed({ kind: 'endpoint', ep: repoServer }, peer, e.port))
        a.problems.push(`the repo-server may not reach ${e.host}:${e.port} for ${url} under the network policies`);
    }
  }

  // 4b. ...and trusts it: the repo-server mounts the trust config maps where the code reads them
  // (common/common.go DefaultPathTLSConfig, DefaultPathSSHConfig), with a CA for every private https host
  // (certs are looked up by host name) and a known_hosts line for every ssh host.
  if (repoServer) {
    const pod = repoServer.doc ? (podSpecOf(repoServer.doc.obj)?.spec as PodSpecWithMounts | undefined) : undefined;
    const mountedCm = (path: string): string | undefined => {
      const m = (pod?.containers ?? []).flatMap((c) => c.volumeMounts ?? []).find((x) => x.mountPath === path);
      const v = m ? (pod?.volumes ?? []).find((x) => x.name === m.name) : undefined;
      return (v?.configMap as { name?: string } | undefined)?.name;
    };
    const cmData = (name: string | undefined) =>
      (
        ctx.docs.find((d) => d.obj.kind === 'ConfigMap' && d.obj.metadata.name === name && d.obj.metadata.namespace === argoNs)?.obj as
          { data?: Record<string, string> } | undefined
      )?.data ?? {};
    const tlsCm = mountedCm('/app/config/tls');
    const sshCm = mountedCm('/app/config/ssh');
    const known = (cmData(sshCm).ssh_known_hosts ?? '').split('\n').flatMap(knownHostNames);
    for (const a of apps) {
      const url = repoOf(a.spec);
      const e = endpointOf(url);
      if (!e) continue;
      if (e.scheme === 'https' && needsPrivateCa(e.host)) {
        if (!tlsCm) a.problems.push(`the repo-server mounts no config map at /app/config/tls, so it cannot trust ${e.host} (a private name no public CA issues for)`);
        else if (!/-----BEGIN CERTIFICATE-----/.test(cmData(tlsCm)[e.host] ?? ''))
          a.problems.push(`${tlsCm} has no CA certificate for ${e.host}: the repo-server rejects its private-CA certificate`);
      }
      if (e.scheme === 'ssh') {
        if (!sshCm) a.problems.push(`the repo-server mounts no config map at /app/config/ssh, so ssh to ${e.host} fails host key verification`);
        else if (!known.includes(e.host)) a.problems.push(`${sshCm} has no known_hosts line for ${e.host}: ssh host key verification fails`);
      }
    }
  }

  // The UI opens every node of the resource tree: argocd-server may get each kind the controller watches
  // (resource.inclusions), or the UI answers 403 for it (upstream grants get on */*).
  const server = ctx.docs.find((d) => d.obj.kind === 'Deployment' && d.obj.metadata.name === 'argocd-server' && d.obj.metadata.namespace === argoNs);
  if (server && inclusions.length) {
    const serverSa = (server.obj.spec as { template?: { spec?: { serviceAccountName?: string } } }).template?.spec?.serviceAccountName ?? 'default';
    const serverSubject = `system:serviceaccount:${argoNs}:${serverSa}`;
    const have = rulesIn(grants(ctx.docs), serverSubject, undefined);
    const unreadable = inclusions.flatMap((i) =>
      (i.apiGroups ?? []).flatMap((g) =>
        (i.kinds ?? [])
          .filter((k) => k !== 'Event' && !k.includes('*') && !g.includes('*'))
          .filter((k) => uncovered(have, [{ apiGroups: [g], resources: [resourceOf(k)], verbs: ['get'] }]).length > 0)
          .map((k) => `${g ? `${g}/` : ''}${resourceOf(k)}`),
      ),
    );
    if (unreadable.length)
      out.push(
        finding(CHECK, 'error', `${serverSubject} may not get ${unreadable.join(', ')}, which the controller watches: the UI answers 403 for them in the resource tree`, server),
      );
  }

  // 5. Report, and the waves each unhealthy app holds back.
  const broken = apps.filter((a) => a.problems.length > 0);
  for (const a of broken) for (const p of a.problems) out.push(finding(CHECK, 'error', `Application ${a.name}: ${p}`, a.doc));
  const rootWaves = apps.filter((a) => a !== root);
  for (const a of broken.filter((b) => b !== root)) {
    const later = rootWaves.filter((b) => b.wave > a.wave).sort((x, y) => x.wave - y.wave || (x.name < y.name ? -1 : 1));
    if (later.length)
      out.push(
        finding(
          CHECK,
          'error',
          `Application ${a.name} (wave ${a.wave}) cannot become Healthy, so the root never starts the waves after it: ${later.map((b) => `${b.name} (${b.wave})`).join(', ')}`,
          a.doc,
        ),
      );
  }
  if (broken.length === 0)
    out.push({
      check: CHECK,
      severity: 'info',
      message: `${apps.length} Applications admitted by their projects, synced objects creatable by ${subject}, CRDs before custom resources, every repoURL reachable`,
    });
  return out;
}

/** Host and port of a git URL as git connects to it. */
function endpointOf(url: string): { scheme: 'https' | 'ssh'; host: string; port: number } | undefined {
  const scp = /^[^/@\s]+@([^:/\s]+):(?!\/\/)/.exec(url);
  if (scp) return { scheme: 'ssh', host: scp[1]!, port: 22 };
  try {
    const u = new URL(url);
    if (u.protocol === 'https:') return { scheme: 'https', host: u.hostname, port: Number(u.port || 443) };
    if (u.protocol === 'ssh:') return { scheme: 'ssh', host: u.hostname, port: Number(u.port || 22) };
  } catch {
    return undefined;
  }
  return undefined;
}
