/**
 * Where the built upstream programs live: outside git, in the user cache (shared by every clone on the machine,
 * so CI on the same machine reuses them), one folder per program, version and wrapper content.
 * `DOMUS_TOOLS_DIR` overrides the root.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { GO_PROGRAMS, type GoProgram } from './programs';

/** The wrapper modules' folder, tools/go of the repository (found from this module or its bundle in build/). */
export const TOOLS_SRC = ((): string => {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return join(dir, 'tools', 'go');
})();

export function toolsRoot(): string {
  const override = process.env.DOMUS_TOOLS_DIR;
  if (override) return override;
  const cache = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(cache, 'domus-stack', 'tools');
}

export function programOf(name: string): GoProgram {
  const p = GO_PROGRAMS.find((x) => x.name === name);
  if (!p) throw new Error(`no Go program named ${name} in tools/programs.ts`);
  return p;
}

/**
 * A hash of everything that decides the binary: the wrapper's go.mod and go.sum, the Go files of a program of
 * our own (tools/go/miniredis), and the build settings.
 */
export function buildKey(p: GoProgram, dir: string = join(TOOLS_SRC, p.name)): string {
  const h = createHash('sha256');
  const own = existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith('.go'))
        .sort()
    : [];
  for (const f of ['go.mod', 'go.sum', ...own]) {
    const file = join(dir, f);
    h.update(f)
      .update('\0')
      .update(existsSync(file) ? readFileSync(file) : '')
      .update('\0');
  }
  h.update(JSON.stringify({ pkg: p.pkg, ldflags: p.ldflags ?? [], tags: p.tags ?? [], env: p.env ?? {} }));
  return h.digest('hex').slice(0, 12);
}

/** The path of a program's binary (whether or not it is built yet). */
export function toolPath(name: string): string {
  const p = programOf(name);
  return join(toolsRoot(), p.name, `${p.version}-${buildKey(p)}`, p.name);
}

/** The binary when it is built, otherwise undefined. */
export function builtTool(name: string): string | undefined {
  const path = toolPath(name);
  return existsSync(path) ? path : undefined;
}
