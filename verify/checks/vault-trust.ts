/**
 * The Vault trust model, read from dist/ alone (pods, the injector, dist/bootstrap/vault):
 *
 * 1. TLS: every agent can verify Vault. vault-k8s v1.6.2 gives each injected agent (init and sidecar) the
 *    injector's AGENT_INJECT_VAULT_CACERT_BYTES as VAULT_CACERT_BYTES (agent-inject/handler.go,
 *    agent/container_env.go); a pod may instead name a CA file with vault.hashicorp.com/ca-cert. A Vault at
 *    a private name or IP needs one of them. Skip-verify is refused wherever it can be written.
 * 2. Auth: each annotated pod's role is written by setup.sh on the mount the pod logs in to, bound to the
 *    pod's ServiceAccount and namespace, with policies whose files exist and grant every path the pod's
 *    templates read (read for KV, update for PKI issue), admitting the parameters of its certificate requests.
 * 3. PKI: the role setup.sh writes can issue every common name and SAN the templates request (Vault's
 *    validateNames rules), and allows no name that no template requests.
 * 4. Webhook: the injector's webhook selects every namespace (and pod) that carries agent-inject.
 * 5. Admission: the pod meets what vault-k8s v1.6.2 `agent.New` requires, or the webhook answers with an error
 *    (handler.go admissionError: not allowed) and the API server refuses the pod: `agent-run-as-same-user`
 *    takes the user of containers[0]'s own securityContext, which must be set and not 0 (annotations.go
 *    runAsSameID; a pod-level runAsUser does not count), and the volume named by
 *    `agent-service-account-token-volume-name` must be projected with a serviceAccountToken path (agent.go
 *    serviceaccount, getTokenPathFromProjectedVolume).
 */
import { isIP } from 'node:net';
import { caPemProblem } from '../../config/ca-pem';
import { needsPrivateCa } from '../../config/trust';
import { podSpecOf } from '../load';
import { Context, Doc, Finding, finding, KubeObj } from '../types';

const A = 'vault.hashicorp.com/';
const SETUP = 'bootstrap/vault/setup.sh';
const CHECK = 'vault';

/** Words of one shell command line: whitespace-separated outside quotes, quotes removed. */
export function shellWords(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote: '"' | "'" | undefined;
  let started = false;
  for (const ch of line) {
    if (quote) {
      if (ch === quote) quote = undefined;
      else cur += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      started = true;
    } else if (/\s/.test(ch)) {
      if (started || cur) out.push(cur);
      cur = '';
      started = false;
    } else cur += ch;
  }
  if (started || cur) out.push(cur);
  return out;
}

/** `key=value` arguments of a command (first `=` splits). */
const kv = (words: readonly string[]) => new Map(words.filter((w) => w.includes('=')).map((w) => [w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1)] as const));

interface SetupModel {
  readonly roles: Map<string, { mount: string; sas: string[]; namespaces: string[]; policies: string[] }>;
  readonly policies: Set<string>;
  readonly pkiRoles: Map<string, Map<string, string>>;
}

export function parseSetup(text: string): SetupModel {
  const roles: SetupModel['roles'] = new Map();
  const policies = new Set<string>();
  const pkiRoles: SetupModel['pkiRoles'] = new Map();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line.startsWith('vault ')) continue;
    const w = shellWords(line);
    if (w[1] === 'policy' && w[2] === 'write' && w[3]) policies.add(w[3]);
    if (w[1] !== 'write' || !w[2]) continue;
    const auth = /^auth\/(.+)\/role\/([^/]+)$/.exec(w[2]);
    const list = (v: string | undefined) => (v ?? '').split(',').filter(Boolean);
    if (auth) {
      const args = kv(w.slice(3));
      roles.set(auth[2]!, {
        mount: auth[1]!,
        sas: list(args.get('bound_service_account_names')),
        namespaces: list(args.get('bound_service_account_namespaces')),
        policies: list(args.get('token_policies') ?? args.get('policies')),
      });
      continue;
    }
    const pki = /^(.+)\/roles\/([^/]+)$/.exec(w[2]);
    if (pki) pkiRoles.set(`${pki[1]}/issue/${pki[2]}`, kv(w.slice(3)));
  }
  return { roles, policies, pkiRoles };
}

export interface PolicyPath {
  readonly capabilities: string[];
  /** allowed_parameters: parameter → allowed values (globs); undefined when the block sets none. */
  readonly allowedParameters?: Map<string, string[]>;
}

/** `path "p" { capabilities = [...] allowed_parameters = { "k" = [...] } }` blocks of a policy. */
export function parsePolicy(hcl: string): Map<string, PolicyPath> {
  const out = new Map<string, PolicyPath>();
  const strings = (list: string) => [...list.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((c) => c[1]!);
  for (const m of hcl.matchAll(/path\s+"([^"]+)"\s*\{/g)) {
    // The block runs to its matching brace (allowed_parameters nests one level).
    let depth = 1;
    let i = m.index! + m[0].length;
    for (; i < hcl.length && depth > 0; i++) depth += hcl[i] === '{' ? 1 : hcl[i] === '}' ? -1 : 0;
    const body = hcl.slice(m.index! + m[0].length, i - 1);
    const caps = /capabilities\s*=\s*\[([^\]]*)\]/.exec(body);
    const params = /allowed_parameters\s*=\s*\{([^}]*)\}/.exec(body);
    out.set(m[1]!, {
      capabilities: caps ? strings(caps[1]!) : [],
      ...(params ? { allowedParameters: new Map([...params[1]!.matchAll(/"([^"]+)"\s*=\s*\[([^\]]*)\]/g)].map((p) => [p[1]!, strings(p[2]!)] as const)) } : {}),
    });
  }
  return out;
}

/**
 * Whether a policy path admits a request's parameters (Vault ACL): with allowed_parameters set, every key must
 * be listed (or "*"), and an empty list admits any value; values match as globs.
 */
export function parametersAllowed(path: PolicyPath, params: ReadonlyMap<string, string>): string | undefined {
  const allowed = path.allowedParameters;
  if (!allowed || allowed.size === 0) return undefined;
  for (const [k, v] of params) {
    const values = allowed.get(k) ?? allowed.get('*');
    if (values === undefined) return `parameter ${k} is not in allowed_parameters`;
    if (values.length > 0 && !values.some((pattern) => glob(pattern, v))) return `${k}=${v} is not among the allowed values [${values.join(', ')}]`;
  }
  return undefined;
}

/**
 * The names one template requests from a PKI issue path: `secret "<path>" "common_name=…" "alt_names=…" …`, or
 * `pkiCert` with the same arguments (consul-template's reusing form; a write to the same path).
 */
export function pkiRequests(template: string): { path: string; names: string[]; ipSans: string[]; params: Map<string, string> }[] {
  const out: { path: string; names: string[]; ipSans: string[]; params: Map<string, string> }[] = [];
  for (const m of template.matchAll(/(?:secret|pkiCert)\s+"([^"]+\/issue\/[^"]+)"((?:\s+"[^"]*")*)/g)) {
    const args = new Map([...m[2]!.matchAll(/"([^"=]+)=([^"]*)"/g)].map((a) => [a[1]!, a[2]!] as const));
    const names = [args.get('common_name'), ...(args.get('alt_names') ?? '').split(',')].filter((n): n is string => !!n);
    out.push({ path: m[1]!, names, ipSans: (args.get('ip_sans') ?? '').split(',').filter(Boolean), params: args });
  }
  return out;
}

const truthy = (v: string | undefined) => v === 'true' || v === '1';
const HOSTNAME = /^(([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])\.)*([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9])$/;

/** Glob with `*` only, as Vault's allow_glob_domains uses (github.com/ryanuber/go-glob). */
function glob(pattern: string, s: string): boolean {
  const re = new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
  return re.test(s);
}

/**
 * Whether a PKI role (its `vault write` arguments) issues `name` as a DNS name: Vault's validateNames rules
 * (hashicorp/vault builtin/logical/pki/issuing/issue_common.go): wildcard form, enforce_hostnames on the name
 * without its wildcard label, then allow_any_name, allow_localhost, and per allowed domain: bare (exact,
 * case-insensitive, the full name), subdomains (suffix, or a wildcard of the domain itself), glob.
 */
export function roleAllows(role: ReadonlyMap<string, string>, name: string): boolean {
  let reduced = name;
  let wildcard = false;
  if (name.includes('*')) {
    wildcard = true;
    if (role.get('allow_wildcard_certificates') === 'false') return false;
    if ((name.match(/\*/g) ?? []).length > 1) return false;
    const dot = name.indexOf('.');
    const label = dot < 0 ? name : name.slice(0, dot);
    reduced = dot < 0 ? '' : name.slice(dot + 1);
    if (reduced.includes('*')) return false;
    if (truthy(role.get('enforce_hostnames') ?? 'true') && !/^(\*|\*[a-zA-Z0-9-]+|[a-zA-Z0-9-]+\*|[a-zA-Z0-9-]+\*[a-zA-Z0-9-]+)$/.test(label)) return false;
  }
  if (truthy(role.get('enforce_hostnames') ?? 'true') && reduced !== '' && !HOSTNAME.test(reduced)) return false;
  if (truthy(role.get('allow_any_name'))) return true;
  if (truthy(role.get('allow_localhost') ?? 'true') && ['localhost', 'localdomain'].includes(reduced)) return true;
  for (const d of (role.get('allowed_domains') ?? '').split(',').filter(Boolean)) {
    if (truthy(role.get('allow_bare_domains')) && name.toLowerCase() === d.toLowerCase()) return true;
    if (truthy(role.get('allow_subdomains')) && (reduced.endsWith(`.${d}`) || (wildcard && reduced.toLowerCase() === d.toLowerCase()))) return true;
    if (truthy(role.get('allow_glob_domains')) && d.includes('*') && glob(d.toLowerCase(), name.toLowerCase())) return true;
  }
  return false;
}

/** Kubernetes label selector semantics (matchLabels and matchExpressions). */
export function selects(
  selector: { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] } | undefined,
  labels: Record<string, string>,
): boolean {
  if (!selector) return true;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = e.key in labels;
    const ok =
      e.operator === 'In'
        ? has && (e.values ?? []).includes(labels[e.key]!)
        : e.operator === 'NotIn'
          ? !has || !(e.values ?? []).includes(labels[e.key]!)
          : e.operator === 'Exists'
            ? has
            : e.operator === 'DoesNotExist'
              ? !has
              : false;
    if (!ok) return false;
  }
  return true;
}

interface Webhook {
  name: string;
  clientConfig?: { service?: { name: string; namespace: string } };
  namespaceSelector?: Parameters<typeof selects>[0];
  objectSelector?: Parameters<typeof selects>[0];
  rules?: { operations?: string[]; resources?: string[] }[];
}

const envOf = (o: KubeObj, name: string) =>
  podSpecOf(o)
    ?.spec.containers.flatMap((c) => c.env ?? [])
    .find((e) => e.name === name)?.value;

export function checkVaultTrust(ctx: Context): Finding[] {
  const out: Finding[] = [];
  const err = (message: string, d?: Doc) => out.push(finding(CHECK, 'error', message, d));
  const injector = ctx.docs.find(
    (d) => d.obj.kind === 'Deployment' && podSpecOf(d.obj)?.spec.containers.some((c) => ((c as { args?: string[] }).args ?? []).includes('agent-inject')),
  );
  const annotated = ctx.docs.filter((d) => podSpecOf(d.obj)?.metadata?.annotations?.[`${A}agent-inject`] === 'true');
  if (annotated.length === 0) return out;

  // 1. TLS trust -------------------------------------------------------------------------------------------
  const injectorCa = injector ? envOf(injector.obj, 'AGENT_INJECT_VAULT_CACERT_BYTES') : undefined;
  if (injector && injectorCa !== undefined) {
    const problem = caPemProblem(injectorCa);
    if (problem) err(`AGENT_INJECT_VAULT_CACERT_BYTES is not a usable CA: expected ${problem}`, injector);
  }
  for (const d of ctx.docs) {
    const t = podSpecOf(d.obj);
    if (!t) continue;
    const a = t.metadata?.annotations ?? {};
    if (`${A}tls-skip-verify` in a) err(`${A}tls-skip-verify is set (${JSON.stringify(a[`${A}tls-skip-verify`])}): agents must verify Vault's certificate; give the CA instead`, d);
    for (const c of [...t.spec.containers, ...(t.spec.initContainers ?? [])]) {
      if ((c.env ?? []).some((e) => /^(VAULT_SKIP_VERIFY|AGENT_INJECT_VAULT_SKIP_VERIFY)$/.test(e.name) && e.value !== 'false'))
        err(`${c.name}: VAULT_SKIP_VERIFY disables verification of Vault's certificate`, d);
    }
  }
  for (const d of annotated) {
    const a = podSpecOf(d.obj)!.metadata!.annotations!;
    const host = new URL(a[`${A}service`] ?? `https://${ctx.vault.host}:${ctx.vault.port}`).hostname;
    if (!a[`${A}ca-cert`] && !injectorCa && needsPrivateCa(host)) {
      err(
        `the Vault agent cannot verify ${host} (a private name): no ${A}ca-cert on the pod and no AGENT_INJECT_VAULT_CACERT_BYTES on the injector; vault-agent-init would fail with an x509 error`,
        d,
      );
    }
  }

  // 2. Roles and policies ----------------------------------------------------------------------------------
  const setupText = ctx.files.get(SETUP);
  if (setupText === undefined) {
    err(`${SETUP} is missing: no Vault role exists for the ${annotated.length} annotated pod(s)`);
    return out;
  }
  const setup = parseSetup(setupText);
  const defaultAuthPath = injector ? envOf(injector.obj, 'AGENT_INJECT_VAULT_AUTH_PATH') : undefined;
  const policyFiles = new Map<string, Map<string, PolicyPath>>();
  for (const [f, text] of ctx.files) {
    const m = /^bootstrap\/vault\/policies\/([^/]+)\.hcl$/.exec(f);
    if (m) policyFiles.set(m[1]!, parsePolicy(text));
  }
  for (const d of annotated) {
    const t = podSpecOf(d.obj)!;
    const a = t.metadata!.annotations!;
    const ns = d.obj.metadata.namespace ?? 'default';
    const sa = t.spec.serviceAccountName ?? 'default';
    const roleName = a[`${A}role`] ?? '';
    const role = setup.roles.get(roleName);
    if (!role) {
      err(`Vault role "${roleName}" is not written by ${SETUP}: the agent's login would be denied`, d);
      continue;
    }
    const authPath = (a[`${A}auth-path`] ?? defaultAuthPath ?? 'auth/kubernetes').replace(/^\/+|\/+$/g, '');
    if (`auth/${role.mount}` !== authPath) err(`Vault role "${roleName}" is written on auth/${role.mount}, but the pod logs in at ${authPath}`, d);
    if (!role.sas.includes(sa) && !role.sas.includes('*'))
      err(`Vault role "${roleName}" is bound to ServiceAccount(s) ${role.sas.join(',') || '(none)'}, not ${sa}, which the pod runs as`, d);
    if (!role.namespaces.includes(ns) && !role.namespaces.includes('*'))
      err(`Vault role "${roleName}" is bound to namespace(s) ${role.namespaces.join(',') || '(none)'}, not ${ns}`, d);
    const grants = new Map<string, Set<string>>();
    const blocks = new Map<string, PolicyPath[]>();
    for (const p of role.policies) {
      if (!setup.policies.has(p)) err(`Vault role "${roleName}" uses policy "${p}", which ${SETUP} never writes`, d);
      const file = policyFiles.get(p);
      if (!file) {
        err(`Vault role "${roleName}" uses policy "${p}", but bootstrap/vault/policies/${p}.hcl is missing`, d);
        continue;
      }
      for (const [path, block] of file) {
        grants.set(path, new Set([...(grants.get(path) ?? []), ...block.capabilities]));
        blocks.set(path, [...(blocks.get(path) ?? []), block]);
      }
    }
    for (const [k, path] of Object.entries(a)) {
      if (!k.startsWith(`${A}agent-inject-secret-`)) continue;
      const file = k.slice(`${A}agent-inject-secret-`.length);
      const template = a[`${A}agent-inject-template-${file}`] ?? '';
      const paths = new Set([path, ...[...template.matchAll(/(?:secret|pkiCert)\s+"([^"]+)"/g)].map((m) => m[1]!)]);
      for (const p of paths) {
        const need = /\/issue\//.test(p) ? 'update' : 'read';
        const caps = grants.get(p);
        if (!caps?.has(need) && !caps?.has('sudo'))
          err(`${file}: reads ${p}, but the policies of role "${roleName}" grant ${caps ? `only [${[...caps].join(', ')}]` : 'nothing'} there (needs "${need}")`, d);
      }
      for (const r of pkiRequests(template)) {
        const why = (blocks.get(r.path) ?? []).map((b) => parametersAllowed(b, r.params));
        if (why.length > 0 && why.every((w) => w !== undefined)) err(`${file}: the policy of role "${roleName}" refuses this certificate request on ${r.path}: ${why[0]}`, d);
      }
    }
  }

  // 3. PKI role --------------------------------------------------------------------------------------------
  const requested = new Map<string, { names: Set<string>; ip: boolean; docs: Doc[] }>();
  for (const d of annotated) {
    for (const [k, v] of Object.entries(podSpecOf(d.obj)!.metadata!.annotations!)) {
      if (!k.startsWith(`${A}agent-inject-template-`)) continue;
      for (const r of pkiRequests(v)) {
        const e = requested.get(r.path) ?? { names: new Set<string>(), ip: false, docs: [] };
        const pkiRole = setup.pkiRoles.get(r.path);
        for (const n of pkiRole ? new Set(r.names) : []) {
          if (!roleAllows(pkiRole!, n))
            err(`PKI: the template ${k.slice(`${A}agent-inject-template-`.length)} requests "${n}" from ${r.path}, which the role ${SETUP} writes does not allow`, d);
        }
        for (const n of r.names) e.names.add(n.toLowerCase());
        for (const ip of pkiRole ? r.ipSans : [])
          if (isIP(ip) === 0 || !truthy(pkiRole!.get('allow_ip_sans') ?? 'true')) err(`PKI: the template requests IP SAN ${ip} from ${r.path}, which the role does not allow`, d);
        e.ip ||= r.ipSans.length > 0;
        e.docs.push(d);
        requested.set(r.path, e);
      }
    }
  }
  for (const [path, r] of requested) {
    const role = setup.pkiRoles.get(path);
    if (!role) {
      err(
        `PKI: ${SETUP} writes no role for ${path}, which ${r.docs.length} template(s) of ${[...new Set(r.docs.map((d) => d.obj.metadata.name))].join(', ')} request certificates from`,
      );
      continue;
    }
    for (const flag of ['allow_any_name', 'allow_subdomains', 'allow_glob_domains']) {
      if (truthy(role.get(flag))) err(`PKI role ${path}: ${flag}=true lets any pod with this policy issue names no template requests`);
    }
    for (const dName of (role.get('allowed_domains') ?? '').split(',').filter(Boolean)) {
      if (!r.names.has(dName.toLowerCase())) err(`PKI role ${path} allows "${dName}", which no template requests (remove it)`);
    }
    if (truthy(role.get('allow_ip_sans') ?? 'true') && !r.ip) err(`PKI role ${path}: allow_ip_sans is on (Vault's default when unset) but no template requests an IP SAN`);
  }

  // 4. Webhook scope ---------------------------------------------------------------------------------------
  const nsLabels = new Map(
    ctx.docs.filter((d) => d.obj.kind === 'Namespace').map((d) => [d.obj.metadata.name, { ...(d.obj.metadata.labels ?? {}), 'kubernetes.io/metadata.name': d.obj.metadata.name }]),
  );
  const webhooks = ctx.docs
    .filter((d) => d.obj.kind === 'MutatingWebhookConfiguration')
    .flatMap((d) =>
      ((d.obj as unknown as { webhooks?: Webhook[] }).webhooks ?? []).filter(
        (w) => !injector || (w.clientConfig?.service?.name === injector.obj.metadata.name && w.clientConfig.service.namespace === injector.obj.metadata.namespace),
      ),
    );
  for (const d of annotated) {
    const ns = d.obj.metadata.namespace ?? 'default';
    const labels = nsLabels.get(ns) ?? { 'kubernetes.io/metadata.name': ns };
    const podLabels = podSpecOf(d.obj)!.metadata?.labels ?? {};
    const hit = webhooks.some(
      (w) =>
        (w.rules ?? []).some((r) => (r.resources ?? []).includes('pods') && (r.operations ?? []).some((o) => o === 'CREATE' || o === '*')) &&
        selects(w.namespaceSelector, labels) &&
        selects(w.objectSelector, podLabels),
    );
    if (!hit) err(`the Vault injector's webhook does not select this pod (namespace ${ns}): it would start without its agent and secrets`, d);
  }

  // 5. Admission preconditions -------------------------------------------------------------------------------
  for (const d of annotated) {
    const t = podSpecOf(d.obj)!;
    const a = t.metadata!.annotations!;
    if (/^(true|1|t)$/i.test(a[`${A}agent-run-as-same-user`] ?? '')) {
      const c0 = t.spec.containers[0] as { name: string; securityContext?: { runAsUser?: number } } | undefined;
      const uid = c0?.securityContext?.runAsUser;
      if (uid === undefined || uid === 0)
        err(
          `${A}agent-run-as-same-user needs containers[0] (${c0?.name ?? 'none'}) to set a non-root securityContext.runAsUser of its own (${uid === 0 ? 'it is 0' : 'it has none'}): the injector refuses the pod and the API server rejects it`,
          d,
        );
    }
    const tokenVolume = a[`${A}agent-service-account-token-volume-name`];
    if (tokenVolume !== undefined) {
      const v = (t.spec.volumes ?? []).find((x) => x.name === tokenVolume) as { projected?: { sources?: { serviceAccountToken?: { path?: string } }[] } } | undefined;
      if (!(v?.projected?.sources ?? []).some((src) => !!src.serviceAccountToken?.path))
        err(
          `${A}agent-service-account-token-volume-name names "${tokenVolume}", which is ${v ? 'not a projected volume with a serviceAccountToken path' : 'not a volume of the pod'}: the injector refuses the pod and the API server rejects it`,
          d,
        );
    }
  }
  return out;
}
