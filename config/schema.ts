/**
 * The site configuration: one typed, validated description of a homelab.
 *
 * Every field has a default, so `{}` describes the example single-node homelab that site.yaml ships as.
 * Address defaults that depend on other fields are filled in before these (config/addresses.ts). Objects are
 * strict: an unknown key is an error, so a typo never silently falls back to a default.
 */
import { z } from 'zod';
import type { AppDefinition } from '../constructs/lib/app';
import { EXAMPLE_CA_PEM, needsPrivateCa } from './trust';
import { EXAMPLE_VAULT_ADDRESS } from './addresses';
import { loadBalancerIssues } from './loadbalancer';
import { hostileIssues } from './hostile';
import { EXAMPLE_REPO_URL, gitIssues } from './git';
import { caCertificates, gitRef, gitUrl, httpsUrl, repoPath } from './scalars';
import { cidr, cpuQuantity, dnsLabel, domainName, ipv4, memoryQuantity } from './fields';

// The building blocks moved to config/fields.ts (no app imports it cannot); re-exported for existing importers.
export {
  cidr,
  component,
  cpuQuantity,
  dnsLabel,
  domainName,
  duration,
  imageTag,
  ipv4,
  memoryQuantity,
  res,
  resourcesSchema,
  statefulComponent,
  toMi,
  versionOverride,
} from './fields';
export type { Resources } from './fields';
export { MINIO_MIN_DRIVES, MINIO_SET_SIZES, minioErasureLayout } from './minio-layout';

/** The example site's Vault; the example CA and Vault IP are defaults only while the address is this one. */
export { EXAMPLE_VAULT_ADDRESS };

// ---------------------------------------------------------------------------------------------------------
// Scalars
// ---------------------------------------------------------------------------------------------------------

/** One known_hosts line: host[,host…] key-type base64-key (no markers, no comments with newlines). */
const knownHostsLine = z
  .string()
  .regex(
    /^(\[[A-Za-z0-9.-]+\]:\d{1,5}|[A-Za-z0-9.-]+)(,(\[[A-Za-z0-9.-]+\]:\d{1,5}|[A-Za-z0-9.-]+))* (ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp256|ecdsa-sha2-nistp384|ecdsa-sha2-nistp521) [A-Za-z0-9+/]+=*$/,
    {
      message: 'a known_hosts line "host key-type base64-key", e.g. from ssh-keyscan git.domus.lan',
    },
  );

// ---------------------------------------------------------------------------------------------------------
// The site
// ---------------------------------------------------------------------------------------------------------

const nodeSchema = z.strictObject({
  name: dnsLabel,
  ip: ipv4,
  roles: z
    .array(z.enum(['server', 'agent']))
    .min(1)
    .default(['server']),
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

/**
 * The type of `site.workloads` that code reads: one entry per app that declares a slice, added by the app's own
 * file next to its schema (module augmentation; docs/adding-an-app.md):
 *
 *     declare module '../config/schema' {
 *       interface SiteWorkloads { readonly foo: z.output<typeof fooSchema> }
 *     }
 *
 * Why not computed from the registry: every app's callbacks take a Site, so a Site computed from the registry's
 * inferred types is a cycle (each app file then needed an annotation; issue 21). The runtime schema is composed
 * from the registry above both (charts/site-schema.ts), and config/load.ts returns its output as a Site, which
 * type-checks only while each entry here is its app's schema output.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled by the apps' module augmentations
export interface SiteWorkloads {}

/**
 * The site without `workloads` (the apps' slices, composed from the registry in charts/site-schema.ts): the
 * fields the stack itself owns.
 */
export const baseSiteSchema = z.strictObject({
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
  nodes: z
    .array(nodeSchema)
    .min(1)
    .default([{ name: 'node-01', ip: '192.168.10.20', roles: ['server'], capacity: { cpu: '4', memory: '16Gi' } }]),
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
      authMount: z
        .string()
        .max(128)
        .regex(/^[a-z0-9][a-z0-9_-]*(\/[a-z0-9_-]+)*$/, { message: 'a Vault mount path such as "k3s-homelab"' })
        .default('k3s-domus'),
      /** KV v2 mount holding the stack's secrets. */
      kvMount: z
        .string()
        .max(128)
        .regex(/^[a-z0-9][a-z0-9_-]*$/, { message: 'a Vault mount name such as "kv"' })
        .default('kv'),
      /** PKI mount and role that issue the stack's TLS certificates. */
      pkiMount: z
        .string()
        .max(128)
        .regex(/^[a-z0-9][a-z0-9_-]*$/, { message: 'a Vault mount name such as "pki_int"' })
        .default('pki_int'),
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
});

/** The validated site: the stack's fields and the apps' slices (each typed by its app's SiteWorkloads entry). */
export type Site = z.output<typeof baseSiteSchema> & { readonly workloads: SiteWorkloads };
/** What a site file may say (every field optional), from the composed schema. */
export type { SiteInput } from '../charts/site-schema';

/**
 * Rules that span fields. They run only when every field is valid on its own, and each names the field it
 * blames so the message points at what to change.
 */
export function crossFieldIssues(site: Site, apps: readonly AppDefinition[]): { path: (string | number)[]; value: unknown; message: string }[] {
  const out: { path: (string | number)[]; value: unknown; message: string }[] = [];
  const nodes = site.nodes.length;

  if (!site.nodes.some((n) => n.roles.includes('server'))) {
    out.push({ path: ['nodes'], value: site.nodes.map((n) => n.name), message: 'at least one node with the role "server"' });
  }
  const seen = new Map<string, number>();
  site.nodes.forEach((n, i) => {
    for (const key of [`name:${n.name}`, `ip:${n.ip}`]) {
      if (seen.has(key))
        out.push({
          path: ['nodes', i, key.split(':')[0] as string],
          value: key.slice(key.indexOf(':') + 1),
          message: `a value unique across nodes (nodes[${seen.get(key)}] has it too)`,
        });
      seen.set(key, i);
    }
  });

  // Replicas beyond the node count cannot schedule under required anti-affinity; singletons stay at 1. Which
  // components are which is declared by each app (constructs/lib/app.ts `replicated`, `singletons`).
  const workloads = site.workloads as unknown as Readonly<Record<string, unknown>>;
  const replicasAt = (key: string, path: readonly string[]): number | undefined => {
    let v: unknown = workloads[key];
    for (const p of path) v = typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[p] : undefined;
    return typeof v === 'number' ? v : undefined;
  };
  if (site.cluster.antiAffinity === 'required') {
    for (const app of apps) {
      for (const path of app.replicated ?? []) {
        const replicas = replicasAt(app.key, path);
        if (replicas !== undefined && replicas > nodes)
          out.push({
            path: ['workloads', app.key, ...path],
            value: replicas,
            message: `at most ${nodes} (one replica per node: cluster.antiAffinity is "required" and there ${nodes === 1 ? 'is 1 node' : `are ${nodes} nodes`})`,
          });
      }
    }
  }
  for (const app of apps) {
    for (const path of app.singletons ?? []) {
      const replicas = replicasAt(app.key, path);
      if (replicas !== undefined && replicas !== 1)
        out.push({ path: ['workloads', app.key, ...path], value: replicas, message: '1 (this component is a singleton; scale its siblings instead)' });
    }
  }
  // Each app's rules about its own slice (constructs/lib/app.ts `siteIssues`), paths inside workloads.<key>.
  for (const app of apps) {
    for (const i of app.siteIssues?.(site) ?? []) out.push({ path: ['workloads', app.key, ...i.path], value: i.value, message: i.message });
  }

  out.push(...gitIssues(site));

  const nsValues = Object.entries(site.namespaces);
  const byName = new Map<string, string>();
  for (const [key, ns] of nsValues) {
    if (['kube-system', 'kube-public', 'kube-node-lease', 'default'].includes(ns))
      out.push({ path: ['namespaces', key], value: ns, message: 'a namespace of the stack, not a Kubernetes system namespace' });
    if (byName.has(ns)) out.push({ path: ['namespaces', key], value: ns, message: `a namespace distinct from namespaces.${byName.get(ns)}` });
    byName.set(ns, key);
  }

  // Vault's certificate must be verifiable by every agent: a private name has no public CA, and skip-verify is
  // never an option. The example CA only ever matches the example Vault.
  const vaultHost = new URL(site.vault.address).hostname;
  if (site.vault.caCert === undefined && needsPrivateCa(vaultHost)) {
    out.push({
      path: ['vault', 'caCert'],
      value: undefined,
      message: `the PEM of the CA that signed Vault's certificate: ${vaultHost} is a private name or an IP, which no public CA certifies, so every Vault agent would fail with x509 errors`,
    });
  }
  if (site.vault.caCert === EXAMPLE_CA_PEM && site.vault.address !== EXAMPLE_VAULT_ADDRESS) {
    out.push({
      path: ['vault', 'caCert'],
      value: '(the example CA)',
      message: `your own Vault's CA: the example CA belongs to ${EXAMPLE_VAULT_ADDRESS}, not to ${site.vault.address}`,
    });
  }
  out.push(...loadBalancerIssues(site));
  // Issue 25: values that validate field by field but break or open the cluster (config/hostile.ts).
  out.push(...hostileIssues(site, apps));

  return out;
}
