/**
 * Day 0 as code: the node files under dist/bootstrap/, rendered from the same site and the same constructs
 * as the charts.
 *
 * - k3s/config.yaml (servers) and k3s/agent-<node>.yaml (agents), k3s/psa.yaml (Pod Security admission
 *   defaults consistent with the namespace labels), sysctl/99-domus.conf
 * - manifests/cilium.yaml: Cilium as a k3s HelmChart (bootstrap: true) for the auto-deploy directory
 * - vault/setup.sh and vault/policies/*.hcl: the Kubernetes auth roles and policies, generated from the Vault
 *   bindings the pod annotations were generated from
 * - DAY0.md (the numbered runbook, from DAY0_STEPS) and RUNBOOK.md (per-workload debugging commands)
 */
import { renderTriage } from './triage';
import { App, Chart } from 'cdk8s';
import { HelmChart } from '../imports/helm-controller-helmchart-helm.cattle.io';
import { IMAGES, VERSIONS } from '../config/versions';
import type { Site } from '../config/schema';
import { StackContext } from '../constructs/lib/context';
import { comment, hcl, sh } from '../constructs/lib/quote';
import { kvKeysOf, PkiCertificate, pkiParams, pkiRoleFor, REVIEWER_SECRET, VaultBinding } from '../constructs/lib/vault';
import { Workload } from '../constructs/lib/workload';
import { toYaml, yamlDoc } from '../constructs/lib/yaml';
import { appWaves, ROOT_APP } from '../charts/apps';
import { credentialPrefix, mirrorsOf } from '../config/git';
import { lbAddresses } from '../config/loadbalancer';
import { type AppDay0Step, type Day0Command, type Day0Step, note, workstationKubeconfig } from '../constructs/lib/day0';
export { workstationKubeconfig };
import { argocdBootstrapCommands, argocdSecretCommands, credentialCommands, mirrorCommands } from './gitops';

const y = yamlDoc;
const servers = (site: Site) => site.nodes.filter((n) => n.roles.includes('server'));

export function k3sServerConfig(site: Site, node: Site['nodes'][number], first: boolean): Record<string, unknown> {
  const disable = ['traefik', ...(site.loadBalancer.provider === 'cilium' ? ['servicelb'] : [])];
  return {
    ...(first ? (servers(site).length > 1 ? { 'cluster-init': true } : {}) : { server: `https://${servers(site)[0]!.ip}:6443`, 'token-file': '/etc/rancher/k3s/token' }),
    'node-name': node.name,
    'node-ip': node.ip,
    'tls-san': [...new Set([...servers(site).flatMap((s) => [s.ip, s.name]), `api.${site.cluster.domain}`])],
    'flannel-backend': 'none',
    'disable-network-policy': true,
    'disable-kube-proxy': true,
    disable,
    'cluster-cidr': site.cluster.podCidr,
    'service-cidr': site.cluster.serviceCidr,
    'cluster-dns': site.cluster.clusterDns,
    'secrets-encryption': true,
    'write-kubeconfig-mode': '0600',
    'kube-apiserver-arg': ['admission-control-config-file=/var/lib/rancher/k3s/server/psa.yaml'],
  };
}

export function psaConfig(): Record<string, unknown> {
  const v = `v${VERSIONS.kubernetes}`;
  return {
    apiVersion: 'apiserver.config.k8s.io/v1',
    kind: 'AdmissionConfiguration',
    plugins: [
      {
        name: 'PodSecurity',
        configuration: {
          apiVersion: 'pod-security.admission.config.k8s.io/v1',
          kind: 'PodSecurityConfiguration',
          // Every namespace is restricted unless its label says otherwise (the stack labels each one).
          defaults: { enforce: 'restricted', 'enforce-version': v, audit: 'restricted', 'audit-version': v, warn: 'restricted', 'warn-version': v },
          // kube-system runs Cilium (privileged, hostNetwork), CoreDNS, ServiceLB and the helm-controller jobs.
          exemptions: { usernames: [], runtimeClasses: [], namespaces: ['kube-system'] },
        },
      },
    ],
  };
}

export function ciliumValues(site: Site): Record<string, unknown> {
  const server = servers(site)[0]!;
  return {
    kubeProxyReplacement: true,
    k8sServiceHost: server.ip,
    k8sServicePort: 6443,
    ipam: site.cilium.ipamMode === 'kubernetes' ? { mode: 'kubernetes' } : { mode: 'cluster-pool', operator: { clusterPoolIPv4PodCIDRList: [site.cluster.podCidr] } },
    ipv4NativeRoutingCIDR: site.cluster.podCidr,
    operator: { replicas: Math.min(2, site.nodes.length), prometheus: { enabled: true } },
    prometheus: { enabled: true },
    l7Proxy: true,
    policyEnforcementMode: 'default',
    rollOutCiliumPods: true,
    hubble: {
      enabled: true,
      metrics: { enabled: ['dns', 'drop', 'tcp', 'flow', 'port-distribution', 'icmp', 'httpV2'] },
      relay: { enabled: site.cilium.hubbleUi },
      ui: { enabled: site.cilium.hubbleUi },
      // Certificates from a CronJob, not regenerated on every render (no drift under GitOps).
      tls: { auto: { enabled: true, method: 'cronJob' } },
    },
    // LB-IPAM needs no switch (it wakes up when a pool exists); L2 announcements do, and renew one lease per
    // LoadBalancer Service every leaseRenewDeadline (5 s). 10/20 is not higher than the chart's own default on
    // k8s >= 1.27 (cilium-configmap.yaml at v1.16.12); it pins that default, which covers the handful of Services
    // here (docs: QPS = #services / leaseRenewDeadline). Service externalIPs stay off: nothing uses them.
    ...(site.loadBalancer.provider === 'cilium' ? { l2announcements: { enabled: true }, k8sClientRateLimit: { qps: 10, burst: 20 } } : {}),
    resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '1Gi' } },
  };
}

function ciliumManifests(site: Site): string {
  const app = new App();
  const chart = new Chart(app, 'cilium-bootstrap', { disableResourceNameHashes: true });
  new HelmChart(chart, 'cilium', {
    metadata: { name: 'cilium', namespace: 'kube-system' },
    spec: {
      bootstrap: true,
      // Offline: the chart tarball is served by k3s from /var/lib/rancher/k3s/server/static/charts/.
      chart: `https://%{KUBERNETES_API}%/static/charts/cilium-${VERSIONS.cilium}.tgz`,
      version: VERSIONS.cilium,
      targetNamespace: 'kube-system',
      valuesContent: y(ciliumValues(site)),
    },
  });
  const extra: unknown[] = [];
  if (site.loadBalancer.provider === 'cilium') {
    extra.push(
      { apiVersion: 'cilium.io/v2alpha1', kind: 'CiliumLoadBalancerIPPool', metadata: { name: 'lan' }, spec: { blocks: site.loadBalancer.pool.map((cidr) => ({ cidr })) } },
      {
        apiVersion: 'cilium.io/v2alpha1',
        kind: 'CiliumL2AnnouncementPolicy',
        metadata: { name: 'lan' },
        spec: { loadBalancerIPs: true, externalIPs: false, interfaces: ['^e.*'] },
      },
    );
  }
  return toYaml([...chart.toJson(), ...extra]);
}

/**
 * The policy of one binding. On the PKI issue path it also pins the request parameters to the certificates
 * this workload's templates request (Vault ACL allowed_parameters): the role allows the union of every
 * workload's names, the policy keeps each workload to its own (Traefik cannot ask for Wazuh's "admin").
 */
export function policyHcl(b: VaultBinding, certs: readonly PkiCertificate[] = []): string {
  const block = (p: VaultBinding['paths'][number]) => {
    const lines = [`path ${hcl(p.path)} {`, `  capabilities = [${hcl(p.capability)}]`];
    if (p.capability === 'update' && certs.length) {
      const allowed = new Map<string, Set<string>>();
      for (const c of certs) for (const [k, v] of Object.entries(pkiParams(c))) allowed.set(k, new Set([...(allowed.get(k) ?? []), v]));
      lines.push('  allowed_parameters = {', ...[...allowed].map(([k, vs]) => `    ${hcl(k)} = [${[...vs].sort().map(hcl).join(', ')}]`), '  }');
    }
    return [...lines, '}', ''].join('\n');
  };
  return `# Vault policy for ${comment(`${b.namespace}/${b.serviceAccount} (role ${b.role})`)}; generated, do not edit.\n${b.paths.map(block).join('\n')}`;
}

/** The `vault write <pki>/roles/<role>` arguments: exactly the names the registry's certificates request. */
export function pkiRoleArgs(ctx: StackContext): string[] {
  const r = pkiRoleFor(ctx.vault.certificates().map((c) => c.cert));
  return [
    sh(`allowed_domains=${r.allowedDomains.join(',')}`),
    'allow_bare_domains=true',
    'allow_subdomains=false',
    'allow_glob_domains=false',
    'allow_any_name=false',
    'allow_localhost=false',
    `allow_wildcard_certificates=${r.allowWildcards}`,
    `allow_ip_sans=${r.allowIpSans}`,
    'enforce_hostnames=true',
    'key_type=rsa',
    'key_bits=2048',
    `max_ttl=${r.maxTtl}`,
    `server_flag=${r.serverFlag}`,
    `client_flag=${r.clientFlag}`,
  ];
}

/**
 * The token Vault reviews pod tokens with: a service-account-token Secret of vault-auth, filled by the token
 * controller in the cluster (no data in git) and valid until the Secret is deleted. Applied once at day 0 with
 * kubectl, not by Argo CD, so Argo CD's RBAC stays without Secrets.
 */
export function reviewerTokenManifest(site: Site): string {
  return toYaml([
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: REVIEWER_SECRET,
        namespace: site.namespaces.vault,
        labels: { 'app.kubernetes.io/name': 'vault-auth', 'app.kubernetes.io/part-of': 'vault', 'app.kubernetes.io/managed-by': 'cdk8s' },
        annotations: { 'kubernetes.io/service-account.name': 'vault-auth' },
      },
      type: 'kubernetes.io/service-account-token',
    },
  ]);
}

/**
 * The KV secrets the templates read, as [path inside the KV mount, sorted keys], sorted by path: setup.sh lists
 * them and DAY0 prompts for each value.
 */
export function kvSecretsOf(ctx: StackContext): [string, string[]][] {
  const prefix = `${ctx.site.vault.kvMount}/data/`;
  const kv = new Map<string, Set<string>>();
  for (const w of ctx.workloads) {
    for (const s of w.props.vault?.secrets ?? []) {
      if (!s.path.startsWith(prefix)) continue;
      const key = s.path.slice(prefix.length);
      if (!kv.has(key)) kv.set(key, new Set());
      // The keys come from the secret's type (constructs/lib/vault.ts VaultSecret), not from its template text.
      for (const k of kvKeysOf(s)) kv.get(key)!.add(k);
    }
  }
  return [...kv.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([path, keys]) => [path, [...keys].sort()]);
}

function vaultSetup(ctx: StackContext): string {
  const site = ctx.site;
  const server = servers(site)[0]!;
  const mount = site.vault.authMount;
  const bindings = ctx.vault.all();
  const kv = kvSecretsOf(ctx);
  const certs = ctx.vault.certificates();
  const lines = [
    '#!/usr/bin/env bash',
    '# Vault-side setup for the stack, generated from the same Vault specs as the pod annotations.',
    `# Run from the repository root with the vault CLI logged in to ${comment(site.vault.address)} (VAULT_ADDR) and kubectl`,
    '# on the cluster: K3S_CA_FILE=./server-ca.crt bash dist/bootstrap/vault/setup.sh (a copy of the k3s server CA,',
    '# /var/lib/rancher/k3s/server/tls/server-ca.crt). Idempotent: safe to run again.',
    'set -euo pipefail',
    '# Paths given by the caller are relative to where it runs; files of this folder are found from the script.',
    'HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"',
    'CA_FILE="${K3S_CA_FILE:-./server-ca.crt}"',
    '[ -r "$CA_FILE" ] || { echo "setup.sh: cannot read the k3s server CA at $CA_FILE (set K3S_CA_FILE)" >&2; exit 1; }',
    '',
    // Whole output first: `vault … | grep -q` under pipefail can fail on SIGPIPE and re-enable a mounted path.
    'AUTH_MOUNTS="$(vault auth list -format=json)"',
    `case "$AUTH_MOUNTS" in *${sh(`"${mount}/"`)}*) ;; *) vault auth enable -path=${sh(mount)} kubernetes ;; esac`,
    `# Vault reviews pod tokens (TokenReview) with the token of ${site.namespaces.vault}/vault-auth (system:auth-delegator), held`,
    `# by the Secret ${REVIEWER_SECRET} (dist/bootstrap/vault/reviewer-token.yaml): a service-account-token Secret does not expire, so`,
    '# nothing needs renewing (docs/adr/0061-vault-reviewer-token.md). REVIEWER_JWT overrides it.',
    `reviewer_jwt() { kubectl -n ${sh(site.namespaces.vault)} get secret ${REVIEWER_SECRET} -o jsonpath='{.data.token}' 2>/dev/null | base64 -d 2>/dev/null || true; }`,
    '# The token controller fills the Secret moments after it is applied: wait up to 60 s.',
    'if [ -z "${REVIEWER_JWT:-}" ]; then for _ in $(seq 1 30); do REVIEWER_JWT="$(reviewer_jwt)"; [ -n "$REVIEWER_JWT" ] && break; sleep 2; done; fi',
    `[ -n "$REVIEWER_JWT" ] || { echo "setup.sh: no reviewer token in ${site.namespaces.vault}/${REVIEWER_SECRET} (applied? see: kubectl -n ${site.namespaces.vault} get secret ${REVIEWER_SECRET})" >&2; exit 1; }`,
    `vault write auth/${sh(mount)}/config kubernetes_host=${sh(`https://${server.ip}:6443`)} kubernetes_ca_cert=@"$CA_FILE" token_reviewer_jwt="$REVIEWER_JWT" disable_local_ca_jwt=true`,
    '',
    ...bindings.flatMap((b) => [
      `vault policy write ${sh(b.role)} "$HERE/policies/"${sh(`${b.role}.hcl`)}`,
      `vault write auth/${sh(mount)}/role/${sh(b.role)} bound_service_account_names=${sh(b.serviceAccount)} bound_service_account_namespaces=${sh(b.namespace)} token_policies=${sh(b.role)} token_ttl=1h token_max_ttl=4h`,
    ]),
    '',
    ...(certs.length
      ? [
          `# PKI role: exactly the names the templates request (${certs.length} certificate${certs.length === 1 ? '' : 's'}); the mount and its CA exist already.`,
          `vault write ${sh(`${site.vault.pkiMount}/roles/${site.vault.pkiRole}`)} ${pkiRoleArgs(ctx).join(' ')}`,
          '',
        ]
      : []),
    '# KV secrets the templates read (DAY0 prompts for each value; this script never holds them):',
    ...kv.map(([path, keys]) => comment(`#   vault kv put ${sh(`${site.vault.kvMount}/${path}`)} ${keys.map((k) => `${k}=...`).join(' ')}`)),
    '',
  ];
  return lines.join('\n');
}

/** Where setup.sh and DAY0 find the CA of Vault's certificate (VAULT_CACERT). */
export const VAULT_CA_FILE = 'bootstrap/vault/vault-ca.pem';
/** The folder DAY0 copies dist/bootstrap to on the first server (the ssh user's home). */
const NODE_DIR = 'domus-bootstrap';
const NODE_KUBECONFIG = '/etc/rancher/k3s/k3s.yaml';
const WHERE_TEXT: Readonly<Record<Day0Step['where'], string>> = { workstation: 'on the workstation', server: 'on the first server, root shell' };

/** `amd64`/`arm64` from the machine (release assets are named by Go's GOARCH). */
const ARCH: Day0Command = { run: `ARCH="$(uname -m | sed 's/x86_64/amd64/;s/aarch64/arm64/')"` };

/**
 * The day-0 sequence, written once; DAY0.md is rendered from it and tests parse it (test/day0.test.ts). Each
 * step runs on one machine; a step that talks to the cluster exports KUBECONFIG first, so it also works
 * in a new shell. The apps' own steps (`day0` in their declarations) follow the core step they name.
 */
export function day0Steps(ctx: StackContext): Day0Step[] {
  const site = ctx.site;
  const server = servers(site)[0]!;
  const agents = site.nodes.filter((n) => !n.roles.includes('server'));
  const argocdNs = site.namespaces.argocd;
  const traefik = site.workloads.traefik.enabled;
  const chartFile = `cilium-${VERSIONS.cilium}.tgz`;
  const api = `https://${server.ip}:6443`;
  const ws = (): Day0Command => ({ run: `export KUBECONFIG=${workstationKubeconfig(site)}` });
  const root = (): Day0Command => ({ run: `export KUBECONFIG=${NODE_KUBECONFIG}` });
  const caFlag = site.vault.caCert ? '--cacert "$VAULT_CACERT" ' : '';
  const pki = site.vault.pkiMount;
  const kvMount = site.vault.kvMount;
  const host = (sub: string) => `${sub}.${site.cluster.domain}`;
  const ingressIp = lbAddresses(site).ingress;
  const repo = site.git.repoURL;
  const branch = `refs/heads/${site.git.revision}`;
  const gitTag = VERSIONS.argocd;
  const argocdRelease = `https://github.com/argoproj/argo-cd/releases/download/${gitTag}`;
  const ciliumRelease = `https://github.com/cilium/cilium-cli/releases/download/${VERSIONS.ciliumCli}`;
  const waves = Object.entries(appWaves(ctx.apps))
    .filter(([n]) => n !== 'traefik-crds' || traefik)
    .sort(([a, x], [b, y]) => x - y || (a < b ? -1 : 1));
  const ingressChart = ctx.apps.find((a) => a.roles?.ingress)?.chart;
  const argocdOpts: Day0Command = { run: `export ARGOCD_OPTS=${sh(`--port-forward --port-forward-namespace ${argocdNs} --plaintext`)}` };
  const published = traefik && ingressIp !== undefined;

  const kvCommands: Day0Command[] = kvSecretsOf(ctx).flatMap(([path, keys]) =>
    keys.map((k, i) => ({
      run: `read -rs -p ${sh(`${kvMount}/${path} ${k}: `)} v && echo && printf '%s' "$v" | vault kv ${i === 0 ? 'put' : 'patch'} -mount=${sh(kvMount)} -field=version ${sh(path)} ${sh(`${k}=-`)}`,
      expect: i === 0 ? 'the version written: 1 for a new secret' : 'the next version number',
    })),
  );

  const core: Day0Step[] = [
    {
      id: 'tools',
      title: `Check the workstation's tools; install the Argo CD CLI ${gitTag} and fetch the Cilium ${VERSIONS.cilium} chart`,
      where: 'workstation',
      commands: [
        { run: 'git --version && ssh -V', expect: 'git version 2.x, then OpenSSH_x' },
        { run: 'kubectl version --client', expect: "Client Version: v1.27.x to v1.29.x (one minor from the cluster's 1.28)" },
        { run: 'helm version --short', expect: 'v3.x' },
        { run: 'vault version', expect: 'Vault v1.11 or newer (kv -mount)' },
        ARCH,
        { run: `curl -fsSL -o argocd-linux-"$ARCH" ${argocdRelease}/argocd-linux-"$ARCH" && curl -fsSLO ${argocdRelease}/cli_checksums.txt` },
        { run: `grep " argocd-linux-$ARCH\\$" cli_checksums.txt | sha256sum --check`, expect: 'argocd-linux-amd64: OK (or arm64)' },
        { run: 'sudo install -m 0755 argocd-linux-"$ARCH" /usr/local/bin/argocd && rm argocd-linux-"$ARCH" cli_checksums.txt' },
        { run: 'argocd version --client --short', expect: `argocd: ${gitTag}+… (the release's commit)` },
        { run: 'helm repo add cilium https://helm.cilium.io/', expect: '"cilium" has been added to your repositories' },
        { run: `helm pull cilium/cilium --version ${VERSIONS.cilium}` },
        { run: `helm show chart ${chartFile} | grep '^version:'`, expect: `version: ${VERSIONS.cilium}` },
      ],
      done: `argocd ${gitTag} is on the PATH and ${chartFile} is in the repository root`,
    },
    {
      id: 'git',
      title: 'Push this repository (with dist/) to git.repoURL, and the pinned upstream tags to the LAN mirrors',
      where: 'workstation',
      commands: [
        note('create the empty repository on the git server first; dist/ must be committed as `npm run synth` wrote it'),
        // Untracked files are left out: the chart fetched in step 1 sits in the repository root.
        { run: 'git status --porcelain --untracked-files=no', expect: 'nothing (every change committed)' },
        { run: `git push ${sh(repo)} ${sh(`HEAD:${branch}`)}`, expect: ` * [new branch]  HEAD -> ${site.git.revision}` },
        { run: `git ls-remote ${sh(repo)} ${sh(branch)}`, expect: `the hash \`git rev-parse HEAD\` prints, then ${branch}` },
        ...mirrorCommands(site),
      ],
      done: `${repo} has ${site.git.revision} at your HEAD, and each mirror has its pinned tag`,
    },
    {
      id: 'copy',
      title: `Copy the node files to ${server.name} and open a root shell there`,
      where: 'workstation',
      commands: [
        { run: `scp -rq dist/bootstrap ${sh(`${server.name}:${NODE_DIR}`)} && scp -q ${chartFile} ${sh(`${server.name}:${NODE_DIR}/`)}` },
        { run: `ssh ${sh(server.name)} ls ${NODE_DIR}`, expect: `DAY0.md RUNBOOK.md argocd ${chartFile} k3s manifests sysctl vault (one per line)` },
        note(`the next three steps run in this root shell, in ~/${NODE_DIR}`),
        { run: `ssh -t ${sh(server.name)} 'cd ${NODE_DIR} && sudo -s'`, expect: `a root prompt on ${server.name}` },
      ],
      done: `you are root on ${server.name} in ~/${NODE_DIR}`,
    },
    {
      id: 'host',
      title: 'Prepare the host (Debian/Ubuntu)',
      where: 'server',
      commands: [
        { run: 'install -m 0644 sysctl/99-domus.conf /etc/sysctl.d/' },
        { run: 'sysctl --system', expect: '* Applying /etc/sysctl.d/99-domus.conf ... among the files applied' },
        { run: 'sysctl fs.inotify.max_user_instances', expect: 'fs.inotify.max_user_instances = 1024' },
        ...(site.workloads.wazuh.enabled ? [{ run: 'sysctl vm.max_map_count', expect: 'vm.max_map_count = 262144' }] : []),
        { run: 'mkdir -p /etc/rancher/k3s /var/lib/rancher/k3s/server/manifests /var/lib/rancher/k3s/server/static/charts' },
      ],
      done: 'the sysctl values above are live',
    },
    {
      id: 'k3s',
      title: `Install k3s ${VERSIONS.k3s} on ${server.name} with the generated config`,
      where: 'server',
      commands: [
        { run: `install -m 0600 ${sh(`k3s/config-${server.name}.yaml`)} /etc/rancher/k3s/config.yaml` },
        { run: 'install -m 0600 k3s/psa.yaml /var/lib/rancher/k3s/server/psa.yaml' },
        { run: `curl -sfL https://get.k3s.io | INSTALL_K3S_VERSION=${sh(VERSIONS.k3s)} sh -`, expect: '[INFO]  systemd: Starting k3s' },
        note(`write-kubeconfig-mode is 0600: only root reads ${NODE_KUBECONFIG}`),
        root(),
        { run: 'kubectl get nodes', expect: `${server.name}   NotReady   control-plane,master   …   ${VERSIONS.k3s} (no CNI yet)` },
      ],
      done: `${server.name} is listed, NotReady`,
    },
    {
      id: 'cilium',
      title: `Install Cilium ${VERSIONS.cilium} through the k3s helm-controller, and the Cilium CLI ${VERSIONS.ciliumCli}`,
      where: 'server',
      commands: [
        { run: `install -m 0644 ${chartFile} /var/lib/rancher/k3s/server/static/charts/` },
        { run: 'install -m 0600 manifests/cilium.yaml /var/lib/rancher/k3s/server/manifests/cilium.yaml' },
        root(),
        { run: 'kubectl -n kube-system rollout status ds/cilium --timeout=10m', expect: 'daemon set "cilium" successfully rolled out' },
        ARCH,
        { run: `curl -fsSL --remote-name-all ${ciliumRelease}/cilium-linux-"$ARCH".tar.gz{,.sha256sum}` },
        { run: 'sha256sum --check cilium-linux-"$ARCH".tar.gz.sha256sum', expect: 'cilium-linux-amd64.tar.gz: OK (or arm64)' },
        { run: 'tar -xzf cilium-linux-"$ARCH".tar.gz -C /usr/local/bin cilium && rm cilium-linux-"$ARCH".tar.gz{,.sha256sum}' },
        { run: 'cilium version --client', expect: `cilium-cli: ${VERSIONS.ciliumCli} compiled with go…` },
        { run: 'cilium status --wait', expect: 'Cilium: OK and Operator: OK in the summary' },
        { run: 'kubectl get nodes', expect: `${server.name}   Ready   control-plane,master   …` },
        note('a copy of the kubeconfig for the workstation, at the address the workstation uses (the file is cluster-admin: keep it 0600)'),
        { run: `sed ${sh(`s#https://127.0.0.1:6443#${api}#`)} ${NODE_KUBECONFIG} > kubeconfig && chown "$SUDO_USER" kubeconfig && chmod 0600 kubeconfig` },
        ...(agents.length ? [{ run: 'install -m 0600 -o "$SUDO_USER" /var/lib/rancher/k3s/server/node-token node-token' }] : []),
        { run: 'exit', expect: `back in the ssh session; \`exit\` again returns to the workstation` },
      ],
      done: 'the node is Ready and CoreDNS runs (kubectl -n kube-system get pods -l k8s-app=kube-dns)',
    },
    {
      id: 'kubeconfig',
      title: 'Give the workstation its kubeconfig',
      where: 'workstation',
      commands: [
        { run: 'install -d -m 0700 "$HOME/.kube"' },
        { run: `scp -q ${sh(`${server.name}:${NODE_DIR}/kubeconfig`)} ${workstationKubeconfig(site)} && ssh ${sh(server.name)} rm ${NODE_DIR}/kubeconfig` },
        { run: `chmod 0600 ${workstationKubeconfig(site)}` },
        ws(),
        { run: 'kubectl get nodes', expect: `${server.name}   Ready   control-plane,master   …` },
        note('the k3s server CA (in the kubeconfig), for Vault at the next steps'),
        { run: `kubectl config view --raw -o jsonpath='{.clusters[0].cluster.certificate-authority-data}' | base64 -d > server-ca.crt` },
        { run: 'openssl x509 -in server-ca.crt -noout -subject', expect: 'subject=CN = k3s-server-ca@<a timestamp>' },
      ],
      done: 'kubectl works from the workstation and ./server-ca.crt holds the k3s server CA',
    },
    ...(agents.length
      ? [
          {
            id: 'agents',
            title: 'Join the agent nodes (passwordless sudo for the ssh user there)',
            where: 'workstation' as const,
            commands: [
              { run: `scp -q ${sh(`${server.name}:${NODE_DIR}/node-token`)} ./node-token && ssh ${sh(server.name)} rm ${NODE_DIR}/node-token` },
              ...agents.flatMap((a) => [
                { run: `ssh ${sh(a.name)} 'sudo install -D -m 0600 /dev/stdin /etc/rancher/k3s/token' < node-token` },
                {
                  run: `ssh ${sh(a.name)} ${sh(`sudo install -m 0600 /dev/stdin /etc/rancher/k3s/config.yaml && curl -sfL https://get.k3s.io | INSTALL_K3S_VERSION=${sh(VERSIONS.k3s)} K3S_URL=${sh(api)} sh -s - agent`)} < ${sh(`dist/bootstrap/k3s/agent-${a.name}.yaml`)}`,
                  expect: '[INFO]  systemd: Starting k3s-agent',
                },
              ]),
              { run: 'rm node-token' },
              ws(),
              { run: 'kubectl get nodes', expect: `every node (${site.nodes.map((n) => n.name).join(', ')}) Ready` },
            ],
            done: 'kubectl get nodes lists every node Ready',
          },
        ]
      : []),
    {
      id: 'vault-prereq',
      title: 'Check what the stack expects of Vault (it is not installed by this stack)',
      where: 'workstation',
      commands: [
        { run: `export VAULT_ADDR=${sh(site.vault.address)}` },
        ...(site.vault.caCert ? [{ run: `export VAULT_CACERT="$PWD/dist/${VAULT_CA_FILE}"` }] : []),
        note('an admin token: it enables the auth mount and writes policies, roles, the PKI role and the KV secrets'),
        { run: 'vault login', expect: 'Token (will be hidden): then Success! You are now authenticated.' },
        note(`KV version 2 at ${kvMount}/ (if missing: vault secrets enable -path=${kvMount} kv-v2)`),
        { run: `vault read -field=options sys/mounts/${sh(kvMount)}`, expect: 'map[version:2]' },
        note(`a PKI mount at ${pki}/ holding the CA that issues the stack's certificates`),
        { run: `vault read -field=type sys/mounts/${sh(pki)}`, expect: 'pki' },
        { run: `curl -fsS ${caFlag}"$VAULT_ADDR/v1/${pki}/ca/pem" | openssl x509 -noout -subject`, expect: 'subject=… of your issuing CA' },
        note(`on the Vault host: Vault reviews every pod login against the node's API (TokenReview), so it must reach ${api}`),
        { run: `curl -sk -o /dev/null -w '%{http_code}\\n' ${api}/version`, expect: '200 or 401 (any HTTP code: reachable; 000: blocked)' },
      ],
      done: 'every check above printed what it should',
    },
    {
      id: 'injector',
      title: 'Apply the platform layer and the Vault Agent Injector (before anything that needs secrets)',
      where: 'workstation',
      commands: [
        ws(),
        { run: 'kubectl apply --server-side -f dist/platform/', expect: 'namespace/… serverside-applied, one line per object' },
        { run: 'kubectl apply --server-side -f dist/vault/', expect: 'deployment.apps/vault-agent-injector serverside-applied among the lines' },
        {
          run: `kubectl -n ${sh(site.namespaces.vault)} rollout status deploy/vault-agent-injector --timeout=5m`,
          expect: 'deployment "vault-agent-injector" successfully rolled out',
        },
      ],
      done: 'the injector pod is Ready and its webhook has a caBundle',
    },
    {
      id: 'vault',
      title: 'Configure Vault (auth role and policy per ServiceAccount, PKI role, KV secrets)',
      where: 'workstation',
      commands: [
        ws(),
        { run: `export VAULT_ADDR=${sh(site.vault.address)}` },
        ...(site.vault.caCert ? [{ run: `export VAULT_CACERT="$PWD/dist/${VAULT_CA_FILE}"` }] : []),
        { run: 'kubectl apply -f dist/bootstrap/vault/reviewer-token.yaml', expect: `secret/${REVIEWER_SECRET} created` },
        { run: 'K3S_CA_FILE=./server-ca.crt bash dist/bootstrap/vault/setup.sh', expect: 'Success! Uploaded policy: … and Success! Data written to: … for every role' },
        note('each value is typed at a hidden prompt and sent on stdin: never in an argument, a file or the shell history'),
        ...kvCommands,
        { run: 'unset v' },
      ],
      done: `vault read auth/${site.vault.authMount}/role/<role> answers for every role in setup.sh, and vault read ${pki}/roles/${site.vault.pkiRole} lists the stack's names`,
    },
    {
      id: 'argocd',
      title: 'Bootstrap Argo CD from dist/ (once)',
      where: 'workstation',
      commands: [
        ws(),
        {
          run: `kubectl apply --server-side -k "https://github.com/argoproj/argo-cd/manifests/crds?ref=${VERSIONS.argocd}"`,
          expect: 'customresourcedefinition.apiextensions.k8s.io/applications.argoproj.io serverside-applied, and the two others',
        },
        // dist/argocd holds an IngressRoute: Traefik's CRDs first (Argo CD manages both CRD sets afterwards).
        ...(traefik
          ? [
              {
                run: `kubectl apply --server-side -f https://raw.githubusercontent.com/traefik/traefik/${IMAGES.traefik.tag}/docs/content/reference/dynamic-configuration/kubernetes-crd-definition-v1.yml`,
                expect: 'customresourcedefinition.apiextensions.k8s.io/ingressroutes.traefik.io serverside-applied, and the others',
              },
            ]
          : []),
        ...argocdSecretCommands(argocdNs),
        { run: 'kubectl apply --server-side -f dist/argocd/', expect: 'deployment.apps/argocd-server serverside-applied among the lines' },
        ...argocdBootstrapCommands(argocdNs),
        { run: `kubectl -n ${sh(argocdNs)} rollout status deploy/argocd-server --timeout=10m`, expect: 'deployment "argocd-server" successfully rolled out' },
        // Argo CD pulls the upstream CRDs from LAN mirrors at the pinned tags, with credentials kept out of git.
        ...credentialCommands(site, argocdNs),
        note(traefik ? 'the CLI reaches the API through a port-forward until Traefik is up' : 'the CLI reaches the API through a port-forward (no Traefik)'),
        argocdOpts,
        { run: `argocd admin initial-password -n ${sh(argocdNs)}`, expect: 'the generated admin password, then a note to change it' },
        { run: 'argocd login --username admin', expect: "Password: (paste it), then 'admin:login' logged in successfully" },
        { run: 'argocd repocreds list', expect: `URL PATTERN … then ${credentialPrefix(site)} with your user` },
      ],
      done: 'argocd pods are Running and the credential template is listed',
    },
    {
      id: 'root',
      title: 'Apply the root Application; Argo CD syncs the rest in waves',
      where: 'workstation',
      commands: [
        ws(),
        argocdOpts,
        {
          run: 'kubectl apply -f dist/apps/apps.yaml',
          expect: `appproject.argoproj.io/homelab created, then application.argoproj.io/… created for each Application, ${ROOT_APP} last`,
        },
        note(`waves of the root (ADR-0023): ${waves.map(([n, w]) => `${w}:${n}`).join(' → ')}`),
        ...(ingressChart
          ? [
              // The root creates the child Application in its wave; argocd app wait needs it to exist.
              { run: `until kubectl -n ${sh(argocdNs)} get application ${sh(ingressChart)} >/dev/null 2>&1; do sleep 10; done` },
              {
                run: `argocd app wait ${sh(ingressChart)} --sync --health --timeout 1800`,
                expect: `the ${ingressChart} Application with Sync Status: Synced and Health Status: Healthy`,
              },
            ]
          : []),
      ],
      done: `${ingressChart ? `the ${ingressChart} Application is Healthy (Traefik runs)` : 'the root Application is Synced'}; the later waves go on in the background`,
    },
    ...(published
      ? [
          {
            id: 'dns',
            title: `Point *.${site.cluster.domain} at Traefik`,
            where: 'workstation' as const,
            commands: [
              ws(),
              { run: `kubectl -n ${sh(site.namespaces.ingress)} get svc traefik -o jsonpath='{.status.loadBalancer.ingress[0].ip}{"\\n"}'`, expect: ingressIp },
              note(`in the LAN's DNS server: a wildcard record *.${site.cluster.domain} A ${ingressIp} (or one record per name: ${['argocd', 'grafana'].map(host).join(', ')}, …)`),
              { run: `getent hosts ${host('argocd')}`, expect: `${ingressIp}   ${host('argocd')}` },
            ],
            done: `every *.${site.cluster.domain} name resolves to ${ingressIp}`,
          },
        ]
      : []),
    ...(published
      ? [
          {
            id: 'trust',
            title: "Trust the stack's CA on the workstation and in the browsers",
            where: 'workstation' as const,
            commands: [
              { run: `export VAULT_ADDR=${sh(site.vault.address)}` },
              ...(site.vault.caCert ? [{ run: `export VAULT_CACERT="$PWD/dist/${VAULT_CA_FILE}"` }] : []),
              { run: `curl -fsS ${caFlag}-o domus-ca.crt "$VAULT_ADDR/v1/${pki}/ca_chain"` },
              {
                run: "grep -c 'BEGIN CERTIFICATE' domus-ca.crt",
                expect: `2 or more: ${pki}'s CA, then its parents up to your root (when 1, append your root CA's PEM to domus-ca.crt)`,
              },
              { run: 'sudo install -m 0644 domus-ca.crt /usr/local/share/ca-certificates/domus-ca.crt && sudo update-ca-certificates', expect: '1 added, 0 removed; done.' },
              note('Firefox keeps its own store: Settings → Privacy & Security → Certificates → View Certificates → Authorities → Import domus-ca.crt, trust for websites'),
              { run: `curl -sS -o /dev/null -w '%{http_code}\\n' https://${host('argocd')}/`, expect: '200' },
            ],
            done: `https://${host('argocd')} opens without a certificate warning`,
          },
        ]
      : []),
    {
      id: 'waves',
      title: published ? 'Log in to Argo CD through Traefik and wait for every Application' : 'Wait for every Application',
      where: 'workstation',
      commands: [
        ws(),
        ...(published
          ? [
              { run: 'unset ARGOCD_OPTS' },
              { run: `argocd login ${host('argocd')} --grpc-web --username admin`, expect: "Password: (the initial password), then 'admin:login' logged in successfully" },
            ]
          : [argocdOpts]),
        {
          run: `argocd app wait -l app.kubernetes.io/part-of=argocd --sync --health --timeout 3600`,
          expect: 'every Application with Sync Status: Synced and Health Status: Healthy',
        },
        { run: 'argocd app list', expect: 'one row per Application, each Synced and Healthy' },
        { run: 'argocd account update-password', expect: 'Password updated' },
        { run: `kubectl -n ${sh(argocdNs)} delete secret argocd-initial-admin-secret`, expect: 'secret "argocd-initial-admin-secret" deleted' },
      ],
      done: published ? `https://${host('argocd')} shows all applications green` : 'argocd app list shows all applications Synced and Healthy',
    },
  ];
  return withAppSteps(
    core,
    ctx.apps.flatMap((a) => a.day0?.(site) ?? []),
  );
}

/** The apps' steps, each right after the core step it names (in registry order when several follow one step). */
export function withAppSteps(core: readonly Day0Step[], extra: readonly AppDay0Step[]): Day0Step[] {
  for (const e of extra) if (!core.some((c) => c.id === e.after)) throw new Error(`day0 step ${e.id} follows ${e.after}, which is not a step of DAY0`);
  return core.flatMap((c) => [c, ...extra.filter((e) => e.after === c.id).map(({ after: _after, ...step }) => step)]);
}

export function renderDay0(ctx: StackContext): string {
  const steps = day0Steps(ctx);
  const on = (w: Day0Step['where']) =>
    steps
      .map((s, i) => (s.where === w ? i + 1 : 0))
      .filter((n) => n > 0)
      .join(', ');
  return [
    `# Day 0 to synced — ${ctx.site.cluster.name}`,
    '',
    'Generated from `day0/bootstrap.ts` (`day0Steps`). Run each block top to bottom in bash; a `# →` line is what the command above it prints when it worked.',
    '',
    '## Prerequisites',
    '',
    `- **Workstation** (steps ${on('workstation')}): a clone of this repository with dist/ committed, push rights on ${ctx.site.git.repoURL}; git, ssh/scp to the nodes, curl, sha256sum, openssl, kubectl 1.27–1.29, helm 3, the vault CLI (1.11 or newer); the Argo CD CLI ${VERSIONS.argocd} is installed in step 1. Network: the nodes, Vault, the git server, github.com and helm.cilium.io.`,
    `- **First server, ${servers(ctx.site)[0]!.name}** (steps ${on('server')}, in a root shell): Debian or Ubuntu with curl and sudo, reachable by ssh under its node name; internet access for get.k3s.io and the Cilium CLI release. The Cilium CLI ${VERSIONS.ciliumCli} is installed there in the Cilium step.`,
    ...(ctx.site.nodes.length > 1
      ? [
          `- **Other nodes** (${ctx.site.nodes
            .slice(1)
            .map((n) => n.name)
            .join(', ')}): the same OS, reachable by ssh with passwordless sudo.`,
        ]
      : []),
    `- **Vault** at ${ctx.site.vault.address}, outside the cluster: KV version 2 at \`${ctx.site.vault.kvMount}/\`, a PKI mount at \`${ctx.site.vault.pkiMount}/\` with its CA, an admin token, and a route from Vault to ${`https://${servers(ctx.site)[0]!.ip}:6443`} (checked in the Vault step).`,
    `- **Git server**: empty repositories for this stack and the mirrors (${Object.values(mirrorsOf(ctx.site)).join(', ')}), and a read-only user and token (or deploy key) for Argo CD.`,
    `- **DNS**: a LAN DNS server where you can add \`*.${ctx.site.cluster.domain}\`.`,
    '',
    '## Steps',
    '',
    ...steps.flatMap((s, i) => {
      // Indent the block under its list item (the width of "N. ").
      const pad = ' '.repeat(`${i + 1}. `.length);
      return [
        `${i + 1}. **${s.title}** (${WHERE_TEXT[s.where]})`,
        '',
        `${pad}\`\`\`sh`,
        ...s.commands.flatMap((c) => [`${pad}${c.run}`, ...(c.expect ? [`${pad}# → ${c.expect}`] : [])]),
        `${pad}\`\`\``,
        '',
        `${pad}Done when: ${s.done}.`,
        '',
      ];
    }),
    'If a sync fails: `argocd app get <app> --show-operation`, fix in git, commit `dist/`, push. A failed revision is retried for about an hour, then never auto-synced again (ADR-0023): push a fix or run `argocd app sync <app>`. To pause GitOps for a manual repair: `kubectl -n argocd patch application <app> --type merge -p \'{"spec":{"syncPolicy":{"automated":null}}}\'`, then re-apply `dist/apps/apps.yaml`.',
    '',
  ].join('\n');
}

/** Workload-specific first-run or repair commands, from the apps' declarations. */
type RunbookExtra = Readonly<Record<string, (ns: string) => readonly string[]>>;

function runbookFor(w: Workload, extra: RunbookExtra): string[] {
  const ns = w.namespace;
  const sel = `app.kubernetes.io/name=${w.name}`;
  const kind = w.props.kind.toLowerCase();
  const ports = w.portSpecs.map((p) => `${p.name} ${p.port}/${p.protocol ?? 'TCP'}`).join(', ') || 'none';
  const first = w.portSpecs[0];
  return [
    `## ${w.name} (${ns})`,
    '',
    `${w.props.kind}, ${w.replicas} replica(s); ports: ${ports}.`,
    '',
    '```sh',
    '# 1. Is the pod running?',
    `kubectl -n ${ns} get pods -l ${sel} -o wide`,
    `kubectl -n ${ns} describe ${kind}/${w.name}`,
    `kubectl -n ${ns} logs -l ${sel} --all-containers --tail=200`,
    '# 2. Is the service routing?',
    ...(w.serviceName ? [`kubectl -n ${ns} get svc,endpointslices -l ${sel}`] : []),
    ...(first && w.serviceName ? [`kubectl -n ${ns} port-forward svc/${w.serviceName} ${first.servicePort ?? first.port}:${first.servicePort ?? first.port}`] : []),
    '# 3. Is the network allowing it?',
    `hubble observe --namespace ${ns} --pod ${w.name} --last 50`,
    `hubble observe --to-namespace ${ns} --to-label ${sel} --verdict DROPPED`,
    `kubectl -n ${ns} get ciliumnetworkpolicy ${w.name} -o yaml`,
    `kubectl -n kube-system exec ds/cilium -- cilium-dbg endpoint list | grep ${ns}/${w.name}`,
    ...(w.props.claims?.length ? ['# 4. Is storage attached?', `kubectl -n ${ns} get pvc -l ${sel}`] : []),
    ...(extra[w.name]?.(ns) ?? []),
    ...(w.props.vault ? ['# Vault agent', `kubectl -n ${ns} logs -l ${sel} -c vault-agent-init`, `kubectl -n ${ns} logs -l ${sel} -c vault-agent --tail=50`] : []),
    '```',
    '',
  ];
}

export function renderRunbook(ctx: StackContext): string {
  const extra: RunbookExtra = Object.assign({}, ...ctx.apps.map((a) => a.runbook?.(ctx.site) ?? {}));
  return [
    `# Runbook — ${ctx.site.cluster.name}`,
    '',
    'Generated from the constructs (`day0/bootstrap.ts`): the debugging ladder per workload, with its real namespace, labels and ports.',
    'Node level: `kubectl describe node`, `kubectl top node`, `journalctl -u k3s`, `cilium status`.',
    '',
    ...ctx.workloads.flatMap((w) => runbookFor(w, extra)),
    ...ctx.apps.flatMap((a) => a.runbookSections?.(ctx.site) ?? []).flatMap((s) => [`## ${s.title}`, '', ...s.lines, '']),
    ...renderTriage(ctx),
  ].join('\n');
}

export function addBootstrapFiles(ctx: StackContext): void {
  const site = ctx.site;
  const srv = servers(site);
  srv.forEach((n, i) => ctx.addFile(`bootstrap/k3s/config-${n.name}.yaml`, () => y(k3sServerConfig(site, n, i === 0))));
  for (const a of site.nodes.filter((n) => !n.roles.includes('server'))) {
    ctx.addFile(`bootstrap/k3s/agent-${a.name}.yaml`, () =>
      y({ server: `https://${srv[0]!.ip}:6443`, 'token-file': '/etc/rancher/k3s/token', 'node-name': a.name, 'node-ip': a.ip }),
    );
  }
  ctx.addFile('bootstrap/k3s/psa.yaml', () => y(psaConfig()));
  ctx.addFile('bootstrap/sysctl/99-domus.conf', () =>
    [
      '# Node settings the stack needs (written by the bootstrap, not by privileged init containers).',
      ...(site.workloads.wazuh.enabled ? ['# Wazuh indexer (OpenSearch) memory maps.', 'vm.max_map_count = 262144'] : []),
      '# Many watchers (Argo CD, Prometheus, Grafana provisioning) on one node.',
      'fs.inotify.max_user_instances = 1024',
      'fs.inotify.max_user_watches = 524288',
      '',
    ].join('\n'),
  );
  ctx.addFile('bootstrap/manifests/cilium.yaml', () => ciliumManifests(site));
  // The same values for `helm upgrade` or an Argo CD Application that adopts the release later (same chart
  // version + same values: nothing to fight over).
  ctx.addFile(
    'bootstrap/manifests/cilium-values.yaml',
    () => `# Cilium ${VERSIONS.cilium} Helm values for this site (identical to the HelmChart's valuesContent).\n${y(ciliumValues(site))}`,
  );
  ctx.addFile('bootstrap/vault/setup.sh', () => vaultSetup(ctx));
  ctx.addFile('bootstrap/vault/reviewer-token.yaml', () => reviewerTokenManifest(site));
  // Every chart exists by now, so the bindings are complete.
  for (const b of ctx.vault.all()) ctx.addFile(`bootstrap/vault/policies/${b.role}.hcl`, () => policyHcl(b, ctx.vault.certificatesOf(b.role)));
  // The CA that signed Vault's certificate, for VAULT_CACERT at day 0 (public part only).
  const vaultCa = site.vault.caCert;
  if (vaultCa) ctx.addFile(VAULT_CA_FILE, () => vaultCa);
  ctx.addFile('bootstrap/DAY0.md', () => renderDay0(ctx));
  ctx.addFile('bootstrap/RUNBOOK.md', () => renderRunbook(ctx));
}
