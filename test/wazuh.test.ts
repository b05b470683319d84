/**
 * Wazuh: the declared flows and nothing else, Vault for every credential and certificate, root only where
 * the manager image needs it.
 */
import { sh } from '../constructs/lib/quote';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WAZUH_SECRETS, secretOk, WazuhSecret } from '../config/wazuh-secrets';
import { CERT_SUMS, certLines, livenessScript, secretLines, SecretEnv } from '../constructs/wazuh-config';
import { entity, fqdns, peerKey, workloadPeer } from '../constructs/lib/network';
import { allObjects, findAll, findResource, flowAllowed, flows, podTemplate, podTemplates, synth } from './helpers';

const ns = 'security';
const w = (name: string) => workloadPeer(ns, name);
const indexer = w('wazuh-indexer');
const master = w('wazuh-manager-master');
const worker = w('wazuh-manager-worker');
const dashboard = w('wazuh-dashboard');

test('the Wazuh flows are allowed', () => {
  expect(flowAllowed(dashboard, indexer, 9200)).toBe(true);
  expect(flowAllowed(dashboard, master, 55000)).toBe(true);
  expect(flowAllowed(master, indexer, 9200)).toBe(true);
  expect(flowAllowed(worker, indexer, 9200)).toBe(true);
  expect(flowAllowed(worker, master, 1516)).toBe(true);
  expect(flowAllowed(indexer, indexer, 9300)).toBe(true);
  expect(flowAllowed(entity('world'), worker, 1514)).toBe(true);
  expect(flowAllowed(entity('world'), master, 1515)).toBe(true);
  expect(flowAllowed(synth().stack.ctx.peers.ingress!, dashboard, 5601)).toBe(true);
});

test('everything else is denied: e.g. dashboard → manager 1516, the world → indexer, outsiders → indexer', () => {
  expect(flowAllowed(dashboard, master, 1516)).toBe(false);
  expect(flowAllowed(entity('world'), indexer, 9200)).toBe(false);
  expect(flowAllowed(entity('world'), master, 55000)).toBe(false);
  const intoIndexer = flows()
    .filter((f) => peerKey(f.to) === peerKey(indexer))
    .map((f) => peerKey(f.from));
  expect(intoIndexer.every((p) => p.startsWith(`workload:${ns}/wazuh-`))).toBe(true);
});

test('feed downloads go to the configured FQDNs only (the CTI API and the snapshot bucket it links to), and vanish with an empty list', () => {
  expect(flowAllowed(master, fqdns(['cti.wazuh.com', 's3.us-east-1.amazonaws.com', 'packages.wazuh.com']), 443)).toBe(true);
  // Defect: the first run follows last_snapshot_link to the S3 bucket; without it the feed never arrives.
  expect(flowAllowed(worker, fqdns(['cti.wazuh.com', 's3.us-east-1.amazonaws.com', 'packages.wazuh.com']), 443)).toBe(true);
  const off = synth({ workloads: { wazuh: { feedHosts: [] } } });
  expect(flows(off).some((f) => f.to.kind === 'fqdn' && peerKey(f.from).includes('wazuh'))).toBe(false);
});

test('no Secret objects; credentials and certificates come from Vault', () => {
  expect(findAll('Secret')).toEqual([]);
  for (const name of ['wazuh-indexer', 'wazuh-manager-master', 'wazuh-manager-worker', 'wazuh-dashboard']) {
    const t = podTemplates().find((p) => p.owner.metadata.name === name)!;
    const a = t.metadata.annotations ?? {};
    expect(a['vault.hashicorp.com/role']).toBe(`${ns}-${name}`);
    expect(Object.keys(a).some((k) => k.startsWith('vault.hashicorp.com/agent-inject-secret-'))).toBe(true);
    expect(t.spec.serviceAccountName).toBe(name);
  }
  // ossec.conf holds no secret: the cluster key and node name are the image's placeholders (see conformance).
  const conf = (findResource('ConfigMap', 'wazuh-manager-config', ns).data as Record<string, string>)['master.conf']!;
  expect(conf).toContain('<node_type>master</node_type>');
  expect(conf).toContain('<key>to_be_replaced_by_cluster_key</key>');
  expect(conf).not.toContain('.Data.');
});

test('only the manager runs as root, with baseline capabilities; indexer and dashboard run as 1000', () => {
  for (const t of podTemplates().filter((p) => p.owner.metadata.namespace === ns)) {
    for (const c of t.spec.containers) {
      const root = c.securityContext?.runAsUser === 0;
      expect({ name: t.owner.metadata.name, root }).toEqual({ name: t.owner.metadata.name, root: t.owner.metadata.name.startsWith('wazuh-manager') });
      if (!root) expect(c.securityContext?.runAsUser).toBe(1000);
      const baseline = ['AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT'];
      for (const cap of c.securityContext?.capabilities?.add ?? []) expect(baseline).toContain(cap);
    }
    expect(t.spec.initContainers ?? []).toEqual([]);
  }
});

test('data is retained: volumeClaimTemplates with Retain on delete and scale-down', () => {
  for (const sts of findAll('StatefulSet').filter((o) => o.metadata.namespace === ns)) {
    expect((sts.spec as { persistentVolumeClaimRetentionPolicy: object }).persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
  }
});

test('the indexer JVM heap comes from the config', () => {
  const env = podTemplate('StatefulSet', 'wazuh-indexer', ns, synth({ workloads: { wazuh: { indexer: { heap: '768m' } } } })).spec.containers[0]!.env!;
  expect(env.find((e) => e.name === 'OPENSEARCH_JAVA_OPTS')?.value).toBe('-Xms768m -Xmx768m');
});

// --- one test per defect class of issue 11 -------------------------------------------------------------------
const annotations = (name: string) => podTemplates().find((p) => p.owner.metadata.name === name && p.owner.metadata.namespace === ns)!.metadata.annotations ?? {};
/** File name → { folder, template } of every Vault-rendered file of a pod. */
function vaultFiles(name: string): Map<string, { folder: string; template: string }> {
  const a = annotations(name);
  const folder = a['vault.hashicorp.com/secret-volume-path'] ?? '/vault/secrets';
  const out = new Map<string, { folder: string; template: string }>();
  for (const [k, v] of Object.entries(a)) {
    const m = /^vault\.hashicorp\.com\/agent-inject-template-(.+)$/.exec(k);
    if (m) out.set(m[1]!, { folder: a[`vault.hashicorp.com/secret-volume-path-${m[1]}`] ?? folder, template: v });
  }
  return out;
}
const cm = (name: string) => findResource('ConfigMap', name, ns).data as Record<string, string>;
/** The start script of a workload's first container (`bash /domus/<script>`). */
const startOf = (kind: string, name: string) => cm('wazuh-scripts')[container(kind, name).command![1]!.split('/').pop()!]!;
/**
 * How a file the process reads gets to `path`: rendered by Vault into that folder, or put there by the start
 * script (`split <vault bundle> <cert> <key>`, `cp <vault file> <path>`) from a Vault-rendered file.
 */
function providedBy(kind: string, name: string, path: string): string | undefined {
  const files = vaultFiles(name);
  const dir = path.slice(0, path.lastIndexOf('/'));
  const base = path.slice(path.lastIndexOf('/') + 1);
  if (files.get(base)?.folder === dir) return `vault:${base}`;
  for (const line of startOf(kind, name).split('\n')) {
    const [cmd, from, ...to] = line.split(' ');
    if ((cmd === 'split' || cmd === 'cp') && from && to.includes(path) && files.get(from.split('/').pop()!)?.folder === from.slice(0, from.lastIndexOf('/')))
      return `${cmd}:${from}`;
  }
  return undefined;
}
const container = (kind: string, name: string) => podTemplate(kind, name, ns).spec.containers[0]!;

test('indexer: every file OpenSearch reads is under the folder the entrypoint forces (config/), and nothing hides config/opensearch-security', () => {
  const conf = '/usr/share/wazuh-indexer/config';
  const c = container('StatefulSet', 'wazuh-indexer');
  expect(c.env?.find((e) => e.name === 'OPENSEARCH_PATH_CONF')).toBeUndefined();
  expect(c.volumeMounts?.find((m) => m.name === 'config')?.mountPath).toBe(`${conf}/opensearch.yml`);
  // No mount at config/opensearch-security or above it (other than the single-file opensearch.yml).
  for (const m of c.volumeMounts ?? []) expect(`${conf}/opensearch-security/`.startsWith(`${m.mountPath}/`)).toBe(false);
  // Every *_filepath in opensearch.yml is in config/certs, put there by the start script from a Vault file.
  const yml = cm('wazuh-indexer-config')['opensearch.yml']!;
  const files = vaultFiles('wazuh-indexer');
  const paths = [...yml.matchAll(/_filepath: (\S+)/g)].map((m) => m[1]!);
  expect(paths.length).toBe(6);
  for (const p of paths) {
    expect(p.startsWith(`${conf}/certs/`)).toBe(true);
    expect({ p, by: providedBy('StatefulSet', 'wazuh-indexer', p) }).toEqual({
      p,
      by: p.endsWith('root-ca.pem') ? 'cp:/vault/wazuh/root-ca.pem' : 'split:/vault/wazuh/node.bundle.pem',
    });
  }
  // The certificates folder is an emptyDir of the pod (the image's demo certificates are not used).
  expect(c.volumeMounts?.find((m) => m.mountPath === `${conf}/certs`)?.name).toMatch(/^tmp-|^writable|/);
  // internal_users.yml is rendered aside and copied into config/opensearch-security by the start script.
  expect(files.get('internal_users.yml')?.folder).toBe('/vault/wazuh');
  expect(cm('wazuh-scripts')['indexer-start.sh']).toContain(`install -m 0600 ${sh('/vault/wazuh/internal_users.yml')} ${sh(`${conf}/opensearch-security/internal_users.yml`)}`);
  expect(c.command).toEqual(['/bin/bash', '/domus/indexer-start.sh']);
  expect(cm('wazuh-scripts')['indexer-start.sh']).toMatch(/exec \/entrypoint\.sh opensearchwrapper\n$/);
});

test('indexer: admin_dn and nodes_dn are the subjects of the certificates Vault issues', () => {
  const yml = cm('wazuh-indexer-config')['opensearch.yml']!;
  const files = vaultFiles('wazuh-indexer');
  const cn = (file: string) => /"common_name=([^"]+)"/.exec(files.get(file)!.template)![1];
  expect(yml).toContain(`plugins.security.nodes_dn: ["CN=${cn('node.bundle.pem')}"]`);
  expect(yml).toContain(`plugins.security.authcz.admin_dn: ["CN=${cn('admin.bundle.pem')}"]`);
});

test('key format: the indexer keys (node, admin) are requested as PKCS#8', () => {
  const files = vaultFiles('wazuh-indexer');
  for (const f of ['node.bundle.pem', 'admin.bundle.pem']) expect(files.get(f)!.template).toContain('"private_key_format=pkcs8"');
});

test('certificates are issued with pkiCert (reused while valid), certificate and key of one identity in one file (defect: a new certificate at every render)', () => {
  for (const w of ['wazuh-indexer', 'wazuh-manager-master', 'wazuh-manager-worker', 'wazuh-dashboard']) {
    const issuing = [...vaultFiles(w).entries()].filter(([, f]) => f.template.includes('/issue/'));
    expect(issuing.length).toBeGreaterThan(0);
    for (const [name, f] of issuing) {
      expect({ w, name, call: /\{\{- with (\w+) /.exec(f.template)?.[1] }).toEqual({ w, name, call: 'pkiCert' });
      // pkiCert reads its own file back: the certificate and the key must both be in it.
      expect(f.template).toMatch(/\{\{ \.Cert \}\}\{\{ \.Key \}\}/);
    }
    expect(Object.values(annotations(w)).join('\n')).not.toMatch(/with secret "[^"]*\/issue\//);
  }
});

test('probes: the worker is probed on what it serves (1514), the master on the cluster port only it listens on', () => {
  const worker = container('StatefulSet', 'wazuh-manager-worker');
  expect(worker.ports?.map((p) => p.containerPort)).toEqual([1514]);
  expect(worker.livenessProbe).toMatchObject({ exec: { command: ['/bin/bash', '/domus/live.sh', '1514'] } });
  const master = container('StatefulSet', 'wazuh-manager-master');
  expect(master.ports?.map((p) => p.containerPort)).toContain(1516);
  expect(master.livenessProbe).toMatchObject({ exec: { command: ['/bin/bash', '/domus/live.sh', '1516'] } });
  // every exec probe port is a port of that container
  for (const t of podTemplates().filter((p) => p.owner.metadata.namespace === ns)) {
    for (const c of t.spec.containers) {
      const cmd = (c.livenessProbe as { exec?: { command: string[] } }).exec?.command;
      if (cmd) expect(c.ports?.map((p) => String(p.containerPort))).toContain(cmd[2]);
    }
  }
});

test('certificate names: only in-cluster Service names and hosts of the site domain, never bare names', () => {
  const names: string[] = [];
  for (const w of ['wazuh-indexer', 'wazuh-manager-master', 'wazuh-manager-worker', 'wazuh-dashboard']) {
    for (const f of vaultFiles(w).values()) {
      const cn = /"common_name=([^"]+)"/.exec(f.template)?.[1];
      const alt = /"alt_names=([^"]+)"/.exec(f.template)?.[1];
      if (cn) names.push(cn, ...(alt ? alt.split(',') : []));
    }
  }
  expect(names.length).toBeGreaterThan(0);
  for (const n of new Set(names)) expect({ n, ok: n.endsWith(`.${ns}.svc`) || n.endsWith('.domus.lan') }).toEqual({ n, ok: true });
  expect(names.some((n) => n.includes('*'))).toBe(false);
});

test("trust chain: every root-ca.pem is the PKI mount's full chain (cert/ca_chain), not the issuing CA alone", () => {
  for (const w of ['wazuh-indexer', 'wazuh-manager-master', 'wazuh-manager-worker', 'wazuh-dashboard']) {
    const ca = vaultFiles(w).get('root-ca.pem');
    expect(ca?.template).toBe('{{- with secret "pki_int/cert/ca_chain" -}}{{ .Data.certificate }}{{- end }}');
    expect(ca?.folder).toBe('/vault/wazuh');
  }
});

test('node names: workers use the placeholder the image replaces with the pod name; no shell-style ${...} in ossec.conf', () => {
  const data = cm('wazuh-manager-config');
  expect(data['worker.conf']).toContain('<node_name>to_be_replaced_by_hostname</node_name>');
  expect(data['master.conf']).toContain('<node_name>wazuh-manager-master</node_name>');
  for (const conf of Object.values(data)) expect(conf).not.toMatch(/\$\{/);
  expect(container('StatefulSet', 'wazuh-manager-worker').volumeMounts).toContainEqual(expect.objectContaining({ mountPath: '/wazuh-config-mount/etc/ossec.conf' }));
});

test('ossec.conf keeps the ruleset (local rules, decoders, CDB lists) and syscheck/rootcheck/localfile', () => {
  const conf = cm('wazuh-manager-config')['worker.conf']!;
  for (const s of [
    '<rule_dir>etc/rules</rule_dir>',
    '<decoder_dir>etc/decoders</decoder_dir>',
    '<list>etc/lists/audit-keys</list>',
    '<syscheck>',
    '<rootcheck>',
    '<localfile>',
    '<vulnerability-detection>',
  ])
    expect(conf).toContain(s);
  const noFeeds = findResource('ConfigMap', 'wazuh-manager-config', ns, synth({ workloads: { wazuh: { feedHosts: [] } } })).data as Record<string, string>;
  expect(noFeeds['master.conf']).toMatch(/<vulnerability-detection>\s*<enabled>no<\/enabled>/);
});

test('certificate reload: each start script records the Vault files it started with, liveness restarts the container when Vault renews one', () => {
  const scripts = cm('wazuh-scripts');
  const certs: Record<string, [string, string[]]> = {
    'wazuh-indexer': ['indexer-start.sh', ['node', 'admin']],
    'wazuh-manager-master': ['master-start.sh', ['filebeat']],
    'wazuh-manager-worker': ['worker-start.sh', ['filebeat']],
    'wazuh-dashboard': ['dashboard-start.sh', ['dashboard']],
  };
  for (const [w, [script, bundles]] of Object.entries(certs)) {
    // the files summed are the files Vault renders (pkiCert rewrites a bundle only when it renews it)
    const summed = [...bundles.map((b) => `/vault/wazuh/${b}.bundle.pem`), '/vault/wazuh/root-ca.pem'];
    expect(scripts[script]).toContain(`sha256sum ${summed.join(' ')} > /tmp/domus-certs.sha256`);
    for (const f of summed) expect(vaultFiles(w).get(f.split('/').pop()!)?.folder).toBe('/vault/wazuh');
    const t = podTemplates().find((p) => p.owner.metadata.name === w)!;
    expect((t.spec.containers[0]!.livenessProbe as { exec: { command: string[] } }).exec.command.slice(0, 2)).toEqual(['/bin/bash', '/domus/live.sh']);
    // a changed script or config rolls the pods
    expect(t.metadata.annotations?.['domus.dev/config-sha256']).toMatch(/^[0-9a-f]{64}$/);
  }
  expect(scripts['live.sh']).toContain(`sha256sum --check --status ${sh('/tmp/domus-certs.sha256')}`);
});

test('secrets: nothing sources a rendered file; each credential is its own file read by a checked start script', () => {
  for (const t of podTemplates().filter((p) => p.owner.metadata.namespace === ns)) {
    for (const c of t.spec.containers) expect((c.command ?? []).join(' ')).not.toMatch(/(^|[;&|]\s*)(\.|source) /);
  }
  const scripts = cm('wazuh-scripts');
  for (const s of ['master-start.sh', 'dashboard-start.sh']) expect(scripts[s]).toContain('need API_PASSWORD ');
  for (const s of ['master-start.sh', 'worker-start.sh']) expect(scripts[s]).toContain('need WAZUH_CLUSTER_KEY ');
  // Upstream's worker has no API user and no authd password (wazuh-kubernetes wazuh-worker-sts.yaml): the
  // image's init would create an API user on every worker.
  expect(scripts['worker-start.sh']).not.toMatch(/API_USERNAME|API_PASSWORD|authd/);
  expect([...vaultFiles('wazuh-manager-worker').keys()].filter((k) => /api_|authd/.test(k))).toEqual([]);
  // The bcrypt hashes are checked before OpenSearch writes them into its security index (defect: hash: null).
  expect(scripts['indexer-start.sh']).toContain("need - /vault/wazuh/admin_hash 'a bcrypt hash");
  expect(scripts['indexer-start.sh']).toContain("need - /vault/wazuh/kibanaserver_hash 'a bcrypt hash");
  expect(annotations('wazuh-indexer')['vault.hashicorp.com/error-on-missing-key-internal_users.yml']).toBe('true');
  expect(vaultFiles('wazuh-manager-master').get('api_password')).toEqual({
    folder: '/vault/wazuh',
    template: '{{- with secret "kv/data/security/wazuh" -}}{{ .Data.data.api_password }}{{- end }}',
  });
});

// --- the generated bash, run for real ------------------------------------------------------------------------
const bash = spawnSync('bash', ['--version']).status === 0;
const runChecks = (values: Record<string, string>, secrets: readonly SecretEnv[]) => {
  const dir = mkdtempSync(join(tmpdir(), 'wazuh-secrets-'));
  for (const [k, v] of Object.entries(values)) writeFileSync(join(dir, k), v);
  const script = ['set -euo pipefail', 'die() { echo "domus: $*" >&2; exit 1; }', ...secretLines(secrets, dir), 'env | grep -E "^(API_|WAZUH_|INDEXER_)" | sort'].join('\n');
  return spawnSync('bash', ['--norc', '--noprofile', '-c', script], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
};
const examples = Object.fromEntries(Object.values(WAZUH_SECRETS).map((s: WazuhSecret) => [s.key, s.example]));
const managerLike: SecretEnv[] = [
  { env: 'API_PASSWORD', secret: WAZUH_SECRETS.apiPassword },
  { env: 'WAZUH_CLUSTER_KEY', secret: WAZUH_SECRETS.clusterKey },
  { env: 'INDEXER_PASSWORD', secret: WAZUH_SECRETS.indexerPassword },
];

(bash ? test : test.skip)('secret checks: valid values are exported exactly, without evaluation', () => {
  const r = runChecks(examples, managerLike);
  expect(r.stderr).toBe('');
  expect(r.stdout).toBe(`API_PASSWORD=${examples.api_password}\nINDEXER_PASSWORD=${examples.indexer_password}\nWAZUH_CLUSTER_KEY=${examples.cluster_key}\n`);
});

(bash
  ? test.each([
      ['api_password', 'Secret$(touch /tmp/pwned) 1a', 'Wazuh API password policy'],
      ['api_password', "It's-a-Pass1", 'Wazuh API password policy'],
      ['api_password', 'alllowercase1!', 'Wazuh API password policy'],
      ['api_password', '-Leading-dash1', 'starting with a letter or digit'],
      ['cluster_key', 'short-key', 'exactly 32 characters'],
      ['cluster_key', '0123456789abcdef0123456789abcde!', 'exactly 32 characters'],
      ['indexer_password', "pass|with&sed'chars-0123", 'written into filebeat.yml by sed'],
    ] as const)
  : test.skip.each([['', '', '']]))('secret checks: %s %j fails start-up, naming the key and the rule, never the value', (key, value, says) => {
  const r = runChecks({ ...examples, [key]: value }, managerLike);
  expect(r.status).toBe(1);
  expect(r.stderr).toContain(`the Vault key ${key} must be:`);
  expect(r.stderr).toContain(says);
  expect(r.stderr).not.toContain(value);
});

test("secret rules: the documented examples pass, Wazuh's own example cluster key passes, and JS agrees with bash", () => {
  for (const s of Object.values(WAZUH_SECRETS) as WazuhSecret[]) expect({ key: s.key, ok: secretOk(s, s.example) }).toEqual({ key: s.key, ok: true });
  expect(secretOk(WAZUH_SECRETS.clusterKey, '123a45bc67def891gh23i45jk67l8mn9')).toBe(true);
  expect(secretOk(WAZUH_SECRETS.apiPassword, 'MyS3cr37P450r*-')).toBe(true);
  expect(secretOk(WAZUH_SECRETS.apiPassword, 'Sh0rt!')).toBe(false);
});

(bash ? test : test.skip)('liveness: passes while the loaded certificates are on disk, fails once Vault renewed one', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wazuh-certs-'));
  const sums = join(dir, 'sums');
  writeFileSync(join(dir, 'node.pem'), 'first certificate\n');
  execFileSync('bash', ['-c', `sha256sum ${dir}/*.pem > ${sums}`]);
  const script = join(dir, 'live.sh');
  writeFileSync(script, livenessScript().replace(CERT_SUMS, sums));
  const server = createServer((s) => s.end());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = String((server.address() as AddressInfo).port);
  try {
    expect(spawnSync('bash', [script, port], { encoding: 'utf8' }).status).toBe(0);
    writeFileSync(join(dir, 'node.pem'), 'renewed certificate\n');
    const r = spawnSync('bash', [script, port], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('certificates renewed by Vault since start');
  } finally {
    server.close();
  }
});

const openssl = spawnSync('openssl', ['version']).status === 0;
/** A CA and a leaf certificate with a PKCS#8 key, made by openssl, as Vault's PKI would return them. */
function issue(dir: string, cn: string): { cert: string; key: string; ca: string } {
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  if (!existsSync(join(dir, 'ca.pem')))
    run('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca-key.pem', '-out', 'ca.pem', '-subj', '/CN=test-ca', '-days', '2');
  run('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${cn}-key.pem`, '-out', `${cn}.csr`, '-subj', `/CN=${cn}`);
  run('x509', '-req', '-in', `${cn}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-CAcreateserial', '-out', `${cn}.pem`, '-days', '1');
  return { cert: readFileSync(join(dir, `${cn}.pem`), 'utf8'), key: readFileSync(join(dir, `${cn}-key.pem`), 'utf8'), ca: readFileSync(join(dir, 'ca.pem'), 'utf8') };
}
const certRun = (vault: string, certs: string, sums: string, bundles: string[]) =>
  spawnSync(
    'bash',
    ['--norc', '--noprofile', '-c', ['set -euo pipefail', 'die() { echo "domus: $*" >&2; exit 1; }', ...certLines(certs, bundles, vault)].join('\n').split(CERT_SUMS).join(sums)],
    {
      encoding: 'utf8',
    },
  );

(bash && openssl ? test : test.skip)('start script, run for real: the Vault bundle (pkiCert: certificate, then key) is split into the files the process reads', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wazuh-bundle-'));
  const [vault, certs] = [join(dir, 'vault'), join(dir, 'certs')];
  mkdirSync(vault);
  mkdirSync(certs);
  const node = issue(dir, 'node');
  writeFileSync(join(vault, 'node.bundle.pem'), node.cert + node.key);
  writeFileSync(join(vault, 'root-ca.pem'), node.ca);
  const r = certRun(vault, certs, join(dir, 'sums'), ['node']);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  expect(readFileSync(join(certs, 'node.pem'), 'utf8')).toBe(node.cert);
  expect(readFileSync(join(certs, 'node-key.pem'), 'utf8')).toBe(node.key);
  expect(readFileSync(join(certs, 'root-ca.pem'), 'utf8')).toBe(node.ca);
  // openssl agrees: the certificate chains to the CA, and the key is the certificate's
  execFileSync('openssl', ['verify', '-CAfile', join(certs, 'root-ca.pem'), join(certs, 'node.pem')], { stdio: 'pipe' });
  const pub = (args: string[]) => execFileSync('openssl', args, { encoding: 'utf8' });
  expect(pub(['pkey', '-in', join(certs, 'node-key.pem'), '-pubout'])).toBe(pub(['x509', '-in', join(certs, 'node.pem'), '-noout', '-pubkey']));
  // the recorded files are the Vault-rendered ones; an identical re-render (pkiCert reusing the certificate)
  // keeps liveness green, a renewal does not
  expect(readFileSync(join(dir, 'sums'), 'utf8')).toContain(join(vault, 'node.bundle.pem'));
  writeFileSync(join(vault, 'node.bundle.pem'), node.cert + node.key);
  expect(spawnSync('sha256sum', ['--check', '--status', join(dir, 'sums')]).status).toBe(0);
  const renewed = issue(dir, 'node');
  writeFileSync(join(vault, 'node.bundle.pem'), renewed.cert + renewed.key);
  expect(spawnSync('sha256sum', ['--check', '--status', join(dir, 'sums')]).status).not.toBe(0);
});

(bash && openssl ? test : test.skip)('start script, run for real: a bundle without its key, or an empty CA chain, stops the container with the file named', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wazuh-bundle-'));
  const [vault, certs] = [join(dir, 'vault'), join(dir, 'certs')];
  mkdirSync(vault);
  mkdirSync(certs);
  const node = issue(dir, 'node');
  writeFileSync(join(vault, 'node.bundle.pem'), node.cert);
  writeFileSync(join(vault, 'root-ca.pem'), node.ca);
  let r = certRun(vault, certs, join(dir, 'sums'), ['node']);
  expect(r.status).toBe(1);
  expect(r.stderr).toContain(`domus: ${join(vault, 'node.bundle.pem')} must hold a certificate and one private key`);
  writeFileSync(join(vault, 'node.bundle.pem'), node.cert + node.key);
  writeFileSync(join(vault, 'root-ca.pem'), '');
  r = certRun(vault, certs, join(dir, 'sums'), ['node']);
  expect(r.status).toBe(1);
  expect(r.stderr).toContain('root-ca.pem is empty');
});

test('runbook: the securityadmin and curl commands use files the indexer pod really has, the enrollment uses the agent address', () => {
  const runbook = synth().files.get('bootstrap/RUNBOOK.md')!;
  const cmd = runbook.split('\n').find((l) => l.includes('securityadmin.sh'))!;
  expect(cmd).toContain('-t internalusers');
  const paths = [...cmd.matchAll(/-(?:f|cacert|cert|key) ([^\s']+)/g)];
  expect(paths.length).toBe(4);
  for (const m of paths) expect({ p: m[1], by: providedBy('StatefulSet', 'wazuh-indexer', m[1]!) !== undefined }).toEqual({ p: m[1], by: true });
  // Defect: the runbook enrolled agents at the node's address, where nothing listens under Cilium LB-IPAM;
  // the example's agent Services answer on the pool's second address.
  expect(runbook).toContain("WAZUH_MANAGER='192.168.10.241'");
  expect(runbook).not.toContain("WAZUH_MANAGER='192.168.10.20'");
  const servicelb = synth({ loadBalancer: { provider: 'servicelb' } }).files.get('bootstrap/RUNBOOK.md')!;
  expect(servicelb).toContain("WAZUH_MANAGER='192.168.10.20'");
  const three = synth({ loadBalancer: { provider: 'cilium', wazuhIp: '192.168.10.241', pool: ['192.168.10.240/28'] } }).files.get('bootstrap/RUNBOOK.md')!;
  expect(three).toContain("WAZUH_MANAGER='192.168.10.241'");
  for (const s of Object.values(WAZUH_SECRETS) as WazuhSecret[]) expect(runbook).toContain(`#   ${s.key}: ${s.says}`);
});

test('a configuration change rolls the pods that read it, and only those', () => {
  const hash = (name: string, s = synth()) => podTemplates(allObjects(s)).find((p) => p.owner.metadata.name === name)!.metadata.annotations!['domus.dev/config-sha256'];
  const noFeeds = synth({ workloads: { wazuh: { feedHosts: [] } } });
  expect(hash('wazuh-manager-master', noFeeds)).not.toBe(hash('wazuh-manager-master'));
  expect(hash('wazuh-dashboard', noFeeds)).toBe(hash('wazuh-dashboard'));
  const three = synth({ workloads: { wazuh: { indexer: { replicas: 1, heap: '768m' } } } });
  expect(hash('wazuh-indexer', three)).toBe(hash('wazuh-indexer'));
});
