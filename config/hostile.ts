/**
 * Site values that validate field by field but would break or open the cluster (issue 25, item 9), each refused
 * with its field path:
 *
 * - Vault CIDRs inside the pod or service range (the egress rule to Vault would open every pod or Service);
 * - receiver hosts (webhook, SMTP relay) that are link-local, loopback, unspecified or multicast addresses,
 *   addresses of the pod or service range, or in-cluster names (`*.svc`, `*.cluster.local`, `kubernetes.default`,
 *   `localhost`): an egress rule to them would reach the node's metadata service, the API server or the pods;
 * - namespace names taken by an app's own namespace (node-exporter, log-agent), which the renamable ones would
 *   silently merge with.
 *
 * List sizes are bounded before anything else (`listSizeIssues`, called first by validateSite): 40,000 buckets
 * must be a field-path error, not a secret scanner that does not answer in 60 s.
 */
import { isIP } from 'node:net';
import type { Site } from './schema';
import type { AppDefinition } from '../constructs/lib/app';

export interface HostileIssue {
  path: (string | number)[];
  value: unknown;
  message: string;
}

/** The most elements any list of the site may hold (nodes, buckets, CIDRs, receivers, known_hosts lines). */
export const MAX_LIST = 256;
/** Per-list bounds below MAX_LIST, where the generated object has a smaller budget. */
export const LIST_BOUNDS: Readonly<Record<string, number>> = {
  nodes: 64,
  // Each CIDR lands in a Middleware and in the Vault-template annotation of Traefik's file provider.
  'workloads.traefik.adminAllowCidrs': 128,
  'workloads.minio.buckets': 128,
};

/** Arrays in the raw input longer than their bound, with the path (walks plain objects and arrays only). */
export function listSizeIssues(input: unknown): HostileIssue[] {
  const out: HostileIssue[] = [];
  const walk = (v: unknown, path: (string | number)[], depth: number): void => {
    if (depth > 32 || v === null || typeof v !== 'object') return;
    if (Array.isArray(v)) {
      const name = path.filter((p) => typeof p === 'string').join('.');
      const max = LIST_BOUNDS[name] ?? MAX_LIST;
      if (v.length > max) {
        out.push({ path, value: `(${v.length} elements)`, message: `at most ${max} elements` });
        return;
      }
      v.forEach((x, i) => walk(x, [...path, i], depth + 1));
      return;
    }
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) walk(x, [...path, k], depth + 1);
  };
  walk(input, [], 0);
  return out;
}

const ipNum = (ip: string) => ip.split('.').reduce((a, o) => a * 256 + Number(o), 0);
function range(cidr: string): [number, number] {
  const [addr, bits] = cidr.split('/');
  const size = 2 ** (32 - Number(bits));
  const start = Math.floor(ipNum(addr!) / size) * size;
  return [start, start + size - 1];
}
const overlaps = (a: string, b: string) => {
  const [a0, a1] = range(a);
  const [b0, b1] = range(b);
  return a0 <= b1 && b0 <= a1;
};
const within = (ip: string, cidr: string) => overlaps(`${ip}/32`, cidr);

/** Address ranges no receiver may point at (besides the cluster's own). */
const SPECIAL = [
  ['0.0.0.0/8', 'the unspecified range'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link-local (the cloud metadata service lives at 169.254.169.254)'],
  ['224.0.0.0/4', 'multicast'],
  ['240.0.0.0/4', 'reserved'],
] as const;

/** Why a host is not an outside address a receiver may be sent to, or undefined. */
export function receiverHostProblem(host: string, site: Pick<Site, 'cluster'>): string | undefined {
  const h = host.toLowerCase().replace(/\.$/, '');
  if (isIP(h) === 4) {
    for (const [c, what] of SPECIAL) if (within(h, c)) return `an address outside the cluster, not ${what}`;
    if (within(h, site.cluster.podCidr)) return `an address outside the cluster, not in the pod range ${site.cluster.podCidr}`;
    if (within(h, site.cluster.serviceCidr)) return `an address outside the cluster, not in the service range ${site.cluster.serviceCidr}`;
    return undefined;
  }
  if (h === 'localhost' || h.endsWith('.localhost')) return 'a host outside the cluster, not localhost';
  if (/(^|\.)(svc|cluster\.local)$/.test(h) || /\.svc\./.test(h) || /^kubernetes(\.default)?(\.|$)/.test(h))
    return 'a host outside the cluster, not an in-cluster name (the API server or a Service would receive the alerts and the egress rule would open it)';
  return undefined;
}

export function hostileIssues(site: Site, apps: readonly AppDefinition[]): HostileIssue[] {
  const out: HostileIssue[] = [];
  site.vault.cidrs.forEach((c, i) => {
    for (const [name, r] of [
      ['pod', site.cluster.podCidr],
      ['service', site.cluster.serviceCidr],
    ] as const)
      if (overlaps(c, r))
        out.push({
          path: ['vault', 'cidrs', i],
          value: c,
          message: `Vault's addresses outside the ${name} range ${r} (an egress rule to it would open every ${name === 'pod' ? 'pod' : 'Service'})`,
        });
  });
  const am = (site.workloads as unknown as Record<string, unknown>).alertmanager as { receivers?: { type: string; host?: string; smarthost?: string }[] } | undefined;
  (am?.receivers ?? []).forEach((r, i) => {
    const field = r.type === 'email' ? 'smarthost' : 'host';
    const host = r[field];
    const why = host === undefined ? undefined : receiverHostProblem(host, site);
    if (why) out.push({ path: ['workloads', 'alertmanager', 'receivers', i, field], value: host, message: why });
  });
  // Namespaces apps own without a site field (node-exporter, log-agent): a renamable namespace must not take the name.
  const listed = site.namespaces as Readonly<Record<string, string>>;
  const fixed = new Set(apps.map((a) => a.namespace.key).filter((k) => !(k in listed)));
  for (const [key, ns] of Object.entries(listed))
    if (fixed.has(ns))
      out.push({
        path: ['namespaces', key],
        value: ns,
        message: `a namespace other than "${ns}", which the ${ns} app owns (its Pod Security level and policies would merge with this one)`,
      });
  return out;
}

/**
 * Go's time.Duration (int64 nanoseconds) bounds every Prometheus-style duration Prometheus and Loki parse
 * (prometheus/common model.ParseDuration refuses what overflows): at most about 292 years, and more than 0.
 */
export const MAX_DURATION_NS = 2n ** 63n - 1n;
const UNIT_NS: Readonly<Record<string, bigint>> = {
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
  d: 86_400_000_000_000n,
  w: 604_800_000_000_000n,
  y: 31_536_000_000_000_000n,
};
export function durationProblem(s: string): string | undefined {
  const m = /^(\d{1,20})(s|m|h|d|w|y)$/.exec(s);
  if (!m) return undefined; // the format rule reports it
  const ns = BigInt(m[1]!) * UNIT_NS[m[2]!]!;
  if (ns === 0n) return 'a duration longer than 0';
  if (ns > MAX_DURATION_NS) return "a duration within Go's range (at most 292y; Prometheus and Loki refuse longer)";
  return undefined;
}

/**
 * S3 bucket naming rules (AWS "Bucket naming rules", which MinIO follows: cmd/bucket-handlers-utils, s3utils
 * CheckValidBucketNameStrict): 3-63 characters of lower-case letters, digits, "." and "-", starting and ending
 * with a letter or digit, no ".." or "." next to "-", not shaped like an IPv4 address, not starting with
 * "xn--" or "sthree-", not ending with "-s3alias" or "--ol-s3".
 */
export function bucketNameProblem(s: string): string | undefined {
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(s)) return 'an S3 bucket name: 3-63 lower-case letters, digits, "." or "-", starting and ending with a letter or digit';
  if (/\.\.|\.-|-\./.test(s)) return 'an S3 bucket name without "..", ".-" or "-."';
  if (isIP(s) === 4 || /^\d+\.\d+\.\d+\.\d+$/.test(s)) return 'an S3 bucket name that is not shaped like an IP address';
  if (/^(xn--|sthree-)/.test(s) || /(-s3alias|--ol-s3)$/.test(s)) return 'an S3 bucket name without the reserved prefixes xn--, sthree- or suffixes -s3alias, --ol-s3';
  return undefined;
}

/** A pinned version tag: digits first (v optional), or MinIO's RELEASE.<date> tags; never main, nightly, latest. */
export const VERSION_TAG = /^(v?\d+(\.\d+){0,3}([-+][0-9A-Za-z][0-9A-Za-z.+-]*)?|RELEASE\.\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}Z)$/;
