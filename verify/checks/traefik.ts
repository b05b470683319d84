/**
 * Traefik's own rules for what it serves (v3.6.6; conformance/facts/traefik.ts), on what it loads from dist/
 * (verify/traefik.ts: static arguments, file-provider configuration rendered from the Vault template, routers of
 * both providers):
 *  - **sniStrict needs certificates.** Traefik answers a ClientHello only from the store's certificates
 *    (`tls.certificates`; pkg/tls/tlsmanager.go `Get` → `GetBestCertificate`); under sniStrict, no match means no
 *    certificate and a refused handshake, whatever `tls.stores.<store>.defaultCertificate` holds. So with
 *    sniStrict on the TLS option a router uses, each host of each TLS router must match a name of a store
 *    certificate (a wildcard covers one label, pkg/tls/certificate_store.go matchDomain).
 *  - **Redirect to the exposed port.** `redirections.entryPoint.to=<entry point>` redirects to that entry point's
 *    address port (pkg/provider/traefik/internal.go getEntryPointPort), `to=:<port>` to the port; the scheme
 *    middleware leaves out only 80/443 (pkg/middlewares/redirect/redirect_scheme.go). A Service in front of the
 *    pod must publish that port, forwarding it to the target entry point's container port.
 *  - **sniStrict on the default TLS option**: otherwise an unknown name (or none) gets Traefik's generated
 *    self-signed certificate instead of a refused handshake (measured live, test/traefik-live.test.ts).
 *  - **A backend over HTTPS is verified**: no ServersTransport (file or CRD) with insecureSkipVerify.
 */
import { podSpecOf } from '../load';
import { type FileProviderFile, fileProviderFiles, traefikContainers, traefikRouters, type TraefikContainer } from '../traefik';
import { parseRule, hostsOf } from './exposure';
import { Context, Doc, Finding, finding } from '../types';

const CHECK = 'traefik';

/** Whether a certificate name covers `host` as Traefik matches it (exact, or `*.` for exactly one more label). */
export function certCovers(name: string, host: string): boolean {
  const n = name.toLowerCase();
  const h = host.toLowerCase();
  if (n === h) return true;
  if (!n.startsWith('*.')) return false;
  const dot = h.indexOf('.');
  return dot > 0 && h.slice(dot + 1) === n.slice(2);
}

/** The names of a file's store certificates: the PKI request's common_name and alt_names (the template's `secret` call). */
function certificateNames(f: FileProviderFile, store: string): string[] | undefined {
  const certs = (f.config?.tls?.certificates ?? []).filter((c) => (c.stores?.length ? c.stores : ['default']).includes(store));
  if (certs.length === 0) return undefined;
  const names = [f.params['common_name'], ...(f.params['alt_names'] ?? '').split(',')].filter((x): x is string => !!x);
  return names;
}

export function checkTraefik(ctx: Context): Finding[] {
  const out: Finding[] = [];
  const routers = traefikRouters(ctx.docs);
  const containers = traefikContainers(ctx.docs);
  const served = servedRouters(containers, routers);
  const tlsOptions = ctx.docs.filter((d) => d.obj.kind === 'TLSOption');
  const services = new Map<string | undefined, Doc[]>();
  for (const d of ctx.docs) {
    if (d.obj.kind !== 'Service') continue;
    const l = services.get(d.obj.metadata.namespace);
    if (l) l.push(d);
    else services.set(d.obj.metadata.namespace, [d]);
  }
  for (const t of containers) {
    const files = fileProviderFiles(t);
    for (const f of files) if (f.error) out.push(finding(CHECK, 'error', `${t.container.name}: the file provider's ${f.path} (Vault template) cannot be read: ${f.error}`, t.doc));
    out.push(...checkSniStrict(tlsOptions, t, files, served(t)), ...checkRedirects(services.get(t.doc.obj.metadata.namespace) ?? [], t));
    for (const f of files) {
      for (const [name, st] of Object.entries(f.config?.http?.serversTransports ?? {})) {
        if (st.insecureSkipVerify)
          out.push(finding(CHECK, 'error', `serversTransport ${name}@file (${f.path}) skips backend verification (insecureSkipVerify): give it the PKI CA in rootCAs`, t.doc));
      }
    }
  }
  for (const d of ctx.docs) {
    if (d.obj.kind === 'ServersTransport' && (d.obj.spec as { insecureSkipVerify?: boolean } | undefined)?.insecureSkipVerify)
      out.push(finding(CHECK, 'error', 'ServersTransport skips backend verification (insecureSkipVerify): give Traefik the PKI CA (rootCAs)', d));
  }
  return out;
}

/**
 * The routers each Traefik container serves: its own file provider's, and the IngressRoutes of the namespaces its
 * kubernetescrd provider watches (`--providers.kubernetescrd.namespaces`; none listed: every namespace, Traefik
 * v3.6.6, conformance/facts/traefik.ts). An IngressRoute no Traefik watches stays with every one of them, and one
 * Traefik serves every router of dist/ as before; several (dist/ holding several stacks) no longer each judge the
 * others' routers, which made this check quadratic (issue 22). Order kept.
 */
function servedRouters(containers: readonly TraefikContainer[], routers: ReturnType<typeof traefikRouters>): (t: TraefikContainer) => ReturnType<typeof traefikRouters> {
  const watches = new Map(
    containers.map((t) => {
      const list = t.args.get('providers.kubernetescrd.namespaces');
      const names = (list ?? '').split(',').filter(Boolean);
      return [t, names.length === 0 ? undefined : new Set(names)] as const;
    }),
  );
  const watched = (t: TraefikContainer, ns: string | undefined) => {
    const w = watches.get(t);
    return w === undefined || (ns !== undefined && w.has(ns));
  };
  const unwatched = new Map<string | undefined, boolean>();
  const nobody = (ns: string | undefined) => {
    if (!unwatched.has(ns)) unwatched.set(ns, !containers.some((t) => watched(t, ns)));
    return unwatched.get(ns)!;
  };
  return (t) =>
    routers.filter((r) =>
      r.provider === 'file' ? r.doc === t.doc || containers.every((c) => c.doc !== r.doc) : watched(t, r.doc.obj.metadata.namespace) || nobody(r.doc.obj.metadata.namespace),
    );
}

function checkSniStrict(tlsOptions: readonly Doc[], t: TraefikContainer, files: readonly FileProviderFile[], routers: ReturnType<typeof traefikRouters>): Finding[] {
  const out: Finding[] = [];
  const options = new Map<string, { sniStrict?: boolean }>();
  for (const f of files) for (const [n, o] of Object.entries(f.config?.tls?.options ?? {})) options.set(n, o);
  for (const d of tlsOptions) if (d.obj.kind === 'TLSOption') options.set(`${d.obj.metadata.namespace}-${d.obj.metadata.name}`, (d.obj.spec ?? {}) as { sniStrict?: boolean });
  // Measured on the real Traefik (test/traefik-live.test.ts): without sniStrict a name no certificate covers, or
  // none at all (a scan of the address), gets the generated TRAEFIK DEFAULT CERT and the request is routed by its
  // Host header behind it; with sniStrict the handshake is refused (pkg/tls/tlsmanager.go Get).
  if (routers.some((r) => r.tls) && options.get('default')?.sniStrict !== true)
    out.push(
      finding(
        CHECK,
        'error',
        `${t.container.name}: TLS option default does not set sniStrict: a client asking for a name no certificate covers (or for none, a scan of the address) gets Traefik's self-signed default certificate and is routed by its Host header, instead of a refused handshake`,
        t.doc,
      ),
    );
  if (![...options.values()].some((o) => o.sniStrict)) return out;
  const names = files.flatMap((f) => certificateNames(f, 'default') ?? []);
  const defaultCertOnly = files.some((f) => f.config?.tls?.stores?.['default']?.defaultCertificate !== undefined);
  if (options.get('default')?.sniStrict && names.length === 0) {
    out.push(
      finding(
        CHECK,
        'error',
        `${t.container.name}: TLS option default sets sniStrict but the default store has no certificate under tls.certificates${defaultCertOnly ? ' (only a defaultCertificate, which Traefik never serves under sniStrict)' : ''}: every handshake is refused`,
        t.doc,
      ),
    );
    return out;
  }
  for (const r of routers) {
    if (!r.tls) continue;
    const optionName = 'default';
    if (!options.get(optionName)?.sniStrict) continue;
    const secretName = r.provider === 'kubernetescrd' ? (r.doc.obj.spec as { tls?: { secretName?: string } }).tls?.secretName : undefined;
    if (secretName) continue; // the certificate comes from a Secret: its names are not in dist/
    let hosts: string[];
    try {
      hosts = hostsOf(parseRule(r.rule));
    } catch {
      continue; // the exposure check reports the rule
    }
    for (const h of hosts) {
      if (!names.some((n) => certCovers(n, h)))
        out.push(
          finding(
            CHECK,
            'error',
            `${r.where}: no store certificate names ${h} (${names.join(', ') || 'none'}) and TLS option default is sniStrict: its handshake is refused`,
            r.doc,
          ),
        );
    }
  }
  return out;
}

interface ServicePort {
  port: number;
  targetPort?: number | string;
}

/** The entry point's address port (`:8443/tcp`, `0.0.0.0:8443`). */
function addressPort(address: string | undefined): number | undefined {
  const m = /:(\d+)(\/(tcp|udp))?$/i.exec(address ?? '');
  return m ? Number(m[1]) : undefined;
}

/** `sameNamespace`: the Services of the Traefik workload's namespace. */
function checkRedirects(sameNamespace: readonly Doc[], t: TraefikContainer): Finding[] {
  const out: Finding[] = [];
  const pod = podSpecOf(t.doc.obj);
  const labels = pod?.metadata.labels ?? {};
  const ns = t.doc.obj.metadata.namespace;
  const services = sameNamespace.filter((d: Doc) => {
    if (d.obj.kind !== 'Service' || d.obj.metadata.namespace !== ns) return false;
    const sel = (d.obj.spec as { selector?: Record<string, string> } | undefined)?.selector ?? {};
    return Object.keys(sel).length > 0 && Object.entries(sel).every(([k, v]) => labels[k] === v);
  });
  const containerPorts = t.container.ports ?? [];
  for (const [flag, to] of t.args) {
    const m = /^entrypoints\.([^.]+)\.http\.redirections\.entrypoint\.to$/.exec(flag);
    if (!m) continue;
    const toPort = /^:(\d+)$/.exec(to);
    const target = toPort ? undefined : to.toLowerCase();
    const port = toPort ? Number(toPort[1]) : addressPort(t.args.get(`entrypoints.${target}.address`));
    // The container port the redirect lands on, behind the Service: the target entry point's, or for `:port` the
    // https entry point (the one with TLS on its routers).
    const tlsEntry = target ?? [...t.args.keys()].map((k) => /^entrypoints\.([^.]+)\.http\.tls$/.exec(k)?.[1]).find((x) => x !== undefined);
    const landing = tlsEntry ? addressPort(t.args.get(`entrypoints.${tlsEntry}.address`)) : undefined;
    if (port === undefined || landing === undefined) {
      out.push(finding(CHECK, 'error', `${t.container.name}: --entryPoints.${m[1]}.http.redirections.entryPoint.to=${to} names no entry point with an address`, t.doc));
      continue;
    }
    const published = services.flatMap((s) =>
      ((s.obj.spec as { ports?: ServicePort[] }).ports ?? [])
        .filter((p) => {
          const tp = p.targetPort ?? p.port;
          return tp === landing || (typeof tp === 'string' && containerPorts.some((c) => c.name === tp && c.containerPort === landing));
        })
        .map((p) => ({ svc: s.obj.metadata.name, port: p.port })),
    );
    if (!published.some((p) => p.port === port))
      out.push(
        finding(
          CHECK,
          'error',
          `${t.container.name}: entry point ${m[1]} redirects to port ${port}${target ? ` (the address port of entry point ${target})` : ''}, but ${
            published.length ? published.map((p) => `Service ${p.svc} publishes it as ${p.port}`).join(', ') : 'no Service publishes it'
          }: clients are sent to a port nothing answers; redirect to the published port (\`to=:<port>\`)`,
          t.doc,
        ),
      );
  }
  return out;
}
