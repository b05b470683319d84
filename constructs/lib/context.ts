/**
 * What every construct of the stack shares: the validated site, the traffic graph, the Vault bindings,
 * the metrics declarations and the ingress routes. One instance per synthesis, passed down explicitly.
 *
 * Two phases: constructs declare (workloads, flows, scrape targets, Vault bindings, routes), then `finalize`
 * renders once what depends on all declarations (the network policies, then the caller's rendering: child
 * Applications, day-0 files). From finalize on, the registries refuse additions with an error.
 */
import type { ExposureRoute } from '../../verify/contracts/declared';
import { Chart } from 'cdk8s';
import type { Site } from '../../config/schema';
import { AppDefinition, StackNamespace, stackNamespaces, StackRole, stackRoles } from './app';
import { MetricsRegistry } from './metrics';
import { API_SERVER_PORT, CidrPeer, entity, FqdnPeer, cidrs, fqdns, Network, Peer, peerKey, tcp, PortRef, WorkloadPeer } from './network';
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
  private readonly routeList: Route[] = [];
  private readonly exposureMap = new Map<string, ExposureRoute>();
  private readonly workloadList: Workload[] = [];
  private readonly fileMap = new Map<string, () => string>();
  private readonly fileObjectMap = new Map<string, () => readonly unknown[]>();
  private phase: 'declare' | 'render' | 'done' = 'declare';

  /** The workloads playing the stack's roles (declared by their apps, constructs/lib/app.ts StackRole); absent when no enabled app plays one. */
  readonly peers: Partial<Readonly<Record<StackRole, WorkloadPeer>>>;

  /** The enabled apps, in registry order. */
  readonly apps: readonly AppDefinition[];
  /** The namespaces of those apps (platform chart, Vault injector, Traefik). */
  readonly namespaces: readonly StackNamespace[];

  constructor(
    readonly site: Site,
    apps: readonly AppDefinition[] = [],
  ) {
    this.apps = apps.filter((a) => a.enabled(site));
    this.namespaces = stackNamespaces(site, this.apps);
    this.vault = new VaultRegistry(site);
    this.peers = stackRoles(site, this.apps);
    this.metrics = new MetricsRegistry(this.net, this.peers.scraper);
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
    this.net.allowPorts(from, entity('kube-apiserver'), [API_SERVER_PORT], why);
  }

  /** Host name under the site's base domain. */
  host(label: string): string {
    return `${label}.${this.site.cluster.domain}`;
  }

  /** Every HTTPS route, in declaration order. */
  get routes(): readonly Route[] {
    return this.routeList;
  }

  /** Every workload built, in construction order (the runbook and tests read it). */
  get workloads(): readonly Workload[] {
    return this.workloadList;
  }

  /** Files written to dist/ besides the charts (bootstrap files, intent), by path relative to dist/. */
  get files(): ReadonlyMap<string, () => string> {
    return this.fileMap;
  }

  /**
   * The API objects some of those files are written from, one per YAML document in order: synth reads them
   * instead of parsing the file again when it renders dist/docs (charts/docs.ts, issue 22).
   */
  get fileObjects(): ReadonlyMap<string, () => readonly unknown[]> {
    return this.fileObjectMap;
  }

  /** Whether `finalize` has started: declarations are refused from then on. */
  get finalized(): boolean {
    return this.phase !== 'declare';
  }

  addRoute(route: Route): void {
    this.refuseLate(`route ${route.host}`);
    this.routeList.push(route);
  }

  /**
   * Declares what a host published through Traefik exposes and to whom (written to dist/intent/exposure.json,
   * checked by verify against the routes). Several routes of one host declare the same.
   */
  addExposure(e: ExposureRoute): void {
    this.refuseLate(`exposure of ${e.host}`);
    const prev = this.exposureMap.get(e.host);
    if (prev && JSON.stringify(prev) !== JSON.stringify(e)) throw new Error(`host ${e.host}: two routes declare different exposures`);
    this.exposureMap.set(e.host, e);
  }

  /** Every declared exposure, by host. */
  get exposures(): readonly ExposureRoute[] {
    return [...this.exposureMap.values()].sort((a, b) => (a.host < b.host ? -1 : a.host > b.host ? 1 : 0));
  }

  addWorkload(w: Workload): void {
    this.refuseLate(`workload ${w.namespace}/${w.name}`);
    this.workloadList.push(w);
  }

  /**
   * Adds a file to dist/; its content is produced after every construct exists. Allowed until finalize ends.
   * `objects`: for a YAML file, the objects its documents are written from (see fileObjects).
   */
  addFile(path: string, content: () => string, objects?: () => readonly unknown[]): void {
    if (this.phase === 'done') throw new Error(`dist/${path} was added after the stack was finalized`);
    if (this.fileMap.has(path)) throw new Error(`dist/${path} is produced twice`);
    this.fileMap.set(path, content);
    if (objects) this.fileObjectMap.set(path, objects);
  }

  /**
   * The one rendering phase: seals the metrics and Vault registries, the routes and the workloads, emits the
   * network policies, then runs `render` (which may add objects and files, never declarations). `charts` is
   * the output order: workloads are listed chart by chart in that order, whatever order the charts were built in.
   */
  finalize(render: () => void, charts: readonly Chart[] = []): void {
    if (this.phase !== 'declare') throw new Error('the stack is finalized once');
    this.phase = 'render';
    const rank = (w: Workload) => {
      const i = charts.indexOf(Chart.of(w));
      return i < 0 ? charts.length : i;
    };
    // Stable sort: construction order within a chart is the chart's own, hence independent of the others.
    this.workloadList.sort((a, b) => rank(a) - rank(b));
    this.metrics.seal();
    this.vault.seal();
    this.requireApiFlows();
    this.net.emit();
    render();
    this.phase = 'done';
  }

  /**
   * Issue 18, item 3: a workload that mounts an API token calls the API server, and under the namespace
   * default-deny it can only do so through a declared flow; without one its first call times out (kube-state-metrics
   * v2.11.0 exits then, conformance/facts/kube-state-metrics.ts). verify's api-egress check proves the same on dist/.
   */
  private requireApiFlows(): void {
    const api = peerKey(entity('kube-apiserver'));
    const flows = this.net.effectiveFlows();
    const missing = this.workloadList.filter(
      (w) =>
        w.mountsApiToken && !flows.some((f) => peerKey(f.from) === peerKey(w.peer) && peerKey(f.to) === api && f.port.port === API_SERVER_PORT.port && f.port.protocol === 'TCP'),
    );
    if (missing.length > 0)
      throw new Error(
        `${missing.map((w) => `${w.namespace}/${w.name}`).join(', ')}: the ServiceAccount holds API permissions and the pods mount a token, but no flow to the API server is declared (ctx.allowApiServer(workload.peer, why))`,
      );
  }

  private refuseLate(what: string): void {
    if (this.phase !== 'declare') throw new Error(`${what} was declared after the stack was finalized: declare everything while the charts are built`);
  }

  get multiNode(): boolean {
    return this.site.nodes.length > 1;
  }
}
