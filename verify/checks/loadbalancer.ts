/**
 * LoadBalancer paths (ADR-0070), from dist alone: for every `type: LoadBalancer` Service, the source Cilium
 * attributes LAN traffic to at the backend must be allowed by the backend's policies on every Service port.
 * The provider is read from dist: a CiliumLoadBalancerIPPool means Cilium LB-IPAM, none means k3s ServiceLB.
 *
 * - ServiceLB: klipper-lb DNATs and masquerades inside `svclb-*` pods in kube-system, so the source is such a
 *   pod (labels svccontroller.k3s.cattle.io/svcname and /svcnamespace); an ipAllowList on client ranges
 *   cannot work there.
 * - Cilium: `world`; with externalTrafficPolicy Cluster on several nodes also `remote-node` (SNAT by the
 *   announcing node). Local needs a backend on every node, or the L2 lease holder may drop the traffic.
 *
 * This checks the policies against the provider's behaviour, not against the declared intent (which comes
 * from the same code as the policies).
 */
import { Endpoint, endpointsOf, matchSelector, NetModel, Peer } from '../netmodel';
import { Context, Doc, Finding, finding, id } from '../types';

const CHECK = 'loadbalancer';
const SVCLB_NAMESPACE = 'kube-system';
const SVCNAME = 'svccontroller.k3s.cattle.io/svcname';
const SVCNAMESPACE = 'svccontroller.k3s.cattle.io/svcnamespace';

interface ServiceSpec {
  type?: string;
  selector?: Record<string, string>;
  externalTrafficPolicy?: string;
  ports?: { name?: string; port: number; targetPort?: string | number; protocol?: string }[];
}

export type LbProvider = 'servicelb' | 'cilium';

export function lbProviderOf(docs: readonly Doc[]): LbProvider {
  return docs.some((d) => d.obj.kind === 'CiliumLoadBalancerIPPool') ? 'cilium' : 'servicelb';
}

/** The peers Cilium sees at the backend for LAN traffic through this Service, each with a description. */
function sourcesFor(provider: LbProvider, svc: Doc, nodes: number): { peer: Peer; what: string }[] {
  const { name, namespace = 'default' } = svc.obj.metadata;
  const etp = (svc.obj.spec as ServiceSpec).externalTrafficPolicy ?? 'Cluster';
  if (provider === 'servicelb') {
    const ep: Endpoint = {
      namespace: SVCLB_NAMESPACE,
      name: `svclb-${name}`,
      labels: { app: `svclb-${name}-00000000`, [SVCNAME]: name, [SVCNAMESPACE]: namespace },
      ports: [],
      managed: false,
    };
    return [{ peer: { kind: 'endpoint', ep }, what: `ServiceLB (svclb pods in ${SVCLB_NAMESPACE}, which masquerade)` }];
  }
  const out: { peer: Peer; what: string }[] = [{ peer: { kind: 'entity', entity: 'world' }, what: 'LAN clients via Cilium LB-IPAM (world)' }];
  if (etp === 'Cluster' && nodes > 1)
    out.push({ peer: { kind: 'entity', entity: 'remote-node' }, what: 'the announcing node forwarding with SNAT (remote-node, externalTrafficPolicy Cluster)' });
  return out;
}

function replicasOf(doc: Doc | undefined, nodes: number): number {
  if (!doc) return 0;
  if (doc.obj.kind === 'DaemonSet') return nodes;
  return (doc.obj.spec as { replicas?: number }).replicas ?? 1;
}

export function checkLoadBalancers(ctx: Context): Finding[] {
  const out: Finding[] = [];
  const provider = lbProviderOf(ctx.docs);
  const model = NetModel.fromDocs(ctx.docs);
  const endpoints = endpointsOf(ctx.docs);
  const nodes = Math.max(1, ctx.nodes.length);

  for (const svc of ctx.docs.filter((d) => d.obj.kind === 'Service' && (d.obj.spec as ServiceSpec).type === 'LoadBalancer')) {
    const spec = svc.obj.spec as ServiceSpec;
    const ns = svc.obj.metadata.namespace ?? 'default';
    const backends = spec.selector ? endpoints.filter((e) => e.namespace === ns && matchSelector({ matchLabels: spec.selector }, e.labels)) : [];
    if (backends.length === 0) {
      out.push(finding(CHECK, 'warning', `LoadBalancer ${ns}/${svc.obj.metadata.name} selects no pod in dist: its path cannot be checked`, svc));
      continue;
    }
    for (const src of sourcesFor(provider, svc, nodes)) {
      for (const be of backends) {
        for (const p of spec.ports ?? []) {
          const target = p.targetPort ?? p.port;
          const podPort = typeof target === 'number' ? target : be.ports.find((x) => x.name === target)?.port;
          if (podPort === undefined) {
            out.push(
              finding(CHECK, 'error', `LoadBalancer ${ns}/${svc.obj.metadata.name} port ${p.port}: targetPort "${target}" is not a port of ${be.namespace}/${be.name}`, svc),
            );
            continue;
          }
          if (!model.allowed(src.peer, { kind: 'endpoint', ep: be }, podPort, p.protocol ?? 'TCP')) {
            out.push(
              finding(
                CHECK,
                'error',
                `LoadBalancer ${ns}/${svc.obj.metadata.name} port ${p.port}: traffic from ${src.what} to ${be.namespace}/${be.name}:${podPort} is denied by its policies, so LAN clients cannot connect`,
                svc,
              ),
            );
          }
        }
      }
    }
    if (provider === 'cilium' && spec.externalTrafficPolicy === 'Local') {
      for (const be of backends) {
        const replicas = replicasOf(be.doc, nodes);
        if (replicas < nodes) {
          out.push(
            finding(
              CHECK,
              'error',
              `LoadBalancer ${ns}/${svc.obj.metadata.name} has externalTrafficPolicy Local but ${be.doc ? id(be.doc.obj) : be.name} runs ${replicas} pod(s) on ${nodes} nodes: the node holding the Cilium L2 address may have none and drops the traffic (use Cluster, or a DaemonSet)`,
              svc,
            ),
          );
        }
      }
    }
  }

  if (provider === 'servicelb') {
    for (const mw of ctx.docs.filter((d) => d.obj.kind === 'Middleware')) {
      const ranges = (mw.obj.spec as { ipAllowList?: { sourceRange?: string[] } }).ipAllowList?.sourceRange;
      if (ranges && ranges.some((r) => !r.startsWith('127.'))) {
        out.push(
          finding(
            CHECK,
            'error',
            `Middleware ${mw.obj.metadata.namespace}/${mw.obj.metadata.name} allow-lists ${ranges.join(', ')}, but behind ServiceLB Traefik only sees svclb pod addresses (klipper-lb masquerades): the list rejects every client or, if it covers the pod network, admits all of them`,
            mw,
          ),
        );
      }
    }
  }
  return out;
}
