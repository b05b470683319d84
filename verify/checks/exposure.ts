/**
 * Exposure through Traefik: what each route publishes and to whom, as the apps declare it (dist/intent/exposure.json,
 * written by synth from each route's `exposure`; verify/contracts/declared.ts). Every router Traefik loads is
 * read, whichever provider serves it: IngressRoutes, and the file provider's routers in the Vault template of
 * Traefik's pod (verify/traefik.ts), with each middleware resolved in the provider Traefik looks in.
 *  - every router / Ingress host is listed (nothing is published that nobody decided to publish);
 *  - `admin` routes carry an ipAllowList middleware whose ranges together leave some addresses out (not only a
 *    literal /0: any union covering IPv4 or IPv6 is "everyone"), and whose source address cannot be forged
 *    (an ipStrategy reading X-Forwarded-For on an entry point that trusts it, or PROXY protocol from anyone);
 *  - no route forwards a `denyPaths` entry of its host: the route rule is evaluated as Traefik v3 does
 *    (rules with &&, ||, ! and parentheses, pkg/rules/parser.go; Host case-insensitive; Path/PathPrefix on the
 *    routing path, pkg/muxer/http/matcher.go), with three-valued logic: a matcher this check cannot decide
 *    (Method, Header, Query, ClientIP...) may be true or false, and "may forward" is an error;
 *  - Traefik keeps the defaults that make the routing path the path the backend sees: path sanitizing on and
 *    encoded slashes refused (entryPoints.<name>.http.sanitizePath / encodedCharacters, cli-ref.md @ v3.6.6).
 */
import { EXPOSURE_FILE, type ExposureRoute, parseExposure } from '../contracts/declared';
import { podSpecOf } from '../load';
import { fileProviderFiles, type MiddlewareSpec, traefikContainers, traefikRouters } from '../traefik';
import { Context, Finding, finding } from '../types';

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

/** An address range as [first, last] integers, IPv4 or IPv6 (a plain address is its own /32 or /128). */
function rangeOf(cidr: string): { v: 4 | 6; lo: bigint; hi: bigint } | undefined {
  const [addr = '', bitsText] = cidr.trim().split('/');
  let v: 4 | 6;
  let n = 0n;
  if (/^\d+\.\d+\.\d+\.\d+$/.test(addr)) {
    const parts = addr.split('.').map(Number);
    if (parts.some((p) => p > 255)) return undefined;
    v = 4;
    for (const p of parts) n = (n << 8n) | BigInt(p);
  } else if (addr.includes(':')) {
    const [head = '', tail] = addr.split('::');
    const h = head ? head.split(':') : [];
    const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
    const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
    if (groups.length !== 8 || groups.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
    v = 6;
    for (const g of groups) n = (n << 16n) | BigInt(parseInt(g, 16));
  } else return undefined;
  const width = v === 4 ? 32 : 128;
  const bits = bitsText === undefined ? width : Number(bitsText);
  if (!Number.isInteger(bits) || bits < 0 || bits > width) return undefined;
  const host = (1n << BigInt(width - bits)) - 1n;
  return { v, lo: n & ~host, hi: (n & ~host) | host };
}

/**
 * The address families a set of ranges covers entirely ("everyone"): not only a literal /0, but any union that
 * leaves no address out (0.0.0.0/1 + 128.0.0.0/1, or 256 /8s). Traefik's ipAllowList matches any range of the
 * list (pkg/ip/checker.go), so the union is what it admits.
 */
export function coversEveryone(ranges: readonly string[]): ('IPv4' | 'IPv6')[] {
  const out: ('IPv4' | 'IPv6')[] = [];
  for (const v of [4, 6] as const) {
    const rs = ranges
      .map(rangeOf)
      .filter((r): r is { v: 4 | 6; lo: bigint; hi: bigint } => r !== undefined && r.v === v)
      .sort((a, b) => (a.lo < b.lo ? -1 : a.lo > b.lo ? 1 : 0));
    const max = (1n << BigInt(v === 4 ? 32 : 128)) - 1n;
    let next = 0n;
    for (const r of rs) {
      if (r.lo > next) break;
      if (r.hi + 1n > next) next = r.hi + 1n;
    }
    if (next > max) out.push(v === 4 ? 'IPv4' : 'IPv6');
  }
  return out;
}

/**
 * Why the source address an ipAllowList compares can be forged on these entry points, or undefined. With
 * `ipStrategy.depth` or `excludedIPs` the middleware reads X-Forwarded-For (pkg/ip/strategy.go), which Traefik
 * strips from untrusted peers unless `forwardedHeaders.insecure` or `trustedIPs` says otherwise
 * (pkg/middlewares/forwardedheaders); `proxyProtocol.insecure` lets any client state its own address.
 */
function spoofable(mw: MiddlewareSpec, entryPoints: readonly string[], args: ReadonlyMap<string, string>): string | undefined {
  const eps = entryPoints.length
    ? entryPoints.map((e) => e.toLowerCase())
    : [...new Set([...args.keys()].map((k) => /^entrypoints\.([^.]+)\./.exec(k)?.[1]).filter((x): x is string => !!x))];
  for (const ep of eps) {
    if (args.get(`entrypoints.${ep}.proxyprotocol.insecure`) === 'true')
      return `entry point ${ep} trusts any PROXY protocol header (proxyProtocol.insecure): every client sets its own address`;
  }
  const st = mw.ipAllowList?.ipStrategy;
  if (!st || (!(st.depth && st.depth > 0) && !(st.excludedIPs ?? []).length)) return undefined;
  for (const ep of eps) {
    if (args.get(`entrypoints.${ep}.forwardedheaders.insecure`) === 'true')
      return `its ipStrategy reads X-Forwarded-For and entry point ${ep} trusts that header from anyone (forwardedHeaders.insecure)`;
    const trusted = args.get(`entrypoints.${ep}.forwardedheaders.trustedips`);
    if (trusted) return `its ipStrategy reads X-Forwarded-For, which entry point ${ep} accepts from ${trusted} (forwardedHeaders.trustedIPs): those peers choose the address`;
  }
  return undefined;
}

/**
 * Whether Traefik's access log records request paths with their query (pkg/middlewares/accesslog/logger.go:
 * RequestPath is the request URI, query included), and how: the flag that turns it on. Undefined when the access
 * log is off or drops RequestPath (`fields.names.RequestPath=drop`, or `fields.defaultMode=drop` without keeping it).
 */
export function accessLogKeepsQuery(args: ReadonlyMap<string, string>): string | undefined {
  const on = [...args].find(([k, v]) => (k === 'accesslog' && v !== 'false') || (k.startsWith('accesslog.') && k !== 'accesslog'));
  if (!on || args.get('accesslog') === 'false') return undefined;
  const named = args.get('accesslog.fields.names.requestpath')?.toLowerCase();
  const byDefault = args.get('accesslog.fields.defaultmode')?.toLowerCase() ?? 'keep';
  if ((named ?? byDefault) === 'drop') return undefined;
  return `--${on[0]}=${on[1]}, RequestPath kept`;
}

/**
 * Checks every router Traefik loads (IngressRoutes and the file provider's routers in the Vault template of its
 * pod; verify/traefik.ts) against `routes`, by default the apps' declarations in dist/intent/exposure.json.
 */
export function checkExposure(ctx: Context, declared?: readonly ExposureRoute[]): Finding[] {
  const out: Finding[] = [];
  let routes = declared;
  if (routes === undefined) {
    const parsed = parseExposure(ctx.files.get(EXPOSURE_FILE));
    if (!parsed.ok) out.push({ check: CHECK, severity: 'error', message: parsed.message });
    routes = parsed.ok ? parsed.value : [];
  }
  const byHost = new Map(routes.map((r) => [r.host, r]));
  const traefiks = traefikContainers(ctx.docs);
  const argsOf = new Map(traefiks.map((t) => [t.doc, t.args]));
  const allArgs = new Map(traefiks.flatMap((t) => [...t.args]));

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
    }
  }
  for (const t of traefiks) {
    for (const f of fileProviderFiles(t)) {
      const tcp = (f.config as { tcp?: { routers?: object }; udp?: { routers?: object } } | undefined) ?? {};
      if (Object.keys(tcp.tcp?.routers ?? {}).length || Object.keys(tcp.udp?.routers ?? {}).length)
        out.push(finding(CHECK, 'error', `${f.path} (file provider) has TCP/UDP routers: they publish a backend outside the declared HTTP routes`, t.doc));
    }
  }

  for (const r of traefikRouters(ctx.docs)) {
    const { where, doc: d } = r;
    let rule: Node;
    try {
      rule = parseRule(r.rule);
    } catch (e) {
      out.push(finding(CHECK, 'error', `${where}: ${(e as Error).message}`, d));
      continue;
    }
    for (const m of r.middlewares) {
      if (!m.spec) out.push(finding(CHECK, 'error', `${where}: middleware ${m.ref} does not exist where Traefik looks for it, so Traefik refuses the router`, d));
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
        const lists = r.middlewares.filter((m) => m.spec?.ipAllowList);
        const args = (r.provider === 'file' ? argsOf.get(d) : undefined) ?? allArgs;
        if (lists.length === 0)
          out.push(finding(CHECK, 'error', `${host} is an admin UI (${entry.exposes}) but ${where} has no ipAllowList middleware: the whole LAN reaches it`, d));
        for (const m of lists) {
          const range = m.spec!.ipAllowList!.sourceRange ?? [];
          const world = coversEveryone(range);
          if (world.length)
            out.push(
              finding(
                CHECK,
                'error',
                `${host} is an admin UI but its ipAllowList ${m.ref} (${range.join(', ')}) covers every ${world.join(' and ')} address: everyone reaches it`,
                d,
              ),
            );
          const forged = spoofable(m.spec!, r.entryPoints, args);
          if (forged) out.push(finding(CHECK, 'error', `${host} is an admin UI but its ipAllowList ${m.ref} can be passed with a forged address: ${forged}`, d));
        }
      }
      if (entry.secretsInQuery !== undefined && r.accessLogs !== false) {
        const logged = accessLogKeepsQuery((r.provider === 'file' ? argsOf.get(d) : undefined) ?? allArgs);
        if (logged)
          out.push(
            finding(
              CHECK,
              'error',
              `${where} is access-logged (${logged}) and requests to ${host} carry credentials in their query (${entry.secretsInQuery}): they would land in Traefik's log and, through the log agent, in Loki. Set observability.accessLogs: false on the route (the exposure's secretsInQuery does)`,
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
              `${where} ${v === true ? 'forwards' : 'may forward'} ${path} on ${host} to ${r.services.join(', ')}: that path is not for this route's audience (${entry.exposes})`,
              d,
            ),
          );
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
