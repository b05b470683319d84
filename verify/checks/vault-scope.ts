/**
 * Issue 25, item 5: Vault scope is proven, not only sufficiency. vault-trust.ts shows that each pod's role and
 * policies grant what its templates read; this shows they grant nothing more:
 *
 * - every role setup.sh writes on a Kubernetes auth mount is bound to exactly the ServiceAccounts and namespaces of
 *   the pods that use it (no `*`, no glob, no namespace selector, no role nobody uses);
 * - every policy path is one a template of a pod using that policy reads, with no glob (`*`, `+`), and only the
 *   capability that read needs (`read` for KV, `update` for PKI issue);
 * - each `vault policy write` reads the policy file named after it, every policy file parses completely.
 *
 * Facts: conformance/facts/vault.ts (vault-k8s annotations) and Vault's Kubernetes auth role parameters
 * (hashicorp/vault-plugin-auth-kubernetes path_role.go: bound_service_account_names and _namespaces accept "*"
 * and, for names, globs; bound_service_account_namespace_selector matches namespaces by label).
 */
import { podSpecOf } from '../load';
import { Context, Doc, Finding } from '../types';
import { parsePolicy, parseSetup } from './vault-trust';

const C = 'vault';
const A = 'vault.hashicorp.com/';
const SETUP = 'bootstrap/vault/setup.sh';
const POLICY = /^bootstrap\/vault\/policies\/([^/]+)\.hcl$/;
const GLOB = /[*+?[\]{}]/;

/** What a policy file says once every `path "…" { … }` block and comment is removed: must be blank. */
export function policyLeftover(hcl: string): string {
  let rest = hcl.replace(/^\s*#.*$/gm, '').replace(/\/\/.*$/gm, '');
  for (;;) {
    const m = /path\s+"[^"]+"\s*\{/.exec(rest);
    if (!m) break;
    let depth = 1;
    let i = m.index + m[0].length;
    for (; i < rest.length && depth > 0; i++) depth += rest[i] === '{' ? 1 : rest[i] === '}' ? -1 : 0;
    rest = rest.slice(0, m.index) + rest.slice(i);
  }
  return rest.trim();
}

/** The paths a pod's templates read, with the capability each needs. */
function needs(d: Doc): Map<string, string> {
  const a = podSpecOf(d.obj)?.metadata?.annotations ?? {};
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(a)) {
    if (k.startsWith(`${A}agent-inject-secret-`)) out.set(v, /\/issue\//.test(v) ? 'update' : 'read');
    if (k.startsWith(`${A}agent-inject-template-`)) for (const m of v.matchAll(/secret\s+"([^"]+)"/g)) out.set(m[1]!, /\/issue\//.test(m[1]!) ? 'update' : 'read');
  }
  return out;
}

export function checkVaultScope(ctx: Context): Finding[] {
  const out: Finding[] = [];
  const setupText = ctx.files.get(SETUP);
  if (setupText === undefined) return out; // vault-trust reports a missing setup.sh when a pod needs it
  const fileErr = (file: string, m: string) => out.push({ check: C, severity: 'error', message: `${file}: ${m}`, file });
  const setup = parseSetup(setupText);

  // Who uses each role: (ServiceAccount, namespace) pairs and the paths they read.
  const users = new Map<string, { sas: Set<string>; namespaces: Set<string>; needs: Map<string, string>; docs: Doc[] }>();
  for (const d of ctx.docs) {
    const t = podSpecOf(d.obj);
    const a = t?.metadata?.annotations ?? {};
    if (a[`${A}agent-inject`] !== 'true') continue;
    const role = a[`${A}role`] ?? '';
    const u = users.get(role) ?? { sas: new Set<string>(), namespaces: new Set<string>(), needs: new Map<string, string>(), docs: [] };
    u.sas.add(t!.spec.serviceAccountName ?? 'default');
    u.namespaces.add(d.obj.metadata.namespace ?? 'default');
    for (const [p, c] of needs(d)) u.needs.set(p, c);
    u.docs.push(d);
    users.set(role, u);
  }

  // Roles: bound to exactly their users.
  for (const line of setupText.split('\n')) {
    if (/bound_service_account_namespace_selector/.test(line) && /^\s*vault\s+write\s+auth\//.test(line))
      fileErr(SETUP, `a role bound by bound_service_account_namespace_selector: any namespace carrying the labels may log in`);
  }
  for (const [name, role] of setup.roles) {
    const u = users.get(name);
    const where = `role "${name}" (auth/${role.mount})`;
    if (!u) {
      fileErr(SETUP, `${where} is used by no pod of dist/: a login nobody needs`);
      continue;
    }
    for (const [field, bound, want] of [
      ['bound_service_account_names', role.sas, u.sas],
      ['bound_service_account_namespaces', role.namespaces, u.namespaces],
    ] as const) {
      const glob = bound.filter((b) => GLOB.test(b));
      if (glob.length) fileErr(SETUP, `${where}: ${field}=${glob.join(',')} binds any match, not the workload's own`);
      const extra = bound.filter((b) => !GLOB.test(b) && !want.has(b));
      if (extra.length) fileErr(SETUP, `${where}: ${field} also admits ${extra.join(',')}, which no pod using the role runs as`);
      if (!bound.length) fileErr(SETUP, `${where}: no ${field}`);
    }
  }

  // Policies: each written from its own file, each path needed by a user of the policy, no wider capability.
  for (const line of setupText.split('\n')) {
    const m = /^\s*vault\s+policy\s+write\s+(\S+)\s+(.*)$/.exec(line);
    if (m && m[2]!.trim() !== `"$HERE/policies/"${m[1]}.hcl`)
      fileErr(SETUP, `policy "${m[1]}" is written from ${m[2]!.trim().slice(0, 60)}, not from its file policies/${m[1]}.hcl that verify reads`);
  }
  const needsOfPolicy = new Map<string, Map<string, string>>();
  for (const [name, role] of setup.roles) {
    for (const p of role.policies) {
      const n = needsOfPolicy.get(p) ?? new Map<string, string>();
      for (const [path, cap] of users.get(name)?.needs ?? []) n.set(path, cap);
      needsOfPolicy.set(p, n);
    }
  }
  for (const [file, text] of ctx.files) {
    const m = POLICY.exec(file);
    if (!m) continue;
    const left = policyLeftover(text);
    if (left) fileErr(file, `text verify cannot read as path blocks (${JSON.stringify(left.slice(0, 40))}): a policy must be only path "…" { … } blocks`);
    const need = needsOfPolicy.get(m[1]!);
    if (!need) {
      if (setup.policies.has(m[1]!)) fileErr(file, `policy "${m[1]}" is written but attached to no role`);
      continue;
    }
    for (const [path, block] of parsePolicy(text)) {
      if (GLOB.test(path)) {
        fileErr(file, `path "${path}" is a glob: the policy reaches secrets of other workloads`);
        continue;
      }
      const cap = need.get(path);
      if (!cap) {
        fileErr(file, `path "${path}" is read by no template of the pods using policy "${m[1]}"`);
        continue;
      }
      const wider = block.capabilities.filter((c) => c !== cap);
      if (wider.length) fileErr(file, `path "${path}" grants ${wider.join(', ')} besides "${cap}", which the template needs`);
    }
  }
  return out;
}
