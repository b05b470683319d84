/**
 * Capacity: requests and limits of everything in dist (× replicas; DaemonSets × nodes; init containers as the
 * scheduler counts them; the injected Vault agent from its annotations) against the nodes of the site.
 */
import { podSpecOf, Container } from '../load';
import { Context, Finding } from '../types';

export function cpu(q: string | number | undefined): number {
  if (q === undefined) return 0;
  const s = String(q);
  return s.endsWith('m') ? parseFloat(s) / 1000 : parseFloat(s);
}
export function mem(q: string | number | undefined): number {
  if (q === undefined) return 0;
  const s = String(q);
  const units: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, k: 1e3, M: 1e6, G: 1e9 };
  const m = /^([\d.]+)([A-Za-z]*)$/.exec(s);
  return m ? parseFloat(m[1]!) * (units[m[2]!] ?? 1) : 0;
}

interface Totals {
  reqCpu: number;
  reqMem: number;
  limCpu: number;
  limMem: number;
}

function podTotals(containers: Container[], init: Container[], annotations: Record<string, string>): Totals {
  const sum = (f: (c: Container) => number) => containers.reduce((n, c) => n + f(c), 0);
  const max = (f: (c: Container) => number) => init.reduce((n, c) => Math.max(n, f(c)), 0);
  const t: Totals = {
    reqCpu: Math.max(
      sum((c) => cpu(c.resources?.requests?.cpu)),
      max((c) => cpu(c.resources?.requests?.cpu)),
    ),
    reqMem: Math.max(
      sum((c) => mem(c.resources?.requests?.memory)),
      max((c) => mem(c.resources?.requests?.memory)),
    ),
    limCpu: sum((c) => cpu(c.resources?.limits?.cpu)),
    limMem: sum((c) => mem(c.resources?.limits?.memory)),
  };
  if (annotations['vault.hashicorp.com/agent-inject'] === 'true' && annotations['vault.hashicorp.com/agent-pre-populate-only'] !== 'true') {
    t.reqCpu += cpu(annotations['vault.hashicorp.com/agent-requests-cpu'] ?? '250m');
    t.reqMem += mem(annotations['vault.hashicorp.com/agent-requests-mem'] ?? '64Mi');
    t.limCpu += cpu(annotations['vault.hashicorp.com/agent-limits-cpu'] ?? '500m');
    t.limMem += mem(annotations['vault.hashicorp.com/agent-limits-mem'] ?? '128Mi');
  }
  return t;
}

export interface CapacityReport {
  perNamespace: Map<string, Totals>;
  total: Totals;
  capacity: { cpu: number; mem: number };
}

export function capacityReport(ctx: Context): CapacityReport {
  const perNamespace = new Map<string, Totals>();
  for (const d of ctx.docs) {
    const t = podSpecOf(d.obj);
    if (!t) continue;
    const spec = d.obj.spec as { replicas?: number };
    const copies = d.obj.kind === 'DaemonSet' ? ctx.nodes.length : d.obj.kind === 'Job' || d.obj.kind === 'CronJob' ? 0 : (spec.replicas ?? 1);
    const p = podTotals(t.spec.containers, t.spec.initContainers ?? [], t.metadata?.annotations ?? {});
    const ns = d.obj.metadata.namespace ?? 'default';
    const acc = perNamespace.get(ns) ?? { reqCpu: 0, reqMem: 0, limCpu: 0, limMem: 0 };
    perNamespace.set(ns, {
      reqCpu: acc.reqCpu + p.reqCpu * copies,
      reqMem: acc.reqMem + p.reqMem * copies,
      limCpu: acc.limCpu + p.limCpu * copies,
      limMem: acc.limMem + p.limMem * copies,
    });
  }
  const total = [...perNamespace.values()].reduce(
    (a, b) => ({ reqCpu: a.reqCpu + b.reqCpu, reqMem: a.reqMem + b.reqMem, limCpu: a.limCpu + b.limCpu, limMem: a.limMem + b.limMem }),
    { reqCpu: 0, reqMem: 0, limCpu: 0, limMem: 0 },
  );
  const capacity = { cpu: ctx.nodes.reduce((n, x) => n + cpu(x.cpu), 0), mem: ctx.nodes.reduce((n, x) => n + mem(x.memory), 0) };
  return { perNamespace, total, capacity };
}

export function checkCapacity(ctx: Context, maxShare: number): Finding[] {
  const r = capacityReport(ctx);
  const out: Finding[] = [];
  const cpuShare = r.total.reqCpu / r.capacity.cpu;
  const memShare = r.total.reqMem / r.capacity.mem;
  const gi = (b: number) => `${(b / 2 ** 30).toFixed(2)}Gi`;
  for (const [ns, t] of [...r.perNamespace.entries()].sort()) {
    out.push({ check: 'capacity', severity: 'info', message: `${ns}: requests ${t.reqCpu.toFixed(2)} CPU / ${gi(t.reqMem)}, limits ${t.limCpu.toFixed(2)} CPU / ${gi(t.limMem)}` });
  }
  out.push({
    check: 'capacity',
    severity: 'info',
    message: `total: requests ${r.total.reqCpu.toFixed(2)} of ${r.capacity.cpu} CPU (${Math.round(cpuShare * 100)}%), ${gi(r.total.reqMem)} of ${gi(r.capacity.mem)} (${Math.round(memShare * 100)}%)`,
  });
  if (cpuShare > maxShare)
    out.push({ check: 'capacity', severity: 'error', message: `CPU requests use ${Math.round(cpuShare * 100)}% of the nodes, above ${Math.round(maxShare * 100)}%` });
  if (memShare > maxShare)
    out.push({ check: 'capacity', severity: 'error', message: `memory requests use ${Math.round(memShare * 100)}% of the nodes, above ${Math.round(maxShare * 100)}%` });
  return out;
}
