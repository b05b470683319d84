/**
 * verify/ as a package of the repository (issue 15): private, outside the npm install graph, a documented
 * public API, one contract with the generator, and no imports of the generator.
 */
import { CLUSTER_SCOPED } from '../../charts/stack-chart';
import { CLUSTER_SCOPED as VERIFY_CLUSTER_SCOPED } from '../../verify/checks/argocd-admission';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import * as api from '../../verify';
import { Network } from '../../constructs/lib/network';
import { intentFileSchema, IntentFlow } from '../../verify/contracts/intent';
import { projectRoot, VERIFY_PACKAGE } from '../../verify/types';

const ROOT = join(__dirname, '..', '..');
const VERIFY = join(ROOT, 'verify');
const json = (p: string) => JSON.parse(readFileSync(p, 'utf8')) as Record<string, unknown>;
const sources = (dir: string): string[] =>
  readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });

test('verify/package.json is private, named, and not part of the install graph', () => {
  const pkg = json(join(VERIFY, 'package.json'));
  expect(pkg).toMatchObject({ name: VERIFY_PACKAGE, private: true });
  expect(pkg.dependencies ?? {}).toEqual({}); // it uses the root's dependencies: npm ci stays one install
  // What it uses from the root's install, at the root's pinned versions.
  const root = json(join(ROOT, 'package.json'));
  const rootVersions: Record<string, string> = { ...(root.dependencies as object), ...(root.devDependencies as object) };
  const peers = pkg.peerDependencies as Record<string, string>;
  expect(Object.fromEntries(Object.keys(peers).map((n) => [n, rootVersions[n]]))).toEqual(peers);
  // Not a workspace: the root lockfile (what npm ci installs) knows nothing of it.
  expect(json(join(ROOT, 'package.json')).workspaces).toBeUndefined();
  expect(Object.keys(json(join(ROOT, 'package-lock.json')).packages as object).filter((k) => k.startsWith('verify'))).toEqual([]);
});

test('the checks find the repository root, not verify/, although verify/ holds a package.json', () => {
  expect(projectRoot()).toBe(ROOT);
});

test('every package verify imports is one of its peerDependencies (or node:)', () => {
  const peers = Object.keys(json(join(VERIFY, 'package.json')).peerDependencies as object);
  const used = new Set<string>();
  for (const f of sources(VERIFY)) {
    const text = readFileSync(f, 'utf8');
    for (const m of [...text.matchAll(/from '([^'.][^']*)'/g), ...text.matchAll(/require\([`'"]([^`'"$.][^`'"$]*)/g)]) {
      const spec = m[1]!;
      if (spec.startsWith('node:')) continue;
      used.add(
        spec
          .split('/')
          .slice(0, spec.startsWith('@') ? 2 : 1)
          .join('/'),
      );
    }
  }
  expect([...used].filter((u) => !peers.includes(u)).sort()).toEqual([]);
  expect(used.has('kubernetes-models')).toBe(true); // the dynamic require is seen
});

test('verify reads dist/, never the generator: no import of constructs/, charts/ or imports/', () => {
  const bad = sources(VERIFY).flatMap((f) =>
    [...readFileSync(f, 'utf8').matchAll(/from '(\.[^']*)'/g)]
      .map((m) => relative(ROOT, join(f, '..', m[1]!)))
      .filter((target) => /^(constructs|charts|imports)\//.test(target))
      .map((target) => `${relative(ROOT, f)} imports ${target}`),
  );
  expect(bad).toEqual([]);
});

test('the contracts import only zod and each other, so the generator does not load the checks', () => {
  for (const file of ['intent.ts', 'declared.ts', 'problems.ts']) {
    const imports = [...readFileSync(join(VERIFY, 'contracts', file), 'utf8').matchAll(/from '([^']*)'/g)].map((m) => m[1]);
    expect({ file, outside: imports.filter((i) => i !== 'zod' && !i!.startsWith('./')) }).toEqual({ file, outside: [] });
  }
});

test('the generator writes what the contract accepts (typed at compile time, checked at run time)', () => {
  const net = new Network();
  // An empty network still yields a value of the contract's type; the real intent is parsed in extending.test.ts.
  const flows: IntentFlow[] = net.intent();
  expect(intentFileSchema.parse(flows)).toEqual([]);
});

test('every check name a finding uses is one the report prints', () => {
  const used = new Set<string>();
  for (const f of sources(join(VERIFY, 'checks'))) {
    const text = readFileSync(f, 'utf8');
    for (const m of text.matchAll(/(?:CHECK = |finding\(|check: )'([a-z-]+)'/g)) used.add(m[1]!);
  }
  expect(used.size).toBeGreaterThan(10);
  expect([...used].filter((n) => !(api.CHECK_NAMES as readonly string[]).includes(n)).sort()).toEqual([]);
});

test('the README documents every export of the public API and every check', () => {
  const readme = readFileSync(join(VERIFY, 'README.md'), 'utf8');
  const names = [...readFileSync(join(VERIFY, 'index.ts'), 'utf8').matchAll(/export (?:type )?\{([^}]*)\}/g)].flatMap((m) =>
    m[1]!
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );
  expect(names.length).toBeGreaterThan(15);
  expect(names.filter((n) => !readme.includes(`\`${n}`))).toEqual([]);
  expect(api.CHECK_NAMES.filter((c) => !readme.includes(`\`${c}\``))).toEqual([]);
  expect(typeof api.runChecks).toBe('function');
});

test('verify knows every cluster-scoped kind the generator emits (two lists across the package boundary)', () => {
  expect([...CLUSTER_SCOPED].filter((k) => !VERIFY_CLUSTER_SCOPED.has(k))).toEqual([]);
});
