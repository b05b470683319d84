/**
 * The secret scanner's verdicts on disk (config/secret-scan.ts, issue 22): a text seen before is answered from
 * the file without the worker, the file holds hashes and masked findings (never the text), and a file written
 * by another scanner version is ignored.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';

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
/** The shard file holding a hash's verdict (config/secret-scan.ts shardFile). */
const shard = (hash: string) => fresh().shardFile(file.replace(/\.json$/, ''), hash);
const saved = process.env.DOMUS_SECRET_SCAN_CACHE;
beforeAll(() => void (process.env.DOMUS_SECRET_SCAN_CACHE = file));
afterAll(() => void (saved === undefined ? delete process.env.DOMUS_SECRET_SCAN_CACHE : (process.env.DOMUS_SECRET_SCAN_CACHE = saved)));

test('verdicts are stored by hash and reused by the next process; another scanner version is ignored', async () => {
  const first = fresh().scanForSecrets([{ id: 'a', text: TOKEN }]);
  expect(first.map((f) => f.rule)).toEqual(['@secretlint/secretlint-rule-github']);
  await new Promise((r) => setImmediate(r)); // the file is written after the scan's event-loop turn
  // One shard per first two hex digits of the hash: only the TOKEN's was written.
  expect(readdirSync(dirname(file))).toEqual([basename(shard(sha(TOKEN)))]);
  const stored = JSON.parse(readFileSync(shard(sha(TOKEN)), 'utf8')) as { scanner: string; verdicts: Record<string, unknown[]> };
  expect(Object.keys(stored.verdicts)).toEqual([sha(TOKEN)]);
  expect(readFileSync(shard(sha(TOKEN)), 'utf8')).not.toContain('wWPw5k4aXcaT4fNP0UcnZwJUVFk6LO0pINUx');

  // A verdict only the file can know: a later scan answers it, so the worker was not asked.
  const marker = { rule: 'from-the-cache', message: 'stored verdict', line: 1 };
  writeFileSync(shard(sha('plain words')), JSON.stringify({ scanner: stored.scanner, verdicts: { [sha('plain words')]: [marker] } }));
  expect(fresh().scanForSecrets([{ id: 'b', text: 'plain words' }])).toEqual([{ id: 'b', ...marker }]);

  writeFileSync(shard(sha('plain words')), JSON.stringify({ scanner: `${stored.scanner}-other`, verdicts: { [sha('plain words')]: [marker] } }));
  expect(fresh().scanForSecrets([{ id: 'c', text: 'plain words' }])).toEqual([]);
});

test("the teardown's stopSecretScanner stops the workers of every instance of the module, not only its own", async () => {
  process.env.DOMUS_SECRET_SCAN_CACHE = 'off';
  try {
    const a = fresh();
    const b = fresh();
    // The instances of the test above still run theirs: only a stop that reaches every instance ends them.
    const before = a.runningSecretScanners();
    a.scanForSecrets([{ id: 'a', text: 'one text' }]);
    b.scanForSecrets([{ id: 'b', text: 'another text' }]);
    expect(a.runningSecretScanners()).toBe(before + 2);
    await a.stopSecretScanner();
    expect(b.runningSecretScanners()).toBe(0);
    // A scan after the stop starts a worker again.
    expect(b.scanForSecrets([{ id: 'c', text: TOKEN }]).map((f) => f.rule)).toEqual(['@secretlint/secretlint-rule-github']);
    expect(a.runningSecretScanners()).toBe(1);
  } finally {
    process.env.DOMUS_SECRET_SCAN_CACHE = file;
  }
});
