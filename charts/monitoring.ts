import { Construct } from 'constructs';
import { Grafana } from '../constructs/grafana';
import { StackContext } from '../constructs/lib/context';
import { adminAllowList, httpsRoute } from '../constructs/lib/ingress';
import { Prometheus, PROMETHEUS_LIFECYCLE_PATHS } from '../constructs/prometheus';
import { StackChart } from './stack-chart';

/**
 * Chart `monitoring`: Prometheus and Grafana. The Prometheus configuration is rendered lazily at synthesis,
 * so it holds every metrics endpoint declared anywhere in the stack, whatever the chart order.
 */
export function buildMonitoringChart(scope: Construct, ctx: StackContext): StackChart | undefined {
  const w = ctx.site.workloads;
  if (!w.prometheus.enabled && !w.grafana.enabled) return undefined;
  const chart = new StackChart(scope, 'monitoring');
  const prometheus = w.prometheus.enabled ? new Prometheus(chart, 'prometheus', ctx) : undefined;
  if (w.grafana.enabled) new Grafana(chart, 'grafana', ctx, { prometheus: prometheus?.workload.endpoint('http') });
  if (prometheus) {
    // The Prometheus UI has no login: only the admin allowlist may reach it through Traefik.
    const allow = adminAllowList(chart, 'admin-allowlist', ctx, ctx.site.namespaces.monitoring);
    // --web.enable-lifecycle is on for the config reloader (pod-local); the LAN gets the UI and API, not quit/reload.
    httpsRoute(chart, 'prometheus-route', ctx, { subdomain: 'prometheus', backend: prometheus.workload.endpoint('http'), middlewares: [allow], excludePaths: PROMETHEUS_LIFECYCLE_PATHS });
  }
  return chart;
}
