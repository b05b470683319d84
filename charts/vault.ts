import { k8s } from 'cdk8s-plus-28';
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
  // The identity Vault uses for TokenReview of pod tokens (system:auth-delegator). Its non-expiring token
  // Secret is applied once at day 0 (dist/bootstrap/vault/reviewer-token.yaml), outside Argo CD, so Argo CD
  // needs no access to Secrets (docs/adr/0061-vault-reviewer-token.md).
  const labels = { 'app.kubernetes.io/name': 'vault-auth', 'app.kubernetes.io/part-of': 'vault', 'app.kubernetes.io/managed-by': 'cdk8s' };
  new k8s.KubeServiceAccount(chart, 'reviewer', { metadata: { name: 'vault-auth', namespace: site.namespaces.vault, labels }, automountServiceAccountToken: false });
  new k8s.KubeClusterRoleBinding(chart, 'reviewer-binding', {
    metadata: { name: `${site.namespaces.vault}-vault-auth-delegator`, labels },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:auth-delegator' },
    subjects: [{ kind: 'ServiceAccount', name: 'vault-auth', namespace: site.namespaces.vault }],
  });
  return chart;
}
