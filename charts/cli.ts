/**
 * `npm run synth [-- --config <file>] [--outdir <dir>] [--quiet]`: validate the site (site.yaml unless
 * --config names another file), synthesize, write the output folder and print a summary read at a glance.
 *
 * The command line cannot hurt: an unknown option or a stray argument is an error before anything is read or
 * written (a forgotten `--` makes npm eat the option and pass its value as a stray argument), and the output
 * folder is replaced only when synth created it (charts/outdir.ts).
 */
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { ConfigError, repoRoot, resolveSite } from '../config/load';
import type { Site } from '../config/schema';
import { APPS } from '../constructs/registry';
import { checkOutdir, OutdirError } from './outdir';
import { distFiles } from './docs';
import { synthesize, writeTree } from './synth';
import { synthSummary } from './summary';
import { writeGeneratedDocs } from './generated-docs';

export { synthSummary };

export const USAGE = 'usage: npm run synth [-- --config <site.yaml>] [--outdir <dir>] [--quiet]';
/** Where cdk8s.yaml points the cdk8s CLI, which empties that folder before running the app (see cdk8s.yaml). */
export const CDK8S_SCRATCH = join('build', 'cdk8s-out');

export interface SynthOptions {
  readonly config?: string;
  readonly outdir?: string;
  readonly quiet: boolean;
}

export class UsageError extends Error {}

/** Parses the arguments strictly; `env` is read only to explain what npm did with a forgotten `--`. */
export function parseSynthArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): SynthOptions {
  let parsed: ReturnType<typeof parse>;
  const npmAte = ['config', 'outdir'].filter((o) => env[`npm_config_${o}`] !== undefined && env.npm_lifecycle_event === 'synth');
  const hint =
    npmAte.length > 0 ? `\nnpm took ${npmAte.map((o) => `--${o}`).join(' and ')} for itself: put -- before the options, e.g. npm run synth -- --${npmAte[0]} <value>` : '';
  try {
    parsed = parse(argv);
  } catch (e) {
    throw new UsageError(`${(e as Error).message.split('\n')[0]}\n${USAGE}${hint}`);
  }
  if (parsed.positionals.length > 0)
    throw new UsageError(`unexpected argument${parsed.positionals.length > 1 ? 's' : ''} ${parsed.positionals.map((p) => JSON.stringify(p)).join(' ')}\n${USAGE}${hint}`);
  for (const o of ['config', 'outdir'] as const) {
    if (parsed.values[o] === '') throw new UsageError(`--${o} needs a value\n${USAGE}`);
  }
  return { config: parsed.values.config, outdir: parsed.values.outdir, quiet: parsed.values.quiet ?? false };
}

function parse(argv: readonly string[]) {
  return parseArgs({ args: [...argv], strict: true, allowPositionals: true, options: { config: { type: 'string' }, outdir: { type: 'string' }, quiet: { type: 'boolean' } } });
}

/**
 * The folder to write. `--outdir` when given; under the cdk8s CLI (which sets $CDK8S_OUTDIR) the repository's
 * dist/ when the CLI points at its scratch folder, else the folder the CLI was given (`-o`, `--stdout`).
 */
export function outdirOf(opts: SynthOptions, env: NodeJS.ProcessEnv, root: string): { outdir: string; mirror?: string } {
  if (opts.outdir !== undefined) return { outdir: opts.outdir };
  const cli = env.CDK8S_OUTDIR;
  if (cli === undefined || cli === '') return { outdir: join(root, 'dist') };
  if (resolve(cli) === resolve(root, CDK8S_SCRATCH)) return { outdir: join(root, 'dist'), mirror: cli };
  return { outdir: cli };
}

/** The apps' warnings about a valid site (constructs/lib/app.ts `warnings`), in registry order. */
export function siteWarnings(site: Site): string[] {
  return APPS.flatMap((a) => [...(a.warnings?.(site) ?? [])]);
}

export function runSynth(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): number {
  const started = performance.now();
  const root = repoRoot();
  let opts: SynthOptions;
  try {
    opts = parseSynthArgs(argv, env);
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\nnothing was read or written.\n`);
    return 2;
  }
  const target = outdirOf(opts, env, root);
  const shown = relative(process.cwd(), resolve(target.outdir)) || '.';
  const outdir = shown;
  const mirror = target.mirror;
  try {
    // Refuse a dangerous folder before reading the site (writeTree checks again under its lock).
    checkOutdir(outdir, root);
    if (mirror) checkOutdir(mirror, root);
    const { site, source } = resolveSite(opts.config !== undefined ? ['--config', opts.config] : [], env);
    const result = synthesize(site);
    // With the documents derived from the output (dist/docs, charts/docs.ts): one command leaves dist/ complete.
    const files = distFiles(site, result.files, result.written);
    writeTree(outdir, files, root);
    // The cdk8s CLI lists the manifests it finds in its own folder: give it a copy there (build/, ignored).
    if (mirror) writeTree(mirror, files, root);
    // The repository's own dist/: also the README sections and docs/runbook.md derived from the example site and
    // the registry (an app added changes them), so that this one command leaves the tree ready to commit.
    if (resolve(outdir) === join(root, 'dist')) writeGeneratedDocs(root, { site, synthesis: result, files });
    if (!opts.quiet) process.stdout.write(`${synthSummary(site, source, shown, result.charts, files, `${Math.round(performance.now() - started)}`).join('\n')}\n`);
    // Loud even with --quiet: the site is valid, but something the operator relies on will not happen.
    for (const w of siteWarnings(site)) process.stderr.write(`WARNING: ${w}\n`);
    return 0;
  } catch (e) {
    if (e instanceof ConfigError || e instanceof OutdirError) {
      const migrate =
        e instanceof OutdirError && opts.outdir === undefined ? `\n(a dist/ from before the marker existed: git holds its content, so \`rm -r ${shown}\` and run again)` : '';
      process.stderr.write(`${e.message}${migrate}\nnothing was written; ${shown}/ is unchanged.\n`);
      return 2;
    }
    // A message, not a stack trace (an emitter refusing a value says which and why); DOMUS_DEBUG=1 adds the stack.
    const detail = process.env.DOMUS_DEBUG === '1' ? ((e as Error).stack ?? String(e)) : e instanceof Error ? e.message : String(e);
    process.stderr.write(`synthesis failed: ${detail}\nnothing was written; ${shown}/ is unchanged.\n`);
    return 1;
  }
}
