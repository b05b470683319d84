/**
 * What Traefik v3.6.6 loads, read from dist/: its containers' static arguments, the dynamic configuration its
 * file provider reads (the Vault agent's template annotations rendering into the provider's directory), and the
 * routers of both providers with the middlewares each resolves to. The checks (exposure, traefik) evaluate
 * these routers, whichever provider serves them.
 *
 * Upstream behaviour relied on (conformance/facts/traefik.ts): the file provider reads `.yml`, `.yaml` and
 * `.toml` files of `--providers.file.directory` (pkg/provider/file/file.go); a middleware or service name
 * without `@provider` is looked up in the router's own provider; the kubernetescrd provider names its objects
 * `<namespace>-<name>` and takes a reference holding `@` as it is (pkg/provider/kubernetes/crd).
 */
import { parse } from 'yaml';
import { podSpecOf, type Container } from './load';
import type { Doc, KubeObj } from './types';

/** A Traefik container in a pod template of dist/, with its static arguments (flag names lowercased). */
export interface TraefikContainer {
  readonly doc: Doc;
  readonly container: Container;
  /** `--flag=value` pairs, keyed by the lowercased flag without dashes (Traefik's flags are case-insensitive). */
  readonly args: ReadonlyMap<string, string>;
  readonly annotations: Readonly<Record<string, string>>;
}

export function traefikContainers(docs: readonly Doc[]): TraefikContainer[] {
  const out: TraefikContainer[] = [];
  for (const d of docs) {
    const t = podSpecOf(d.obj);
    if (!t) continue;
    for (const c of t.spec.containers) {
      if (!/(^|\/)traefik:/.test(c.image ?? '')) continue;
      const args = new Map<string, string>();
      for (const a of (c as { args?: string[] }).args ?? []) {
        const m = /^--([^=]+)(?:=(.*))?$/s.exec(a);
        if (m) args.set(m[1]!.toLowerCase(), m[2] ?? 'true');
      }
      out.push({ doc: d, container: c, args, annotations: t.metadata.annotations ?? {} });
    }
  }
  return out;
}

/**
 * Renders a Vault agent template of the shape the stack writes (`{{- with secret "..." -}}` ... `{{- end }}`
 * around the text, `{{ .Data.<field> | indent N }}` lines in it) with `data` for the response fields, as
 * consul-template would (its `indent` pads every non-empty line of the value). Anything else in `{{ }}` is refused:
 * verify reads only what it can render exactly.
 */
export function renderAgentTemplate(template: string, data: Readonly<Record<string, string>>): string {
  const open = /^\{\{-\s*with\s+secret\s+(?:"(?:[^"\\]|\\.)*"\s*)+-\}\}\s*/.exec(template);
  if (!open) throw new Error('the template does not start with {{- with secret ... -}}');
  const body = template.slice(open[0].length);
  const close = /\s*\{\{-\s*end\s*\}\}\s*$/.exec(body);
  if (!close) throw new Error('the template does not end with {{- end }}');
  return body.slice(0, close.index).replace(/\{\{(.*?)\}\}/gs, (whole, inner: string) => {
    const m = /^\s*\.Data\.([A-Za-z_]+)\s*\|\s*indent\s+(\d+)\s*$/.exec(inner);
    if (!m) throw new Error(`template action ${whole} is not one verify renders`);
    const value = data[m[1]!];
    if (value === undefined) throw new Error(`template field .Data.${m[1]} has no value`);
    // consul-template's indent pads every line that is not empty.
    const pad = ' '.repeat(Number(m[2]));
    return value
      .split('\n')
      .map((l) => (l === '' ? l : pad + l))
      .join('\n');
  });
}

/** The `"key=value"` parameters of the template's `secret` call (e.g. common_name, alt_names). */
export function secretCallParams(template: string): Record<string, string> {
  const open = /^\{\{-\s*with\s+secret\s+((?:"(?:[^"\\]|\\.)*"\s*)+)-\}\}/.exec(template);
  const out: Record<string, string> = {};
  const args = [...(open?.[1] ?? '').matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((x) => JSON.parse(`"${x[1]}"`) as string);
  for (const m of args.slice(1)) {
    const i = m.indexOf('=');
    if (i > 0) out[m.slice(0, i)] = m.slice(i + 1);
  }
  return out;
}

/** Stand-ins for the PKI response: verify parses the structure, the PEMs are the test's concern. */
const PLACEHOLDER_PEM: Readonly<Record<string, string>> = {
  certificate: '-----BEGIN CERTIFICATE-----\nverify\n-----END CERTIFICATE-----',
  issuing_ca: '-----BEGIN CERTIFICATE-----\nverify\n-----END CERTIFICATE-----',
  private_key: '-----BEGIN PRIVATE KEY-----\nverify\n-----END PRIVATE KEY-----',
};

/** One file of Traefik's file provider, rendered from a Vault agent template of its pod. */
export interface FileProviderFile {
  readonly traefik: TraefikContainer;
  /** The annotation's secret name and the path the agent renders it to. */
  readonly name: string;
  readonly path: string;
  /** The template's `secret` call parameters (the certificate's names for a PKI issue). */
  readonly params: Readonly<Record<string, string>>;
  /** The parsed configuration, or why it could not be read. */
  readonly config?: TraefikDynamic;
  readonly error?: string;
}

/** The subset of Traefik's dynamic configuration the checks read. */
export interface TraefikDynamic {
  http?: {
    routers?: Record<string, { entryPoints?: string[]; rule?: string; middlewares?: string[]; service?: string; tls?: unknown; observability?: { accessLogs?: boolean } }>;
    middlewares?: Record<string, MiddlewareSpec>;
    services?: Record<string, { loadBalancer?: { servers?: { url?: string }[]; serversTransport?: string } }>;
    serversTransports?: Record<string, { serverName?: string; insecureSkipVerify?: boolean; rootCAs?: string[] }>;
  };
  tls?: {
    certificates?: { certFile?: string; keyFile?: string; stores?: string[] }[];
    options?: Record<string, { sniStrict?: boolean; minVersion?: string }>;
    stores?: Record<string, { defaultCertificate?: unknown }>;
  };
}

export interface MiddlewareSpec {
  ipAllowList?: { sourceRange?: string[]; ipStrategy?: { depth?: number; excludedIPs?: string[]; ipv6Subnet?: number } };
  [kind: string]: unknown;
}

const AGENT_DEFAULT_DIR = '/vault/secrets';

/** The files Traefik's file provider loads from its pod's Vault agent templates (directory or filename mode). */
export function fileProviderFiles(t: TraefikContainer): FileProviderFile[] {
  const dir = t.args.get('providers.file.directory')?.replace(/\/+$/, '');
  const filename = t.args.get('providers.file.filename');
  if (!dir && !filename) return [];
  const out: FileProviderFile[] = [];
  const prefix = 'vault.hashicorp.com/agent-inject-template-';
  for (const [key, template] of Object.entries(t.annotations)) {
    if (!key.startsWith(prefix)) continue;
    const name = key.slice(prefix.length);
    const base = (t.annotations[`vault.hashicorp.com/secret-volume-path-${name}`] ?? t.annotations['vault.hashicorp.com/secret-volume-path'] ?? AGENT_DEFAULT_DIR).replace(
      /\/+$/,
      '',
    );
    const path = `${base}/${name}`;
    const inDir = dir !== undefined && path.startsWith(`${dir}/`) && /\.(ya?ml|toml)$/i.test(name);
    if (!inDir && path !== filename) continue;
    const params = secretCallParams(template);
    try {
      if (/\.toml$/i.test(name)) throw new Error('a TOML file: verify reads YAML dynamic configuration only');
      const config = (parse(renderAgentTemplate(template, PLACEHOLDER_PEM)) ?? {}) as TraefikDynamic;
      out.push({ traefik: t, name, path, params, config });
    } catch (e) {
      out.push({ traefik: t, name, path, params, error: (e as Error).message });
    }
  }
  return out;
}

/** A middleware a router resolved to (undefined spec: Traefik finds no such middleware and refuses the router). */
export interface ResolvedMiddleware {
  readonly ref: string;
  readonly spec?: MiddlewareSpec;
}

/** An HTTP router Traefik loads, from either provider. */
export interface TraefikRouter {
  readonly provider: 'file' | 'kubernetescrd';
  /** How a finding names it: `IngressRoute ns/name route 1 (...)` or `file tls.yml router hubble`. */
  readonly where: string;
  /** The object a finding points at: the IngressRoute, or the Traefik workload whose annotation holds the file. */
  readonly doc: Doc;
  readonly rule: string;
  /** Entry points (empty: every entry point). */
  readonly entryPoints: readonly string[];
  readonly tls: boolean;
  readonly middlewares: readonly ResolvedMiddleware[];
  /** The backends, for messages: Service names or file-provider server URLs. */
  readonly services: readonly string[];
  /** The router's `observability.accessLogs` (undefined: the entry point's default, on while the access log is). */
  readonly accessLogs?: boolean;
}

/** Traefik's provider.Normalize: every run of characters other than letters and digits becomes one `-`. */
export const normalize = (s: string) => s.replace(/[^a-zA-Z0-9]+/g, '-').replace(/^-|-$/g, '');

/** Every HTTP router of dist/: IngressRoutes (kubernetescrd) and the file provider's routers of each Traefik. */
export function traefikRouters(docs: readonly Doc[]): TraefikRouter[] {
  const crdMiddlewares = new Map<string, MiddlewareSpec>();
  for (const d of docs) {
    if (d.obj.kind === 'Middleware') crdMiddlewares.set(normalize(`${d.obj.metadata.namespace}-${d.obj.metadata.name}`), (d.obj.spec ?? {}) as MiddlewareSpec);
  }
  const files = traefikContainers(docs).flatMap(fileProviderFiles);
  const fileMiddlewares = new Map<string, MiddlewareSpec>();
  for (const f of files) for (const [n, m] of Object.entries(f.config?.http?.middlewares ?? {})) fileMiddlewares.set(n, m);
  const lookup = (ref: string, own: 'file' | 'kubernetescrd', ns?: string): ResolvedMiddleware => {
    const at = ref.lastIndexOf('@');
    const provider = at >= 0 ? ref.slice(at + 1) : own;
    const name = at >= 0 ? ref.slice(0, at) : ref;
    if (provider === 'file') return { ref, spec: fileMiddlewares.get(name) };
    if (provider === 'kubernetescrd') return { ref, spec: crdMiddlewares.get(at >= 0 ? name : normalize(`${ns}-${name}`)) };
    return { ref };
  };

  const out: TraefikRouter[] = [];
  for (const d of docs) {
    if (d.obj.kind !== 'IngressRoute') continue;
    const spec = (d.obj.spec ?? {}) as {
      entryPoints?: string[];
      routes?: { match?: string; middlewares?: { name: string; namespace?: string }[]; services?: { name: string }[]; observability?: { accessLogs?: boolean } }[];
      tls?: unknown;
    };
    const ns = d.obj.metadata.namespace;
    for (const [i, r] of (spec.routes ?? []).entries()) {
      out.push({
        provider: 'kubernetescrd',
        where: `route ${i + 1} (${r.match ?? 'no match'})`,
        doc: d,
        rule: r.match ?? '',
        entryPoints: spec.entryPoints ?? [],
        tls: spec.tls !== undefined && spec.tls !== null,
        // A CRD reference names a Middleware of the route's namespace unless it carries `@provider`.
        middlewares: (r.middlewares ?? []).map((m) => (m.name.includes('@') ? lookup(m.name, 'kubernetescrd') : lookup(m.name, 'kubernetescrd', m.namespace ?? ns))),
        services: (r.services ?? []).map((s) => s.name),
        ...(typeof r.observability?.accessLogs === 'boolean' ? { accessLogs: r.observability.accessLogs } : {}),
      });
    }
  }
  for (const f of files) {
    for (const [name, r] of Object.entries(f.config?.http?.routers ?? {})) {
      const svc = r.service ? f.config?.http?.services?.[r.service] : undefined;
      out.push({
        provider: 'file',
        where: `router ${name}@file of ${f.path} (${r.rule ?? 'no rule'})`,
        doc: f.traefik.doc,
        rule: r.rule ?? '',
        entryPoints: r.entryPoints ?? [],
        tls: r.tls !== undefined && r.tls !== null,
        middlewares: (r.middlewares ?? []).map((m) => lookup(m, 'file')),
        services: svc ? (svc.loadBalancer?.servers ?? []).map((s) => s.url ?? '?') : [r.service ?? 'no service'],
        ...(typeof r.observability?.accessLogs === 'boolean' ? { accessLogs: r.observability.accessLogs } : {}),
      });
    }
  }
  return out;
}

export type { KubeObj };
