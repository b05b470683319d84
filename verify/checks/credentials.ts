/**
 * No credentials in git: every object and every other file of dist/ goes through secretlint's recommended
 * rules (config/secret-scan.ts, the same scanner as the site check): private keys, basic-auth URLs, cloud and
 * SaaS token formats. Values are masked in the findings. Two shapes secretlint cannot know are checked here
 * with the site's own rules (config/scalars.ts): an http(s) URL with userinfo anywhere in an object (a token
 * as user name, user:password), and a Dex configuration in argocd-cm with a secret written inline.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { stringify } from 'yaml';
import { dexConfigProblems } from '../../config/scalars';
import { scanForSecrets, stringLeaves } from '../../config/secret-scan';
import { Context, Finding, finding } from '../types';

/** YAML files of dist that hold no API object (k3s config, admission config): read as text. */
function nodeFiles(ctx: Context): { id: string; text: string }[] {
  if (!existsSync(ctx.dist)) return [];
  const withDocs = new Set(ctx.docs.map((d) => d.file));
  const walk = (dir: string): string[] =>
    readdirSync(dir)
      .sort()
      .flatMap((n) => (statSync(join(dir, n)).isDirectory() ? walk(join(dir, n)) : [join(dir, n)]));
  return walk(ctx.dist)
    .map((p) => relative(ctx.dist, p))
    .filter((rel) => /\.ya?ml$/.test(rel) && !withDocs.has(rel))
    .map((rel) => ({ id: `file:${rel}`, text: readFileSync(join(ctx.dist, rel), 'utf8') }));
}

/** YAML of objects without text, by their JSON: the same object checked again is not serialized again. */
const yamlOf = new Map<string, string>();
function serialized(obj: unknown): string {
  const key = JSON.stringify(obj);
  let text = yamlOf.get(key);
  if (text === undefined) {
    text = stringify(obj, { lineWidth: 0 });
    if (yamlOf.size >= 20_000) yamlOf.clear();
    yamlOf.set(key, text);
  }
  return text;
}

export function checkCredentials(ctx: Context): Finding[] {
  // Each object is scanned as read from dist/ (serializing every object again cost more than the scan, issue
  // 22), plus every string value that does not appear verbatim in that text (block scalars, quoted or escaped
  // strings), decoded, so a secret is seen whatever the YAML spelling. Objects without text (built in memory)
  // are serialized as before.
  const leaves = ctx.docs.map((d) => stringLeaves(d.obj));
  const items = [
    ...nodeFiles(ctx),
    ...ctx.docs.map((d, i) => ({ id: `doc:${i}`, text: d.text ?? serialized(d.obj) })),
    ...ctx.docs.flatMap((d, i) => (d.text === undefined ? [] : leaves[i]!.filter((l) => !d.text!.includes(l.text)).map((l) => ({ id: `leaf:${i}`, text: l.text })))),
    ...[...ctx.files.entries()].map(([path, text]) => ({ id: `file:${path}`, text })),
  ];
  let found;
  try {
    found = scanForSecrets(items);
  } catch (e) {
    return [{ check: 'credentials', severity: 'error', message: `the secret scanner did not run: ${(e as Error).message}` }];
  }
  // A secret seen in an object's text and again in one of its values is reported once.
  const inText = new Set(found.filter((f) => f.id.startsWith('doc:')).map((f) => `${f.id.slice(4)}|${f.rule}|${f.message}`));
  const seenLeaf = new Set<string>();
  found = found.filter((f) => {
    if (!f.id.startsWith('leaf:')) return true;
    const k = `${f.id.slice(5)}|${f.rule}|${f.message}`;
    if (inText.has(k) || seenLeaf.has(k)) return false;
    seenLeaf.add(k);
    return true;
  });
  const out: Finding[] = [];
  ctx.docs.forEach((d, i) => {
    for (const l of leaves[i]!) {
      if (/^https?:\/\/[^/?#\s]*@/i.test(l.text))
        out.push(
          finding(
            'credentials',
            'error',
            `credential in git: ${l.path.join('.')} is a URL with user info (a token or user:password); give credentials to Argo CD or Vault out of band`,
            d,
          ),
        );
    }
    const dex = d.obj.kind === 'ConfigMap' ? (d.obj.data as Record<string, string> | undefined)?.['dex.config'] : undefined;
    if (dex) for (const p of dexConfigProblems(dex)) out.push(finding('credentials', 'error', `dex.config: ${p}`, d));
  });
  return [
    ...out,
    ...found.map((f) => {
      const msg = `credential in git: ${f.message} [${f.rule.replace('@secretlint/secretlint-rule-', '')}]`;
      if (f.id.startsWith('doc:')) return finding('credentials', 'error', msg, ctx.docs[Number(f.id.slice(4))]);
      if (f.id.startsWith('leaf:')) return finding('credentials', 'error', msg, ctx.docs[Number(f.id.slice(5))]);
      return { check: 'credentials', severity: 'error' as const, message: `${msg}`, file: f.id.slice(5), line: f.line };
    }),
  ];
}
