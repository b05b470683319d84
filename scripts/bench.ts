/**
 * `npm run bench [-- --runs N] [--max-copies 10] [--baseline <checkout>]`: how fast are synthesis and verify, measured as a person
 * would run them, so a regression is visible in review (issue 22).
 *
 * Every scenario runs in a fresh process (median wall time, peak RSS of the process):
 *   - node loading cdk8s-plus-28 alone: the floor any cdk8s app pays. It runs interleaved with `npm run synth`
 *     and the synth entry (one of each per round), so the ratios compare runs made in the same moment — on a
 *     shared machine the absolute times move with the load, the ratios much less;
 *   - synthesis of 1, 10 and 100 copies of the stack in one process (scripts/bench-x10.ts): ms per object and
 *     peak memory, which must stay flat as the stack grows;
 *   - verify's checks on those folders in one process (scripts/bench-verify.ts): ms per object, flat as well;
 *   - `npx cdk8s synth` (the cdk8s CLI driving the same app).
 * A benchmark, not a test: it prints a table and the targets beside it, and never fails on a number.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = join(__dirname, '..');
const argOf = (name: string, fallback: number) => (process.argv.includes(name) ? Number(process.argv[process.argv.indexOf(name) + 1]) : fallback);
const RUNS = argOf('--runs', 7);
const MAX_COPIES = argOf('--max-copies', 100);
/**
 * `--baseline <dir>`: another checkout of the project (e.g. `git worktree add ../base <rev>` with its own
 * node_modules) measured in the same rounds, row under row, so a before/after table compares runs made in the
 * same moment. Its ×N synthesis is its own scripts/bench-x10.ts; its verify reads the folders this tree wrote.
 */
const BASELINE = process.argv.includes('--baseline') ? resolve(process.argv[process.argv.indexOf('--baseline') + 1]!) : undefined;
const work = mkdtempSync(join(tmpdir(), 'domus-bench-'));

// Preloaded into each measured process: reports its peak RSS when it exits.
const rssHook = join(work, 'rss.js');
// Its CPU time too (user + system): on a shared machine wall time follows the load, CPU time far less.
writeFileSync(
  rssHook,
  `process.on('exit', () => { const u = process.resourceUsage(); require('fs').writeSync(2, '\\nBENCH_RSS_KB=' + u.maxRSS + ' BENCH_CPU_US=' + (u.userCPUTime + u.systemCPUTime) + '\\n'); });\n`,
);

interface Run {
  ms: number;
  /** CPU time of every node process of the run (npm's own included), from the hook. */
  cpuMs: number;
  rssMb: number;
  out: string;
}
function measure(cmd: string, args: readonly string[], cwd: string = root): Run {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, [...args], {
    cwd,
    encoding: 'utf8',
    maxBuffer: 1 << 28,
    env: { ...process.env, CDK8S_CHECK_UPGRADE: 'false', NODE_OPTIONS: cmd === 'npx' || cmd === 'npm' ? `-r ${rssHook}` : '' },
  });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0 && !/verified \(/.test(r.stdout)) throw new Error(`${cmd} ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
  // npm/npx run several node processes; the largest peak is the app's or the CLI's.
  const peaks = [...r.stderr.matchAll(/BENCH_RSS_KB=(\d+)/g)].map((m) => Number(m[1]));
  const cpuMs = [...r.stderr.matchAll(/BENCH_CPU_US=(\d+)/g)].reduce((sum, m) => sum + Number(m[1]) / 1000, 0);
  return { ms, cpuMs, rssMb: peaks.length ? Math.max(...peaks) / 1024 : NaN, out: r.stdout };
}
const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const s2 = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

const rows: string[][] = [];
const row = (name: string, runs: readonly Run[], extra: { ratio?: number; cpuRatio?: number; objects?: number; msPerObject?: number; cpuPerObject?: number } = {}) =>
  rows.push([
    name,
    `${s2(median(runs.map((r) => r.ms)))} (${runs.length})`,
    `${s2(Math.min(...runs.map((r) => r.ms)))}–${s2(Math.max(...runs.map((r) => r.ms)))}`,
    s2(median(runs.map((r) => r.cpuMs))),
    extra.ratio === undefined ? '' : `${extra.ratio.toFixed(2)}×`,
    extra.cpuRatio === undefined ? '' : `${extra.cpuRatio.toFixed(2)}×`,
    `${Math.round(median(runs.map((r) => r.rssMb)))} MB`,
    extra.objects === undefined ? '' : String(extra.objects),
    extra.msPerObject === undefined ? '' : extra.msPerObject.toFixed(3),
    extra.cpuPerObject === undefined ? '' : extra.cpuPerObject.toFixed(3),
  ]);
const load = loadavg()[0]!.toFixed(1);

// 1. The floor and the synth entry points, interleaved: one of each per round. The synth bundles are built first.
const trees = BASELINE ? [root, BASELINE] : [root];
const tag = (tree: string) => (tree === root ? '' : ' (baseline)');
for (const tree of trees) measure(process.execPath, [join(tree, 'scripts', 'run-ts.js'), 'main.ts', '--outdir', join(work, 'dist-warmup'), '--quiet'], tree);
const floor: Run[] = [];
const npmSynth = new Map<string, Run[]>(trees.map((t) => [t, []]));
const entry = new Map<string, Run[]>(trees.map((t) => [t, []]));
for (let i = 0; i < RUNS; i++) {
  floor.push(measure(process.execPath, ['-r', rssHook, '-e', "require('cdk8s-plus-28')"]));
  for (const tree of trees) {
    npmSynth.get(tree)!.push(measure('npm', ['run', '-s', 'synth', '--', '--outdir', join(work, 'dist-npm'), '--quiet'], tree));
    entry.get(tree)!.push(measure(process.execPath, ['-r', rssHook, join(tree, 'scripts', 'run-ts.js'), 'main.ts', '--outdir', join(work, 'dist'), '--quiet'], tree));
  }
}
const pairedRatio = (xs: readonly Run[]) => median(xs.map((x, i) => x.ms / floor[i]!.ms));
const cpuRatio = (xs: readonly Run[]) => median(xs.map((x, i) => x.cpuMs / floor[i]!.cpuMs));
row('node + require(cdk8s-plus-28) (the floor)', floor, { ratio: 1, cpuRatio: 1 });
for (const tree of trees) {
  row(`npm run synth (default site)${tag(tree)}`, npmSynth.get(tree)!, { ratio: pairedRatio(npmSynth.get(tree)!), cpuRatio: cpuRatio(npmSynth.get(tree)!) });
  row(`synth entry (node scripts/run-ts.js main.ts)${tag(tree)}`, entry.get(tree)!, { ratio: pairedRatio(entry.get(tree)!), cpuRatio: cpuRatio(entry.get(tree)!) });
}

// 2. Synthesis and verify at ×1, ×10, ×100 (fewer runs as the scale grows).
const perObject: { copies: number; synth: number; verify: number; synthCpu: number; verifyCpu: number; synthMb: number }[] = [];
for (const copies of [1, 10, 100].filter((c) => c <= MAX_COPIES)) {
  const runs = copies === 1 ? Math.min(RUNS, 5) : copies === 10 ? Math.min(RUNS, 3) : 1;
  const dir = join(work, `x${copies}`);
  const synth = new Map<string, Run[]>(trees.map((t) => [t, []]));
  const verify = new Map<string, Run[]>(trees.map((t) => [t, []]));
  for (let i = 0; i < runs; i++) {
    // The baseline synthesizes into its own folder (its copies may differ); every tree verifies this tree's.
    for (const tree of [...trees].reverse()) {
      const out = tree === root ? dir : `${dir}-baseline`;
      rmSync(out, { recursive: true, force: true });
      synth.get(tree)!.push(measure(process.execPath, ['-r', rssHook, join(tree, 'scripts', 'run-ts.js'), 'scripts/bench-x10.ts', out, '--copies', String(copies)], tree));
    }
    for (const tree of trees) verify.get(tree)!.push(measure(process.execPath, ['-r', rssHook, join(tree, 'scripts', 'run-ts.js'), 'scripts/bench-verify.ts', dir], tree));
  }
  for (const tree of trees) {
    const s = synth.get(tree)!;
    const v = verify.get(tree)!;
    const objects = Number(/\((\d+) objects\)/.exec(s[0]!.out)?.[1]);
    const synthMs = median(s.map((r) => Number(/ in (\d+) ms/.exec(r.out)?.[1])));
    // A tree without the CPU figure (an older baseline) leaves that column empty.
    const synthCpu = median(s.map((r) => Number(/ in \d+ ms \(cpu (\d+) ms\)/.exec(r.out)?.[1] ?? NaN)));
    const docs = Number(/verified \((\d+) objects\)/.exec(v[0]!.out)?.[1]);
    const checksMs = median(v.map((r) => Number(/checks (\d+) ms/.exec(r.out)?.[1])));
    const checksCpu = median(v.map((r) => Number(/checks \d+ ms \(cpu (\d+) ms\)/.exec(r.out)?.[1] ?? NaN)));
    const opt = (x: number) => (Number.isFinite(x) ? x : undefined);
    row(`synth ×${copies}, in-process (ms/object: synthesis and writing)${tag(tree)}`, s, { objects, msPerObject: synthMs / objects, cpuPerObject: opt(synthCpu / objects) });
    row(`verify ×${copies}, in-process (ms/object: the checks, after loading)${tag(tree)}`, v, {
      objects: docs,
      msPerObject: checksMs / docs,
      cpuPerObject: opt(checksCpu / docs),
    });
    if (tree === root)
      perObject.push({
        copies,
        synth: synthMs / objects,
        verify: checksMs / docs,
        synthCpu: synthCpu / objects,
        verifyCpu: checksCpu / docs,
        synthMb: median(s.map((r) => r.rssMb)),
      });
    process.stderr.write(`×${copies}${tag(tree)}: ${v[0]!.out.trim()}\n`);
  }
}

// 3. The cdk8s CLI, for comparison.
const cli: Run[] = [];
for (let i = 0; i < Math.min(RUNS, 3); i++) cli.push(measure('npx', ['cdk8s', 'synth', '--no-check-upgrade', '--output', join(work, 'dist-cli')]));
row('npx cdk8s synth (CLI)', cli, {
  ratio: median(cli.map((r) => r.ms)) / median(floor.map((r) => r.ms)),
  cpuRatio: median(cli.map((r) => r.cpuMs)) / median(floor.map((r) => r.cpuMs)),
});
rmSync(work, { recursive: true, force: true });

const header = ['scenario', 'median (runs)', 'min–max', 'CPU (median)', 'ratio to floor', 'CPU ratio to floor', 'peak RSS', 'objects', 'ms/object', 'CPU ms/object'];
const table = [header, header.map(() => '---'), ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
const x100 = perObject.find((p) => p.copies === 100);
const spread = (xs: readonly number[]) => (xs.length > 1 ? Math.max(...xs) / Math.min(...xs) : NaN);
const targets = [
  `npm run synth ${pairedRatio(npmSynth.get(root)!).toFixed(2)}× the floor, CPU ${cpuRatio(npmSynth.get(root)!).toFixed(2)}× (target ≤ 3×)`,
  ...(x100 ? [`×100 ${x100.synth.toFixed(3)} ms/object, CPU ${x100.synthCpu.toFixed(3)} ms/object (target ≤ 0.30), ${Math.round(x100.synthMb)} MB (target ≤ 250 MB)`] : []),
  `verify ms/object ${perObject.map((p) => `×${p.copies} ${p.verify.toFixed(3)}`).join(', ')}: largest/smallest ${spread(perObject.map((p) => p.verify)).toFixed(2)}; CPU ${perObject
    .map((p) => `×${p.copies} ${p.verifyCpu.toFixed(3)}`)
    .join(', ')}: ${spread(perObject.map((p) => p.verifyCpu)).toFixed(2)} (target ≤ 2)`,
];
process.stdout.write(
  `${table}\n\n${targets.map((t) => `- ${t}`).join('\n')}\n\nnode ${process.version}, ${cpus().length} CPUs, load average ${load} at the start, ${new Date().toISOString().slice(0, 10)}\n`,
);
