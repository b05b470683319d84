/**
 * Issue 21: an app is one file and one registry line, for `npm test` too. In a temporary copy of the
 * repository, the guide's whoami (test/fixtures/apps/whoami.ts) becomes constructs/whoami.ts (only its import
 * paths change, as they would for a file written there), constructs/apps.ts gets its one line (a re-export),
 * and the guide's steps run: `npm run synth`, the snapshot update the guide names, a commit, then the whole
 * `npm test` (type check, lint, format, Jest, verify). All pass with no other edit.
 *
 * Slow (a whole `npm test` of the copy): it runs in CI (CI=true, as .ci/run sets it) or with DOMUS_SLOW=1,
 * never inside the copy itself (DOMUS_NESTED). node_modules is hard-linked, not copied.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const root = join(__dirname, '..');
const SLOW = (process.env.CI === 'true' || process.env.DOMUS_SLOW === '1') && process.env.DOMUS_NESTED !== '1';

/** Runs a command in `cwd`; returns its status and the tail of its output (for the failure message). */
function run(cwd: string, cmd: string, args: readonly string[]): { status: number | null; tail: string } {
  const env: NodeJS.ProcessEnv = { ...process.env, DOMUS_NESTED: '1', CDK8S_CHECK_UPGRADE: 'false' };
  delete env.CI;
  delete env.DOMUS_CONFIG;
  const r = spawnSync(cmd, [...args], { cwd, env, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  return { status: r.status, tail: `${r.stdout ?? ''}${r.stderr ?? ''}`.split('\n').slice(-60).join('\n') };
}

/** The working tree as git sees it (tracked and untracked, ignored files left out) copied to `to`. */
function copyRepo(to: string): void {
  const files = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8' }).stdout.split('\0').filter(Boolean);
  for (const f of files) {
    mkdirSync(dirname(join(to, f)), { recursive: true });
    try {
      copyFileSync(join(root, f), join(to, f));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e; // deleted but not yet staged
    }
  }
  const cp = spawnSync('cp', ['-al', join(root, 'node_modules'), join(to, 'node_modules')]);
  if (cp.status !== 0) throw new Error(`cp -al node_modules: ${cp.stderr}`);
}

/** The list of apps (constructs/apps.ts) with one more: one re-export line, nothing else. */
export function registerApp(list: string, name: string, file: string): string {
  return `${list.replace(/\n*$/, '\n')}export { ${name} } from './${file}';\n`;
}

// Inside the copy the list already holds whoami: this unit test belongs to the outer run only.
(process.env.DOMUS_NESTED === '1' ? test.skip : test)('registerApp adds exactly one line, and nothing else', () => {
  const before = readFileSync(join(root, 'constructs', 'apps.ts'), 'utf8');
  const after = registerApp(before, 'whoamiApp', 'whoami');
  expect(after.startsWith(before)).toBe(true);
  expect(after.slice(before.length)).toBe("export { whoamiApp } from './whoami';\n");
  expect(after.split('\n').length).toBe(before.split('\n').length + 1);
});

(SLOW ? test : test.skip)(
  "the guide's whoami, copied into constructs/ and registered, passes the whole npm test",
  () => {
    const base = mkdtempSync(join(tmpdir(), 'domus-new-app-'));
    const repo = join(base, 'repo');
    try {
      copyRepo(repo);
      // The tests read upstream references at ../shared, beside the repository.
      symlinkSync(join(root, '..', 'shared'), join(base, 'shared'));
      const fixture = readFileSync(join(root, 'test', 'fixtures', 'apps', 'whoami.ts'), 'utf8');
      writeFileSync(join(repo, 'constructs', 'whoami.ts'), fixture.replaceAll("'../../../constructs/lib/", "'./lib/"));
      const list = join(repo, 'constructs', 'apps.ts');
      writeFileSync(list, registerApp(readFileSync(list, 'utf8'), 'whoamiApp', 'whoami'));
      const node = process.execPath;
      const steps: [string, string, string[]][] = [
        ['synth', node, ['scripts/run-ts.js', 'main.ts', '--quiet']],
        // The guide's snapshot step: the new scrape job, dashboard and rule change the monitoring chart's snapshot.
        ['snapshots', node, ['node_modules/.bin/jest', '--ci=false', '-u', 'test/snapshots.test.ts']],
        ['git init', 'git', ['init', '-q']],
        ['git add', 'git', ['add', '-A']],
        ['git commit', 'git', ['-c', 'user.name=test', '-c', 'user.email=test@example.invalid', 'commit', '-qm', 'whoami']],
        ['npm test', node, ['scripts/test.js']],
      ];
      for (const [label, cmd, args] of steps) {
        const r = run(repo, cmd, args);
        expect({ step: label, status: r.status, tail: r.status === 0 ? '' : r.tail }).toEqual({ step: label, status: 0, tail: '' });
      }
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  },
  3_600_000,
);
