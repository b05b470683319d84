/**
 * `npm run tools [-- --only <name>]`: builds every upstream program of tools/programs.ts from its wrapper module
 * (tools/go/<name>/) into the cache path of tools/paths.ts, and reuses a build while its key is unchanged.
 * One line per program: name, version, cached/built, seconds. Builds run one after the other (two cores), with
 * `-buildvcs=false -trimpath` and CGO off unless the entry says otherwise; the Go module proxy supplies the
 * modules, and `GOTOOLCHAIN=auto` a newer Go where a module's go line asks for one.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { GO_PROGRAMS, type GoProgram } from '../tools/programs';
import { TOOLS_SRC, builtTool, toolPath } from '../tools/paths';

const NO_GO = `npm run tools needs Go 1.26 or newer (the go command on PATH) to build the pinned upstream programs the tests run.
  Get it from https://go.dev/dl/ (or your package manager), then run npm run tools again.
  A module that needs a newer Go is handled by GOTOOLCHAIN=auto (the default here), which fetches it from the Go module proxy.
  To run the tests without the real programs for now: DOMUS_SKIP_TOOLS=1 npm test (never under CI).`;

function usage(msg: string): never {
  process.stderr.write(`${msg}\nusage: npm run tools [-- --only <name>]   (names: ${GO_PROGRAMS.map((p) => p.name).join(', ')})\n`);
  process.exit(2);
}

function selected(argv: readonly string[]): readonly GoProgram[] {
  const only: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--only') {
      const name = argv[++i];
      if (!name) usage('--only needs a program name');
      only.push(name);
    } else if (a.startsWith('--only=')) only.push(a.slice('--only='.length));
    else usage(`unknown argument ${a}`);
  }
  for (const n of only) if (!GO_PROGRAMS.some((p) => p.name === n)) usage(`no program named ${n}`);
  return only.length === 0 ? GO_PROGRAMS : GO_PROGRAMS.filter((p) => only.includes(p.name));
}

/** The go command's version (`go1.26.8`), or undefined when there is none. */
function goVersion(): string | undefined {
  const r = spawnSync('go', ['env', 'GOVERSION'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

function build(p: GoProgram, out: string): { ok: true } | { ok: false; output: string } {
  const wrapper = join(TOOLS_SRC, p.name);
  if (!existsSync(join(wrapper, 'go.mod'))) return { ok: false, output: `no wrapper module: ${wrapper}/go.mod is missing (see docs/adr/0150-real-programs-in-tests.md)` };
  mkdirSync(dirname(out), { recursive: true });
  // Build beside the final path and rename: a cancelled build never leaves a binary that looks complete.
  const tmp = `${out}.tmp-${process.pid}`;
  const args = ['build', '-o', tmp];
  if (p.ldflags?.length) args.push(`-ldflags=${p.ldflags.join(' ')}`);
  if (p.tags?.length) args.push(`-tags=${p.tags.join(',')}`);
  args.push(p.pkg);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    GOFLAGS: '-buildvcs=false -trimpath -mod=readonly',
    GOTOOLCHAIN: process.env.GOTOOLCHAIN ?? 'auto',
    CGO_ENABLED: '0',
    ...(p.env ?? {}),
  };
  const r = spawnSync('go', args, { cwd: wrapper, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) {
    rmSync(tmp, { force: true });
    return { ok: false, output: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
  }
  renameSync(tmp, out);
  return { ok: true };
}

function main(): void {
  const programs = selected(process.argv.slice(2));
  const missing = programs.filter((p) => !builtTool(p.name));
  if (missing.length > 0 && !goVersion()) {
    process.stderr.write(`${NO_GO}\n  Missing: ${missing.map((p) => p.name).join(', ')}\n`);
    process.exit(1);
  }
  const width = Math.max(...programs.map((p) => p.name.length));
  let failed = 0;
  for (const p of programs) {
    const started = Date.now();
    const label = `${p.name.padEnd(width)} ${p.version}`;
    if (builtTool(p.name)) {
      process.stdout.write(`${label}  cached  ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
      continue;
    }
    const from = p.substituteFor ? `${p.module}@${p.moduleVersion} for ${p.substituteFor.pinned}` : `${p.module}@${p.moduleVersion}`;
    process.stdout.write(`${label}  building ${p.pkg} (${from}) ...\n`);
    const r = build(p, toolPath(p.name));
    const secs = ((Date.now() - started) / 1000).toFixed(1);
    if (r.ok) process.stdout.write(`${label}  built   ${secs} s  ${toolPath(p.name)}\n`);
    else {
      failed++;
      process.stdout.write(`${label}  FAILED  ${secs} s\n${r.output}\n`);
    }
  }
  if (failed > 0) process.exitCode = 1;
}

main();
