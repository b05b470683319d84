/**
 * Syntheses shared across test files and runs (issue 22: the default site was synthesized 46 times per
 * `npm test`, once per file, as Jest gives every file its own modules). A synthesis of a validated site is kept
 * in build/test-synth/ under the hash of the site and of every source synthesis reads (SOURCE_DIRS and
 * package-lock.json), so a changed construct or library is never answered from the cache; entries of older
 * sources are deleted when a new one is written. `stack` (the construct tree) cannot be stored: reading it
 * builds the site's constructs for real, once (without serializing them again). DOMUS_TEST_SYNTH_CACHE=off synthesizes every time.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildStack } from '../charts/stack';
import { ChartOutput, synthesize, Synthesis } from '../charts/synth';
import type { Site } from '../config/schema';

const root = join(__dirname, '..');
/** Everything synthesis imports or reads (charts/stack.ts imports day0/ and verify's contracts). */
const SOURCE_DIRS = ['charts', 'config', 'constructs', 'day0', 'imports', 'tools', 'verify/contracts'];
const dir = join(root, 'build', 'test-synth');

function files(d: string): string[] {
  if (!existsSync(d)) return [];
  return readdirSync(d)
    .sort()
    .flatMap((n) => (statSync(join(d, n)).isDirectory() ? files(join(d, n)) : [join(d, n)]));
}

/** The hash of the sources, computed once per run by Jest's globalSetup (test/global-setup.ts) or here. */
export function sourcesHash(): string {
  if (process.env.DOMUS_TEST_SOURCES_HASH) return process.env.DOMUS_TEST_SOURCES_HASH;
  const h = createHash('sha256');
  for (const f of [...SOURCE_DIRS.flatMap((d) => files(join(root, d))), join(root, 'package-lock.json'), __filename]) {
    h.update(f.slice(root.length));
    h.update('\0');
    h.update(readFileSync(f));
    h.update('\0');
  }
  const hash = h.digest('hex').slice(0, 16);
  process.env.DOMUS_TEST_SOURCES_HASH = hash;
  return hash;
}

interface Stored {
  charts: readonly ChartOutput[];
  files: [string, string][];
}

/** `synthesize(site)` (default build options), from the cache when these sources synthesized this site before. */
export function cachedSynthesis(site: Site): Synthesis {
  if (process.env.DOMUS_TEST_SYNTH_CACHE === 'off') return synthesize(site);
  const sources = sourcesHash();
  const file = join(dir, `${sources}-${createHash('sha256').update(JSON.stringify(site)).digest('hex').slice(0, 24)}.json`);
  let stored: Stored | undefined;
  try {
    stored = JSON.parse(readFileSync(file, 'utf8')) as Stored;
  } catch {
    stored = undefined;
  }
  if (!stored) {
    const s = synthesize(site);
    try {
      mkdirSync(dir, { recursive: true });
      for (const old of readdirSync(dir)) if (!old.startsWith(`${sources}-`)) rmSync(join(dir, old), { force: true });
      writeFileSync(`${file}.${process.pid}.tmp`, JSON.stringify({ charts: s.charts, files: [...s.files] } satisfies Stored));
      renameSync(`${file}.${process.pid}.tmp`, file);
    } catch {
      // No cache (read-only checkout, a concurrent cleanup): the synthesis is still right.
    }
    return s;
  }
  const { charts, files: content } = stored;
  let stack: Synthesis['stack'] | undefined;
  return {
    charts,
    files: new Map(content),
    get stack() {
      // The construct tree only (charts/stack.ts): the objects' JSON and the files are the stored ones.
      stack ??= buildStack(site);
      return stack;
    },
  };
}
