/**
 * Deny by default, proven rather than sampled: every grant of every allow rule in dist/ — each (source,
 * destination, port) a NetworkPolicy or CiliumNetworkPolicy rule admits, enumerated from the rule itself, not
 * from a list of ports to probe — that the model says is really open (both ends allow it) must be
 *   - a declared flow (dist/intent/flows.json, written from the constructs' flow graph),
 *   - a platform flow (DNS to kube-dns, the only flow the platform chart adds outside the graph), or
 *   - an entry of the reviewed allow-list verify/allowed-flows.yaml.
 * Anything else is an error naming the policy and the rule that allows it. A rule without ports grants every
 * port and is reported as such; so is a port range.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { Endpoint, EndpointIndex, endpointsOf, NamespaceLabels, NetModel, outsidePeerOf, Peer, peerMatches, peerName, Policy, Rule } from '../netmodel';
import { Context, Doc, Finding, finding, id, projectRoot } from '../types';
import { INTENT_FILE, IntentFlow, IntentPeer, parseIntent } from '../contracts/intent';

const CHECK = 'flows';
/** A port no flow of the stack uses: probing it tells whether a rule without ports is effective. */
const PROBE_ANY_PORT = 1;

/** The kube-dns pods (CoreDNS on k3s): not in dist, selected by the platform's DNS policy in every namespace. */
export const KUBE_DNS: Endpoint = {
  namespace: 'kube-system',
  name: 'kube-dns',
  labels: { 'k8s-app': 'kube-dns' },
  ports: [
    { port: 53, protocol: 'UDP' },
    { port: 53, protocol: 'TCP' },
  ],
  managed: false,
};

/** A reviewed exception: `from`/`to` as in dist/intent/must-deny.json ("ns/name", "world", "host", "kube-apiserver"), or `cidr:<c>`/`fqdn:<n>`. */
export interface AllowedFlow {
  from: string;
  to: string;
  /** A port, or "any" for a rule without ports. */
  port: number | 'any';
  protocol?: string;
  why: string;
}

interface Grant {
  readonly doc: Doc;
  readonly dir: 'ingress' | 'egress';
  readonly rule: number;
  readonly src: Peer;
  readonly dst: Peer;
  readonly port: number | 'any';
  readonly protocol: string;
}

const ENTITIES = ['world', 'host', 'kube-apiserver', 'remote-node'] as const;

function nsLabelsOf(ctx: Context): NamespaceLabels {
  const m = new Map<string, Record<string, string>>();
  for (const d of ctx.docs) if (d.obj.kind === 'Namespace') m.set(d.obj.metadata.name, { 'kubernetes.io/metadata.name': d.obj.metadata.name, ...(d.obj.metadata.labels ?? {}) });
  return m;
}

/** The peers a rule admits, from a universe of every known pod, the entities, and the rule's own CIDRs/FQDNs. */
function peersOf(rule: Rule, policyNs: string | undefined, universe: EndpointIndex, nsLabels: NamespaceLabels): Peer[] {
  const others: Peer[] = [
    ...ENTITIES.map((entity) => ({ kind: 'entity' as const, entity })),
    ...(rule.cidrs ?? []).map((c) => ({ kind: 'cidr' as const, cidrs: [c.cidr] })),
    ...(rule.fqdns ?? []).map((f) => ({ kind: 'fqdn' as const, names: [f.matchName ?? f.matchPattern ?? '?'] })),
  ];
  return [...universe.matching(rule, policyNs, nsLabels).map((ep) => ({ kind: 'endpoint' as const, ep })), ...others.filter((p) => peerMatches(rule, p, policyNs, nsLabels))];
}

/** The ports a rule admits towards `dst`: numbers, or 'any' (no ports, port 0, ANY without port, wide ranges). */
function portsOf(rule: Rule, dst: Peer): { port: number | 'any'; protocol: string }[] {
  if (rule.ports.length === 0) return [{ port: 'any', protocol: 'ANY' }];
  const out: { port: number | 'any'; protocol: string }[] = [];
  for (const p of rule.ports) {
    const protos = (p.protocol ?? 'TCP').toUpperCase() === 'ANY' ? ['TCP', 'UDP'] : [(p.protocol ?? 'TCP').toUpperCase()];
    for (const protocol of protos) {
      if (p.port === undefined || p.port === 0 || p.port === '0') {
        out.push({ port: 'any', protocol });
        continue;
      }
      let n = Number(p.port);
      if (Number.isNaN(n)) {
        if (dst.kind !== 'endpoint') continue;
        const named = dst.ep.ports.find((x) => x.name === p.port);
        if (!named) continue;
        n = named.port;
      }
      if (p.endPort && p.endPort > n) {
        if (p.endPort - n > 64) out.push({ port: 'any', protocol });
        else for (let q = n; q <= p.endPort; q++) out.push({ port: q, protocol });
      } else out.push({ port: n, protocol });
    }
  }
  return out;
}

/** Entities the model knows (netmodel.ts); a rule naming another one grants something the proof cannot see. */
const MODELLED_ENTITIES = new Set(['world', 'host', 'kube-apiserver', 'remote-node', 'cluster', 'all']);

/**
 * Parts of allow rules the enumeration cannot see: an endpoint selector that matches no pod the model knows
 * (pods outside dist and the declared graph, e.g. a whole foreign namespace) or an entity it does not model.
 * The flows they open cannot be shown declared, so they are errors too.
 */
function unprovable(policies: readonly Policy[], universe: EndpointIndex, nsLabels: NamespaceLabels): Finding[] {
  const out: Finding[] = [];
  for (const p of policies) {
    for (const dir of ['ingress', 'egress'] as const) {
      (p[dir] ?? []).forEach((rule, i) => {
        for (const sel of rule.endpoints ?? []) {
          const one: Rule = { endpoints: [sel], ports: [] };
          if (universe.matching(one, p.namespace, nsLabels).length === 0) {
            out.push(
              finding(
                CHECK,
                'error',
                `${id(p.doc.obj)} ${dir} rule ${i + 1} selects pods the model does not know (${JSON.stringify(sel.selector)}): a flow to them cannot be shown declared; declare the peer in the flow graph or remove the rule`,
                p.doc,
              ),
            );
          }
        }
        for (const e of rule.entities ?? [])
          if (!MODELLED_ENTITIES.has(e))
            out.push(finding(CHECK, 'error', `${id(p.doc.obj)} ${dir} rule ${i + 1} names the entity ${JSON.stringify(e)}, which the network model does not cover`, p.doc));
      });
    }
  }
  return out;
}

function grantsOf(model: NetModel, endpoints: readonly Endpoint[], universe: EndpointIndex, nsLabels: NamespaceLabels): Grant[] {
  const out: Grant[] = [];
  // The endpoints each policy selects, from each endpoint's selecting policies (indexed by namespace).
  const selected = new Map<Policy, Endpoint[]>();
  for (const ep of endpoints) {
    for (const p of model.selecting(ep)) {
      const l = selected.get(p);
      if (l) l.push(ep);
      else selected.set(p, [ep]);
    }
  }
  for (const p of model.policies) {
    for (const ep of selected.get(p) ?? []) {
      const self: Peer = { kind: 'endpoint', ep };
      for (const dir of ['ingress', 'egress'] as const) {
        (p[dir] ?? []).forEach((rule, i) => {
          for (const other of peersOf(rule, p.namespace, universe, nsLabels)) {
            const [src, dst] = dir === 'ingress' ? [other, self] : [self, other];
            for (const port of portsOf(rule, dst)) out.push({ doc: p.doc, dir, rule: i + 1, src, dst, ...port });
          }
        });
      }
    }
  }
  return out;
}

/** Whether declared peer `d` covers granted peer `g` (same pod, same entity, CIDR inside, FQDN listed). */
function covers(d: Peer, g: Peer): boolean {
  if (d.kind === 'endpoint' && g.kind === 'endpoint') return d.ep.namespace === g.ep.namespace && d.ep.name === g.ep.name;
  // On k3s the API server is a process of the host (netmodel.ts): a rule for `host` reaches it as well, and
  // a declared host flow covers it.
  if (d.kind === 'entity' && g.kind === 'entity') return d.entity === g.entity || (d.entity === 'host' && g.entity === 'kube-apiserver');
  if (d.kind === 'cidr' && g.kind === 'cidr') return g.cidrs.every((c) => d.cidrs.some((x) => cidrWithin(c, x)));
  if (d.kind === 'fqdn' && g.kind === 'fqdn') return g.names.every((n) => d.names.includes(n));
  return false;
}

function ipToInt(ip: string): number {
  return ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
}
function cidrWithin(inner: string, outer: string): boolean {
  const [ia, ib] = inner.includes('/') ? inner.split('/') : [inner, '32'];
  const [oa, ob] = outer.includes('/') ? outer.split('/') : [outer, '32'];
  if (Number(ib) < Number(ob)) return false;
  const bits = Number(ob);
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return (ipToInt(ia!) & mask) >>> 0 === (ipToInt(oa!) & mask) >>> 0;
}

interface Declared {
  readonly src: Peer;
  readonly dst: Peer;
  readonly port: number | 'any';
  readonly protocol: string;
}

/**
 * The keys under which a peer is filed, and looked up: a pod by namespace/name, an entity by name (a declared
 * `host` flow also covers kube-apiserver, see covers), CIDRs and FQDNs each in one bucket (few, compared by covers).
 */
function peerKey(p: Peer): string {
  return p.kind === 'endpoint' ? `ep:${p.ep.namespace}/${p.ep.name}` : p.kind === 'entity' ? `entity:${p.entity}` : p.kind;
}
function lookupKeys(g: Peer): string[] {
  return g.kind === 'entity' && g.entity === 'kube-apiserver' ? [peerKey(g), 'entity:host'] : [peerKey(g)];
}

/** Declared flows by (source, destination): finding the ones that may cover a grant costs a bucket, not a scan. */
class DeclaredIndex {
  private readonly buckets = new Map<string, Declared[]>();
  add(d: Declared & { readonly why: string }): void {
    const k = `${peerKey(d.src)}|${peerKey(d.dst)}`;
    const l = this.buckets.get(k);
    if (l) l.push(d);
    else this.buckets.set(k, [d]);
  }
  /** Whether a declared flow covers the grant (same rule as before the index: covers + port + protocol). */
  covers(g: Grant): boolean {
    for (const s of lookupKeys(g.src))
      for (const t of lookupKeys(g.dst))
        if (
          (this.buckets.get(`${s}|${t}`) ?? []).some(
            (d) =>
              covers(d.src, g.src) &&
              covers(d.dst, g.dst) &&
              (d.port === g.port || d.port === 'any') &&
              (d.protocol === g.protocol || d.protocol === 'ANY' || (g.protocol === 'ANY' && d.port === 'any')),
          )
        )
          return true;
    return false;
  }
}

/** The first endpoint of each namespace/name and the endpoints by namespace, for lookups without a scan. */
interface Lookup {
  readonly byName: ReadonlyMap<string, Endpoint>;
  readonly byNs: ReadonlyMap<string, readonly Endpoint[]>;
}
function lookupOf(universe: readonly Endpoint[]): Lookup {
  const byName = new Map<string, Endpoint>();
  const byNs = new Map<string, Endpoint[]>();
  for (const e of universe) {
    if (!byName.has(`${e.namespace}/${e.name}`)) byName.set(`${e.namespace}/${e.name}`, e);
    const l = byNs.get(e.namespace);
    if (l) l.push(e);
    else byNs.set(e.namespace, [e]);
  }
  return { byName, byNs };
}

function peerOfIntent(p: IntentPeer, universe: Lookup): Peer | undefined {
  switch (p.kind) {
    case 'workload': {
      const ep = universe.byName.get(`${p.namespace}/${p.name}`);
      return ep ? { kind: 'endpoint', ep } : undefined;
    }
    case 'pods': {
      const ep = (universe.byNs.get(p.namespace) ?? []).find((e) => !e.managed && e.namespace === p.namespace && Object.entries(p.labels).every(([k, v]) => e.labels[k] === v));
      return ep ? { kind: 'endpoint', ep } : undefined;
    }
    default:
      return outsidePeerOf(p);
  }
}

function peerOfName(s: string, universe: Lookup): Peer[] {
  if ((ENTITIES as readonly string[]).includes(s)) return [{ kind: 'entity', entity: s as (typeof ENTITIES)[number] }];
  if (s.startsWith('cidr:')) return [{ kind: 'cidr', cidrs: s.slice(5).split(',') }];
  if (s.startsWith('fqdn:')) return [{ kind: 'fqdn', names: s.slice(5).split(',') }];
  const [ns, name] = s.split('/');
  return (universe.byNs.get(ns!) ?? []).filter((e) => e.name === name).map((ep) => ({ kind: 'endpoint' as const, ep }));
}

export function loadAllowedFlows(file = join(projectRoot(), 'verify', 'allowed-flows.yaml')): AllowedFlow[] {
  return (parse(readFileSync(file, 'utf8')) as { allowed: AllowedFlow[] | null }).allowed ?? [];
}

/** Unmanaged pods the stack talks to (from the intent), plus kube-dns. */
export function knownPods(ctx: Context, intent: readonly IntentFlow[]): Endpoint[] {
  const managed = endpointsOf(ctx.docs);
  const extra = new Map<string, Endpoint>([['kube-system/kube-dns', KUBE_DNS]]);
  for (const f of intent) {
    for (const p of [f.from, f.to]) {
      if (p.kind !== 'pods') continue;
      const key = `${p.namespace}/${JSON.stringify(p.labels)}`;
      if (!extra.has(key) && !(p.namespace === KUBE_DNS.namespace && p.labels['k8s-app'] === 'kube-dns'))
        extra.set(key, { namespace: p.namespace, name: Object.values(p.labels).join('-'), labels: p.labels, ports: [], managed: false });
    }
  }
  return [...managed, ...extra.values()];
}

export function checkFlowsDeclared(ctx: Context, allowed: readonly AllowedFlow[] = loadAllowedFlows()): Finding[] {
  const intentText = ctx.files.get(INTENT_FILE);
  if (intentText === undefined) return [{ check: CHECK, severity: 'error', message: `no ${INTENT_FILE} in dist: nothing declares the flows, so every allowed flow is undeclared` }];
  const parsed = parseIntent(intentText);
  // network reports the malformed file; here it only means nothing can be proven declared.
  if (!parsed.ok) return [{ check: CHECK, severity: 'error', message: `flows not checked: ${parsed.message}` }];
  const intent = parsed.flows;
  const model = NetModel.fromDocs(ctx.docs);
  const nsLabels = nsLabelsOf(ctx);
  const endpoints = endpointsOf(ctx.docs);
  const universe = knownPods(ctx, intent);
  const index = new EndpointIndex(universe);
  const lookup = lookupOf(universe);

  const declared = new DeclaredIndex();
  for (const f of intent) {
    const src = peerOfIntent(f.from, lookup);
    const dst = peerOfIntent(f.to, lookup);
    if (src && dst) declared.add({ src, dst, port: f.port, protocol: f.protocol, why: f.why });
  }
  // Platform: every pod resolves names through kube-dns (charts/platform.ts, one policy per namespace).
  for (const ep of endpoints)
    for (const protocol of ['UDP', 'TCP']) declared.add({ src: { kind: 'endpoint', ep }, dst: { kind: 'endpoint', ep: KUBE_DNS }, port: 53, protocol, why: 'platform: DNS' });
  for (const a of allowed) {
    for (const src of peerOfName(a.from, lookup))
      for (const dst of peerOfName(a.to, lookup)) declared.add({ src, dst, port: a.port, protocol: (a.protocol ?? 'TCP').toUpperCase(), why: `allow-list: ${a.why}` });
  }

  const out: Finding[] = unprovable(model.policies, index, nsLabels);
  const reported = new Set<string>();
  for (const g of grantsOf(model, endpoints, index, nsLabels)) {
    if (declared.covers(g)) continue;
    const protocols = g.protocol === 'ANY' ? ['TCP', 'UDP'] : [g.protocol];
    const effective = protocols.some((pr) => model.allowed(g.src, g.dst, g.port === 'any' ? PROBE_ANY_PORT : g.port, pr));
    if (!effective) continue;
    const what = `${peerName(g.src)} → ${peerName(g.dst)}:${g.port === 'any' ? 'every port' : g.port}/${g.protocol}`;
    const key = `${what}|${id(g.doc.obj)}|${g.dir}|${g.rule}`;
    if (reported.has(key)) continue;
    reported.add(key);
    out.push(
      finding(
        CHECK,
        'error',
        `undeclared flow allowed: ${what}, by ${id(g.doc.obj)} ${g.dir} rule ${g.rule}; declare it in the flow graph (constructs) or review it into verify/allowed-flows.yaml`,
        g.doc,
      ),
    );
  }
  return out;
}
