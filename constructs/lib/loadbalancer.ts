/**
 * LoadBalancer Services and the traffic they deliver: one place that knows, per provider, what the Service
 * must say and which source Cilium sees when a LAN client's packet reaches the backend pod (ADR-0070).
 *
 * - `servicelb` (k3s klipper-lb): a DaemonSet `svclb-<svc>-<hash>` in kube-system binds the Service ports as
 *   hostPorts; its entry script DNATs to the Service (ClusterIP with externalTrafficPolicy Cluster, node IP +
 *   NodePort with Local) and MASQUERADEs. The backend therefore sees the svclb pod, never the client, whatever
 *   the traffic policy: the admitted peer is those pods, selected by the labels k3s puts on them.
 * - `cilium` (LB-IPAM + L2 announcements, kube-proxy replacement): the node holding the L2 lease load-balances
 *   in eBPF. With externalTrafficPolicy Local the client address survives (peer `world`); with Cluster it also
 *   survives when the chosen backend is on the announcing node, and is SNATed to that node's address when it is
 *   not (peer `remote-node`). L2 announcements do not support Local unless every announcing node runs a backend.
 */
import type { Site } from '../../config/schema';
import { StackContext } from './context';
import { entity, Peer, pods } from './network';
import type { Workload } from './workload';

/** Where k3s runs the ServiceLB pods (`--servicelb-namespace`, default kube-system). */
export const SERVICELB_NAMESPACE = 'kube-system';
/** Labels k3s' service controller sets on every svclb pod (pkg/cloudprovider/servicelb.go). */
export const SERVICELB_LABELS = { svcName: 'svccontroller.k3s.cattle.io/svcname', svcNamespace: 'svccontroller.k3s.cattle.io/svcnamespace' } as const;
/** Cilium 1.16 LB-IPAM annotations (the `lbipam.cilium.io/` keys; `io.cilium/lb-ipam-*` are the older aliases). */
export const LBIPAM_ANNOTATIONS = { ips: 'lbipam.cilium.io/ips', sharingKey: 'lbipam.cilium.io/sharing-key' } as const;

export type TrafficPolicy = 'Local' | 'Cluster';

export interface LoadBalancerOptions {
  /** The Service's name and namespace (ServiceLB labels its pods with them). */
  readonly name: string;
  readonly namespace: string;
  /** The fixed address (Cilium LB-IPAM); ignored by ServiceLB, which answers on the node addresses. */
  readonly ip?: string;
  /** Services sharing `ip` carry the same key, so LB-IPAM gives it to all of them (ports must differ). */
  readonly sharingKey?: string;
  /** The backend needs the client address (allow-lists). Only honoured where the provider can keep it. */
  readonly wantsClientIp?: boolean;
  /** Every node that may announce the address runs a backend pod (a DaemonSet, or a single node). */
  readonly backendOnEveryNode?: boolean;
}

export interface LoadBalancerPlan {
  readonly externalTrafficPolicy: TrafficPolicy;
  readonly annotations: Readonly<Record<string, string>>;
  /** The peers Cilium attributes LoadBalancer traffic to at the backend, each with why. */
  readonly sources: readonly { readonly peer: Peer; readonly why: string }[];
  /** Whether every request reaches the backend with the client's own address. */
  readonly clientIpPreserved: boolean;
}

/**
 * externalTrafficPolicy for a Service. ServiceLB: Cluster (the svclb pod masquerades anyway, and with Cluster
 * every node's svclb pod can reach a backend). Cilium: Local only where it cannot drop traffic (a backend on
 * every announcing node) and the client address matters; Cluster otherwise.
 */
export function trafficPolicy(site: Site, o: Pick<LoadBalancerOptions, 'wantsClientIp' | 'backendOnEveryNode'>): TrafficPolicy {
  if (site.loadBalancer.provider === 'servicelb') return 'Cluster';
  const everyNode = site.nodes.length === 1 || o.backendOnEveryNode === true;
  return o.wantsClientIp && everyNode ? 'Local' : 'Cluster';
}

export function loadBalancerPlan(site: Site, o: LoadBalancerOptions): LoadBalancerPlan {
  const etp = trafficPolicy(site, o);
  if (site.loadBalancer.provider === 'servicelb') {
    const svclb = pods(SERVICELB_NAMESPACE, { [SERVICELB_LABELS.svcName]: o.name, [SERVICELB_LABELS.svcNamespace]: o.namespace });
    return {
      externalTrafficPolicy: etp,
      annotations: {},
      sources: [{ peer: svclb, why: `ServiceLB (svclb pods in ${SERVICELB_NAMESPACE}) DNATs and masquerades LAN traffic for ${o.namespace}/${o.name}` }],
      clientIpPreserved: false,
    };
  }
  const annotations: Record<string, string> = {};
  if (o.ip) annotations[LBIPAM_ANNOTATIONS.ips] = o.ip;
  if (o.ip && o.sharingKey) annotations[LBIPAM_ANNOTATIONS.sharingKey] = o.sharingKey;
  const sources: { peer: Peer; why: string }[] = [{ peer: entity('world'), why: `LAN clients reach ${o.namespace}/${o.name} through Cilium LB-IPAM` }];
  // Cluster policy on several nodes: the announcing node SNATs to its own address when the backend is elsewhere.
  if (etp === 'Cluster' && site.nodes.length > 1)
    sources.push({ peer: entity('remote-node'), why: `the node announcing ${o.namespace}/${o.name} forwards (SNAT) to a backend on another node` });
  return { externalTrafficPolicy: etp, annotations, sources, clientIpPreserved: etp === 'Local' || site.nodes.length === 1 };
}

/** Admits the LoadBalancer traffic of `plan` to the workload's named ports, and nothing else. */
export function admitLoadBalancer(ctx: StackContext, workload: Workload, plan: LoadBalancerPlan, portNames: readonly string[]): void {
  for (const s of plan.sources)
    ctx.net.allow(
      s.peer,
      portNames.map((n) => workload.endpoint(n)),
      s.why,
    );
}
