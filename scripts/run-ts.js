#!/usr/bin/env node
/**
 * Runs a TypeScript entry point fast: bundle it with esbuild (transpile only; dependencies stay external)
 * into build/<name>.js and require it in this process. The bundle is reused while none of its inputs changed
 * (their mtimes are recorded next to it), so a repeated run costs only node's start-up. Type checking is
 * `npm test`'s job (tsc --noEmit). Usage: node scripts/run-ts.js <entry.ts> [args...]
 *
 * Stack traces point into build/<name>.js unless source maps are asked for: DOMUS_SOURCE_MAPS=1, node's own
 * --enable-source-maps, or a debugger (--inspect*). Enabling them for every run cost 150–250 ms of each synth
 * (parsing the bundle's 1.8 MB map and cdk8s' inline maps, issue 22); the map is still written next to the bundle.
 */
'use strict';
const { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } = require('node:fs');
const { basename, dirname, join, resolve } = require('node:path');

const root = join(__dirname, '..');
const entry = resolve(root, process.argv[2]);
// Compare folders, not their names: a checkout named like a subfolder (a worktree called verify/) must still
// build verify/cli.ts as verify-cli.js, the name the CLI recognises itself by.
const name = `${dirname(entry) === root ? '' : `${basename(dirname(entry))}-`}${basename(entry, '.ts')}`;
const outfile = join(root, 'build', `${name}.js`);
const stamp = `${outfile}.inputs.json`;

function upToDate() {
  if (!existsSync(outfile) || !existsSync(stamp)) return false;
  const inputs = JSON.parse(readFileSync(stamp, 'utf8'));
  return Object.entries(inputs).every(([file, mtime]) => existsSync(file) && statSync(file).mtimeMs === mtime);
}

if (!upToDate()) {
  const { buildSync } = require('esbuild');
  const result = buildSync({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    packages: 'external',
    sourcemap: 'linked',
    metafile: true,
    logLevel: 'warning',
    absWorkingDir: root,
    write: false,
  });
  const inputs = Object.fromEntries(Object.keys(result.metafile.inputs).map((f) => [resolve(root, f), statSync(resolve(root, f)).mtimeMs]));
  inputs[__filename] = statSync(__filename).mtimeMs;
  // Two runs may rebuild at once (concurrent synths): each file appears whole, by rename, never half-written.
  mkdirSync(dirname(outfile), { recursive: true });
  const put = (file, contents) => {
    writeFileSync(`${file}.${process.pid}.tmp`, contents);
    renameSync(`${file}.${process.pid}.tmp`, file);
  };
  for (const f of result.outputFiles) put(f.path, f.contents);
  put(stamp, JSON.stringify(inputs));
}
const debugging =
  process.env.DOMUS_SOURCE_MAPS === '1' ||
  [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)].some((a) => a === '--enable-source-maps' || a.startsWith('--inspect'));
if (debugging) process.setSourceMapsEnabled(true);
else if (process.env.DOMUS_CODE_CACHE !== 'off') useCodeCache(join(root, 'build', 'code-cache', `${name}.bin`));

/**
 * V8's code cache for every CommonJS module this run loads from the repository (the bundle, cdk8s, zod, yaml):
 * what node 22's module.enableCompileCache() does, for node 20. Compiling those modules was a sixth of a synth
 * (issue 22). One file per entry point holds the cached code by SHA-1 of module path and source (V8 itself only
 * checks the source's length), rewritten at exit when a module was compiled afresh. Off when debugging (the
 * code cache bypasses source maps) and with DOMUS_CODE_CACHE=off.
 */
function useCodeCache(file) {
  const Module = require('node:module');
  const vm = require('node:vm');
  const { createHash } = require('node:crypto');
  const cached = new Map();
  try {
    const blob = readFileSync(file);
    const index = JSON.parse(blob.subarray(4, 4 + blob.readUInt32LE(0)).toString('utf8'));
    let at = 4 + blob.readUInt32LE(0);
    for (const [key, length] of index) {
      cached.set(key, blob.subarray(at, at + length));
      at += length;
    }
  } catch {
    // No cache yet, or an unreadable one: compile as usual, write a new one at exit.
  }
  const used = new Map();
  const fresh = [];
  const compile = Module.prototype._compile;
  Module.prototype._compile = function (content, filename) {
    // Modules outside the repository, with a hashbang or with import() (which vm.Script cannot serve) as usual.
    if (!filename.startsWith(root) || content.startsWith('#!') || content.includes('import(')) return compile.call(this, content, filename);
    const key = createHash('sha1').update(filename).update('\0').update(content).digest('hex');
    const data = cached.get(key);
    const script = new vm.Script(Module.wrap(content), { filename, ...(data ? { cachedData: data } : {}) });
    if (data && !script.cachedDataRejected) used.set(key, data);
    else fresh.push([key, script]);
    const mod = this;
    const req = (id) => mod.require(id);
    req.resolve = (request, options) => Module._resolveFilename(request, mod, false, options);
    req.resolve.paths = (request) => Module._resolveLookupPaths(request, mod);
    req.main = process.mainModule;
    req.extensions = Module._extensions;
    req.cache = Module._cache;
    return script.runInThisContext({ displayErrors: true }).call(mod.exports, mod.exports, req, mod, filename, dirname(filename));
  };
  process.once('exit', () => {
    if (fresh.length === 0) return;
    try {
      const entries = [...used, ...fresh.map(([key, script]) => [key, script.createCachedData()])];
      const index = Buffer.from(JSON.stringify(entries.map(([key, data]) => [key, data.length])));
      const head = Buffer.alloc(4);
      head.writeUInt32LE(index.length, 0);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(`${file}.${process.pid}.tmp`, Buffer.concat([head, index, ...entries.map(([, data]) => data)]));
      renameSync(`${file}.${process.pid}.tmp`, file);
    } catch {
      // A read-only checkout: no cache, same result.
    }
  });
}
// The entry reads process.argv.slice(2) as its own arguments.
process.argv.splice(1, 2, outfile);
require(outfile);
