/**
 * Chart `apps`: the GitOps wiring. An AppProject `homelab` that admits exactly this repository, the stack's
 * namespaces and the cluster-scoped kinds the stack creates; one child Application per chart; the upstream
 * CRDs (Argo CD, Traefik) at the pinned tags; and the root Application that points at this folder, so the
 * app-of-apps manages itself after `kubectl apply -f dist/apps/apps.yaml` once.
 */
import { ApiObject, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { Application, ApplicationSpecIgnoreDifferences } from '../imports/argocd-application-argoproj.io';
import { AppProject } from '../imports/argocd-appproject-argoproj.io';
import { ArgoCd, ManagedKind, UPSTREAM_CRDS } from '../constructs/argocd';
import { StackContext } from '../constructs/lib/context';
import { CLUSTER_SCOPED, StackChart } from './stack-chart';

export const PROJECT = 'homelab';
export const ROOT_APP = 'root';

/**
 * Order of the child Applications (sync waves of the root app), as data: CRDs and namespaces first, then
 * platform policies and RBAC, then stateful backends, then the UIs and ingress. The root app waits for each
 * wave to be healthy (Application health check in argocd-cm) before the next.
 */
export const APP_WAVES: Readonly<Record<string, number>> = {
  'argocd-crds': -5,
  'traefik-crds': -5,
  platform: -4,
  vault: -3,
  argocd: -2,
  storage: -1,
  security: -1,
  monitoring: 0,
  ingress: 1,
};

const DESTINATION = 'https://kubernetes.default.svc';
const SYNC_POLICY = {
  automated: { prune: true, selfHeal: true },
  retry: { limit: 5, backoff: { duration: '10s', factor: 2, maxDuration: '5m' } },
  syncOptions: ['PruneLast=true', 'PrunePropagationPolicy=foreground'],
};

/** Plural resource of a kind (the RBAC resource name). */
export function resourceOf(kind: string): string {
  const k = kind.toLowerCase();
  if (k.endsWith('y')) return `${k.slice(0, -1)}ies`;
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
  if (argocd instanceof ArgoCd) argocd.finalize(sortedKinds);

  const clusterKinds = sortedKinds.filter((k) => CLUSTER_SCOPED.has(k.kind));
  new AppProject(chart, 'project', {
    metadata: { name: PROJECT, namespace: ns, labels },
    spec: {
      description: `The ${site.cluster.name} homelab stack, synthesized by cdk8s`,
      sourceRepos: [site.git.repoURL, UPSTREAM_CRDS.argocd.repoURL, UPSTREAM_CRDS.traefik.repoURL],
      destinations: [...namespaces].sort().map((n) => ({ server: DESTINATION, namespace: n })),
      clusterResourceWhitelist: clusterKinds.map((k) => ({ group: k.group, kind: k.kind })),
      namespaceResourceWhitelist: sortedKinds.filter((k) => !CLUSTER_SCOPED.has(k.kind)).map((k) => ({ group: k.group, kind: k.kind })),
      orphanedResources: { warn: true },
    },
  });

  const app = (name: string, source: { repoURL: string; path: string; revision: string; include?: string; recurse?: boolean }, extra: { syncOptions?: string[]; ignoreDifferences?: ApplicationSpecIgnoreDifferences[] } = {}) =>
    new Application(chart, `app-${name}`, {
      metadata: {
        name,
        namespace: ns,
        labels,
        annotations: { 'argocd.argoproj.io/sync-wave': String(APP_WAVES[name] ?? 0) },
        finalizers: ['resources-finalizer.argocd.argoproj.io'],
      },
      spec: {
        project: PROJECT,
        source: {
          repoUrl: source.repoURL,
          targetRevision: source.revision,
          path: source.path,
          directory: { recurse: source.recurse ?? false, ...(source.include ? { include: source.include } : {}) },
        },
        destination: { server: DESTINATION },
        syncPolicy: { ...SYNC_POLICY, syncOptions: [...SYNC_POLICY.syncOptions, ...(extra.syncOptions ?? [])] },
        ...(extra.ignoreDifferences ? { ignoreDifferences: extra.ignoreDifferences } : {}),
      },
    });

  // CRDs are large (server-side apply) and must outlive everything: never pruned, never deleted.
  const crdOptions = { syncOptions: ['ServerSideApply=true', 'Prune=false', 'Delete=false'] };
  app('argocd-crds', { repoURL: UPSTREAM_CRDS.argocd.repoURL, path: UPSTREAM_CRDS.argocd.path, revision: UPSTREAM_CRDS.argocd.revision }, crdOptions);
  if (site.workloads.traefik.enabled) {
    app('traefik-crds', { repoURL: UPSTREAM_CRDS.traefik.repoURL, path: UPSTREAM_CRDS.traefik.path, revision: UPSTREAM_CRDS.traefik.revision, include: UPSTREAM_CRDS.traefik.include }, crdOptions);
  }
  for (const c of charts) {
    const extra: { ignoreDifferences?: ApplicationSpecIgnoreDifferences[] } = {};
    // The injector patches its own webhook's caBundle at runtime (auto TLS).
    if (c.chartName === 'vault') extra.ignoreDifferences = [{ group: 'admissionregistration.k8s.io', kind: 'MutatingWebhookConfiguration', jsonPointers: ['/webhooks/0/clientConfig/caBundle'] }];
    app(c.chartName, { repoURL: site.git.repoURL, path: `${site.git.path}/${c.folder}`, revision: site.git.revision }, extra);
  }
  app(ROOT_APP, { repoURL: site.git.repoURL, path: `${site.git.path}/${chart.folder}`, revision: site.git.revision });
  return chart;
}
