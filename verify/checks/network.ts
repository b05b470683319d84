/**
 * Network reachability from the policies in dist (see netmodel.ts):
 *  (a) every namespace with pods denies by default in both directions and every pod is selected;
 *  (b) the full matrix of allowed flows (rendered to dist/docs/network-flows.md with a Mermaid graph by `npm run synth`);
 *  (c) every declared flow (dist/intent/flows.json) is allowed, and every must-deny flow
 *      (dist/intent/must-deny.json, the apps' `mustDeny`) is denied.
 */
import { Endpoint, endpointsOf, NetModel, outsidePeerOf, Peer, peerName, workloadPeerOf } from '../netmodel';
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

function resolver(endpoints: Endpoint[]) {
  const unmanaged = new Map<string, Endpoint>();
  return (p: IntentPeer): Peer | undefined => {
    switch (p.kind) {
      case 'workload':
        return workloadPeerOf(p, endpoints);
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

export function analyseNetwork(ctx: Context, mustDeny: readonly MustDeny[]): NetworkReport {
  const model = NetModel.fromDocs(ctx.docs);
  const endpoints = endpointsOf(ctx.docs);
  const findings: Finding[] = [];

  // (a) default deny everywhere there are pods
  const namespaces = [...new Set(endpoints.map((e) => e.namespace))].sort();
  for (const ns of namespaces) {
    const full = model.policies.filter(
      (p) => p.namespace === ns && p.defaultDeny.ingress && p.defaultDeny.egress && endpoints.filter((e) => e.namespace === ns).every((e) => p.selects(e)),
    );
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
  const resolve = resolver(endpoints);
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
  const byName = (s: string): Peer[] => {
    if (s === 'world') return [{ kind: 'entity', entity: 'world' }];
    if (s === '*') return endpoints.map((ep) => ({ kind: 'endpoint', ep }));
    const [ns, name] = s.split('/');
    return endpoints.filter((e) => e.namespace === ns && e.name === name).map((ep) => ({ kind: 'endpoint', ep }));
  };
  for (const m of mustDeny) {
    const srcs = byName(m.from).filter((p) => !(m.exceptNamespace && p.kind === 'endpoint' && p.ep.namespace === m.exceptNamespace));
    if (m.from === '*' && !m.exceptNamespace) srcs.push({ kind: 'entity', entity: 'world' });
    for (const src of srcs) {
      for (const dst of byName(m.to)) {
        if (model.allowed(src, dst, m.port, m.protocol ?? 'TCP'))
          findings.push({ check: CHECK, severity: 'error', message: `must-deny flow is allowed: ${peerName(src)} → ${peerName(dst)}:${m.port} (${m.why})` });
      }
    }
  }

  // (b) the matrix: every managed pod and the world, to every pod port and every external peer named in the intent
  const sources: Peer[] = [{ kind: 'entity', entity: 'world' }, { kind: 'entity', entity: 'host' }, ...endpoints.map((ep) => ({ kind: 'endpoint' as const, ep }))];
  const targets: { peer: Peer; ports: { port: number; protocol: string }[] }[] = endpoints.map((ep) => ({ peer: { kind: 'endpoint', ep }, ports: ep.ports }));
  const externalPorts = new Map<string, { port: number; protocol: string }[]>();
  for (const f of intent) {
    const key = peerName(resolve(f.to)!);
    if (externals.has(key)) externalPorts.set(key, [...(externalPorts.get(key) ?? []), { port: f.port, protocol: f.protocol }]);
  }
  for (const [key, peer] of [...externals.entries()].sort()) if (externalPorts.has(key)) targets.push({ peer, ports: externalPorts.get(key)! });
  const edges: NetworkReport['edges'] = [];
  const seen = new Set<string>();
  const managed = (p: Peer) => p.kind === 'endpoint' && p.ep.managed;
  for (const src of sources) {
    for (const t of targets) {
      // Pairs with no managed pod on either end are not governed by the stack's policies.
      if (!managed(src) && !managed(t.peer)) continue;
      for (const p of t.ports) {
        const key = `${peerName(src)}>${peerName(t.peer)}:${p.port}/${p.protocol}`;
        if (seen.has(key)) continue;
        seen.add(key);
        if (model.allowed(src, t.peer, p.port, p.protocol)) edges.push({ from: peerName(src), to: peerName(t.peer), port: p.port, protocol: p.protocol });
      }
    }
  }
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
