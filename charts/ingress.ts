import { Construct } from 'constructs';
import { StackContext } from '../constructs/lib/context';
import { Traefik } from '../constructs/traefik';
import { StackChart } from './stack-chart';

/** Chart `ingress`: Traefik, its dashboard and the Hubble UI route. */
export function buildIngressChart(scope: Construct, ctx: StackContext): StackChart | undefined {
  if (!ctx.site.workloads.traefik.enabled) return undefined;
  const chart = new StackChart(scope, 'ingress');
  new Traefik(chart, 'traefik', ctx);
  return chart;
}
