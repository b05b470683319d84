/**
 * ServiceAccounts and RBAC from typed rule lists. Roles are named after the ServiceAccount, so `kubectl auth
 * can-i --as system:serviceaccount:<ns>:<sa>` and the RBAC inventory read like the code.
 */
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection';
export const READ: readonly Verb[] = ['get', 'list', 'watch'];

export interface ResourceRule {
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  readonly verbs: readonly Verb[];
  readonly resourceNames?: readonly string[];
}
export interface NonResourceRule {
  readonly nonResourceURLs: readonly string[];
  readonly verbs: readonly 'get'[];
}
export type Rule = ResourceRule | NonResourceRule;

export interface ServiceAccountProps {
  readonly name: string;
  readonly namespace: string;
  readonly labels?: Record<string, string>;
  /** Rules granted in the ServiceAccount's own namespace (Role + RoleBinding). */
  readonly rules?: readonly ResourceRule[];
  /** Rules granted cluster-wide (ClusterRole + ClusterRoleBinding); use only for cluster-scoped reads. */
  readonly clusterRules?: readonly Rule[];
  /** Rules granted in other namespaces: namespace → rules (Role + RoleBinding there). */
  readonly rulesIn?: Readonly<Record<string, readonly ResourceRule[]>>;
}

function toPolicyRule(r: Rule): k8s.PolicyRule {
  if ('nonResourceURLs' in r) return { nonResourceUrLs: [...r.nonResourceURLs], verbs: [...r.verbs] };
  return {
    apiGroups: [...r.apiGroups],
    resources: [...r.resources],
    verbs: [...r.verbs],
    ...(r.resourceNames ? { resourceNames: [...r.resourceNames] } : {}),
  };
}

/**
 * A ServiceAccount (token never auto-mounted: pods that call the API opt in on the pod) and exactly the
 * permissions listed.
 */
export class ServiceAccountWithRbac extends Construct {
  readonly name: string;
  readonly namespace: string;

  constructor(scope: Construct, id: string, props: ServiceAccountProps) {
    super(scope, id);
    this.name = props.name;
    this.namespace = props.namespace;
    const labels = props.labels ?? {};
    new k8s.KubeServiceAccount(this, 'sa', {
      metadata: { name: props.name, namespace: props.namespace, labels },
      automountServiceAccountToken: false,
    });
    const subject: k8s.Subject = { kind: 'ServiceAccount', name: props.name, namespace: props.namespace };

    const namespaced: [string, readonly ResourceRule[] | undefined][] = [[props.namespace, props.rules], ...Object.entries(props.rulesIn ?? {})];
    for (const [ns, rules] of namespaced) {
      if (!rules || rules.length === 0) continue;
      const suffix = ns === props.namespace ? '' : `-${ns}`;
      new k8s.KubeRole(this, `role${suffix}`, { metadata: { name: props.name, namespace: ns, labels }, rules: rules.map(toPolicyRule) });
      new k8s.KubeRoleBinding(this, `binding${suffix}`, {
        metadata: { name: props.name, namespace: ns, labels },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: props.name },
        subjects: [subject],
      });
    }
    if (props.clusterRules && props.clusterRules.length > 0) {
      // Cluster-scoped names must be unique across namespaces.
      const clusterName = `${props.namespace}-${props.name}`;
      new k8s.KubeClusterRole(this, 'clusterrole', { metadata: { name: clusterName, labels }, rules: props.clusterRules.map(toPolicyRule) });
      new k8s.KubeClusterRoleBinding(this, 'clusterbinding', {
        metadata: { name: clusterName, labels },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterName },
        subjects: [subject],
      });
    }
  }

  /** True when the account was given any API permission (its pods then mount a token). */
  static needsApi(props: Pick<ServiceAccountProps, 'rules' | 'clusterRules' | 'rulesIn'>): boolean {
    return (props.rules?.length ?? 0) > 0 || (props.clusterRules?.length ?? 0) > 0 || Object.values(props.rulesIn ?? {}).some((r) => r.length > 0);
  }
}
