/**
 * Loading and validating the site configuration. Nothing is synthesized until this has succeeded, so bad
 * input never touches dist/.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';
import { crossFieldIssues, Site, siteSchema } from './schema';
import { scanForSecrets, stringLeaves } from './secret-scan';

/** Environment variable naming a site file (same as `--config <file>`). */
export const CONFIG_ENV = 'DOMUS_CONFIG';

export interface ConfigIssue {
  /** Dotted field path, e.g. `workloads.minio.pods` or `nodes[0].ip`. */
  readonly path: string;
  /** The value that was given (`undefined` when the field was missing). */
  readonly value: unknown;
  /** What is allowed. */
  readonly expected: string;
}

export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly issues: readonly ConfigIssue[],
  ) {
    super(
      `invalid site configuration (${source}): ${issues.length} problem${issues.length === 1 ? '' : 's'}\n` +
        issues.map((i) => `  - ${i.path}: got ${show(i.value)}; expected ${i.expected}`).join('\n'),
    );
    this.name = 'ConfigError';
  }
}

function show(v: unknown): string {
  if (v === undefined) return 'nothing';
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

function describe(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return `a ${issue.expected}`;
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

/** Credentials found by secretlint in any string of the raw input, with the field path. */
function secretIssues(input: unknown): ConfigIssue[] {
  return scanForSecrets(stringLeaves(input).map((l) => ({ id: formatPath(l.path), text: l.text }))).map((f) => ({
    path: f.id,
    value: REDACTED,
    expected: `no credential in the site file (secretlint: ${f.message} [${f.rule.replace('@secretlint/secretlint-rule-', '')}]); keep it in Vault or a Kubernetes Secret created outside git`,
  }));
}

/**
 * Validates raw input (already parsed from YAML/JSON). Throws ConfigError listing every problem at once; never
 * anything else, so a caller prints field paths, not a stack trace.
 */
export function validateSite(input: unknown, source = 'inline'): Site {
  const issues: ConfigIssue[] = [];
  const parsed = siteSchema.safeParse(input ?? {});
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) {
          issues.push({ path: formatPath([...issue.path, key]), value: valueAt(input, [...issue.path, key]), expected: `no such field (allowed here: ${allowedKeys(issue.path)})` });
        }
      } else {
        const path = formatPath(issue.path);
        const redact = SENSITIVE.test(path) || CREDENTIAL_MESSAGE.test(issue.message);
        issues.push({ path, value: redact ? REDACTED : valueAt(input, issue.path), expected: describe(issue) });
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
  if (issues.length > 0 || !parsed.success) throw new ConfigError(source, issues);
  let cross: ReturnType<typeof crossFieldIssues>;
  try {
    cross = crossFieldIssues(parsed.data);
  } catch (e) {
    throw new ConfigError(source, [{ path: '(site)', value: undefined, expected: `a site the cross-field rules can evaluate (${(e as Error).message})` }]);
  }
  if (cross.length > 0) throw new ConfigError(source, cross.map((c) => ({ path: formatPath(c.path), value: c.value, expected: c.message })));
  return parsed.data;
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
  while (s instanceof z.ZodDefault || s instanceof z.ZodPrefault || s instanceof z.ZodOptional) s = s.unwrap() as z.core.$ZodType;
  return s;
}

/** Reads a YAML (or JSON) site file and validates it. */
export function loadSiteFile(file: string): Site {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(file, [{ path: '(file)', value: file, expected: `a readable file (${(e as Error).message})` }]);
  }
  let raw: unknown;
  try {
    raw = parse(text, { prettyErrors: true, uniqueKeys: true });
  } catch (e) {
    throw new ConfigError(file, [{ path: '(yaml)', value: undefined, expected: `valid YAML: ${(e as Error).message.split('\n')[0]}` }]);
  }
  return validateSite(raw, file);
}

/**
 * The site for this run: `--config <file>` on the command line, else $DOMUS_CONFIG, else the built-in default
 * (a single-node homelab that synthesizes without any edit).
 */
export function resolveSite(argv: readonly string[] = process.argv.slice(2), env: NodeJS.ProcessEnv = process.env): { site: Site; source: string } {
  const i = argv.findIndex((a) => a === '--config' || a.startsWith('--config='));
  const file = i < 0 ? env[CONFIG_ENV] : argv[i]!.includes('=') ? argv[i]!.slice('--config='.length) : argv[i + 1];
  if (i >= 0 && !file) throw new ConfigError('--config', [{ path: '(argument)', value: undefined, expected: 'a file name after --config' }]);
  if (file) return { site: loadSiteFile(file), source: file };
  return { site: validateSite({}, 'built-in default'), source: 'built-in default' };
}
