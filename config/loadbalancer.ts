/**
 * LoadBalancer addresses and the admin allow-list, checked against what the chosen provider does to the client
 * address (ADR-0070). Pure functions of the validated site, used by the schema's cross-field rules and by the
 * constructs that emit the Services.
 */
import type { Site } from './schema';

type Issue = { path: (string | number)[]; value: unknown; message: string };

const toInt = (ip: string): number => ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
const fromInt = (n: number): string => [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');
function range(cidr: string): [number, number] {
  const [addr, bits] = cidr.split('/') as [string, string];
  const size = 2 ** (32 - Number(bits));
  const start = Math.floor(toInt(addr) / size) * size;
  return [start, start + size - 1];
}
export const ipInCidr = (ip: string, cidr: string): boolean => {
  const [a, b] = range(cidr);
  const n = toInt(ip);
  return n >= a && n <= b;
};
/** `inner` lies entirely inside `outer`. */
export const cidrInside = (inner: string, outer: string): boolean => {
  const [a, b] = range(inner);
  const [c, d] = range(outer);
  return a >= c && b <= d;
};

/**
 * The fixed LoadBalancer addresses under Cilium LB-IPAM: the configured ones, else the first and second address
 * of the first pool block (LB-IPAM allocates every address of a CIDR, first and last included, unless the pool
 * sets allowFirstLastIPs: No). Fixed addresses keep DNS records stable across re-installs.
 */
export function lbAddresses(site: Site): { ingress?: string; wazuh?: string } {
  const lb = site.loadBalancer;
  if (lb.provider !== 'cilium') return {};
  const first = lb.pool[0];
  const base = first ? range(first)[0] : undefined;
  return {
    ingress: lb.ingressIp ?? (base === undefined ? undefined : fromInt(base)),
    wazuh: lb.wazuhIp ?? (base === undefined ? undefined : fromInt(base + 1)),
  };
}

export function loadBalancerIssues(site: Site): Issue[] {
  const out: Issue[] = [];
  const lb = site.loadBalancer;
  const admin = site.workloads.traefik.adminAllowCidrs;
  admin.forEach((c, i) => {
    if (cidrInside(c, site.cluster.podCidr)) {
      out.push({
        path: ['workloads', 'traefik', 'adminAllowCidrs', i],
        value: c,
        message: `a client range outside the pod network ${site.cluster.podCidr} (pod addresses are what a masquerading hop leaves, not who the client is)`,
      });
    }
  });
  if (lb.provider === 'servicelb') {
    // klipper-lb MASQUERADEs inside the svclb pod: Traefik sees that pod's address, never the client's.
    if (admin.length > 0) {
      out.push({
        path: ['workloads', 'traefik', 'adminAllowCidrs'],
        value: admin,
        message:
          '[] when loadBalancer.provider is "servicelb": ServiceLB masquerades every connection inside its svclb pod, so Traefik never sees the client address and an IP allow-list cannot work. Use provider "cilium" (keeps client addresses), or set adminAllowCidrs: [] (admin UIs only through kubectl port-forward)',
      });
    }
    for (const f of ['ingressIp', 'wazuhIp'] as const) {
      if (lb[f] !== undefined)
        out.push({
          path: ['loadBalancer', f],
          value: lb[f],
          message: 'unset when loadBalancer.provider is "servicelb" (ServiceLB answers on the node addresses; fixed addresses need provider "cilium")',
        });
    }
    return out;
  }
  // Pool shape (non-empty, inside the LAN, disjoint, no node address) and explicit addresses inside the pool:
  // config/addresses.ts, which runs on the raw input so it reports together with per-field errors.
  if (lb.pool.length === 0) return out;
  const addr = lbAddresses(site);
  if (site.workloads.traefik.enabled && site.workloads.wazuh.enabled && addr.ingress !== undefined && addr.ingress === addr.wazuh) {
    out.push({
      path: ['loadBalancer', 'wazuhIp'],
      value: addr.wazuh,
      message: 'an address different from loadBalancer.ingressIp (Traefik and the Wazuh agent endpoints are separate Services)',
    });
  }
  // Several nodes and a Traefik Deployment: externalTrafficPolicy must be Cluster (L2 announcements may pick a
  // node without a Traefik pod), and the announcing node SNATs to its own address when it forwards.
  if (site.nodes.length > 1 && site.workloads.traefik.kind !== 'DaemonSet') {
    admin.forEach((c, i) => {
      const node = site.nodes.find((n) => ipInCidr(n.ip, c));
      if (node) {
        out.push({
          path: ['workloads', 'traefik', 'adminAllowCidrs', i],
          value: c,
          message: `a range without node addresses (it holds ${node.name} ${node.ip}): with several nodes and a Traefik Deployment, requests forwarded between nodes arrive from a node address and would pass the allow-list. Set workloads.traefik.kind: DaemonSet (client addresses kept on every node) or narrow the range`,
        });
      }
    });
  }
  return out;
}
