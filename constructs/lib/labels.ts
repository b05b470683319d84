/**
 * Recommended labels (app.kubernetes.io/*). The selector is the name alone: it is stable across versions
 * and components, so Deployment/StatefulSet selectors (immutable) never change on an upgrade.
 */
export const NAME_LABEL = 'app.kubernetes.io/name';

export interface AppIdentity {
  /** Workload name, unique in its namespace; also the pod selector. */
  readonly name: string;
  readonly namespace: string;
  /** The application this workload belongs to (e.g. `argocd`, `wazuh`). */
  readonly partOf: string;
  /** Role inside the application (e.g. `server`, `indexer`). @default name */
  readonly component?: string;
  /** Image tag, for app.kubernetes.io/version. */
  readonly version?: string;
}

export function selectorLabels(id: Pick<AppIdentity, 'name'>): Record<string, string> {
  return { [NAME_LABEL]: id.name };
}

export function appLabels(id: AppIdentity): Record<string, string> {
  const labels: Record<string, string> = {
    ...selectorLabels(id),
    'app.kubernetes.io/component': id.component ?? id.name,
    'app.kubernetes.io/part-of': id.partOf,
    'app.kubernetes.io/managed-by': 'cdk8s',
  };
  // Label values are at most 63 characters of [A-Za-z0-9._-]; MinIO's RELEASE.<date> tags qualify.
  if (id.version) labels['app.kubernetes.io/version'] = id.version.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 63);
  return labels;
}
