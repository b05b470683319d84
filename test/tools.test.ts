/**
 * The wrapper modules of tools/go/ (the upstream programs the tests run for real): each builds the pinned
 * release, and holds module paths and versions only. The pins are read from where the stack keeps them (the
 * image constants), so a pin bump that leaves a wrapper behind fails here.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ETCD_RELEASE, IMAGES, KUBERNETES_RELEASE, VERSIONS } from '../config/versions';
import { ALERTMANAGER_IMAGE } from '../constructs/alertmanager';
import { LOKI_IMAGE } from '../constructs/loki';
import { TOOLS_SRC, buildKey, toolPath } from '../tools/paths';
import { ARGOCD_KUSTOMIZE, ARGOCD_MINIREDIS, GO_PROGRAMS, goVersion, prometheusModuleVersion, type GoProgram } from '../tools/programs';
import { RESTIC_IMAGE } from '../constructs/backup';

/** Per program: the pin as the stack spells it, and the Go module version that release is published as. */
const PINS: Readonly<Record<string, { readonly release: string; readonly module: string }>> = {
  promtool: { release: IMAGES.prometheus.tag, module: prometheusModuleVersion(IMAGES.prometheus.tag) },
  amtool: { release: ALERTMANAGER_IMAGE.tag, module: ALERTMANAGER_IMAGE.tag },
  loki: { release: goVersion(LOKI_IMAGE.tag), module: goVersion(LOKI_IMAGE.tag) },
  etcd: { release: ETCD_RELEASE, module: ETCD_RELEASE },
  'kube-apiserver': { release: KUBERNETES_RELEASE, module: KUBERNETES_RELEASE },
  traefik: { release: IMAGES.traefik.tag, module: IMAGES.traefik.tag },
  restic: { release: goVersion(RESTIC_IMAGE.tag), module: goVersion(RESTIC_IMAGE.tag) },
  argocd: { release: VERSIONS.argocd, module: VERSIONS.argocd },
  kustomize: { release: ARGOCD_KUSTOMIZE, module: ARGOCD_KUSTOMIZE },
  miniredis: { release: ARGOCD_MINIREDIS, module: ARGOCD_MINIREDIS },
  vault: { release: goVersion(IMAGES.vaultAgent.tag), module: goVersion(IMAGES.vaultAgent.tag) },
  'vault-k8s': { release: goVersion(IMAGES.vaultInjector.tag), module: goVersion(IMAGES.vaultInjector.tag) },
};

const ALLOWED = /^(module|go|toolchain|require|replace|exclude)\b/;

/** What is wrong with a wrapper's go.mod for its entry: anything but directives, or another version than the pin. */
function wrapperProblems(p: GoProgram, goMod: string, goSum: string): string[] {
  const problems: string[] = [];
  const requires = new Map<string, string>();
  let block: string | undefined;
  for (const [i, raw] of goMod.split('\n').entries()) {
    const line = raw.trim();
    if (line === '') continue;
    const where = `go.mod:${i + 1}: ${line}`;
    if (block) {
      if (line === ')') block = undefined;
      else if (line.startsWith('//')) problems.push(`${where}: comments belong in the entry's facts`);
      else if (block === 'require') {
        const [mod, ver, ...rest] = line.split(/\s+/);
        if (!mod || !ver || (rest.length > 0 && rest.join(' ') !== '// indirect')) problems.push(`${where}: not a module and version`);
        else requires.set(mod, ver);
      }
      continue;
    }
    const m = /^(\w+)\s*(\(?)\s*(.*)$/.exec(line);
    if (!m || !ALLOWED.test(line)) {
      problems.push(`${where}: only module, go, toolchain, require, replace and exclude lines belong in a wrapper`);
      continue;
    }
    const [, verb, open, rest] = m;
    if (open) block = verb;
    else if (verb === 'module' && rest !== `domus.local/tools/${p.name}`) problems.push(`${where}: the module is domus.local/tools/${p.name}`);
    else if (verb === 'require') {
      const [mod, ver] = rest!.split(/\s+/);
      if (mod && ver) requires.set(mod, ver);
    }
  }
  if (block) problems.push(`go.mod: the ${block} block is not closed`);
  if (requires.get(p.module) !== p.moduleVersion) problems.push(`go.mod requires ${p.module} ${requires.get(p.module) ?? '(nothing)'}, the entry says ${p.moduleVersion}`);
  if (!goSum.split('\n').some((l) => l.startsWith(`${p.module} ${p.moduleVersion} h1:`))) problems.push(`go.sum has no hash of ${p.module} ${p.moduleVersion}`);
  const pin = PINS[p.name];
  if (!pin) problems.push(`no pin row for ${p.name} in test/tools.test.ts: add where its version is pinned`);
  else {
    if (p.version !== pin.release) problems.push(`${p.name} is built as ${p.version}, the stack pins ${pin.release}`);
    const stands = p.substituteFor ? p.substituteFor.pinned : p.moduleVersion;
    if (stands !== pin.module) problems.push(`${p.name} builds ${p.module} ${stands}, the pin is ${pin.module}`);
  }
  return problems;
}

const read = (p: GoProgram, f: string) => readFileSync(join(TOOLS_SRC, p.name, f), 'utf8');

test.each(GO_PROGRAMS.map((p) => [p.name, p] as const))('%s: the wrapper builds the pinned release and holds only module directives', (_, p) => {
  expect(wrapperProblems(p, read(p, 'go.mod'), read(p, 'go.sum'))).toEqual([]);
  expect(p.facts.length).toBeGreaterThan(0);
  expect(toolPath(p.name)).toContain(`${p.version}-${buildKey(p)}`);
});

test('every program has a pin row, and no row is left for a program that is gone', () => {
  expect(Object.keys(PINS).sort()).toEqual(GO_PROGRAMS.map((p) => p.name).sort());
});

test('a program of our own (miniredis): its Go files are part of the build key, so an edit rebuilds it', () => {
  const p = GO_PROGRAMS.find((x) => x.name === 'miniredis')!;
  const dir = mkdtempSync(join(tmpdir(), 'domus-key-'));
  try {
    for (const f of ['go.mod', 'go.sum', 'main.go']) writeFileSync(join(dir, f), read(p, f));
    expect(buildKey(p, dir)).toBe(buildKey(p));
    writeFileSync(join(dir, 'main.go'), `${read(p, 'main.go')}\n// edited\n`);
    expect(buildKey(p, dir)).not.toBe(buildKey(p));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a substitute version says which pin it stands for and why', () => {
  for (const p of GO_PROGRAMS.filter((x) => x.substituteFor)) {
    expect(p.moduleVersion).not.toBe(p.substituteFor!.pinned);
    expect(p.substituteFor!.why.length).toBeGreaterThan(40);
  }
});

describe('the wrapper check can fail', () => {
  const p = GO_PROGRAMS.find((x) => x.name === 'amtool')!;
  const goMod = read(p, 'go.mod');
  const goSum = read(p, 'go.sum');
  test.each([
    ['another version required', goMod.replace(p.moduleVersion, 'v0.27.0'), /requires .* v0\.27\.0/],
    ['a tool directive', `${goMod}\ntool github.com/prometheus/alertmanager/cmd/amtool\n`, /only module, go, toolchain/],
    ['a godebug line', `${goMod}\ngodebug default=go1.21\n`, /only module, go, toolchain/],
    ['a retract block', `${goMod}\nretract (\n\tv1.0.0\n)\n`, /only module, go, toolchain/],
    [
      'a comment in a block',
      goMod.replace('require github.com/prometheus/alertmanager v0.28.1', 'require (\n\t// why\n\tgithub.com/prometheus/alertmanager v0.28.1\n)'),
      /comments belong/,
    ],
    ['another module name', goMod.replace('domus.local/tools/amtool', 'example.org/x'), /the module is domus\.local/],
  ])('%s', (_, mutated, message) => {
    expect(wrapperProblems(p, goMod, goSum)).toEqual([]);
    expect(wrapperProblems(p, mutated, goSum).join('\n')).toMatch(message);
  });
  test('an entry whose version is not the pin', () => {
    expect(wrapperProblems({ ...p, version: 'v0.27.0' }, goMod, goSum).join('\n')).toMatch(/built as v0\.27\.0, the stack pins v0\.28\.1/);
  });
  test('a go.sum without the module', () => {
    expect(wrapperProblems(p, goMod, goSum.replace(/^github\.com\/prometheus\/alertmanager v0\.28\.1 h1:.*$/m, '')).join('\n')).toMatch(/no hash/);
  });
});

test('Prometheus 3.M.P is the module version v0.3MM.P', () => {
  expect(prometheusModuleVersion('v3.5.0')).toBe('v0.305.0');
  expect(prometheusModuleVersion('v3.13.2')).toBe('v0.313.2');
  expect(() => prometheusModuleVersion('v2.55.0')).toThrow();
});

test('npm run tools without Go says how to get it, and names what is missing', () => {
  const dir = mkdtempSync(join(tmpdir(), 'domus-tools-'));
  try {
    const r = spawnSync(process.execPath, [join(__dirname, '..', 'scripts', 'run-ts.js'), 'scripts/tools.ts'], {
      cwd: join(__dirname, '..'),
      env: { PATH: '/nonexistent', HOME: dir, DOMUS_TOOLS_DIR: dir },
      encoding: 'utf8',
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/needs Go 1\.26 or newer/);
    expect(r.stderr).toContain('https://go.dev/dl/');
    expect(r.stderr).toContain(`Missing: ${GO_PROGRAMS.map((p) => p.name).join(', ')}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('npm run tools refuses an unknown program name', () => {
  const r = spawnSync(process.execPath, [join(__dirname, '..', 'scripts', 'run-ts.js'), 'scripts/tools.ts', '--only', 'nosuchtool'], {
    cwd: join(__dirname, '..'),
    encoding: 'utf8',
  });
  expect(r.status).toBe(2);
  expect(r.stderr).toMatch(/no program named nosuchtool/);
});
