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
 */
import { existsSync } from 'node:fs';
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

function worker(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return join(dir, 'config', 'secretlint-worker.mjs');
}

const cache = new Map<string, Omit<SecretFinding, 'id'>[]>();

interface ScanWorker {
  readonly flag: Int32Array;
  readonly port: MessagePort;
  readonly worker: Worker;
}
let scanner: ScanWorker | undefined;

/** The worker, started on first use; unref'd so it never keeps a finished process alive. */
function scanWorker(): ScanWorker {
  if (scanner) return scanner;
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const { port1, port2 } = new MessageChannel();
  const w = new Worker(worker(), { workerData: { flag, port: port2 }, transferList: [port2] });
  w.unref();
  port1.unref();
  scanner = { flag, port: port1, worker: w };
  return scanner;
}

/**
 * Stops the worker; the next scan starts a new one. For Jest's teardown (test/lib/teardown.ts): every test file
 * loads this module anew, so without it each file leaves an idle worker thread behind in its Jest process, and
 * Jest warns that a worker process failed to exit gracefully.
 */
export async function stopSecretScanner(): Promise<void> {
  const s = scanner;
  scanner = undefined;
  if (!s) return;
  s.port.close();
  await s.worker.terminate();
}

type Answer = { findings: { id: string; rule: string; message: string; line: number }[] } | { error: string };

/** One synchronous round trip to the worker: post, block until it flags the answer, read it. */
function ask(items: readonly { id: string; text: string }[]): Answer {
  const w = scanWorker();
  Atomics.store(w.flag, 0, 0);
  w.port.postMessage(items);
  // The worker sets the flag after posting its answer; 60 s covers a cold start on a loaded machine.
  if (Atomics.wait(w.flag, 0, 0, 60_000) === 'timed-out') throw new Error('secret scanner (secretlint) did not answer within 60 s');
  const m = receiveMessageOnPort(w.port);
  if (!m) throw new Error('secret scanner (secretlint) flagged an answer but sent none');
  return m.message as Answer;
}

/** Scans each text; throws (with the scanner's own message) only when the scanner cannot run at all. */
export function scanForSecrets(items: readonly { id: string; text: string }[]): SecretFinding[] {
  const todo = [...new Set(items.map((i) => i.text))].filter((t) => !cache.has(t));
  if (todo.length > 0) {
    const answer = ask(todo.map((text, i) => ({ id: String(i), text })));
    if ('error' in answer) throw new Error(`secret scanner (secretlint) failed: ${answer.error.split('\n')[0]}`);
    todo.forEach((t) => cache.set(t, []));
    for (const f of answer.findings) cache.get(todo[Number(f.id)]!)!.push({ rule: f.rule, message: f.message.replace(/\*{5,}/g, '****'), line: f.line });
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
