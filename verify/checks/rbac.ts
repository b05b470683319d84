/**
 * RBAC: a `can-i` evaluator over the Roles, ClusterRoles and bindings in dist, the inventory of who can do
 * what (dist/docs/rbac.md), and errors for wildcards, cluster-admin bindings, and secret reads not on the
 * commented allowlist (verify/rbac-allowlist.yaml).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { Context, Doc, Finding, finding, projectRoot } from '../types';
import { podSpecOf } from '../load';
import { clusterRoleRules } from '../builtin-rbac';

export interface Rule {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}
interface Binding {
  doc: Doc;
  /** Namespace the grant applies in; undefined = cluster-wide. */
  namespace?: string;
  roleKind: string;
  roleName: string;
  subjects: string[];
}
export interface Grant {
  subject: string;
  scope: string;
  rule: Rule;
  via: string;
}

const subjectName = (s: { kind: string; name: string; namespace?: string }) =>
  s.kind === 'ServiceAccount' ? `system:serviceaccount:${s.namespace}:${s.name}` : `${s.kind.toLowerCase()}:${s.name}`;

export function grants(docs: readonly Doc[]): Grant[] {
  const roles = new Map<string, { rules: Rule[]; doc: Doc }>();
  for (const d of docs) {
    if (d.obj.kind === 'Role') roles.set(`Role/${d.obj.metadata.namespace}/${d.obj.metadata.name}`, { rules: (d.obj.rules as Rule[]) ?? [], doc: d });
    if (d.obj.kind === 'ClusterRole') roles.set(`ClusterRole//${d.obj.metadata.name}`, { rules: (d.obj.rules as Rule[]) ?? [], doc: d });
  }
  const bindings: Binding[] = docs
    .filter((d) => d.obj.kind === 'RoleBinding' || d.obj.kind === 'ClusterRoleBinding')
    .map((d) => {
      const ref = d.obj.roleRef as { kind: string; name: string };
      return {
        doc: d,
        ...(d.obj.kind === 'RoleBinding' ? { namespace: d.obj.metadata.namespace } : {}),
        roleKind: ref.kind,
        roleName: ref.name,
        subjects: ((d.obj.subjects as { kind: string; name: string; namespace?: string }[]) ?? []).map(subjectName),
      };
    });
  const out: Grant[] = [];
  // ClusterRoles as the cluster holds them: the built-in ones of Kubernetes 1.28 (cluster-admin, admin, edit, view,
  // system:*) and dist/'s, aggregation applied (verify/builtin-rbac.ts, issue 25).
  const clusterRoles = clusterRoleRules(docs);
  for (const b of bindings) {
    const rules: Rule[] = b.roleKind === 'Role' ? (roles.get(`Role/${b.namespace}/${b.roleName}`)?.rules ?? []) : (clusterRoles.get(b.roleName) ?? []);
    for (const s of b.subjects)
      for (const rule of rules)
        out.push({
          subject: s,
          scope: b.namespace ? `namespace:${b.namespace}` : 'cluster',
          rule,
          via: `${b.doc.obj.kind} ${b.doc.obj.metadata.name} → ${b.roleKind} ${b.roleName}`,
        });
  }
  return out;
}

const has = (list: string[] | undefined, v: string) => (list ?? []).includes('*') || (list ?? []).includes(v);

/** Can `subject` do `verb` on `resource` (optionally `group/resource/subresource`), in `namespace`? */
export function canI(all: readonly Grant[], subject: string, verb: string, resource: string, namespace?: string, name?: string): Grant | undefined {
  const [group, res] = resource.includes('.') && !resource.startsWith('/') ? [resource.slice(resource.indexOf('.') + 1), resource.slice(0, resource.indexOf('.'))] : ['', resource];
  return all.find((g) => {
    if (g.subject !== subject) return false;
    if (g.scope !== 'cluster' && g.scope !== `namespace:${namespace}`) return false;
    if (resource.startsWith('/'))
      return (g.rule.nonResourceURLs ?? []).some((u) => u === resource || u === '*' || (u.endsWith('*') && resource.startsWith(u.slice(0, -1)))) && has(g.rule.verbs, verb);
    if (!g.rule.resources) return false;
    const groupOk = has(g.rule.apiGroups, group) || (group === '' && has(g.rule.apiGroups, ''));
    return groupOk && has(g.rule.resources, res!) && has(g.rule.verbs, verb) && (!g.rule.resourceNames?.length || (name !== undefined && g.rule.resourceNames.includes(name)));
  });
}

interface Allow {
  subject: string;
  scope: string;
  reason: string;
}

/** The flag of Traefik's kubernetescrd provider naming the namespaces it watches (Traefik v3.6 cli-ref.md). */
const TRAEFIK_CRD_NAMESPACES = '--providers.kubernetescrd.namespaces=';

/**
 * The namespaces the Traefik containers running as `sa` ("<namespace>/<serviceaccount>") watch, read from their
 * `--providers.kubernetescrd.namespaces` in dist/. Without the flag Traefik watches every namespace: that
 * grants nothing here, so a cluster-wide Secret read stays an error.
 */
export function traefikWatchedNamespaces(docs: readonly Doc[], sa: string): Set<string> {
  const out = new Set<string>();
  for (const d of docs) {
    const t = podSpecOf(d.obj);
    if (!t || `${d.obj.metadata.namespace}/${t.spec.serviceAccountName ?? 'default'}` !== sa) continue;
    for (const c of t.spec.containers) {
      if (!/(^|\/)traefik:/.test(c.image ?? '')) continue;
      for (const a of (c as { args?: string[] }).args ?? []) {
        if (a.startsWith(TRAEFIK_CRD_NAMESPACES)) for (const ns of a.slice(TRAEFIK_CRD_NAMESPACES.length).split(',')) if (ns) out.add(ns);
      }
    }
  }
  return out;
}

/**
 * The namespaces holding some component's credentials in Secrets, with whose: a Secret object of dist/ there
 * (its namespace's components), or a ServiceAccount granted Secret reads in that namespace by a RoleBinding (it
 * keeps its credentials there: Argo CD's argocd-secret, repository credentials).
 */
export function credentialHolders(docs: readonly Doc[], readers: readonly (Grant & { sa: string })[]): Map<string, string[]> {
  const out = new Map<string, Set<string>>();
  const add = (ns: string, who: string) => out.set(ns, (out.get(ns) ?? new Set()).add(who));
  for (const d of docs) if (d.obj.kind === 'Secret' && d.obj.metadata.namespace) add(d.obj.metadata.namespace, `Secret ${d.obj.metadata.name}`);
  for (const g of readers) if (g.scope.startsWith('namespace:')) add(g.scope.slice('namespace:'.length), g.sa);
  return new Map([...out].map(([k, v]) => [k, [...v].sort()]));
}

export function checkRbac(ctx: Context, allowFile = join(projectRoot(), 'verify', 'rbac-allowlist.yaml')): Finding[] {
  const allow = (parse(readFileSync(allowFile, 'utf8')) as { allow: Allow[] }).allow;
  const out: Finding[] = [];
  for (const d of ctx.docs) {
    if (d.obj.kind !== 'Role' && d.obj.kind !== 'ClusterRole') continue;
    for (const r of (d.obj.rules as Rule[]) ?? []) {
      for (const [field, list] of [
        ['verbs', r.verbs],
        ['resources', r.resources],
        ['apiGroups', r.apiGroups],
        ['nonResourceURLs', r.nonResourceURLs],
      ] as const) {
        if ((list ?? []).includes('*')) out.push(finding('rbac', 'error', `wildcard in ${field}`, d));
      }
    }
  }
  for (const d of ctx.docs) {
    if ((d.obj.kind === 'RoleBinding' || d.obj.kind === 'ClusterRoleBinding') && (d.obj.roleRef as { name: string }).name === 'cluster-admin')
      out.push(finding('rbac', 'error', 'binding to cluster-admin', d));
  }
  const all = grants(ctx.docs);
  const readsSecrets = (g: Grant) => has(g.rule.apiGroups, '') && has(g.rule.resources, 'secrets') && ['get', 'list', 'watch'].some((v) => has(g.rule.verbs, v));
  const saOf = (g: Grant) => g.subject.replace(/^system:serviceaccount:/, '').replace(':', '/');
  // Readers allowed everywhere (scope "*": the controller's copy of every rule it syncs) own no credentials.
  const everywhere = new Set(allow.filter((a) => a.scope === '*').map((a) => a.subject));
  const holding = credentialHolders(
    ctx.docs,
    all
      .filter(readsSecrets)
      .map((g) => ({ ...g, sa: saOf(g) }))
      .filter((g) => !everywhere.has(g.sa)),
  );
  // Each subject's watched namespaces once (a walk of every document per grant was quadratic, issue 22).
  const watchedBy = new Map<string, Set<string>>();
  const watchedNamespaces = (subject: string) => {
    let w = watchedBy.get(subject);
    if (!w) watchedBy.set(subject, (w = traefikWatchedNamespaces(ctx.docs, subject)));
    return w;
  };
  for (const g of all) {
    if (!readsSecrets(g)) continue;
    const sa = saOf(g);
    const ns = g.scope.startsWith('namespace:') ? g.scope.slice('namespace:'.length) : undefined;
    // Traefik may read Secrets where it watches, unless the namespace holds another component's credentials:
    // its informer would cache them in the LAN-facing process (issue 18: argocd-secret's JWT signing key).
    const others = ns ? (holding.get(ns) ?? []).filter((h) => h !== sa) : [];
    const watched = (a: Allow) => a.scope === 'traefik-watched' && ns !== undefined && watchedNamespaces(a.subject).has(ns) && others.length === 0;
    if (ns && allow.some((a) => a.subject === sa && a.scope === 'traefik-watched') && watchedNamespaces(sa).has(ns) && others.length > 0)
      out.push({
        check: 'rbac',
        severity: 'error',
        message: `${g.subject} (Traefik) reads secrets in namespace ${ns} (${g.via}), which holds credentials of ${others.join(', ')}: publish its routes through Traefik's file provider instead of watching it`,
      });
    else if (!allow.some((a) => a.subject === sa && (a.scope === g.scope || a.scope === '*' || watched(a))))
      out.push({ check: 'rbac', severity: 'error', message: `${g.subject} reads secrets (${g.scope}, ${g.via}) and is not on verify/rbac-allowlist.yaml` });
  }
  return out;
}

export function renderRbacDoc(docs: readonly Doc[]): string {
  const all = grants(docs);
  const bySubject = new Map<string, Grant[]>();
  for (const g of all) {
    const l = bySubject.get(g.subject);
    if (l) l.push(g);
    else bySubject.set(g.subject, [g]);
  }
  const fmt = (r: Rule) =>
    r.nonResourceURLs
      ? `${r.verbs.join(',')} ${r.nonResourceURLs.join(',')}`
      : `${r.verbs.join(',')} ${(r.resources ?? []).map((x) => `${(r.apiGroups ?? [''])[0] ? `${(r.apiGroups ?? [])[0]}/` : ''}${x}`).join(', ')}${r.resourceNames ? ` (only ${r.resourceNames.join(',')})` : ''}`;
  return [
    '# RBAC inventory',
    '',
    'Written by `npm run synth` (charts/docs.ts) from the Roles, ClusterRoles and bindings it synthesizes into `dist/`. Ask a question with',
    '`npm run verify -- --can-i system:serviceaccount:<ns>:<sa> <verb> <resource>[.<group>] [-n <ns>]`.',
    '',
    ...[...bySubject.keys()]
      .sort()
      .flatMap((s) => [`## ${s}`, '', '| scope | may | via |', '|---|---|---|', ...bySubject.get(s)!.map((g) => `| ${g.scope} | ${fmt(g.rule)} | ${g.via} |`), '']),
  ].join('\n');
}
