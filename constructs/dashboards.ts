/**
 * Grafana dashboards written as data: a cluster overview and one per enabled workload, each panel a query on
 * a metric that workload really exposes (the list is asserted in tests). Without kube-state-metrics, pod-level
 * views come from cAdvisor and the kubelet (see docs/adr/0012-alerting-without-kube-state-metrics.md).
 */
import type { DashboardSpec } from './lib/app';
import type { StackContext } from './lib/context';

export type { DashboardSpec, Panel } from './lib/app';

/** The cluster overview, then each enabled app's dashboards in registry order. */
export function dashboardSpecs(ctx: Pick<StackContext, 'site' | 'apps'>): DashboardSpec[] {
  const out: DashboardSpec[] = [
    {
      uid: 'domus-cluster',
      title: 'Cluster overview',
      panels: [
        { title: 'Targets up', expr: 'sum by (job) (up)' },
        { title: 'Node CPU (cores used)', expr: 'sum by (node) (rate(container_cpu_usage_seconds_total{id="/"}[5m]))' },
        { title: 'Memory working set by namespace', expr: 'sum by (namespace) (container_memory_working_set_bytes{container!=""})', unit: 'bytes' },
        { title: 'Failed liveness probes (15m)', expr: 'sum by (namespace, pod, container) (increase(prober_probe_total{probe_type="Liveness", result="failed"}[15m]))' },
        { title: 'Policy drops (Cilium)', expr: 'sum by (reason) (rate(cilium_drop_count_total[5m]))' },
        { title: 'Hubble flows by verdict', expr: 'sum by (verdict) (rate(hubble_flows_processed_total[5m]))' },
        { title: 'DNS queries (CoreDNS)', expr: 'sum by (rcode) (rate(coredns_dns_responses_total[5m]))' },
      ],
    },
  ];
  out.push(NETWORK_DASHBOARD);
  for (const app of ctx.apps) out.push(...(app.dashboards?.(ctx.site) ?? []));
  return out;
}

/**
 * Cilium and Hubble (scraped by Prometheus' own jobs, constructs/prometheus.ts): the "is it the network policy?"
 * rung of the debugging ladder. Drops by reason and direction, Hubble's dropped flows by source/destination
 * namespace, then `hubble observe --verdict DROPPED` on the node for the exact flow.
 */
const NETWORK_DASHBOARD: DashboardSpec = {
  uid: 'domus-network',
  title: 'Network (Cilium, Hubble)',
  panels: [
    { title: 'Drops by policy, by direction', expr: 'sum by (direction) (rate(cilium_drop_count_total{reason="Policy denied"}[5m]))' },
    { title: 'Drops by reason', expr: 'sum by (reason) (rate(cilium_drop_count_total[5m]))' },
    { title: 'Hubble drops by reason', expr: 'sum by (reason) (rate(hubble_drop_total[5m]))' },
    { title: 'Hubble flows by verdict', expr: 'sum by (verdict) (rate(hubble_flows_processed_total[5m]))' },
    { title: 'Cilium agent errors/warnings', expr: 'sum by (level) (rate(cilium_errors_warnings_total[5m]))' },
  ],
};

/** Grafana dashboard JSON (schema 39) for a spec: one time-series panel per query, two per row. */
export function dashboardJson(spec: DashboardSpec): Record<string, unknown> {
  return {
    uid: spec.uid,
    title: spec.title,
    tags: ['domus'],
    schemaVersion: 39,
    editable: false,
    time: { from: 'now-6h', to: 'now' },
    refresh: '1m',
    panels: spec.panels.map((p, i) => {
      const ds = { type: p.datasource?.type ?? 'prometheus', uid: p.datasource?.uid ?? 'prometheus' };
      return {
        id: i + 1,
        type: p.kind ?? 'timeseries',
        title: p.title,
        gridPos: { h: 8, w: 12, x: (i % 2) * 12, y: Math.floor(i / 2) * 8 },
        datasource: ds,
        fieldConfig: { defaults: { unit: p.unit ?? 'short' }, overrides: [] },
        targets: [{ refId: 'A', expr: p.expr, datasource: ds }],
      };
    }),
  };
}
