/**
 * `npm run synth [-- --config site.yaml] [--outdir dir] [--quiet]`: validate the site, synthesize, write
 * dist/ and print a summary a person reads at a glance.
 */
import { performance } from 'node:perf_hooks';
import { ConfigError, resolveSite } from '../config/load';
import { synthesize, writeTree } from './synth';

export function runSynth(argv: readonly string[]): number {
  const started = performance.now();
  const quiet = argv.includes('--quiet');
  const o = argv.indexOf('--outdir');
  const outdir = o >= 0 && argv[o + 1] ? argv[o + 1]! : (process.env.CDK8S_OUTDIR ?? 'dist');
  try {
    const { site, source } = resolveSite(argv);
    const result = synthesize(site);
    writeTree(outdir, result.files);
    if (!quiet) {
      const ms = performance.now() - started;
      const total = result.charts.reduce((n, c) => n + c.objects.length, 0);
      const width = Math.max(...result.charts.map((c) => c.name.length), 5);
      const lines = [
        `synthesized ${site.cluster.name} (${source}) into ${outdir}/`,
        ...result.charts.map((c) => `  ${c.name.padEnd(width)}  ${String(c.objects.length).padStart(4)} objects  ${outdir}/${c.file}`),
        `  ${'files'.padEnd(width)}  ${String(result.files.size).padStart(4)} total (${total} objects, ${result.files.size - result.charts.length} other files) in ${Math.round(ms)} ms`,
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    }
    return 0;
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\nnothing was written; ${outdir}/ is unchanged.\n`);
      return 2;
    }
    process.stderr.write(`synthesis failed: ${(e as Error).stack ?? String(e)}\nnothing was written; ${outdir}/ is unchanged.\n`);
    return 1;
  }
}
