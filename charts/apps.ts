import { Construct } from 'constructs';
import { StackContext } from '../constructs/lib/context';
import { StackChart } from './stack-chart';

/** Chart `apps`: the Argo CD child Applications, one per chart (being built). */
export function buildAppsChart(_scope: Construct, _ctx: StackContext, _charts: readonly StackChart[]): StackChart | undefined {
  return undefined;
}
