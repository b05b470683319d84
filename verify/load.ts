/**
 * Reads dist/ as Argo CD's directory source would (verify/argocd-source.ts): objects with the file and line where
 * each starts, the other files by relative path, and the files verify refuses to read (`load` findings, which
 * runChecks reports through the Context).
 */
import { loadArgoSource, Loaded, parseArgoEntries } from './argocd-source';
import { KubeObj } from './types';

export function loadDist(dist: string): Loaded {
  return loadArgoSource(dist);
}

/**
 * The same, from texts by path relative to dist/ (in walk order): synth renders the docs of dist/docs from its
 * output before writing it (charts/docs.ts). `written`: the objects each manifest file was serialized from, by
 * path, which spare parsing it again (verify/argocd-source.ts SourceEntry.objects).
 */
export function parseDist(entries: Iterable<readonly [string, string]>, written: ReadonlyMap<string, readonly unknown[]> = new Map()): Loaded {
  return parseArgoEntries(
    [...entries].map(([rel, text]) => ({ rel, symlink: false, read: () => Buffer.from(text, 'utf8'), ...(written.has(rel) ? { objects: written.get(rel)! } : {}) })),
  );
}

/** Namespaced kinds that can carry pods, with the path to their pod template. */
export function podSpecOf(o: KubeObj): { metadata: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec: PodSpec } | undefined {
  const spec = o.spec as Record<string, unknown> | undefined;
  if (!spec) return undefined;
  if (o.kind === 'Pod') return { metadata: o.metadata, spec: spec as unknown as PodSpec };
  if (['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job'].includes(o.kind)) return spec.template as never;
  if (o.kind === 'CronJob') return (spec.jobTemplate as { spec: { template: unknown } }).spec.template as never;
  return undefined;
}

export interface Container {
  name: string;
  image?: string;
  env?: { name: string; value?: string }[];
  ports?: { name?: string; containerPort: number; protocol?: string; hostPort?: number }[];
  resources?: { requests?: Record<string, string | number>; limits?: Record<string, string | number> };
  securityContext?: SecurityContext;
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
}
export interface SecurityContext {
  privileged?: boolean;
  allowPrivilegeEscalation?: boolean;
  runAsNonRoot?: boolean;
  runAsUser?: number;
  capabilities?: { add?: string[]; drop?: string[] };
  seccompProfile?: { type: string };
  procMount?: string;
  seLinuxOptions?: { type?: string; user?: string; role?: string };
  windowsOptions?: { hostProcess?: boolean };
}
export interface PodSpec {
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  securityContext?: SecurityContext & { sysctls?: { name: string }[]; fsGroup?: number };
  containers: Container[];
  initContainers?: Container[];
  ephemeralContainers?: Container[];
  volumes?: ({ name: string } & Record<string, unknown>)[];
}
