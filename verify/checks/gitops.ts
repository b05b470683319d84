/**
 * GitOps: every Application of this repository points at a folder of dist that holds YAML; sync waves respect
 * dependencies within an Application (Namespace before what lives in it, CRD before its resources,
 * ServiceAccount before the pods using it); and changes to immutable fields against the dist of a git
 * revision, which Argo CD could not apply without deleting the object.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { podSpecOf } from '../load';
import { Context, Doc, Finding, finding, KubeObj } from '../types';

const wave = (o: KubeObj) => Number(o.metadata.annotations?.['argocd.argoproj.io/sync-wave'] ?? '0');
const key = (o: KubeObj) => `${o.apiVersion.split('/').length > 1 ? o.apiVersion.split('/')[0] : ''}/${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;

export function checkGitops(ctx: Context, against?: { rev: string; repoRoot: string }): Finding[] {
  const out: Finding[] = [];
  const folders = new Set(ctx.docs.map((d) => dirname(d.file)));
  for (const d of ctx.docs.filter((x) => x.obj.kind === 'Application')) {
    const src = (d.obj.spec as { source?: { path?: string; repoURL?: string } }).source;
    if (!src?.path || !src.path.startsWith(`${ctx.gitPath}/`)) continue; // upstream sources (CRDs at pinned tags)
    const folder = src.path.slice(ctx.gitPath.length + 1);
    if (!folders.has(folder)) out.push(finding('gitops', 'error', `source path ${src.path} does not exist in dist or holds no YAML`, d));
  }
  // Zero-valued blocks Argo CD's controller removes from a live Application (argo-cd util/argo/argo.go
  // NormalizeApplicationSpec/NormalizeSource, patched by controller/appcontroller.go normalizeApplication): the
  // root re-applies what git says and the Application is OutOfSync forever (found by the live run, ADR 0160).
  for (const d of ctx.docs.filter((x) => x.obj.kind === 'Application')) {
    for (const why of normalizedAway(d.obj.spec as AppSpecBlocks | undefined))
      out.push(finding('gitops', 'error', `${why}: Argo CD's controller removes it from the live Application and the root writes it back, an endless OutOfSync loop`, d));
  }
  // Waves inside each folder (= Application).
  const byFolder = new Map<string, Doc[]>();
  for (const d of ctx.docs) {
    const l = byFolder.get(dirname(d.file));
    if (l) l.push(d);
    else byFolder.set(dirname(d.file), [d]);
  }
  for (const docs of byFolder.values()) {
    const nsWave = new Map(docs.filter((d) => d.obj.kind === 'Namespace').map((d) => [d.obj.metadata.name, wave(d.obj)]));
    const crdWave = new Map(
      docs.filter((d) => d.obj.kind === 'CustomResourceDefinition').map((d) => [String((d.obj.spec as { names: { kind: string } }).names.kind), wave(d.obj)]),
    );
    const saWave = new Map(docs.filter((d) => d.obj.kind === 'ServiceAccount').map((d) => [`${d.obj.metadata.namespace}/${d.obj.metadata.name}`, wave(d.obj)]));
    for (const d of docs) {
      const w = wave(d.obj);
      const ns = d.obj.metadata.namespace;
      if (ns && nsWave.has(ns) && nsWave.get(ns)! > w) out.push(finding('gitops', 'error', `sync wave ${w} is before its Namespace's (${nsWave.get(ns)})`, d));
      if (crdWave.has(d.obj.kind) && crdWave.get(d.obj.kind)! >= w) out.push(finding('gitops', 'error', `sync wave ${w} is not after its CRD's`, d));
      const sa = podSpecOf(d.obj)?.spec.serviceAccountName;
      if (sa && saWave.has(`${ns}/${sa}`) && saWave.get(`${ns}/${sa}`)! >= w) out.push(finding('gitops', 'error', `sync wave ${w} is not after its ServiceAccount's`, d));
    }
  }
  if (against) out.push(...immutableChanges(ctx, against.rev, against.repoRoot));
  return out;
}

/** Immutable fields per kind (JSON paths under the object). */
const IMMUTABLE: Record<string, string[][]> = {
  Deployment: [['spec', 'selector']],
  DaemonSet: [['spec', 'selector']],
  StatefulSet: [
    ['spec', 'selector'],
    ['spec', 'volumeClaimTemplates'],
    ['spec', 'serviceName'],
    ['spec', 'podManagementPolicy'],
  ],
  Job: [
    ['spec', 'selector'],
    ['spec', 'template'],
  ],
  Service: [['spec', 'clusterIP']],
  PersistentVolumeClaim: [
    ['spec', 'storageClassName'],
    ['spec', 'accessModes'],
  ],
};

function at(o: unknown, path: string[]): unknown {
  return path.reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), o);
}

function recreatedHook(o: KubeObj): boolean {
  const a = o.metadata.annotations ?? {};
  if (!a['argocd.argoproj.io/hook'] || a['argocd.argoproj.io/hook'] === 'Skip') return false;
  return (a['argocd.argoproj.io/hook-delete-policy'] ?? '')
    .split(',')
    .map((p) => p.trim())
    .includes('BeforeHookCreation');
}

/**
 * The contents of `rev:path` objects, in order (undefined for one that does not exist), read by one
 * `git cat-file --batch` instead of a `git show` per file (issue 22). No repository or no git: all undefined.
 */
function gitFiles(repoRoot: string, objects: readonly string[]): (string | undefined)[] {
  if (objects.length === 0) return [];
  let out: Buffer;
  try {
    // Object names are one per line: a name with a newline cannot be asked (none in dist/).
    const names = objects.map((o) => (o.includes('\n') ? '' : o));
    out = execFileSync('git', ['cat-file', '--batch'], { cwd: repoRoot, input: `${names.join('\n')}\n`, stdio: ['pipe', 'pipe', 'ignore'], maxBuffer: 1 << 30 });
  } catch {
    return objects.map(() => undefined);
  }
  // Per object: "<sha> <type> <size>\n<content>\n", or "<name> missing\n" (or "ambiguous").
  const result: (string | undefined)[] = [];
  let at = 0;
  for (let i = 0; i < objects.length; i++) {
    const eol = out.indexOf(10, at);
    if (eol < 0) {
      result.push(undefined);
      continue;
    }
    const header = out.subarray(at, eol).toString('utf8').split(' ');
    at = eol + 1;
    if (header.length === 3 && /^[0-9a-f]{40,64}$/.test(header[0]!)) {
      const size = Number(header[2]);
      result.push(header[1] === 'blob' ? out.subarray(at, at + size).toString('utf8') : undefined);
      at += size + 1;
    } else result.push(undefined);
  }
  return result;
}

/** A file of dist/ as it is now (undefined when it cannot be read). */
function currentText(ctx: Context, file: string): string | undefined {
  try {
    return readFileSync(join(ctx.dist, file), 'utf8');
  } catch {
    return undefined;
  }
}

export function immutableChanges(ctx: Context, rev: string, repoRoot: string): Finding[] {
  const out: Finding[] = [];
  const files = [...new Set(ctx.docs.map((d) => d.file))];
  const docsOf = new Map<string, Doc[]>();
  for (const d of ctx.docs) {
    const l = docsOf.get(d.file);
    if (l) l.push(d);
    else docsOf.set(d.file, [d]);
  }
  const before = new Map<string, KubeObj>();
  const texts = gitFiles(
    repoRoot,
    files.map((f) => `${rev}:${ctx.gitPath}/${f}`),
  );
  for (const [i, text] of texts.entries()) {
    if (text === undefined) continue; // new file at this revision
    // A file unchanged since `rev` holds the objects read from it now (each from its own document: no list, no
    // generateName), in the same order: parsing the revision's copy again was most of verify's time (issue 22).
    const now = docsOf.get(files[i]!) ?? [];
    if (now.every((d) => d.text !== undefined && !('generateName' in d.obj.metadata)) && text === currentText(ctx, files[i]!)) {
      for (const d of now) before.set(key(d.obj), d.obj);
      continue;
    }
    for (const d of parseAllDocuments(text, { version: '1.1' })) {
      const o = d.toJS() as KubeObj | null;
      if (o?.kind) before.set(key(o), o);
    }
  }
  for (const d of ctx.docs) {
    const old = before.get(key(d.obj));
    if (!old) continue;
    // Argo CD deletes a hook with delete policy BeforeHookCreation before it creates the new one: a changed
    // Job template (a bucket added to the minio-buckets PostSync hook) is applied by replacement.
    if (recreatedHook(d.obj)) continue;
    for (const path of IMMUTABLE[d.obj.kind] ?? []) {
      const a = JSON.stringify(at(old, path));
      const b = JSON.stringify(at(d.obj, path));
      if (a !== b)
        out.push(finding('gitops', 'error', `immutable field ${path.join('.')} changed since ${rev}: Argo CD cannot apply this without deleting the object (${a} → ${b})`, d));
    }
    if (d.obj.kind === 'Service' && (at(old, ['spec', 'type']) === 'ExternalName') !== (at(d.obj, ['spec', 'type']) === 'ExternalName'))
      out.push(finding('gitops', 'error', `Service type changed to/from ExternalName since ${rev}`, d));
  }
  return out;
}

interface AppSpecBlocks {
  source?: { directory?: { recurse?: boolean; include?: string; exclude?: string; jsonnet?: Record<string, unknown[] | undefined> } };
}

/**
 * What NormalizeSource (argo-cd v2.14.21) removes from an Application spec as written: a `directory` block at
 * its zero value (recurse not true, no jsonnet variables or libraries, no include, no exclude). The live run
 * saw this one loop; the other zero blocks it removes (helm, kustomize, syncPolicy) the stack never writes.
 */
export function normalizedAway(spec: AppSpecBlocks | undefined): string[] {
  const dir = spec?.source?.directory;
  if (!dir) return [];
  const jsonnet = dir.jsonnet ?? {};
  const zero = dir.recurse !== true && !['extVars', 'tlas', 'libs'].some((k) => (jsonnet[k] ?? []).length > 0) && !dir.include && !dir.exclude;
  return zero ? ['its source.directory block is the zero value (recurse false, nothing else)'] : [];
}
