/**
 * Wazuh conformance: the synthesized objects agree with what the images and upstream manifests do
 * (conformance/facts/wazuh.ts), and the generated ossec.conf / opensearch.yml are upstream's with only the
 * declared deltas (compared with the mirrored copies in ../shared/upstream when present).
 */
import { sh } from '../../constructs/lib/quote';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { WAZUH_FACTS as F } from '../../conformance/facts/wazuh';
import { UPSTREAM } from '../../conformance/upstream';
import { OSSEC_DELTAS } from '../../constructs/wazuh-config';
import { findResource, podTemplate } from '../helpers';

const ns = 'security';
const cm = (name: string) => findResource('ConfigMap', name, ns).data as Record<string, string>;
const c = (kind: string, name: string) => podTemplate(kind, name, ns).spec.containers[0]!;
const mounts = (kind: string, name: string) => (c(kind, name).volumeMounts ?? []).map((m) => m.mountPath);
const script = (name: string) => cm('wazuh-scripts')[name]!;

test('indexer: runs as the image user and hands over to the image entrypoint with its placeholder argument', () => {
  expect(c('StatefulSet', 'wazuh-indexer').securityContext?.runAsUser).toBe(F.indexerUid.value);
  expect(script('indexer-start.sh')).toContain(`exec ${F.indexerEntrypoint.value.map(sh).join(' ')}\n`);
});

test('indexer: opensearch.yml, certificates and internal_users.yml land where upstream puts them, under the forced config folder', () => {
  const conf = F.indexerPathConf.value;
  expect(F.indexerConfigMounts.value.every((p) => p.startsWith(`${conf}/`))).toBe(true);
  expect(mounts('StatefulSet', 'wazuh-indexer')).toContain(`${conf}/opensearch.yml`);
  // the image's demo certificates folder is replaced as a whole by an emptyDir the start script fills from the
  // Vault files (no demo file can survive beside ours)
  expect(F.indexerDemoCerts.value.filter((f) => f.startsWith('certs/')).length).toBeGreaterThan(0);
  expect(mounts('StatefulSet', 'wazuh-indexer')).toContain(`${conf}/certs`);
  for (const p of F.indexerConfigMounts.value.filter((x) => x.startsWith(`${conf}/certs/`))) expect(script('indexer-start.sh')).toContain(` ${sh(p)}`);
  const internalUsers = F.indexerConfigMounts.value.find((p) => p.endsWith('/internal_users.yml'))!;
  expect(script('indexer-start.sh')).toContain(` ${sh(internalUsers)}\n`);
  expect(mounts('StatefulSet', 'wazuh-indexer')).toContain(F.indexerData.value);
  expect(cm('wazuh-indexer-config')['opensearch.yml']).toContain(`path.data: ${F.indexerData.value}`);
});

test('indexer: ports and the security index initialisation', () => {
  expect(Object.fromEntries((c('StatefulSet', 'wazuh-indexer').ports ?? []).map((p) => [p.name, p.containerPort]))).toEqual(F.indexerPorts.value);
  const yml = cm('wazuh-indexer-config')['opensearch.yml']!;
  expect(yml).toContain(F.indexerDefaultInit.value);
  for (const line of F.indexerTransportNames.value) expect(yml).toContain(line);
});

test('manager: root s6 /init, configuration through /wazuh-config-mount, ports the image exposes', () => {
  for (const role of ['master', 'worker']) expect(script(`${role}-start.sh`)).toMatch(new RegExp(`exec ${sh(F.managerEntrypoint.value)}\\n$`));
  const [ossec, authd] = F.managerOssecMount.value;
  for (const role of ['master', 'worker']) expect(mounts('StatefulSet', `wazuh-manager-${role}`)).toContain(ossec);
  expect(script('master-start.sh')).toContain(` ${sh(authd)}\n`);
  for (const role of ['master', 'worker']) {
    for (const p of c('StatefulSet', `wazuh-manager-${role}`).ports ?? []) expect(F.managerExposed.value).toContain(p.containerPort);
  }
});

test('manager: Filebeat and API settings use the variable names the cont-init scripts read', () => {
  const env = (c('StatefulSet', 'wazuh-manager-worker').env ?? []).map((e) => e.name);
  const exported = (role: string) => [...script(`${role}-start.sh`).matchAll(/^need (\w+) /gm)].map((m) => m[1]!);
  for (const v of F.filebeatEnv.value) expect([...env, ...exported('worker')]).toContain(v);
  for (const v of F.apiUserEnv.value) expect(exported('master')).toContain(v);
  // The worker gets exactly what upstream's worker StatefulSet sets (no API user, no authd password).
  expect([...env, ...exported('worker')].sort()).toEqual([...F.workerEnv.value].sort());
  expect(exported('master')).toContain('WAZUH_CLUSTER_KEY');
  for (const conf of Object.values(cm('wazuh-manager-config'))) expect(conf).toContain(F.clusterKeyPlaceholder.value);
  expect(cm('wazuh-manager-config')['worker.conf']).toContain(F.nodeNamePlaceholder.value);
});

test('dashboard: image user, config path, port and the variables its entrypoint reads', () => {
  expect(c('Deployment', 'wazuh-dashboard').securityContext?.runAsUser).toBe(F.dashboardUid.value);
  expect(mounts('Deployment', 'wazuh-dashboard')).toContain(F.dashboardConfig.value.path);
  expect(c('Deployment', 'wazuh-dashboard').ports?.map((p) => p.containerPort)).toEqual([F.dashboardConfig.value.port]);
  const exported = [...script('dashboard-start.sh').matchAll(/^need (\w+) /gm)].map((m) => m[1]!);
  const env = (c('Deployment', 'wazuh-dashboard').env ?? []).map((e) => e.name);
  for (const v of F.dashboardEnv.value) expect([...exported, ...env]).toContain(v);
});

// --- generated files against the upstream copies ----------------------------------------------------------------
interface Node {
  tag: string;
  attrs: Record<string, string>;
  text: string;
  children: Node[];
}
/** Parses the simple XML of ossec.conf (elements, attributes, text, comments); enough for a structural diff. */
function parseXml(src: string): Node[] {
  const root: Node = { tag: '#root', attrs: {}, text: '', children: [] };
  const stack = [root];
  const re = /<!--[\s\S]*?-->|<\/([\w.-]+)\s*>|<([\w.-]+)((?:\s+[\w.-]+="[^"]*")*)\s*>|([^<]+)/g;
  const unesc = (s: string) =>
    s
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&amp;/g, '&');
  for (const m of src.matchAll(re)) {
    if (m[1]) stack.pop();
    else if (m[2]) {
      const attrs = Object.fromEntries([...(m[3] ?? '').matchAll(/([\w.-]+)="([^"]*)"/g)].map((a) => [a[1]!, unesc(a[2]!)]));
      const n: Node = { tag: m[2], attrs, text: '', children: [] };
      stack[stack.length - 1]!.children.push(n);
      stack.push(n);
    } else if (m[4] && m[4].trim()) stack[stack.length - 1]!.text += unesc(m[4].trim());
  }
  return root.children;
}
const find = (nodes: Node[], path: string): Node[] => {
  const [head, ...rest] = path.split('/');
  const hits = nodes.filter((n) => n.tag === head);
  return rest.length ? hits.flatMap((n) => find(n.children, rest.join('/'))) : hits;
};

const dir = process.env.DOMUS_UPSTREAM_DIR ?? join(__dirname, '..', '..', '..', 'shared', 'upstream');
const upstreamFile = (p: string) => join(dir, UPSTREAM['wazuh-kubernetes'].folder, p);
const present = existsSync(upstreamFile('wazuh/wazuh_managers/wazuh_conf/master.conf'));

(present ? test.each(['master', 'worker'] as const) : test.skip.each(['master', 'worker'] as const))("ossec.conf (%s) is upstream's with exactly the declared deltas", (role) => {
  const upstream = parseXml(readFileSync(upstreamFile(`wazuh/wazuh_managers/wazuh_conf/${role}.conf`), 'utf8'));
  // Apply OSSEC_DELTAS to the upstream tree, one by one.
  const set = (path: string, value: string) => {
    const hits = find(upstream, `ossec_config/${path}`);
    expect({ path, count: hits.length }).toEqual({ path, count: 1 });
    hits[0]!.text = value;
  };
  set('cluster/name', 'domus');
  set('cluster/nodes/node', `wazuh-manager-master-0.wazuh-manager-master-headless.${ns}.svc`);
  set('indexer/hosts/host', `https://wazuh-indexer.${ns}.svc:9200`);
  set('indexer/ssl/certificate_authorities/ca', '/etc/ssl/wazuh/root-ca.pem');
  set('indexer/ssl/certificate', '/etc/ssl/wazuh/filebeat.pem');
  set('indexer/ssl/key', '/etc/ssl/wazuh/filebeat-key.pem');
  set('vulnerability-detection/enabled', 'yes');
  for (const g of find(upstream, 'ossec_config/global')) g.children = g.children.filter((n) => !(n.tag === 'white_list' && n.text === '10.66.0.2'));
  expect(OSSEC_DELTAS.length).toBe(6);
  expect(parseXml(cm('wazuh-manager-config')[`${role}.conf`]!)).toEqual(upstream);
});

(present ? test : test.skip)("opensearch.yml has upstream's settings, with the stack's paths, names and DNs", () => {
  const up = parse(readFileSync(upstreamFile('wazuh/indexer_stack/wazuh-indexer/indexer_conf/opensearch.yml'), 'utf8')) as Record<string, unknown>;
  const ours = parse(cm('wazuh-indexer-config')['opensearch.yml']!) as Record<string, unknown>;
  // Renamed in OpenSearch 2 (the old name is deprecated), and the stack's one addition.
  const renamed: Record<string, string> = { 'cluster.initial_master_nodes': 'cluster.initial_cluster_manager_nodes' };
  const added = ['plugins.security.system_indices.enabled'];
  expect(Object.keys(ours).sort()).toEqual([...Object.keys(up).map((k) => renamed[k] ?? k), ...added].sort());
  // Settings whose value the stack keeps as upstream's; network.host and cluster.name come from upstream's env
  // (NETWORK_HOST 0.0.0.0, CLUSTER_NAME wazuh) and are written literally here.
  expect([ours['network.host'], ours['cluster.name']]).toEqual(['0.0.0.0', 'wazuh']);
  const changed = new Set([
    'network.host',
    'cluster.name',
    'discovery.seed_hosts',
    'cluster.initial_master_nodes',
    'plugins.security.authcz.admin_dn',
    'plugins.security.nodes_dn',
  ]);
  for (const [k, v] of Object.entries(up)) {
    if (changed.has(k) || k.endsWith('_filepath')) continue;
    expect({ k, v: ours[k] }).toEqual({ k, v });
  }
  for (const [k, v] of Object.entries(up))
    if (k.endsWith('_filepath')) expect({ k, v: ours[k] }).toEqual({ k, v: String(v).replace('/usr/share/wazuh-indexer/config/certs/', `${F.indexerPathConf.value}/certs/`) });
});

test('internal users: the reserved users upstream defines, with hashes from Vault; none of the demo users with public hashes', () => {
  const template = podTemplate('StatefulSet', 'wazuh-indexer', ns).metadata.annotations!['vault.hashicorp.com/agent-inject-template-internal_users.yml']!;
  const users = [...template.matchAll(/^([a-z]+):$/gm)].map((m) => m[1]);
  expect(users).toEqual(F.internalUsers.value.slice(0, 2));
  for (const u of users) expect(template).toContain(`hash: {{ .Data.data.${u}_hash | toJSON }}`);
});
