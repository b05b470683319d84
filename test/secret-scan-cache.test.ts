/**
 * The secret scanner's verdicts on disk (config/secret-scan.ts, issue 22): a text seen before is answered from
 * the file without the worker, the file holds hashes and masked findings (never the text), and a file written
 * by another scanner version is ignored.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

type Scan = typeof import('../config/secret-scan');
/** Each fresh module is a process of its own for the cache: its own worker, stopped after the file (below). */
const loaded: Scan[] = [];
const fresh = (): Scan => {
  let m: Scan | undefined;
  jest.isolateModules(() => {
    m = jest.requireActual<Scan>('../config/secret-scan');
  });
  loaded.push(m!);
  return m!;
};
// test/lib/teardown.ts stops the worker of this file's own module only; a worker left running in an isolated
// module kept the Jest worker process alive ("A worker process has failed to exit gracefully", issue 22).
afterAll(async () => {
  await Promise.all(loaded.map((m) => m.stopSecretScanner()));
});
const sha = (t: string) => createHash('sha256').update(t).digest('hex');
const TOKEN = `export GITHUB_TOKEN=ghp_${'wWPw5k4aXcaT4fNP0UcnZwJUVFk6LO0pINUx'}`;

const file = join(mkdtempSync(join(tmpdir(), 'domus-scan-cache-')), 'cache.json');
const saved = process.env.DOMUS_SECRET_SCAN_CACHE;
beforeAll(() => void (process.env.DOMUS_SECRET_SCAN_CACHE = file));
afterAll(() => void (saved === undefined ? delete process.env.DOMUS_SECRET_SCAN_CACHE : (process.env.DOMUS_SECRET_SCAN_CACHE = saved)));

test('verdicts are stored by hash and reused by the next process; another scanner version is ignored', async () => {
  const first = fresh().scanForSecrets([{ id: 'a', text: TOKEN }]);
  expect(first.map((f) => f.rule)).toEqual(['@secretlint/secretlint-rule-github']);
  await new Promise((r) => setImmediate(r)); // the file is written after the scan's event-loop turn
  const stored = JSON.parse(readFileSync(file, 'utf8')) as { scanner: string; verdicts: Record<string, unknown[]> };
  expect(Object.keys(stored.verdicts)).toEqual([sha(TOKEN)]);
  expect(readFileSync(file, 'utf8')).not.toContain('wWPw5k4aXcaT4fNP0UcnZwJUVFk6LO0pINUx');

  // A verdict only the file can know: a later scan answers it, so the worker was not asked.
  const marker = { rule: 'from-the-cache', message: 'stored verdict', line: 1 };
  writeFileSync(file, JSON.stringify({ scanner: stored.scanner, verdicts: { [sha('plain words')]: [marker] } }));
  expect(fresh().scanForSecrets([{ id: 'b', text: 'plain words' }])).toEqual([{ id: 'b', ...marker }]);

  writeFileSync(file, JSON.stringify({ scanner: `${stored.scanner}-other`, verdicts: { [sha('plain words')]: [marker] } }));
  expect(fresh().scanForSecrets([{ id: 'c', text: 'plain words' }])).toEqual([]);
});
