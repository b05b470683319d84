/**
 * Which files of dist/ become API objects, read the way Argo CD v2.14.21's directory source reads them
 * (conformance/facts/argocd-source.ts): every `*.yaml`, `*.yml`, `*.json` and `*.jsonnet` file (hidden files
 * included), YAML split on Kubernetes' `---` rule, one object per JSON file, any object with an `items` array
 * expanded as a list, `generateName` accepted for a name. What Argo CD would apply but verify cannot read exactly
 * (jsonnet, UTF-16, symlinks, a document without `kind`, a file the two parsers would split differently) is
 * refused with a finding of the `load` check instead of being skipped: a check can only judge what it was shown.
 *
 * Folders applied by the operator rather than Argo CD keep their own rules (`OPERATOR_FOLDERS`): node files in
 * bootstrap/ (k3s config, the admission config, Helm values) are not API objects, intent/*.json are data.
 */
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { LineCounter, parseAllDocuments } from 'yaml';
import { Doc, Finding, KubeObj } from './types';

/** Argo CD's `manifestFile` pattern (reposerver/repository/repository.go). */
export const MANIFEST_FILE = /^.*\.(yaml|yml|json|jsonnet)$/;
/** Folders of dist/ that no Application syncs: the operator installs them (DAY0.md) or they are data for verify. */
export const OPERATOR_FOLDERS = ['bootstrap', 'intent'] as const;
/** Kubernetes appends five random characters to generateName; verify names such objects with this suffix. */
export const GENERATED_SUFFIX = '-xxxxx';

export interface Loaded {
  docs: Doc[];
  files: Map<string, string>;
  /** Files verify refuses to read, as errors of the `load` check. */
  findings: Finding[];
}

const problem = (file: string, message: string, line?: number): Finding => ({ check: 'load', severity: 'error', message: `${file}: ${message}`, file, ...(line ? { line } : {}) });

/** Every entry under dist, without following symlinks (Argo CD's filepath.Walk uses Lstat). */
function walk(dist: string, dir: string, out: { path: string; symlink: boolean }[]): void {
  for (const n of readdirSync(dir).sort()) {
    const p = join(dir, n);
    const st = lstatSync(p);
    if (st.isSymbolicLink()) out.push({ path: p, symlink: true });
    else if (st.isDirectory()) walk(dist, p, out);
    else if (st.isFile()) out.push({ path: p, symlink: false });
    else out.push({ path: p, symlink: true }); // fifo, socket, device: not a regular file, refused like a link
  }
}

/**
 * The text of a file as Argo CD's utfutil.OpenFile(UTF8) decodes it: a UTF-8 byte-order mark is dropped; a
 * UTF-16 one would make Argo CD read the file as UTF-16, which verify does not, so it is refused.
 */
function decode(buf: Buffer): { text?: string; error?: string } {
  if ((buf[0] === 0xff && buf[1] === 0xfe) || (buf[0] === 0xfe && buf[1] === 0xff))
    return { error: 'UTF-16 byte-order mark: Argo CD would decode it as UTF-16, verify reads UTF-8 only' };
  const text = buf.toString('utf8');
  if (text.includes('\uFFFD') && !buf.includes(Buffer.from('\uFFFD', 'utf8'))) return { error: 'not valid UTF-8' };
  return { text: text.startsWith('\uFEFF') ? text.slice(1) : text };
}

/**
 * Kubernetes' YAMLReader: a line starting with `---` ends a document when only spaces or a comment follow;
 * anything else after `---` is a syntax error. Returns each document's text and first line.
 */
export function splitYamlDocuments(text: string): { chunks: { text: string; line: number }[]; error?: { line: number; message: string } } {
  const lines = text.split('\n');
  const chunks: { text: string; line: number }[] = [];
  let cur: string[] = [];
  let start = 1;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (l.startsWith('---')) {
      const rest = l.slice(3).trim();
      if (rest && !rest.startsWith('#'))
        return { chunks, error: { line: i + 1, message: `invalid YAML document separator "${rest.slice(0, 20)}" (Kubernetes' decoder refuses it)` } };
      if (cur.join('\n').trim()) chunks.push({ text: cur.join('\n'), line: start });
      cur = [];
      start = i + 2;
      continue;
    }
    cur.push(l);
  }
  if (cur.join('\n').trim()) chunks.push({ text: cur.join('\n'), line: start });
  return { chunks };
}

const isMap = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/**
 * The objects Argo CD would apply for one decoded value: a value with an `items` array is a list and each item
 * is applied (unstructured IsList/EachListItem, apimachinery v0.31.2); `items: null` without spec or status is an
 * empty list (isNullList); anything else is one object, which must have `kind` (the unstructured decoder's
 * missing-kind error) and a name or generateName (the API server).
 */
function objectsOf(value: unknown, file: string, line: number, findings: Finding[]): KubeObj[] {
  if (value === null || value === undefined) return [];
  if (!isMap(value)) {
    findings.push(problem(file, 'a document that is not an object: Argo CD fails the sync', line));
    return [];
  }
  if (Array.isArray(value.items)) {
    const out: KubeObj[] = [];
    value.items.forEach((item, i) => {
      if (!isMap(item)) findings.push(problem(file, `items[${i}] is not an object: Argo CD fails the sync`, line));
      else out.push(...one(item, `${file} items[${i}]`, file, line, findings));
    });
    return out;
  }
  if (value.items === null && !('spec' in value) && !('status' in value)) return [];
  return one(value, file, file, line, findings);
}

function one(o: Record<string, unknown>, where: string, file: string, line: number, findings: Finding[]): KubeObj[] {
  if (typeof o.kind !== 'string' || !o.kind) {
    findings.push(problem(file, `${where.slice(file.length).trim() || 'document'}: no kind (Argo CD's decoder refuses it)`, line));
    return [];
  }
  if (typeof o.apiVersion !== 'string' || !o.apiVersion) {
    findings.push(problem(file, `${o.kind}: no apiVersion (the API server refuses it)`, line));
    return [];
  }
  const md = isMap(o.metadata) ? o.metadata : undefined;
  const name = md?.name;
  const gen = md?.generateName;
  if (typeof name === 'string' && name) return [o as KubeObj];
  if (typeof gen === 'string' && gen) {
    // Argo CD creates hooks with generateName; the object is applied, so it is checked like any other.
    return [{ ...o, metadata: { ...md, name: `${gen}${GENERATED_SUFFIX}` } } as KubeObj];
  }
  findings.push(problem(file, `${o.kind}: neither metadata.name nor metadata.generateName`, line));
  return [];
}

/** One YAML file the way Argo CD's getObjsFromYAMLOrJson reads it. */
function yamlObjects(text: string, rel: string, findings: Finding[]): { obj: KubeObj; line: number; text?: string }[] {
  const out: { obj: KubeObj; line: number; text?: string }[] = [];
  // Kubernetes' YAMLOrJSONDecoder reads a JSON stream when the text starts with `{`.
  if (/^\s*\{/.test(text)) {
    for (const v of jsonStream(text, rel, findings)) out.push(...objectsOf(v, rel, 1, findings).map((obj) => ({ obj, line: 1 })));
    return out;
  }
  const split = splitYamlDocuments(text);
  if (split.error) findings.push(problem(rel, split.error.message, split.error.line));
  for (const c of split.chunks) {
    const counter = new LineCounter();
    const docs = parseAllDocuments(c.text, { lineCounter: counter, version: '1.1' });
    const real = docs.filter((d) => d.contents !== null);
    if (real.length > 1 || docs.some((d) => d.errors.length)) {
      const err = docs.find((d) => d.errors.length)?.errors[0];
      findings.push(problem(rel, err ? `YAML: ${err.message.split('\n')[0]}` : 'a document the YAML parser splits where Kubernetes does not', c.line));
      continue;
    }
    const d = real[0];
    if (!d) continue;
    const line = c.line + counter.linePos(d.contents?.range?.[0] ?? 0).line - 1;
    const value = d.toJS() as unknown;
    const objs = objectsOf(value, rel, line, findings);
    // The document's own text when it holds one object (not a list): the credentials check scans it as read
    // instead of serializing the object again (issue 22: re-serializing every document was most of verify).
    const own = objs.length === 1 && isMap(value) && !Array.isArray(value.items) ? c.text : undefined;
    out.push(...objs.map((obj) => ({ obj, line, ...(own === undefined ? {} : { text: own }) })));
  }
  return out;
}

/** A stream of JSON values (Kubernetes' JSON decoder in a .yaml file). */
function jsonStream(text: string, rel: string, findings: Finding[]): unknown[] {
  const values: unknown[] = [];
  let rest = text.trim();
  while (rest) {
    const end = endOfJsonValue(rest);
    if (end < 0) {
      findings.push(problem(rel, 'JSON that does not parse'));
      return values;
    }
    try {
      values.push(JSON.parse(rest.slice(0, end)));
    } catch (e) {
      findings.push(problem(rel, `JSON: ${(e as Error).message}`));
      return values;
    }
    rest = rest.slice(end).trim();
  }
  return values;
}

/** Where the first top-level JSON object of `s` ends (brace matching outside strings), or -1. */
function endOfJsonValue(s: string): number {
  if (s[0] !== '{') return -1;
  let depth = 0;
  let inStr = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (inStr) {
      if (c === '\\') i++;
      else if (c === '"') inStr = false;
    } else if (c === '"') inStr = true;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return -1;
}

/** Operator folders: YAML API objects (kubectl apply -f) are loaded, node files (no metadata.name) skipped. */
function operatorYaml(text: string, rel: string, findings: Finding[]): Doc[] {
  const docs: Doc[] = [];
  const counter = new LineCounter();
  for (const d of parseAllDocuments(text, { lineCounter: counter, version: '1.1' })) {
    if (d.errors.length) {
      findings.push(problem(rel, `YAML: ${d.errors[0]!.message.split('\n')[0]}`));
      continue;
    }
    const obj = d.toJS() as unknown;
    if (!isMap(obj) || !('apiVersion' in obj) || !('kind' in obj)) continue;
    if (!(obj as { metadata?: { name?: string } }).metadata?.name) continue;
    docs.push({ obj: obj as unknown as KubeObj, file: rel, line: counter.linePos(d.contents?.range?.[0] ?? 0).line, text: text.slice(d.range[0], d.range[2]) });
  }
  return docs;
}

export function loadArgoSource(dist: string): Loaded {
  const entries: { path: string; symlink: boolean }[] = [];
  walk(dist, dist, entries);
  return parseArgoEntries(entries.map((e) => ({ rel: relative(dist, e.path).split(sep).join('/'), symlink: e.symlink, read: () => readFileSync(e.path) })));
}

/** One entry of a source folder: its path relative to the folder ('/'-separated), whether it is a link, its bytes. */
export interface SourceEntry {
  readonly rel: string;
  readonly symlink: boolean;
  readonly read: () => Buffer;
  /**
   * The objects a YAML file was written from, one per document in order (synth rendering dist/docs from its
   * own output, charts/docs.ts): used instead of parsing the text again when the file splits into exactly one
   * document per object, each starting with a key. YAML parsing was a third of every synth (issue 22); the
   * round trip (constructs/lib/yaml.ts) is what test/docs.test.ts and test/verify/argocd-source.test.ts check.
   */
  readonly objects?: readonly unknown[];
}

/**
 * The documents of a file synth wrote from `objects`, or undefined when the text does not line up with them.
 * `operator`: a file of an operator folder, whose documents carry no text here (synth, the only caller with
 * objects, scans none).
 */
function writtenObjects(text: string, rel: string, objects: readonly unknown[], operator: boolean): Doc[] | undefined {
  const split = splitYamlDocuments(text);
  if (split.error || split.chunks.length !== objects.length) return undefined;
  const docs: Doc[] = [];
  for (const [i, c] of split.chunks.entries()) {
    const o = objects[i];
    const md = isMap(o) ? o.metadata : undefined;
    // Plain API objects only (a list or a generateName goes the parsing way), the document starting with a key
    // after whole-line comments (the line of the object is that key's).
    if (!isMap(o) || 'items' in o || typeof o.kind !== 'string' || !o.kind || typeof o.apiVersion !== 'string' || !o.apiVersion) return undefined;
    const lead = /^(?:[ \t]*(?:#[^\n]*)?\n)*/.exec(c.text)![0];
    if (!isMap(md) || typeof md.name !== 'string' || !md.name || !/^[A-Za-z]/.test(c.text.slice(lead.length))) return undefined;
    const line = c.line + lead.split('\n').length - 1;
    docs.push({ obj: JSON.parse(JSON.stringify(o)) as KubeObj, file: rel, line, ...(operator ? {} : { text: c.text }) });
  }
  return docs;
}

/**
 * The same reading from entries in walk order (sorted names, depth first), so that synth can read its output
 * before writing it (charts/docs.ts) exactly as verify reads dist/.
 */
export function parseArgoEntries(entries: Iterable<SourceEntry>): Loaded {
  const docs: Doc[] = [];
  const files = new Map<string, string>();
  const findings: Finding[] = [];
  for (const e of entries) {
    const rel = e.rel;
    if (e.symlink) {
      // Argo CD refuses the whole repository for a link out of it and follows one inside it to a file; synth
      // never writes links, so verify would be shown one file twice or something outside dist/.
      findings.push(problem(rel, 'a symbolic link or special file: Argo CD follows links to files (and refuses the repository when one leaves it); synth never writes one'));
      continue;
    }
    const name = rel.split('/').pop()!;
    const operator = (OPERATOR_FOLDERS as readonly string[]).includes(rel.split('/')[0]!) && rel.includes('/');
    const decoded = decode(e.read());
    if (decoded.error !== undefined) {
      if (MANIFEST_FILE.test(name) || operator) findings.push(problem(rel, decoded.error));
      continue;
    }
    const text = decoded.text!;
    if (operator) {
      // The text too: node files (k3s config, the admission config, Cilium's values) are read by the switches check.
      const written = e.objects && /\.ya?ml$/.test(name) ? writtenObjects(text, rel, e.objects, true) : undefined;
      if (written) docs.push(...written);
      else if (/\.ya?ml$/.test(name)) docs.push(...operatorYaml(text, rel, findings));
      files.set(rel, text);
      continue;
    }
    if (!MANIFEST_FILE.test(name)) {
      files.set(rel, text);
      continue;
    }
    if (name.endsWith('.jsonnet')) {
      findings.push(problem(rel, 'jsonnet: Argo CD evaluates it (directory manifest generation is on by default), verify cannot'));
      continue;
    }
    if (name.endsWith('.json')) {
      // Argo CD: one JSON object per .json file (json.Decoder, then decoder.More() is an error).
      const vals = jsonStream(text, rel, findings);
      if (vals.length > 1) findings.push(problem(rel, 'several JSON objects in one .json file: Argo CD refuses it'));
      const line = 1;
      for (const v of vals.slice(0, 1)) docs.push(...objectsOf(v, rel, line, findings).map((obj) => ({ obj, file: rel, line })));
      if (!/^\s*\{/.test(text)) findings.push(problem(rel, 'a .json file that is not one JSON object'));
      continue;
    }
    const written = e.objects && /\.ya?ml$/.test(name) ? writtenObjects(text, rel, e.objects, false) : undefined;
    docs.push(...(written ?? yamlObjects(text, rel, findings).map((d) => ({ ...d, file: rel }))));
  }
  return { docs, files, findings };
}
