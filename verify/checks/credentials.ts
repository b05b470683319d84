/**
 * No credentials in git: every object and every other file of dist/ goes through secretlint's recommended
 * rules (config/secret-scan.ts, the same scanner as the site check): private keys, basic-auth URLs, cloud and
 * SaaS token formats. Values are masked in the findings.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { stringify } from 'yaml';
import { scanForSecrets } from '../../config/secret-scan';
import { Context, Finding, finding } from '../types';

/** YAML files of dist that hold no API object (k3s config, admission config): read as text. */
function nodeFiles(ctx: Context): { id: string; text: string }[] {
  if (!existsSync(ctx.dist)) return [];
  const withDocs = new Set(ctx.docs.map((d) => d.file));
  const walk = (dir: string): string[] => readdirSync(dir).sort().flatMap((n) => (statSync(join(dir, n)).isDirectory() ? walk(join(dir, n)) : [join(dir, n)]));
  return walk(ctx.dist)
    .map((p) => relative(ctx.dist, p))
    .filter((rel) => /\.ya?ml$/.test(rel) && !withDocs.has(rel))
    .map((rel) => ({ id: `file:${rel}`, text: readFileSync(join(ctx.dist, rel), 'utf8') }));
}

export function checkCredentials(ctx: Context): Finding[] {
  const items = [
    ...nodeFiles(ctx),
    ...ctx.docs.map((d, i) => ({ id: `doc:${i}`, text: stringify(d.obj, { lineWidth: 0 }) })),
    ...[...ctx.files.entries()].map(([path, text]) => ({ id: `file:${path}`, text })),
  ];
  let found;
  try {
    found = scanForSecrets(items);
  } catch (e) {
    return [{ check: 'credentials', severity: 'error', message: `the secret scanner did not run: ${(e as Error).message}` }];
  }
  return found.map((f) => {
    const msg = `credential in git: ${f.message} [${f.rule.replace('@secretlint/secretlint-rule-', '')}]`;
    if (f.id.startsWith('doc:')) return finding('credentials', 'error', msg, ctx.docs[Number(f.id.slice(4))]);
    return { check: 'credentials', severity: 'error' as const, message: `${msg}`, file: f.id.slice(5), line: f.line };
  });
}
