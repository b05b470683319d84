/**
 * The site configuration: one typed, validated description of a homelab.
 *
 * Every field has a default, so `{}` describes the example single-node homelab that site.yaml ships as.
 * Address defaults that depend on other fields are filled in before these (config/addresses.ts). Objects are
 * strict: an unknown key is an error, so a typo never silently falls back to a default.
 */
import { isIP } from 'node:net';
import { z } from 'zod';
import { EXAMPLE_CA_PEM, needsPrivateCa } from './trust';
import { EXAMPLE_VAULT_ADDRESS } from './addresses';
import { loadBalancerIssues } from './loadbalancer';
import { EXAMPLE_REPO_URL, gitIssues } from './git';
import { caCertificates, cpuCores, dexConfig, gitRef, gitUrl, httpsUrl, repoPath } from './scalars';

/** The example site's Vault; the example CA and Vault IP are defaults only while the address is this one. */
export { EXAMPLE_VAULT_ADDRESS };

// ---------------------------------------------------------------------------------------------------------
// Scalars
// ---------------------------------------------------------------------------------------------------------

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** RFC 1123 label: lower-case alphanumerics and '-', 1-63 chars, starting and ending alphanumeric. */
export const dnsLabel = z.string().regex(DNS_LABEL, {
  message: 'a DNS label (RFC 1123): lower-case letters, digits and "-", 1-63 characters, starting and ending with a letter or digit',
});

/** A domain: two or more DNS labels joined by dots, at most 253 characters. */
export const domainName = z
  .string()
  .max(253, { message: 'a domain name of at most 253 characters' })
  .refine((s) => s.split('.').length >= 2 && s.split('.').every((l) => DNS_LABEL.test(l)), {
    message: 'a domain name: two or more DNS labels separated by dots, e.g. "domus.lan"',
  });

export const ipv4 = z.string().refine((s) => isIP(s) === 4, { message: 'an IPv4 address, e.g. 192.168.10.20' });

export const cidr = z.string().refine(
  (s) => {
    const [addr, bits, ...rest] = s.split('/');
    if (rest.length > 0 || addr === undefined || bits === undefined || !/^\d{1,2}$/.test(bits)) return false;
    return isIP(addr) === 4 && Number(bits) <= 32;
  },
  { message: 'an IPv4 CIDR, e.g. 192.168.10.0/24' },
);

export const cpuQuantity = z.string().regex(/^([1-9]\d*m|\d+(\.\d+)?)$/, {
  message: 'a CPU quantity such as "100m" or "1.5"',
});
export const memoryQuantity = z.string().regex(/^[1-9]\d*(Ki|Mi|Gi|Ti)$/, {
  message: 'a memory/storage quantity with a binary unit such as "256Mi" or "10Gi"',
});
/** Image tags are pins: never `latest`, never empty. */
export const imageTag = z
  .string()
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_.+-]{0,127}$/, { message: 'an image tag such as "v3.5.0"' })
  .refine((t) => t !== 'latest', { message: 'a pinned tag; "latest" is not allowed' });

/** One known_hosts line: host[,host…] key-type base64-key (no markers, no comments with newlines). */
const knownHostsLine = z.string().regex(/^(\[[A-Za-z0-9.-]+\]:\d{1,5}|[A-Za-z0-9.-]+)(,(\[[A-Za-z0-9.-]+\]:\d{1,5}|[A-Za-z0-9.-]+))* (ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp256|ecdsa-sha2-nistp384|ecdsa-sha2-nistp521) [A-Za-z0-9+/]+=*$/, {
  message: 'a known_hosts line "host key-type base64-key", e.g. from ssh-keyscan git.domus.lan',
});

const duration = z.string().regex(/^\d+(s|m|h|d|w|y)$/, { message: 'a duration such as "15d" or "12h"' });

// ---------------------------------------------------------------------------------------------------------
// Building blocks shared by the workloads
// ---------------------------------------------------------------------------------------------------------

export const resourcesSchema = z
  .strictObject({
    requests: z.strictObject({ cpu: cpuQuantity, memory: memoryQuantity }),
    limits: z.strictObject({ cpu: cpuQuantity, memory: memoryQuantity }),
  })
  // The API server rejects a container whose request exceeds its limit; say so here, with the field.
  .superRefine((r, ctx) => {
    if (cpuCores(r.requests.cpu) > cpuCores(r.limits.cpu)) ctx.addIssue({ code: 'custom', path: ['requests', 'cpu'], input: r.requests.cpu, message: `at most the CPU limit (${r.limits.cpu})` });
    if (toMi(r.requests.memory) > toMi(r.limits.memory)) ctx.addIssue({ code: 'custom', path: ['requests', 'memory'], input: r.requests.memory, message: `at most the memory limit (${r.limits.memory})` });
  });
export type Resources = z.infer<typeof resourcesSchema>;

/** Requests and limits; the CPU limit defaults to 4× the request (bursty homelab load, bounded). */
function res(reqCpu: string, reqMem: string, limMem: string, limCpu?: string): Resources {
  const cpuLimit = limCpu ?? (reqCpu.endsWith('m') ? `${parseInt(reqCpu, 10) * 4}m` : String(Number(reqCpu) * 4));
  return { requests: { cpu: reqCpu, memory: reqMem }, limits: { cpu: cpuLimit, memory: limMem } };
}

/** Fields every workload (or workload component) has. */
function component(defaults: { replicas?: number; resources: Resources }) {
  return {
    replicas: z.number().int().min(1).max(16).default(defaults.replicas ?? 1),
    resources: resourcesSchema.default(defaults.resources),
  };
}

/**
 * Override of a pinned image tag (config/versions.ts): the container image AND its app.kubernetes.io/version
 * label. Only where the image is pinned on its own; components that must run the same release as their
 * siblings (Argo CD's controller/server/repo server, Wazuh's indexer/manager/dashboard) take the app's one.
 */
const versionOverride = { version: imageTag.optional() };

/** A component with a data volume of this default size. */
function statefulComponent(defaults: { replicas?: number; resources: Resources; storage: string }) {
  return { ...component(defaults), storage: memoryQuantity.default(defaults.storage) };
}

// ---------------------------------------------------------------------------------------------------------
// The site
// ---------------------------------------------------------------------------------------------------------

const nodeSchema = z.strictObject({
  name: dnsLabel,
  ip: ipv4,
  roles: z.array(z.enum(['server', 'agent'])).min(1).default(['server']),
  /** Allocatable capacity, used by the capacity check of `npm run verify`. */
  capacity: z.strictObject({ cpu: cpuQuantity, memory: memoryQuantity }).default({ cpu: '4', memory: '16Gi' }),
});

const namespacesSchema = z
  .strictObject({
    monitoring: dnsLabel.default('monitoring'),
    argocd: dnsLabel.default('argocd'),
    ingress: dnsLabel.default('ingress'),
    security: dnsLabel.default('security'),
    storage: dnsLabel.default('storage'),
    vault: dnsLabel.default('vault'),
  })
  .prefault({});

const bucketSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { message: 'an S3 bucket name: 3-63 lower-case letters, digits, "." or "-"' }),
  versioning: z.boolean().default(false),
});

export const siteSchema = z.strictObject({
  cluster: z
    .strictObject({
      name: dnsLabel.default('domus'),
      domain: domainName.default('domus.lan'),
      /** The LAN the nodes live in; pod and service ranges must not overlap it (rules: config/addresses.ts). */
      lanCidr: cidr.default('192.168.10.0/24'),
      podCidr: cidr.default('10.42.0.0/16'),
      serviceCidr: cidr.default('10.43.0.0/16'),
      clusterDns: ipv4.default('10.43.0.10'),
      /** Hard (required) or soft (preferred) pod anti-affinity for replicated workloads. */
      antiAffinity: z.enum(['required', 'preferred']).default('required'),
    })
    .prefault({}),
  nodes: z.array(nodeSchema).min(1).default([{ name: 'node-01', ip: '192.168.10.20', roles: ['server'], capacity: { cpu: '4', memory: '16Gi' } }]),
  storage: z.strictObject({ storageClass: dnsLabel.default('local-path') }).prefault({}),
  cilium: z
    .strictObject({
      /** Hubble relay and UI (the UI is published at hubble.<domain> behind the admin allowlist). */
      hubbleUi: z.boolean().default(true),
      /** `kubernetes`: pod CIDRs from k3s' cluster-cidr (cluster.podCidr), so the LAN never overlaps. */
      ipamMode: z.enum(['kubernetes', 'cluster-pool']).default('kubernetes'),
    })
    .prefault({}),
  loadBalancer: z
    .strictObject({
      /**
       * `cilium`: Cilium LB-IPAM + L2 announcements from `pool`, client addresses kept (k3s' ServiceLB is then
       * disabled); `servicelb`: k3s' klipper-lb answers on the node IPs and masquerades, so no IP allow-list.
       * See docs/adr/0070-loadbalancer-provider.md. @default 'cilium'
       */
      provider: z.enum(['servicelb', 'cilium']).default('cilium'),
      /** Traefik's address (cilium only). @default the first address of `pool[0]` */
      ingressIp: ipv4.optional(),
      /** Address of the Wazuh agent endpoints 1514/1515, shared by both Services (cilium only). @default the second address of `pool[0]` */
      wazuhIp: ipv4.optional(),
      /** Free LAN addresses, inside cluster.lanCidr and outside DHCP, for LB-IPAM (cilium only).
       * @default ['192.168.10.240/28'] on the example LAN; required with cilium on any other (config/addresses.ts) */
      pool: z.array(cidr).default([]),
    })
    .prefault({}),
  vault: z
    .strictObject({
      /** @default 'https://vault.domus.lan:8200' (the example site's Vault) */
      address: httpsUrl.default(EXAMPLE_VAULT_ADDRESS),
      /**
       * The Vault host's address(es), for the CIDR egress rule; [] = an FQDN rule on the URL's host name.
       * @default [<ip>/32] when `address` is an IPv4 literal; the example's host only while `address` and
       * cluster.lanCidr are the example's; [] (FQDN rule) for a Vault of your own by name (config/addresses.ts).
       */
      cidrs: z.array(cidr).optional(),
      /** Kubernetes auth mount on the external Vault (one per cluster). @default k3s-<cluster.name> (config/addresses.ts). */
      authMount: z.string().max(128).regex(/^[a-z0-9][a-z0-9_-]*(\/[a-z0-9_-]+)*$/, { message: 'a Vault mount path such as "k3s-homelab"' }).default('k3s-domus'),
      /** KV v2 mount holding the stack's secrets. */
      kvMount: z.string().max(128).regex(/^[a-z0-9][a-z0-9_-]*$/, { message: 'a Vault mount name such as "kv"' }).default('kv'),
      /** PKI mount and role that issue the stack's TLS certificates. */
      pkiMount: z.string().max(128).regex(/^[a-z0-9][a-z0-9_-]*$/, { message: 'a Vault mount name such as "pki_int"' }).default('pki_int'),
      pkiRole: dnsLabel.default('homelab'),
      /**
       * PEM of the CA that signed Vault's TLS certificate (public part; one or more CA certificates). Every
       * Vault agent trusts it (the injector passes it to each agent). Required when `address` is a private name
       * or an IP (see config/trust.ts); omit it only for a publicly trusted Vault (the agent's system roots).
       * @default the example CA (config/trust.ts EXAMPLE_CA_PEM) while `address` is the example's, else none
       */
      caCert: caCertificates.optional(),
    })
    .transform((v) => {
      // Example values belong to the example address: a site with its own Vault gets no example IP or CA.
      // vault.cidrs was derived from the address and the LAN before validation (config/addresses.ts).
      const example = v.address === EXAMPLE_VAULT_ADDRESS;
      return { ...v, cidrs: v.cidrs ?? [], caCert: v.caCert ?? (example ? EXAMPLE_CA_PEM : undefined) };
    })
    .prefault({}),
  git: z
    .strictObject({
      repoURL: gitUrl.default(EXAMPLE_REPO_URL),
      revision: gitRef.default('main'),
      /** Folder of the repository that holds the synthesized output. */
      path: repoPath.default('dist'),
      /**
       * PEM of the CA that signed the git server's TLS certificate (public part), for argocd-tls-certs-cm.
       * @default the example CA while repoURL is the example URL; required for any other https host with a
       * private name (config/git.ts gitIssues).
       */
      caCert: caCertificates.optional(),
      /** known_hosts lines for ssh:// and git@ repositories (argocd-ssh-known-hosts-cm). @default [] */
      sshKnownHosts: z.array(knownHostsLine).default([]),
      /**
       * LAN mirrors of the upstream repositories whose CRDs Argo CD installs, holding the pinned tags.
       * @default siblings of repoURL: <owner folder>/argo-cd.git and <owner folder>/traefik.git
       */
      mirrors: z.strictObject({ argocd: gitUrl.optional(), traefik: gitUrl.optional() }).prefault({}),
    })
    .prefault({}),
  namespaces: namespacesSchema,
  workloads: z
    .strictObject({
      prometheus: z
        .strictObject({
          enabled: z.boolean().default(true),
          ...versionOverride,
          ...statefulComponent({ resources: res('200m', '1Gi', '2Gi'), storage: '20Gi' }),
          retention: duration.default('15d'),
        })
        .prefault({}),
      grafana: z
        .strictObject({ enabled: z.boolean().default(true), ...versionOverride, ...component({ resources: res('100m', '256Mi', '512Mi') }) })
        .prefault({}),
      argocd: z
        .strictObject({
          enabled: z.boolean().default(true),
          version: imageTag.optional(),
          /** Dex for SSO. Off by default: the local admin account is enough for one operator. */
          dex: z
            .strictObject({
              enabled: z.boolean().default(false),
              /** Dex connectors as YAML (argocd-cm `dex.config`); secrets referenced as `$dex.<key>` from argocd-secret, never inline. */
              config: dexConfig.default(''),
              /** Identity-provider hosts Dex calls (HTTPS). */
              issuerHosts: z.array(domainName).default([]),
              resources: resourcesSchema.default(res('20m', '64Mi', '128Mi')),
            })
            .prefault({}),
          controller: z.strictObject(component({ resources: res('250m', '512Mi', '1Gi') })).prefault({}),
          repoServer: z.strictObject(component({ resources: res('100m', '256Mi', '1Gi') })).prefault({}),
          server: z.strictObject(component({ resources: res('50m', '128Mi', '256Mi') })).prefault({}),
          /** Redis is its own image (config/versions.ts argocdRedis): `version` overrides that pin. */
          redis: z.strictObject({ ...versionOverride, ...component({ resources: res('50m', '64Mi', '128Mi') }) }).prefault({}),
          applicationSet: z.strictObject(component({ resources: res('50m', '64Mi', '256Mi') })).prefault({}),
        })
        .prefault({}),
      traefik: z
        .strictObject({
          enabled: z.boolean().default(true),
          /**
           * One pod per node, so whichever node holds the LoadBalancer address serves it locally and keeps the
           * client address (externalTrafficPolicy Local; ADR-0070); or a Deployment of `replicas`.
           * @default 'DaemonSet'
           */
          kind: z.enum(['Deployment', 'DaemonSet']).default('DaemonSet'),
          ...versionOverride,
          ...component({ resources: res('100m', '128Mi', '256Mi') }),
          /**
           * Source ranges allowed to reach the admin UIs (Prometheus, Traefik dashboard, Hubble). Needs a provider
           * that keeps client addresses; [] leaves them to `kubectl port-forward`.
           * @default [cluster.lanCidr] with provider cilium, [] with servicelb (config/addresses.ts).
           */
          adminAllowCidrs: z.array(cidr).default(['192.168.10.0/24']),
        })
        .prefault({}),
      /**
       * Wazuh. Its credentials live in Vault KV `<kvMount>/security/wazuh`, outside this file; what each key may
       * contain (cluster key: exactly 32 letters/digits; API password: the Wazuh API policy) is in
       * config/wazuh-secrets.ts, checked by the containers at start and listed in docs/runbook.md.
       */
      wazuh: z
        .strictObject({
          enabled: z.boolean().default(true),
          version: imageTag.optional(),
          indexer: z
            .strictObject({
              ...statefulComponent({ resources: res('500m', '1536Mi', '2Gi'), storage: '20Gi' }),
              /** JVM heap (-Xms/-Xmx); must leave room below the memory limit. */
              heap: z.string().regex(/^[1-9]\d*[mg]$/, { message: 'a JVM heap size such as "1g" or "768m"' }).default('1g'),
            })
            .prefault({}),
          master: z.strictObject(statefulComponent({ resources: res('200m', '512Mi', '1Gi'), storage: '5Gi' })).prefault({}),
          worker: z.strictObject(statefulComponent({ resources: res('200m', '512Mi', '1Gi'), storage: '5Gi' })).prefault({}),
          dashboard: z.strictObject(component({ resources: res('100m', '512Mi', '1Gi') })).prefault({}),
          /** FQDNs the managers may download CTI/vulnerability feeds from; empty = feeds off. */
          feedHosts: z.array(domainName).default(['cti.wazuh.com', 'packages.wazuh.com']),
        })
        .prefault({}),
      minio: z
        .strictObject({
          enabled: z.boolean().default(true),
          version: imageTag.optional(),
          /** `standalone`: one pod, one drive. `distributed`: `pods` × `drivesPerPod` with erasure coding. */
          mode: z.enum(['standalone', 'distributed']).default('standalone'),
          pods: z.number().int().min(1).max(32).default(1),
          drivesPerPod: z.number().int().min(1).max(16).default(1),
          storage: memoryQuantity.default('50Gi'),
          resources: resourcesSchema.default(res('100m', '512Mi', '1Gi')),
          buckets: z.array(bucketSchema).default([{ name: 'backups', versioning: true }, { name: 'loki', versioning: false }]),
          /**
           * In-cluster S3 clients allowed to reach :9000 besides Traefik and Prometheus: workloads of the stack by
           * namespace and name (app.kubernetes.io/name). An entry whose workload is not deployed adds no rule.
           */
          clients: z.array(z.strictObject({ namespace: dnsLabel, app: dnsLabel })).default([{ namespace: 'monitoring', app: 'loki' }, { namespace: 'velero', app: 'velero' }]),
          /** The `minio-buckets` Job (mc) that creates the buckets after each sync. */
          bucketJob: z.strictObject({ resources: resourcesSchema.default(res('10m', '32Mi', '128Mi', '200m')) }).prefault({}),
        })
        .prefault({}),
    })
    .prefault({}),
});

export type SiteInput = z.input<typeof siteSchema>;
export type Site = z.output<typeof siteSchema>;

/**
 * Rules that span fields. They run only when every field is valid on its own, and each names the field it
 * blames so the message points at what to change.
 */
export function crossFieldIssues(site: Site): { path: (string | number)[]; value: unknown; message: string }[] {
  const out: { path: (string | number)[]; value: unknown; message: string }[] = [];
  const nodes = site.nodes.length;

  if (!site.nodes.some((n) => n.roles.includes('server'))) {
    out.push({ path: ['nodes'], value: site.nodes.map((n) => n.name), message: 'at least one node with the role "server"' });
  }
  const seen = new Map<string, number>();
  site.nodes.forEach((n, i) => {
    for (const key of [`name:${n.name}`, `ip:${n.ip}`]) {
      if (seen.has(key)) out.push({ path: ['nodes', i, key.split(':')[0] as string], value: key.slice(key.indexOf(':') + 1), message: `a value unique across nodes (nodes[${seen.get(key)}] has it too)` });
      seen.set(key, i);
    }
  });

  // Replicas beyond the node count cannot schedule under required anti-affinity.
  if (site.cluster.antiAffinity === 'required') {
    const replicated: [string[], number][] = [
      [['workloads', 'prometheus', 'replicas'], site.workloads.prometheus.replicas],
      [['workloads', 'grafana', 'replicas'], site.workloads.grafana.replicas],
      [['workloads', 'traefik', 'replicas'], site.workloads.traefik.replicas],
      [['workloads', 'argocd', 'server', 'replicas'], site.workloads.argocd.server.replicas],
      [['workloads', 'argocd', 'repoServer', 'replicas'], site.workloads.argocd.repoServer.replicas],
      [['workloads', 'wazuh', 'indexer', 'replicas'], site.workloads.wazuh.indexer.replicas],
      [['workloads', 'wazuh', 'worker', 'replicas'], site.workloads.wazuh.worker.replicas],
      [['workloads', 'wazuh', 'dashboard', 'replicas'], site.workloads.wazuh.dashboard.replicas],
    ];
    for (const [path, replicas] of replicated) {
      if (replicas > nodes) out.push({ path, value: replicas, message: `at most ${nodes} (one replica per node: cluster.antiAffinity is "required" and there ${nodes === 1 ? 'is 1 node' : `are ${nodes} nodes`})` });
    }
  }
  for (const [path, replicas] of [
    [['workloads', 'argocd', 'controller', 'replicas'], site.workloads.argocd.controller.replicas],
    [['workloads', 'argocd', 'redis', 'replicas'], site.workloads.argocd.redis.replicas],
    [['workloads', 'wazuh', 'master', 'replicas'], site.workloads.wazuh.master.replicas],
  ] as [string[], number][]) {
    if (replicas !== 1) out.push({ path, value: replicas, message: '1 (this component is a singleton; scale its siblings instead)' });
  }
  const dex = site.workloads.argocd.dex;
  if (dex.enabled && (dex.config.trim() === '' || dex.issuerHosts.length === 0)) {
    out.push({ path: ['workloads', 'argocd', 'dex', dex.config.trim() === '' ? 'config' : 'issuerHosts'], value: dex.enabled ? (dex.config.trim() === '' ? dex.config : dex.issuerHosts) : undefined, message: 'a Dex connector configuration and the identity provider hosts when dex.enabled is true' });
  }
  if (site.workloads.traefik.kind === 'DaemonSet' && site.workloads.traefik.replicas !== 1) {
    out.push({ path: ['workloads', 'traefik', 'replicas'], value: site.workloads.traefik.replicas, message: '1 when kind is "DaemonSet" (one pod per node; replicas does not apply)' });
  }

  // MinIO layouts MinIO itself would refuse (see minioErasureLayout), plus the stack's floor of 4 drives.
  const m = site.workloads.minio;
  if (m.mode === 'standalone') {
    for (const field of ['pods', 'drivesPerPod'] as const) {
      if (m[field] !== 1) out.push({ path: ['workloads', 'minio', field], value: m[field], message: '1 when workloads.minio.mode is "standalone" (one pod, one drive); set mode: distributed for erasure-coded pods × drives' });
    }
  } else {
    const layout = minioErasureLayout(m.pods, m.drivesPerPod);
    if ('problem' in layout) out.push({ path: ['workloads', 'minio', layout.field], value: m[layout.field], message: layout.problem });
    if (m.pods > nodes && site.cluster.antiAffinity === 'required') {
      out.push({ path: ['workloads', 'minio', 'pods'], value: m.pods, message: `at most ${nodes} (one MinIO pod per node: cluster.antiAffinity is "required" and there ${nodes === 1 ? 'is 1 node' : `are ${nodes} nodes`})` });
    }
  }
  const names = new Set<string>();
  m.buckets.forEach((b, i) => {
    if (names.has(b.name)) out.push({ path: ['workloads', 'minio', 'buckets', i, 'name'], value: b.name, message: 'a bucket name that is declared once' });
    names.add(b.name);
  });

  out.push(...gitIssues(site));

  const nsValues = Object.entries(site.namespaces);
  const byName = new Map<string, string>();
  for (const [key, ns] of nsValues) {
    if (['kube-system', 'kube-public', 'kube-node-lease', 'default'].includes(ns)) out.push({ path: ['namespaces', key], value: ns, message: 'a namespace of the stack, not a Kubernetes system namespace' });
    if (byName.has(ns)) out.push({ path: ['namespaces', key], value: ns, message: `a namespace distinct from namespaces.${byName.get(ns)}` });
    byName.set(ns, key);
  }

  // Vault's certificate must be verifiable by every agent: a private name has no public CA, and skip-verify is
  // never an option. The example CA only ever matches the example Vault.
  const vaultHost = new URL(site.vault.address).hostname;
  if (site.vault.caCert === undefined && needsPrivateCa(vaultHost)) {
    out.push({ path: ['vault', 'caCert'], value: undefined, message: `the PEM of the CA that signed Vault's certificate: ${vaultHost} is a private name or an IP, which no public CA certifies, so every Vault agent would fail with x509 errors` });
  }
  if (site.vault.caCert === EXAMPLE_CA_PEM && site.vault.address !== EXAMPLE_VAULT_ADDRESS) {
    out.push({ path: ['vault', 'caCert'], value: '(the example CA)', message: `your own Vault's CA: the example CA belongs to ${EXAMPLE_VAULT_ADDRESS}, not to ${site.vault.address}` });
  }
  out.push(...loadBalancerIssues(site));

  const w = site.workloads.wazuh.indexer;
  const heapMi = w.heap.endsWith('g') ? parseInt(w.heap, 10) * 1024 : parseInt(w.heap, 10);
  const limitMi = toMi(w.resources.limits.memory);
  if (heapMi * 2 > limitMi) {
    out.push({ path: ['workloads', 'wazuh', 'indexer', 'heap'], value: w.heap, message: `at most half of the indexer memory limit (${w.resources.limits.memory}), so the JVM off-heap memory fits` });
  }
  return out;
}

/** Erasure set sizes MinIO chooses from (minio/minio cmd/endpoint-ellipses.go `setSizes`). */
export const MINIO_SET_SIZES: readonly number[] = Array.from({ length: 15 }, (_, i) => i + 2);
/** The stack's floor for distributed mode: below 4 drives the only sets are 2-3 drives at parity 1. */
export const MINIO_MIN_DRIVES = 4;

/**
 * How MinIO lays out `pods` × `drivesPerPod` drives given as `http://minio-{0...N-1}.../data-{0...M-1}` (or
 * `/data-{0...M-1}` for one pod), or why it would refuse to start. Mirrors MinIO's getSetIndexes:
 * 1. the total must be divisible by an erasure set size of 2..16;
 * 2. the set size must be symmetric with the first (host) ellipsis range: it divides the pod count or is a
 *    multiple of it (with one pod the drive range decides), so every set spans the pods evenly;
 * 3. of the sizes left MinIO takes the largest (fewest sets).
 * Every pod has the same drive count by construction, so the pool is always symmetric per node. The stack also
 * refuses fewer than 4 drives: MinIO starts on 2-3, but a 2-drive set stops writes when one pod is down.
 */
export function minioErasureLayout(pods: number, drivesPerPod: number): { setSize: number; sets: number } | { field: 'pods' | 'drivesPerPod'; problem: string } {
  const total = pods * drivesPerPod;
  const shape = `pods × drivesPerPod = ${pods} × ${drivesPerPod} = ${total} drive${total === 1 ? '' : 's'}`;
  if (total < MINIO_MIN_DRIVES) {
    return {
      field: pods > 1 || drivesPerPod === 1 ? 'pods' : 'drivesPerPod',
      problem: `at least ${MINIO_MIN_DRIVES} drives in total in distributed mode (${shape}); e.g. pods: 4 with drivesPerPod: 1, pods: 2 with drivesPerPod: 2, or pods: 1 with drivesPerPod: 4`,
    };
  }
  const divisors = MINIO_SET_SIZES.filter((s) => total % s === 0);
  if (divisors.length === 0) {
    return { field: 'pods', problem: `a drive count divisible by an erasure set size from 2 to 16 (${shape}, which none divides; MinIO refuses to start): change pods or use drivesPerPod ≥ 2` };
  }
  const rangeLength = pods > 1 ? pods : drivesPerPod;
  const symmetric = divisors.filter((s) => (rangeLength > s ? rangeLength % s === 0 : s % rangeLength === 0));
  if (symmetric.length === 0) {
    return {
      field: 'pods',
      problem: `a pod count MinIO can spread erasure sets over evenly (${shape}: no set size from 2 to 16 divides the total and also divides ${pods} or is a multiple of it; MinIO refuses to start): pick a pod count with a divisor between 2 and 16`,
    };
  }
  const setSize = Math.max(...symmetric);
  return { setSize, sets: total / setSize };
}

/** Mebibytes of a binary memory quantity (validated by memoryQuantity). */
export function toMi(q: string): number {
  const n = parseInt(q, 10);
  if (q.endsWith('Ki')) return n / 1024;
  if (q.endsWith('Gi')) return n * 1024;
  if (q.endsWith('Ti')) return n * 1024 * 1024;
  return n;
}
