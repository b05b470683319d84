/**
 * What one container of a synthesized pod template sees on disk, so a real program can read its configuration
 * as it would in the cluster: ConfigMap volumes (the synthesized ConfigMap's keys), the ServiceAccount token
 * folder (automount, or a projected token), the files the Vault agent renders (`agent-inject-secret-*`, at the
 * secret volume path), and empty folders for emptyDir and claim mounts. Secret contents are test values.
 *
 * The container's paths are laid under a FakeRoot; rewritePaths() changes, in a parsed configuration, exactly the
 * strings that are paths under one of the container's mounts (nothing else: URLs, metrics paths, relabel
 * replacements stay as they are).
 */
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import type { Synthesis } from '../../charts/synth';
import { allObjects, type ContainerLike, type KubeObject, type PodSpecLike } from '../helpers';
import { FakeRoot } from './tool';

const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
const VAULT_DIR = '/vault/secrets';

export interface ContainerView {
  readonly container: ContainerLike & { args?: string[]; volumeMounts?: { name: string; mountPath: string; subPath?: string }[] };
  /** Absolute path → content. */
  readonly files: ReadonlyMap<string, string>;
  /** Folders that exist but start empty (emptyDir, claims). */
  readonly dirs: readonly string[];
  /** Every mount point of the container. */
  readonly mounts: readonly string[];
}

const POD_OWNERS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'Job']);

/** The container `container` of the pod template of the workload `name` in `namespace`. */
export function containerView(s: Synthesis, name: string, namespace: string, container: string): ContainerView {
  const objects = allObjects(s);
  const owner = objects.find((o) => POD_OWNERS.has(o.kind) && o.metadata.name === name && o.metadata.namespace === namespace);
  if (!owner) throw new Error(`no workload ${namespace}/${name}`);
  const tpl = (owner.spec as { template: { metadata?: { annotations?: Record<string, string> }; spec: PodSpecLike } }).template;
  const c = (tpl.spec.containers as ContainerView['container'][]).find((x) => x.name === container);
  if (!c) throw new Error(`no container ${container} in ${owner.kind} ${namespace}/${name}`);
  const files = new Map<string, string>();
  const dirs: string[] = [];
  const mounts: string[] = [];
  const configMap = (cm: string): KubeObject => {
    const o = objects.find((x) => x.kind === 'ConfigMap' && x.metadata.name === cm && x.metadata.namespace === namespace);
    if (!o) throw new Error(`no ConfigMap ${namespace}/${cm}`);
    return o;
  };
  for (const m of c.volumeMounts ?? []) {
    mounts.push(m.mountPath);
    const v = (tpl.spec.volumes ?? []).find((x) => x.name === m.name) as
      { configMap?: { name: string; items?: { key: string; path: string }[] }; projected?: { sources: { serviceAccountToken?: { path: string } }[] } } | undefined;
    if (v?.configMap) {
      const data = (configMap(v.configMap.name).data ?? {}) as Record<string, string>;
      const entries = v.configMap.items ? v.configMap.items.map((i) => [i.path, data[i.key] ?? ''] as const) : Object.entries(data);
      for (const [k, text] of entries) {
        if (m.subPath === undefined) files.set(`${m.mountPath}/${k}`, text);
        else if (m.subPath === k) files.set(m.mountPath, text);
      }
    } else if (v?.projected) {
      for (const src of v.projected.sources) if (src.serviceAccountToken) files.set(`${m.mountPath}/${src.serviceAccountToken.path}`, 'test-service-account-token');
    } else dirs.push(m.mountPath);
  }
  if (tpl.spec.automountServiceAccountToken !== false) {
    mounts.push(SA_DIR);
    files.set(`${SA_DIR}/token`, 'test-service-account-token');
    files.set(`${SA_DIR}/ca.crt`, 'test cluster CA (the checkers only need the file to exist)\n');
    files.set(`${SA_DIR}/namespace`, namespace);
  }
  const ann = tpl.metadata?.annotations ?? {};
  if (ann['vault.hashicorp.com/agent-inject'] === 'true') {
    const base = ann['vault.hashicorp.com/secret-volume-path'] ?? VAULT_DIR;
    mounts.push(base);
    for (const key of Object.keys(ann)) {
      const m = /^vault\.hashicorp\.com\/agent-inject-secret-(.+)$/.exec(key);
      if (!m) continue;
      const secret = m[1]!;
      const dir = ann[`vault.hashicorp.com/secret-volume-path-${secret}`] ?? base;
      if (dir !== base) mounts.push(dir);
      const template = ann[`vault.hashicorp.com/agent-inject-template-${secret}`];
      files.set(`${dir}/${ann[`vault.hashicorp.com/agent-inject-file-${secret}`] ?? secret}`, template === undefined ? `test value of ${secret}` : renderVaultTemplate(template));
    }
  }
  return { container: c, files, dirs, mounts };
}

/** The value of a `--flag=value` (or `-flag=value`) argument of the container. */
export function argOf(view: ContainerView, flag: string): string {
  const a = (view.container.args ?? []).find((x) => x.startsWith(`${flag}=`));
  if (a === undefined) throw new Error(`container ${view.container.name} has no ${flag}= argument`);
  return a.slice(flag.length + 1);
}

/** Lays the container's files and folders under the root. */
export function materialize(view: ContainerView, root: FakeRoot): void {
  for (const d of view.dirs) root.mkdir(d);
  for (const [path, text] of view.files) root.write(path, text);
}

/** Whether `s` is a path under (or at) one of the mounts. */
export function underMount(s: string, mounts: readonly string[]): boolean {
  return mounts.some((m) => s === m || s.startsWith(`${m}/`));
}

/** A deep copy of a parsed configuration with every string that is a path under a mount moved under the root. */
export function rewritePaths<T>(value: T, mounts: readonly string[], root: FakeRoot): T {
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return underMount(v, mounts) ? root.path(v) : v;
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(value) as T;
}

/**
 * Renders a Vault agent template the way the agent would, with `test-<key>` for every KV value. Only the forms
 * the stack writes are known (`with secret "…"`, `end`, a string literal (`{{"{{"}}`), `.Data.data.<key>`, optionally `| toJSON`, and the
 * `{{-`/`-}}` whitespace trims); anything else throws, so a new form is not silently rendered wrong.
 */
export function renderVaultTemplate(template: string): string {
  const value = (key: string) => `test-${key}`;
  return template.replace(/(\s*)\{\{(-?)\s*(.*?)\s*(-?)\}\}(\s*)/gs, (_, before: string, trimL: string, action: string, trimR: string, after: string) => {
    let out: string;
    let m: RegExpExecArray | null;
    if (/^with secret "[^"]+"$/.test(action) || action === 'end') out = '';
    else if (/^"(?:[^"\\]|\\.)*"$/.test(action)) out = JSON.parse(action) as string;
    else if ((m = /^\.Data\.data\.([A-Za-z0-9_]+)$/.exec(action))) out = value(m[1]!);
    else if ((m = /^\.Data\.data\.([A-Za-z0-9_]+) \| toJSON$/.exec(action))) out = JSON.stringify(value(m[1]!));
    else throw new Error(`a Vault template action the test renderer does not know: {{ ${action} }}`);
    return `${trimL ? '' : before}${out}${trimR ? '' : after}`;
  });
}

/** A container's configuration file laid out under a fresh root, parsed: what each real-program test starts from. */
export interface PreparedConfig<T> {
  readonly root: FakeRoot;
  readonly view: ContainerView;
  /** Where the file is in the container (the value of `flag`). */
  readonly configPath: string;
  readonly config: T;
}

/** Materializes `workload`'s `container` under a new root and parses the file its `flag` names. */
export function prepareConfig<T>(s: Synthesis, workload: string, namespace: string, container: string, flag: string): PreparedConfig<T> {
  const view = containerView(s, workload, namespace, container);
  const root = new FakeRoot();
  materialize(view, root);
  const configPath = argOf(view, flag);
  const text = view.files.get(configPath);
  if (text === undefined) throw new Error(`the container has no file ${configPath}`);
  return { root, view, configPath, config: parseYaml(text) as T };
}

/** Writes (a mutation of) the configuration at its container path under the root, its paths rewritten there. */
export function writeConfig<T>(p: PreparedConfig<T>, config: T = p.config): string {
  return p.root.write(p.configPath, stringifyYaml(rewritePaths(config, p.view.mounts, p.root)));
}
