/**
 * `npm run verify`'s loadbalancer check on the synthesized stack, per provider, and on the mutations a careless
 * commit would make: each must fail with a message that says which path is broken and why.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { writeTree } from '../../charts/synth';
import { SiteInput } from '../../config/schema';
import { checkLoadBalancers, lbProviderOf } from '../../verify/checks/loadbalancer';
import { cachedLoadDist as loadDist } from '../lib/dist-cache';
import { Context, KubeObj } from '../../verify/types';
import { synth } from '../helpers';

type Rule = { fromEntities?: string[]; fromEndpoints?: { matchLabels: Record<string, string> }[]; toPorts?: unknown[] };

function contextOf(input: SiteInput, mutate?: (objs: KubeObj[]) => void): Context {
  const s = synth(input);
  const dir = mkdtempSync(join(tmpdir(), 'lb-verify-'));
  writeTree(dir, s.files);
  const { docs, files } = loadDist(dir);
  mutate?.(docs.map((d) => d.obj));
  const site = s.stack.ctx.site;
  return {
    docs,
    files,
    dist: dir,
    nodes: site.nodes.map((n) => ({ name: n.name, cpu: n.capacity.cpu, memory: n.capacity.memory })),
    vault: { cidrs: site.vault.cidrs, host: 'vault.domus.lan', port: 8200 },
    gitPath: 'dist',
  };
}
const errors = (c: Context) =>
  checkLoadBalancers(c)
    .filter((f) => f.severity === 'error')
    .map((f) => f.message);
const cnp = (objs: KubeObj[], ns: string, name: string) =>
  objs.find((o) => o.kind === 'CiliumNetworkPolicy' && o.metadata.namespace === ns && o.metadata.name === name)! as KubeObj & { spec: { ingress: Rule[] } };

const SERVICELB: SiteInput = { loadBalancer: { provider: 'servicelb' }, workloads: { traefik: { adminAllowCidrs: [] } } };
const threeNode = parse(readFileSync(join(__dirname, '..', '..', 'config', 'examples', 'three-node.yaml'), 'utf8')) as SiteInput;

test.each([
  ['default (Cilium, one node)', {}, 'cilium'],
  ['ServiceLB', SERVICELB, 'servicelb'],
  ['three-node example (Cilium)', threeNode, 'cilium'],
] as const)('%s: every LoadBalancer path is admitted', (_name, input, provider) => {
  const c = contextOf(input);
  expect(lbProviderOf(c.docs)).toBe(provider);
  expect(errors(c)).toEqual([]);
});

test('Cilium: dropping the world rule from Traefik blocks LAN clients', () => {
  const c = contextOf({}, (objs) => {
    const p = cnp(objs, 'ingress', 'traefik');
    p.spec.ingress = p.spec.ingress.filter((r) => !r.fromEntities?.includes('world'));
  });
  expect(errors(c)).toEqual([
    'LoadBalancer ingress/traefik port 80: traffic from LAN clients via Cilium LB-IPAM (world) to ingress/traefik:8000 is denied by its policies, so LAN clients cannot connect',
    'LoadBalancer ingress/traefik port 443: traffic from LAN clients via Cilium LB-IPAM (world) to ingress/traefik:8443 is denied by its policies, so LAN clients cannot connect',
  ]);
});

test('ServiceLB: the old world/host rule instead of the svclb pods drops every connection (the bug this check exists for)', () => {
  const c = contextOf(SERVICELB, (objs) => {
    for (const [ns, name] of [
      ['ingress', 'traefik'],
      ['security', 'wazuh-manager-master'],
    ] as const) {
      const p = cnp(objs, ns, name);
      p.spec.ingress = p.spec.ingress.map((r) =>
        r.fromEndpoints?.[0]?.matchLabels['svccontroller.k3s.cattle.io/svcname'] ? { fromEntities: ['world', 'host'], toPorts: r.toPorts } : r,
      );
    }
  });
  const msgs = errors(c);
  expect(msgs).toContain(
    'LoadBalancer ingress/traefik port 443: traffic from ServiceLB (svclb pods in kube-system, which masquerade) to ingress/traefik:8443 is denied by its policies, so LAN clients cannot connect',
  );
  expect(msgs).toContain(
    'LoadBalancer security/wazuh-enrollment port 1515: traffic from ServiceLB (svclb pods in kube-system, which masquerade) to security/wazuh-manager-master:1515 is denied by its policies, so LAN clients cannot connect',
  );
  expect(msgs).toHaveLength(3);
});

test('ServiceLB: an allow-list on client ranges is an error (Traefik only sees svclb pod addresses)', () => {
  const c = contextOf(SERVICELB, (objs) => {
    const mw = objs.find((o) => o.kind === 'Middleware' && o.metadata.namespace === 'monitoring')!;
    (mw.spec as { ipAllowList: { sourceRange: string[] } }).ipAllowList.sourceRange = ['192.168.10.0/24'];
  });
  expect(errors(c)).toEqual([
    expect.stringMatching(/^Middleware monitoring\/admin-allowlist allow-lists 192\.168\.10\.0\/24, but behind ServiceLB Traefik only sees svclb pod addresses/),
  ]);
});

test('Cilium, three nodes: Local on a Deployment with fewer pods than nodes is an error; Cluster without remote-node too', () => {
  const local = contextOf(threeNode, (objs) => {
    const ds = objs.find((o) => o.kind === 'DaemonSet' && o.metadata.name === 'traefik')!;
    ds.kind = 'Deployment';
    (ds.spec as { replicas?: number }).replicas = 2;
  });
  expect(errors(local)).toEqual([expect.stringContaining('LoadBalancer ingress/traefik has externalTrafficPolicy Local but Deployment ingress/traefik runs 2 pod(s) on 3 nodes')]);
  const snat = contextOf(threeNode, (objs) => {
    const p = cnp(objs, 'security', 'wazuh-manager-worker');
    p.spec.ingress = p.spec.ingress.filter((r) => !r.fromEntities?.includes('remote-node'));
  });
  expect(errors(snat)).toEqual([
    'LoadBalancer security/wazuh-events port 1514: traffic from the announcing node forwarding with SNAT (remote-node, externalTrafficPolicy Cluster) to security/wazuh-manager-worker:1514 is denied by its policies, so LAN clients cannot connect',
  ]);
});
