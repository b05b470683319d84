/**
 * A small typed client for the test control plane: raw REST over https with the admin's client certificate,
 * discovery (kind → resource path and scope), server-side apply and create, optionally impersonating a user
 * (the way Argo CD's controller is simulated: Impersonate-User: system:serviceaccount:argocd:<sa>), and
 * SubjectAccessReview.
 */
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import type { ControlPlaneInfo } from './control-plane';

export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [key: string]: unknown;
}
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}
/** metav1.Status, the body of every refusal. */
export interface Status {
  kind: 'Status';
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: { causes?: { reason?: string; message?: string; field?: string }[] };
}
export interface Response {
  status: number;
  body: unknown;
  /** Warning headers (Pod Security admission warns on workloads). */
  warnings: string[];
}
export interface RequestOptions {
  /** Impersonate this user (the admin holds `impersonate` on everything, being in system:masters). */
  as?: string;
  contentType?: string;
  query?: Record<string, string>;
}

/** Who may do what, as a SubjectAccessReview asks it. */
export interface AccessQuestion {
  user: string;
  groups: readonly string[];
  verb: string;
  /** Resource request: group ('' = core), resource, optional subresource, namespace ('' = cluster), name. */
  group?: string;
  resource?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  /** Non-resource request, e.g. /metrics. */
  path?: string;
}

interface ApiResource {
  name: string;
  kind: string;
  namespaced: boolean;
}

/** A request failed on a reused kept-alive socket the server had closed: safe to send again. */
class StaleSocket extends Error {}

export class KubeClient {
  private readonly agent: Agent;
  private readonly resources = new Map<string, ApiResource[]>();

  constructor(readonly info: ControlPlaneInfo) {
    this.agent = new Agent({
      ca: readFileSync(info.caFile),
      cert: readFileSync(info.certFile),
      key: readFileSync(info.keyFile),
      keepAlive: true,
      maxSockets: 16,
    });
  }

  close(): void {
    this.agent.destroy();
  }

  async request(method: string, path: string, body?: unknown, opts: RequestOptions = {}): Promise<Response> {
    try {
      return await this.send(method, path, body, opts);
    } catch (e) {
      // A kept-alive socket the API server closed as idle just as it was reused ("socket hang up", seen in a loaded
      // fork's CI run): the request never reached the server, so it is sent once more on a new socket (Node's
      // documented remedy: request.reusedSocket).
      if (!(e instanceof StaleSocket)) throw e;
      return this.send(method, path, body, opts);
    }
  }

  private send(method: string, path: string, body: unknown, opts: RequestOptions): Promise<Response> {
    const q = opts.query ? `?${new URLSearchParams(opts.query).toString()}` : '';
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (payload) {
      headers['Content-Type'] = opts.contentType ?? 'application/json';
      headers['Content-Length'] = String(payload.length);
    }
    if (opts.as) headers['Impersonate-User'] = opts.as;
    return new Promise((resolve, reject) => {
      const req = request(`${this.info.server}${path}${q}`, { method, agent: this.agent, headers, timeout: 60_000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown;
          try {
            parsed = text ? (JSON.parse(text) as unknown) : undefined;
          } catch {
            parsed = text;
          }
          const w = res.headers.warning;
          resolve({ status: res.statusCode ?? 0, body: parsed, warnings: (Array.isArray(w) ? w : w ? [w] : []).map(String) });
        });
      });
      req.on('error', (e: NodeJS.ErrnoException) => reject(req.reusedSocket && e.code === 'ECONNRESET' ? new StaleSocket(e.message) : e));
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timeout (logs: ${this.info.logs})`)));
      if (payload) req.write(payload);
      req.end();
    });
  }

  /** Forget discovery (after CRDs are installed). */
  rediscover(): void {
    this.resources.clear();
  }

  private async resourcesOf(apiVersion: string): Promise<ApiResource[]> {
    let list = this.resources.get(apiVersion);
    if (!list) {
      const r = await this.request('GET', apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`);
      if (r.status !== 200) throw new Error(`discovery of ${apiVersion}: ${r.status} ${messageOf(r)}`);
      list = ((r.body as { resources: ApiResource[] }).resources ?? []).filter((x) => !x.name.includes('/'));
      this.resources.set(apiVersion, list);
    }
    return list;
  }

  /** The REST path of an object (collection path when `name` is false). */
  async pathOf(o: Pick<KubeObject, 'apiVersion' | 'kind' | 'metadata'>, withName = true): Promise<string> {
    let res: ApiResource | undefined;
    // A CRD just established may take a moment to appear in discovery: ask again for a few seconds.
    for (let i = 0; i < 40 && !res; i++) {
      if (i > 0) {
        this.resources.delete(o.apiVersion);
        await new Promise((r) => setTimeout(r, 250));
      }
      res = (await this.resourcesOf(o.apiVersion).catch(() => [])).find((x) => x.kind === o.kind);
    }
    if (!res) throw new Error(`the server does not serve ${o.kind} in ${o.apiVersion}`);
    const base = o.apiVersion.includes('/') ? `/apis/${o.apiVersion}` : `/api/${o.apiVersion}`;
    const ns = res.namespaced ? `/namespaces/${encodeURIComponent(o.metadata.namespace ?? 'default')}` : '';
    return `${base}${ns}/${res.name}${withName ? `/${encodeURIComponent(o.metadata.name)}` : ''}`;
  }

  /** Server-side apply (what Argo CD does with ServerSideApply=true: field manager argocd-controller, forced). */
  async apply(o: KubeObject, opts: { as?: string; dryRun?: boolean; fieldManager?: string } = {}): Promise<Response> {
    return this.request('PATCH', await this.pathOf(o), o, {
      ...(opts.as ? { as: opts.as } : {}),
      contentType: 'application/apply-patch+yaml',
      query: { fieldManager: opts.fieldManager ?? 'argocd-controller', force: 'true', ...(opts.dryRun ? { dryRun: 'All' } : {}) },
    });
  }

  async create(o: KubeObject, opts: { as?: string; dryRun?: boolean } = {}): Promise<Response> {
    return this.request('POST', await this.pathOf(o, false), o, { ...(opts.as ? { as: opts.as } : {}), ...(opts.dryRun ? { query: { dryRun: 'All' } } : {}) });
  }

  async get(o: Pick<KubeObject, 'apiVersion' | 'kind' | 'metadata'>): Promise<Response> {
    return this.request('GET', await this.pathOf(o));
  }

  /** TokenRequest: a bound token of a ServiceAccount (what the kubelet mounts into its pods). */
  async serviceAccountToken(namespace: string, name: string, expirationSeconds = 3600): Promise<string> {
    const r = await this.request('POST', `/api/v1/namespaces/${encodeURIComponent(namespace)}/serviceaccounts/${encodeURIComponent(name)}/token`, {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: { expirationSeconds },
    });
    const token = (r.body as { status?: { token?: string } } | undefined)?.status?.token;
    if (r.status !== 201 || !token) throw new Error(`TokenRequest for ${namespace}/${name}: ${r.status} ${messageOf(r)}`);
    return token;
  }

  /** SubjectAccessReview: the authorizer's answer to one question. */
  async allowed(q: AccessQuestion): Promise<boolean> {
    const spec = q.path
      ? { nonResourceAttributes: { path: q.path, verb: q.verb } }
      : {
          resourceAttributes: {
            verb: q.verb,
            group: q.group ?? '',
            resource: q.resource ?? '',
            ...(q.subresource ? { subresource: q.subresource } : {}),
            ...(q.namespace ? { namespace: q.namespace } : {}),
            ...(q.name ? { name: q.name } : {}),
          },
        };
    const r = await this.request('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      spec: { user: q.user, groups: q.groups, ...spec },
    });
    if (r.status !== 201) throw new Error(`SubjectAccessReview: ${r.status} ${messageOf(r)}`);
    return (r.body as { status?: { allowed?: boolean } }).status?.allowed === true;
  }
}

/** The message of a refusal (metav1.Status), or the raw body. */
export function messageOf(r: Response): string {
  const b = r.body as Status | string | undefined;
  if (b && typeof b === 'object' && b.kind === 'Status') return `${b.reason ?? ''}: ${b.message ?? ''}`;
  return typeof b === 'string' ? b.slice(0, 500) : JSON.stringify(b).slice(0, 500);
}

/** The groups Kubernetes gives a ServiceAccount's token (and an impersonated ServiceAccount). */
export function serviceAccountGroups(namespace: string): string[] {
  return ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'];
}
