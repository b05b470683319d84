/**
 * Validators for the strings of the site that reach generated text (shell, HCL, YAML, XML, ini, consul
 * templates, Traefik rules): each says what the string IS (a host, a URL without credentials, a git ref, a path
 * inside the repository, PEM certificates, a Dex configuration), so a value that is something else — a newline
 * with a command after it, a token in a URL, a private key — is refused with its field path before anything
 * is written. Quoting for each target (constructs/lib/quote.ts) is the second line of defence, not the first.
 */
import { caPemProblem } from './ca-pem';
import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { parse } from 'yaml';
import { z } from 'zod';

/** C0/C1 controls, DEL, Unicode line/paragraph separators and bidi overrides: never part of a value we emit. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/;
/** The same, but newlines and tabs are allowed (multi-line fields: PEM, Dex YAML). */
const CONTROL_MULTILINE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/;

export const hasControl = (s: string): boolean => CONTROL.test(s);

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** A host name (one or more RFC 1123 labels, lower case, ≤ 253 characters) or an IPv4 literal. */
export function isHostName(h: string): boolean {
  if (isIP(h) === 4) return true;
  return h.length <= 253 && h.split('.').every((l) => DNS_LABEL.test(l));
}

const PORT = /^([1-9]\d{0,4})$/;
const validPort = (p: string) => PORT.test(p) && Number(p) <= 65535;

/** Why a URL-ish string carries credentials, or undefined. `user@` alone is allowed only where `allowUser`. */
function userinfoProblem(authority: string, allowUser: boolean): string | undefined {
  const at = authority.lastIndexOf('@');
  if (at < 0) return undefined;
  const info = authority.slice(0, at);
  if (info.includes(':') || !allowUser) return 'a URL without user:password or token (credentials never go into git: give them to Vault or Argo CD out of band)';
  return undefined;
}

export const httpsUrlMessage = 'an https:// URL with a lower-case host name or IPv4 address and an optional port, no path, no credentials (e.g. https://vault.domus.lan:8200)';

/**
 * `https://host[:port]` (a trailing `/` is tolerated). Checked on the raw text, not on what WHATWG URL makes
 * of it: the URL parser silently drops newlines and tabs, so `new URL` alone would let `\n; cmd` through.
 */
export const httpsUrl = z.string().superRefine((s, ctx) => {
  const m = /^https:\/\/([^/?#]*)\/?$/.exec(s);
  const fail = (message: string) => ctx.addIssue({ code: 'custom', message, input: s });
  if (s.length > 2048 || hasControl(s) || !m) return fail(httpsUrlMessage);
  const cred = userinfoProblem(m[1]!, false);
  if (cred) return fail(cred);
  const hp = /^([a-z0-9.-]+)(?::(\d+))?$/.exec(m[1]!);
  if (!hp || !isHostName(hp[1]!) || (hp[2] !== undefined && !validPort(hp[2]))) return fail(httpsUrlMessage);
});

/** What Argo CD and the network policy need from a git remote. */
export interface GitRemote {
  readonly scheme: 'https' | 'ssh';
  readonly host: string;
  readonly port: number;
}

const GIT_PATH = /^[A-Za-z0-9._~-]+(\/[A-Za-z0-9._~-]+)*\/?$/;
export const gitUrlMessage =
  'a git URL without credentials: https://host[:port]/path, ssh://[user@]host[:port]/path or user@host:path (path of letters, digits, ".", "_", "~", "-" and "/")';

/** Parses a git remote, or says why it is not one. Never throws. */
export function parseGitRemote(s: string): GitRemote | { problem: string } {
  if (s.length > 2048 || hasControl(s)) return { problem: gitUrlMessage };
  let m = /^(https|ssh):\/\/([^/]*)\/(.*)$/.exec(s);
  let scheme: 'https' | 'ssh';
  let authority: string;
  let path: string;
  if (m) {
    scheme = m[1] as 'https' | 'ssh';
    authority = m[2]!;
    path = m[3]!;
  } else if ((m = /^([A-Za-z0-9._-]+@[^:/]+):(.*)$/.exec(s))) {
    scheme = 'ssh';
    authority = m[1]!;
    path = m[2]!;
  } else return { problem: gitUrlMessage };
  const cred = userinfoProblem(authority, scheme === 'ssh');
  if (cred) return { problem: cred };
  const at = authority.lastIndexOf('@');
  if (at >= 0 && !/^[A-Za-z0-9._-]+$/.test(authority.slice(0, at))) return { problem: gitUrlMessage };
  const hp = /^([a-z0-9.-]+)(?::(\d+))?$/.exec(authority.slice(at + 1));
  if (!hp || !isHostName(hp[1]!) || (hp[2] !== undefined && (!validPort(hp[2]) || !m[0].includes('://')))) return { problem: gitUrlMessage };
  if (!GIT_PATH.test(path) || path.split('/').some((seg) => seg === '.' || seg === '..')) return { problem: gitUrlMessage };
  return { scheme, host: hp[1]!, port: hp[2] !== undefined ? Number(hp[2]) : scheme === 'https' ? 443 : 22 };
}

export const gitUrl = z.string().superRefine((s, ctx) => {
  const r = parseGitRemote(s);
  if ('problem' in r) ctx.addIssue({ code: 'custom', message: r.problem, input: s });
});

/**
 * A branch, tag or commit as `git check-ref-format` accepts a ref name (and HEAD or a commit SHA), limited to
 * the characters refs use in practice: no whitespace, no shell or template syntax, at most 255 characters.
 */
export const gitRefMessage =
  'a git branch, tag or commit (letters, digits, ".", "_", "-", "/"; no "..", "@{", leading "-" or "/", trailing "/", "." or ".lock"; at most 255 characters), e.g. "main" or "v1.2.0"';
export function isGitRef(s: string): boolean {
  if (s.length === 0 || s.length > 255 || !/^[A-Za-z0-9._/-]+$/.test(s)) return false;
  if (s.startsWith('-') || s.startsWith('/') || s.endsWith('/') || s.endsWith('.') || s.endsWith('.lock')) return false;
  if (s.includes('..') || s.includes('//') || s.includes('@{')) return false;
  return s.split('/').every((c) => c.length > 0 && !c.startsWith('.') && !c.endsWith('.lock'));
}
export const gitRef = z.string().refine(isGitRef, { message: gitRefMessage });

/** A folder inside the repository: relative, no `.`/`..` segments, safe characters, at most 255 characters. */
export const repoPathMessage =
  'a relative folder path inside the repository such as "dist" (letters, digits, ".", "_", "-", "/"; no segment starting with ".", so no "..", ".git" or hidden folders)';
export const repoPath = z
  .string()
  // No segment starting with "." (issue 25): ".git/hooks" or a hidden folder is never where dist/ lives.
  .refine((s) => s.length <= 255 && /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/.test(s) && s.split('/').every((seg) => !seg.startsWith('.')), { message: repoPathMessage });

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([A-Za-z0-9+/=\r\n]+?)\r?\n-----END \1-----/g;
export const pemMessage = 'PEM certificates only (-----BEGIN CERTIFICATE----- … -----END CERTIFICATE-----, one or more), each a valid X.509 certificate';

/** Why a PEM bundle is not "public certificates only", or undefined. Private keys are named, never echoed. */
export function pemProblem(s: string): string | undefined {
  if (s.length > 256 * 1024 || CONTROL_MULTILINE.test(s)) return pemMessage;
  // Any private key is refused before anything else, whatever its header: RSA, EC, OPENSSH, ENCRYPTED, PKCS#8.
  const key = /-----BEGIN ([A-Z0-9 ]*PRIVATE KEY[A-Z0-9 ]*)-----/.exec(s);
  if (key) return `no private key (found -----BEGIN ${key[1]}-----): a CA certificate is public; remove the key from this field and keep it out of git`;
  const blocks = [...s.matchAll(PEM_BLOCK)];
  const rest = s.replace(PEM_BLOCK, '').trim();
  if (blocks.length === 0 || rest !== '') return pemMessage;
  for (const b of blocks) {
    if (b[1] !== 'CERTIFICATE') return `${pemMessage}; found a ${b[1]} block`;
    try {
      new X509Certificate(b[0]);
    } catch {
      return `${pemMessage}; a CERTIFICATE block does not parse as X.509`;
    }
  }
  return undefined;
}
export const pemCertificates = z.string().superRefine((s, ctx) => {
  const p = pemProblem(s);
  if (p) ctx.addIssue({ code: 'custom', message: p, input: '(redacted)' });
});

/**
 * A trust anchor for a TLS client (Vault agents, Argo CD's repo-server): public certificates only, and each
 * one a CA (basicConstraints CA:TRUE, config/ca-pem.ts): a server certificate pasted by mistake would only
 * fail on the node, as x509 errors.
 */
export const caCertificates = z.string().superRefine((s, ctx) => {
  const p = pemProblem(s) ?? caPemProblem(s);
  if (p) ctx.addIssue({ code: 'custom', message: p, input: '(redacted)' });
});

/**
 * Keys whose value is a credential, in any connector (Dex' clientSecret, bindPW, keystonePassword, ...),
 * whatever the quoting. Anchored at the end of the name so `tokenURL`, `idTokens` or `passwordConnector`
 * (settings, not secrets) pass.
 */
export const SECRET_KEY = /(^secret|secret$|passw(or)?ds?$|pwd$|pw$|token$|api_?key$|private_?key$|credentials?$)/i;
/** Argo CD resolves `$<key>` and `$<secret>:<key>` from Kubernetes Secrets, outside git (argocd-cm dex.config). */
const SECRET_REFERENCE = /^\$[A-Za-z0-9._:-]+$/;
/**
 * The only references Dex may hold: keys of argocd-secret named dex.* (issue 25). Argo CD replaces any dex.config
 * string starting with `$` by the argocd-secret key of that name (settings.ReplaceStringSecret), so
 * `$server.secretkey` or `$argocd-secret:server.secretkey` would hand Argo CD's JWT signing key to Dex and on to
 * the identity provider.
 */
const DEX_REFERENCE = /^\$dex\.[A-Za-z0-9_.-]+$/;
/** Invisible format characters (zero-width space/joiners, BOM, bidi marks): a key holding one hides its name. */
const INVISIBLE = /[\p{Cf}]/u;
/** A key as a reader sees it: NFKC (full-width letters become ASCII), invisible characters removed. */
export const visibleKey = (k: string) => k.normalize('NFKC').replace(/[\p{Cf}]/gu, '');

/** Problems of a Dex configuration: not YAML/JSON, or a credential written inline (path inside the config). */
export function dexConfigProblems(s: string): string[] {
  if (s.trim() === '') return [];
  if (s.length > 64 * 1024 || CONTROL_MULTILINE.test(s)) return ['a Dex configuration of at most 64 KiB of printable text'];
  let doc: unknown;
  try {
    doc = parse(s, { uniqueKeys: true });
  } catch (e) {
    return [`a Dex configuration in YAML or JSON (${(e as Error).message.split('\n')[0]})`];
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return ['a Dex configuration: a YAML mapping such as "connectors: [...]"'];
  const out: string[] = [];
  const walk = (v: unknown, path: string): void => {
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${path}[${i}]`));
    else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
        const p = path ? `${path}.${visibleKey(k)}` : visibleKey(k);
        if (INVISIBLE.test(k) || k !== k.normalize('NFKC')) {
          out.push(`keys in plain characters: ${p} holds invisible or compatibility characters (a credential key would hide behind them)`);
          continue;
        }
        if (SECRET_KEY.test(visibleKey(k)) && !(typeof x === 'string' && (x === '' || DEX_REFERENCE.test(x)))) {
          out.push(`secrets referenced as $dex.<key> (kept in argocd-secret, outside git), never written inline: ${p} holds a value`);
        } else walk(x, p);
      }
    } else if (typeof v === 'string' && SECRET_REFERENCE.test(v) && !DEX_REFERENCE.test(v)) {
      out.push(`secrets referenced as $dex.<key> only, never written inline: ${path} references another secret (Argo CD would substitute it)`);
    } else if (typeof v === 'string' && /^[a-z][a-z0-9+.-]*:\/\/[^/?#\s]*@/i.test(v) && !/^ssh:/i.test(v)) {
      out.push(`a URL without user:password or token in the Dex configuration: ${path} has user info`);
    }
  };
  walk(doc, '');
  return out;
}
export const dexConfig = z.string().superRefine((s, ctx) => {
  for (const message of dexConfigProblems(s)) ctx.addIssue({ code: 'custom', message, input: '(redacted)' });
});

/** CPU quantity (validated form "100m" or "1.5") in cores. */
export function cpuCores(q: string): number {
  return q.endsWith('m') ? parseInt(q, 10) / 1000 : Number(q);
}
