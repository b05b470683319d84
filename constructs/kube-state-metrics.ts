/**
 * kube-state-metrics (namespace `monitoring`): the API objects' state as metrics (pod phases, container
 * restarts and waiting reasons, replica availability), the real signal behind the restart and availability
 * rules (docs/adr/0012-alerting-without-kube-state-metrics.md). Upstream facts: conformance/facts/kube-state-metrics.ts.
 *
 * Least privilege: upstream's example ClusterRole lists and watches every resource kube-state-metrics knows
 * (secrets and configmaps included); `--resources` limits it to what the rules and dashboards read, and the
 * ClusterRole grants list/watch on exactly those (test/conformance/kube-state-metrics.test.ts).
 */
import { z } from 'zod';
import { component, res } from '../config/fields';
import { alertRule, defineApp, namespaceName, pinnedImage } from './lib/app';
import type { ResourceRule } from './lib/rbac';
import { Workload } from './lib/workload';

export const KSM_IMAGE = { repository: 'registry.k8s.io/kube-state-metrics/kube-state-metrics', tag: 'v2.11.0' } as const;
/** The image's USER nobody (upstream Dockerfile). */
export const KSM_UID = 65534;
export const KSM_PORT = 8080;
export const KSM_TELEMETRY_PORT = 8081;

/**
 * The resources exported (`--resources`), each with the API group its informer lists and watches
 * (upstream examples/standard/cluster-role.yaml): nothing on secrets or configmaps.
 */
export const KSM_RESOURCES: Readonly<Record<string, string>> = {
  daemonsets: 'apps',
  deployments: 'apps',
  jobs: 'batch',
  nodes: '',
  persistentvolumeclaims: '',
  pods: '',
  statefulsets: 'apps',
};

/** One list/watch rule per API group, resources sorted. */
export function ksmClusterRules(): ResourceRule[] {
  const byGroup = new Map<string, string[]>();
  for (const [r, g] of Object.entries(KSM_RESOURCES)) byGroup.set(g, [...(byGroup.get(g) ?? []), r]);
  return [...byGroup.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([g, rs]) => ({ apiGroups: [g], resources: rs.sort(), verbs: ['list', 'watch'] }));
}

/** `site.workloads.kubeStateMetrics`. */
export const kubeStateMetricsSchema = z
  .strictObject({
    /** @default true (with Prometheus): restart and availability alerts need it. */
    enabled: z.boolean().default(true),
    ...component({ resources: res('20m', '64Mi', '256Mi', '200m') }),
  })
  .prefault({});

declare module '../config/schema' {
  /** `site.workloads.kubeStateMetrics`, typed by this file's schema (config/schema.ts SiteWorkloads). */
  interface SiteWorkloads {
    readonly kubeStateMetrics: z.output<typeof kubeStateMetricsSchema>;
  }
}

export const kubeStateMetricsApp = defineApp({
  key: 'kubeStateMetrics',
  schema: kubeStateMetricsSchema,
  singletons: [['replicas']],
  namespace: { key: 'monitoring', podSecurity: 'restricted' },
  chart: 'monitoring',
  wave: 0,
  images: [KSM_IMAGE],
  enabled: (site) => site.workloads.kubeStateMetrics.enabled && site.workloads.prometheus.enabled,
  routed: false,
  build: (chart, ctx) => {
    const cfg = ctx.site.workloads.kubeStateMetrics;
    const w = new Workload(chart, 'kube-state-metrics', ctx, {
      name: 'kube-state-metrics',
      namespace: namespaceName(ctx.site, 'monitoring'),
      partOf: 'observability',
      version: KSM_IMAGE.tag,
      kind: 'Deployment',
      replicas: 1,
      user: { uid: KSM_UID, gid: KSM_UID },
      containers: [
        {
          name: 'kube-state-metrics',
          image: pinnedImage(KSM_IMAGE),
          // The entrypoint already passes --port=8080 --telemetry-port=8081; args only add to it.
          args: [`--resources=${Object.keys(KSM_RESOURCES).sort().join(',')}`],
          ports: [
            { name: 'http-metrics', port: KSM_PORT },
            { name: 'telemetry', port: KSM_TELEMETRY_PORT },
          ],
          resources: cfg.resources,
          liveness: { http: { path: '/healthz', port: 'http-metrics' }, initialDelaySeconds: 5 },
          readiness: { http: { path: '/', port: 'telemetry' }, initialDelaySeconds: 5 },
        },
      ],
      clusterRules: ksmClusterRules(),
      // Its series name other pods (namespace, pod, container): those must not become exported_namespace, ...
      metrics: [{ port: 'http-metrics', honorLabels: true }],
    });
    // Its informers list and watch the API; v2.11.0 exits when the first discovery call fails (facts: apiAtStart).
    ctx.allowApiServer(w.peer, 'kube-state-metrics lists and watches the objects it exports');
  },
  dashboards: () => [
    {
      uid: 'domus-workloads',
      title: 'Cluster workloads',
      panels: [
        { title: 'Pods by phase', expr: 'sum by (namespace, phase) (kube_pod_status_phase)' },
        { title: 'Container restarts (1h)', expr: 'sum by (namespace, pod, container) (increase(kube_pod_container_status_restarts_total[1h]))' },
        { title: 'Containers waiting, by reason', expr: 'sum by (namespace, reason) (kube_pod_container_status_waiting_reason)' },
        { title: 'Deployments: unavailable replicas', expr: 'sum by (namespace, deployment) (kube_deployment_status_replicas_unavailable)' },
        { title: 'StatefulSets: replicas not ready', expr: 'sum by (namespace, statefulset) (kube_statefulset_replicas - kube_statefulset_status_replicas_ready)' },
        { title: 'DaemonSets: pods unavailable', expr: 'sum by (namespace, daemonset) (kube_daemonset_status_number_unavailable)' },
      ],
    },
  ],
  alerts: () => [
    alertRule(
      'PodCrashLooping',
      'sum by (namespace, pod, container) (increase(kube_pod_container_status_restarts_total[30m])) > 3',
      '0m',
      'critical',
      'Container {{ $labels.namespace }}/{{ $labels.pod }}/{{ $labels.container }} restarts repeatedly',
      'kube-state-metrics counted more than 3 restarts of this container in 30 minutes (kubectl -n {{ $labels.namespace }} logs {{ $labels.pod }} -c {{ $labels.container }} --previous).',
    ),
    alertRule(
      'PodNotReady',
      'sum by (namespace, pod) (kube_pod_status_phase{phase=~"Pending|Unknown|Failed"}) > 0',
      '15m',
      'warning',
      'Pod {{ $labels.namespace }}/{{ $labels.pod }} is not running',
      'The pod has been Pending, Unknown or Failed for 15 minutes (kubectl -n {{ $labels.namespace }} describe pod {{ $labels.pod }}).',
    ),
    alertRule(
      'DeploymentReplicasUnavailable',
      'kube_deployment_status_replicas_unavailable > 0',
      '15m',
      'warning',
      'Deployment {{ $labels.namespace }}/{{ $labels.deployment }} lacks replicas',
      'Some replicas have not been available for 15 minutes.',
    ),
    alertRule(
      'KubeStateMetricsDown',
      'absent(up{job="kube-state-metrics"} == 1)',
      '10m',
      'critical',
      'kube-state-metrics is not scraped',
      'Without it the restart and availability alerts are blind.',
    ),
  ],
  mustDeny: [{ from: 'ingress/traefik', to: 'monitoring/kube-state-metrics', port: KSM_PORT, why: 'cluster object state is for Prometheus only' }],
});
