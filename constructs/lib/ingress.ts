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
import { Endpoint } from './network';
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
