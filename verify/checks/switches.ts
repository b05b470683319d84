/**
 * Issue 25, item 2: the switches that turn a protection off. verify's other checks model the cluster under
 * assumptions (Cilium enforces the policies, unlabelled namespaces are restricted, nobody anonymous reaches the
 * API server or Argo CD, webhooks stay inside the cluster, admin APIs are closed); each assumption is read here
 * from the bootstrap files and the charts in dist/ and is an error when a setting voids it. The facts behind
 * each rule: conformance/facts/switches.ts.
 */
import { parse } from 'yaml';
import { Container, podSpecOf } from '../load';
import { Context, Doc, Finding, finding } from '../types';

const C = 'switches';
const isMap = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

export const CILIUM_VALUES = 'bootstrap/manifests/cilium-values.yaml';
export const PSA_FILE = 'bootstrap/k3s/psa.yaml';
/** Where DAY0 installs the admission configuration on a server node. */
export const PSA_NODE_PATH = '/var/lib/rancher/k3s/server/psa.yaml';
/** Cilium's modes that enforce policies (`never` allows everything; facts: switches.ciliumEnforcement). */
export const CILIUM_ENFORCING = ['default', 'always'] as const;
/** argocd-rbac-cm policy.default values that grant no write (facts: switches.argocdPolicyDefault). */
export const ARGOCD_SAFE_DEFAULTS = ['', 'role:readonly'] as const;

function parseYaml(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return parse(text, { version: '1.1' }) as unknown;
  } catch {
    return null;
  }
}

/** Cilium: the values file and the HelmChart's valuesContent keep policy enforcement on. */
function cilium(ctx: Context, out: Finding[]): void {
  const bootstrap = [...ctx.files.keys()].some((f) => f.startsWith('bootstrap/'));
  const sources: { where: string; values: unknown; doc?: Doc }[] = [];
  if (ctx.files.has(CILIUM_VALUES)) sources.push({ where: CILIUM_VALUES, values: parseYaml(ctx.files.get(CILIUM_VALUES)) });
  for (const d of ctx.docs) {
    if (d.obj.kind !== 'HelmChart' || !/^helm\.cattle\.io\//.test(d.obj.apiVersion)) continue;
    const spec = (d.obj.spec as { chart?: string; valuesContent?: string; set?: Record<string, unknown> } | undefined) ?? {};
    // The chart is a name or a URL of the tarball k3s serves (…/cilium-1.16.12.tgz).
    if (!/(^|\/)cilium(-[^/]*)?(\.tgz)?$/.test(spec.chart ?? '')) continue;
    sources.push({ where: `HelmChart ${d.obj.metadata.name} spec.valuesContent`, values: parseYaml(spec.valuesContent ?? ''), doc: d });
    const set = spec.set?.policyEnforcementMode;
    if (set !== undefined && !(CILIUM_ENFORCING as readonly unknown[]).includes(set))
      out.push(finding(C, 'error', `Cilium spec.set.policyEnforcementMode "${String(set)}": policies are not enforced, every network proof of verify is void`, d));
  }
  // k3s applies the HelmChart (DAY0 installs it into the server's manifests folder); the values file is its copy for reading.
  if (bootstrap && !sources.some((s) => s.doc)) out.push(finding(C, 'error', `no Cilium HelmChart in bootstrap/: verify cannot tell whether Cilium enforces policies`));
  for (const s of sources) {
    if (!isMap(s.values)) {
      out.push(finding(C, 'error', `${s.where}: not a YAML mapping, Cilium's settings cannot be read`, s.doc));
      continue;
    }
    const mode = s.values.policyEnforcementMode ?? 'default';
    if (!(CILIUM_ENFORCING as readonly unknown[]).includes(mode))
      out.push(
        finding(
          C,
          'error',
          `${s.where}: policyEnforcementMode "${String(mode)}" (want ${CILIUM_ENFORCING.join(' or ')}): policies are not enforced, every network proof of verify is void`,
          s.doc,
        ),
      );
  }
}

/** The k3s server configs: PSA configuration loaded, no anonymous API access, no AlwaysAllow. */
function k3s(ctx: Context, out: Finding[]): void {
  for (const [f, text] of ctx.files) {
    if (!/^bootstrap\/k3s\/config-[^/]+\.ya?ml$/.test(f)) continue;
    const cfg = parseYaml(text);
    if (!isMap(cfg)) {
      out.push({ check: C, severity: 'error', message: `${f}: not a YAML mapping`, file: f });
      continue;
    }
    const list = (k: string): string[] => {
      const v = cfg[k];
      return Array.isArray(v) ? v.map(String) : v === undefined ? [] : [String(v)];
    };
    const flag = (args: string[], name: string) => args.map((a) => a.replace(/^--/, '')).filter((a) => a === name || a.startsWith(`${name}=`));
    const server = 'cluster-cidr' in cfg || 'kube-apiserver-arg' in cfg || 'cluster-init' in cfg;
    const api = list('kube-apiserver-arg');
    const kubelet = list('kubelet-arg');
    for (const [who, args] of [
      ['kube-apiserver-arg', api],
      ['kubelet-arg', kubelet],
    ] as const) {
      for (const a of flag(args, 'anonymous-auth'))
        if (!/=\s*false$/i.test(a)) out.push({ check: C, severity: 'error', message: `${f}: ${who} "${a}" lets unauthenticated requests in (system:anonymous)`, file: f });
      for (const a of flag(args, 'authorization-mode'))
        if (/alwaysallow/i.test(a)) out.push({ check: C, severity: 'error', message: `${f}: ${who} "${a}": every request is authorized, verify's RBAC model is void`, file: f });
    }
    if (!server) continue;
    const psa = flag(api, 'admission-control-config-file');
    if (psa.length !== 1 || psa[0] !== `admission-control-config-file=${PSA_NODE_PATH}`)
      out.push({
        check: C,
        severity: 'error',
        message: `${f}: kube-apiserver-arg must load the Pod Security configuration (admission-control-config-file=${PSA_NODE_PATH}, from ${PSA_FILE}); without it unlabelled namespaces are privileged, not restricted as verify assumes`,
        file: f,
      });
  }
  if (![...ctx.files.keys()].some((f) => f.startsWith('bootstrap/k3s/'))) return;
  const text = ctx.files.get(PSA_FILE);
  const cfg = parseYaml(text);
  const plugins = isMap(cfg) && Array.isArray(cfg.plugins) ? (cfg.plugins as unknown[]) : [];
  const ps = plugins.filter(isMap).find((p) => p.name === 'PodSecurity');
  const conf = isMap(ps?.configuration) ? ps.configuration : undefined;
  const err = (m: string) => out.push({ check: C, severity: 'error', message: `${PSA_FILE}: ${m}`, file: PSA_FILE });
  if (!conf) return void err('no PodSecurity plugin configuration: the API server default is privileged for every unlabelled namespace');
  const defaults = isMap(conf.defaults) ? conf.defaults : {};
  for (const mode of ['enforce', 'audit', 'warn']) {
    if (defaults[mode] !== 'restricted') err(`defaults.${mode} "${String(defaults[mode] ?? 'privileged (unset)')}": verify assumes restricted for unlabelled namespaces`);
    const v = defaults[`${mode}-version`];
    if (typeof v !== 'string' || !/^v1\.\d+$/.test(v)) err(`defaults.${mode}-version "${String(v ?? 'latest (unset)')}" is not a pinned v1.N`);
  }
  const ex = isMap(conf.exemptions) ? conf.exemptions : {};
  const arr = (v: unknown) => (Array.isArray(v) ? v.map(String) : []);
  if (arr(ex.usernames).length) err(`exemptions.usernames ${JSON.stringify(ex.usernames)}: requests by these users skip Pod Security`);
  if (arr(ex.runtimeClasses).length) err(`exemptions.runtimeClasses ${JSON.stringify(ex.runtimeClasses)}: pods of these runtime classes skip Pod Security`);
  const extra = arr(ex.namespaces).filter((n) => n !== 'kube-system');
  if (extra.length) err(`exemptions.namespaces ${JSON.stringify(extra)}: only kube-system (Cilium, CoreDNS) may skip Pod Security`);
}

/** Admission webhooks call Services of this cluster that dist/ defines, never a URL. */
function webhooks(ctx: Context, out: Finding[]): void {
  const services = new Set(ctx.docs.filter((d) => d.obj.kind === 'Service').map((d) => `${d.obj.metadata.namespace ?? 'default'}/${d.obj.metadata.name}`));
  for (const d of ctx.docs) {
    if (!['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'].includes(d.obj.kind)) continue;
    const hooks = Array.isArray(d.obj.webhooks) ? (d.obj.webhooks as unknown[]) : [];
    hooks.forEach((h, i) => {
      const cc = isMap(h) && isMap(h.clientConfig) ? h.clientConfig : {};
      if (cc.url !== undefined)
        out.push(finding(C, 'error', `webhooks[${i}].clientConfig.url: the API server would send every matching object to an address outside the cluster's Services`, d));
      const svc = isMap(cc.service) ? cc.service : undefined;
      if (!svc && cc.url === undefined) out.push(finding(C, 'error', `webhooks[${i}].clientConfig names no Service`, d));
      if (svc && !services.has(`${String(svc.namespace)}/${String(svc.name)}`))
        out.push(
          finding(
            C,
            'error',
            `webhooks[${i}].clientConfig.service ${String(svc.namespace)}/${String(svc.name)} is not a Service of dist/: whoever creates it receives the objects`,
            d,
          ),
        );
    });
  }
}

/** AppProjects: no wildcard kinds or destinations. */
function appProjects(ctx: Context, out: Finding[]): void {
  for (const d of ctx.docs) {
    if (d.obj.kind !== 'AppProject') continue;
    const spec = isMap(d.obj.spec) ? d.obj.spec : {};
    for (const key of ['clusterResourceWhitelist', 'namespaceResourceWhitelist']) {
      const list = Array.isArray(spec[key]) ? (spec[key] as unknown[]) : [];
      list.forEach((e, i) => {
        const g = isMap(e) ? String(e.group ?? '') : '';
        const k = isMap(e) ? String(e.kind ?? '') : '';
        if (/[*?[]/.test(g) || /[*?[]/.test(k))
          out.push(finding(C, 'error', `spec.${key}[${i}] "${g}/${k}": a wildcard lets any Application of the project create kinds verify never reviewed`, d));
      });
    }
    const dests = Array.isArray(spec.destinations) ? (spec.destinations as unknown[]) : [];
    dests.forEach((e, i) => {
      if (!isMap(e)) return;
      for (const k of ['server', 'namespace', 'name'])
        if (typeof e[k] === 'string' && /[*?[]/.test(e[k])) out.push(finding(C, 'error', `spec.destinations[${i}].${k} "${e[k]}": a wildcard destination`, d));
    });
  }
}

/** Argo CD: no anonymous users, no write role by default. */
function argocd(ctx: Context, out: Finding[]): void {
  for (const d of ctx.docs) {
    if (d.obj.kind !== 'ConfigMap') continue;
    const data = (d.obj.data ?? {}) as Record<string, unknown>;
    if (
      d.obj.metadata.name === 'argocd-cm' &&
      String(data['users.anonymous.enabled'] ?? 'false')
        .trim()
        .toLowerCase() !== 'false'
    )
      out.push(finding(C, 'error', `data."users.anonymous.enabled" "${String(data['users.anonymous.enabled'])}": anyone reaching Argo CD gets the default role`, d));
    if (d.obj.metadata.name === 'argocd-rbac-cm') {
      const def = String(data['policy.default'] ?? '').trim();
      if (!(ARGOCD_SAFE_DEFAULTS as readonly string[]).includes(def))
        out.push(
          finding(C, 'error', `data."policy.default" "${def}": every authenticated user gets this role (want ${ARGOCD_SAFE_DEFAULTS.map((v) => `"${v}"`).join(' or ')})`, d),
        );
    }
  }
}

const containersOf = (d: Doc): Container[] => {
  const t = podSpecOf(d.obj);
  return t?.spec ? [...(t.spec.containers ?? []), ...(t.spec.initContainers ?? [])] : [];
};
const argsOf = (c: Container & { args?: unknown; command?: unknown }): string[] =>
  [...(Array.isArray(c.command) ? c.command : []), ...(Array.isArray(c.args) ? c.args : [])].map(String);
const truthy = (v: string | undefined) => v === undefined || /^(true|1|t)$/i.test(v.trim());
/** `--name`, `--name=true`, `-name`: a Go/kingpin boolean flag that is on. */
function boolFlagOn(args: string[], name: string): string | undefined {
  for (const a of args) {
    const m = /^--?([^=]+)(?:=(.*))?$/.exec(a);
    if (m && m[1]!.toLowerCase() === name && truthy(m[2])) return a;
  }
  return undefined;
}

/** ini text: section → key → value (Grafana's format). */
export function parseIni(text: string): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>();
  let sec = '';
  for (const raw of text.split('\n')) {
    const l = raw.trim();
    if (!l || l.startsWith(';') || l.startsWith('#')) continue;
    const s = /^\[([^\]]+)\]$/.exec(l);
    if (s) {
      sec = s[1]!.trim().toLowerCase();
      continue;
    }
    const kv = /^([^=]+?)\s*=\s*(.*)$/.exec(l);
    if (kv) {
      if (!out.has(sec)) out.set(sec, new Map());
      out.get(sec)!.set(kv[1]!.trim().toLowerCase(), kv[2]!.trim());
    }
  }
  return out;
}

/** Grafana anonymous access, Prometheus' admin API, Traefik's insecure API: in args, env or config files. */
function adminSwitches(ctx: Context, out: Finding[]): void {
  for (const d of ctx.docs) {
    for (const c of containersOf(d)) {
      const args = argsOf(c);
      const adminApi = boolFlagOn(args, 'web.enable-admin-api');
      if (adminApi) out.push(finding(C, 'error', `container ${c.name}: "${adminApi}" opens Prometheus' TSDB admin API (delete series, snapshot) to anyone reaching the port`, d));
      const insecure = boolFlagOn(args, 'api.insecure');
      if (insecure)
        out.push(finding(C, 'error', `container ${c.name}: "${insecure}" serves Traefik's API and dashboard on the traefik entry point without a router or middleware`, d));
      const env = new Map((c.env ?? []).map((e) => [e.name, e.value]));
      if (truthy(env.get('GF_AUTH_ANONYMOUS_ENABLED') ?? 'false'))
        out.push(
          finding(C, 'error', `container ${c.name}: GF_AUTH_ANONYMOUS_ENABLED turns on anonymous Grafana access (role ${env.get('GF_AUTH_ANONYMOUS_ORG_ROLE') ?? 'Viewer'})`, d),
        );
      if (truthy(env.get('TRAEFIK_API_INSECURE') ?? 'false')) out.push(finding(C, 'error', `container ${c.name}: TRAEFIK_API_INSECURE serves Traefik's API without a router`, d));
    }
    if (d.obj.kind === 'Prometheus' && isMap(d.obj.spec) && d.obj.spec.enableAdminAPI === true)
      out.push(finding(C, 'error', 'spec.enableAdminAPI: the operator starts Prometheus with --web.enable-admin-api', d));
    if (d.obj.kind !== 'ConfigMap' && d.obj.kind !== 'Secret') continue;
    for (const [k, v] of Object.entries((d.obj.data ?? {}) as Record<string, unknown>)) {
      if (typeof v !== 'string') continue;
      if (/\.ini$/i.test(k) || /^\s*\[auth\.anonymous\]/im.test(v)) {
        const anon = parseIni(v).get('auth.anonymous');
        if (anon && truthy(anon.get('enabled') ?? 'false'))
          out.push(finding(C, 'error', `data."${k}" [auth.anonymous] enabled: anonymous Grafana access (org_role ${anon.get('org_role') ?? 'Viewer'})`, d));
      }
      if (/\.(ya?ml|toml)$/i.test(k) && /insecure/i.test(v)) {
        const y = /\.ya?ml$/i.test(k) ? parseYaml(v) : undefined;
        const api = isMap(y) && isMap(y.api) ? y.api : undefined;
        if ((api && api.insecure === true) || /^\s*insecure\s*=\s*true/im.test(/\.toml$/i.test(k) ? v : ''))
          out.push(finding(C, 'error', `data."${k}" api.insecure: Traefik serves its API without a router or middleware`, d));
      }
    }
  }
}

export function checkSwitches(ctx: Context): Finding[] {
  const out: Finding[] = [];
  cilium(ctx, out);
  k3s(ctx, out);
  webhooks(ctx, out);
  appProjects(ctx, out);
  argocd(ctx, out);
  adminSwitches(ctx, out);
  return out;
}
