/**
 * The traffic graph of the stack, written as flows ("Grafana may reach Prometheus:http") and turned into
 * CiliumNetworkPolicies on both ends.
 *
 * Workloads register themselves with the scope their policy belongs in; flows name peers and ports. After
 * every construct exists, `emit()` writes one CiliumNetworkPolicy per registered workload holding all of its
 * ingress and egress. A flow whose workload end is not registered (a workload disabled in the site config)
 * is dropped, so disabling a workload removes every rule that mentions it. Ports are always the pod
 * (container) port: Cilium evaluates policy after Service DNAT.
 */
import { Construct } from 'constructs';
import {
  CiliumNetworkPolicy,
  CiliumNetworkPolicySpecEgress,
  CiliumNetworkPolicySpecEgressToEntities,
  CiliumNetworkPolicySpecEgressToPorts,
  CiliumNetworkPolicySpecEgressToPortsPortsProtocol,
  CiliumNetworkPolicySpecIngress,
  CiliumNetworkPolicySpecIngressFromEntities,
  CiliumNetworkPolicySpecIngressToPorts,
  CiliumNetworkPolicySpecIngressToPortsPortsProtocol,
} from '../../imports/cilium-ciliumnetworkpolicy-cilium.io';
import type { IntentFlow } from '../../verify/contracts/intent';
import { NAME_LABEL } from './labels';

export type Protocol = 'TCP' | 'UDP';
export type Entity = 'world' | 'host' | 'kube-apiserver' | 'cluster' | 'remote-node';

export interface PortRef {
  readonly port: number;
  readonly protocol: Protocol;
}
export const tcp = (port: number): PortRef => ({ port, protocol: 'TCP' });
export const udp = (port: number): PortRef => ({ port, protocol: 'UDP' });

/** Pods of a workload of this stack (selected by app.kubernetes.io/name). */
export interface WorkloadPeer {
  readonly kind: 'workload';
  readonly namespace: string;
  readonly name: string;
}
/** Pods the stack does not manage (CoreDNS, Cilium, ...), selected by labels. */
export interface PodsPeer {
  readonly kind: 'pods';
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
}
export interface EntityPeer {
  readonly kind: 'entity';
  readonly entity: Entity;
}
export interface CidrPeer {
  readonly kind: 'cidr';
  readonly cidrs: readonly string[];
}
export interface FqdnPeer {
  readonly kind: 'fqdn';
  readonly names: readonly string[];
}
export type Peer = WorkloadPeer | PodsPeer | EntityPeer | CidrPeer | FqdnPeer;

export const workloadPeer = (namespace: string, name: string): WorkloadPeer => ({ kind: 'workload', namespace, name });
export const pods = (namespace: string, labels: Record<string, string>): PodsPeer => ({ kind: 'pods', namespace, labels });
export const entity = (e: Entity): EntityPeer => ({ kind: 'entity', entity: e });
export const cidrs = (list: readonly string[]): CidrPeer => ({ kind: 'cidr', cidrs: [...list].sort() });
export const fqdns = (names: readonly string[]): FqdnPeer => ({ kind: 'fqdn', names: [...names].sort() });

/** A port of a peer: what a flow points at. Workload endpoints also know the Service in front of them. */
export interface Endpoint {
  readonly peer: Peer;
  readonly port: PortRef;
  /** Port name on the pod/Service (e.g. `http`). */
  readonly name?: string;
  /** The Service that fronts this port, when there is one. */
  readonly service?: { readonly name: string; readonly port: number };
}

export interface Flow {
  readonly from: Peer;
  readonly to: Peer;
  readonly port: PortRef;
  /** Why the flow exists; ends up in dist/intent/flows.json and the flow docs. */
  readonly why: string;
}

/** Where the kube-apiserver listens on k3s (the post-DNAT port Cilium sees). */
export const API_SERVER_PORT = tcp(6443);
export const KUBE_DNS = pods('kube-system', { 'k8s-app': 'kube-dns' });

export function peerKey(p: Peer): string {
  switch (p.kind) {
    case 'workload':
      return `workload:${p.namespace}/${p.name}`;
    case 'pods':
      return `pods:${p.namespace}/${Object.entries(p.labels)
        .sort()
        .map(([k, v]) => `${k}=${v}`)
        .join(',')}`;
    case 'entity':
      return `entity:${p.entity}`;
    case 'cidr':
      return `cidr:${p.cidrs.join(',')}`;
    case 'fqdn':
      return `fqdn:${p.names.join(',')}`;
  }
}

export class Network {
  private readonly flows: Flow[] = [];
  private readonly owners = new Map<string, { scope: Construct; peer: WorkloadPeer }>();
  private emitted = false;

  /** Declares that `peer`'s policy lives in `scope` (its chart). Called by Workload. */
  register(scope: Construct, peer: WorkloadPeer): void {
    const key = peerKey(peer);
    if (this.emitted) throw new Error(`workload ${key} was registered after the network policies were emitted`);
    if (this.owners.has(key)) throw new Error(`workload ${key} is registered twice`);
    this.owners.set(key, { scope, peer });
  }

  isRegistered(peer: Peer): boolean {
    return this.owners.has(peerKey(peer));
  }

  /** `from` may open connections to each endpoint. */
  allow(from: Peer, to: Endpoint | readonly Endpoint[], why: string): void {
    for (const ep of Array.isArray(to) ? (to as readonly Endpoint[]) : [to as Endpoint]) this.add({ from, to: ep.peer, port: ep.port, why });
  }

  /** `from` may open connections to `to` on these ports (for peers without declared endpoints). */
  allowPorts(from: Peer, to: Peer, ports: readonly PortRef[], why: string): void {
    for (const port of ports) this.add({ from, to, port, why });
  }

  private add(flow: Flow): void {
    if (this.emitted) throw new Error('flows were added after the network policies were emitted');
    if (flow.from.kind === 'fqdn') throw new Error(`an FQDN cannot be a flow source (${flow.why})`);
    if (flow.from.kind !== 'workload' && flow.to.kind !== 'workload') throw new Error(`a flow needs a workload of the stack on one end (${flow.why})`);
    this.flows.push(flow);
  }

  /** Flows whose workload ends all exist, in a stable order. */
  effectiveFlows(): Flow[] {
    const live = (p: Peer) => p.kind !== 'workload' || this.isRegistered(p);
    const seen = new Set<string>();
    const out: Flow[] = [];
    for (const f of this.flows) {
      if (!live(f.from) || !live(f.to)) continue;
      const key = `${peerKey(f.from)}>${peerKey(f.to)}:${f.port.protocol}/${f.port.port}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(f);
    }
    return out.sort((a, b) =>
      cmp(`${peerKey(a.from)}>${peerKey(a.to)}:${pad(a.port.port)}${a.port.protocol}`, `${peerKey(b.from)}>${peerKey(b.to)}:${pad(b.port.port)}${b.port.protocol}`),
    );
  }

  /** Writes one CiliumNetworkPolicy per registered workload. Call once, after all constructs exist. */
  emit(): void {
    if (this.emitted) throw new Error('network policies were already emitted');
    this.emitted = true;
    const flows = this.effectiveFlows();
    for (const key of [...this.owners.keys()].sort()) {
      const { scope, peer } = this.owners.get(key)!;
      const ingress = groupRules(
        flows.filter((f) => peerKey(f.to) === key),
        (f) => f.from,
      ).map(([p, ports]) => ingressRule(p, ports));
      const egress = groupRules(
        flows.filter((f) => peerKey(f.from) === key),
        (f) => f.to,
      ).map(([p, ports]) => egressRule(p, ports));
      new CiliumNetworkPolicy(scope, `cnp-${peer.name}`, {
        metadata: {
          name: peer.name,
          namespace: peer.namespace,
          labels: { [NAME_LABEL]: peer.name, 'app.kubernetes.io/managed-by': 'cdk8s' },
        },
        spec: {
          description: `Flows of ${peer.namespace}/${peer.name}, generated from the declared traffic graph. Everything else is denied by the namespace default-deny.`,
          endpointSelector: { matchLabels: { [NAME_LABEL]: peer.name } },
          ...(ingress.length ? { ingress } : {}),
          ...(egress.length ? { egress } : {}),
        },
      });
    }
  }

  /** The declared intent, for dist/intent/flows.json: typed by verify's contract, which reads it back. */
  intent(): IntentFlow[] {
    return this.effectiveFlows().map((f) => ({ from: f.from, to: f.to, port: f.port.port, protocol: f.port.protocol, why: f.why }));
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
function pad(n: number): string {
  return String(n).padStart(5, '0');
}

function groupRules(flows: Flow[], peerOf: (f: Flow) => Peer): [Peer, PortRef[]][] {
  const groups = new Map<string, [Peer, PortRef[]]>();
  for (const f of flows) {
    const p = peerOf(f);
    const k = peerKey(p);
    if (!groups.has(k)) groups.set(k, [p, []]);
    const ports = groups.get(k)![1];
    if (!ports.some((x) => x.port === f.port.port && x.protocol === f.port.protocol)) ports.push(f.port);
  }
  return [...groups.entries()].sort(([a], [b]) => cmp(a, b)).map(([, v]) => [v[0], v[1].sort((a, b) => a.port - b.port || cmp(a.protocol, b.protocol))]);
}

function egressPorts(ports: PortRef[]): CiliumNetworkPolicySpecEgressToPorts[] {
  const P = CiliumNetworkPolicySpecEgressToPortsPortsProtocol;
  return [{ ports: ports.map((p) => ({ port: String(p.port), protocol: p.protocol === 'TCP' ? P.TCP : P.UDP })) }];
}
function ingressPorts(ports: PortRef[]): CiliumNetworkPolicySpecIngressToPorts[] {
  const P = CiliumNetworkPolicySpecIngressToPortsPortsProtocol;
  return [{ ports: ports.map((p) => ({ port: String(p.port), protocol: p.protocol === 'TCP' ? P.TCP : P.UDP })) }];
}

function podSelector(p: WorkloadPeer | PodsPeer): { matchLabels: Record<string, string> } {
  const labels = p.kind === 'workload' ? { [NAME_LABEL]: p.name } : p.labels;
  return { matchLabels: { 'k8s:io.kubernetes.pod.namespace': p.namespace, ...labels } };
}

const INGRESS_ENTITIES: Record<Entity, CiliumNetworkPolicySpecIngressFromEntities> = {
  world: CiliumNetworkPolicySpecIngressFromEntities.WORLD,
  host: CiliumNetworkPolicySpecIngressFromEntities.HOST,
  'kube-apiserver': CiliumNetworkPolicySpecIngressFromEntities.KUBE_HYPHEN_APISERVER,
  cluster: CiliumNetworkPolicySpecIngressFromEntities.CLUSTER,
  'remote-node': CiliumNetworkPolicySpecIngressFromEntities.REMOTE_HYPHEN_NODE,
};
const EGRESS_ENTITIES: Record<Entity, CiliumNetworkPolicySpecEgressToEntities> = {
  world: CiliumNetworkPolicySpecEgressToEntities.WORLD,
  host: CiliumNetworkPolicySpecEgressToEntities.HOST,
  'kube-apiserver': CiliumNetworkPolicySpecEgressToEntities.KUBE_HYPHEN_APISERVER,
  cluster: CiliumNetworkPolicySpecEgressToEntities.CLUSTER,
  'remote-node': CiliumNetworkPolicySpecEgressToEntities.REMOTE_HYPHEN_NODE,
};

function ingressRule(from: Peer, ports: PortRef[]): CiliumNetworkPolicySpecIngress {
  const tp = ingressPorts(ports);
  switch (from.kind) {
    case 'workload':
    case 'pods':
      return { fromEndpoints: [podSelector(from)], toPorts: tp };
    case 'entity':
      return { fromEntities: [INGRESS_ENTITIES[from.entity]], toPorts: tp };
    case 'cidr':
      return { fromCidr: [...from.cidrs], toPorts: tp };
    case 'fqdn':
      throw new Error('an FQDN cannot be an ingress source');
  }
}

function egressRule(to: Peer, ports: PortRef[]): CiliumNetworkPolicySpecEgress {
  const tp = egressPorts(ports);
  switch (to.kind) {
    case 'workload':
    case 'pods':
      return { toEndpoints: [podSelector(to)], toPorts: tp };
    case 'entity':
      return { toEntities: [EGRESS_ENTITIES[to.entity]], toPorts: tp };
    case 'cidr':
      return { toCidr: [...to.cidrs], toPorts: tp };
    case 'fqdn':
      // The DNS proxy learns the addresses: the namespace DNS policy carries the L7 DNS rule (platform chart).
      return { toFqdNs: to.names.map((n) => ({ matchName: n })), toPorts: tp };
  }
}
