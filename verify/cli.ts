/**
 * `npm run verify [-- options]`: analyse dist/ as the cluster and an auditor would (docs/verify.md).
 *
 *   --dist <dir>              folder to read (default dist)
 *   --config <site.yaml>      the site (node capacity, Vault address); default as for synth
 *   --json                    findings as JSON
 *   --against <rev>           compare immutable fields with dist/ at this git revision (default HEAD)
 *   --max-request-share <x>   capacity threshold for requests (default 0.8)
 *   --write-docs              also write <dist>/docs/network-flows.md and <dist>/docs/rbac.md (`npm run synth`
 *                             writes them with dist/: charts/docs.ts; test/docs.test.ts checks them)
 *   --can-i <subject> <verb> <resource>[.<group>] [-n <namespace>] [--name <name>]
 *   --timings                 also print the milliseconds each check took
 *   -h, --help                the usage (VERIFY_USAGE); nothing is read
 *
 * Anything else is a usage error (exit 2) before dist/ is read: parseVerifyArgs.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pinnedMirrors } from '../config/git';
import type { Site } from '../config/schema';
import { ConfigError, resolveSite } from '../config/load';
import { checkAlerting } from './checks/alerting';
import { checkApiEgress } from './checks/api-egress';
import { checkArgocdAdmission } from './checks/argocd-admission';
import { checkCapacity } from './checks/capacity';
import { checkCredentials } from './checks/credentials';
import { checkExposure } from './checks/exposure';
import { checkTraefik } from './checks/traefik';
import { checkExtending } from './checks/extending';
import { CHECK_NAMES } from './checks/names';
import { checkFlowsDeclared } from './checks/flows';
import { checkPromises } from './checks/promises';
import { checkS3Users } from './checks/s3-users';
import { checkGitops } from './checks/gitops';
import { checkLoadBalancers } from './checks/loadbalancer';
import { analyseNetwork, loadMustDeny, renderFlowsDoc } from './checks/network';
import { checkPodSecurity } from './checks/pod-security';
import { canI, checkRbac, grants, renderRbacDoc } from './checks/rbac';
import { checkSchema, preloadSchemas } from './checks/schema';
import { checkSecrets } from './checks/secrets';
import { checkSwitches } from './checks/switches';
import { checkVaultScope } from './checks/vault-scope';
import { checkInlineCredentials } from './checks/inline-credentials';
import { checkPinnedImages } from './checks/pinned-images';
import { checkVaultTrust } from './checks/vault-trust';
import { checkWazuh } from './checks/wazuh';
import { loadDist } from './load';
import { Context, Finding, projectRoot } from './types';

export const VERIFY_USAGE = `usage: npm run verify -- [options]
  --dist <dir>              folder to read (default dist)
  --config <site.yaml>      the site (default: DOMUS_SITE or site.yaml)
  --json                    findings as JSON
  --against <rev>           compare immutable fields with dist/ at this git revision (default HEAD)
  --no-against              skip that comparison
  --max-request-share <x>   capacity threshold for requests, a number in (0, 1] (default 0.8)
  --write-docs              also write <dist>/docs/network-flows.md and <dist>/docs/rbac.md (npm run synth does)
  --timings                 also print the milliseconds each check took
  --can-i <subject> <verb> <resource>[.<group>] [-n <namespace>] [--name <name>]
  -h, --help                this text
`;

export class VerifyUsageError extends Error {}

export interface VerifyArgs {
  help: boolean;
  dist: string;
  config?: string;
  json: boolean;
  against?: string;
  noAgainst: boolean;
  maxShare: number;
  writeDocs: boolean;
  timings: boolean;
  canI?: { subject: string; verb: string; resource: string; namespace?: string; name?: string };
}

/**
 * verify's command line, strictly (issue 25, item 8): an unknown option, a missing or malformed value is a
 * usage error before anything is read, so a typo (\`--dsit /tmp/d\`) cannot silently verify ./dist and
 * \`--max-request-share abc\` cannot switch the capacity check off.
 */
export function parseVerifyArgs(argv: readonly string[]): VerifyArgs {
  const out: VerifyArgs = { help: false, dist: 'dist', json: false, noAgainst: false, maxShare: 0.8, writeDocs: false, timings: false };
  const seen = new Set<string>();
  const value = (i: number, name: string, inline: string | undefined): [string, number] => {
    const v = inline ?? argv[i + 1];
    if (v === undefined || v === '' || (inline === undefined && v.startsWith('-'))) throw new VerifyUsageError(`${name} needs a value`);
    return [v, inline === undefined ? i + 1 : i];
  };
  for (let i = 0; i < argv.length; i++) {
    const raw = argv[i]!;
    const eq = raw.startsWith('--') ? raw.indexOf('=') : -1;
    const name = eq > 0 ? raw.slice(0, eq) : raw;
    const inline = eq > 0 ? raw.slice(eq + 1) : undefined;
    const once = () => {
      if (seen.has(name)) throw new VerifyUsageError(`${name} given twice`);
      seen.add(name);
    };
    const flagOnly = () => {
      if (inline !== undefined) throw new VerifyUsageError(`${name} takes no value`);
      once();
    };
    switch (name) {
      case '-h':
      case '--help':
        flagOnly();
        out.help = true;
        break;
      case '--json':
        flagOnly();
        out.json = true;
        break;
      case '--no-against':
        flagOnly();
        out.noAgainst = true;
        break;
      case '--write-docs':
        flagOnly();
        out.writeDocs = true;
        break;
      case '--timings':
        flagOnly();
        out.timings = true;
        break;
      case '--dist':
      case '--config':
      case '--against':
      case '--max-request-share': {
        once();
        const [v, next] = value(i, name, inline);
        i = next;
        if (name === '--dist') out.dist = v;
        else if (name === '--config') out.config = v;
        else if (name === '--against') out.against = v;
        else {
          const n = /^(\d+(\.\d*)?|\.\d+)$/.test(v) ? Number(v) : NaN;
          if (!Number.isFinite(n) || n <= 0 || n > 1) throw new VerifyUsageError(`--max-request-share: expected a number in (0, 1], got ${JSON.stringify(v.slice(0, 40))}`);
          out.maxShare = n;
        }
        break;
      }
      case '--can-i': {
        once();
        if (inline !== undefined) throw new VerifyUsageError('--can-i takes three arguments: <subject> <verb> <resource>[.<group>]');
        const [subject, verb, resource] = argv.slice(i + 1, i + 4);
        if (!subject || !verb || !resource || [subject, verb, resource].some((a) => a.startsWith('-')))
          throw new VerifyUsageError('--can-i needs <subject> <verb> <resource>[.<group>]');
        out.canI = { subject, verb, resource };
        i += 3;
        break;
      }
      case '-n':
      case '--name': {
        if (!out.canI) throw new VerifyUsageError(`${name} belongs to --can-i (put it after the three arguments)`);
        once();
        const [v, next] = value(i, name, inline);
        i = next;
        if (name === '-n') out.canI.namespace = v;
        else out.canI.name = v;
        break;
      }
      default:
        throw new VerifyUsageError(raw.startsWith('-') ? `unknown option ${JSON.stringify(raw.slice(0, 60))}` : `unexpected argument ${JSON.stringify(raw.slice(0, 60))}`);
    }
  }
  if (out.noAgainst && out.against !== undefined) throw new VerifyUsageError('--against and --no-against exclude each other');
  if (out.canI && (out.json || out.writeDocs || out.against !== undefined))
    throw new VerifyUsageError('--can-i answers one question: it takes no --json, --write-docs or --against');
  return out;
}

export function buildContext(dist: string, argv: readonly string[]): Context {
  return siteContextFor(resolveSite(argv).site, dist);
}

/** What verify knows of a site besides dist/: node capacity, Vault's address, the git sources it may sync. */
export function siteContextFor(site: Site, dist: string, loaded: ReturnType<typeof loadDist> = loadDist(dist)): Context {
  const { docs, files, findings: loadFindings } = loaded;
  const url = new URL(site.vault.address);
  return {
    docs,
    files,
    loadFindings,
    dist,
    nodes: site.nodes.map((n) => ({ name: n.name, cpu: n.capacity.cpu, memory: n.capacity.memory })),
    vault: { cidrs: site.vault.cidrs, host: url.hostname, port: Number(url.port || 443) },
    gitPath: site.git.path,
    git: { repoURL: site.git.repoURL, revision: site.git.revision, pinned: pinnedMirrors(site) },
  };
}

export function runChecks(
  ctx: Context,
  opts: {
    against?: { rev: string; repoRoot: string };
    maxShare: number;
    timings?: Map<string, number>;
    /**
     * Only the checks of these names (the names of `timed` below), for a test that asserts one check's finding
     * (test/verify/promises.test.ts locally, issue 22); the docs are then empty. `npm run verify` runs every check.
     */
    only?: ReadonlySet<string>;
  },
): { findings: Finding[]; flowsDoc: string; rbacDoc: string } {
  // Milliseconds per check when asked (`npm run bench`, `--timings`): a check that grows faster than dist/ shows.
  const measure = <T>(name: string, f: () => T): T => {
    if (!opts.timings) return f();
    const t0 = performance.now();
    const r = f();
    opts.timings.set(name, (opts.timings.get(name) ?? 0) + performance.now() - t0);
    return r;
  };
  const skipped = (name: string): boolean => opts.only !== undefined && !opts.only.has(name);
  /** One check of the list below: no findings when `opts.only` leaves it out. */
  const timed = (name: string, f: () => Finding[]): Finding[] => (skipped(name) ? [] : measure(name, f));
  const mustDeny = skipped('network') ? { rules: [], findings: [] } : measure('network', () => loadMustDeny(ctx));
  const network = skipped('network') ? undefined : measure('network', () => analyseNetwork(ctx, mustDeny.rules));
  const findings = [
    // Issue 25: what Argo CD would apply but verify could not read is an error, not a silent skip.
    ...(ctx.loadFindings ?? []),
    ...mustDeny.findings,
    ...timed('schema', () => checkSchema(ctx)),
    ...timed('pod-security', () => checkPodSecurity(ctx)),
    ...(network?.findings ?? []),
    ...timed('loadbalancer', () => checkLoadBalancers(ctx)),
    ...timed('rbac', () => checkRbac(ctx)),
    ...timed('secrets', () => checkSecrets(ctx)),
    ...timed('vault-trust', () => checkVaultTrust(ctx)),
    ...timed('gitops', () => checkGitops(ctx, opts.against)),
    ...timed('argocd-admission', () => checkArgocdAdmission(ctx)),
    ...timed('capacity', () => checkCapacity(ctx, opts.maxShare)),
    ...timed('wazuh', () => checkWazuh(ctx)),
    // Issue 13: every promise of the README has a check (docs/verify.md, "Promises").
    ...timed('flows', () => checkFlowsDeclared(ctx)),
    ...timed('credentials', () => checkCredentials(ctx)),
    ...timed('exposure', () => checkExposure(ctx)),
    // Issue 18: what the real Traefik would refuse (sniStrict without certificates, redirect to an unpublished port).
    ...timed('traefik', () => checkTraefik(ctx)),
    ...timed('promises', () => checkPromises(ctx)),
    // Issue 15: the mistakes of extending the stack (unknown namespace, route without flow, dead Service port).
    ...timed('extending', () => checkExtending(ctx)),
    // Issue 18: a pod holding API permissions with a mounted token reaches the API server.
    ...timed('api-egress', () => checkApiEgress(ctx)),
    // Issue 18: alerts reach a person (receivers, dead man's switch, openable links, files the config names).
    ...timed('alerting', () => checkAlerting(ctx)),
    // Issue 18: an S3 client of the stack's MinIO has its user created from its own Vault keys.
    ...timed('s3-users', () => checkS3Users(ctx)),
    // Issue 25: the settings that would void the model (policy enforcement, PSA defaults, anonymous access, admin APIs).
    ...timed('switches', () => checkSwitches(ctx)),
    // Issue 25: Vault roles and policies no wider than the workloads that use them.
    ...timed('vault-scope', () => checkVaultScope(ctx)),
    // Issue 25: credentials written as configuration lines (ini, YAML, env files), which secretlint does not know.
    ...timed('inline-credentials', () => checkInlineCredentials(ctx)),
    // Issue 25: images from their expected repositories at version tags; annotation and ConfigMap size limits.
    ...timed('pinned-images', () => checkPinnedImages(ctx)),
  ];
  const flowsDoc = network && !opts.only ? measure('docs', () => renderFlowsDoc(network)) : '';
  const rbacDoc = opts.only ? '' : measure('docs', () => renderRbacDoc(ctx.docs));
  return { findings, flowsDoc, rbacDoc };
}

export function main(argv: readonly string[]): number {
  const started = performance.now();
  const root = projectRoot();
  let args: VerifyArgs;
  try {
    args = parseVerifyArgs(argv);
  } catch (e) {
    if (!(e instanceof VerifyUsageError)) throw e;
    process.stderr.write(`verify: ${e.message}; nothing was read\n${VERIFY_USAGE}`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(VERIFY_USAGE);
    return 0;
  }
  const distArg = args.dist;
  const dist = resolve(process.cwd(), distArg);
  // The docs describe the dist/ they are written into (<dist>/docs, issue 25 item 8: never the repository's docs
  // for another folder's tree).
  let ctx: Context;
  try {
    ctx = buildContext(dist, args.config === undefined ? [] : ['--config', args.config]);
  } catch (e) {
    // A bad site file or unreadable dist/ is a message with the field or file, not a stack trace.
    process.stderr.write(`verify: ${e instanceof ConfigError ? e.message : (e as Error).message}\n`);
    return 2;
  }

  if (args.canI) {
    const q = args.canI;
    const g = canI(grants(ctx.docs), q.subject, q.verb, q.resource, q.namespace, q.name);
    process.stdout.write(g ? `yes — ${g.scope}, ${g.via}\n` : 'no\n');
    return g ? 0 : 1;
  }

  const against = args.noAgainst ? undefined : { rev: args.against ?? 'HEAD', repoRoot: root };
  const maxShare = args.maxShare;
  preloadSchemas(ctx.docs);
  const loaded = performance.now();
  const timings = args.timings ? new Map<string, number>() : undefined;
  const { findings, flowsDoc, rbacDoc } = runChecks(ctx, { against, maxShare, ...(timings ? { timings } : {}) });
  const checked = performance.now();
  const writeDocs = args.writeDocs;
  if (writeDocs) {
    mkdirSync(join(dist, 'docs'), { recursive: true });
    writeFileSync(join(dist, 'docs', 'network-flows.md'), flowsDoc);
    writeFileSync(join(dist, 'docs', 'rbac.md'), rbacDoc);
  }
  const errors = findings.filter((f) => f.severity === 'error');
  if (args.json) {
    process.stdout.write(`${JSON.stringify({ objects: ctx.docs.length, errors: errors.length, findings }, null, 2)}\n`);
  } else {
    for (const c of CHECK_NAMES) {
      const mine = findings.filter((f) => f.check === c);
      const bad = mine.filter((f) => f.severity === 'error').length;
      process.stdout.write(`${bad ? '✗' : '✓'} ${c}${bad ? `: ${bad} error(s)` : ''}\n`);
      for (const f of mine) {
        if (f.severity === 'info' && c !== 'capacity') continue;
        const where = f.object ? `  ${f.object} (${f.file}:${f.line})` : '';
        process.stdout.write(`    ${f.severity === 'error' ? 'error' : f.severity === 'warning' ? 'warn ' : '     '} ${f.message}${where ? `\n          ${where.trim()}` : ''}\n`);
      }
    }
    if (timings) for (const [c, ms] of [...timings].sort((a, b) => b[1] - a[1])) process.stdout.write(`  ${c.padEnd(18)} ${ms.toFixed(1).padStart(8)} ms\n`);
    process.stdout.write(
      `verify: ${ctx.docs.length} objects in ${distArg}/, ${errors.length} error(s); load ${Math.round(loaded - started)} ms, checks ${Math.round(checked - loaded)} ms${writeDocs ? `; wrote ${distArg}/docs/network-flows.md, ${distArg}/docs/rbac.md` : ''}\n`,
    );
  }
  return errors.length ? 1 : 0;
}

if (process.argv[1]?.endsWith('verify-cli.js') || require.main === module) process.exitCode = main(process.argv.slice(2));
