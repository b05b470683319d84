/**
 * Promises of the README that no other check held on the YAML itself (docs/verify.md lists every promise
 * with its check):
 *  - pinned images: every container image names a tag that is not `latest`, or a digest;
 *  - requests within limits: every container sets requests and limits for CPU and memory, requests ≤ limits
 *    (the API server refuses the opposite; a missing limit is an unbounded pod);
 *  - namespaces at their declared Pod Security level: every Namespace of dist enforces `restricted`, or
 *    `baseline` or `privileged` with the written reason (annotation domus.dev/pod-security-reason), with a
 *    pinned enforce-version (pods of a privileged namespace are held to restricted plus read-only hostPath
 *    volumes by the pod-security check);
 *  - GitOps only from this repository: every Application syncs from the site's repository at its revision,
 *    or from an upstream CRD source at its pinned tag; the AppProject lists exactly those repositories;
 *  - data outlives a sync: Namespaces, PVCs and CRDs carry Prune=false,Delete=false for Argo CD;
 *  - no API token without RBAC: a pod that mounts a token has a ServiceAccount some binding grants.
 */
import { VERSIONS } from '../../config/versions';
import { Container, podSpecOf } from '../load';
import { Context, Finding, finding } from '../types';
import { cpu, mem } from './capacity';

const REASON = 'domus.dev/pod-security-reason';

export function checkImagesPinned(ctx: Context): Finding[] {
  const out: Finding[] = [];
  for (const d of ctx.docs) {
    const t = podSpecOf(d.obj);
    if (!t) continue;
    for (const c of [...t.spec.containers, ...(t.spec.initContainers ?? [])]) {
      const image = c.image ?? '';
      const digest = /@sha256:[0-9a-f]{64}$/.test(image);
      const tag = /:([A-Za-z0-9_][A-Za-z0-9_.+-]{0,127})$/.exec(image.replace(/^[^/]*:\d+\//, ''))?.[1];
      if (!digest && (!tag || tag === 'latest'))
        out.push(finding('images', 'error', `${c.name}: image ${JSON.stringify(image)} is not pinned (a tag other than latest, or a digest)`, d));
    }
  }
  return out;
}

export function checkRequestsWithinLimits(ctx: Context): Finding[] {
  const out: Finding[] = [];
  for (const d of ctx.docs) {
    const t = podSpecOf(d.obj);
    if (!t) continue;
    const containers: Container[] = [...t.spec.containers, ...(t.spec.initContainers ?? [])];
    for (const c of containers) {
      const r = c.resources ?? {};
      for (const [res, parse] of [
        ['cpu', cpu],
        ['memory', mem],
      ] as const) {
        const req = r.requests?.[res];
        const lim = r.limits?.[res];
        if (req === undefined || lim === undefined) out.push(finding('resources', 'error', `${c.name}: no ${res} ${req === undefined ? 'request' : 'limit'}`, d));
        else if (parse(req) > parse(lim)) out.push(finding('resources', 'error', `${c.name}: ${res} request ${req} is above its limit ${lim} (the API server rejects the pod)`, d));
      }
    }
  }
  return out;
}

export function checkPodSecurityLevels(ctx: Context): Finding[] {
  const out: Finding[] = [];
  for (const d of ctx.docs) {
    if (d.obj.kind !== 'Namespace') continue;
    const l = d.obj.metadata.labels ?? {};
    const level = l['pod-security.kubernetes.io/enforce'];
    const version = l['pod-security.kubernetes.io/enforce-version'];
    if (level === undefined) out.push(finding('pod-security', 'error', 'no pod-security.kubernetes.io/enforce label: the namespace level is whatever the cluster default is', d));
    else if (level !== 'restricted' && !d.obj.metadata.annotations?.[REASON])
      out.push(finding('pod-security', 'error', `enforces ${level} without a written reason (annotation ${REASON})`, d));
    if (!version || version === 'latest')
      out.push(
        finding(
          'pod-security',
          'error',
          `enforce-version ${version === undefined ? 'missing' : '"latest"'}: pin it (v${VERSIONS.kubernetes}), or a cluster upgrade changes the rules silently`,
          d,
        ),
      );
  }
  return out;
}

export function checkGitopsSources(ctx: Context): Finding[] {
  const out: Finding[] = [];
  // This repository at its revision, and the LAN mirrors of the upstream CRD repositories at their pinned tags.
  const allowed = new Map<string, string>(Object.entries(ctx.git?.pinned ?? {}));
  if (ctx.git) allowed.set(ctx.git.repoURL, ctx.git.revision);
  for (const d of ctx.docs) {
    if (d.obj.kind === 'Application') {
      const spec = d.obj.spec as { source?: { repoURL?: string; targetRevision?: string }; sources?: unknown[] };
      if (spec.sources) out.push(finding('gitops', 'error', 'uses spec.sources: the stack syncs one source per Application, from this repository', d));
      const repo = spec.source?.repoURL ?? '';
      const rev = spec.source?.targetRevision ?? 'HEAD';
      if (!allowed.has(repo))
        out.push(
          finding('gitops', 'error', `syncs from ${JSON.stringify(repo)}: not this repository${ctx.git ? ` (${ctx.git.repoURL})` : ''} nor a pinned upstream CRD source`, d),
        );
      else if (allowed.get(repo) !== rev) out.push(finding('gitops', 'error', `syncs ${repo} at ${JSON.stringify(rev)}, not at ${JSON.stringify(allowed.get(repo))}`, d));
    }
    if (d.obj.kind === 'AppProject') {
      const repos = (d.obj.spec as { sourceRepos?: string[] }).sourceRepos ?? [];
      for (const r of repos)
        if (!allowed.has(r)) out.push(finding('gitops', 'error', `AppProject allows source ${JSON.stringify(r)}: only this repository and the pinned upstream CRD sources`, d));
    }
  }
  return out;
}

/** Data outlives a sync: Argo CD never prunes or deletes a Namespace, PVC or CRD of the stack. */
export function checkDataProtected(ctx: Context): Finding[] {
  const out: Finding[] = [];
  for (const d of ctx.docs) {
    if (!['Namespace', 'PersistentVolumeClaim', 'CustomResourceDefinition'].includes(d.obj.kind)) continue;
    const opts = (d.obj.metadata.annotations?.['argocd.argoproj.io/sync-options'] ?? '').split(',').map((o) => o.trim());
    for (const o of ['Prune=false', 'Delete=false'])
      if (!opts.includes(o)) out.push(finding('gitops', 'error', `no ${o} in argocd.argoproj.io/sync-options: Argo CD could delete it and its data`, d));
  }
  return out;
}

/** A pod mounts an API token only when its ServiceAccount is granted something (no token without RBAC). */
export function checkTokensHaveRbac(ctx: Context): Finding[] {
  const out: Finding[] = [];
  const bound = new Set<string>();
  for (const d of ctx.docs) {
    if (d.obj.kind !== 'RoleBinding' && d.obj.kind !== 'ClusterRoleBinding') continue;
    for (const s of (d.obj as { subjects?: { kind: string; name: string; namespace?: string }[] }).subjects ?? [])
      if (s.kind === 'ServiceAccount') bound.add(`${s.namespace ?? d.obj.metadata.namespace}/${s.name}`);
  }
  const accounts = new Map(
    ctx.docs.filter((d) => d.obj.kind === 'ServiceAccount').map((d) => [`${d.obj.metadata.namespace}/${d.obj.metadata.name}`, d.obj as { automountServiceAccountToken?: boolean }]),
  );
  for (const d of ctx.docs) {
    const t = podSpecOf(d.obj);
    if (!t) continue;
    const sa = `${d.obj.metadata.namespace}/${t.spec.serviceAccountName ?? 'default'}`;
    const automount = t.spec.automountServiceAccountToken ?? accounts.get(sa)?.automountServiceAccountToken ?? true;
    if (automount && !bound.has(sa))
      out.push(finding('rbac', 'error', `mounts an API token for ${sa}, which no RoleBinding or ClusterRoleBinding grants anything: set automountServiceAccountToken: false`, d));
  }
  return out;
}

export function checkPromises(ctx: Context): Finding[] {
  return [
    ...checkImagesPinned(ctx),
    ...checkRequestsWithinLimits(ctx),
    ...checkPodSecurityLevels(ctx),
    ...checkGitopsSources(ctx),
    ...checkDataProtected(ctx),
    ...checkTokensHaveRbac(ctx),
  ];
}
