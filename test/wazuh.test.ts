/**
 * Wazuh: the declared flows and nothing else, Vault for every credential and certificate, root only where
 * the manager image needs it.
 */
import { entity, fqdns, peerKey, workloadPeer } from '../constructs/lib/network';
import { chartObjects, findAll, flowAllowed, flows, podTemplate, podTemplates, synth } from './helpers';

const ns = 'security';
const w = (name: string) => workloadPeer(ns, name);
const indexer = w('wazuh-indexer');
const master = w('wazuh-manager-master');
const worker = w('wazuh-manager-worker');
const dashboard = w('wazuh-dashboard');

test('security chart snapshot', () => {
  expect(chartObjects('security')).toMatchSnapshot();
});

test('the Wazuh flows are allowed', () => {
  expect(flowAllowed(dashboard, indexer, 9200)).toBe(true);
  expect(flowAllowed(dashboard, master, 55000)).toBe(true);
  expect(flowAllowed(master, indexer, 9200)).toBe(true);
  expect(flowAllowed(worker, indexer, 9200)).toBe(true);
  expect(flowAllowed(worker, master, 1516)).toBe(true);
  expect(flowAllowed(indexer, indexer, 9300)).toBe(true);
  expect(flowAllowed(entity('world'), worker, 1514)).toBe(true);
  expect(flowAllowed(entity('world'), master, 1515)).toBe(true);
  expect(flowAllowed(synth().stack.ctx.peers.traefik, dashboard, 5601)).toBe(true);
});

test('everything else is denied: e.g. dashboard → manager 1516, the world → indexer, outsiders → indexer', () => {
  expect(flowAllowed(dashboard, master, 1516)).toBe(false);
  expect(flowAllowed(entity('world'), indexer, 9200)).toBe(false);
  expect(flowAllowed(entity('world'), master, 55000)).toBe(false);
  const intoIndexer = flows().filter((f) => peerKey(f.to) === peerKey(indexer)).map((f) => peerKey(f.from));
  expect(intoIndexer.every((p) => p.startsWith(`workload:${ns}/wazuh-`))).toBe(true);
});

test('feed downloads go to the configured FQDNs only, and vanish with an empty list', () => {
  const feeds = fqdns(['cti.wazuh.com', 'packages.wazuh.com']);
  expect(flowAllowed(master, feeds, 443)).toBe(true);
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
  const conf = podTemplate('StatefulSet', 'wazuh-manager-master', ns).metadata.annotations!['vault.hashicorp.com/agent-inject-template-ossec.conf']!;
  expect(conf).toContain('<node_type>master</node_type>');
  expect(conf).toContain('{{ .Data.data.cluster_key }}');
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
