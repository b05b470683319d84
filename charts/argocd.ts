import { Construct } from 'constructs';
import { ArgoCd } from '../constructs/argocd';
import { StackContext } from '../constructs/lib/context';
import { StackChart } from './stack-chart';

/** Chart `argocd`: Argo CD itself, managed from git after a one-time bootstrap (docs/gitops.md). */
export function buildArgocdChart(scope: Construct, ctx: StackContext): StackChart | undefined {
  if (!ctx.site.workloads.argocd.enabled) return undefined;
  const chart = new StackChart(scope, 'argocd');
  new ArgoCd(chart, 'argocd', ctx);
  return chart;
}
