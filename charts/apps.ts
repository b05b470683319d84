/**
 * Chart `apps`: the GitOps wiring. An AppProject `homelab` that admits exactly this repository and the LAN
 * mirrors of the two upstream CRD repositories, the stack's namespaces and the cluster-scoped kinds the stack
 * creates; one child Application per chart; the upstream CRDs (Argo CD, Traefik) at the pinned tags; and the
 * root Application that points at this folder, so the app-of-apps manages itself after
 * `kubectl apply -f dist/apps/apps.yaml` once.
 *
 * Admission (docs/adr/0021-argocd-admission.md): Argo CD matches an Application's destination server AND
 * namespace against the project's destinations, the namespace as written (an empty namespace matches only a
 * `*` glob); each synced namespaced object is then matched by its own namespace, each cluster-scoped object by
 * the cluster whitelist (argo-cd pkg/apis/application/v1alpha1/app_project_types.go isDestinationMatched,
 * IsGroupKindPermitted; controller/sync.go permission validator). So every Application names a namespace of
 * the project, and multi-namespace charts need nothing more.
 */
import { ApiObject, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { Application, ApplicationSpecIgnoreDifferences } from '../imports/argocd-application-argoproj.io';
import { AppProject } from '../imports/argocd-appproject-argoproj.io';
import { ArgoCd, ManagedKind, SYNCED_RBAC } from '../constructs/argocd';
import { mirrorsOf, repoURLsOf, UPSTREAM_REPOS } from '../config/git';
import { SYNC_OPTIONS_ANNOTATION } from './waves';
import { StackContext } from '../constructs/lib/context';
import { AppDefinition, stackCharts } from '../constructs/lib/app';
import { APPS } from '../constructs/registry';
import { CLUSTER_SCOPED, StackChart } from './stack-chart';

export const PROJECT = 'homelab';
export const ROOT_APP = 'root';

/**
 * Order of the child Applications (sync waves of the root app), as data: CRDs and namespaces first, then
 * platform policies and RBAC, then stateful backends, then the UIs and ingress. The root app waits for each
 * wave to be healthy (Application health check in argocd-cm) before the next.
 */
export function appWaves(apps: readonly AppDefinition[]): Readonly<Record<string, number>> {
  const charts = stackCharts(apps);
  // The foundations precede the first app's wave whatever numbers the apps declare: platform one wave
  // before, the upstream CRDs one before that.
  const platform = Math.min(0, ...charts.map((c) => c.wave)) - 1;
  return { 'argocd-crds': platform - 1, 'traefik-crds': platform - 1, platform, ...Object.fromEntries(charts.map((c) => [c.name, c.wave])) };
}

/** The waves of the registered apps' charts (each app declares its wave, constructs/registry.ts). */
export const APP_WAVES: Readonly<Record<string, number>> = appWaves(APPS);

const DESTINATION = 'https://kubernetes.default.svc';
const SYNC_POLICY = {
  automated: { prune: true, selfHeal: true },
  syncOptions: ['PruneLast=true', 'PrunePropagationPolicy=foreground'],
};

/**
 * Retry of a failed sync operation, in seconds (rendered as Argo CD's `syncPolicy.retry`). Argo CD v2.14
 * waits `duration × factor^n` (capped at `maxDuration`) before retry n+1 of the same operation, and once the
 * retries are spent auto-sync never tries that revision again (controller/appcontroller.go autoSync: "failed
 * previous sync attempt"); an operation waiting to retry also keeps auto-sync from picking up a newer commit.
 * So a retry window must outlast what heals by itself (a first pull of large images past a Deployment's
 * progress deadline) without being endless (limit -1 would pin the Application to a broken revision).
 * The root outlasts its children: a child that heals within its own window lets the root's next retry pass
 * its wave. docs/adr/0023-argocd-sync-retry.md.
 */
export interface SyncRetry {
  readonly limit: number;
  readonly durationSeconds: number;
  readonly factor: number;
  readonly maxDurationSeconds: number;
}
export const CHILD_RETRY: SyncRetry = { limit: 10, durationSeconds: 30, factor: 2, maxDurationSeconds: 600 };
export const ROOT_RETRY: SyncRetry = { ...CHILD_RETRY, limit: CHILD_RETRY.limit + 3 };

/** Seconds from the first failure to the last retry: Σ min(maxDuration, duration × factor^n) for n < limit (NextRetryAt). */
export function retryWindowSeconds(r: SyncRetry): number {
  let total = 0;
  for (let n = 0; n < r.limit; n++) total += Math.min(r.maxDurationSeconds, r.durationSeconds * r.factor ** n);
  return total;
}

/** A Go duration Argo CD parses (parseStringToDuration: an integer is seconds, else time.ParseDuration). */
const goDuration = (seconds: number) => (seconds % 60 === 0 ? `${seconds / 60}m` : `${seconds}s`);
export function retryPolicy(r: SyncRetry): { limit: number; backoff: { duration: string; factor: number; maxDuration: string } } {
  return { limit: r.limit, backoff: { duration: goDuration(r.durationSeconds), factor: r.factor, maxDuration: goDuration(r.maxDurationSeconds) } };
}

/** Plural resource of a kind (the RBAC resource name). */
export function resourceOf(kind: string): string {
  const k = kind.toLowerCase();
  // Endpoints is already plural (its resource is `endpoints`).
  if (k === 'endpoints') return k;
  if (/[^aeiou]y$/.test(k)) return `${k.slice(0, -1)}ies`;
  if (k.endsWith('s')) return `${k}es`;
  return `${k}s`;
}

function groupOf(apiVersion: string): string {
  return apiVersion.includes('/') ? apiVersion.split('/')[0]! : '';
}

export function buildAppsChart(scope: Construct, ctx: StackContext, charts: readonly StackChart[]): StackChart | undefined {
  const site = ctx.site;
  if (!site.workloads.argocd.enabled) return undefined;
  const ns = site.namespaces.argocd;
  const chart = new StackChart(scope, 'apps');
  const labels = { 'app.kubernetes.io/part-of': 'argocd', 'app.kubernetes.io/managed-by': 'cdk8s' };
  const waves = appWaves(ctx.apps);

  // What the charts contain decides what Argo CD may manage.
  const objects = charts.flatMap((c) => c.node.findAll().filter((x): x is ApiObject => x instanceof ApiObject && Chart.of(x) === c));
  const kinds = new Map<string, ManagedKind>();
  const namespaces = new Set<string>();
  for (const o of objects) {
    const group = groupOf(o.apiVersion);
    kinds.set(`${group}/${o.kind}`, { group, kind: o.kind, resource: resourceOf(o.kind) });
    if (o.metadata.namespace) namespaces.add(o.metadata.namespace);
  }
  // The Argo CD and Traefik CRDs come from upstream; the Applications and the project are managed too.
  kinds.set('apiextensions.k8s.io/CustomResourceDefinition', { group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition', resource: 'customresourcedefinitions' });
  kinds.set('argoproj.io/Application', { group: 'argoproj.io', kind: 'Application', resource: 'applications' });
  kinds.set('argoproj.io/AppProject', { group: 'argoproj.io', kind: 'AppProject', resource: 'appprojects' });
  kinds.set('argoproj.io/ApplicationSet', { group: 'argoproj.io', kind: 'ApplicationSet', resource: 'applicationsets' });
  const sortedKinds = [...kinds.values()].sort((a, b) => (`${a.group}/${a.kind}` < `${b.group}/${b.kind}` ? -1 : 1));
  const argocd = charts.find((c) => c.chartName === 'argocd')?.node.tryFindChild('argocd');
  if (argocd instanceof ArgoCd) argocd.finalize(sortedKinds, charts);

  const clusterKinds = sortedKinds.filter((k) => CLUSTER_SCOPED.has(k.kind));
  new AppProject(chart, 'project', {
    metadata: { name: PROJECT, namespace: ns, labels },
    spec: {
      description: `The ${site.cluster.name} homelab stack, synthesized by cdk8s`,
      sourceRepos: repoURLsOf(site),
      destinations: [...namespaces].sort().map((n) => ({ server: DESTINATION, namespace: n })),
      clusterResourceWhitelist: clusterKinds.map((k) => ({ group: k.group, kind: k.kind })),
      namespaceResourceWhitelist: sortedKinds.filter((k) => !CLUSTER_SCOPED.has(k.kind)).map((k) => ({ group: k.group, kind: k.kind })),
      // Warn about objects no Application syncs, except the controller's bootstrap RBAC that DAY0 applies in
      // each namespace on purpose: without this every Application there warned forever (the live run, ADR 0160).
      orphanedResources: {
        warn: true,
        ignore: ['Role', 'RoleBinding'].map((kind) => ({ group: 'rbac.authorization.k8s.io', kind, name: SYNCED_RBAC })),
      },
    },
  });

  /** The namespace an Application names: the one most of its objects live in (any project namespace would do; none of them lacks a namespace). */
  const homeOf = (c: StackChart): string => {
    const count = new Map<string, number>();
    for (const o of c.node.findAll())
      if (o instanceof ApiObject && Chart.of(o) === c && o.metadata.namespace) count.set(o.metadata.namespace, (count.get(o.metadata.namespace) ?? 0) + 1);
    const best = [...count.entries()].sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1))[0];
    return best?.[0] ?? ns;
  };

  interface AppOpts {
    readonly namespace: string;
    readonly syncOptions?: string[];
    readonly ignoreDifferences?: ApplicationSpecIgnoreDifferences[];
    /** Upstream CRDs: automated without prune, no cascading delete, and the root never prunes or deletes the app. */
    readonly keep?: boolean;
  }
  /**
   * `kustomization`: the folder holds that kustomization file, and the source names no type, so the
   * repo-server's discovery builds it with kustomize (util/app/discovery/discovery.go). A `directory` block
   * would force the plain-directory type (ApplicationSource.ExplicitType wins over discovery) and parse the
   * kustomization file itself as a manifest.
   */
  const app = (name: string, source: { repoURL: string; path: string; revision: string; include?: string; kustomization?: string }, opts: AppOpts) =>
    new Application(chart, `app-${name}`, {
      metadata: {
        name,
        namespace: ns,
        labels,
        annotations: {
          'argocd.argoproj.io/sync-wave': String(waves[name] ?? 0),
          // Read by the root app's sync of this Application object (a resource annotation, which Argo CD honours).
          ...(opts.keep ? { [SYNC_OPTIONS_ANNOTATION]: 'Prune=false,Delete=false' } : {}),
        },
        // The finalizer makes deleting the Application delete its resources; CRD apps never cascade.
        ...(opts.keep ? {} : { finalizers: ['resources-finalizer.argocd.argoproj.io'] }),
      },
      spec: {
        project: PROJECT,
        source: {
          repoUrl: source.repoURL,
          targetRevision: source.revision,
          path: source.path,
          // No zero-valued `directory` (recurse false and nothing else): Argo CD's controller removes it from the
          // live Application (util/argo/argo.go NormalizeSource) and the root puts it back, an endless OutOfSync
          // loop the live run found (docs/adr/0160-live-gitops.md). Without it discovery finds a directory source
          // (no kustomization or chart in the folder); `include` alone is kept as written.
          ...(!source.kustomization && source.include ? { directory: { include: source.include } } : {}),
        },
        destination: { server: DESTINATION, namespace: opts.namespace },
        syncPolicy: {
          ...SYNC_POLICY,
          automated: { prune: !opts.keep, selfHeal: true },
          retry: retryPolicy(name === ROOT_APP ? ROOT_RETRY : CHILD_RETRY),
          syncOptions: [...SYNC_POLICY.syncOptions, ...(opts.syncOptions ?? [])],
        },
        ...(opts.ignoreDifferences ? { ignoreDifferences: opts.ignoreDifferences } : {}),
      },
    });

  // CRDs are large (server-side apply) and must outlive everything. Argo CD reads Prune=false/Delete=false
  // only as annotations on the synced objects, which upstream's CRD files do not carry: instead automated
  // sync never prunes here, the apps carry no resources finalizer, and cascade deletion skips CRDs anyway
  // (controller/appcontroller.go shouldBeDeleted: !kube.IsCRD).
  const mirrors = mirrorsOf(site);
  const crd = { namespace: ns, syncOptions: ['ServerSideApply=true'], keep: true };
  const up = UPSTREAM_REPOS;
  app('argocd-crds', { repoURL: mirrors.argocd, path: up.argocd.path, revision: up.argocd.tag, kustomization: up.argocd.kustomization }, crd);
  if (site.workloads.traefik.enabled) {
    app('traefik-crds', { repoURL: mirrors.traefik, path: up.traefik.path, revision: up.traefik.tag, include: up.traefik.include }, crd);
  }
  for (const c of charts) {
    const opts: AppOpts = {
      namespace: homeOf(c),
      // The injector patches its own webhook's caBundle at runtime (auto TLS).
      ...(c.chartName === 'vault'
        ? { ignoreDifferences: [{ group: 'admissionregistration.k8s.io', kind: 'MutatingWebhookConfiguration', jsonPointers: ['/webhooks/0/clientConfig/caBundle'] }] }
        : {}),
    };
    app(c.chartName, { repoURL: site.git.repoURL, path: `${site.git.path}/${c.folder}`, revision: site.git.revision }, opts);
  }
  app(ROOT_APP, { repoURL: site.git.repoURL, path: `${site.git.path}/${chart.folder}`, revision: site.git.revision }, { namespace: ns });
  return chart;
}
