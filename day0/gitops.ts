/**
 * The Argo CD part of DAY0 (rendered by day0/bootstrap.ts day0Steps): the LAN mirrors of the upstream CRD
 * repositories at the pinned tags, the controller's RBAC, and repository credentials that never enter git.
 * Every site value reaching a shell command is quoted for the shell (constructs/lib/quote.ts sh).
 */
import { sh } from '../constructs/lib/quote';
import { credentialPrefix, gitEndpoint, mirrorsOf, UPSTREAM_REPOS, UpstreamRepoName } from '../config/git';
import type { Site } from '../config/schema';
import { CONTROLLER_RBAC_FILE } from '../constructs/argocd';
import { type Day0Command, note } from '../constructs/lib/day0';

/**
 * Commands (run on the workstation: github.com reachable, push rights on the site's git server) that copy
 * exactly the pinned tag of each upstream repository into its LAN mirror. The full history of the tag is
 * fetched: git servers commonly refuse pushes from shallow clones.
 */
export function mirrorCommands(site: Site): Day0Command[] {
  const mirrors = mirrorsOf(site);
  const names = ['argocd', ...(site.workloads.traefik.enabled ? ['traefik'] : [])] as UpstreamRepoName[];
  return names.flatMap((n) => {
    const u = UPSTREAM_REPOS[n];
    const dir = `/tmp/${u.name}-mirror.git`;
    const ref = `refs/tags/${u.tag}`;
    return [
      note(`${u.upstreamURL} at ${u.tag} → ${mirrors[n]} (create the empty repository on the git server first)`),
      { run: `git init -q --bare ${dir} && git -C ${dir} fetch ${u.upstreamURL} ${sh(`${ref}:${ref}`)}`, expect: ` * [new tag]  ${u.tag} -> ${u.tag}` },
      { run: `git -C ${dir} push ${sh(mirrors[n])} ${sh(ref)}`, expect: ` * [new tag]  ${u.tag} -> ${u.tag}` },
    ];
  });
}

/**
 * One credential template (argocd.argoproj.io/secret-type=repo-creds) whose URL prefix covers the stack's
 * repository and the mirrors; the user is typed at a prompt, the token or key is read from the terminal and
 * never written to a file or passed as an argument (printf is a shell builtin: no process sees it in argv).
 */
export function credentialCommands(site: Site, ns: string): Day0Command[] {
  const name = 'domus-git-creds';
  const ssh = gitEndpoint(site.git.repoURL).scheme === 'ssh';
  const secret = ssh ? '--from-file=sshPrivateKey="$GIT_KEY_FILE"' : '--from-literal=username="$GIT_USER" --from-file=password=/dev/stdin';
  return [
    ...(ssh
      ? [note('a read-only deploy key of the git server (never committed)'), { run: 'read -r -p "path of the read-only deploy key: " GIT_KEY_FILE' }]
      : [
          note('a read-only user and token of the git server, typed at the prompts (never committed)'),
          { run: 'read -r -p "git user (read-only): " GIT_USER' },
          { run: 'read -rs -p "git token: " GIT_TOKEN && echo' },
        ]),
    {
      run: `${ssh ? '' : `printf '%s' "$GIT_TOKEN" | `}kubectl -n ${sh(ns)} create secret generic ${name} --from-literal=type=git --from-literal=url=${sh(credentialPrefix(site))} ${secret}`,
      expect: `secret/${name} created`,
    },
    { run: `kubectl -n ${sh(ns)} label secret ${name} argocd.argoproj.io/secret-type=repo-creds`, expect: `secret/${name} labeled` },
    ...(ssh ? [] : [{ run: 'unset GIT_TOKEN' }]),
  ];
}

/**
 * argocd-secret, empty, before argocd-server first starts: v2.14.21 exits without it (conformance fact
 * argocd.argocdSecret) and fills it itself (server.secretkey, the admin password). Not in dist/: Argo CD does
 * not see Secrets (argocd-cm resource.inclusions), and its content must never enter git.
 */
export function argocdSecretCommands(ns: string): Day0Command[] {
  return [
    { run: `kubectl -n ${sh(ns)} create secret generic argocd-secret`, expect: 'secret/argocd-secret created' },
    { run: `kubectl -n ${sh(ns)} label secret argocd-secret app.kubernetes.io/name=argocd-secret app.kubernetes.io/part-of=argocd`, expect: 'secret/argocd-secret labeled' },
  ];
}

export function argocdBootstrapCommands(ns: string): Day0Command[] {
  return [
    {
      run: `kubectl apply --server-side -f dist/${CONTROLLER_RBAC_FILE}`,
      expect: `clusterrole.rbac.authorization.k8s.io/${ns}-argocd-application-controller serverside-applied, then its binding and Roles`,
    },
  ];
}
