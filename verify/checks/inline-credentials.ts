/**
 * Issue 25, item 6: credentials written as configuration lines. secretlint knows token formats, private keys and
 * basic-auth URLs, not `admin_password = hunter2` in grafana.ini or `password: x` in a YAML file held by a
 * ConfigMap. Every line `key = value` or `key: value` of a ConfigMap's data and of dist/'s other files whose key
 * is named like a credential (config/scalars.ts SECRET_KEY, read as NFKC without invisible characters) must hold a
 * reference, never a literal: a Vault template (`{{ … }}`), an environment or file reference (`$VAR`, `${VAR}`,
 * `$__file{…}`, `$__env{…}`), a path, or nothing. The value is never echoed.
 */
import { SECRET_KEY, visibleKey } from '../../config/scalars';
import { Context, Finding, finding } from '../types';

const C = 'credentials';
const LINE = /^\s*(?:export\s+)?["']?([^\s"'=:#;[\]]{1,80})["']?\s*[=:]\s*(.*?)\s*$/;

/** Whether a value is a reference or empty rather than a literal credential. */
export function isReference(raw: string): boolean {
  const v = raw.replace(/^["']|["']$/g, '').trim();
  return (
    v === '' ||
    /^(\$\{?[A-Za-z_][A-Za-z0-9_]*\}?|\$__(file|env|vault)\{[^}]*\})$/.test(v) ||
    v.includes('{{') ||
    /^(\/|\.\/)[^\s]*$/.test(v) ||
    /^\$dex\.[A-Za-z0-9_.-]+$/.test(v) ||
    /^(true|false|null|~|\||>|\{\}|\[\])$/i.test(v)
  );
}

/** Lines of `text` that assign a literal to a credential-named key: the 1-based line numbers and the keys. */
export function inlineCredentials(text: string): { line: number; key: string }[] {
  const out: { line: number; key: string }[] = [];
  text.split('\n').forEach((l, i) => {
    if (/^\s*[#;]/.test(l)) return;
    const m = LINE.exec(l);
    if (!m) return;
    const key = visibleKey(m[1]!);
    if (!SECRET_KEY.test(key.replace(/^.*[.]/, ''))) return;
    if (!isReference(m[2]!.replace(/\s+[#;].*$/, ''))) out.push({ line: i + 1, key });
  });
  return out;
}

export function checkInlineCredentials(ctx: Context): Finding[] {
  const out: Finding[] = [];
  for (const d of ctx.docs) {
    if (d.obj.kind !== 'ConfigMap') continue;
    for (const [k, v] of Object.entries((d.obj.data ?? {}) as Record<string, unknown>)) {
      if (typeof v !== 'string') continue;
      if (SECRET_KEY.test(visibleKey(k)) && !isReference(v))
        out.push(finding(C, 'error', `data."${visibleKey(k)}" holds a literal credential (value not shown): keep it in Vault`, d));
      for (const hit of inlineCredentials(v))
        out.push(finding(C, 'error', `data."${k}" line ${hit.line}: ${hit.key} holds a literal credential (value not shown): keep it in Vault and render it with a template`, d));
    }
  }
  for (const [file, text] of ctx.files) {
    if (/\.(md|json)$/.test(file)) continue;
    for (const hit of inlineCredentials(text))
      out.push({ check: C, severity: 'error', message: `${file}:${hit.line}: ${hit.key} holds a literal credential (value not shown)`, file, line: hit.line });
  }
  return out;
}
