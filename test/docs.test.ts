/**
 * Generated docs are written by `npm run docs` only; `npm test` checks them. verify used to rewrite
 * docs/network-flows.md and docs/rbac.md as a side effect of every run.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { verifyDocs } from '../scripts/docs';
import { main } from '../verify/cli';

const root = join(__dirname, '..');

test.each(Object.entries(verifyDocs()))('%s is current (run `npm run synth && npm run docs` when this fails)', (path, text) => {
  expect(readFileSync(join(root, path), 'utf8')).toBe(text);
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
