/**
 * `npm run bench [-- --runs N]`: how fast is synthesis, measured as a person would run it.
 *
 * Each scenario runs N times in a fresh process (median wall time, peak RSS of the process):
 *   - node loading cdk8s-plus-28 alone (the floor any cdk8s app pays),
 *   - `npm run synth`'s entry (esbuild bundle + synthesis of the default site),
 *   - the same for a stack scaled ×10 (ten copies of every workload, each copy in its own namespaces),
 *   - `npx cdk8s synth` (the cdk8s CLI driving the same app).
 * A benchmark, not a test: it prints a table and never fails on a number.
 */
import { cpus } from 'node:os';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '..');
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg >= 0 ? Number(process.argv[runsArg + 1]) : 7;
const work = mkdtempSync(join(tmpdir(), 'domus-bench-'));

// Preloaded into each measured process: reports its peak RSS when it exits.
const rssHook = join(work, 'rss.js');
writeFileSync(rssHook, `process.on('exit', () => { require('fs').writeSync(2, '\\nBENCH_RSS_KB=' + process.resourceUsage().maxRSS + '\\n'); });\n`);

const runTs = join(root, 'scripts', 'run-ts.js');

interface Scenario {
  readonly name: string;
  readonly cmd: string;
  readonly args: readonly string[];
  /** Objects synthesized, parsed from the command's output. */
  readonly objects?: (out: string) => number;
}

const objectsFromSummary = (out: string) => Number(/\((\d+) objects/.exec(out)?.[1] ?? NaN);
// scripts/run-ts.js reuses its bundle while no source changed; the cold scenario forces the esbuild step.
const scenarios: Scenario[] = [
  { name: 'node + require(cdk8s-plus-28)', cmd: process.execPath, args: ['-r', rssHook, '-e', "require('cdk8s-plus-28')"] },
  { name: 'npm run synth (default site)', cmd: 'npm', args: ['run', '-s', 'synth', '--', '--outdir', join(work, 'dist-npm')], objects: objectsFromSummary },
  {
    name: 'synth entry, cold bundle (sources changed)',
    cmd: 'sh',
    args: ['-c', `rm -f build/main.js.inputs.json && exec ${process.execPath} -r ${rssHook} ${runTs} main.ts --outdir ${join(work, 'dist-cold')}`],
    objects: objectsFromSummary,
  },
  {
    name: 'synth entry, warm bundle (node scripts/run-ts.js main.ts)',
    cmd: process.execPath,
    args: ['-r', rssHook, runTs, 'main.ts', '--outdir', join(work, 'dist')],
    objects: objectsFromSummary,
  },
  { name: 'synth ×10 (10 copies of the stack)', cmd: process.execPath, args: ['-r', rssHook, runTs, 'scripts/bench-x10.ts', join(work, 'dist-x10')], objects: objectsFromSummary },
  {
    name: 'npx cdk8s synth (CLI)',
    cmd: 'npx',
    args: ['cdk8s', 'synth', '--no-check-upgrade', '--output', join(work, 'dist-cli')],
  },
];

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

const rows: string[][] = [];
for (const sc of scenarios) {
  const times: number[] = [];
  const rss: number[] = [];
  let objects = NaN;
  for (let i = 0; i < RUNS; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(sc.cmd, [...sc.args], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, CDK8S_CHECK_UPGRADE: 'false', NODE_OPTIONS: sc.cmd === 'npx' || sc.cmd === 'npm' ? `-r ${rssHook}` : '' },
    });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0) throw new Error(`${sc.name} failed:\n${r.stdout}\n${r.stderr}`);
    times.push(ms);
    // npm/npx run several node processes; the largest peak is the app's or the CLI's.
    const peaks = [...r.stderr.matchAll(/BENCH_RSS_KB=(\d+)/g)].map((m) => Number(m[1]));
    if (peaks.length) rss.push(Math.max(...peaks));
    if (sc.objects) objects = sc.objects(r.stdout);
  }
  const med = median(times);
  rows.push([
    sc.name,
    `${(med / 1000).toFixed(2)} s`,
    `${(Math.min(...times) / 1000).toFixed(2)}–${(Math.max(...times) / 1000).toFixed(2)} s`,
    rss.length ? `${Math.round(median(rss) / 1024)} MB` : 'n/a',
    Number.isNaN(objects) ? '' : String(objects),
    Number.isNaN(objects) ? '' : String(Math.round(objects / (med / 1000))),
  ]);
}
rmSync(work, { recursive: true, force: true });

const header = ['scenario', `median of ${RUNS}`, 'min–max', 'peak RSS', 'objects', 'objects/s'];
const table = [header, header.map(() => '---'), ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
process.stdout.write(`${table}\n\nnode ${process.version}, ${cpus().length} CPUs, ${new Date().toISOString().slice(0, 10)}\n`);
