/**
 * Day 0 as data: the node files parse and carry the settings the stack depends on, the Vault setup matches
 * the pod annotations exactly, and the runbooks cover every workload.
 */
import { sh } from '../constructs/lib/quote';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { readmeSections, runbookDoc, sectionOf } from '../scripts/docs';
import { day0Steps } from '../day0/bootstrap';
import { APP_WAVES } from '../charts/apps';
import { entity, peerKey } from '../constructs/lib/network';
import { findAll, flowAllowed, podTemplates, synth } from './helpers';

const s = synth();
const file = (p: string) => {
  const f = s.files.get(p);
  if (f === undefined) throw new Error(`no dist/${p}`);
  return f;
};

test('k3s server config: Cilium replaces flannel, kube-proxy and the network policy controller; our own Traefik', () => {
  const c = parse(file('bootstrap/k3s/config-node-01.yaml')) as Record<string, unknown>;
  expect(c).toMatchObject({
    'flannel-backend': 'none',
    'disable-network-policy': true,
    'disable-kube-proxy': true,
    disable: ['traefik', 'servicelb'],
    'node-ip': '192.168.10.20',
    'secrets-encryption': true,
    'kube-apiserver-arg': ['admission-control-config-file=/var/lib/rancher/k3s/server/psa.yaml'],
  });
  expect(c['tls-san']).toContain('192.168.10.20');
});

test('ServiceLB is disabled when Cilium announces LoadBalancer IPs (the default), and kept with provider servicelb', () => {
  expect((parse(file('bootstrap/k3s/config-node-01.yaml')) as { disable: string[] }).disable).toEqual(['traefik', 'servicelb']);
  const other = synth({ loadBalancer: { provider: 'servicelb' }, workloads: { traefik: { adminAllowCidrs: [] } } });
  expect((parse(other.files.get('bootstrap/k3s/config-node-01.yaml')!) as { disable: string[] }).disable).toEqual(['traefik']);
  expect(other.files.get('bootstrap/manifests/cilium.yaml')).not.toContain('CiliumLoadBalancerIPPool');
});

test('Pod Security admission defaults agree with the namespace labels', () => {
  const psa = parse(file('bootstrap/k3s/psa.yaml')) as { plugins: { configuration: { defaults: Record<string, string>; exemptions: { namespaces: string[] } } }[] };
  const cfg = psa.plugins[0]!.configuration;
  expect(cfg.defaults.enforce).toBe('restricted');
  for (const ns of findAll('Namespace')) {
    expect(cfg.exemptions.namespaces).not.toContain(ns.metadata.name);
    expect(ns.metadata.labels?.['pod-security.kubernetes.io/audit']).toBe(cfg.defaults.audit);
    expect(ns.metadata.labels?.['pod-security.kubernetes.io/warn']).toBe(cfg.defaults.warn);
  }
});

test('the Wazuh indexer sysctl is set on the node, and only when Wazuh is enabled', () => {
  expect(file('bootstrap/sysctl/99-domus.conf')).toContain('vm.max_map_count = 262144');
  expect(synth({ workloads: { wazuh: { enabled: false } } }).files.get('bootstrap/sysctl/99-domus.conf')).not.toContain('max_map_count');
});

test('Cilium HelmChart: bootstrap, kube-proxy replacement against the k3s API, pod CIDR from k3s, Hubble and metrics', () => {
  const chart = parse(file('bootstrap/manifests/cilium.yaml').split('\n---\n')[0]!) as { kind: string; spec: { bootstrap: boolean; version: string; valuesContent: string } };
  expect(chart.kind).toBe('HelmChart');
  expect(chart.spec.bootstrap).toBe(true);
  expect(chart.spec.version).toBe('1.16.12');
  const v = parse(chart.spec.valuesContent) as Record<string, unknown>;
  expect(v).toMatchObject({
    kubeProxyReplacement: true,
    k8sServiceHost: '192.168.10.20',
    k8sServicePort: 6443,
    ipam: { mode: 'kubernetes' },
    operator: { replicas: 1 },
    l7Proxy: true,
    prometheus: { enabled: true },
  });
  expect(v.hubble).toMatchObject({ relay: { enabled: true }, ui: { enabled: true } });
});

test('every Vault role corresponds exactly to the annotated ServiceAccounts and secret paths', () => {
  const setup = file('bootstrap/vault/setup.sh');
  const annotated = podTemplates().filter((t) => t.metadata.annotations?.['vault.hashicorp.com/agent-inject'] === 'true');
  const roles = new Set<string>();
  for (const t of annotated) {
    const a = t.metadata.annotations!;
    const role = a['vault.hashicorp.com/role']!;
    roles.add(role);
    expect(setup).toContain(
      `role/${sh(role)} bound_service_account_names=${sh(t.spec.serviceAccountName!)} bound_service_account_namespaces=${sh(t.owner.metadata.namespace!)} token_policies=${sh(role)}`,
    );
    const policy = file(`bootstrap/vault/policies/${role}.hcl`);
    const paths = Object.entries(a)
      .filter(([k]) => k.startsWith('vault.hashicorp.com/agent-inject-secret-'))
      .map(([, v]) => v);
    for (const p of paths) expect(policy).toContain(`path "${p}"`);
    expect((policy.match(/^path /gm) ?? []).length).toBe(new Set(paths).size);
  }
  expect((setup.match(/^vault write auth\/[^ ]+\/role\//gm) ?? []).length).toBe(roles.size);
});

test('the KV keys the operator must set come from the typed secrets', () => {
  expect(file('bootstrap/vault/setup.sh')).toContain('vault kv put kv/monitoring/grafana admin_password=... admin_user=...');
});

test('day 0 runs in dependency order and the runbook mentions every workload', () => {
  expect(day0Steps(s.stack.ctx).map((x) => x.id)).toEqual([
    'tools',
    'git',
    'copy',
    'host',
    'k3s',
    'cilium',
    'kubeconfig',
    'vault-prereq',
    'injector',
    'vault',
    'argocd',
    'root',
    'dns',
    'trust',
    'waves',
    'alerting',
  ]);
  const day0 = file('bootstrap/DAY0.md');
  expect(day0.indexOf('manifests/cilium.yaml')).toBeLessThan(day0.indexOf('dist/vault/'));
  expect(day0.indexOf('dist/vault/')).toBeLessThan(day0.indexOf('dist/argocd/'));
  expect(day0.indexOf('dist/argocd/')).toBeLessThan(day0.indexOf('dist/apps/apps.yaml'));
  const runbook = file('bootstrap/RUNBOOK.md');
  for (const w of s.stack.ctx.workloads) {
    expect(runbook).toContain(`## ${w.name} (${w.namespace})`);
    expect(runbook).toContain(`hubble observe --namespace ${w.namespace} --pod ${w.name}`);
  }
});

test('the injector webhook admits the API server, and the vault app precedes every app whose pods need it', () => {
  const injector = { kind: 'workload' as const, namespace: 'vault', name: 'vault-agent-injector' };
  expect(flowAllowed(entity('host'), injector, 8080)).toBe(true);
  expect(flowAllowed(entity('kube-apiserver'), injector, 8080)).toBe(true);
  expect(peerKey(entity('world'))).toBe('entity:world');
  expect(flowAllowed(entity('world'), injector, 8080)).toBe(false);
  // Every chart whose pods may carry Vault annotations syncs after the injector's (the waves come from the registry).
  for (const app of Object.keys(APP_WAVES).filter((a) => !['vault', 'platform', 'argocd-crds', 'traefik-crds'].includes(a)))
    expect({ app, after: APP_WAVES.vault! < APP_WAVES[app]! }).toEqual({ app, after: true });
});

test('the generated docs are current (run `npm run docs` when this fails)', () => {
  const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
  for (const [name, body] of Object.entries(readmeSections())) expect({ name, body: sectionOf(readme, name) }).toEqual({ name, body });
  expect(readFileSync(join(__dirname, '..', 'docs', 'runbook.md'), 'utf8')).toBe(runbookDoc());
});
