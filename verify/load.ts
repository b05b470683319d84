/** Reads every YAML document under a dist folder, remembering where each one starts. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { LineCounter, parseAllDocuments } from 'yaml';
import { Doc, KubeObj } from './types';

function walk(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((n) => {
      const p = join(dir, n);
      return statSync(p).isDirectory() ? walk(p) : [p];
    });
}

export function loadDist(dist: string): { docs: Doc[]; files: Map<string, string> } {
  return parseDist(walk(dist).map((path) => [relative(dist, path), readFileSync(path, 'utf8')] as const));
}

/**
 * The same, from texts by path relative to dist/ (in walk order): synth renders the docs of dist/docs from
 * its output before writing it (charts/docs.ts).
 */
export function parseDist(entries: Iterable<readonly [string, string]>): { docs: Doc[]; files: Map<string, string> } {
  const docs: Doc[] = [];
  const files = new Map<string, string>();
  for (const [rel, text] of entries) {
    if (!/\.ya?ml$/.test(rel)) {
      files.set(rel, text);
      continue;
    }
    const counter = new LineCounter();
    for (const d of parseAllDocuments(text, { lineCounter: counter, version: '1.1' })) {
      if (d.errors.length) throw new Error(`${rel}: ${d.errors[0]!.message}`);
      const obj = d.toJS() as unknown;
      // Node files (k3s config, admission config) are not API objects: no metadata.name.
      if (!obj || typeof obj !== 'object' || !('apiVersion' in obj) || !('kind' in obj)) continue;
      if (!(obj as { metadata?: { name?: string } }).metadata?.name) continue;
      const start = d.contents?.range?.[0] ?? 0;
      // The document's own text, for checks that scan text (credentials) without serializing the object again.
      docs.push({ obj: obj as KubeObj, file: rel, line: counter.linePos(start).line, text: text.slice(d.range[0], d.range[2]) });
    }
  }
  return { docs, files };
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
