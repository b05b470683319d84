/**
 * Quoting for every kind of text the stack generates, in one place. A value from the site is validated for
 * what it is first (config/scalars.ts); here it is written so its target reads it as one inert literal:
 * whatever it contains, it cannot end the string, start a command, an interpolation, an element or a line.
 * Characters a target cannot carry safely at all (NUL, line breaks where a line ends the statement) throw:
 * that is a bug in the caller's validation, never something to emit.
 */

/** Throws when `s` contains one of `chars`; `what` names the target for the message. */
function refuse(s: string, re: RegExp, what: string): void {
  const m = re.exec(s);
  if (m) throw new Error(`cannot emit ${JSON.stringify(s.length > 60 ? `${s.slice(0, 57)}...` : s)} into ${what}: it contains ${JSON.stringify(m[0])}`);
}

const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/**
 * POSIX shell word. Words of only `[A-Za-z0-9_@%+=:,./-]` (no expansion, globbing, word splitting or operator
 * in any POSIX shell, the set Python's shlex.quote leaves bare) stay readable; anything else goes in single
 * quotes with each `'` as `'\''`: nothing inside single quotes is special to sh or bash.
 */
export function sh(s: string): string {
  refuse(s, /\u0000/, 'a shell word');
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Text after `#` in a shell script or YAML: one line, so the comment cannot end and a command start. */
export function comment(s: string): string {
  refuse(s, CONTROLS, 'a one-line comment');
  return s;
}

/**
 * HCL quoted template string (Vault policies): `\` `"` and controls escaped, and `${` / `%{` written as `$${` /
 * `%%{` so no interpolation or directive can start (HCL native syntax spec, "Template Literals").
 */
export function hcl(s: string): string {
  const body = s
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(/\n/g, '\\n')
    .replace(/\r/g, '\\r')
    .replace(/\t/g, '\\t')
    .replace(/\$\{/g, () => '$${')
    .replace(/%\{/g, '%%{')
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return `"${body}"`;
}

/**
 * YAML double-quoted scalar, valid in YAML 1.1 and 1.2: JSON escapes plus every character outside YAML's
 * printable set (DEL, C1, NEL, line/paragraph separators) as `\uXXXX`, so a parser cannot fold or break it.
 */
export function yamlString(s: string): string {
  return JSON.stringify(s).replace(/[\u007f-\u009f\u2028\u2029\ufeff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * A YAML scalar for hand-written YAML lines: plain when it is a word no YAML 1.1/1.2 parser reads as anything
 * but that string (no indicator, no boolean/null/number look-alike), double-quoted otherwise.
 */
export function yaml(s: string): string {
  const special = /^(y|n|yes|no|on|off|true|false|null|~|[-+]?(\.inf|\.nan)|[-+]?[0-9][0-9_.:eE+-]*|0x[0-9a-fA-F_]+|0o?[0-7_]+|0b[01_]+|<<)$/i;
  if (/^[A-Za-z0-9_/][A-Za-z0-9_./:-]*$/.test(s) && !/:(\s|$)/.test(s) && !special.test(s)) return s;
  return yamlString(s);
}

/** XML character data or attribute value: the five predefined entities; characters XML 1.0 forbids throw. */
export function xml(s: string): string {
  // XML 1.0 Char production: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF].
  refuse(s, /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/, 'XML');
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/** An ini value (grafana.ini): one line, since a line break would start a new key or section. */
export function ini(s: string): string {
  refuse(s, CONTROLS, 'an ini value');
  return s;
}

/** Lua double-quoted string: `\` `"` escaped, every control and non-ASCII byte as a decimal `\ddd` escape. */
export function lua(s: string): string {
  const bytes = Buffer.from(s, 'utf8');
  let out = '"';
  for (const b of bytes) {
    if (b === 0x5c) out += '\\\\';
    else if (b === 0x22) out += '\\"';
    else if (b < 0x20 || b >= 0x7f) out += `\\${String(b).padStart(3, '0')}`;
    else out += String.fromCharCode(b);
  }
  return `${out}"`;
}

/** Go string literal (consul-template / Vault agent templates, PromQL label values): Go's own escapes. */
export function goString(s: string): string {
  // JSON string escapes are a subset of Go's interpreted string literal escapes; \u2028/9 and DEL+C1 as \u.
  return yamlString(s);
}

/**
 * Literal text inside a Go template (a consul-template file): `{{` would open an action, so it is written as
 * the action `{{"{{"}}` that prints it.
 */
export function templateText(s: string): string {
  return s.replace(/\{\{/g, '{{"{{"}}');
}

/** A Traefik rule matcher argument (`Host(...)`, `PathPrefix(...)`): a backtick string, which has no escapes. */
export function traefikRuleArg(s: string): string {
  refuse(s, /[`\u0000-\u001f\u007f-\u009f\u2028\u2029]/, 'a Traefik rule argument');
  return `\`${s}\``;
}

/** A key of `.Data.data.<key>` in a template: an identifier, nothing else. */
export function templateField(s: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(s)) throw new Error(`cannot emit ${JSON.stringify(s)} as a template field name: not an identifier`);
  return s;
}
