/**
 * A model of what Cilium enforces for NetworkPolicy, CiliumNetworkPolicy and CiliumClusterwideNetworkPolicy:
 * label selectors (matchLabels + matchExpressions, Cilium's `k8s:` prefix and namespace label keys),
 * namespace selectors, entities, CIDRs, FQDNs, ports (named, ranges, ANY), deny rules over allows, and
 * default deny per direction as soon as a policy with that direction selects an endpoint. A connection is
 * allowed only when the sender's egress and the receiver's ingress both allow it.
 */
import type { IntentPeer } from './contracts/intent';
import { podSpecOf } from './load';
import { Doc, KubeObj } from './types';

export type Entity = 'world' | 'host' | 'kube-apiserver' | 'cluster' | 'remote-node' | 'all';

/** Something traffic comes from or goes to. */
export type Peer =
  { kind: 'endpoint'; ep: Endpoint } | { kind: 'entity'; entity: Exclude<Entity, 'cluster' | 'all'> } | { kind: 'cidr'; cidrs: string[] } | { kind: 'fqdn'; names: string[] };

export interface Endpoint {
  readonly namespace: string;
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly ports: { name?: string; port: number; protocol: string }[];
  /** False for pods outside dist (CoreDNS, Hubble UI): no policy of ours selects them. */
  readonly managed: boolean;
  readonly doc?: Doc;
}

interface Selector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}
interface PortSpec {
  port?: string | number;
  endPort?: number;
  protocol?: string;
}
export interface Rule {
  /** Peers the rule names; undefined fields mean "not this kind of peer". */
  endpoints?: { selector: Selector; namespaces: Selector | 'own' | 'any' }[];
  entities?: string[];
  cidrs?: { cidr: string; except: string[] }[];
  fqdns?: { matchName?: string; matchPattern?: string }[];
  /** Empty list = every port. */
  ports: PortSpec[];
  /** Matches every peer (NetworkPolicy rule without `from`/`to`). */
  any?: boolean;
}
export interface Policy {
  readonly doc: Doc;
  readonly namespace?: string;
  readonly selects: (ep: Endpoint) => boolean;
  readonly ingress?: Rule[];
  readonly egress?: Rule[];
  readonly ingressDeny?: Rule[];
  readonly egressDeny?: Rule[];
  readonly defaultDeny: { ingress: boolean; egress: boolean };
}

const strip = (k: string) => k.replace(/^(k8s|any):/, '');
const NS_KEYS = new Set(['io.kubernetes.pod.namespace']);

export function matchSelector(sel: Selector, labels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[strip(k)] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const val = labels[strip(e.key)];
    const vals = e.values ?? [];
    if (e.operator === 'In' && (val === undefined || !vals.includes(val))) return false;
    if (e.operator === 'NotIn' && val !== undefined && vals.includes(val)) return false;
    if (e.operator === 'Exists' && val === undefined) return false;
    if (e.operator === 'DoesNotExist' && val !== undefined) return false;
  }
  return true;
}

function ipToInt(ip: string): number {
  return ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
}
function inCidr(inner: string, outer: string): boolean {
  const [ia, ib] = inner.includes('/') ? inner.split('/') : [inner, '32'];
  const [oa, ob] = outer.split('/');
  const bits = Number(ob);
  if (Number(ib) < bits) return false;
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return (ipToInt(ia!) & mask) >>> 0 === (ipToInt(oa!) & mask) >>> 0;
}

/** Namespaces' labels, for NetworkPolicy namespaceSelector and CCNP namespace label keys. */
export type NamespaceLabels = ReadonlyMap<string, Record<string, string>>;

/**
 * The labels Cilium matches an endpoint selector against: the pod's, its namespace as a label, and its
 * namespace's labels under Cilium's prefix. Built once per endpoint and namespace-label table (building them
 * per rule and peer was most of verify's time on a large dist/, issue 22); never mutated.
 */
const ciliumLabelCache = new WeakMap<NamespaceLabels, WeakMap<Endpoint, Record<string, string>>>();
function ciliumLabels(ep: Endpoint, nsLabels: NamespaceLabels): Record<string, string> {
  let byEp = ciliumLabelCache.get(nsLabels);
  if (!byEp) ciliumLabelCache.set(nsLabels, (byEp = new WeakMap()));
  let labels = byEp.get(ep);
  if (!labels) {
    labels = { ...ep.labels, 'io.kubernetes.pod.namespace': ep.namespace };
    for (const [k, v] of Object.entries(nsLabels.get(ep.namespace) ?? { 'kubernetes.io/metadata.name': ep.namespace })) labels[`io.cilium.k8s.namespace.labels.${k}`] = v;
    byEp.set(ep, labels);
  }
  return labels;
}

function endpointMatches(r: NonNullable<Rule['endpoints']>[number], ep: Endpoint, policyNs: string | undefined, nsLabels: NamespaceLabels): boolean {
  if (r.namespaces === 'own' && ep.namespace !== policyNs) return false;
  if (typeof r.namespaces === 'object' && !matchSelector(r.namespaces, nsLabels.get(ep.namespace) ?? { 'kubernetes.io/metadata.name': ep.namespace })) return false;
  return matchSelector(r.selector, ciliumLabels(ep, nsLabels));
}

export function peerMatches(rule: Rule, peer: Peer, policyNs: string | undefined, nsLabels: NamespaceLabels): boolean {
  if (rule.any) return true;
  switch (peer.kind) {
    case 'endpoint':
      if (rule.entities?.some((e) => e === 'all' || e === 'cluster')) return true;
      return (rule.endpoints ?? []).some((r) => endpointMatches(r, peer.ep, policyNs, nsLabels));
    case 'entity': {
      const e = peer.entity;
      const ents = rule.entities ?? [];
      if (ents.includes('all') || ents.includes(e)) return true;
      if (e !== 'world' && ents.includes('cluster')) return true;
      // On k3s the API server runs in the host process: the host entity covers it too.
      if (e === 'kube-apiserver' && ents.includes('host')) return true;
      if (e === 'world') return (rule.cidrs ?? []).some((c) => c.cidr === '0.0.0.0/0' && c.except.length === 0);
      return false;
    }
    case 'cidr':
      if ((rule.entities ?? []).some((e) => e === 'world' || e === 'all')) return true;
      return peer.cidrs.every((p) => (rule.cidrs ?? []).some((c) => inCidr(p, c.cidr) && !c.except.some((x) => inCidr(p, x))));
    case 'fqdn':
      if ((rule.entities ?? []).some((e) => e === 'world' || e === 'all')) return true;
      return peer.names.every((n) =>
        (rule.fqdns ?? []).some(
          (f) => f.matchName === n || (f.matchPattern !== undefined && new RegExp(`^${f.matchPattern.replace(/\./g, '\\.').replace(/\*/g, '[^.]*')}$`).test(n)),
        ),
      );
  }
}

export function portMatches(rule: Rule, port: number, protocol: string, dst: Peer): boolean {
  if (rule.ports.length === 0) return true;
  return rule.ports.some((p) => {
    const proto = (p.protocol ?? 'TCP').toUpperCase();
    if (proto !== 'ANY' && proto !== protocol) return false;
    if (p.port === undefined || p.port === 0 || p.port === '0') return true;
    let n = Number(p.port);
    if (Number.isNaN(n)) {
      // Named port: resolved on the destination pod.
      if (dst.kind !== 'endpoint') return false;
      const named = dst.ep.ports.find((x) => x.name === p.port);
      if (!named) return false;
      n = named.port;
    }
    return p.endPort ? port >= n && port <= p.endPort : port === n;
  });
}

// ---------------------------------------------------------------------------------------------------------
// Parsing policies
// ---------------------------------------------------------------------------------------------------------

type Raw = Record<string, unknown>;
const arr = <T>(v: unknown): T[] => (Array.isArray(v) ? (v as T[]) : []);

function npPeerRules(peers: Raw[] | undefined, ports: PortSpec[]): Rule {
  if (!peers || peers.length === 0) return { any: true, ports };
  const rule: Rule = { endpoints: [], cidrs: [], ports };
  for (const p of peers) {
    if (p.ipBlock) {
      const b = p.ipBlock as { cidr: string; except?: string[] };
      rule.cidrs!.push({ cidr: b.cidr, except: b.except ?? [] });
    } else {
      rule.endpoints!.push({ selector: (p.podSelector as Selector) ?? {}, namespaces: p.namespaceSelector ? (p.namespaceSelector as Selector) : 'own' });
    }
  }
  return rule;
}

function cnpRule(r: Raw, dir: 'from' | 'to', clusterwide: boolean): Rule {
  const ports: PortSpec[] = arr<Raw>(r.toPorts).flatMap((tp) => arr<PortSpec>(tp.ports));
  const rule: Rule = { ports };
  const eps = arr<Selector>(r[`${dir}Endpoints`]);
  if (eps.length) {
    rule.endpoints = eps.map((s) => {
      const hasNs = Object.keys(s.matchLabels ?? {}).some((k) => NS_KEYS.has(strip(k))) || (s.matchExpressions ?? []).some((e) => NS_KEYS.has(strip(e.key)));
      return { selector: s, namespaces: hasNs || clusterwide ? 'any' : 'own' };
    });
  }
  if (r[`${dir}Entities`]) rule.entities = arr<string>(r[`${dir}Entities`]);
  const cidr = arr<string>(r[`${dir}CIDR`]).map((c) => ({ cidr: c, except: [] as string[] }));
  const cidrSet = arr<{ cidr: string; except?: string[] }>(r[`${dir}CIDRSet`]).map((c) => ({ cidr: c.cidr, except: c.except ?? [] }));
  if (cidr.length || cidrSet.length) rule.cidrs = [...cidr, ...cidrSet];
  if (dir === 'to' && r.toFQDNs) rule.fqdns = arr(r.toFQDNs);
  // A rule with only toPorts (no L3 peer) applies to every peer.
  if (!rule.endpoints && !rule.entities && !rule.cidrs && !rule.fqdns) rule.any = true;
  return rule;
}

export function parsePolicies(docs: readonly Doc[]): Policy[] {
  const out: Policy[] = [];
  for (const doc of docs) {
    const o = doc.obj;
    const spec = (o.spec ?? {}) as Raw;
    if (o.kind === 'NetworkPolicy') {
      const types = arr<string>(spec.policyTypes);
      const hasIngress = types.length ? types.includes('Ingress') : true;
      const hasEgress = types.length ? types.includes('Egress') : Boolean(spec.egress);
      const sel = (spec.podSelector as Selector) ?? {};
      const ns = o.metadata.namespace;
      const rules = (key: 'from' | 'to', list: unknown) => arr<Raw>(list).map((r) => npPeerRules(r[key] as Raw[] | undefined, arr<PortSpec>(r.ports)));
      out.push({
        doc,
        namespace: ns,
        selects: (ep) => ep.managed && ep.namespace === ns && matchSelector(sel, ep.labels),
        ...(hasIngress ? { ingress: rules('from', spec.ingress) } : {}),
        ...(hasEgress ? { egress: rules('to', spec.egress) } : {}),
        defaultDeny: { ingress: hasIngress, egress: hasEgress },
      });
    } else if (o.kind === 'CiliumNetworkPolicy' || o.kind === 'CiliumClusterwideNetworkPolicy') {
      const clusterwide = o.kind === 'CiliumClusterwideNetworkPolicy';
      const ns = clusterwide ? undefined : o.metadata.namespace;
      const specs = spec.endpointSelector ? [spec] : arr<Raw>((o as unknown as { specs?: unknown }).specs);
      for (const s of specs) {
        const sel = (s.endpointSelector as Selector) ?? {};
        const dd = (s.enableDefaultDeny ?? {}) as { ingress?: boolean; egress?: boolean };
        const parse = (key: string, dir: 'from' | 'to') => (s[key] === undefined ? undefined : arr<Raw>(s[key]).map((r) => cnpRule(r, dir, clusterwide)));
        const p: Policy = {
          doc,
          namespace: ns,
          selects: (ep) => ep.managed && (ns === undefined || ep.namespace === ns) && matchSelector(sel, { ...ep.labels, 'io.kubernetes.pod.namespace': ep.namespace }),
          ingress: parse('ingress', 'from'),
          egress: parse('egress', 'to'),
          ingressDeny: parse('ingressDeny', 'from'),
          egressDeny: parse('egressDeny', 'to'),
          defaultDeny: {
            ingress: (s.ingress !== undefined || s.ingressDeny !== undefined) && dd.ingress !== false,
            egress: (s.egress !== undefined || s.egressDeny !== undefined) && dd.egress !== false,
          },
        };
        out.push(p);
      }
    }
  }
  return out;
}

export function endpointsOf(docs: readonly Doc[]): Endpoint[] {
  const out: Endpoint[] = [];
  for (const doc of docs) {
    const t = podSpecOf(doc.obj);
    if (!t) continue;
    const labels = t.metadata?.labels ?? {};
    out.push({
      namespace: doc.obj.metadata.namespace ?? 'default',
      name: labels['app.kubernetes.io/name'] ?? doc.obj.metadata.name,
      labels,
      ports: t.spec.containers.flatMap((c) => (c.ports ?? []).map((p) => ({ ...(p.name ? { name: p.name } : {}), port: p.containerPort, protocol: p.protocol ?? 'TCP' }))),
      managed: true,
      doc,
    });
  }
  return out;
}

/**
 * Endpoints indexed by namespace and by label, so that the pods a selector can match are found without a scan
 * of every pod (a scan per rule made verify quadratic in the size of dist/, issue 22). `candidates` answers a
 * superset of the matching pods, in the universe's order; callers still apply peerMatches.
 */
export class EndpointIndex {
  private readonly byNs = new Map<string, number[]>();
  private readonly byLabel = new Map<string, number[]>();
  private readonly position = new Map<Endpoint, number>();

  constructor(readonly all: readonly Endpoint[]) {
    all.forEach((ep, i) => {
      this.position.set(ep, i);
      push(this.byNs, ep.namespace, i);
      for (const [k, v] of Object.entries(ep.labels)) push(this.byLabel, `${k}=${v}`, i);
    });
  }

  /** The universe's position of `ep` (undefined for an endpoint outside it). */
  indexOf(ep: Endpoint): number | undefined {
    return this.position.get(ep);
  }

  /** Positions of the endpoints one selector of a rule can match (a superset, sorted). */
  private selectorCandidates(r: NonNullable<Rule['endpoints']>[number], policyNs: string | undefined): readonly number[] | undefined {
    const sets: (readonly number[])[] = [];
    if (r.namespaces === 'own' && policyNs !== undefined) sets.push(this.byNs.get(policyNs) ?? []);
    const nsName = typeof r.namespaces === 'object' ? r.namespaces.matchLabels?.['kubernetes.io/metadata.name'] : undefined;
    if (nsName !== undefined) sets.push(this.byNs.get(nsName) ?? []);
    for (const [k, v] of Object.entries(r.selector.matchLabels ?? {})) {
      const key = strip(k);
      if (key === 'io.kubernetes.pod.namespace') sets.push(this.byNs.get(v) ?? []);
      else if (key === 'io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name') sets.push(this.byNs.get(v) ?? []);
      else if (!key.startsWith('io.cilium.k8s.namespace.labels.')) sets.push(this.byLabel.get(`${key}=${v}`) ?? []);
    }
    if (sets.length === 0) return undefined; // may match any pod
    return sets.reduce((a, b) => (b.length < a.length ? b : a));
  }

  /** Positions of the endpoints `rule` may admit as a peer: undefined means "possibly every one". */
  candidates(rule: Rule, policyNs: string | undefined): readonly number[] | undefined {
    if (rule.any || rule.entities?.some((e) => e === 'all' || e === 'cluster')) return undefined;
    const out = new Set<number>();
    for (const r of rule.endpoints ?? []) {
      const c = this.selectorCandidates(r, policyNs);
      if (c === undefined) return undefined;
      for (const i of c) out.add(i);
    }
    return [...out].sort((a, b) => a - b);
  }

  /** The endpoints `rule` admits, in the universe's order. */
  matching(rule: Rule, policyNs: string | undefined, nsLabels: NamespaceLabels): Endpoint[] {
    const c = this.candidates(rule, policyNs);
    const eps = c === undefined ? this.all : c.map((i) => this.all[i]!);
    return eps.filter((ep) => peerMatches(rule, { kind: 'endpoint', ep }, policyNs, nsLabels));
  }
}

function push<K>(m: Map<K, number[]>, k: K, i: number): void {
  const l = m.get(k);
  if (l) l.push(i);
  else m.set(k, [i]);
}

export class NetModel {
  /** Policies by namespace; clusterwide ones (no namespace) apply to every namespace. */
  private readonly byNs = new Map<string, Policy[]>();
  private readonly clusterwide: Policy[] = [];
  /** The policies selecting each endpoint, computed once per endpoint. */
  private readonly selectingCache = new Map<Endpoint, readonly Policy[]>();

  constructor(
    readonly policies: readonly Policy[],
    private readonly nsLabels: NamespaceLabels,
  ) {
    for (const p of policies) {
      if (p.namespace === undefined) this.clusterwide.push(p);
      else {
        const l = this.byNs.get(p.namespace);
        if (l) l.push(p);
        else this.byNs.set(p.namespace, [p]);
      }
    }
  }

  static fromDocs(docs: readonly Doc[]): NetModel {
    const ns = new Map<string, Record<string, string>>();
    for (const d of docs) if (d.obj.kind === 'Namespace') ns.set(d.obj.metadata.name, { 'kubernetes.io/metadata.name': d.obj.metadata.name, ...(d.obj.metadata.labels ?? {}) });
    return new NetModel(parsePolicies(docs), ns);
  }

  /** The policies that select `ep` (a namespaced policy only selects pods of its own namespace). */
  selecting(ep: Endpoint): readonly Policy[] {
    let r = this.selectingCache.get(ep);
    if (!r) {
      const local = this.byNs.get(ep.namespace) ?? [];
      // Order does not matter to the callers (any/every questions and unions).
      const candidates = this.clusterwide.length === 0 ? local : [...local, ...this.clusterwide];
      r = candidates.filter((p) => p.selects(ep));
      this.selectingCache.set(ep, r);
    }
    return r;
  }

  /** Whether any policy puts `ep` into default deny for that direction. */
  enforced(ep: Endpoint, dir: 'ingress' | 'egress'): boolean {
    return this.selecting(ep).some((p) => p.defaultDeny[dir]);
  }

  private side(ep: Endpoint, dir: 'ingress' | 'egress', other: Peer, port: number, protocol: string, dst: Peer): boolean {
    const selecting = this.selecting(ep);
    const denyKey = dir === 'ingress' ? 'ingressDeny' : 'egressDeny';
    if (selecting.some((p) => (p[denyKey] ?? []).some((r) => peerMatches(r, other, p.namespace, this.nsLabels) && portMatches(r, port, protocol, dst)))) return false;
    if (!selecting.some((p) => p.defaultDeny[dir])) return true;
    return selecting.some((p) => (p[dir] ?? []).some((r) => peerMatches(r, other, p.namespace, this.nsLabels) && portMatches(r, port, protocol, dst)));
  }

  /** Can `src` open a connection to `dst` on `port`? Both ends must allow it. */
  allowed(src: Peer, dst: Peer, port: number, protocol = 'TCP'): boolean {
    if (src.kind === 'endpoint' && !this.side(src.ep, 'egress', dst, port, protocol, dst)) return false;
    if (dst.kind === 'endpoint' && !this.side(dst.ep, 'ingress', src, port, protocol, dst)) return false;
    return true;
  }

  /**
   * Positions in `index` of the endpoints that may reach `dst` at all (a superset of the allowed sources):
   * when `dst` is default-deny for ingress, only the peers its ingress rules name; undefined = every endpoint.
   */
  ingressCandidates(dst: Endpoint, index: EndpointIndex): readonly number[] | undefined {
    const selecting = this.selecting(dst);
    if (!selecting.some((p) => p.defaultDeny.ingress)) return undefined;
    const out = new Set<number>();
    for (const p of selecting) {
      for (const r of p.ingress ?? []) {
        const c = index.candidates(r, p.namespace);
        if (c === undefined) return undefined;
        for (const i of c) out.add(i);
      }
    }
    return [...out].sort((a, b) => a - b);
  }
}

export const peerName = (p: Peer): string =>
  p.kind === 'endpoint' ? `${p.ep.namespace}/${p.ep.name}` : p.kind === 'entity' ? p.entity : p.kind === 'cidr' ? p.cidrs.join(',') : p.names.join(',');

export function isKubeObj(o: unknown): o is KubeObj {
  return typeof o === 'object' && o !== null && 'kind' in o;
}

/** The endpoint of a declared workload (intent peer), when dist/ has its pods. */
export function workloadPeerOf(p: Extract<IntentPeer, { kind: 'workload' }>, endpoints: readonly Endpoint[]): Peer | undefined {
  const ep = endpoints.find((e) => e.namespace === p.namespace && e.name === p.name);
  return ep ? { kind: 'endpoint', ep } : undefined;
}

/** The model's peer for an intent peer outside the pods (entity, CIDR, FQDN). */
export function outsidePeerOf(p: Extract<IntentPeer, { kind: 'entity' | 'cidr' | 'fqdn' }>): Peer | undefined {
  switch (p.kind) {
    case 'entity':
      // `cluster` is every endpoint of the cluster: the model has no single peer for it (not expanded).
      return p.entity === 'cluster' ? undefined : { kind: 'entity', entity: p.entity };
    case 'cidr':
      return { kind: 'cidr', cidrs: [...p.cidrs] };
    case 'fqdn':
      return { kind: 'fqdn', names: [...p.names] };
  }
}
