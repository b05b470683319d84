/**
 * The ClusterRoles as the API server of the pinned Kubernetes holds them (issue 25, item 4): the built-in ones
 * (conformance/facts/kubernetes-rbac.ts, Kubernetes v1.28.15) and those of dist/, with aggregation applied the
 * way the clusterrole-aggregation controller applies it. A binding to `edit` in dist/ thus grants what `edit`
 * grants in the cluster, and a dist/ ClusterRole labelled aggregate-to-view widens `view` for every holder.
 *
 * Stable API for the tests that compare verify's answers with a real API server's SubjectAccessReview:
 * clusterRoleRules(docs) → name → rules.
 */
import { K8S_CLUSTER_ROLES } from '../conformance/facts/kubernetes-rbac-data';
import { Doc } from './types';

export interface RbacRule {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

interface Selector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

const matches = (s: Selector, labels: Record<string, string>): boolean =>
  Object.entries(s.matchLabels ?? {}).every(([k, v]) => labels[k] === v) &&
  (s.matchExpressions ?? []).every((e) =>
    e.operator === 'In'
      ? e.values?.includes(labels[e.key] ?? '\0') === true
      : e.operator === 'NotIn'
        ? !(e.values ?? []).includes(labels[e.key] ?? '\0')
        : e.operator === 'Exists'
          ? e.key in labels
          : e.operator === 'DoesNotExist'
            ? !(e.key in labels)
            : false,
  );

const key = (r: RbacRule) => JSON.stringify(r);

/** name → effective rules of every ClusterRole the cluster would hold with dist/ applied. */
export function clusterRoleRules(docs: readonly Doc[]): Map<string, RbacRule[]> {
  const roles = new Map<string, { labels: Record<string, string>; selectors: Selector[]; rules: RbacRule[] }>();
  for (const [name, r] of Object.entries(K8S_CLUSTER_ROLES))
    roles.set(name, { labels: { ...r.labels }, selectors: r.aggregate.map((m) => ({ matchLabels: { ...m } })), rules: r.rules.map((x) => structuredClone(x) as RbacRule) });
  for (const d of docs) {
    if (d.obj.kind !== 'ClusterRole') continue;
    const own = ((d.obj.rules as RbacRule[] | undefined) ?? []).filter(Boolean);
    const selectors = ((d.obj.aggregationRule as { clusterRoleSelectors?: Selector[] } | undefined)?.clusterRoleSelectors ?? []).filter(Boolean);
    const builtin = roles.get(d.obj.metadata.name);
    // A dist/ object named like a built-in role: the API server's reconciler adds the built-in rules back on start
    // (autoupdate), so the role holds both.
    roles.set(d.obj.metadata.name, {
      labels: { ...(builtin?.labels ?? {}), ...(d.obj.metadata.labels ?? {}) },
      selectors: [...(builtin?.selectors ?? []), ...selectors],
      rules: [...(builtin?.rules ?? []), ...own],
    });
  }
  // Aggregation to a fixed point: edit is itself aggregated into admin, view into edit.
  const effective = new Map([...roles].map(([n, r]) => [n, r.rules] as const));
  for (let changed = true, rounds = 0; changed && rounds < 20; rounds++) {
    changed = false;
    for (const [name, r] of roles) {
      if (!r.selectors.length) continue;
      const seen = new Set(effective.get(name)!.map(key));
      const next = [...effective.get(name)!];
      for (const [other, o] of roles) {
        if (other === name || !r.selectors.some((s) => matches(s, o.labels))) continue;
        for (const rule of effective.get(other)!) {
          if (seen.has(key(rule))) continue;
          seen.add(key(rule));
          next.push(rule);
        }
      }
      if (next.length !== effective.get(name)!.length) {
        effective.set(name, next);
        changed = true;
      }
    }
  }
  return effective;
}

/** Whether a ClusterRole of this name exists at start-up in the pinned Kubernetes. */
export const isBuiltinClusterRole = (name: string): boolean => Object.prototype.hasOwnProperty.call(K8S_CLUSTER_ROLES, name);
