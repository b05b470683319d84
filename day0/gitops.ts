/**
 * The Argo CD part of DAY0 (rendered by day0/bootstrap.ts day0Steps): the LAN mirrors of the upstream CRD
 * repositories at the pinned tags, the controller's RBAC, and repository credentials that never enter git.
 * Every site value reaching a shell command is quoted for the shell (constructs/lib/quote.ts sh).
 */
import { sh } from '../constructs/lib/quote';
import { credentialPrefix, gitEndpoint, mirrorsOf, UPSTREAM_REPOS, UpstreamRepoName } from '../config/git';
import type { Site } from '../config/schema';
import { CONTROLLER_RBAC_FILE } from '../constructs/argocd';

/**
 * Commands (run where github.com is reachable, with push rights on the site's git server) that copy exactly
 * the pinned tag of each upstream repository into its LAN mirror. The full history of the tag is fetched:
 * git servers commonly refuse pushes from shallow clones.
 */
export function mirrorCommands(site: Site): string[] {
  const mirrors = mirrorsOf(site);
  const names = ['argocd', ...(site.workloads.traefik.enabled ? ['traefik'] : [])] as UpstreamRepoName[];
  return names.flatMap((n) => {
    const u = UPSTREAM_REPOS[n];
    const dir = `/tmp/${u.name}-mirror.git`;
    const ref = `refs/tags/${u.tag}`;
    return [
      `# ${u.upstreamURL} at ${u.tag} → ${mirrors[n]} (create the empty repository on the git server first)`,
      `git init -q --bare ${dir} && git -C ${dir} fetch ${u.upstreamURL} ${sh(`${ref}:${ref}`)}`,
      `git -C ${dir} push ${sh(mirrors[n])} ${sh(ref)}`,
    ];
  });
}

/**
 * One credential template (argocd.argoproj.io/secret-type=repo-creds) whose URL prefix covers the stack's
 * repository and the mirrors; the token or key is read from the terminal and never written to a file.
 */
export function credentialCommands(site: Site, ns: string): string[] {
  const name = 'domus-git-creds';
  const ssh = gitEndpoint(site.git.repoURL).scheme === 'ssh';
  const secret = ssh
    ? '--from-file=sshPrivateKey="${GIT_KEY_FILE:?path of the read-only deploy key}"'
    : '--from-literal=username="${GIT_USER:?read-only user}" --from-file=password=/dev/stdin';
  return [
    ssh ? '# GIT_KEY_FILE: a read-only deploy key (never committed)' : '# GIT_USER and a read-only token, typed at the prompt (never committed)',
    ...(ssh ? [] : ['read -rs -p "git token: " GIT_TOKEN && echo']),
    `${ssh ? '' : `printf '%s' "$GIT_TOKEN" | `}kubectl -n ${sh(ns)} create secret generic ${name} --from-literal=type=git --from-literal=url=${sh(credentialPrefix(site))} ${secret}`,
    `kubectl -n ${sh(ns)} label secret ${name} argocd.argoproj.io/secret-type=repo-creds`,
  ];
}

export function argocdBootstrapCommands(): string[] {
  return [`kubectl apply --server-side -f dist/${CONTROLLER_RBAC_FILE}`];
}
