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
import { ArgoCd, ManagedKind } from '../constructs/argocd';
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
  return { 'argocd-crds': -5, 'traefik-crds': -5, platform: -4, ...Object.fromEntries(stackCharts(apps).map((c) => [c.name, c.wave])) };
}

/** The waves of the registered apps' charts (each app declares its wave, constructs/registry.ts). */
export const APP_WAVES: Readonly<Record<string, number>> = appWaves(APPS);

const DESTINATION = 'https://kubernetes.default.svc';
const SYNC_POLICY = {
  automated: { prune: true, selfHeal: true },
  retry: { limit: 5, backoff: { duration: '10s', factor: 2, maxDuration: '5m' } },
  syncOptions: ['PruneLast=true', 'PrunePropagationPolicy=foreground'],
};

/** Plural resource of a kind (the RBAC resource name). */
export function resourceOf(kind: string): string {
  const k = kind.toLowerCase();
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
      orphanedResources: { warn: true },
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
  const app = (name: string, source: { repoURL: string; path: string; revision: string; include?: string; recurse?: boolean }, opts: AppOpts) =>
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
          directory: { recurse: source.recurse ?? false, ...(source.include ? { include: source.include } : {}) },
        },
        destination: { server: DESTINATION, namespace: opts.namespace },
        syncPolicy: {
          ...SYNC_POLICY,
          automated: { prune: !opts.keep, selfHeal: true },
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
  app('argocd-crds', { repoURL: mirrors.argocd, path: up.argocd.path, revision: up.argocd.tag }, crd);
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
