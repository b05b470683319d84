/**
 * YAML emission, one module for every emitter (manifests in dist/, config files inside ConfigMaps, day-0
 * files), so every YAML text of the stack follows the same rules:
 * - `version: '1.1'` quotes strings such as `off`, `yes` or `0755` that a YAML 1.1 parser (kubectl, Argo CD,
 *   Go's yaml.v2 in Prometheus or Traefik) would otherwise read as booleans or octal numbers;
 * - no line folding (`lineWidth: 0`): long commands and templates stay one line, as written;
 * - no anchors/aliases for repeated objects: every consumer reads each object whole.
 *
 * A document made of maps, lists of scalars or maps and one-line scalars is written here, byte for byte as the
 * yaml library writes it (test/yaml.test.ts compares the two on every object of the stack and on generated
 * documents), each scalar that is not a plain word written by the library alone: serialization was half of a
 * large synthesis (issue 22). Anything else — a multi-line string, a list in a list, a key to quote — sends
 * the whole document to the library.
 */
import { stringify } from 'yaml';

const OPTIONS = { version: '1.1', lineWidth: 0, aliasDuplicateObjects: false } as const;

/** One YAML document. */
export function yamlDoc(value: unknown): string {
  return plainDoc(value) ?? stringify(value, OPTIONS);
}

/** Several documents separated by `---` (a manifest file). */
export function toYaml(objects: readonly unknown[]): string {
  return objects.map(yamlDoc).join('---\n');
}

/**
 * Strings the library writes plain under YAML 1.1: starting with a letter, `_` or `/`; letters, digits and
 * `_ . / = @ + , -`, inner spaces, and `:` not followed by a space; never ending in a space or `:`; no 1.1
 * boolean or null word (compared without case, which excludes a few more than needed: those go to the library).
 */
const PLAIN = /^[A-Za-z_/](?:[A-Za-z0-9_./=@+,-]|:(?! )| (?! ))*$/;
const WORDS = new Set(['y', 'n', 'yes', 'no', 'on', 'off', 'true', 'false', 'null']);
const plain = (s: string): boolean => s.length <= 1000 && PLAIN.test(s) && !s.endsWith(':') && !s.endsWith(' ') && !WORDS.has(s.toLowerCase());

/**
 * Other one-line strings and numbers as the library writes them alone (a one-line scalar is written the same
 * as a map value or list item: no folding, nothing depends on the indentation); cached, as the same values
 * recur. A result on more than one line (block scalars) is not used: the document goes to the library.
 */
const written = new Map<string | number, string | undefined>();
function alone(v: string | number): string | undefined {
  let s = written.get(v);
  if (s === undefined && !written.has(v)) {
    const text = stringify(v, OPTIONS);
    s = text.indexOf('\n') === text.length - 1 ? text.slice(0, -1) : undefined;
    if (written.size > 100_000) written.clear();
    written.set(v, s);
  }
  return s;
}

/** A value's scalar as the library writes it, or undefined when only the library should write the document. */
function scalar(v: unknown): string | undefined {
  if (typeof v === 'string') return plain(v) ? v : /[\n\r\u0085\u2028\u2029]/.test(v) ? undefined : alone(v);
  if (typeof v === 'number') return Number.isSafeInteger(v) && !Object.is(v, -0) ? String(v) : Number.isFinite(v) ? alone(v) : undefined;
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (v === null) return 'null';
  return undefined;
}

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;

function writeMap(m: Record<string, unknown>, pad: string, out: string[], first?: string): boolean {
  let i = 0;
  for (const k in m) {
    if (!Object.prototype.hasOwnProperty.call(m, k)) continue;
    const v = m[k];
    if (!plain(k) || v === undefined) return false;
    const lead = i++ === 0 && first !== undefined ? first : pad;
    if (Array.isArray(v)) {
      if (v.length === 0) out.push(`${lead}${k}: []\n`);
      else {
        out.push(`${lead}${k}:\n`);
        if (!writeSeq(v, `${pad}  `, out)) return false;
      }
    } else if (isMap(v)) {
      if (Object.keys(v).length === 0) out.push(`${lead}${k}: {}\n`);
      else {
        out.push(`${lead}${k}:\n`);
        if (!writeMap(v, `${pad}  `, out)) return false;
      }
    } else {
      const s = scalar(v);
      if (s === undefined) return false;
      out.push(`${lead}${k}: ${s}\n`);
    }
  }
  return true;
}

function writeSeq(items: readonly unknown[], pad: string, out: string[]): boolean {
  for (const v of items) {
    if (isMap(v)) {
      if (Object.keys(v).length === 0) out.push(`${pad}- {}\n`);
      else if (!writeMap(v, `${pad}  `, out, `${pad}- `)) return false;
    } else {
      const s = Array.isArray(v) ? undefined : scalar(v);
      if (s === undefined) return false;
      out.push(`${pad}- ${s}\n`);
    }
  }
  return true;
}

/** The document written directly, or undefined when the library must write it. */
export function plainDoc(value: unknown): string | undefined {
  if (!isMap(value) || Object.keys(value).length === 0) return undefined;
  const out: string[] = [];
  return writeMap(value, '', out) ? out.join('') : undefined;
}
