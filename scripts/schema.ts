/**
 * `npm run schema` (and `npm run synth` into the repository's dist/, charts/generated-docs.ts): writes config/site.schema.json, the JSON Schema of site.yaml generated from the zod schema
 * (config/schema.ts), so that editors complete and check the site file: site.yaml names it on its first line
 * (`# yaml-language-server: $schema=./config/site.schema.json`). test/site-schema.test.ts fails when it is stale.
 *
 * Draft-07, the draft every YAML/JSON editor plugin understands. It describes the input (defaults included).
 * What zod checks with code (IP addresses, CIDRs, URLs) gets a pattern here; the address defaults that follow
 * other fields (config/addresses.ts) are described instead of showing the example's value as their default.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { siteSchema } from '../charts/site-schema';

const root = join(__dirname, '..');
export const SCHEMA_FILE = join('config', 'site.schema.json');

const OCTET = '(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])';
const IPV4 = `${OCTET}(\\.${OCTET}){3}`;
const IP_PATTERN = `^${IPV4}$`;
const CIDR_PATTERN = `^${IPV4}/(3[0-2]|[12]?[0-9])$`;

type Json = { [k: string]: unknown };

/** Where a path segment is `*`, the rule applies to the items of an array. */
const FIELD_NOTES: { path: string[]; pattern: string; description?: string; derived?: boolean }[] = [
  {
    path: ['cluster', 'lanCidr'],
    pattern: CIDR_PATTERN,
    description: 'The LAN the nodes live in (no host bits). Node IPs and load-balancer addresses must lie inside it; workloads.traefik.adminAllowCidrs defaults to it.',
  },
  { path: ['cluster', 'podCidr'], pattern: CIDR_PATTERN, description: 'Pod range (k3s cluster-cidr); disjoint from the LAN and the service range.' },
  { path: ['cluster', 'serviceCidr'], pattern: CIDR_PATTERN, description: 'Service range (k3s service-cidr); disjoint from the LAN and the pod range.' },
  { path: ['cluster', 'clusterDns'], pattern: IP_PATTERN, description: "CoreDNS' Service IP, inside cluster.serviceCidr." },
  { path: ['nodes', '*', 'ip'], pattern: IP_PATTERN, description: 'The node address, inside cluster.lanCidr.' },
  {
    path: ['loadBalancer', 'ingressIp'],
    pattern: IP_PATTERN,
    description: "Traefik's LoadBalancer address: with provider servicelb one of the node IPs; with provider cilium inside loadBalancer.pool.",
  },
  {
    path: ['loadBalancer', 'wazuhIp'],
    pattern: IP_PATTERN,
    description:
      'Address of the Wazuh agent endpoints (1514/1515): with provider servicelb one of the node IPs; with provider cilium inside loadBalancer.pool and distinct from ingressIp.',
  },
  { path: ['loadBalancer', 'pool', '*'], pattern: CIDR_PATTERN },
  { path: ['vault', 'cidrs', '*'], pattern: CIDR_PATTERN },
  { path: ['workloads', 'traefik', 'adminAllowCidrs', '*'], pattern: CIDR_PATTERN },
  {
    path: ['vault', 'cidrs'],
    pattern: '',
    derived: true,
    description:
      "The Vault host's address(es), for the CIDR egress rule; [] = an FQDN rule on vault.address's host. Default: [<ip>/32] when vault.address is an IP; with a host name it is required once vault.address or cluster.lanCidr differ from the example.",
  },
  { path: ['vault', 'authMount'], pattern: '', derived: true, description: 'Kubernetes auth mount on the external Vault (one per cluster). Default: k3s-<cluster.name>.' },
  {
    path: ['workloads', 'traefik', 'adminAllowCidrs'],
    pattern: '',
    derived: true,
    description: 'Source ranges allowed to reach the admin UIs (Prometheus, Traefik dashboard). Default: [cluster.lanCidr].',
  },
];

function nodeAt(schema: Json, path: readonly string[]): Json | undefined {
  let cur: Json | undefined = schema;
  for (const p of path) {
    if (!cur) return undefined;
    cur = (p === '*' ? cur.items : (cur.properties as Json | undefined)?.[p]) as Json | undefined;
  }
  return cur;
}

/** The JSON Schema of the site file, as committed (stable key order, trailing newline). */
export function siteJsonSchemaText(): string {
  const schema = z.toJSONSchema(siteSchema, { target: 'draft-7', io: 'input', unrepresentable: 'any' }) as Json;
  for (const a of FIELD_NOTES) {
    const node = nodeAt(schema, a.path);
    if (!node) throw new Error(`scripts/schema.ts: no field ${a.path.join('.')} in the site schema`);
    if (a.pattern) node.pattern = a.pattern;
    if (a.description) node.description = a.description;
    if (a.derived) delete node.default;
  }
  const out: Json = {
    $schema: schema.$schema,
    title: 'Domus Digitalis site (site.yaml)',
    description:
      'One homelab: cluster, nodes, load balancer, Vault, git, namespaces and workloads. Every field has a default; write only what differs. Generated from config/schema.ts by `npm run schema`.',
    ...Object.fromEntries(Object.entries(schema).filter(([k]) => k !== '$schema')),
  };
  return `${JSON.stringify(out, null, 2)}\n`;
}

if (require.main === module || process.argv[1]?.endsWith('scripts-schema.js')) {
  writeFileSync(join(root, SCHEMA_FILE), siteJsonSchemaText());
  process.stdout.write(`wrote ${SCHEMA_FILE}\n`);
}
