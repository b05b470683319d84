/**
 * Credentials in text, found by a maintained scanner rather than hand-made patterns: secretlint's recommended
 * rules (@secretlint/secretlint-rule-preset-recommend, pinned in package.json): private keys, basic-auth
 * URLs, GitHub/GitLab/Slack/AWS/GCP/npm/OpenAI/... token formats. Used by the site check (every string of the
 * site, with its field path) and by `npm run verify` (every file of dist/).
 *
 * secretlint is ESM with an async API while the loader and verify are synchronous, so the scan runs in one
 * worker thread per process (config/secretlint-worker.mjs) that this module waits for synchronously: the
 * caller blocks on a shared flag (Atomics.wait) and takes the answer with receiveMessageOnPort. Results are
 * cached per text: the same strings (the defaults) are scanned once per process.
 *
 * Verdicts are also kept on disk (build/secret-scan-cache/, issue 22): keyed by the SHA-256 of the text and
 * by the scanner's identity (the versions of @secretlint/core and the preset, and the worker's own source), so a
 * synth or verify whose texts were all seen before starts no worker at all (starting one cost ~200 ms on the
 * critical path of every synth). The file holds hashes and masked findings only, never a scanned text. A new
 * scanner version or worker invalidates it as a whole; DOMUS_SECRET_SCAN_CACHE=off disables it, =<dir>/<name>.json
 * moves it (its shards are then <dir>/<name>-xx.json, see shardFile).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { MessageChannel, MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';

export interface SecretFinding {
  /** The id given with the text (a field path, a file name). */
  readonly id: string;
  /** secretlint rule id, e.g. `@secretlint/secretlint-rule-github`. */
  readonly rule: string;
  /** The rule's message with the secret masked. */
  readonly message: string;
  /** 1-based line inside the text. */
  readonly line: number;
}

function root(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}
function worker(): string {
  return join(root(), 'config', 'secretlint-worker.mjs');
}

type Verdict = Omit<SecretFinding, 'id'>[];
const cache = new Map<string, Verdict>();

/**
 * The on-disk verdicts by text hash, in 256 shards by the hash's first two hex digits, each loaded when a text
 * of it is looked up: a synth asks about a few dozen site strings and reads as many small files, whatever the
 * tests and verify stored (one file of up to 50,000 verdicts cost 70–250 ms to parse on every synth, issue 22).
 * Undefined when disabled or unusable.
 */
interface DiskCache {
  /** Shard `xx` is `<base>-xx.json`. */
  readonly base: string;
  readonly scanner: string;
  readonly shards: Map<string, Map<string, Verdict>>;
  readonly dirty: Set<string>;
}
let disk: DiskCache | undefined | null = null;
/** At most this many verdicts are kept per shard (the oldest go first): 51,200 in all, a few MB at worst. */
const SHARD_MAX = 200;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

function diskCache(): DiskCache | undefined {
  if (disk !== null) return disk;
  disk = undefined;
  const setting = process.env.DOMUS_SECRET_SCAN_CACHE;
  if (setting === 'off') return disk;
  try {
    const dir = root();
    const version = (pkg: string) => (JSON.parse(readFileSync(join(dir, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;
    const scanner = `${version('@secretlint/core')}|${version('@secretlint/secretlint-rule-preset-recommend')}|${sha256(readFileSync(worker(), 'utf8'))}`;
    const base = (setting || join(dir, 'build', 'secret-scan-cache', 'verdicts.json')).replace(/\.json$/, '');
    disk = { base, scanner, shards: new Map(), dirty: new Set() };
  } catch {
    // No package metadata (a bundle outside the repository): scan without the disk cache.
    disk = undefined;
  }
  return disk;
}

/** The file of a shard: `<base>-<first two hex digits of the hash>.json`. */
export function shardFile(base: string, hash: string): string {
  return `${base}-${hash.slice(0, 2)}.json`;
}

/** The verdicts of the shard holding `hash`, read on first use (a file of another scanner counts as empty). */
function shardOf(d: DiskCache, hash: string): Map<string, Verdict> {
  const key = hash.slice(0, 2);
  let shard = d.shards.get(key);
  if (!shard) {
    shard = new Map();
    try {
      const file = shardFile(d.base, hash);
      if (existsSync(file)) {
        const stored = JSON.parse(readFileSync(file, 'utf8')) as { scanner?: string; verdicts?: Record<string, Verdict> };
        if (stored.scanner === d.scanner && stored.verdicts) for (const [k, v] of Object.entries(stored.verdicts)) shard.set(k, v);
      }
    } catch {
      // An unreadable or half-written shard: rewritten with what this process learns.
    }
    d.shards.set(key, shard);
  }
  return shard;
}

/** Verdicts not yet on disk; written once per event-loop turn at most, and at exit (a corpus loop asks often). */
let unsaved = false;

/** Adds verdicts; their shards are rewritten later, whole (write + rename: concurrent processes never see half a file). */
function remember(entries: readonly [string, Verdict][]): void {
  const d = diskCache();
  if (!d || entries.length === 0) return;
  for (const [k, v] of entries) {
    const shard = shardOf(d, k);
    shard.delete(k);
    shard.set(k, v);
    d.dirty.add(k.slice(0, 2));
  }
  if (unsaved) return;
  unsaved = true;
  setImmediate(save).unref();
  process.once('exit', save);
}

function save(): void {
  const d = disk;
  if (!unsaved || !d) return;
  unsaved = false;
  process.removeListener('exit', save);
  try {
    mkdirSync(dirname(d.base), { recursive: true });
    for (const key of d.dirty) {
      const shard = d.shards.get(key)!;
      for (const k of shard.keys()) {
        if (shard.size <= SHARD_MAX) break;
        shard.delete(k);
      }
      const file = shardFile(d.base, key);
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify({ scanner: d.scanner, verdicts: Object.fromEntries(shard) }));
      renameSync(tmp, file);
    }
    d.dirty.clear();
  } catch {
    // A read-only checkout: the verdicts stay in memory for this process.
  }
}

interface ScanWorker {
  readonly flag: Int32Array;
  readonly port: MessagePort;
  readonly worker: Worker;
}
let scanner: ScanWorker | undefined;

/**
 * Every worker started in this realm, by any instance of this module. A test that loads the module again
 * (jest.isolateModules, test/secret-scan-cache.test.ts) gets its own `scanner`; before this registry its
 * workers were never stopped, and each kept a V8 isolate with secretlint loaded, and the test file's context
 * its wrapper belongs to, alive until its Jest process exited (issue 21).
 */
const STARTED = Symbol.for('domus.secretScanWorkers');
function started(): Set<ScanWorker> {
  const g = globalThis as { [STARTED]?: Set<ScanWorker> };
  return (g[STARTED] ??= new Set());
}

/** The worker, started on first use; unref'd so it never keeps a finished process alive. */
function scanWorker(): ScanWorker {
  // Another instance's stopSecretScanner may have stopped this one's worker: then start a new one.
  if (scanner && started().has(scanner)) return scanner;
  // [0]: the answer is posted; [1]: texts scanned so far (the worker counts each, so a slow scan is told from a dead one).
  const flag = new Int32Array(new SharedArrayBuffer(8));
  const { port1, port2 } = new MessageChannel();
  const w = new Worker(worker(), { workerData: { flag, port: port2 }, transferList: [port2] });
  w.unref();
  port1.unref();
  const s: ScanWorker = { flag, port: port1, worker: w };
  started().add(s);
  w.once('exit', () => started().delete(s));
  scanner = s;
  return s;
}

/** How many scanner workers of this realm are running (for the teardown's test). */
export function runningSecretScanners(): number {
  return started().size;
}

/**
 * Stops every scanner worker of this realm, whichever module instance started it; the next scan starts a new
 * one. For Jest's teardown (test/lib/teardown.ts): every test file loads this module anew, so without it each
 * file leaves idle worker threads behind in its Jest process.
 */
export async function stopSecretScanner(): Promise<void> {
  scanner = undefined;
  const all = [...started()];
  started().clear();
  await Promise.all(
    all.map(async (s) => {
      s.port.close();
      await s.worker.terminate();
    }),
  );
}

type Answer = { findings: { id: string; rule: string; message: string; line: number }[] } | { error: string };

/** One synchronous round trip to the worker: post, block until it flags the answer, read it. */
function ask(items: readonly { id: string; text: string }[]): Answer {
  const w = scanWorker();
  Atomics.store(w.flag, 0, 0);
  w.port.postMessage(items);
  // The worker sets the flag after posting its answer. It fails only after 180 s without progress (no text
  // scanned): a fixed 60 s bound on the whole answer failed a large scan on a starved machine (load 30 on 2
  // cores), and 60 s without progress still failed a worker's cold start there (a fork's CI run beside two others).
  let scanned = Atomics.load(w.flag, 1);
  while (Atomics.wait(w.flag, 0, 0, 180_000) === 'timed-out') {
    const now = Atomics.load(w.flag, 1);
    if (now === scanned) throw new Error('secret scanner (secretlint) did not answer and scanned nothing for 180 s');
    scanned = now;
  }
  const m = receiveMessageOnPort(w.port);
  if (!m) throw new Error('secret scanner (secretlint) flagged an answer but sent none');
  return m.message as Answer;
}

/** Scans each text; throws (with the scanner's own message) only when the scanner cannot run at all. */
export function scanForSecrets(items: readonly { id: string; text: string }[]): SecretFinding[] {
  let todo = [...new Set(items.map((i) => i.text))].filter((t) => !cache.has(t));
  const stored = todo.length > 0 ? diskCache() : undefined;
  if (stored) {
    for (const t of todo) {
      const h = sha256(t);
      const v = shardOf(stored, h).get(h);
      if (v) cache.set(t, v);
    }
    todo = todo.filter((t) => !cache.has(t));
  }
  if (todo.length > 0) {
    const answer = ask(todo.map((text, i) => ({ id: String(i), text })));
    if ('error' in answer) throw new Error(`secret scanner (secretlint) failed: ${answer.error.split('\n')[0]}`);
    todo.forEach((t) => cache.set(t, []));
    for (const f of answer.findings) cache.get(todo[Number(f.id)]!)!.push({ rule: f.rule, message: f.message.replace(/\*{5,}/g, '****'), line: f.line });
    remember(todo.map((t) => [sha256(t), cache.get(t)!]));
  }
  return items.flatMap((i) => cache.get(i.text)!.map((f) => ({ id: i.id, ...f })));
}

/** Every string leaf of a parsed document with its path (`a.b[0].c`), keys included as `a.b{key}`. */
export function stringLeaves(v: unknown, path: (string | number)[] = []): { path: (string | number)[]; text: string }[] {
  if (typeof v === 'string') return [{ path, text: v }];
  if (Array.isArray(v)) return v.flatMap((x, i) => stringLeaves(x, [...path, i]));
  if (v !== null && typeof v === 'object') return Object.entries(v as Record<string, unknown>).flatMap(([k, x]) => stringLeaves(x, [...path, k]));
  return [];
}
