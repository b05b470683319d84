import { Construct } from 'constructs';
import { StackContext } from '../constructs/lib/context';
import { Wazuh } from '../constructs/wazuh';
import { StackChart } from './stack-chart';

/** Chart `security`: Wazuh (indexer, managers, dashboard). */
export function buildSecurityChart(scope: Construct, ctx: StackContext): StackChart | undefined {
  if (!ctx.site.workloads.wazuh.enabled) return undefined;
  const chart = new StackChart(scope, 'security');
  new Wazuh(chart, 'wazuh', ctx);
  return chart;
}
