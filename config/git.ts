/**
 * The git side of the site: where Argo CD's repo-server fetches from, what it trusts there, and the LAN
 * mirrors of the two upstream repositories whose CRDs Argo CD installs (docs/adr/0021-argocd-admission.md).
 *
 * Every default here is derived from `git.repoURL`, so no example value survives a change of that field:
 * the example CA only while repoURL is the example URL, mirrors next to the stack's own repository.
 */
import { VERSIONS, IMAGES } from './versions';
import type { Site } from './schema';
import { EXAMPLE_CA_PEM, needsPrivateCa } from './trust';

/** The example site's repository (the schema default of git.repoURL). */
export const EXAMPLE_REPO_URL = 'https://git.domus.lan/homelab/domus-digitalis-stack.git';

/** A git URL split into what the network policy and the trust files need. */
export interface GitEndpoint {
  readonly url: string;
  readonly scheme: 'https' | 'ssh';
  readonly host: string;
  readonly port: number;
}

/** Host and port of an https://, ssh:// or scp-like (git@host:path) URL, as git itself reads them. */
export function gitEndpoint(url: string): GitEndpoint {
  if (/^[^/@\s]+@[^:/\s]+:/.test(url) && !url.includes('://')) {
    const host = url.slice(url.indexOf('@') + 1, url.indexOf(':'));
    return { url, scheme: 'ssh', host, port: 22 };
  }
  const u = new URL(url);
  const scheme = u.protocol === 'https:' ? 'https' : 'ssh';
  return { url, scheme, host: u.hostname, port: Number(u.port || (scheme === 'https' ? 443 : 22)) };
}

/** The upstream repositories Argo CD pulls CRDs from, pinned to the tags the stack deploys. */
export const UPSTREAM_REPOS = {
  // manifests/crds holds a kustomization.yaml listing the CRD files (conformance/facts/argocd.ts crdsFolder):
  // Argo CD must build it with kustomize, as `kubectl apply -k` does at day 0.
  argocd: { name: 'argo-cd', upstreamURL: 'https://github.com/argoproj/argo-cd.git', tag: VERSIONS.argocd, path: 'manifests/crds', kustomization: 'kustomization.yaml' },
  traefik: {
    name: 'traefik',
    upstreamURL: 'https://github.com/traefik/traefik.git',
    tag: IMAGES.traefik.tag,
    path: 'docs/content/reference/dynamic-configuration',
    include: 'kubernetes-crd-definition-v1.yml',
  },
} as const;
export type UpstreamRepoName = keyof typeof UPSTREAM_REPOS;

/** A sibling of the stack's repository: same host and owner folder, another repository name. */
export function siblingRepo(repoURL: string, name: string): string {
  const cut = Math.max(repoURL.lastIndexOf('/'), repoURL.startsWith('git@') && !repoURL.includes('/') ? repoURL.indexOf(':') : -1);
  return `${repoURL.slice(0, cut + 1)}${name}.git`;
}

/** The LAN mirror each upstream repository is fetched from: the site's value or the sibling default. */
export function mirrorsOf(site: Site): Record<UpstreamRepoName, string> {
  return {
    argocd: site.git.mirrors.argocd ?? siblingRepo(site.git.repoURL, UPSTREAM_REPOS.argocd.name),
    traefik: site.git.mirrors.traefik ?? siblingRepo(site.git.repoURL, UPSTREAM_REPOS.traefik.name),
  };
}

/** The LAN mirrors Applications may sync, each with the upstream tag it must stay pinned at. */
export function pinnedMirrors(site: Site): Record<string, string> {
  const m = mirrorsOf(site);
  return { [m.argocd]: UPSTREAM_REPOS.argocd.tag, ...(site.workloads.traefik.enabled ? { [m.traefik]: UPSTREAM_REPOS.traefik.tag } : {}) };
}

/** Every repository URL an Application of this site names (the stack's own first). */
export function repoURLsOf(site: Site): string[] {
  const m = mirrorsOf(site);
  return [site.git.repoURL, m.argocd, ...(site.workloads.traefik.enabled ? [m.traefik] : [])];
}

/** The longest common prefix of the repositories up to a '/', used as the credential template URL. */
export function credentialPrefix(site: Site): string {
  const urls = repoURLsOf(site);
  let prefix = urls[0]!;
  for (const u of urls.slice(1)) while (!u.startsWith(prefix)) prefix = prefix.slice(0, -1);
  return prefix.slice(0, prefix.lastIndexOf('/') + 1) || prefix;
}

/**
 * The PEM bundle the repo-server trusts for the site's https git hosts: the site's `git.caCert`, else the
 * example CA while repoURL is the example URL; undefined when no host needs a private CA.
 */
export function gitCaOf(site: Site): string | undefined {
  if (site.git.caCert) return site.git.caCert;
  return site.git.repoURL === EXAMPLE_REPO_URL ? EXAMPLE_CA_PEM : undefined;
}

/** https hosts that need a private CA (argocd-tls-certs-cm keys), sorted and unique. */
export function privateHttpsHosts(site: Site): string[] {
  return [
    ...new Set(
      repoURLsOf(site)
        .map(gitEndpoint)
        .filter((e) => e.scheme === 'https' && needsPrivateCa(e.host))
        .map((e) => e.host),
    ),
  ].sort();
}

/** ssh hosts (argocd-ssh-known-hosts-cm must hold their keys), sorted and unique. */
export function sshHosts(site: Site): string[] {
  return [
    ...new Set(
      repoURLsOf(site)
        .map(gitEndpoint)
        .filter((e) => e.scheme === 'ssh')
        .map((e) => e.host),
    ),
  ].sort();
}

/** Host names a known_hosts line covers (first field, comma-separated, `[host]:port` unwrapped). */
export function knownHostNames(line: string): string[] {
  return (line.trim().split(/\s+/)[0] ?? '').split(',').map((h) => h.replace(/^\[([^\]]+)\](:\d+)?$/, '$1'));
}

/** Problems across the git fields (see crossFieldIssues in schema.ts). */
export function gitIssues(site: Site): { path: (string | number)[]; value: unknown; message: string }[] {
  const out: { path: (string | number)[]; value: unknown; message: string }[] = [];
  const hosts = privateHttpsHosts(site);
  if (hosts.length > 0 && gitCaOf(site) === undefined) {
    out.push({
      path: ['git', 'caCert'],
      value: undefined,
      message: `the PEM of the CA that signed the certificate of ${hosts.join(', ')} (a private name no public CA issues for; the example CA is only the default while git.repoURL is ${EXAMPLE_REPO_URL})`,
    });
  }
  const ssh = sshHosts(site);
  const known = new Set(site.git.sshKnownHosts.flatMap(knownHostNames));
  const missing = ssh.filter((h) => !known.has(h));
  if (missing.length > 0) {
    out.push({
      path: ['git', 'sshKnownHosts'],
      value: site.git.sshKnownHosts,
      message: `known_hosts lines (from ssh-keyscan, checked by hand) for ${missing.join(', ')}: the repo-server refuses ssh hosts it does not know`,
    });
  }
  const m = mirrorsOf(site);
  for (const name of Object.keys(m) as UpstreamRepoName[]) {
    // github.com would open all of GitHub to the repo-server, unless the stack's own repository is there anyway.
    if (gitEndpoint(m[name]).host === 'github.com' && gitEndpoint(site.git.repoURL).host !== 'github.com') {
      out.push({
        path: ['git', 'mirrors', name],
        value: m[name],
        message:
          "a LAN mirror of the upstream repository on the site's git server (the repo-server reaches only the hosts of the repositories it pulls; github.com would admit all of GitHub)",
      });
    }
  }
  return out;
}
