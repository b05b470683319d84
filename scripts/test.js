#!/usr/bin/env node
/**
 * `npm test`: type check, lint (ESLint, Prettier), Jest (snapshots never updated: --ci), then `verify` on the
 * committed dist/.
 * Ends with one plain line `N passed, N failed` (Jest tests plus the type check and verify steps) so any
 * CI reads the outcome the same way. Extra arguments go to Jest (e.g. `npm test -- test/config.test.ts`); with
 * arguments only the type check and Jest run (the quick loop, see README "The edit loop").
 *
 * Issue 22 (a loop a person runs after every edit):
 * - the checks that need no Jest (type check, ESLint, Prettier, verify) run at the same time as Jest, each with
 *   its cache under build/ (tsc --incremental, eslint --cache, prettier --cache), their output printed whole
 *   when each ends so it never interleaves with Jest's;
 * - progress: Jest reports each suite as it ends ([done/total], scripts/jest-progress.js) and a line every
 *   PROGRESS_EVERY_MS names the steps still running.
 * Steps that Jest needs first go in `beforeJest`, run in order: building the pinned upstream programs the tests
 * run (`npm run tools`: reused while the pins are unchanged, built with progress when missing).
 * `DOMUS_SKIP_TOOLS=1` is the quick loop without them: no build, the tests that run upstream programs are
 * skipped and listed at the end. Under CI=true that is refused.
 */
'use strict';
const { spawn } = require('node:child_process');
const { mkdirSync, mkdtempSync, readFileSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

const root = join(__dirname, '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);
const cache = join(root, 'build');
mkdirSync(cache, { recursive: true });
// DOMUS_JEST_PROGRESS: jest.config.js adds the progress reporter (a --reporters flag would swallow the file arguments).
const env = { ...process.env, CDK8S_CHECK_UPGRADE: 'false', DOMUS_JEST_PROGRESS: '1' };
// `--slow`: also the slow tier (test/tier.ts), as CI runs it.
if (process.argv.includes('--slow')) env.DOMUS_SLOW_TESTS = '1';
const jestArgs = process.argv.slice(2).filter((a) => a !== '--slow');
const quick = jestArgs.length > 0;
const PROGRESS_EVERY_MS = 10_000;

const running = new Map();
/** Runs one step; `live` steps print as they go (Jest), the others print their output whole when they end. */
function run(label, cmd, args, { live = false } = {}) {
  process.stdout.write(`== ${label}: ${[cmd.replace(root + '/', ''), ...args].join(' ')}\n`);
  const started = Date.now();
  running.set(label, started);
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, env, stdio: live ? 'inherit' : ['ignore', 'pipe', 'pipe'] });
    let output = '';
    if (!live) {
      child.stdout.on('data', (d) => (output += d));
      child.stderr.on('data', (d) => (output += d));
    }
    child.on('close', (code) => {
      running.delete(label);
      const ok = code === 0;
      process.stdout.write(`${output}== ${label}: ${ok ? 'ok' : 'FAILED'} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
      resolve(ok);
    });
  });
}

async function main() {
  const heartbeat = setInterval(() => {
    const now = Date.now();
    const steps = [...running].map(([l, t]) => `${l} ${Math.round((now - t) / 1000)} s`);
    if (steps.length) process.stdout.write(`.. still running: ${steps.join(', ')}\n`);
  }, PROGRESS_EVERY_MS);
  heartbeat.unref();

  let passed = 0;
  let failed = 0;
  const count = (ok) => (ok ? passed++ : failed++);

  // Steps Jest depends on, in order.
  const ci = process.env.CI === 'true' || process.env.CI === '1';
  const skipTools = process.env.DOMUS_SKIP_TOOLS === '1';
  const beforeJest = [];
  if (skipTools && ci) {
    process.stdout.write('DOMUS_SKIP_TOOLS=1 is refused under CI: CI runs the upstream programs (unset it; npm run tools builds them)\n');
    failed++;
  } else if (skipTools) process.stdout.write('== tools: not built (DOMUS_SKIP_TOOLS=1): the tests that run upstream programs are skipped\n');
  else beforeJest.push(() => run('tools', process.execPath, [join(root, 'scripts', 'run-ts.js'), 'scripts/tools.ts'], { live: true }));
  for (const s of beforeJest) count(await s());

  // Independent of Jest: started together with it.
  const alongside = [run('typecheck', bin('tsc'), ['--noEmit', '-p', '.', '--incremental', '--tsBuildInfoFile', join(cache, 'tsconfig.tsbuildinfo')])];
  if (!quick) {
    alongside.push(
      run('lint', bin('eslint'), ['--max-warnings=0', '--cache', '--cache-location', join(cache, 'eslintcache'), '.']),
      run('format', bin('prettier'), ['--check', '--log-level=warn', '--cache', '--cache-location', join(cache, 'prettiercache'), '**/*.{ts,js,mjs}']),
      run('verify', process.execPath, [join(root, 'scripts', 'run-ts.js'), 'verify/cli.ts']),
    );
  }

  const tmp = mkdtempSync(join(tmpdir(), 'domus-jest-'));
  const report = join(tmp, 'jest.json');
  await run('jest', bin('jest'), ['--ci', '--json', `--outputFile=${report}`, ...jestArgs], { live: true });
  try {
    const r = JSON.parse(readFileSync(report, 'utf8'));
    passed += r.numPassedTests;
    failed += r.numFailedTests + r.numRuntimeErrorTestSuites;
    if (r.numTotalTests === 0) failed++;
    // What was skipped, per file and top-level block (the block's title says why).
    const skipped = r.testResults.flatMap((f) => {
      const pending = f.assertionResults.filter((a) => a.status === 'pending');
      const blocks = [...new Set(pending.map((a) => a.ancestorTitles[0] ?? a.title))];
      return blocks.map((b) => `${f.name.replace(root + '/', '')}: ${pending.filter((a) => (a.ancestorTitles[0] ?? a.title) === b).length} tests of "${b}"`);
    });
    if (skipped.length > 0) process.stdout.write(`\nskipped:\n${skipped.map((x) => `  ${x}`).join('\n')}\n`);
  } catch {
    failed++;
  }
  rmSync(tmp, { recursive: true, force: true });
  for (const ok of await Promise.all(alongside)) count(ok);
  clearInterval(heartbeat);

  process.stdout.write(`\n${passed} passed, ${failed} failed\n`);
  process.exitCode = failed === 0 ? 0 : 1;
}

main();
