/**
 * Network reachability from the policies in dist (see netmodel.ts):
 *  (a) every namespace with pods denies by default in both directions and every pod is selected;
 *  (b) the full matrix of allowed flows (rendered to dist/docs/network-flows.md with a Mermaid graph by `npm run synth`);
 *  (c) every declared flow (dist/intent/flows.json) is allowed, and every must-deny flow
 *      (dist/intent/must-deny.json, the apps' `mustDeny`) is denied.
 */
import { Endpoint, EndpointIndex, endpointsOf, NetModel, outsidePeerOf, Peer, peerName } from '../netmodel';
import { INTENT_FILE, IntentFlow, IntentPeer, parseIntent } from '../contracts/intent';
import { MUST_DENY_FILE, parseMustDeny } from '../contracts/declared';
import { Context, Finding, finding } from '../types';

const CHECK = 'network';

export type { IntentFlow, IntentPeer } from '../contracts/intent';

/** A must-deny rule: `from`/`to` name workloads (`ns/name`), `world`, or `*` (every workload); `except` narrows `from`. */
export interface MustDeny {
  from: string;
  to: string;
  port: number;
  protocol?: string;
  exceptNamespace?: string;
  why: string;
}

export interface NetworkReport {
  findings: Finding[];
  edges: { from: string; to: string; port: number; protocol: string }[];
  endpoints: Endpoint[];
}

function resolver(byName: ReadonlyMap<string, Endpoint>) {
  const unmanaged = new Map<string, Endpoint>();
  return (p: IntentPeer): Peer | undefined => {
    switch (p.kind) {
      case 'workload': {
        const ep = byName.get(`${p.namespace}/${p.name}`);
        return ep ? { kind: 'endpoint', ep } : undefined;
      }
      case 'pods': {
        const key = `${p.namespace}/${JSON.stringify(p.labels)}`;
        if (!unmanaged.has(key)) unmanaged.set(key, { namespace: p.namespace, name: Object.values(p.labels).join('-'), labels: p.labels, ports: [], managed: false });
        return { kind: 'endpoint', ep: unmanaged.get(key)! };
      }
      default:
        return outsidePeerOf(p);
    }
  };
}

/**
 * Which endpoints can possibly reach which (issue 22: the pairwise matrix made verify quadratic): for each
 * endpoint, the sources that both its ingress rules and their own egress rules may admit. A superset of the
 * allowed pairs; every pair it yields is still decided by the model.
 */
class Reachability {
  /** Source positions whose egress is not default-deny, or has a rule that may admit any pod. */
  private readonly egressOpen: number[] = [];
  /** Target position → source positions whose egress rules may admit it. */
  private readonly egressTo = new Map<number, number[]>();

  constructor(
    private readonly model: NetModel,
    private readonly index: EndpointIndex,
  ) {
    index.all.forEach((ep, s) => {
      const egress = model.selecting(ep).filter((p) => p.defaultDeny.egress || (p.egress ?? []).length > 0);
      if (!model.enforced(ep, 'egress')) return void this.egressOpen.push(s);
      const reach = new Set<number>();
      for (const p of egress) {
        for (const r of p.egress ?? []) {
          const c = index.candidates(r, p.namespace);
          if (c === undefined) return void this.egressOpen.push(s);
          for (const t of c) reach.add(t);
        }
      }
      for (const t of reach) {
        const l = this.egressTo.get(t);
        if (l) l.push(s);
        else this.egressTo.set(t, [s]);
      }
    });
  }

  /** Positions (in the index) of the endpoints that may reach `dst`, sorted. */
  sourcesOf(dst: Endpoint): number[] {
    const t = this.index.indexOf(dst);
    const byEgress = new Set([...this.egressOpen, ...(t === undefined ? this.index.all.map((_, i) => i) : (this.egressTo.get(t) ?? []))]);
    const byIngress = this.model.ingressCandidates(dst, this.index);
    const out = byIngress === undefined ? [...byEgress] : byIngress.filter((i) => byEgress.has(i));
    return out.sort((a, b) => a - b);
  }
}

export function analyseNetwork(ctx: Context, mustDeny: readonly MustDeny[]): NetworkReport {
  const model = NetModel.fromDocs(ctx.docs);
  const endpoints = endpointsOf(ctx.docs);
  const index = new EndpointIndex(endpoints);
  const reach = new Reachability(model, index);
  const findings: Finding[] = [];
  const byName = new Map<string, Endpoint>();
  const byNs = new Map<string, Endpoint[]>();
  for (const e of endpoints) {
    if (!byName.has(`${e.namespace}/${e.name}`)) byName.set(`${e.namespace}/${e.name}`, e);
    const l = byNs.get(e.namespace);
    if (l) l.push(e);
    else byNs.set(e.namespace, [e]);
  }
  const policiesByNs = new Map<string, typeof model.policies>();
  for (const p of model.policies) if (p.namespace !== undefined) policiesByNs.set(p.namespace, [...(policiesByNs.get(p.namespace) ?? []), p]);

  // (a) default deny everywhere there are pods
  const namespaces = [...byNs.keys()].sort();
  for (const ns of namespaces) {
    const full = (policiesByNs.get(ns) ?? []).filter((p) => p.defaultDeny.ingress && p.defaultDeny.egress && byNs.get(ns)!.every((e) => p.selects(e)));
    if (full.length === 0) findings.push({ check: CHECK, severity: 'error', message: `namespace ${ns} has pods but no policy that denies ingress and egress for all of them` });
  }
  for (const ep of endpoints) {
    for (const dir of ['ingress', 'egress'] as const)
      if (!model.enforced(ep, dir)) findings.push(finding(CHECK, 'error', `pod ${ep.namespace}/${ep.name} is not default-deny for ${dir}`, ep.doc));
  }

  // (c) declared intent
  const intentText = ctx.files.get(INTENT_FILE);
  const parsed = intentText === undefined ? undefined : parseIntent(intentText);
  const intent: readonly IntentFlow[] = parsed?.ok ? parsed.flows : [];
  if (intentText === undefined) findings.push({ check: CHECK, severity: 'warning', message: `no ${INTENT_FILE} in dist: declared flows not checked` });
  else if (parsed && !parsed.ok) findings.push({ check: CHECK, severity: 'error', message: parsed.message });
  const resolve = resolver(byName);
  const externals = new Map<string, Peer>();
  for (const f of intent) {
    const src = resolve(f.from);
    const dst = resolve(f.to);
    if (!src || !dst) {
      findings.push({
        check: CHECK,
        severity: 'error',
        message: `declared flow names a peer verify cannot resolve (a workload not in dist, or the cluster entity, which the model does not expand): ${JSON.stringify(f.from)} → ${JSON.stringify(f.to)}`,
      });
      continue;
    }
    for (const p of [src, dst]) if (p.kind !== 'endpoint' || !p.ep.managed) externals.set(peerName(p), p);
    if (!model.allowed(src, dst, f.port, f.protocol))
      findings.push({
        check: CHECK,
        severity: 'error',
        message: `declared flow is denied by the policies: ${peerName(src)} → ${peerName(dst)}:${f.port}/${f.protocol} (${f.why})`,
      });
  }
  const peersNamed = (s: string): Peer[] => {
    if (s === 'world') return [{ kind: 'entity', entity: 'world' }];
    if (s === '*') return endpoints.map((ep) => ({ kind: 'endpoint', ep }));
    const [ns, name] = s.split('/');
    return (byNs.get(ns!) ?? []).filter((e) => e.name === name).map((ep) => ({ kind: 'endpoint', ep }));
  };
  for (const m of mustDeny) {
    const dsts = peersNamed(m.to);
    const except = (ep: Endpoint) => Boolean(m.exceptNamespace) && ep.namespace === m.exceptNamespace;
    // Every source against every destination, reported in that order (source first). For `*` the sources are
    // every endpoint, then the world; only those that may reach the destination at all are asked (the others
    // are denied by construction), which keeps this linear in the size of dist/.
    const hits: { s: number; d: number; src: Peer }[] = [];
    dsts.forEach((dst, d) => {
      const ask = (s: number, src: Peer) => {
        if (model.allowed(src, dst, m.port, m.protocol ?? 'TCP')) hits.push({ s, d, src });
      };
      if (m.from === '*') {
        const positions = dst.kind === 'endpoint' ? reach.sourcesOf(dst.ep) : endpoints.map((_, i) => i);
        for (const s of positions) if (!except(endpoints[s]!)) ask(s, { kind: 'endpoint', ep: endpoints[s]! });
        if (!m.exceptNamespace) ask(endpoints.length, { kind: 'entity', entity: 'world' });
      } else {
        peersNamed(m.from).forEach((src, s) => {
          if (!(src.kind === 'endpoint' && except(src.ep))) ask(s, src);
        });
      }
    });
    hits.sort((x, y) => x.s - y.s || x.d - y.d);
    for (const h of hits)
      findings.push({ check: CHECK, severity: 'error', message: `must-deny flow is allowed: ${peerName(h.src)} → ${peerName(dsts[h.d]!)}:${m.port} (${m.why})` });
  }

  // (b) the matrix: every managed pod and the world, to every pod port and every external peer named in the intent
  const sources: Peer[] = [{ kind: 'entity', entity: 'world' }, { kind: 'entity', entity: 'host' }, ...endpoints.map((ep) => ({ kind: 'endpoint' as const, ep }))];
  const targets: { peer: Peer; ports: { port: number; protocol: string }[] }[] = endpoints.map((ep) => ({ peer: { kind: 'endpoint', ep }, ports: ep.ports }));
  const externalPorts = new Map<string, { port: number; protocol: string }[]>();
  for (const f of intent) {
    const key = peerName(resolve(f.to)!);
    // Each port once per peer (many flows name the same external port).
    if (externals.has(key) && !(externalPorts.get(key) ?? []).some((p) => p.port === f.port && p.protocol === f.protocol))
      externalPorts.set(key, [...(externalPorts.get(key) ?? []), { port: f.port, protocol: f.protocol }]);
  }
  for (const [key, peer] of [...externals.entries()].sort()) if (externalPorts.has(key)) targets.push({ peer, ports: externalPorts.get(key)! });
  const managed = (p: Peer) => p.kind === 'endpoint' && p.ep.managed;
  // Every (source, target, port) once by name: the first source of a name and the first target port of a
  // name stand for the others (as when every pair was asked in order). A managed pod is asked only about the
  // sources that may reach it (Reachability), the others being denied by construction; the edges are put in
  // the order the pairwise loop found them (source, target, port) before the sort below.
  const firstSource = new Map<string, number>();
  sources.forEach((src, i) => {
    if (!firstSource.has(peerName(src))) firstSource.set(peerName(src), i);
  });
  const found: { si: number; ti: number; pi: number; edge: NetworkReport['edges'][number] }[] = [];
  const targetPorts = new Set<string>();
  targets.forEach((t, ti) => {
    const to = peerName(t.peer);
    t.ports.forEach((p, pi) => {
      if (targetPorts.has(`${to}:${p.port}/${p.protocol}`)) return;
      targetPorts.add(`${to}:${p.port}/${p.protocol}`);
      const candidates = t.peer.kind === 'endpoint' && t.peer.ep.managed ? [0, 1, ...reach.sourcesOf(t.peer.ep).map((j) => j + 2)] : sources.map((_, i) => i);
      for (const si of candidates) {
        const src = sources[si]!;
        if (firstSource.get(peerName(src)) !== si) continue;
        // Pairs with no managed pod on either end are not governed by the stack's policies.
        if (!managed(src) && !managed(t.peer)) continue;
        if (model.allowed(src, t.peer, p.port, p.protocol)) found.push({ si, ti, pi, edge: { from: peerName(src), to, port: p.port, protocol: p.protocol } });
      }
    });
  });
  const edges = found.sort((a, b) => a.si - b.si || a.ti - b.ti || a.pi - b.pi).map((f) => f.edge);
  edges.sort((a, b) => (`${a.from}>${a.to}:${String(a.port).padStart(5, '0')}` < `${b.from}>${b.to}:${String(b.port).padStart(5, '0')}` ? -1 : 1));
  return { findings, edges, endpoints };
}

/**
 * The must-deny flows the apps declare (dist/intent/must-deny.json). A missing or malformed file is an error
 * finding, never an empty list that would pass silently.
 */
export function loadMustDeny(ctx: Context): { rules: MustDeny[]; findings: Finding[] } {
  const parsed = parseMustDeny(ctx.files.get(MUST_DENY_FILE));
  return parsed.ok ? { rules: parsed.value, findings: [] } : { rules: [], findings: [{ check: CHECK, severity: 'error', message: parsed.message }] };
}

/** dist/docs/network-flows.md (charts/docs.ts): the matrix and a Mermaid graph. */
export function renderFlowsDoc(report: NetworkReport): string {
  const nodeId = (n: string) => n.replace(/[^A-Za-z0-9]/g, '_');
  const grouped = new Map<string, { from: string; to: string; ports: string[] }>();
  for (const e of report.edges) {
    const k = `${e.from}>${e.to}`;
    if (!grouped.has(k)) grouped.set(k, { from: e.from, to: e.to, ports: [] });
    grouped.get(k)!.ports.push(`${e.port}${e.protocol === 'TCP' ? '' : `/${e.protocol}`}`);
  }
  const names = new Set(report.edges.flatMap((e) => [e.from, e.to]));
  const byNs = new Map<string, string[]>();
  for (const n of [...names].sort()) {
    const ns = n.includes('/') ? n.split('/')[0]! : 'outside';
    byNs.set(ns, [...(byNs.get(ns) ?? []), n]);
  }
  const lines = [
    '# Network flows',
    '',
    "Written by `npm run synth` (charts/docs.ts) with verify's network model of the policies it synthesizes into",
    '`dist/` (NetworkPolicy + CiliumNetworkPolicy, both ends enforced), not from the code: this is what the cluster',
    'will allow. DNS to kube-dns is allowed for every pod and left out. Everything not listed is denied.',
    '',
    '```mermaid',
    'flowchart LR',
    ...[...byNs.entries()].flatMap(([ns, members]) => [
      `  subgraph ${nodeId(`ns_${ns}`)}["${ns}"]`,
      ...members.map((m) => `    ${nodeId(m)}["${m.includes('/') ? m.split('/')[1] : m}"]`),
      '  end',
    ]),
    ...[...grouped.values()].map((g) => `  ${nodeId(g.from)} -->|${g.ports.join(', ')}| ${nodeId(g.to)}`),
    '```',
    '',
    '| from | to | ports |',
    '|---|---|---|',
    ...[...grouped.values()].map((g) => `| ${g.from} | ${g.to} | ${g.ports.join(', ')} |`),
    '',
  ];
  return lines.join('\n');
}

export function checkNetwork(ctx: Context): Finding[] {
  const mustDeny = loadMustDeny(ctx);
  return [...mustDeny.findings, ...analyseNetwork(ctx, mustDeny.rules).findings];
}
