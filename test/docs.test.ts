/**
 * The documents derived from the site's output live in dist/docs/ and are written by `npm run synth` with the
 * rest of dist/ (charts/docs.ts), so the README's commit line (`npm run synth && npm test && git add site.yaml
 * dist && git commit`) is what CI accepts (issue 21: a fork with another LAN failed on docs/network-flows.md,
 * which only `npm run docs` rewrote). verify used to rewrite them as a side effect of every run; it writes
 * nothing now.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DIST_DOCS } from '../charts/docs';
import { siteInUse } from '../config/load';
import { main, siteContextFor } from '../verify/cli';
import { analyseNetwork, loadMustDeny, renderFlowsDoc } from '../verify/checks/network';
import { renderRbacDoc } from '../verify/checks/rbac';
import { cachedLoadDist } from './lib/dist-cache';

const root = join(__dirname, '..');
const dist = join(root, 'dist');

test.each(Object.values(DIST_DOCS))('dist/%s is what verify reads from the committed dist/ (run `npm run synth` when this fails)', (path) => {
  // Read back from disk as `npm run verify` reads it: a hand-edited policy without its document fails here.
  const ctx = siteContextFor(siteInUse().site, dist, cachedLoadDist(dist));
  const expected = path === DIST_DOCS.flows ? renderFlowsDoc(analyseNetwork(ctx, loadMustDeny(ctx).rules)) : renderRbacDoc(ctx.docs);
  expect(readFileSync(join(dist, path), 'utf8')).toBe(expected);
});

test('the documents name the command that writes them', () => {
  for (const path of Object.values(DIST_DOCS)) expect(readFileSync(join(dist, path), 'utf8')).toMatch(/^# .*\n\nWritten by `npm run synth`/);
});

test('npm run verify writes nothing', () => {
  // The module object itself (an `import * as` namespace is a copy under the test transform).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const fs = require('node:fs') as typeof import('node:fs');
  const write = jest.spyOn(fs, 'writeFileSync');
  const out = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  try {
    expect(main(['--no-against'])).toBe(0);
    expect(write).not.toHaveBeenCalled();
  } finally {
    write.mockRestore();
    out.mockRestore();
  }
});
