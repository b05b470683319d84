/**
 * Loading and validating the site configuration. Nothing is synthesized until this has succeeded, so bad
 * input never touches dist/.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { LineCounter, parseDocument, visit } from 'yaml';
import { z } from 'zod';
import { addressIssues, withAddressDefaults } from './addresses';
import type { Site } from './schema';
// The schema composed from the registry (above config/ and constructs/: charts/site-schema.ts). Its output is
// returned as a Site, which type-checks only while each app's SiteWorkloads entry is its schema's output.
import { crossFieldIssues, siteSchema } from '../charts/site-schema';
import { listSizeIssues } from './hostile';
import { SECRET_KEY, visibleKey } from './scalars';
import { scanForSecrets, stringLeaves } from './secret-scan';

/** Environment variable naming a site file (same as `--config <file>`). */
export const CONFIG_ENV = 'DOMUS_CONFIG';
/** The operator's site, committed at the repository root: what every command uses without a flag. */
export const SITE_FILE = 'site.yaml';

/** The repository root: the nearest folder above this module (or its bundle in build/) with a package.json. */
export function repoRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

export interface ConfigIssue {
  /** Dotted field path, e.g. `workloads.minio.pods` or `nodes[0].ip`. */
  readonly path: string;
  /** The value that was given (`undefined` when the field was missing). */
  readonly value: unknown;
  /** What is allowed. */
  readonly expected: string;
  /** A problem with the file itself (empty, not YAML): printed as is instead of "got …; expected …". */
  readonly text?: string;
}

export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly issues: readonly ConfigIssue[],
  ) {
    super(
      `invalid site configuration (${source}): ${issues.length} problem${issues.length === 1 ? '' : 's'}\n` +
        issues.map((i) => (i.text !== undefined ? `  - ${i.text.replace(/\n/g, '\n    ')}` : `  - ${i.path}: got ${show(i.value)}; expected ${i.expected}`)).join('\n'),
    );
    this.name = 'ConfigError';
  }
}

function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  // Never echo key material pasted into the wrong field.
  if (typeof v === 'string' && /PRIVATE KEY-----/.test(v)) return '(a private key, not shown)';
  const s = JSON.stringify(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : `${out ? '.' : ''}${String(p)}`;
  return out || '(root)';
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = input;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[p];
  }
  return cur;
}

const article = (noun: string) => `${/^[aeiou]/.test(noun) ? 'an' : 'a'} ${noun}`;

function describe(issue: z.core.$ZodIssue, value: unknown): string {
  switch (issue.code) {
    case 'invalid_type': {
      const expected = article(issue.expected);
      const key = issue.path[issue.path.length - 1];
      // YAML reads 8, 1.5, true or 2024-01-01-like scalars as numbers or booleans: the fix is quoting.
      if (issue.expected === 'string' && (typeof value === 'number' || typeof value === 'boolean')) {
        return `${expected}; YAML read ${String(value)} as a ${typeof value}: quote it (${typeof key === 'string' ? `${key}: "${String(value)}"` : `"${String(value)}"`})`;
      }
      if (value === null) return `${expected}; the key is there with no value (YAML null): give it a value or remove the line`;
      if (value === undefined) return `${expected}: this field is required (it has no default)`;
      return expected;
    }
    case 'invalid_value':
      return `one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'too_small':
      return issue.origin === 'array' ? `at least ${String(issue.minimum)} item(s)` : `a value >= ${String(issue.minimum)}`;
    case 'too_big':
      return issue.origin === 'array' ? `at most ${String(issue.maximum)} item(s)` : `a value <= ${String(issue.maximum)}`;
    default:
      return issue.message;
  }
}

/** Shown instead of a value that is, or may contain, a credential: an error message must not leak it into logs. */
export const REDACTED = '(redacted)';
/** Fields whose whole value is never echoed (a PEM bundle, a Dex configuration). */
const SENSITIVE = /(^|\.)(caCert|dex\.config)$/;
/** Messages of the credential rules (config/scalars.ts). */
const CREDENTIAL_MESSAGE = /(without user:password|no private key|never written inline)/;

/** Whether secretlint sees a credential in a key of the site (never a field name the schema knows). */
function keyIsSecret(key: string): boolean {
  try {
    return scanForSecrets([{ id: 'key', text: key }]).length > 0;
  } catch {
    // The scanner failing is reported once by secretIssues; here, hiding the key is the safe side.
    return true;
  }
}

/** Credentials found by secretlint in any string of the raw input, with the field path. */
function secretIssues(input: unknown): ConfigIssue[] {
  return scanForSecrets(stringLeaves(input).map((l) => ({ id: formatPath(l.path), text: l.text }))).map((f) => ({
    path: f.id,
    value: REDACTED,
    expected: `no credential in the site file (secretlint: ${f.message} [${f.rule.replace('@secretlint/secretlint-rule-', '')}]); keep it in Vault or a Kubernetes Secret created outside git`,
  }));
}

/**
 * Validates raw input (already parsed from YAML/JSON). Throws ConfigError listing every problem at once, and
 * never anything else, so a caller prints field paths, not a stack trace: the per-field errors, credentials
 * found in any string, the address defaults that cannot be derived, and the cross-field rules. Cross-field
 * rules also run when some field is wrong, on the input with the wrong fields set back to their defaults; an
 * issue that touches a wrong field is left out, since its value was not the operator's.
 */
export function validateSite(input: unknown, source = 'inline'): Site {
  // Bounded before anything reads every string (issue 25): 40,000 buckets are a field error, not a secret scanner
  // that does not answer within its time limit.
  const oversized = listSizeIssues(input);
  if (oversized.length)
    throw new ConfigError(
      source,
      oversized.map((i) => ({ path: formatPath(i.path), value: i.value, expected: i.message })),
    );
  const derived = withAddressDefaults(input ?? {});
  const parsed = siteSchema.safeParse(derived.input);
  const issues: ConfigIssue[] = [];
  const bad: PropertyKey[][] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) {
          bad.push([...issue.path, key]);
          // A credential pasted as a key (a token line without its field name) must not be echoed in the path.
          // Or a field named like a credential (vault.token, adminPassword): its value is not echoed either (issue 25).
          const secretKey = keyIsSecret(key);
          const secretName = !secretKey && SECRET_KEY.test(visibleKey(key));
          issues.push({
            path: formatPath([...issue.path, secretKey ? '(a key holding a credential)' : key]),
            value: secretKey || secretName ? REDACTED : valueAt(input, [...issue.path, key]),
            expected: `no such field (allowed here: ${allowedKeys(issue.path)})${secretKey ? '; and no credential in the site file: keep it in Vault or a Kubernetes Secret created outside git' : ''}`,
          });
        }
      } else {
        bad.push(issue.path);
        const path = formatPath(issue.path);
        const redact = SENSITIVE.test(path) || CREDENTIAL_MESSAGE.test(issue.message);
        issues.push({ path, value: redact ? REDACTED : valueAt(input, issue.path), expected: describe(issue, valueAt(input, issue.path)) });
      }
    }
  }
  try {
    const secrets = secretIssues(input ?? {});
    // A field the schema refuses (an unknown key, a wrong format) must not echo the credential in its message.
    const leaked = new Set(secrets.map((s) => s.path));
    issues.forEach((i, n) => {
      if (leaked.has(i.path)) issues[n] = { ...i, value: REDACTED };
    });
    issues.push(...secrets);
  } catch (e) {
    issues.push({ path: '(secret scan)', value: undefined, expected: `a secret scan that runs: ${(e as Error).message}` });
  }
  const cross = [...derived.issues, ...addressIssues(derived.input, exampleDefaults())];
  try {
    const site = parsed.success ? parsed.data : repaired(derived.input, bad);
    if (site) cross.push(...crossFieldIssues(site));
  } catch (e) {
    // A repaired site can still be one a rule cannot evaluate: say so instead of throwing a stack trace.
    if (parsed.success) issues.push({ path: '(site)', value: undefined, expected: `a site the cross-field rules can evaluate (${(e as Error).message})` });
  }
  const touchesBad = (p: readonly PropertyKey[]) =>
    bad.some((b) => b.every((k, i) => i >= p.length || String(p[i]) === String(k)) || p.every((k, i) => i >= b.length || String(b[i]) === String(k)));
  const seen = new Set(issues.map((i) => `${i.path}\n${i.expected}`));
  for (const c of cross) {
    const issue = { path: formatPath(c.path), value: c.value, expected: c.message };
    if ((!parsed.success && touchesBad(c.path)) || seen.has(`${issue.path}\n${issue.expected}`)) continue;
    seen.add(`${issue.path}\n${issue.expected}`);
    issues.push(issue);
  }
  if (issues.length > 0 || !parsed.success) throw new ConfigError(source, issues);
  return parsed.data;
}

/** The example's values, to read a field the input leaves out (static defaults only: no derivation). */
let defaults: Record<string, unknown> | undefined;
function exampleDefaults(): Record<string, unknown> {
  defaults ??= siteSchema.parse({}) as unknown as Record<string, unknown>;
  return defaults;
}

/**
 * The input with its wrong values replaced, for the cross-field rules: by the default of the nearest enclosing
 * field that has one (a wrong `resources.requests.cpu` drops `resources`), and inside a list, where dropping the
 * element would change what the rules count, a required name or address by a unique placeholder (a wrong
 * `nodes[1].ip` becomes 0.0.0.2). Issues on replaced fields are dropped by the caller. Undefined when no
 * such input validates.
 */
function repaired(input: unknown, bad: readonly (readonly PropertyKey[])[]): Site | undefined {
  let paths = [...bad];
  const placeholders = new Map<string, { path: readonly PropertyKey[]; value: string }>();
  const same = (a: readonly PropertyKey[], b: readonly PropertyKey[]) => a.length === b.length && a.every((k, j) => k === b[j]);
  for (let round = 0; round < 8; round++) {
    const candidate = without(input, paths);
    for (const { path, value } of placeholders.values()) setAt(candidate, path, value);
    const r = siteSchema.safeParse(candidate);
    if (r.success) return r.data;
    const next: PropertyKey[][] = [];
    for (const i of r.error.issues) {
      const f = i.code === 'unrecognized_keys' ? [...i.path, i.keys[0]!] : i.path;
      const retried = paths.some((p) => same(p, f)) || valueAt(input, f) === undefined;
      if (!retried) {
        next.push(f);
        continue;
      }
      const parent = f.slice(0, -1);
      const key = f[f.length - 1];
      if (typeof parent[parent.length - 1] === 'number' && typeof key === 'string') {
        // A required field of a list element: keep the element, with a value no operator would write.
        if (placeholders.has(JSON.stringify(f))) return undefined;
        const n = placeholders.size + 1;
        placeholders.set(JSON.stringify(f), { path: f, value: key === 'ip' ? `0.0.0.${n}` : `invalid-${n}` });
      } else if (parent.length > 0) next.push(parent);
      else return undefined;
    }
    paths = [...paths, ...next];
  }
  return undefined;
}

/** A copy of `input` without the values at `paths` (so that the schema's defaults apply there). */
function without(input: unknown, paths: readonly (readonly PropertyKey[])[]): unknown {
  const copy = structuredClone(input);
  for (const path of paths) {
    if (path.length === 0) return {};
    const parent = valueAt(copy, path.slice(0, -1));
    if (parent !== null && typeof parent === 'object' && !Array.isArray(parent)) delete (parent as Record<PropertyKey, unknown>)[path[path.length - 1]!];
  }
  return copy;
}

function setAt(target: unknown, path: readonly PropertyKey[], value: unknown): void {
  const parent = valueAt(target, path.slice(0, -1));
  if (parent !== null && typeof parent === 'object') (parent as Record<PropertyKey, unknown>)[path[path.length - 1]!] = value;
}

/** The keys a strict object accepts at `path`, for "unknown key" messages. */
function allowedKeys(path: readonly PropertyKey[]): string {
  let schema: z.core.$ZodType = siteSchema;
  for (const p of path) {
    schema = unwrap(schema);
    if (schema instanceof z.ZodObject) schema = schema.shape[String(p)] as z.core.$ZodType;
    else if (schema instanceof z.ZodArray) schema = schema.element as z.core.$ZodType;
    else return '?';
  }
  schema = unwrap(schema);
  return schema instanceof z.ZodObject ? Object.keys(schema.shape).join(', ') : '?';
}

function unwrap(schema: z.core.$ZodType): z.core.$ZodType {
  let s = schema;
  while (s instanceof z.ZodDefault || s instanceof z.ZodPrefault || s instanceof z.ZodOptional || s instanceof z.ZodPipe) {
    // A transformed object (e.g. vault) is a pipe: its keys are those of its input schema.
    s = (s instanceof z.ZodPipe ? s.in : s.unwrap()) as z.core.$ZodType;
  }
  return s;
}

/** Reads a YAML (or JSON) site file and validates it. An empty file and YAML errors are reported as such. */
export function loadSiteFile(file: string, label = file): Site {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(label, [{ path: '(file)', value: file, expected: `a readable file (${(e as Error).message})` }]);
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true, lineCounter });
  if (doc.errors.length > 0) {
    // prettyErrors: each message names line and column and quotes the line with a caret under the spot.
    throw new ConfigError(
      label,
      doc.errors.map((e) => ({ path: '(yaml)', value: undefined, expected: 'valid YAML', text: `YAML error: ${e.message.trimEnd()}` })),
    );
  }
  let raw: unknown;
  try {
    raw = doc.toJS();
  } catch (e) {
    // The yaml library stops an alias bomb (aliases expanding to millions of nodes) with a bare message: name
    // the line of the first alias so the operator can find it (issue 25).
    let line: number | undefined;
    visit(doc, {
      Alias(_k, node) {
        line = lineCounter.linePos(node.range?.[0] ?? 0).line;
        return visit.BREAK;
      },
    });
    throw new ConfigError(label, [
      {
        path: '(yaml)',
        value: undefined,
        expected: 'valid YAML',
        text: `YAML error${line ? ` at line ${line}` : ''}: ${(e as Error).message} (aliases that expand too far are refused)`,
      },
    ]);
  }
  if (raw === null || raw === undefined) {
    throw new ConfigError(label, [
      {
        path: '(file)',
        value: undefined,
        expected: 'site settings',
        text: `the file is empty (no settings, only comments or blank lines): write the fields that differ from the defaults in config/schema.ts, or \`{}\` for the example homelab`,
      },
    ]);
  }
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError(label, [{ path: '(root)', value: raw, expected: "an object: the site's settings as YAML keys (cluster:, nodes:, vault:, …)" }]);
  }
  return validateSite(raw, label);
}

/**
 * The site for this run: `--config <file>` on the command line, else $DOMUS_CONFIG, else the operator's
 * site.yaml at the repository root. There is no silent fallback to the built-in example: a missing site.yaml is
 * an error, so a fork never synthesizes somebody else's addresses.
 */
export function resolveSite(argv: readonly string[] = process.argv.slice(2), env: NodeJS.ProcessEnv = process.env): { site: Site; source: string } {
  const i = argv.findIndex((a) => a === '--config' || a.startsWith('--config='));
  const given = i < 0 ? env[CONFIG_ENV] : argv[i]!.includes('=') ? argv[i]!.slice('--config='.length) : argv[i + 1];
  if (i >= 0 && !given) throw new ConfigError('--config', [{ path: '(argument)', value: undefined, expected: 'a file name after --config' }]);
  if (given) return { site: loadSiteFile(given), source: given };
  const file = join(repoRoot(), SITE_FILE);
  const label = relative(process.cwd(), file) || SITE_FILE;
  if (!existsSync(file)) {
    throw new ConfigError(label, [
      {
        path: '(file)',
        value: undefined,
        expected: 'a site file',
        text: `no ${SITE_FILE} at the repository root (${resolve(file)}): restore it (git checkout -- ${SITE_FILE}) or name a file with --config <file>`,
      },
    ]);
  }
  return { site: loadSiteFile(file, label), source: label };
}

/** The site every command uses by default (for tests that follow the operator's site: invariants, dist, verify). */
export function siteInUse(): { site: Site; source: string } {
  return resolveSite([], process.env);
}
