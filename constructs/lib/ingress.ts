/**
 * Publishing a workload through Traefik: an IngressRoute under the base domain with TLS, plus the
 * Traefik → backend pod flow. Traefik's egress is therefore exactly the set of routed backends.
 *
 * Routes live in the backend's namespace (Traefik does not follow cross-namespace references by default),
 * and TLS uses Traefik's default certificate, which the Vault agent renders from Vault PKI (see the Traefik
 * construct). When Traefik is disabled, nothing is emitted.
 */
import { Construct } from 'constructs';
import { IngressRoute, IngressRouteSpecRoutesKind, IngressRouteSpecRoutesServicesPort, IngressRouteSpecRoutesServicesStickyCookieSameSite } from '../../imports/traefik-ingressroute-traefik.io';
import { Middleware } from '../../imports/traefik-middleware-traefik.io';
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
   * routing path (see verify/exposure.yaml). @default none
   */
  readonly excludePaths?: readonly string[];
}

export function httpsRoute(scope: Construct, id: string, ctx: StackContext, props: HttpsRouteProps): IngressRoute | undefined {
  if (!ctx.site.workloads.traefik.enabled) return undefined;
  const { backend } = props;
  if (backend.peer.kind !== 'workload' || !backend.service) {
    throw new Error(`route ${props.subdomain}: the backend must be a workload port behind a Service`);
  }
  const host = ctx.host(props.subdomain);
  const namespace = backend.peer.namespace;
  const name = props.pathPrefix ? `${props.subdomain}-${props.pathPrefix.replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')}` : props.subdomain;
  ctx.routes.push({
    host,
    namespace,
    backend: backend.peer,
    service: backend.service.name,
    servicePort: backend.service.port,
    podPort: backend.port.port,
    middlewares: [...(props.middlewares ?? [])],
  });
  ctx.net.allow(ctx.peers.traefik, backend, `Traefik routes https://${host}${props.pathPrefix ?? ''}`);
  return new IngressRoute(scope, id, {
    metadata: { name, namespace, labels: { 'app.kubernetes.io/managed-by': 'cdk8s', 'app.kubernetes.io/name': backend.peer.name } },
    spec: {
      entryPoints: ['websecure'],
      routes: [
        {
          kind: IngressRouteSpecRoutesKind.RULE,
          match: [`Host(${traefikRuleArg(host)})`, ...(props.pathPrefix ? [`PathPrefix(${traefikRuleArg(props.pathPrefix)})`] : []), ...(props.excludePaths ?? []).map((p) => `!PathPrefix(${traefikRuleArg(p)})`)].join(' && '),
          ...(props.middlewares?.length ? { middlewares: props.middlewares.map((m) => ({ name: m, namespace })) } : {}),
          services: [
            {
              name: backend.service.name,
              namespace,
              port: IngressRouteSpecRoutesServicesPort.fromNumber(backend.service.port),
              ...(props.backendScheme ? { scheme: props.backendScheme } : {}),
              ...(props.serversTransport ? { serversTransport: props.serversTransport } : {}),
              ...(props.stickyCookie ? { sticky: { cookie: { name: props.stickyCookie, secure: true, httpOnly: true, sameSite: IngressRouteSpecRoutesServicesStickyCookieSameSite.LAX } } } : {}),
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
 * Source-address allowlist for admin UIs (Prometheus, Traefik dashboard) from `workloads.traefik.adminAllowCidrs`.
 * Traefik's LoadBalancer Service keeps client addresses (externalTrafficPolicy: Local), so the check sees the
 * real LAN source.
 */
export function adminAllowList(scope: Construct, id: string, ctx: StackContext, namespace: string): string {
  const name = 'admin-allowlist';
  new Middleware(scope, id, {
    metadata: { name, namespace, labels: { 'app.kubernetes.io/managed-by': 'cdk8s' } },
    spec: { ipAllowList: { sourceRange: [...ctx.site.workloads.traefik.adminAllowCidrs] } },
  });
  return name;
}
