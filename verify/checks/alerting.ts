/**
 * Alerts reach a person (issue 18, items 11 and 12), read from the Alertmanager and Prometheus ConfigMaps and
 * the Alertmanager StatefulSet of dist/:
 *  - every receiver a route names is defined (Alertmanager v0.28.1 refuses the file otherwise, config/config.go);
 *  - the root route's receiver has at least one integration, else every alert is dropped (a warning: the
 *    example site ships without one, and synth says so loudly);
 *  - a dead man's switch exists: an always-firing rule (`vector(1)`) whose alertname a child route sends to a
 *    receiver of its own, never the root's (people would get it every repeat); without an integration there it
 *    is a warning like the root's;
 *  - `--web.external-url` is a URL a person can open: not an in-cluster Service name;
 *  - every `ca_file`/`*_file` under /etc/alertmanager the configuration names is a key of the ConfigMap mounted
 *    there (a missing CA file fails the e-mail notifier at every send).
 */
import { parse } from 'yaml';
import { podSpecOf } from '../load';
import { Context, Doc, Finding, finding } from '../types';

const CHECK = 'alerting';

interface Route {
  receiver?: string;
  matchers?: string[];
  routes?: Route[];
}
interface AmConfig {
  route?: Route;
  receivers?: ({ name: string } & Record<string, unknown>)[];
}

const INTEGRATION = /_configs$/;

function configMapWith(ctx: Context, key: string): { doc: Doc; data: Record<string, string> } | undefined {
  for (const d of ctx.docs) {
    const data = (d.obj as { data?: Record<string, string> }).data;
    if (d.obj.kind === 'ConfigMap' && data && key in data) return { doc: d, data };
  }
  return undefined;
}

function walk(r: Route, out: Route[] = []): Route[] {
  out.push(r);
  for (const c of r.routes ?? []) walk(c, out);
  return out;
}

/** Every string value of the configuration at a key ending in `_file`, with its path. */
function files(v: unknown, path = ''): [string, string][] {
  if (Array.isArray(v)) return v.flatMap((x, i) => files(x, `${path}[${i}]`));
  if (v && typeof v === 'object')
    return Object.entries(v as Record<string, unknown>).flatMap(([k, x]) =>
      k.endsWith('_file') && typeof x === 'string' ? [[`${path}.${k}`, x] as [string, string]] : files(x, `${path}.${k}`),
    );
  return [];
}

export function checkAlerting(ctx: Context): Finding[] {
  const am = configMapWith(ctx, 'alertmanager.yml');
  if (!am) return [];
  const out: Finding[] = [];
  const cfg = parse(am.data['alertmanager.yml']!) as AmConfig;
  const receivers = new Map((cfg.receivers ?? []).map((r) => [r.name, Object.keys(r).filter((k) => INTEGRATION.test(k) && Array.isArray(r[k]) && (r[k] as unknown[]).length > 0)]));
  const root = cfg.route ?? {};
  for (const r of walk(root)) {
    // A child without a receiver inherits its parent's.
    if (r.receiver === undefined && r !== root) continue;
    if (!receivers.has(r.receiver ?? ''))
      out.push(finding(CHECK, 'error', `route ${JSON.stringify(r.matchers ?? 'root')} names receiver ${JSON.stringify(r.receiver)}, which is not defined`, am.doc));
  }
  if ((receivers.get(root.receiver ?? '') ?? []).length === 0)
    out.push(
      finding(CHECK, 'warning', `the root receiver ${JSON.stringify(root.receiver)} has no integration: no alert reaches a person (set workloads.alertmanager.receivers)`, am.doc),
    );

  // The dead man's switch: an always-firing rule with a route of its own.
  const prom = configMapWith(ctx, 'alerts.yml');
  const rules = prom ? ((parse(prom.data['alerts.yml']!) as { groups?: { rules?: { alert?: string; expr?: string }[] }[] }).groups ?? []).flatMap((g) => g.rules ?? []) : [];
  const always = rules.filter((r) => /^\s*vector\(\s*1\s*\)\s*$/.test(r.expr ?? '')).map((r) => r.alert ?? '');
  if (prom && always.length === 0)
    out.push(finding(CHECK, 'error', "no always-firing rule (vector(1)): a dead Prometheus or Alertmanager goes unnoticed (dead man's switch)", prom.doc));
  for (const name of always) {
    const route = (root.routes ?? []).find((c) => (c.matchers ?? []).some((m) => m.replace(/\s/g, '') === `alertname="${name}"`));
    if (!route || route.receiver === root.receiver)
      out.push(finding(CHECK, 'error', `the always-firing ${name} has no route of its own to a heartbeat receiver: it would reach people at every repeat, or nobody`, am.doc));
    else if ((receivers.get(route.receiver ?? '') ?? []).length === 0)
      out.push(
        finding(
          CHECK,
          'warning',
          `${name} goes to receiver ${JSON.stringify(route.receiver)}, which has no integration: no outside service notices a dead Alertmanager (set workloads.alertmanager.heartbeat)`,
          am.doc,
        ),
      );
  }

  // The pod: external URL, and the files the configuration names.
  for (const d of ctx.docs) {
    const t = podSpecOf(d.obj);
    const argsOf = (x: object): string[] => (x as { args?: string[] }).args ?? [];
    const c = t?.spec.containers.find((x) => argsOf(x).some((a) => a.startsWith('--config.file=') && a.endsWith('/alertmanager.yml')));
    if (!t || !c) continue;
    const url = argsOf(c)
      .find((a) => a.startsWith('--web.external-url='))
      ?.slice('--web.external-url='.length);
    if (url !== undefined) {
      const host = URL.canParse(url) ? new URL(url).hostname : '';
      if (host === '' || /\.svc(\.cluster\.local)?$|\.cluster\.local$/.test(host) || (!host.includes('.') && host !== 'localhost'))
        out.push(finding(CHECK, 'error', `${c.name}: --web.external-url=${url} is not a URL a person can open (links in notifications point there)`, d));
    }
    const mounts = (c.volumeMounts ?? []).map((m) => {
      const vol = (t.spec.volumes ?? []).find((v) => v.name === m.name) as { configMap?: { name: string } } | undefined;
      const cm = vol?.configMap
        ? ctx.docs.find((x) => x.obj.kind === 'ConfigMap' && x.obj.metadata.name === vol.configMap!.name && x.obj.metadata.namespace === d.obj.metadata.namespace)
        : undefined;
      return { path: m.mountPath, keys: cm ? Object.keys((cm.obj as { data?: Record<string, string> }).data ?? {}) : undefined };
    });
    for (const [where, file] of [...files(cfg), ...((cfg as { templates?: string[] }).templates ?? []).map((f, i) => [`.templates[${i}]`, f] as [string, string])]) {
      const m = mounts.find((x) => x.keys && file.startsWith(`${x.path}/`));
      if (m && !m.keys!.includes(file.slice(m.path.length + 1)))
        out.push(finding(CHECK, 'error', `${c.name}: alertmanager.yml${where} names ${file}, which the ConfigMap mounted at ${m.path} does not hold`, d));
    }
  }
  return out;
}
