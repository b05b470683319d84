/**
 * `npm run verify [-- options]`: analyse dist/ as the cluster and an auditor would (docs/verify.md).
 *
 *   --dist <dir>              folder to read (default dist)
 *   --config <site.yaml>      the site (node capacity, Vault address); default as for synth
 *   --json                    findings as JSON
 *   --against <rev>           compare immutable fields with dist/ at this git revision (default HEAD)
 *   --max-request-share <x>   capacity threshold for requests (default 0.8)
 *   --write-docs              also write docs/network-flows.md and docs/rbac.md (`npm run docs` does; `npm test`
 *                             only checks them: test/docs.test.ts)
 *   --can-i <subject> <verb> <resource>[.<group>] [-n <namespace>] [--name <name>]
 */
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pinnedMirrors } from '../config/git';
import type { Site } from '../config/schema';
import { ConfigError, resolveSite } from '../config/load';
import { checkArgocdAdmission } from './checks/argocd-admission';
import { checkCapacity } from './checks/capacity';
import { checkCredentials } from './checks/credentials';
import { checkExposure } from './checks/exposure';
import { checkExtending } from './checks/extending';
import { CHECK_NAMES } from './checks/names';
import { checkFlowsDeclared } from './checks/flows';
import { checkPromises } from './checks/promises';
import { checkGitops } from './checks/gitops';
import { checkLoadBalancers } from './checks/loadbalancer';
import { analyseNetwork, loadMustDeny, renderFlowsDoc } from './checks/network';
import { checkPodSecurity } from './checks/pod-security';
import { canI, checkRbac, grants, renderRbacDoc } from './checks/rbac';
import { checkSchema } from './checks/schema';
import { checkSecrets } from './checks/secrets';
import { checkSwitches } from './checks/switches';
import { checkVaultTrust } from './checks/vault-trust';
import { checkWazuh } from './checks/wazuh';
import { loadDist } from './load';
import { Context, Finding, projectRoot } from './types';

function arg(argv: readonly string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

export function buildContext(dist: string, argv: readonly string[]): Context {
  return siteContextFor(resolveSite(argv).site, dist);
}

/** What verify knows of a site besides dist/: node capacity, Vault's address, the git sources it may sync. */
export function siteContextFor(site: Site, dist: string): Context {
  const { docs, files, findings: loadFindings } = loadDist(dist);
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

export function runChecks(ctx: Context, opts: { against?: { rev: string; repoRoot: string }; maxShare: number }): { findings: Finding[]; flowsDoc: string; rbacDoc: string } {
  const mustDeny = loadMustDeny(ctx);
  const network = analyseNetwork(ctx, mustDeny.rules);
  const findings = [
    // Issue 25: what Argo CD would apply but verify could not read is an error, not a silent skip.
    ...(ctx.loadFindings ?? []),
    ...mustDeny.findings,
    ...checkSchema(ctx),
    ...checkPodSecurity(ctx),
    ...network.findings,
    ...checkLoadBalancers(ctx),
    ...checkRbac(ctx),
    ...checkSecrets(ctx),
    ...checkVaultTrust(ctx),
    ...checkGitops(ctx, opts.against),
    ...checkArgocdAdmission(ctx),
    ...checkCapacity(ctx, opts.maxShare),
    ...checkWazuh(ctx),
    // Issue 13: every promise of the README has a check (docs/verify.md, "Promises").
    ...checkFlowsDeclared(ctx),
    ...checkCredentials(ctx),
    ...checkExposure(ctx),
    ...checkPromises(ctx),
    // Issue 15: the mistakes of extending the stack (unknown namespace, route without flow, dead Service port).
    ...checkExtending(ctx),
    // Issue 25: the settings that would void the model (policy enforcement, PSA defaults, anonymous access, admin APIs).
    ...checkSwitches(ctx),
  ];
  return { findings, flowsDoc: renderFlowsDoc(network), rbacDoc: renderRbacDoc(ctx.docs) };
}

export function main(argv: readonly string[]): number {
  const started = performance.now();
  const root = projectRoot();
  const distArg = arg(argv, '--dist') ?? 'dist';
  const dist = resolve(process.cwd(), distArg);
  let ctx: Context;
  try {
    ctx = buildContext(dist, argv);
  } catch (e) {
    // A bad site file or unreadable dist/ is a message with the field or file, not a stack trace.
    process.stderr.write(`verify: ${e instanceof ConfigError ? e.message : (e as Error).message}\n`);
    return 2;
  }

  const canIdx = argv.indexOf('--can-i');
  if (canIdx >= 0) {
    const [subject, verb, resource] = argv.slice(canIdx + 1, canIdx + 4);
    if (!subject || !verb || !resource) {
      process.stderr.write('usage: --can-i <subject> <verb> <resource>[.<group>] [-n <namespace>] [--name <name>]\n');
      return 2;
    }
    const g = canI(grants(ctx.docs), subject, verb, resource, arg(argv, '-n'), arg(argv, '--name'));
    process.stdout.write(g ? `yes — ${g.scope}, ${g.via}\n` : 'no\n');
    return g ? 0 : 1;
  }

  const against = argv.includes('--no-against') ? undefined : { rev: arg(argv, '--against') ?? 'HEAD', repoRoot: root };
  const maxShare = Number(arg(argv, '--max-request-share') ?? '0.8');
  const loaded = performance.now();
  const { findings, flowsDoc, rbacDoc } = runChecks(ctx, { against, maxShare });
  const checked = performance.now();
  const writeDocs = argv.includes('--write-docs');
  if (writeDocs) {
    writeFileSync(join(root, 'docs', 'network-flows.md'), flowsDoc);
    writeFileSync(join(root, 'docs', 'rbac.md'), rbacDoc);
  }
  const errors = findings.filter((f) => f.severity === 'error');
  if (argv.includes('--json')) {
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
    process.stdout.write(
      `verify: ${ctx.docs.length} objects in ${distArg}/, ${errors.length} error(s); load ${Math.round(loaded - started)} ms, checks ${Math.round(checked - loaded)} ms${writeDocs ? '; wrote docs/network-flows.md, docs/rbac.md' : ''}\n`,
    );
  }
  return errors.length ? 1 : 0;
}

if (process.argv[1]?.endsWith('verify-cli.js') || require.main === module) process.exitCode = main(process.argv.slice(2));
