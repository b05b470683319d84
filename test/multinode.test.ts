/**
 * Growing past one node is configuration: the three-node example validates, synthesizes, and spreads every
 * replicated workload with anti-affinity, topology spread and a drain-safe PodDisruptionBudget.
 */
import { join } from 'node:path';
import { parse } from 'yaml';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { writeTree } from '../charts/synth';
import { buildContext, runChecks } from '../verify/cli';
import { SiteInput } from '../config/schema';
import { findAll, podTemplates, synth, KubeObject } from './helpers';
import { chartNames } from '../charts/stack';

const example = parse(readFileSync(join(__dirname, '..', 'config', 'examples', 'three-node.yaml'), 'utf8')) as SiteInput;
const s = synth(example);
const objects = s.charts.flatMap((c) => [...c.objects]);

test('the three-node example validates and synthesizes every chart', () => {
  expect(s.charts.map((c) => c.name)).toEqual([...chartNames(), 'apps']);
});

test('every workload with more than one replica is spread and protected by a PDB with maxUnavailable', () => {
  const replicated = objects.filter((o) => (o.kind === 'Deployment' || o.kind === 'StatefulSet') && ((o.spec as { replicas?: number }).replicas ?? 1) > 1);
  expect(replicated.map((o) => o.metadata.name).sort()).toEqual(
    ['argocd-repo-server', 'argocd-server', 'grafana', 'minio', 'prometheus', 'wazuh-indexer', 'wazuh-manager-worker'].sort(),
  );
  const pdbs = findAll('PodDisruptionBudget', s);
  for (const w of replicated) {
    const t = podTemplates([w])[0]!;
    const spec = t.spec as unknown as {
      affinity?: { podAntiAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: { topologyKey: string }[] } };
      topologySpreadConstraints?: { topologyKey: string }[];
    };
    expect(spec.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.[0]?.topologyKey).toBe('kubernetes.io/hostname');
    expect(spec.topologySpreadConstraints?.[0]?.topologyKey).toBe('kubernetes.io/hostname');
    const pdb = pdbs.find((p: KubeObject) => p.metadata.name === w.metadata.name && p.metadata.namespace === w.metadata.namespace);
    expect(pdb?.spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: { 'app.kubernetes.io/name': w.metadata.name } } });
  }
});

test('the single-node default has no PDBs and no anti-affinity', () => {
  expect(findAll('PodDisruptionBudget')).toEqual([]);
  expect(podTemplates().filter((t) => (t.spec as unknown as { affinity?: unknown }).affinity)).toEqual([]);
});

test('MinIO runs distributed over 3 pods × 2 drives', () => {
  const sts = objects.find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'minio')!;
  const spec = sts.spec as { replicas: number; podManagementPolicy: string; volumeClaimTemplates: unknown[] };
  expect(spec.replicas).toBe(3);
  expect(spec.podManagementPolicy).toBe('Parallel');
  expect(spec.volumeClaimTemplates).toHaveLength(2);
});

test('the bootstrap emits agent join files (token from a file, never inline) and two Cilium operators', () => {
  const agent = parse(s.files.get('bootstrap/k3s/agent-node-02.yaml')!) as Record<string, unknown>;
  expect(agent).toEqual({ server: 'https://192.168.10.21:6443', 'token-file': '/etc/rancher/k3s/token', 'node-name': 'node-02', 'node-ip': '192.168.10.22' });
  const cilium = parse(s.files.get('bootstrap/manifests/cilium.yaml')!.split('---\n')[0]!) as { spec: { valuesContent: string } };
  expect((parse(cilium.spec.valuesContent) as { operator: { replicas: number } }).operator.replicas).toBe(2);
  expect(s.files.get('bootstrap/manifests/cilium.yaml')).toContain('kind: CiliumLoadBalancerIPPool');
});

test('other nodes may reach what the local node may (remote-node entity)', () => {
  const intent = JSON.parse(s.files.get('intent/flows.json')!) as { from: { kind: string; entity?: string }; to: { name?: string } }[];
  expect(intent.some((f) => f.from.entity === 'remote-node' && f.to.name === 'vault-agent-injector')).toBe(true);
});

test('npm run verify accepts the three-node output', () => {
  const dir = mkdtempSync(join(tmpdir(), 'three-node-'));
  writeTree(dir, s.files);
  const ctx = buildContext(dir, ['--config', join(__dirname, '..', 'config', 'examples', 'three-node.yaml')]);
  const { findings } = runChecks(ctx, { maxShare: 0.8 });
  expect(findings.filter((f) => f.severity === 'error')).toEqual([]);
});
