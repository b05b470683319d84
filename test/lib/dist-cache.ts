/**
 * verify's loadDist with its result kept across test files and runs (issue 22): parsing a dist/'s YAML cost about
 * half a second of CPU in each of the two dozen test files that read one, as Jest gives every file its own
 * modules. The result is stored in build/test-dist/ under a hash of every byte of the folder (each file's path
 * and content) and of the loader's sources (verify/, package-lock.json), as JSON read back with this realm's
 * JSON.parse (v8.deserialize would build Node's own Maps and objects, which fail `instanceof` inside Jest's
 * context); a result JSON cannot carry exactly (Infinity, NaN, -0, an undefined property) is not stored. A
 * folder holding anything but regular files and folders (a symlink, a fifo: the loader's own refusals are under
 * test there) is always loaded for real, and so is everything when DOMUS_TEST_SYNTH_CACHE=off.
 */
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadDist } from '../../verify/load';

const root = join(__dirname, '..', '..');
const dir = join(root, 'build', 'test-dist');
/** Entries kept per loader version: the committed dist/, the example's, and the mutated copies tests load. */
const MAX_ENTRIES = 300;
const HASH_ENV = 'DOMUS_TEST_LOADER_HASH';

type Loaded = ReturnType<typeof loadDist>;
interface Stored {
  docs: Loaded['docs'];
  files: [string, string][];
  findings: Loaded['findings'];
}

function files(d: string): string[] {
  return readdirSync(d)
    .sort()
    .flatMap((n) => (statSync(join(d, n)).isDirectory() ? files(join(d, n)) : [join(d, n)]));
}

/** The hash of the loader's sources, computed once per run by Jest's globalSetup (test/global-setup.ts) or here. */
export function loaderHash(): string {
  const known = process.env[HASH_ENV];
  if (known) return known;
  const h = createHash('sha256');
  for (const f of [...files(join(root, 'verify')), join(root, 'package-lock.json'), __filename]) h.update(f.slice(root.length)).update('\0').update(readFileSync(f)).update('\0');
  const hash = h.digest('hex').slice(0, 16);
  process.env[HASH_ENV] = hash;
  return hash;
}

/** A hash of the folder's paths and bytes, or undefined when it holds anything but regular files and folders. */
function contentHash(dist: string): string | undefined {
  const h = createHash('sha256');
  const walk = (d: string, rel: string): boolean => {
    for (const n of readdirSync(d).sort()) {
      const p = join(d, n);
      const st = lstatSync(p);
      if (st.isDirectory()) {
        h.update(`d ${rel}${n}\0`);
        if (!walk(p, `${rel}${n}/`)) return false;
      } else if (st.isFile()) h.update(`f ${rel}${n}\0`).update(readFileSync(p)).update('\0');
      else return false;
    }
    return true;
  };
  return existsSync(dist) && lstatSync(dist).isDirectory() && walk(dist, '') ? h.digest('hex').slice(0, 32) : undefined;
}

/** `loadDist(dist)` (verify/load.ts), from the cache when the same loader read the same bytes before. */
export function cachedLoadDist(dist: string): Loaded {
  if (process.env.DOMUS_TEST_SYNTH_CACHE === 'off') return loadDist(dist);
  const content = contentHash(dist);
  if (!content) return loadDist(dist);
  const prefix = `${loaderHash()}-`;
  const file = join(dir, `${prefix}${content}.json`);
  try {
    const stored = JSON.parse(readFileSync(file, 'utf8')) as Stored;
    return { docs: stored.docs, files: new Map(stored.files), findings: stored.findings };
  } catch {
    // Not stored yet (or unreadable): load it for real below.
  }
  const loaded = loadDist(dist);
  let exact = true;
  const text = JSON.stringify({ docs: loaded.docs, files: [...loaded.files], findings: loaded.findings } satisfies Stored, (_k, v: unknown) => {
    if (v === undefined || (typeof v === 'number' && (!Number.isFinite(v) || Object.is(v, -0)))) exact = false;
    return v;
  });
  if (!exact) return loaded;
  try {
    mkdirSync(dir, { recursive: true });
    const entries = readdirSync(dir);
    for (const old of entries) if (!old.startsWith(prefix)) rmSync(join(dir, old), { force: true });
    const mine = entries.filter((e) => e.startsWith(prefix));
    if (mine.length >= MAX_ENTRIES)
      for (const e of mine
        .map((n) => ({ n, t: statSync(join(dir, n)).mtimeMs }))
        .sort((a, b) => a.t - b.t)
        .slice(0, mine.length - MAX_ENTRIES + 1))
        rmSync(join(dir, e.n), { force: true });
    writeFileSync(`${file}.${process.pid}.tmp`, text);
    renameSync(`${file}.${process.pid}.tmp`, file);
  } catch {
    // No cache (read-only checkout, a concurrent cleanup): the result is still right.
  }
  return loaded;
}
