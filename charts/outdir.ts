/**
 * The output folder, handled so that no command line can hurt: synth replaces only a folder it created itself
 * (it holds SYNTH_MARKER) or an empty one, never the repository, a folder above it, `/`, or a folder holding
 * anything else. Readers always find the folder (files are swapped in one by one, each by an atomic rename),
 * concurrent runs take turns on a lock file, and what a killed run left behind is removed by the next one.
 * See docs/adr/0080-site-file-and-output-folder.md.
 */
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';

/** The file synth writes into every folder it creates; its presence is what allows a later run to replace it. */
export const SYNTH_MARKER = '.domus-synth';
const MARKER_TEXT = 'Written by `npm run synth` (charts/outdir.ts). Everything in this folder is replaced on the next run.\n';

export class OutdirError extends Error {
  constructor(
    readonly outdir: string,
    readonly reason: string,
  ) {
    super(`refusing to write ${outdir}: ${reason}`);
    this.name = 'OutdirError';
  }
}

const real = (p: string): string => (existsSync(p) ? realpathSync(p) : resolve(p));
const isInside = (child: string, parent: string): boolean => child === parent || child.startsWith(parent.endsWith(sep) ? parent : parent + sep);

/**
 * Checks that `outdir` may be replaced and returns its absolute path. Throws OutdirError saying why not.
 * `repo` is the repository root (the folder to protect with everything above it).
 */
export function checkOutdir(outdir: string, repo: string): string {
  const target = resolve(outdir);
  let at = target;
  // A folder that does not exist yet is judged by its nearest existing ancestor (symlinks resolved).
  while (!existsSync(at) && dirname(at) !== at) at = dirname(at);
  const resolved = join(real(at), relative(at, target));
  const root = real(repo);
  if (resolved === sep || dirname(resolved) === resolved) throw new OutdirError(outdir, 'it is the filesystem root');
  if (isInside(root, resolved)) throw new OutdirError(outdir, `it is the repository (${root}) or a folder that contains it`);
  if (isInside(resolved, join(root, '.git'))) throw new OutdirError(outdir, "it is inside the repository's .git folder");
  if (!existsSync(target)) return target;
  if (!statSync(target).isDirectory()) throw new OutdirError(outdir, 'it is a file, not a folder');
  const entries = readdirSync(target);
  if (entries.length === 0) return target;
  const marker = join(target, SYNTH_MARKER);
  if (existsSync(marker) && statSync(marker).isFile()) {
    refuseLinks(outdir, target);
    return target;
  }
  const shown = entries.slice(0, 3).join(', ') + (entries.length > 3 ? ', …' : '');
  throw new OutdirError(
    outdir,
    `it holds ${entries.length} entr${entries.length === 1 ? 'y' : 'ies'} (${shown}) and no ${SYNTH_MARKER} marker, so synth did not create it; synth replaces only a folder it wrote itself or an empty one: pick a new folder, or empty this one yourself`,
  );
}

/**
 * The first symbolic link (or other non-regular entry) under `dir`, if any. synth never writes one; a link
 * committed inside dist/ (`dist/bootstrap/vault -> /etc/...`) would make the next synth write through it, as
 * root if root runs it (issue 25, item 8).
 */
export function linkUnder(dir: string, base = dir): string | undefined {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isSymbolicLink() || (!e.isDirectory() && !e.isFile())) return relative(base, p);
    if (e.isDirectory()) {
      const inner = linkUnder(p, base);
      if (inner) return inner;
    }
  }
  return undefined;
}

function refuseLinks(outdir: string, target: string): void {
  const link = linkUnder(target);
  if (link)
    throw new OutdirError(
      outdir,
      `it holds ${JSON.stringify(link)}, a symbolic link or special file; synth never writes one and will not write through it: remove it (git rm) and run synth again`,
    );
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));
function sleep(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Runs `fn` holding `<parent>/.synth-lock-<name>`; a lock whose process is gone is taken over. */
export function withLock<T>(target: string, fn: () => T, timeoutMs = 120_000): T {
  const lock = join(dirname(target), `.synth-lock-${basename(target)}`);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const fd = openSync(lock, 'wx');
      writeFileSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let holder: number;
      try {
        holder = Number(readFileSync(lock, 'utf8'));
      } catch {
        continue; // released between our open and read
      }
      // An empty or unreadable pid is a lock being written right now: wait like for a live one.
      if (Number.isInteger(holder) && holder > 0 && !alive(holder)) {
        rmSync(lock, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new OutdirError(target, `another synth (pid ${String(holder)}) holds ${lock} and did not finish within ${timeoutMs / 1000} s`);
      sleep(50);
    }
  }
  try {
    return fn();
  } finally {
    try {
      if (readFileSync(lock, 'utf8') === String(process.pid)) unlinkSync(lock);
    } catch {
      // already gone
    }
  }
}

function walk(dir: string, base = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? walk(p, base) : [relative(base, p)];
  });
}

/** Creates `dir` and its parents below `top`, replacing a file that stands where a folder must go. */
function ensureDir(top: string, dir: string): void {
  let at = top;
  for (const part of relative(top, dir).split(sep).filter(Boolean)) {
    at = join(at, part);
    if (existsSync(at) && !statSync(at).isDirectory()) unlinkSync(at);
  }
  mkdirSync(dir, { recursive: true });
}

/**
 * Writes `files` (paths relative to the folder) plus the marker as the new content of `outdir`. Call
 * checkOutdir first. A new folder appears in one rename; an existing one is updated file by file, each file by
 * an atomic rename, and files no longer produced are removed last — so the folder never disappears and every
 * file is either its old or its new content.
 */
export function replaceTree(target: string, files: ReadonlyMap<string, string>): void {
  withLock(target, () => {
    const parent = dirname(target);
    const name = basename(target);
    mkdirSync(parent, { recursive: true });
    // Leftovers of a killed run (we hold the lock, so no live run owns them), including the older naming.
    for (const e of readdirSync(parent)) {
      if (e.startsWith(`.synth-tmp-${name}-`) || e.startsWith(`${name}.synth-tmp-`) || e.startsWith(`${name}.synth-old-`))
        rmSync(join(parent, e), { recursive: true, force: true });
    }
    // Again under the lock: a link placed between checkOutdir and now is refused too.
    if (existsSync(target)) refuseLinks(target, target);
    const tmp = join(parent, `.synth-tmp-${name}-${process.pid}`);
    const all = new Map(files);
    all.set(SYNTH_MARKER, MARKER_TEXT);
    for (const [path, content] of all) {
      const file = join(tmp, path);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, content);
    }
    mkdirSync(tmp, { recursive: true });
    if (!existsSync(target)) {
      renameSync(tmp, target);
      return;
    }
    for (const path of all.keys()) {
      const to = join(target, path);
      ensureDir(target, dirname(to));
      if (existsSync(to) && statSync(to).isDirectory()) rmSync(to, { recursive: true, force: true });
      else if (existsSync(to) && readFileSync(to, 'utf8') === all.get(path)) continue;
      renameSync(join(tmp, path), to);
    }
    for (const path of walk(target)) if (!all.has(path)) rmSync(join(target, path), { force: true });
    removeEmptyDirs(target);
    rmSync(tmp, { recursive: true, force: true });
  });
}

function removeEmptyDirs(dir: string): void {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (!e.isDirectory()) continue;
    const p = join(dir, e.name);
    removeEmptyDirs(p);
    if (readdirSync(p).length === 0) rmSync(p, { recursive: true });
  }
}
