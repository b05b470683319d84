import { Construct } from 'constructs';
import { StackContext } from '../constructs/lib/context';
import { VaultInjector } from '../constructs/vault-injector';
import { namespaceEnabled, NamespaceKey } from './platform';
import { StackChart } from './stack-chart';

/** Chart `vault`: the Vault Agent Injector, webhook limited to the stack's namespaces. */
export function buildVaultChart(scope: Construct, ctx: StackContext): StackChart {
  const chart = new StackChart(scope, 'vault');
  const site = ctx.site;
  const namespaces = (Object.keys(site.namespaces) as NamespaceKey[]).filter((k) => k !== 'vault' && namespaceEnabled(site, k)).map((k) => site.namespaces[k]);
  new VaultInjector(chart, 'injector', ctx, { namespaces });
  return chart;
}
