/**
 * Exposure through Traefik: what each route publishes and to whom, as the apps declare it (dist/intent/exposure.json,
 * written by synth from each route's `exposure`; verify/contracts/declared.ts).
 *  - every IngressRoute / Ingress host is listed (nothing is published that nobody decided to publish);
 *  - `admin` routes carry an ipAllowList middleware that does not allow the whole internet;
 *  - no route forwards a `denyPaths` entry of its host: the route rule is evaluated as Traefik v3 does
 *    (rules with &&, ||, ! and parentheses, pkg/rules/parser.go; Host case-insensitive; Path/PathPrefix on the
 *    routing path, pkg/muxer/http/matcher.go), with three-valued logic: a matcher this check cannot decide
 *    (Method, Header, Query, ClientIP...) may be true or false, and "may forward" is an error;
 *  - Traefik keeps the defaults that make the routing path the path the backend sees: path sanitizing on and
 *    encoded slashes refused (entryPoints.<name>.http.sanitizePath / encodedCharacters, cli-ref.md @ v3.6.6).
 */
import { EXPOSURE_FILE, type ExposureRoute, parseExposure } from '../contracts/declared';
import { podSpecOf } from '../load';
import { Context, Doc, Finding, finding } from '../types';

const CHECK = 'exposure';

export type { ExposureRoute } from '../contracts/declared';

// ---------------------------------------------------------------------------------------------------------
// Traefik v3 rules
// ---------------------------------------------------------------------------------------------------------

type Tri = true | false | 'unknown';
type Node = { op: 'and' | 'or'; l: Node; r: Node } | { op: 'not'; e: Node } | { op: 'call'; name: string; args: string[] };

/** Parses a Traefik v3 rule; throws with the position on syntax it does not know. */
export function parseRule(rule: string): Node {
  const tokens = [...rule.matchAll(/\s*(&&|\|\||!|\(|\)|,|`[^`]*`|"(?:[^"\\]|\\.)*"|[A-Za-z]+|\S)/g)].map((m) => m[1]!);
  let i = 0;
  const peek = () => tokens[i];
  const take = (t?: string) => {
    const x = tokens[i++];
    if (x === undefined || (t !== undefined && x !== t)) throw new Error(`rule ${JSON.stringify(rule)}: expected ${t ?? 'a token'} at token ${i}, got ${x ?? 'the end'}`);
    return x;
  };
  const unary = (): Node => {
    if (peek() === '!') {
      take('!');
      return { op: 'not', e: unary() };
    }
    if (peek() === '(') {
      take('(');
      const e = or();
      take(')');
      return e;
    }
    const name = take();
    if (!/^[A-Za-z]+$/.test(name)) throw new Error(`rule ${JSON.stringify(rule)}: unexpected ${name}`);
    take('(');
    const args: string[] = [];
    while (peek() !== ')') {
      const a = take();
      if (a.startsWith('`')) args.push(a.slice(1, -1));
      else if (a.startsWith('"')) args.push(JSON.parse(a) as string);
      else throw new Error(`rule ${JSON.stringify(rule)}: matcher argument ${a} is not a string`);
      if (peek() === ',') take(',');
    }
    take(')');
    return { op: 'call', name: name.toLowerCase(), args };
  };
  const and = (): Node => {
    let l = unary();
    while (peek() === '&&') {
      take('&&');
      l = { op: 'and', l, r: unary() };
    }
    return l;
  };
  const or = (): Node => {
    let l = and();
    while (peek() === '||') {
      take('||');
      l = { op: 'or', l, r: and() };
    }
    return l;
  };
  const e = or();
  if (i !== tokens.length) throw new Error(`rule ${JSON.stringify(rule)}: unexpected ${tokens[i]}`);
  return e;
}

/** Whether a request with this host and (sanitized) path matches; 'unknown' when other attributes decide. */
export function evalRule(n: Node, req: { host: string; path: string }): Tri {
  switch (n.op) {
    case 'not': {
      const v = evalRule(n.e, req);
      return v === 'unknown' ? v : !v;
    }
    case 'and': {
      const a = evalRule(n.l, req);
      const b = evalRule(n.r, req);
      return a === false || b === false ? false : a === true && b === true ? true : 'unknown';
    }
    case 'or': {
      const a = evalRule(n.l, req);
      const b = evalRule(n.r, req);
      return a === true || b === true ? true : a === false && b === false ? false : 'unknown';
    }
    case 'call': {
      const [arg = ''] = n.args;
      switch (n.name) {
        case 'host':
          return req.host.toLowerCase() === arg.toLowerCase();
        case 'hostregexp':
          return new RegExp(arg).test(req.host);
        case 'path':
          return req.path === arg;
        case 'pathprefix':
          return req.path.startsWith(arg);
        case 'pathregexp':
          return new RegExp(arg).test(req.path);
        default:
          return 'unknown';
      }
    }
  }
}

/** Host(`...`) arguments anywhere in a rule. */
export function hostsOf(n: Node): string[] {
  if (n.op === 'call') return n.name === 'host' ? n.args : [];
  if (n.op === 'not') return [];
  return [...hostsOf(n.l), ...hostsOf(n.r)];
}

// ---------------------------------------------------------------------------------------------------------
// The check
// ---------------------------------------------------------------------------------------------------------

interface RouteSpec {
  match?: string;
  middlewares?: { name: string; namespace?: string }[];
  services?: { name: string; namespace?: string; port?: unknown }[];
}

const WORLD = /^(0\.0\.0\.0\/0|::\/0)$/;

/** Checks the routes of dist/ against `routes`, by default the apps' declarations in dist/intent/exposure.json. */
export function checkExposure(ctx: Context, declared?: readonly ExposureRoute[]): Finding[] {
  const out: Finding[] = [];
  let routes = declared;
  if (routes === undefined) {
    const parsed = parseExposure(ctx.files.get(EXPOSURE_FILE));
    if (!parsed.ok) out.push({ check: CHECK, severity: 'error', message: parsed.message });
    routes = parsed.ok ? parsed.value : [];
  }
  const byHost = new Map(routes.map((r) => [r.host, r]));
  const middlewares = new Map<string, Doc>(ctx.docs.filter((d) => d.obj.kind === 'Middleware').map((d) => [`${d.obj.metadata.namespace}/${d.obj.metadata.name}`, d]));

  for (const d of ctx.docs) {
    if (d.obj.kind === 'Ingress') {
      const rules = (d.obj.spec as { rules?: { host?: string }[] } | undefined)?.rules ?? [];
      for (const r of rules) {
        const entry = r.host ? byHost.get(r.host.split('.')[0]!) : undefined;
        if (!entry)
          out.push(
            finding(
              CHECK,
              'error',
              `Ingress publishes ${r.host ?? 'every host'} but no app declares it (${EXPOSURE_FILE}): declare what it exposes and to whom on its route (httpsRoute \`exposure\`)`,
              d,
            ),
          );
        else
          out.push(finding(CHECK, 'error', `Ingress publishes ${r.host}: the stack routes through IngressRoutes (the exposure check evaluates their rules, not Ingress paths)`, d));
      }
      continue;
    }
    if (['IngressRouteTCP', 'IngressRouteUDP', 'HTTPRoute', 'TCPRoute', 'TLSRoute', 'UDPRoute', 'GRPCRoute'].includes(d.obj.kind)) {
      out.push(finding(CHECK, 'error', `${d.obj.kind} publishes a backend outside the declared HTTP routes: the stack publishes IngressRoutes only (${EXPOSURE_FILE})`, d));
      continue;
    }
    if (d.obj.kind !== 'IngressRoute') continue;
    const spec = d.obj.spec as { routes?: RouteSpec[] };
    for (const [i, r] of (spec.routes ?? []).entries()) {
      const where = `route ${i + 1} (${r.match ?? 'no match'})`;
      let rule: Node;
      try {
        rule = parseRule(r.match ?? '');
      } catch (e) {
        out.push(finding(CHECK, 'error', `${where}: ${(e as Error).message}`, d));
        continue;
      }
      const hosts = hostsOf(rule);
      if (hosts.length === 0) {
        out.push(finding(CHECK, 'error', `${where} matches every host name: a route names its host`, d));
        continue;
      }
      for (const host of hosts) {
        const entry = byHost.get(host.split('.')[0]!);
        if (!entry) {
          out.push(
            finding(
              CHECK,
              'error',
              `${where} publishes ${host}, which no app declares (${EXPOSURE_FILE}): declare what it exposes and to whom on its route (httpsRoute \`exposure\`)`,
              d,
            ),
          );
          continue;
        }
        if (entry.audience === 'admin') {
          const ranges = (r.middlewares ?? []).flatMap((m) => {
            const mw = middlewares.get(`${m.namespace ?? d.obj.metadata.namespace}/${m.name}`);
            const list = (mw?.obj.spec as { ipAllowList?: { sourceRange?: string[] } } | undefined)?.ipAllowList?.sourceRange;
            return list ? [list] : [];
          });
          if (ranges.length === 0)
            out.push(finding(CHECK, 'error', `${host} is an admin UI (${entry.exposes}) but ${where} has no ipAllowList middleware: the whole LAN reaches it`, d));
          else if (ranges.some((l) => l.some((c) => WORLD.test(c))))
            out.push(
              finding(
                CHECK,
                'error',
                `${host} is an admin UI but its ipAllowList allows ${ranges
                  .flat()
                  .filter((c) => WORLD.test(c))
                  .join(', ')}: everyone reaches it`,
                d,
              ),
            );
        }
        for (const path of entry.denyPaths ?? []) {
          const v = evalRule(rule, { host, path });
          if (v !== false)
            out.push(
              finding(
                CHECK,
                'error',
                `${where} ${v === true ? 'forwards' : 'may forward'} ${path} on ${host} to ${(r.services ?? []).map((s) => s.name).join(', ')}: that path is not for this route's audience (${entry.exposes})`,
                d,
              ),
            );
        }
      }
    }
  }

  // The routing path is the path the backend sees only while Traefik sanitizes paths and refuses encoded slashes.
  for (const d of ctx.docs) {
    const t = podSpecOf(d.obj);
    if (!t) continue;
    for (const c of t.spec.containers) {
      if (!/(^|\/)traefik:/.test(c.image ?? '')) continue;
      const args = (c as { args?: string[] }).args ?? [];
      for (const a of args) {
        if (/\.http\.sanitizepath=false$/i.test(a) || /\.http\.encodedcharacters\.allowencoded(slash|percent|backslash)=true$/i.test(a)) {
          out.push(finding(CHECK, 'error', `${c.name}: ${a} lets a request path differ from the routing path: denyPaths could be bypassed`, d));
        }
      }
    }
  }
  return out;
}
