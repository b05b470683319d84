/**
 * Publishing a workload through Traefik: an IngressRoute under the base domain with TLS, plus the
 * Traefik → backend pod flow. Traefik's egress is therefore exactly the set of routed backends.
 *
 * Routes live in the backend's namespace (Traefik does not follow cross-namespace references by default),
 * and TLS uses Traefik's default certificate, which the Vault agent renders from Vault PKI (see the Traefik
 * construct). When Traefik is disabled, nothing is emitted.
 */
import { Construct } from 'constructs';
import {
  IngressRoute,
  IngressRouteSpecRoutesKind,
  IngressRouteSpecRoutesServicesPort,
  IngressRouteSpecRoutesServicesStickyCookieSameSite,
} from '../../imports/traefik-ingressroute-traefik.io';
import { Middleware } from '../../imports/traefik-middleware-traefik.io';
import type { Site } from '../../config/schema';
import type { ExposureRoute } from '../../verify/contracts/declared';
import { StackContext } from './context';
import { Endpoint, PodsPeer, WorkloadPeer } from './network';
import { traefikRuleArg } from './quote';

export interface HttpsRouteProps {
  /** First label of the host name (`grafana` → grafana.<domain>). */
  readonly subdomain: string;
  /** The backend port (a workload endpoint fronted by a Service). */
  readonly backend: Endpoint;
  /** Middlewares in the backend's namespace, applied in order. */
  readonly middlewares?: readonly string[];
  /** Backend speaks HTTPS (e.g. a self-signed UI). */
  readonly backendScheme?: 'http' | 'https';
  /** ServersTransport (in the backend's namespace) for HTTPS backends. */
  readonly serversTransport?: string;
  /** Path prefix to match besides the host. */
  readonly pathPrefix?: string;
  /** Sticky-session cookie name, for replicated backends that keep sessions per pod. @default no stickiness */
  readonly stickyCookie?: string;
  /**
   * Path prefixes Traefik must not forward (`&& !PathPrefix(...)`): endpoints of the backend that are not for
   * the route's audience (Prometheus' lifecycle API, MinIO's metrics). Traefik matches the sanitized, decoded
   * routing path (verify checks `exposure.denyPaths` against the rule). @default none
   */
  readonly excludePaths?: readonly string[];
  /**
   * What the host exposes and to whom (dist/intent/exposure.json; verify checks the route against it): `admin`
   * routes need an ipAllowList middleware, and no `denyPaths` entry may be forwarded.
   */
  readonly exposure: RouteExposure;
}

/** An app's declaration of one host it publishes (verify/contracts/declared.ts), without the host. */
export type RouteExposure = Omit<ExposureRoute, 'host'>;

/**
 * The namespaces Traefik's kubernetescrd provider watches (`--providers.kubernetescrd.namespaces`): those that
 * hold the stack's IngressRoutes, Middlewares and ServersTransports. Traefik v3.6 starts Service,
 * EndpointSlice, ConfigMap, Secret and CRD informers in each and waits for all of them, so each gets a Role
 * (constructs/traefik.ts). Derived from the apps (`routed`), not from the routes built so far, so it does not
 * depend on chart order; httpsRoute and adminAllowList refuse any other namespace, so it cannot fall short.
 */
export function traefikNamespaces(ctx: StackContext): string[] {
  return [...new Set(ctx.namespaces.filter((n) => n.routed).map((n) => n.name))].sort();
}

function assertWatched(ctx: StackContext, namespace: string, what: string): void {
  if (!traefikNamespaces(ctx).includes(namespace)) {
    throw new Error(`${what} is in namespace ${namespace}, which Traefik does not watch (declare its app with routed: true)`);
  }
}

export function httpsRoute(scope: Construct, id: string, ctx: StackContext, props: HttpsRouteProps): IngressRoute | undefined {
  if (!ctx.site.workloads.traefik.enabled) return undefined;
  const { backend } = props;
  if (backend.peer.kind !== 'workload' || !backend.service) {
    throw new Error(`route ${props.subdomain}: the backend must be a workload port behind a Service`);
  }
  const host = ctx.host(props.subdomain);
  const namespace = backend.peer.namespace;
  assertWatched(ctx, namespace, `route ${host}`);
  ctx.addExposure({ host: props.subdomain, ...props.exposure });
  const name = props.pathPrefix ? `${props.subdomain}-${props.pathPrefix.replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')}` : props.subdomain;
  ctx.addRoute({
    host,
    namespace,
    backend: backend.peer,
    service: backend.service.name,
    servicePort: backend.service.port,
    podPort: backend.port.port,
    middlewares: [...(props.middlewares ?? [])],
  });
  if (!ctx.peers.ingress) throw new Error(`route ${host}: no enabled app plays the ingress role`);
  ctx.net.allow(ctx.peers.ingress, backend, `Traefik routes https://${host}${props.pathPrefix ?? ''}`);
  return new IngressRoute(scope, id, {
    metadata: { name, namespace, labels: { 'app.kubernetes.io/managed-by': 'cdk8s', 'app.kubernetes.io/name': backend.peer.name } },
    spec: {
      entryPoints: ['websecure'],
      routes: [
        {
          kind: IngressRouteSpecRoutesKind.RULE,
          match: [
            `Host(${traefikRuleArg(host)})`,
            ...(props.pathPrefix ? [`PathPrefix(${traefikRuleArg(props.pathPrefix)})`] : []),
            ...(props.excludePaths ?? []).map((p) => `!PathPrefix(${traefikRuleArg(p)})`),
          ].join(' && '),
          ...(props.middlewares?.length ? { middlewares: props.middlewares.map((m) => ({ name: m, namespace })) } : {}),
          // Traefik's access log records the path with its query; credentials there must not reach the logs (ADR-0162).
          ...(props.exposure.secretsInQuery ? { observability: { accessLogs: false } } : {}),
          services: [
            {
              name: backend.service.name,
              namespace,
              port: IngressRouteSpecRoutesServicesPort.fromNumber(backend.service.port),
              ...(props.backendScheme ? { scheme: props.backendScheme } : {}),
              ...(props.serversTransport ? { serversTransport: props.serversTransport } : {}),
              ...(props.stickyCookie
                ? { sticky: { cookie: { name: props.stickyCookie, secure: true, httpOnly: true, sameSite: IngressRouteSpecRoutesServicesStickyCookieSameSite.LAX } } }
                : {}),
            },
          ],
        },
      ],
      // An empty tls block serves Traefik's default certificate (Vault PKI); a route without it would be plain HTTP.
      tls: {},
    },
  });
}

/**
 * The source ranges of the admin allow-list. The schema accepts ranges only under a LoadBalancer path that keeps
 * client addresses (config/loadbalancer.ts). An empty list means loopback only: Traefik refuses an ipAllowList
 * without ranges (the router would fail), and `kubectl port-forward` to the Traefik pod arrives from 127.0.0.1.
 */
export function adminSourceRange(site: Site): string[] {
  const cidrs = site.workloads.traefik.adminAllowCidrs;
  return cidrs.length > 0 ? [...cidrs] : ['127.0.0.1/32'];
}

/**
 * Source-address allowlist middleware for admin UIs (Prometheus, Traefik dashboard). Without Traefik nothing is
 * emitted: a traefik.io object without Traefik's CRDs fails the sync of its whole Application.
 */
export function adminAllowList(scope: Construct, id: string, ctx: StackContext, namespace: string): string {
  const name = 'admin-allowlist';
  if (!ctx.site.workloads.traefik.enabled) return name;
  assertWatched(ctx, namespace, `middleware ${name}`);
  new Middleware(scope, id, {
    metadata: { name, namespace, labels: { 'app.kubernetes.io/managed-by': 'cdk8s' } },
    spec: { ipAllowList: { sourceRange: adminSourceRange(ctx.site) } },
  });
  return name;
}

/**
 * A route Traefik loads from its file provider (the dynamic configuration its Vault agent renders, next to the
 * certificate), for a backend in a namespace Traefik must not watch: the kubernetescrd provider starts a Secret
 * informer in every watched namespace, so a namespace holding another component's credentials in Secrets
 * (Argo CD's argocd-secret) or one the stack does not own (kube-system) is published this way (ADR-0030).
 * Declared by the backend's app (`fileRoutes`, constructs/lib/app.ts), rendered by the app playing the
 * `ingress` role, which also declares the flow to the backend and the route's exposure.
 */
export interface FileRoute {
  /** First label of the host name (`argocd` → argocd.<domain>). */
  readonly subdomain: string;
  /** The backend pods (the flow's destination). */
  readonly peer: WorkloadPeer | PodsPeer;
  /** The Service in front of them, in the peer's namespace, and its port. */
  readonly service: string;
  readonly servicePort: number;
  /** The pod port the Service forwards to (the port of the flow). */
  readonly podPort: number;
  /**
   * HTTPS to the backend, verified with the stack's PKI CA against this name (a ServersTransport of the file
   * provider with rootCAs; never insecureSkipVerify). @default plain HTTP inside the cluster
   */
  readonly tlsServerName?: string;
  /** What the host exposes and to whom; `admin` routes get the admin allow-list. */
  readonly exposure: RouteExposure;
}

/** Placeholder for the PKI CA in the file provider's configuration; the Traefik construct puts the Vault template in its place. */
export const PKI_CA_PLACEHOLDER = '@@PKI_CA@@';

/**
 * The `http` section of Traefik's file-provider configuration for `routes`: one router, service and (for HTTPS
 * backends) ServersTransport each, with the admin allow-list middleware where the audience is `admin`. The
 * values are validated names and CIDRs, so the text holds no `{{` for either template engine that reads it
 * (the Vault agent's, then Traefik's file provider's).
 */
export function fileRoutesConfig(hostOf: (subdomain: string) => string, routes: readonly FileRoute[], adminRange: readonly string[]): object {
  const routers: Record<string, object> = {};
  const services: Record<string, object> = {};
  const transports: Record<string, object> = {};
  const names = new Set<string>();
  for (const r of routes) {
    const name = r.subdomain.replace(/[^a-z0-9-]/g, '-');
    if (names.has(name)) throw new Error(`file route ${r.subdomain} is declared twice`);
    names.add(name);
    routers[name] = {
      entryPoints: ['websecure'],
      rule: `Host(${traefikRuleArg(hostOf(r.subdomain))})`,
      ...(r.exposure.audience === 'admin' ? { middlewares: [FILE_ADMIN_ALLOWLIST] } : {}),
      service: name,
      tls: {},
      ...(r.exposure.secretsInQuery ? { observability: { accessLogs: false } } : {}),
    };
    const scheme = r.tlsServerName ? 'https' : 'http';
    services[name] = {
      loadBalancer: {
        servers: [{ url: `${scheme}://${r.service}.${r.peer.namespace}.svc:${r.servicePort}` }],
        ...(r.tlsServerName ? { serversTransport: name } : {}),
      },
    };
    if (r.tlsServerName) transports[name] = { serverName: r.tlsServerName, rootCAs: [PKI_CA_PLACEHOLDER] };
  }
  const admin = routes.some((r) => r.exposure.audience === 'admin');
  return {
    http: {
      routers,
      ...(admin ? { middlewares: { [FILE_ADMIN_ALLOWLIST]: { ipAllowList: { sourceRange: [...adminRange] } } } } : {}),
      services,
      ...(Object.keys(transports).length ? { serversTransports: transports } : {}),
    },
  };
}

/** The admin allow-list middleware of the file provider (`admin-allowlist@file`). */
export const FILE_ADMIN_ALLOWLIST = 'admin-allowlist';
