/**
 * Issue 21: a fork that turns an app off runs CI unchanged. Each fork of test/lib/forks.ts (each optional app
 * off in turn, then all of them) is synthesized once, written as `npm run synth` writes dist/ (with the
 * documents of dist/docs), and read back by `npm run verify`'s checks in-process: no error, and the documents
 * are what verify reads from the files. The tests that read the committed dist/ (dist, docs, verify/wazuh,
 * verify/extending, invariants) iterate over what the site enables; this proves the checks they run hold on
 * every such dist/. The literal run (a clone, `npm run synth`, commit, `.ci/run`) is in the report of issue 21.
 *
 * Cost: one synthesis, one document rendering and one verify run per fork (about 5 s each on an idle 2-core
 * machine). CI (CI=true, as .ci/run sets it) or DOMUS_ALL_FORKS=1 runs every fork; the local loop runs the
 * all-off fork and the first optional app's.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DIST_DOCS, distFiles } from '../charts/docs';
import { writeTree } from '../charts/synth';
import { validateSite } from '../config/load';
import { APPS } from '../constructs/registry';
import { runChecks, siteContextFor } from '../verify/cli';
import { cachedLoadDist } from './lib/dist-cache';
import { cachedSynthesis } from './synth-cache';
import { forkSites, optionalApps } from './lib/forks';

test('the optional apps are derived from the registry, and there are some', () => {
  expect(optionalApps().length).toBeGreaterThan(0);
  for (const key of optionalApps()) expect(APPS.map((a) => a.key)).toContain(key);
});

const ALL = process.env.CI === 'true' || process.env.DOMUS_ALL_FORKS === '1';
const forks = forkSites();
const chosen = ALL ? forks : [forks[0]!, forks[forks.length - 1]!];

test.each(chosen)('%s: synth writes a dist/ that verify passes, with its documents', (name, input) => {
  const site = validateSite(input, name);
  const s = cachedSynthesis(site);
  const files = distFiles(site, s.files);
  const dist = join(mkdtempSync(join(tmpdir(), 'domus-fork-')), 'dist');
  writeTree(dist, files);
  const { findings, flowsDoc, rbacDoc } = runChecks(siteContextFor(site, dist, cachedLoadDist(dist)), { maxShare: 0.8 });
  expect(findings.filter((f) => f.severity === 'error').map((f) => `${f.check}: ${f.object ?? ''} ${f.message}`)).toEqual([]);
  expect(readFileSync(join(dist, DIST_DOCS.flows), 'utf8')).toBe(flowsDoc);
  expect(readFileSync(join(dist, DIST_DOCS.rbac), 'utf8')).toBe(rbacDoc);
  // What was turned off left nothing behind: no chart of its own, no Application for it.
  const offKeys = Object.keys((input as { workloads: Record<string, unknown> }).workloads);
  const onCharts = new Set(APPS.filter((a) => a.enabled(site)).map((a) => a.chart));
  for (const a of APPS.filter((x) => offKeys.includes(x.key) && !onCharts.has(x.chart))) expect(s.charts.map((c) => c.name)).not.toContain(a.chart);
});
