/**
 * The mistakes a person makes while adding an app to the stack (issue 15), each caught on dist/ alone:
 *  - namespaces: a pod in a namespace the platform does not declare (no Namespace object in dist: no Pod
 *    Security level, no default-deny, no DNS policy, and Argo CD creates the namespace bare). The
 *    default-deny half is the network check's (a): a namespace with pods and no deny-all policy.
 *  - routes: an IngressRoute whose backend Service the Traefik pods may not reach under the policies (the
 *    route answers 504 until someone declares the Traefik → backend flow).
 *  - services: a Service port whose targetPort no container of the selected pods declares (by number or by
 *    name): the Service forwards to a closed port, and the flow graph, which names container ports, cannot
 *    have allowed it. A selector that selects no pod of dist is reported the same way.
 * A Vault-annotated pod in a namespace the injector's webhook does not watch is vault-trust's rule 4.
 */
import { podSpecOf } from '../load';
import { Endpoint, endpointsOf, NetModel } from '../netmodel';
import { Context, Doc, Finding, finding } from '../types';

const NAME = 'app.kubernetes.io/name';
/** The Traefik pods: the stack's ingress controller, by its name label (constructs/traefik.ts). */
const TRAEFIK = 'traefik';

export function checkNamespacesKnown(ctx: Context): Finding[] {
  const declared = new Set(ctx.docs.filter((d) => d.obj.kind === 'Namespace').map((d) => d.obj.metadata.name));
  const out: Finding[] = [];
  for (const d of ctx.docs) {
    if (!podSpecOf(d.obj)) continue;
    const ns = d.obj.metadata.namespace ?? 'default';
    if (!declared.has(ns))
      out.push(
        finding(
          'namespaces',
          'error',
          `pods in namespace ${ns}, which dist does not declare (no Namespace object): it would run without the platform's Pod Security level, default-deny and DNS policy; add the namespace to the site's namespaces`,
          d,
        ),
      );
  }
  return out;
}

interface ServicePort {
  name?: string;
  port: number;
  targetPort?: number | string;
  protocol?: string;
}
interface ServiceSpec {
  selector?: Record<string, string>;
  ports?: ServicePort[];
  type?: string;
}

/** Endpoints by namespace, built once per endpoint list: a Service selects pods of its own namespace only. */
const byNamespace = new WeakMap<readonly Endpoint[], Map<string, Endpoint[]>>();
const selected = (svc: Doc, eps: readonly Endpoint[]): Endpoint[] => {
  const sel = (svc.obj.spec as ServiceSpec | undefined)?.selector;
  if (!sel || Object.keys(sel).length === 0) return [];
  const ns = svc.obj.metadata.namespace ?? 'default';
  let index = byNamespace.get(eps);
  if (!index) {
    index = new Map();
    for (const e of eps) index.set(e.namespace, [...(index.get(e.namespace) ?? []), e]);
    byNamespace.set(eps, index);
  }
  return (index.get(ns) ?? []).filter((e) => Object.entries(sel).every(([k, v]) => e.labels[k] === v));
};

/** The container port a Service port forwards to on `ep`, or undefined when the pod declares none. */
function targetOn(p: ServicePort, ep: Endpoint): number | undefined {
  const target = p.targetPort ?? p.port;
  const protocol = p.protocol ?? 'TCP';
  const hit = ep.ports.find((c) => c.protocol === protocol && (typeof target === 'number' ? c.port === target : c.name === target));
  return hit?.port;
}

export function checkServicePorts(ctx: Context): Finding[] {
  const eps = endpointsOf(ctx.docs);
  const out: Finding[] = [];
  for (const d of ctx.docs) {
    if (d.obj.kind !== 'Service') continue;
    const spec = (d.obj.spec ?? {}) as ServiceSpec;
    if (!spec.selector || spec.type === 'ExternalName') continue; // endpoints managed elsewhere
    const pods = selected(d, eps);
    if (pods.length === 0) {
      out.push(finding('services', 'error', `selector ${JSON.stringify(spec.selector)} selects no pod in dist: the Service has no endpoints`, d));
      continue;
    }
    for (const p of spec.ports ?? []) {
      for (const ep of pods) {
        if (targetOn(p, ep) !== undefined) continue;
        const target = p.targetPort ?? p.port;
        out.push(
          finding(
            'services',
            'error',
            `port ${p.name ?? p.port} forwards to ${typeof target === 'number' ? 'container port' : 'the port named'} ${target}/${p.protocol ?? 'TCP'}, which no container of ${ep.namespace}/${ep.name} declares`,
            d,
          ),
        );
      }
    }
  }
  return out;
}

interface RouteService {
  name: string;
  namespace?: string;
  port?: number | string;
  kind?: string;
}

/** Traefik's kubernetescrd flag naming the namespaces it watches (absent or empty: every namespace). */
const WATCH_FLAG = '--providers.kubernetescrd.namespaces=';

/**
 * The Traefik pods that serve an IngressRoute of namespace `ns`: those whose kubernetescrd provider watches it
 * (Traefik v3.6.6: an empty namespaces list watches every namespace; conformance/facts/traefik.ts). When none
 * does, every Traefik pod, as before (the route's flows are still checked against each). Asking every Traefik
 * about every route made this check quadratic when dist/ holds several stacks, each with its own Traefik (issue 22).
 */
function servingTraefik(traefik: readonly Endpoint[]): (ns: string) => readonly Endpoint[] {
  const watches = traefik.map((ep) => {
    const spec = ep.doc ? podSpecOf(ep.doc.obj)?.spec : undefined;
    const lists = (spec?.containers ?? [])
      .filter((c) => /(^|\/)traefik:/.test(c.image ?? ''))
      .flatMap((c) => ((c as { args?: string[] }).args ?? []).filter((a) => a.startsWith(WATCH_FLAG)).map((a) => a.slice(WATCH_FLAG.length).split(',').filter(Boolean)));
    // No flag, or an empty list: every namespace (undefined).
    return lists.length === 0 || lists.some((l) => l.length === 0) ? undefined : new Set(lists.flat());
  });
  const cache = new Map<string, readonly Endpoint[]>();
  return (ns) => {
    let r = cache.get(ns);
    if (!r) {
      const serving = traefik.filter((_, i) => watches[i] === undefined || watches[i]!.has(ns));
      r = serving.length > 0 ? serving : traefik;
      cache.set(ns, r);
    }
    return r;
  };
}

export function checkRouteFlows(ctx: Context): Finding[] {
  const eps = endpointsOf(ctx.docs);
  const traefik = eps.filter((e) => e.labels[NAME] === TRAEFIK);
  const serving = servingTraefik(traefik);
  const model = NetModel.fromDocs(ctx.docs);
  const services = new Map(ctx.docs.filter((d) => d.obj.kind === 'Service').map((d) => [`${d.obj.metadata.namespace ?? 'default'}/${d.obj.metadata.name}`, d]));
  const out: Finding[] = [];
  for (const d of ctx.docs) {
    if (d.obj.kind !== 'IngressRoute') continue;
    const routes = ((d.obj.spec as { routes?: { services?: RouteService[] }[] } | undefined)?.routes ?? []).flatMap((r) => r.services ?? []);
    for (const s of routes) {
      if (s.kind && s.kind !== 'Service') continue; // TraefikService (api@internal) is inside Traefik
      const key = `${s.namespace ?? d.obj.metadata.namespace ?? 'default'}/${s.name}`;
      const svc = services.get(key);
      if (!svc) {
        out.push(finding('routes', 'error', `routes to Service ${key}, which is not in dist`, d));
        continue;
      }
      if (traefik.length === 0) {
        out.push(finding('routes', 'error', `routes to ${key}, but no Traefik pods (${NAME}=${TRAEFIK}) are in dist to forward it`, d));
        continue;
      }
      const ports = ((svc.obj.spec as ServiceSpec | undefined)?.ports ?? []).filter((p) => s.port === undefined || p.port === s.port || p.name === s.port);
      if (ports.length === 0) out.push(finding('routes', 'error', `routes to port ${String(s.port)} of Service ${key}, which has no such port`, d));
      for (const p of ports) {
        for (const ep of selected(svc, eps)) {
          const port = targetOn(p, ep);
          if (port === undefined) continue; // the services check reports it
          for (const t of serving(d.obj.metadata.namespace ?? 'default')) {
            if (!model.allowed({ kind: 'endpoint', ep: t }, { kind: 'endpoint', ep }, port, p.protocol ?? 'TCP')) {
              out.push(
                finding(
                  'routes',
                  'error',
                  `routes to ${key}:${p.port}, but the policies deny ${t.namespace}/${t.name} → ${ep.namespace}/${ep.name}:${port}/${p.protocol ?? 'TCP'}: declare the flow from Traefik to the backend (net.allow in its construct)`,
                  d,
                ),
              );
            }
          }
        }
      }
    }
  }
  return out;
}

/** The checks of this module, for runChecks. */
export function checkExtending(ctx: Context): Finding[] {
  return [...checkNamespacesKnown(ctx), ...checkServicePorts(ctx), ...checkRouteFlows(ctx)];
}
