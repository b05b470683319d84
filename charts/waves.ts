/**
 * Argo CD ordering and protection, as data applied to every synthesized object in one place.
 *
 * Within an Application, sync waves order the objects: namespaces and CRDs, then identity, policy and
 * configuration, then workloads, then routes. Objects whose loss destroys data or access (Namespaces,
 * PersistentVolumeClaims, CRDs) are never pruned or deleted by Argo CD.
 */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: unknown;
}

/** Wave of each kind inside its Application; kinds not listed sync in wave 0. */
export const KIND_WAVES: Readonly<Record<string, number>> = {
  Namespace: -3,
  CustomResourceDefinition: -3,
  ServiceAccount: -2,
  ClusterRole: -2,
  ClusterRoleBinding: -2,
  Role: -2,
  RoleBinding: -2,
  NetworkPolicy: -2,
  CiliumNetworkPolicy: -2,
  CiliumClusterwideNetworkPolicy: -2,
  ConfigMap: -1,
  PersistentVolumeClaim: -1,
  Service: -1,
  AppProject: -1,
  Middleware: 1,
  ServersTransport: 1,
  TLSOption: 1,
  IngressRoute: 2,
};

/** Kinds Argo CD must never prune or delete. */
export const PROTECTED_KINDS: ReadonlySet<string> = new Set(['Namespace', 'PersistentVolumeClaim', 'CustomResourceDefinition']);

export const WAVE_ANNOTATION = 'argocd.argoproj.io/sync-wave';
export const SYNC_OPTIONS_ANNOTATION = 'argocd.argoproj.io/sync-options';

export function waveOf(obj: KubeObject): number {
  const explicit = obj.metadata.annotations?.[WAVE_ANNOTATION];
  return explicit !== undefined ? Number(explicit) : (KIND_WAVES[obj.kind] ?? 0);
}

/** Adds the wave and, for protected kinds, the sync options. Explicit annotations on the object win. */
export function annotateForArgo(obj: KubeObject): KubeObject {
  const annotations: Record<string, string> = { ...(obj.metadata.annotations ?? {}) };
  annotations[WAVE_ANNOTATION] ??= String(KIND_WAVES[obj.kind] ?? 0);
  if (PROTECTED_KINDS.has(obj.kind)) annotations[SYNC_OPTIONS_ANNOTATION] ??= 'Prune=false,Delete=false';
  const sorted = Object.fromEntries(Object.entries(annotations).sort(([a], [b]) => (a < b ? -1 : 1)));
  // Rebuild metadata with sorted keys so the output reads the same as cdk8s' own (sorted) serialization.
  const metadata = { ...obj.metadata, annotations: sorted };
  obj.metadata = Object.fromEntries(Object.entries(metadata).sort(([a], [b]) => (a < b ? -1 : 1))) as KubeObject['metadata'];
  return obj;
}
