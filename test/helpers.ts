/**
 * Test helpers that make assertions read like the requirement: synthesize a site once, then find objects
 * by kind/namespace/name, walk pod templates, and ask the flow model questions.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ConfigError, ConfigIssue, siteInUse, validateSite } from '../config/load';
import { SiteInput } from '../config/schema';
import { Synthesis } from '../charts/synth';
import { cachedSynthesis } from './synth-cache';
import { KubeObject, WAVE_ANNOTATION } from '../charts/waves';
import { Flow, peerKey, Peer } from '../constructs/lib/network';

export type { KubeObject };

const cache = new Map<string, Synthesis>();

/** Synthesizes a site (the default when no input) in memory; cached per input. */
export function synth(input: SiteInput = {}): Synthesis {
  const key = JSON.stringify(input);
  let s = cache.get(key);
  if (!s) {
    s = cachedSynthesis(validateSite(input, 'test'));
    cache.set(key, s);
  }
  return s;
}

let operatorSite: Synthesis | undefined;
/**
 * Synthesizes the operator's site — site.yaml at the repository root, or the file $DOMUS_CONFIG names — as
 * `npm run synth` does. For the tests that must hold for whatever site is in use (invariants, dist drift);
 * behaviour tests use synth() with the example or their own fixture.
 */
export function siteSynth(): Synthesis {
  operatorSite ??= cachedSynthesis(siteInUse().site);
  return operatorSite;
}

export function allObjects(s: Synthesis = synth()): KubeObject[] {
  return s.charts.flatMap((c) => [...c.objects]);
}

export function chartObjects(chart: string, s: Synthesis = synth()): KubeObject[] {
  const c = s.charts.find((x) => x.name === chart);
  if (!c) throw new Error(`no chart ${chart} (have: ${s.charts.map((x) => x.name).join(', ')})`);
  return [...c.objects];
}

/** The object of that kind/name (and namespace, when given); throws with the candidates when absent. */
export function findResource(kind: string, name: string, namespace?: string, s: Synthesis = synth()): KubeObject {
  const all = allObjects(s).filter((o) => o.kind === kind);
  const hit = all.find((o) => o.metadata.name === name && (namespace === undefined || o.metadata.namespace === namespace));
  if (!hit) throw new Error(`no ${kind} ${namespace ?? '*'}/${name}; have: ${all.map((o) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`).join(', ')}`);
  return hit;
}

export function findAll(kind: string, s: Synthesis = synth()): KubeObject[] {
  return allObjects(s).filter((o) => o.kind === kind);
}

export function syncWave(o: KubeObject): number {
  return Number(o.metadata.annotations?.[WAVE_ANNOTATION] ?? '0');
}

export interface PodTemplate {
  readonly owner: KubeObject;
  readonly metadata: { labels?: Record<string, string>; annotations?: Record<string, string> };
  readonly spec: PodSpecLike;
}
export interface ContainerLike {
  name: string;
  image: string;
  imagePullPolicy?: string;
  env?: { name: string; value?: string; valueFrom?: unknown }[];
  ports?: { name?: string; containerPort: number; protocol?: string }[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  livenessProbe?: unknown;
  readinessProbe?: unknown;
  securityContext?: {
    runAsUser?: number;
    runAsNonRoot?: boolean;
    allowPrivilegeEscalation?: boolean;
    readOnlyRootFilesystem?: boolean;
    privileged?: boolean;
    capabilities?: { drop?: string[]; add?: string[] };
    seccompProfile?: { type: string };
  };
  volumeMounts?: { name: string; mountPath: string }[];
  args?: string[];
  command?: string[];
}
/** An HTTP probe as the conformance tests read it (path and port compared with upstream facts). */
export interface HttpProbeLike {
  httpGet?: { path: string; port: string | number };
}

/** A container with its probes, mounts and group, for the tests that compare them with upstream facts. */
export interface ProbedContainer extends ContainerLike {
  livenessProbe?: HttpProbeLike;
  readinessProbe?: HttpProbeLike;
  startupProbe?: HttpProbeLike;
  volumeMounts?: { name: string; mountPath: string; subPath?: string; readOnly?: boolean }[];
  securityContext?: ContainerLike['securityContext'] & { runAsGroup?: number };
}

export interface PodSpecLike {
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number; seccompProfile?: { type: string }; fsGroup?: number };
  containers: ContainerLike[];
  initContainers?: ContainerLike[];
  volumes?: ({ name: string } & Record<string, unknown>)[];
}

const POD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob']);

/** Pod templates of every workload object (Deployment, StatefulSet, DaemonSet, Job, CronJob: its Job's). */
export function podTemplates(objects: readonly KubeObject[] = allObjects()): PodTemplate[] {
  return objects
    .filter((o) => POD_KINDS.has(o.kind))
    .map((o) => {
      type Template = { template: { metadata?: PodTemplate['metadata']; spec: PodSpecLike } };
      const spec = o.kind === 'CronJob' ? (o.spec as { jobTemplate: { spec: Template } }).jobTemplate.spec : (o.spec as Template);
      return { owner: o, metadata: spec.template.metadata ?? {}, spec: spec.template.spec };
    });
}

export function podTemplate(kind: string, name: string, namespace?: string, s?: Synthesis): PodTemplate {
  return podTemplates([findResource(kind, name, namespace, s)])[0]!;
}

/** Effective flows (after disabled workloads are dropped). */
export function flows(s: Synthesis = synth()): Flow[] {
  return s.stack.ctx.net.effectiveFlows();
}

/** Whether the declared graph lets `from` reach `to` on `port`. */
export function flowAllowed(from: Peer, to: Peer, port: number, s: Synthesis = synth()): boolean {
  return flows(s).some((f) => peerKey(f.from) === peerKey(from) && peerKey(f.to) === peerKey(to) && f.port.port === port);
}

/** The CiliumNetworkPolicy that carries a workload's flows. */
export function workloadPolicy(namespace: string, name: string, s?: Synthesis): KubeObject {
  return findResource('CiliumNetworkPolicy', name, namespace, s);
}

export interface RbacRule {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

/** The rules of a Role or ClusterRole. */
export function rulesOf(role: KubeObject): RbacRule[] {
  return (role.rules as RbacRule[] | undefined) ?? [];
}

/** The problems a site input is rejected with (fails the test when it is accepted). */
export function issuesOf(input: unknown): ConfigIssue[] {
  try {
    validateSite(input);
  } catch (e) {
    if (e instanceof ConfigError) return [...e.issues];
    throw e;
  }
  throw new Error('expected the configuration to be rejected');
}

/**
 * The own-site example of the README, as a site input. Its CA fields hold a placeholder that shows where the
 * operator's CA goes (the README must not pretend a certificate); a test CA stands in for it here.
 */
export function readmeSite(): SiteInput {
  const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
  const from = readme.indexOf('```yaml\n# yaml-language-server: $schema=./config/site.schema.json\ncluster:');
  if (from < 0) throw new Error("README.md has no own-site example (a yaml block starting with the schema line and 'cluster:')");
  const body = readme.slice(from + '```yaml\n'.length);
  const ca = readFileSync(join(__dirname, 'fixtures', 'pem', 'other-ca.pem'), 'utf8');
  const placeholder = /-----BEGIN CERTIFICATE-----\n\(the CA certificate [^)]*\)\n-----END CERTIFICATE-----\n/g;
  const input = parseYaml(body.slice(0, body.indexOf('```'))) as SiteInput;
  for (const part of [input.vault, input.git] as ({ caCert?: string } | undefined)[]) {
    if (part?.caCert !== undefined) {
      if (!placeholder.test(part.caCert)) throw new Error(`README own-site example: caCert is not the placeholder: ${part.caCert.slice(0, 60)}`);
      placeholder.lastIndex = 0;
      part.caCert = ca;
    }
  }
  return input;
}
