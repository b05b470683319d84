#!/usr/bin/env node
/**
 * Runs a TypeScript entry point fast: bundle it with esbuild (transpile only; dependencies stay external)
 * into build/<name>.js and require it in this process. The bundle is reused while none of its inputs changed
 * (their mtimes are recorded next to it), so a repeated run costs only node's start-up. Type checking is
 * `npm test`'s job (tsc --noEmit). Usage: node scripts/run-ts.js <entry.ts> [args...]
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
process.setSourceMapsEnabled(true);
// The entry reads process.argv.slice(2) as its own arguments.
process.argv.splice(1, 2, outfile);
require(outfile);
