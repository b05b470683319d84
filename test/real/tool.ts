/**
 * Running the pinned upstream programs (tools/programs.ts, built by `npm run tools`) on synthesized output.
 *
 * A missing program fails its tests with the command that builds it. `DOMUS_SKIP_TOOLS=1` (the quick loop)
 * skips the tests that run upstream programs instead, and names them as skipped; under `CI=true` that is
 * refused, so CI never passes without the real programs.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { builtTool, programOf, toolPath } from '../../tools/paths';

const ci = process.env.CI === 'true' || process.env.CI === '1';
const skip = process.env.DOMUS_SKIP_TOOLS === '1';
if (ci && skip) throw new Error('DOMUS_SKIP_TOOLS=1 is refused under CI: CI runs the upstream programs (npm run tools builds them)');

export interface RealTool {
  /** `describe`, or `describe.skip` with the reason in the title when DOMUS_SKIP_TOOLS=1. */
  readonly describe: (title: string, fn: () => void) => void;
  /** Runs the program; throws with the build command when it is not built. */
  run(args: readonly string[], cwd?: string): Run;
}

export interface Run {
  readonly status: number | null;
  /** stdout and stderr together. */
  readonly output: string;
}

export function realTool(name: string): RealTool {
  const p = programOf(name);
  const label = `${name} ${p.version}`;
  return {
    describe: skip ? (title, fn) => describe.skip(`${title} [skipped: DOMUS_SKIP_TOOLS=1, ${label} not run]`, fn) : (title, fn) => describe(`${title} [${label}]`, fn),
    run(args, cwd) {
      const bin = builtTool(name);
      if (!bin) throw new Error(`${label} is not built (${toolPath(name)}): run \`npm run tools\` (or DOMUS_SKIP_TOOLS=1 to skip the tests that run it)`);
      const r = spawnSync(bin, args, { cwd, encoding: 'utf8', timeout: 600_000, maxBuffer: 64 * 1024 * 1024 });
      return { status: r.status, output: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
    },
  };
}

/** A temporary folder standing for a container's root; files are written at their absolute paths under it. */
export class FakeRoot {
  readonly dir = mkdtempSync(join(tmpdir(), 'domus-real-'));

  /** `/etc/x` → `<root>/etc/x`. */
  path(abs: string): string {
    if (!abs.startsWith('/')) throw new Error(`not an absolute path: ${abs}`);
    return join(this.dir, abs);
  }

  write(abs: string, content: string): string {
    const p = this.path(abs);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, content);
    return p;
  }

  mkdir(abs: string): void {
    mkdirSync(this.path(abs), { recursive: true });
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
