/**
 * No import cycles among the TypeScript sources: with a cycle, whichever module node loads first sees the
 * other half undefined (charts/synth.ts → stack.ts → bootstrap.ts → synth.ts used to be one). `import type`
 * is erased by the compiler and cannot cycle at run time, so it is not an edge here.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = join(__dirname, '..');
const SKIP = new Set(['node_modules', 'dist', 'build', '.git', 'imports']);

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (SKIP.has(name)) return [];
    if (statSync(p).isDirectory()) return sources(p);
    return p.endsWith('.ts') && !p.endsWith('.d.ts') ? [p] : [];
  });
}

/** Relative runtime imports of a file: `import … from './x'`, `export … from './x'`, `import './x'`, require('./x'). */
export function importsOf(file: string, text: string): string[] {
  const specs = [
    ...[...text.matchAll(/^\s*(?:import|export)\s+(?!type\s)([^;]*?)\s+from\s+['"](\.[^'"]+)['"]/gm)]
      // `import { type A, type B } from` is erased too.
      .filter((m) => !/^\{\s*(type\s+\w+\s*,?\s*)+\}$/.test(m[1]!.trim()))
      .map((m) => m[2]!),
    ...[...text.matchAll(/^\s*import\s+['"](\.[^'"]+)['"]/gm)].map((m) => m[1]!),
    ...[...text.matchAll(/\brequire\(\s*['"](\.[^'"]+)['"]\s*\)/g)].map((m) => m[1]!),
  ];
  return specs.flatMap((s) => {
    const base = resolve(dirname(file), s);
    const hit = [`${base}.ts`, join(base, 'index.ts')].find((p) => existsSync(p));
    return hit ? [hit] : [];
  });
}

/** Every cycle found by a depth-first walk, as `a.ts -> b.ts -> a.ts`. */
export function importCycles(graph: ReadonlyMap<string, readonly string[]>): string[] {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const cycles: string[] = [];
  const visit = (n: string): void => {
    state.set(n, 'open');
    path.push(n);
    for (const d of graph.get(n) ?? []) {
      if (state.get(d) === 'open') cycles.push([...path.slice(path.indexOf(d)), d].map((p) => relative(root, p)).join(' -> '));
      else if (!state.has(d)) visit(d);
    }
    path.pop();
    state.set(n, 'done');
  };
  for (const n of [...graph.keys()].sort()) if (!state.has(n)) visit(n);
  return cycles;
}

test('the sources have no import cycle', () => {
  const graph = new Map(sources(root).map((f) => [f, importsOf(f, readFileSync(f, 'utf8'))]));
  expect(graph.size).toBeGreaterThan(50);
  expect(importCycles(graph)).toEqual([]);
});

test('the walk finds a cycle (the one synth → stack → bootstrap → synth was)', () => {
  const f = (n: string) => join(root, n);
  const graph = new Map([
    [f('charts/synth.ts'), [f('charts/stack.ts')]],
    [f('charts/stack.ts'), [f('day0/bootstrap.ts')]],
    [f('day0/bootstrap.ts'), [f('charts/synth.ts')]],
  ]);
  expect(importCycles(graph)).toEqual(['charts/stack.ts -> day0/bootstrap.ts -> charts/synth.ts -> charts/stack.ts']);
});

test('runtime imports are edges, type-only imports are not', () => {
  const file = join(root, 'charts/stack.ts');
  expect(importsOf(file, "import { buildAppsChart } from './apps';")).toEqual([join(root, 'charts/apps.ts')]);
  expect(importsOf(file, "import type { Site } from '../config/schema';")).toEqual([]);
  expect(importsOf(file, "import { type Site } from '../config/schema';")).toEqual([]);
  expect(importsOf(file, "export { toYaml } from '../constructs/lib/yaml';")).toEqual([join(root, 'constructs/lib/yaml.ts')]);
});
