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
import { APP_WAVES } from '../charts/apps';
import { argocdBootstrapCommands, credentialCommands, mirrorCommands } from './gitops';

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
    // LoadBalancer Service, hence the higher API rate limit. Service externalIPs stay off: nothing uses them.
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

function vaultSetup(ctx: StackContext): string {
  const site = ctx.site;
  const server = servers(site)[0]!;
  const mount = site.vault.authMount;
  const bindings = ctx.vault.all();
  const kv = new Map<string, Set<string>>();
  for (const w of ctx.workloads) {
    for (const s of w.props.vault?.secrets ?? []) {
      if (!s.path.startsWith(`${site.vault.kvMount}/data/`)) continue;
      const key = s.path.slice(`${site.vault.kvMount}/data/`.length);
      if (!kv.has(key)) kv.set(key, new Set());
      // The keys come from the secret's type (constructs/lib/vault.ts VaultSecret), not from its template text.
      for (const k of kvKeysOf(s)) kv.get(key)!.add(k);
    }
  }
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
    '# KV secrets the templates read (put the values yourself; this script never holds them):',
    ...[...kv.entries()].sort().map(([path, keys]) =>
      comment(
        `#   vault kv put ${sh(`${site.vault.kvMount}/${path}`)} ${[...keys]
          .sort()
          .map((k) => `${k}=...`)
          .join(' ')}`,
      ),
    ),
    '',
  ];
  return lines.join('\n');
}

/** The day-0 sequence, written once; DAY0.md is rendered from it and tests assert its order. */
export interface Day0Step {
  readonly id: string;
  readonly title: string;
  readonly commands: readonly string[];
  readonly done: string;
}

export function day0Steps(site: Site): Day0Step[] {
  const server = servers(site)[0]!;
  const agents = site.nodes.filter((n) => !n.roles.includes('server'));
  return [
    {
      id: 'host',
      title: 'Prepare the host (Debian/Ubuntu)',
      commands: [
        'sudo install -m 0644 dist/bootstrap/sysctl/99-domus.conf /etc/sysctl.d/',
        'sudo sysctl --system',
        'sudo mkdir -p /etc/rancher/k3s /var/lib/rancher/k3s/server/manifests /var/lib/rancher/k3s/server/static/charts',
      ],
      done: 'sysctl vm.max_map_count prints 262144',
    },
    {
      id: 'k3s',
      title: `Install k3s ${VERSIONS.k3s} on ${server.name} with the generated config`,
      commands: [
        `sudo install -m 0600 ${sh(`dist/bootstrap/k3s/config-${server.name}.yaml`)} /etc/rancher/k3s/config.yaml`,
        'sudo install -m 0600 dist/bootstrap/k3s/psa.yaml /var/lib/rancher/k3s/server/psa.yaml',
        `curl -sfL https://get.k3s.io | INSTALL_K3S_VERSION='${VERSIONS.k3s}' sh -`,
      ],
      done: 'kubectl get nodes shows the node NotReady (no CNI yet)',
    },
    {
      id: 'cilium',
      title: `Install Cilium ${VERSIONS.cilium} through the k3s helm-controller`,
      commands: [
        `sudo cp cilium-${VERSIONS.cilium}.tgz /var/lib/rancher/k3s/server/static/charts/`,
        'sudo install -m 0600 dist/bootstrap/manifests/cilium.yaml /var/lib/rancher/k3s/server/manifests/cilium.yaml',
        'kubectl -n kube-system rollout status ds/cilium --timeout=10m',
        'cilium status --wait',
      ],
      done: 'the node is Ready and CoreDNS runs',
    },
    ...(agents.length
      ? [
          {
            id: 'agents',
            title: 'Join the agent nodes',
            commands: agents.map(
              (a) =>
                `ssh ${sh(a.name)} ${sh(`sudo install -m 0600 /dev/stdin /etc/rancher/k3s/config.yaml && curl -sfL https://get.k3s.io | INSTALL_K3S_VERSION=${sh(VERSIONS.k3s)} K3S_URL=${sh(`https://${server.ip}:6443`)} sh -s - agent`)} < ${sh(`dist/bootstrap/k3s/agent-${a.name}.yaml`)}`,
            ),
            done: 'kubectl get nodes lists every node Ready',
          },
        ]
      : []),
    {
      id: 'injector',
      title: 'Apply the platform layer and the Vault Agent Injector (before anything that needs secrets)',
      commands: [
        'kubectl apply --server-side -f dist/platform/',
        'kubectl apply --server-side -f dist/vault/',
        `kubectl -n ${sh(site.namespaces.vault)} rollout status deploy/vault-agent-injector --timeout=5m`,
      ],
      done: 'the injector pod is Ready and its webhook has a caBundle',
    },
    {
      id: 'vault',
      title: 'Configure Vault (auth role and policy per ServiceAccount, KV secrets, PKI role)',
      commands: [
        'kubectl apply -f dist/bootstrap/vault/reviewer-token.yaml',
        'sudo cat /var/lib/rancher/k3s/server/tls/server-ca.crt > ./server-ca.crt',
        'K3S_CA_FILE=./server-ca.crt bash dist/bootstrap/vault/setup.sh',
        'vault kv put … (the keys listed at the end of setup.sh)',
      ],
      done: `vault read auth/${site.vault.authMount}/role/<role> answers for every role in setup.sh, and vault read ${site.vault.pkiMount}/roles/${site.vault.pkiRole} lists the stack's names`,
    },
    {
      id: 'argocd',
      title: 'Bootstrap Argo CD from dist/ (once)',
      commands: [
        `kubectl apply --server-side -k "https://github.com/argoproj/argo-cd/manifests/crds?ref=${VERSIONS.argocd}"`,
        // dist/argocd holds an IngressRoute: Traefik's CRDs first (Argo CD manages both CRD sets afterwards).
        `kubectl apply --server-side -f https://raw.githubusercontent.com/traefik/traefik/${IMAGES.traefik.tag}/docs/content/reference/dynamic-configuration/kubernetes-crd-definition-v1.yml`,
        'kubectl apply --server-side -f dist/argocd/',
        ...argocdBootstrapCommands(),
        'kubectl -n argocd rollout status deploy/argocd-server --timeout=10m',
        // Argo CD pulls the upstream CRDs from LAN mirrors at the pinned tags, with credentials kept out of git.
        ...mirrorCommands(site),
        ...credentialCommands(site, site.namespaces.argocd),
      ],
      done: 'argocd pods are Running and `argocd repo list` (or the UI) shows the repositories Successful',
    },
    {
      id: 'root',
      title: 'Apply the root Application',
      commands: ['kubectl apply -f dist/apps/apps.yaml', 'kubectl -n argocd get applications -w'],
      done: 'every Application is Synced and Healthy',
    },
    {
      id: 'waves',
      title: 'Argo CD syncs the rest in waves',
      commands: [
        Object.entries(APP_WAVES)
          .sort(([, a], [, b]) => a - b)
          .map(([n, w]) => `${w}:${n}`)
          .join(' → '),
      ],
      done: `https://argocd.${site.cluster.domain} shows all applications green`,
    },
  ];
}

export function renderDay0(site: Site): string {
  return [
    `# Day 0 to synced — ${site.cluster.name}`,
    '',
    'Generated from `day0/bootstrap.ts` (`day0Steps`); run from a clone of this repository.',
    '',
    ...day0Steps(site).flatMap((s, i) => [`${i + 1}. **${s.title}**`, '', '   ```sh', ...s.commands.map((c) => `   ${c}`), '   ```', '', `   Done when: ${s.done}.`, '']),
    'If a sync fails: `kubectl -n argocd get applications`, `argocd app get <app> --show-operation`, fix in git, commit `dist/`, `argocd app sync <app>`. To pause GitOps for a manual repair: `kubectl -n argocd patch application <app> --type merge -p \'{"spec":{"syncPolicy":{"automated":null}}}\'`, then re-apply `dist/apps/apps.yaml`.',
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
  ctx.addFile('bootstrap/DAY0.md', () => renderDay0(site));
  ctx.addFile('bootstrap/RUNBOOK.md', () => renderRunbook(ctx));
}
