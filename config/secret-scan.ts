/**
 * Credentials in text, found by a maintained scanner rather than hand-made patterns: secretlint's recommended
 * rules (@secretlint/secretlint-rule-preset-recommend, pinned in package.json): private keys, basic-auth
 * URLs, GitHub/GitLab/Slack/AWS/GCP/npm/OpenAI/... token formats. Used by the site check (every string of the
 * site, with its field path) and by `npm run verify` (every file of dist/).
 *
 * secretlint is ESM with an async API while the loader and verify are synchronous, so the scan runs in a child
 * node process (config/secretlint-worker.mjs), one per call, all texts at once. Results are cached per text:
 * the same strings (the defaults) are scanned once per process.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface SecretFinding {
  /** The id given with the text (a field path, a file name). */
  readonly id: string;
  /** secretlint rule id, e.g. `@secretlint/secretlint-rule-github`. */
  readonly rule: string;
  /** The rule's message with the secret masked. */
  readonly message: string;
  /** 1-based line inside the text. */
  readonly line: number;
}

function worker(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return join(dir, 'config', 'secretlint-worker.mjs');
}

const cache = new Map<string, Omit<SecretFinding, 'id'>[]>();

/** Scans each text; throws (with the scanner's own message) only when the scanner cannot run at all. */
export function scanForSecrets(items: readonly { id: string; text: string }[]): SecretFinding[] {
  const todo = [...new Set(items.map((i) => i.text))].filter((t) => !cache.has(t));
  if (todo.length > 0) {
    const r = spawnSync(process.execPath, [worker()], { input: JSON.stringify(todo.map((text, i) => ({ id: String(i), text }))), maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`secret scanner (secretlint) failed: ${(r.stderr || String(r.error ?? r.status)).split('\n')[0]}`);
    const found = JSON.parse(r.stdout) as { id: string; rule: string; message: string; line: number }[];
    todo.forEach((t) => cache.set(t, []));
    for (const f of found) cache.get(todo[Number(f.id)]!)!.push({ rule: f.rule, message: f.message.replace(/\*{5,}/g, '****'), line: f.line });
  }
  return items.flatMap((i) => cache.get(i.text)!.map((f) => ({ id: i.id, ...f })));
}

/** Every string leaf of a parsed document with its path (`a.b[0].c`), keys included as `a.b{key}`. */
export function stringLeaves(v: unknown, path: (string | number)[] = []): { path: (string | number)[]; text: string }[] {
  if (typeof v === 'string') return [{ path, text: v }];
  if (Array.isArray(v)) return v.flatMap((x, i) => stringLeaves(x, [...path, i]));
  if (v !== null && typeof v === 'object') return Object.entries(v as Record<string, unknown>).flatMap(([k, x]) => stringLeaves(x, [...path, k]));
  return [];
}
