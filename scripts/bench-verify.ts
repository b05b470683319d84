/**
 * Runs verify's checks in-process on a dist folder and reports the time per object (used by `npm run bench`
 * on the ×1/×10/×100 folders of scripts/bench-x10.ts). Argument: the folder. No git comparison (--no-against).
 * Prints one summary line and the slowest checks; a check whose time grows faster than dist/ shows here.
 */
import { performance } from 'node:perf_hooks';
import { buildContext, runChecks } from '../verify/cli';
import { preloadSchemas } from '../verify/checks/schema';

const dist = process.argv[2] ?? 'dist';
// CPU time besides wall time: on a shared machine the wall clock follows the load, the process's CPU time much less.
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const c0 = cpu();
const t0 = performance.now();
const ctx = buildContext(dist, []);
// Module loading is loading: the schema check's validator modules (one per kind) are required here, not timed as checks.
preloadSchemas(ctx.docs);
const t1 = performance.now();
const c1 = cpu();
const timings = new Map<string, number>();
const { findings } = runChecks(ctx, { maxShare: 0.8, timings });
const t2 = performance.now();
const c2 = cpu();
const n = ctx.docs.length;
const slowest = [...timings]
  .sort((a, b) => b[1] - a[1])
  .slice(0, 4)
  .map(([c, ms]) => `${c} ${(ms / n).toFixed(3)}`)
  .join(', ');
process.stdout.write(
  `verified (${n} objects) load ${Math.round(t1 - t0)} ms (cpu ${Math.round(c1 - c0)} ms), checks ${Math.round(t2 - t1)} ms (cpu ${Math.round(c2 - c1)} ms), ${((t2 - t1) / n).toFixed(3)} ms/object; ${findings.length} findings; slowest ms/object: ${slowest}\n`,
);
