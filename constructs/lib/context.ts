/**
 * What every construct of the stack shares: the validated site, the traffic graph, the Vault bindings,
 * the metrics declarations and the ingress routes. One instance per synthesis, passed down explicitly.
 */
import { Site } from '../../config/schema';
import { MetricsRegistry } from './metrics';
import { CidrPeer, entity, FqdnPeer, cidrs, fqdns, Network, Peer, tcp, PortRef, workloadPeer, WorkloadPeer } from './network';
import { VaultRegistry } from './vault';
import type { Workload } from './workload';

export interface Route {
  /** Full host name, e.g. grafana.domus.lan. */
  readonly host: string;
  readonly namespace: string;
  readonly backend: WorkloadPeer;
  readonly service: string;
  readonly servicePort: number;
  readonly podPort: number;
  readonly middlewares: readonly string[];
}

export class StackContext {
  readonly net = new Network();
  readonly vault: VaultRegistry;
  readonly metrics: MetricsRegistry;
  readonly routes: Route[] = [];
  /** Every workload built, in construction order (the runbook and tests read it). */
  readonly workloads: Workload[] = [];
  /** Files written to dist/ besides the charts (bootstrap files, intent), by path relative to dist/. */
  readonly files = new Map<string, () => string>();

  /** Workloads other constructs address before (or without) they exist. */
  readonly peers: { readonly prometheus: WorkloadPeer; readonly traefik: WorkloadPeer; readonly grafana: WorkloadPeer };

  constructor(readonly site: Site) {
    this.vault = new VaultRegistry(site);
    this.peers = {
      prometheus: workloadPeer(site.namespaces.monitoring, 'prometheus'),
      traefik: workloadPeer(site.namespaces.ingress, 'traefik'),
      grafana: workloadPeer(site.namespaces.monitoring, 'grafana'),
    };
    this.metrics = new MetricsRegistry(this.net, this.peers.prometheus);
  }

  /** The external Vault: its CIDRs from the site, else an FQDN rule on the address' host name. */
  get vaultPeer(): CidrPeer | FqdnPeer {
    const v = this.site.vault;
    return v.cidrs.length > 0 ? cidrs(v.cidrs) : fqdns([new URL(v.address).hostname]);
  }

  get vaultPort(): PortRef {
    const u = new URL(this.site.vault.address);
    return tcp(u.port ? Number(u.port) : 443);
  }

  /** `from` may call the Kubernetes API server. */
  allowApiServer(from: Peer, why: string): void {
    this.net.allowPorts(from, entity('kube-apiserver'), [tcp(6443)], why);
  }

  /** Host name under the site's base domain. */
  host(label: string): string {
    return `${label}.${this.site.cluster.domain}`;
  }

  /** Adds a file to dist/; its content is produced after every construct exists. */
  addFile(path: string, content: () => string): void {
    if (this.files.has(path)) throw new Error(`dist/${path} is produced twice`);
    this.files.set(path, content);
  }

  get multiNode(): boolean {
    return this.site.nodes.length > 1;
  }
}
