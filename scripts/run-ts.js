#!/usr/bin/env node
/**
 * Runs a TypeScript entry point fast: bundle it with esbuild (transpile only, ~50 ms; dependencies stay
 * external) into build/<name>.js and require it in this process. Type checking is `npm test`'s job
 * (tsc --noEmit). Usage: node scripts/run-ts.js <entry.ts> [args...] — the entry sees the args as usual.
 */
'use strict';
const { buildSync } = require('esbuild');
const { basename, dirname, join, resolve } = require('node:path');

const root = join(__dirname, '..');
const entry = resolve(root, process.argv[2]);
const name = `${basename(dirname(entry)) === basename(root) ? '' : `${basename(dirname(entry))}-`}${basename(entry, '.ts')}`;
const outfile = join(root, 'build', `${name}.js`);
buildSync({ entryPoints: [entry], outfile, bundle: true, platform: 'node', target: 'node20', format: 'cjs', packages: 'external', sourcemap: 'inline', logLevel: 'warning' });
// The entry reads process.argv.slice(2) as its own arguments.
process.argv.splice(1, 2, outfile);
require(outfile);
