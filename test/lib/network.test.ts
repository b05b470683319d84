/** The flow API (constructs/lib/network.ts) in a bare chart: flows become policies on both ends, once. */
import { cidrs, entity, fqdns, Network, pods, tcp, udp, workloadPeer } from '../../constructs/lib/network';
import { Workload } from '../../constructs/lib/workload';
import { intentFileSchema } from '../../verify/contracts/intent';
import { app, bare, find, KubeObj } from './bare';

type Cnp = KubeObj & { spec: { endpointSelector: { matchLabels: Record<string, string> }; ingress?: Record<string, unknown>[]; egress?: Record<string, unknown>[] } };
const cnp = (objs: KubeObj[], name: string) => find(objs, 'CiliumNetworkPolicy', name) as Cnp;

describe('connect: one flow, a policy on each end', () => {
  const b = bare();
  const web = new Workload(b.chart, 'web', b.ctx, app('web'));
  const api = new Workload(b.chart, 'api', b.ctx, app('api', 'backend'));
  web.connect(api.endpoint('http'), 'web calls the api');
  const objs = b.synth();

  test('the source gets an egress rule to the destination pods on the pod port (not the Service port)', () => {
    expect(cnp(objs, 'web').spec.egress).toEqual([
      {
        toEndpoints: [{ matchLabels: { 'app.kubernetes.io/name': 'api', 'k8s:io.kubernetes.pod.namespace': 'backend' } }],
        toPorts: [{ ports: [{ port: '8080', protocol: 'TCP' }] }],
      },
    ]);
    expect(cnp(objs, 'web').spec.ingress).toBeUndefined();
  });
  test('the destination gets the matching ingress rule, in its own namespace', () => {
    const p = cnp(objs, 'api');
    expect(p.metadata.namespace).toBe('backend');
    expect(p.spec.endpointSelector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'api' });
    expect(p.spec.ingress).toEqual([
      {
        fromEndpoints: [{ matchLabels: { 'app.kubernetes.io/name': 'web', 'k8s:io.kubernetes.pod.namespace': 'web' } }],
        toPorts: [{ ports: [{ port: '8080', protocol: 'TCP' }] }],
      },
    ]);
    expect(p.spec.egress).toBeUndefined();
  });
  test('the intent lists the flow once, in the shape of the verify contract', () => {
    const intent = b.ctx.net.intent();
    expect(intentFileSchema.parse(intent)).toEqual([
      { from: workloadPeer('web', 'web'), to: workloadPeer('backend', 'api'), port: 8080, protocol: 'TCP', why: 'web calls the api' },
    ]);
  });
  test('the endpoint carries the Service in front of it', () => {
    expect(api.endpoint('http')).toEqual({ peer: workloadPeer('backend', 'api'), port: tcp(8080), name: 'http', service: { name: 'api', port: 80 } });
  });
});

test('ports to one peer merge into one rule, sorted; duplicate flows are one flow', () => {
  const b = bare();
  const w = new Workload(b.chart, 'w', b.ctx, app('w'));
  w.connectPorts(pods('kube-system', { 'k8s-app': 'kube-dns' }), [udp(53), tcp(53)], 'dns');
  w.connectPorts(pods('kube-system', { 'k8s-app': 'kube-dns' }), [tcp(53)], 'dns again');
  const p = cnp(b.synth(), 'w');
  expect(p.spec.egress).toEqual([
    {
      toEndpoints: [{ matchLabels: { 'k8s:io.kubernetes.pod.namespace': 'kube-system', 'k8s-app': 'kube-dns' } }],
      toPorts: [
        {
          ports: [
            { port: '53', protocol: 'TCP' },
            { port: '53', protocol: 'UDP' },
          ],
        },
      ],
    },
  ]);
  expect(b.ctx.net.intent()).toHaveLength(2);
});

test('entities, CIDRs and FQDNs become the matching Cilium peers', () => {
  const b = bare();
  const w = new Workload(b.chart, 'w', b.ctx, app('w'));
  w.connectPorts(cidrs(['10.0.0.9/32', '10.0.0.1/32']), [tcp(8200)], 'vault');
  w.connectPorts(fqdns(['b.example.org', 'a.example.org']), [tcp(443)], 'git');
  w.connectPorts(entity('kube-apiserver'), [tcp(6443)], 'api');
  w.allowFrom(entity('world'), ['http'], 'LAN clients');
  const p = cnp(b.synth(), 'w');
  expect(p.spec.egress).toEqual([
    { toCIDR: ['10.0.0.1/32', '10.0.0.9/32'], toPorts: [{ ports: [{ port: '8200', protocol: 'TCP' }] }] },
    { toEntities: ['kube-apiserver'], toPorts: [{ ports: [{ port: '6443', protocol: 'TCP' }] }] },
    { toFQDNs: [{ matchName: 'a.example.org' }, { matchName: 'b.example.org' }], toPorts: [{ ports: [{ port: '443', protocol: 'TCP' }] }] },
  ]);
  expect(p.spec.ingress).toEqual([{ fromEntities: ['world'], toPorts: [{ ports: [{ port: '8080', protocol: 'TCP' }] }] }]);
});

test('a disabled peer (never registered) drops every flow that names it, from both policies and the intent', () => {
  const b = bare();
  const w = new Workload(b.chart, 'w', b.ctx, app('w'));
  const gone = workloadPeer('monitoring', 'prometheus'); // e.g. workloads.prometheus.enabled: false
  w.allowFrom(gone, ['http'], 'scrape');
  w.connectPorts(gone, [tcp(9090)], 'remote write');
  const objs = b.synth();
  expect(cnp(objs, 'w').spec.ingress).toBeUndefined();
  expect(cnp(objs, 'w').spec.egress).toBeUndefined();
  expect(b.ctx.net.intent()).toEqual([]);
  expect(objs.filter((o) => o.kind === 'CiliumNetworkPolicy').map((o) => o.metadata.name)).toEqual(['w']);
});

describe('the registry refuses what would make the output wrong', () => {
  test('a flow after emit', () => {
    const b = bare();
    const w = new Workload(b.chart, 'w', b.ctx, app('w'));
    b.synth();
    expect(() => w.connectPorts(entity('world'), [tcp(443)], 'late')).toThrow('flows were added after the network policies were emitted');
    expect(() => b.ctx.net.emit()).toThrow('network policies were already emitted');
  });
  test('a workload registered twice, an FQDN source, a flow with no workload end', () => {
    const b = bare();
    new Workload(b.chart, 'w', b.ctx, app('w'));
    expect(() => new Workload(b.chart, 'w2', b.ctx, app('w'))).toThrow('workload workload:web/w is registered twice');
    const net = new Network();
    expect(() => net.allowPorts(fqdns(['x.org']), workloadPeer('a', 'b'), [tcp(1)], 'why')).toThrow('an FQDN cannot be a flow source (why)');
    expect(() => net.allowPorts(entity('world'), cidrs(['10.0.0.0/8']), [tcp(1)], 'nobody')).toThrow('a flow needs a workload of the stack on one end (nobody)');
  });
  test('an endpoint on a port the workload does not declare', () => {
    const b = bare();
    const w = new Workload(b.chart, 'w', b.ctx, app('w'));
    expect(() => w.endpoint('metrics')).toThrow('web/w has no port named metrics (has: http)');
  });
});
