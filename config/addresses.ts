/**
 * The site's addresses: defaults that follow from the fields they depend on, and the rules every address obeys.
 *
 * A fork changes `cluster.lanCidr`; nothing of the example LAN may survive that silently. So the admin
 * allow-list defaults to the site's own LAN, Vault's CIDRs come from `vault.address` (an IP literal gives its
 * /32) or must be written, and every address is checked against the LAN and against the others. The rules
 * read the raw input field by field and skip a rule whose inputs are themselves invalid, so they report
 * together with the per-field errors instead of after them.
 */
import { isIP } from 'node:net';

/** The example site's LAN and Vault: the defaults that only hold while the site keeps them. */
export const EXAMPLE_LAN = '192.168.10.0/24';
export const EXAMPLE_VAULT_ADDRESS = 'https://vault.domus.lan:8200';
export const EXAMPLE_VAULT_CIDRS: readonly string[] = ['192.168.10.5/32'];
export const EXAMPLE_NODE_IP = '192.168.10.20';
/** The example's LB-IPAM pool: free addresses of the example LAN, so only ever the default on that LAN. */
export const EXAMPLE_LB_POOL: readonly string[] = ['192.168.10.240/28'];

export interface AddressIssue {
  readonly path: (string | number)[];
  readonly value: unknown;
  readonly message: string;
}

interface Net {
  readonly text: string;
  readonly base: number;
  readonly bits: number;
}

export function ipToInt(s: unknown): number | undefined {
  if (typeof s !== 'string' || isIP(s) !== 4) return undefined;
  return s.split('.').reduce((n, o) => n * 256 + Number(o), 0);
}

function intToIp(n: number): string {
  return [24, 16, 8, 0].map((s) => String(Math.floor(n / 2 ** s) % 256)).join('.');
}

function maskOf(bits: number): number {
  return bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
}

/** A valid IPv4 CIDR, or undefined (the schema reports the malformed ones). */
export function parseCidr(s: unknown): Net | undefined {
  if (typeof s !== 'string') return undefined;
  const m = /^([0-9.]+)\/(\d{1,2})$/.exec(s);
  const addr = m ? ipToInt(m[1]) : undefined;
  if (!m || addr === undefined || Number(m[2]) > 32) return undefined;
  return { text: s, base: addr, bits: Number(m[2]) };
}

/** The CIDR with its host bits cleared: what the operator most likely meant. */
export function networkOf(n: Net): string {
  return `${intToIp((n.base & maskOf(n.bits)) >>> 0)}/${n.bits}`;
}

function contains(n: Net, ip: number): boolean {
  return (ip & maskOf(n.bits)) >>> 0 === (n.base & maskOf(n.bits)) >>> 0;
}

function overlaps(a: Net, b: Net): boolean {
  const m = maskOf(Math.min(a.bits, b.bits));
  return (a.base & m) >>> 0 === (b.base & m) >>> 0;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The object at `key` of `parent`, created when absent; undefined when something else is there. */
function child(parent: Obj, key: string): Obj | undefined {
  if (parent[key] === undefined) parent[key] = {};
  const c = parent[key];
  return isObj(c) ? c : undefined;
}

/**
 * Fills the address defaults that depend on other fields into a copy of the raw input, before the schema
 * applies its static ones. Returns the input to validate and the fields that have no default here.
 *
 * - `workloads.traefik.adminAllowCidrs`: @default [cluster.lanCidr]
 * - `vault.authMount`: @default k3s-<cluster.name>
 * - `vault.cidrs`: @default [<host>/32] when vault.address names an IP; the example's Vault host while both
 *   vault.address and cluster.lanCidr are the example's; otherwise required ([] = egress by the URL's name).
 */
export function withAddressDefaults(input: unknown): { input: unknown; issues: AddressIssue[] } {
  if (!isObj(input)) return { input, issues: [] };
  const site = structuredClone(input);
  const issues: AddressIssue[] = [];
  const cluster = isObj(site.cluster) ? site.cluster : {};
  const lanText = cluster.lanCidr === undefined ? EXAMPLE_LAN : cluster.lanCidr;
  const lan = parseCidr(lanText);

  const workloads = child(site, 'workloads');
  const traefik = workloads && child(workloads, 'traefik');
  // ServiceLB masquerades client addresses (ADR-0070), so an allow-list can only work with Cilium LB-IPAM.
  const lb = isObj(site.loadBalancer) ? site.loadBalancer : {};
  const servicelb = lb.provider === 'servicelb';
  if (traefik && traefik.adminAllowCidrs === undefined && lan) traefik.adminAllowCidrs = servicelb ? [] : [networkOf(lan)];
  // Which LAN addresses are free for LoadBalancer Services only the operator knows: the example pool is the
  // default on the example LAN, anywhere else the pool must be written.
  if (!servicelb && lb.pool === undefined) {
    if (lanText === EXAMPLE_LAN) site.loadBalancer = { ...lb, pool: [...EXAMPLE_LB_POOL] };
    else if (lan) {
      const base = intToIp(((lan.base & maskOf(lan.bits)) >>> 0) + 240);
      issues.push({
        path: ['loadBalancer', 'pool'],
        value: undefined,
        message: `free addresses of ${lan.text} for LoadBalancer Services (outside your DHCP range, no node among them), e.g. [${base}/28]: required with provider cilium once cluster.lanCidr is not the example's (or provider: servicelb)`,
      });
    }
  }

  const vault = isObj(site.vault) ? site.vault : site.vault === undefined ? {} : undefined;
  // One Kubernetes auth mount per cluster on the shared Vault: named after the cluster, not the example.
  if (vault && vault.authMount === undefined && typeof cluster.name === 'string' && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(cluster.name)) {
    vault.authMount = `k3s-${cluster.name}`;
    site.vault = vault;
  }
  if (vault && vault.cidrs === undefined) {
    const address = vault.address === undefined ? EXAMPLE_VAULT_ADDRESS : vault.address;
    let host: string | undefined;
    try {
      // Only a valid vault.address derives anything; the schema reports a malformed one.
      const url = typeof address === 'string' ? new URL(address) : undefined;
      host = url?.protocol === 'https:' && url.hostname !== '' ? url.hostname : undefined;
    } catch {
      host = undefined;
    }
    if (host !== undefined && isIP(host) === 4) {
      // An FQDN rule cannot match an IP literal.
      vault.cidrs = [`${host}/32`];
      site.vault = vault;
    } else if (host !== undefined && address === EXAMPLE_VAULT_ADDRESS) {
      if (lanText === EXAMPLE_LAN) {
        vault.cidrs = [...EXAMPLE_VAULT_CIDRS];
        site.vault = vault;
      } else {
        issues.push({
          path: ['vault', 'cidrs'],
          value: undefined,
          message: `the Vault host's address(es) as CIDRs, e.g. [${lan ? intToIp(((lan.base & maskOf(lan.bits)) >>> 0) + 5) : '192.168.1.5'}/32], or [] to allow egress by the name ${host}: the example Vault's address is only the default on the example LAN`,
        });
      }
    }
    // A Vault of your own by name: [] (the schema's default), an FQDN egress rule on its host name.
  }
  return { input: site, issues };
}

/** The value at `path` of the raw input, or of the example defaults when the input leaves it out. */
function at(input: Obj, defaults: Obj, path: readonly (string | number)[]): unknown {
  let cur: unknown = input;
  for (const p of path) {
    if (cur === undefined) break;
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string | number, unknown>)[p];
  }
  if (cur !== undefined) return cur;
  let d: unknown = defaults;
  for (const p of path) d = typeof d === 'object' && d !== null ? (d as Record<string | number, unknown>)[p] : undefined;
  return d;
}

const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/**
 * Every rule between addresses: no host bits in a CIDR; LAN, pod and service ranges disjoint; cluster DNS
 * inside the service range; node IPs inside the LAN (not its network or broadcast address); load-balancer
 * addresses: with k3s servicelb a node's address, with Cilium LB-IPAM inside the pool and distinct, with a pool
 * inside the LAN that holds no node address. `input` is the raw input after withAddressDefaults; `defaults` the example site.
 */
export function addressIssues(raw: unknown, defaults: Obj): AddressIssue[] {
  if (!isObj(raw)) return [];
  const out: AddressIssue[] = [];
  const get = (...path: (string | number)[]) => at(raw, defaults, path);
  const cidrs = (path: (string | number)[]) => list(get(...path)).map((v, i) => ({ path: [...path, i], net: parseCidr(v) }));

  const lan = parseCidr(get('cluster', 'lanCidr'));
  const pod = parseCidr(get('cluster', 'podCidr'));
  const svc = parseCidr(get('cluster', 'serviceCidr'));
  const pool = cidrs(['loadBalancer', 'pool']);

  for (const { path, net } of [
    { path: ['cluster', 'lanCidr'], net: lan },
    { path: ['cluster', 'podCidr'], net: pod },
    { path: ['cluster', 'serviceCidr'], net: svc },
    ...pool,
    ...cidrs(['vault', 'cidrs']),
    ...cidrs(['workloads', 'traefik', 'adminAllowCidrs']),
  ]) {
    if (net && networkOf(net) !== net.text)
      out.push({ path, value: net.text, message: `a network address with no host bits set: ${networkOf(net)} (the bits after /${net.bits} must be zero)` });
  }

  const ranges: [string, Net | undefined][] = [
    ['lanCidr', lan],
    ['podCidr', pod],
    ['serviceCidr', svc],
  ];
  ranges.forEach(([name, net], i) => {
    for (const [other, o] of ranges.slice(0, i)) {
      if (net && o && overlaps(net, o))
        out.push({
          path: ['cluster', name],
          value: net.text,
          message: `a range disjoint from cluster.${other} (${o.text}); they overlap, so packets for one would be routed to the other`,
        });
    }
  });

  const dns = ipToInt(get('cluster', 'clusterDns'));
  if (dns !== undefined && svc && !contains(svc, dns))
    out.push({
      path: ['cluster', 'clusterDns'],
      value: get('cluster', 'clusterDns'),
      message: `an address inside cluster.serviceCidr (${svc.text}): CoreDNS is a Service and gets its ClusterIP from that range`,
    });

  const nodes = list(get('nodes'));
  const nodeIps = nodes.map((n, i) => ({ i, text: isObj(n) ? n.ip : undefined, ip: isObj(n) ? ipToInt(n.ip) : undefined }));
  for (const n of nodeIps) {
    if (n.ip === undefined || !lan) continue;
    const exampleNode = raw.nodes === undefined && n.text === EXAMPLE_NODE_IP;
    const hint = exampleNode ? ' (this is the example node-01: list your own nodes under `nodes:`)' : '';
    if (!contains(lan, n.ip)) out.push({ path: ['nodes', n.i, 'ip'], value: n.text, message: `an address inside cluster.lanCidr (${lan.text})${hint}` });
    else if (lan.bits <= 30 && (n.ip === (lan.base & maskOf(lan.bits)) >>> 0 || n.ip === (lan.base | ~maskOf(lan.bits)) >>> 0)) {
      out.push({ path: ['nodes', n.i, 'ip'], value: n.text, message: `a host address of cluster.lanCidr (${lan.text}), not its network or broadcast address` });
    }
  }

  const provider = get('loadBalancer', 'provider');
  const lbIps = (['ingressIp', 'wazuhIp'] as const).map((f) => ({ f, text: get('loadBalancer', f), ip: ipToInt(get('loadBalancer', f)) }));
  // Fixed addresses under servicelb and distinct Service addresses: config/loadbalancer.ts (after validation).
  if (provider === 'cilium') {
    // An absent pool off the example LAN was reported by withAddressDefaults already.
    if (list(get('loadBalancer', 'pool')).length === 0 && at(raw, {}, ['loadBalancer', 'pool']) !== undefined) {
      out.push({
        path: ['loadBalancer', 'pool'],
        value: [],
        message: 'at least one CIDR when loadBalancer.provider is "cilium": LB-IPAM assigns LoadBalancer addresses only from its pools',
      });
    }
    pool.forEach(({ path, net }, i) => {
      if (!net) return;
      if (lan && !(net.bits >= lan.bits && contains(lan, net.base)))
        out.push({ path, value: net.text, message: `a range inside cluster.lanCidr (${lan.text}): Cilium's L2 announcements answer ARP only on the node's own network` });
      for (const o of pool.slice(0, i))
        if (o.net && overlaps(net, o.net)) out.push({ path, value: net.text, message: `a range disjoint from loadBalancer.pool[${String(o.path[2])}] (${o.net.text})` });
      for (const n of nodeIps)
        if (n.ip !== undefined && contains(net, n.ip))
          out.push({
            path,
            value: net.text,
            message: `a range that holds no node address (nodes[${n.i}].ip ${String(n.text)} is inside it, and LB-IPAM could hand it to a Service)`,
          });
    });
    for (const { f, text, ip } of lbIps) {
      if (ip === undefined) continue;
      const nets = pool.map((p) => p.net).filter((n): n is Net => n !== undefined);
      if (nets.length > 0 && !nets.some((n) => contains(n, ip)))
        out.push({
          path: ['loadBalancer', f],
          value: text,
          message: `an address inside loadBalancer.pool (${nets.map((n) => n.text).join(', ')}): LB-IPAM only assigns pool addresses`,
        });
    }
  }
  return out;
}
