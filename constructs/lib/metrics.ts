/**
 * Metrics endpoints declared by the workloads. One declaration gives both the Prometheus scrape job (rendered
 * by the Prometheus construct from `targets()`) and the Prometheus → target network flow, so the two cannot
 * drift. A target whose workload is disabled disappears from both.
 */
import { Endpoint, Network, Peer, PodsPeer, WorkloadPeer } from './network';

export interface ScrapeTarget {
  /** Prometheus job name, unique across the stack. */
  readonly job: string;
  /** The pod port scraped. Workload endpoints are discovered as pods; entity/pods peers as noted in `discovery`. */
  readonly endpoint: Endpoint;
  /** @default '/metrics' */
  readonly path?: string;
  /** @default 'http' */
  readonly scheme?: 'http' | 'https';
  /** Bearer token file inside the Prometheus pod (rendered there by the Vault agent): `authorization.credentials_file`. */
  readonly bearerTokenFile?: string;
  /**
   * HTTP Basic auth for a `/metrics` behind a login (e.g. Uptime Kuma's): the username, and the password read
   * from a file inside the Prometheus pod (rendered there by the Vault agent), never a literal in the config:
   * `basic_auth.username` and `basic_auth.password_file` (conformance/facts/prometheus.ts). Exclusive with
   * `bearerTokenFile`, as in Prometheus.
   */
  readonly basicAuth?: { readonly username: string; readonly passwordFile: string };
  /** Skip TLS verification for self-signed in-cluster serving certificates. @default false */
  readonly insecureSkipVerify?: boolean;
  /**
   * How Prometheus finds the targets: `pods` (Kubernetes pod discovery in the peer's namespace, filtered by
   * labels and port), or `nodes` (one target per node IP, for hostNetwork agents such as Cilium).
   * @default 'pods'
   */
  readonly discovery?: 'pods' | 'nodes';
  /**
   * hostNetwork pods that do not run on every node (e.g. the Cilium operator): the flow still goes to the
   * `endpoint` entity (host/remote-node), but Prometheus discovers these pods instead of every node.
   */
  readonly hostNetworkPods?: PodsPeer;
  /**
   * Keep the target's own labels where they clash with the discovered ones (`honor_labels`): for exporters of
   * other objects' state (kube-state-metrics' namespace/pod/container), which would otherwise become
   * exported_namespace etc. @default false
   */
  readonly honorLabels?: boolean;
  /** Extra static labels on the job's series. */
  readonly labels?: Readonly<Record<string, string>>;
}

export class MetricsRegistry {
  private readonly declared: ScrapeTarget[] = [];
  private sealed = false;

  constructor(
    private readonly net: Network,
    /** The workload playing the `scraper` role (source of every scrape flow); none: targets without a scraper. */
    readonly scraper: WorkloadPeer | undefined,
  ) {}

  declare(target: ScrapeTarget): void {
    if (this.sealed) throw new Error(`scrape job ${target.job} was declared after the stack was finalized`);
    if (target.basicAuth && target.bearerTokenFile) throw new Error(`scrape job ${target.job}: basicAuth and bearerTokenFile exclude each other (one Authorization header)`);
    for (const file of [target.bearerTokenFile, target.basicAuth?.passwordFile]) {
      if (file !== undefined && !/^(\/[A-Za-z0-9._-]+)+$/.test(file)) throw new Error(`scrape job ${target.job}: ${JSON.stringify(file)} is not an absolute file path`);
    }
    if (target.basicAuth && !/^[\x21-\x39\x3b-\x7e]+$/.test(target.basicAuth.username))
      throw new Error(`scrape job ${target.job}: basic auth username ${JSON.stringify(target.basicAuth.username)} must be printable ASCII without spaces or ':'`);
    if (this.declared.some((t) => t.job === target.job)) throw new Error(`scrape job ${target.job} is declared twice`);
    this.declared.push(target);
    if (this.scraper) this.net.allow(this.scraper, target.endpoint, `Prometheus scrapes ${target.job}`);
  }

  /** No declarations from now on (StackContext.finalize). */
  seal(): void {
    this.sealed = true;
  }

  /** Targets whose workload exists (and the scraper too), sorted by job. Call at synthesis time. */
  targets(): ScrapeTarget[] {
    if (!this.scraper || !this.net.isRegistered(this.scraper)) return [];
    const live = (p: Peer) => p.kind !== 'workload' || this.net.isRegistered(p);
    return this.declared.filter((t) => live(t.endpoint.peer)).sort((a, b) => (a.job < b.job ? -1 : a.job > b.job ? 1 : 0));
  }
}
