/**
 * A command line that cannot hurt: unknown options and stray arguments are errors, the output folder is
 * replaced only when synth created it (or it is empty), never the repository or above, writes are atomic per
 * file and serialised, and `npx cdk8s synth` with a bad site leaves dist/ as it was.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseSynthArgs, runSynth, UsageError } from '../charts/cli';
import { checkOutdir, OutdirError, replaceTree, SYNTH_MARKER, withLock } from '../charts/outdir';
import { repoRoot } from '../config/load';
import { slowTest } from './tier';

const root = repoRoot();
const tmp = () => mkdtempSync(join(tmpdir(), 'domus-cli-'));

/** Runs runSynth in-process and returns exit code and stderr. */
function synthCli(argv: string[], env: NodeJS.ProcessEnv = {}): { code: number; err: string } {
  const out = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  const err = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    const code = runSynth(argv, env);
    return { code, err: err.mock.calls.map((c) => String(c[0])).join('') };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

describe('arguments', () => {
  test.each([
    [['--outdri', 'x'], "Unknown option '--outdri'"],
    [['--config'], "Option '--config <value>' argument missing"],
    [['stray'], 'unexpected argument "stray"'],
    [['--quiet', 'a', 'b'], 'unexpected arguments "a" "b"'],
    [['--outdir='], '--outdir needs a value'],
  ])('%j is refused', (argv, message) => {
    expect(() => parseSynthArgs(argv, {})).toThrow(UsageError);
    expect(() => parseSynthArgs(argv, {})).toThrow(message);
  });

  test('a forgotten -- (npm ate the option, its value arrives as a stray argument) is explained', () => {
    // What `npm run synth --outdir x` does: npm sets npm_config_outdir=true and passes "x" alone.
    expect(() => parseSynthArgs(['x'], { npm_config_outdir: 'true', npm_lifecycle_event: 'synth' })).toThrow(
      'npm took --outdir for itself: put -- before the options, e.g. npm run synth -- --outdir <value>',
    );
  });

  slowTest(
    'the real npm: `npm run synth --outdir <dir>` (no --) is refused with the hint, nothing written',
    () => {
      const dir = join(tmp(), 'out');
      const r = spawnSync('npm', ['run', '-s', 'synth', '--outdir', dir], { cwd: root, encoding: 'utf8', env: { ...process.env, npm_config_outdir: undefined } });
      expect(r.status).toBe(2);
      expect(r.stderr).toContain(`unexpected argument ${JSON.stringify(dir)}`);
      expect(r.stderr).toContain('npm took --outdir for itself');
      expect(existsSync(dir)).toBe(false);
    },
    60_000,
  );

  test('an unknown option exits 2 before reading or writing anything', () => {
    const dir = join(tmp(), 'out');
    const r = synthCli(['--outdir', dir, '--force']);
    expect(r.code).toBe(2);
    expect(r.err).toContain("Unknown option '--force'");
    expect(r.err).toContain('nothing was read or written');
    expect(existsSync(dir)).toBe(false);
  });

  test('the accepted options', () => {
    expect(parseSynthArgs(['--config', 'a.yaml', '--outdir=out', '--quiet'], {})).toEqual({ config: 'a.yaml', outdir: 'out', quiet: true });
    expect(parseSynthArgs([], {})).toEqual({ config: undefined, outdir: undefined, quiet: false });
  });
});

describe('the output folder', () => {
  const refused = (outdir: string) => {
    try {
      checkOutdir(outdir, root);
    } catch (e) {
      expect(e).toBeInstanceOf(OutdirError);
      return (e as Error).message;
    }
    return 'accepted';
  };

  test.each([
    ['the repository', () => root, 'is the repository'],
    ['a folder above the repository', () => dirname(root), 'or a folder that contains it'],
    ['the filesystem root', () => '/', 'is the filesystem root'],
    ['the sources (config/)', () => join(root, 'config'), 'and no .domus-synth marker, so synth did not create it'],
    ['a folder inside .git', () => join(root, '.git', 'x'), "inside the repository's .git folder"],
    ['a file', () => join(root, 'package.json'), 'it is a file, not a folder'],
    [
      'a symlink to the repository',
      () => {
        const link = join(tmp(), 'link');
        symlinkSync(root, link);
        return link;
      },
      'is the repository',
    ],
    [
      'a folder holding anything else',
      () => {
        const d = tmp();
        writeFileSync(join(d, 'notes.txt'), 'mine');
        return d;
      },
      'holds 1 entry (notes.txt)',
    ],
  ])('refuses %s', (_label, outdir, message) => {
    expect(refused(outdir())).toContain(message);
  });

  test('accepts a new folder, an empty one, and one synth wrote (marker)', () => {
    const d = tmp();
    expect(refused(join(d, 'new'))).toBe('accepted');
    expect(refused(d)).toBe('accepted');
    writeFileSync(join(d, SYNTH_MARKER), '');
    writeFileSync(join(d, 'old.yaml'), '');
    expect(refused(d)).toBe('accepted');
  });

  test('`--outdir .` exits 2 and says why; the repository is untouched', () => {
    const before = readdirSync(root).sort();
    const r = synthCli(['--outdir', root, '--quiet']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('is the repository');
    expect(r.err).toContain('nothing was written');
    expect(readdirSync(root).sort()).toEqual(before);
  });

  test('replacing keeps the same folder (never a moment without it), removes stale files and leftovers', () => {
    const parent = tmp();
    const out = join(parent, 'dist');
    replaceTree(
      out,
      new Map([
        ['a/a.yaml', 'one\n'],
        ['b/b.yaml', 'two\n'],
      ]),
    );
    const inode = statSync(out).ino;
    // What a killed run leaves: its staging folder.
    mkdirSync(join(parent, '.synth-tmp-dist-999999'), { recursive: true });
    replaceTree(
      out,
      new Map([
        ['a/a.yaml', 'ONE\n'],
        ['c.yaml', 'three\n'],
      ]),
    );
    expect(statSync(out).ino).toBe(inode);
    expect(readFileSync(join(out, 'a/a.yaml'), 'utf8')).toBe('ONE\n');
    expect(existsSync(join(out, 'b'))).toBe(false);
    expect(readdirSync(out).sort()).toEqual([SYNTH_MARKER, 'a', 'c.yaml']);
    expect(readdirSync(parent)).toEqual(['dist']);
  });

  test('a lock held by a live process makes the next run wait (and give up with a message); a dead holder is taken over', () => {
    const parent = tmp();
    const out = join(parent, 'dist');
    const lock = join(parent, '.synth-lock-dist');
    writeFileSync(lock, String(process.ppid));
    expect(() => withLock(out, () => 1, 200)).toThrow(`another synth (pid ${process.ppid}) holds ${lock}`);
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    writeFileSync(lock, dead);
    expect(withLock(out, () => 'ran', 200)).toBe('ran');
    expect(existsSync(lock)).toBe(false);
  });

  slowTest(
    'two synth runs into the same folder at once both succeed, one after the other',
    async () => {
      const out = join(tmp(), 'dist');
      const run = () =>
        new Promise<number>((ok) => {
          const p = spawn(process.execPath, [join(root, 'scripts', 'run-ts.js'), 'main.ts', '--outdir', out, '--quiet'], { cwd: root, stdio: 'ignore' });
          p.on('exit', (code) => ok(code ?? -1));
        });
      expect(await Promise.all([run(), run()])).toEqual([0, 0]);
      // The platform chart exists whatever the site enables (a fork may turn Argo CD, hence dist/apps, off).
      expect(readFileSync(join(out, 'platform', 'platform.yaml'), 'utf8')).toBe(readFileSync(join(root, 'dist', 'platform', 'platform.yaml'), 'utf8'));
      expect(readdirSync(dirname(out))).toEqual(['dist']);
    },
    60_000,
  );
});

slowTest(
  '`npx cdk8s synth` with a bad site leaves dist/ exactly as it was (the CLI only empties its scratch folder)',
  () => {
    const copy = tmp();
    for (const f of ['package.json', 'tsconfig.json', 'cdk8s.yaml', 'main.ts', 'charts', 'day0', 'config', 'constructs', 'imports', 'scripts', 'verify', 'conformance', 'dist'])
      cpSync(join(root, f), join(copy, f), { recursive: true });
    symlinkSync(join(root, 'node_modules'), join(copy, 'node_modules'));
    writeFileSync(join(copy, 'site.yaml'), 'cluster:\n  domain: nodots\n');
    const snapshot = () => execFileSync('sh', ['-c', 'find dist -type f | sort | xargs sha256sum'], { cwd: copy }).toString();
    const before = snapshot();
    const r = spawnSync(join(root, 'node_modules', '.bin', 'cdk8s'), ['synth'], {
      cwd: copy,
      env: { ...process.env, CDK8S_CHECK_UPGRADE: 'false', DOMUS_CONFIG: '' },
      encoding: 'utf8',
    });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('cluster.domain: got "nodots"');
    expect(snapshot()).toBe(before);
  },
  60_000,
);

test('upstream: the pinned cdk8s CLI empties its output folder before it runs the app, and names it in $CDK8S_OUTDIR', () => {
  // cdk8s-team/cdk8s-cli src/cli/cmds/synth.ts and src/util.ts, read in the installed build of the pinned
  // version (package-lock: cdk8s-cli 2.207.60). This is why cdk8s.yaml's `output` is a scratch folder.
  const cli = join(root, 'node_modules', 'cdk8s-cli');
  expect((JSON.parse(readFileSync(join(cli, 'package.json'), 'utf8')) as { version: string }).version).toBe('2.207.60');
  const synth = readFileSync(join(cli, 'lib', 'cli', 'cmds', 'synth.js'), 'utf8');
  expect(synth).toContain('const outdir = argv.output ?? config?.output ?? (!stdout ? DEFAULT_OUTPUT_DIR : undefined);');
  expect(synth).toContain('fs.rmSync(outdir, { recursive: true, force: true });');
  expect(readFileSync(join(cli, 'lib', 'util.js'), 'utf8')).toContain('CDK8S_OUTDIR: outdir,');
  expect(readFileSync(join(root, 'cdk8s.yaml'), 'utf8')).toMatch(/^output: build\/cdk8s-out$/m);
});

// Issue 18, item 11: a valid site whose alerts reach nobody synthesizes, loudly (even with --quiet).
test('synth warns on stderr when no alert would reach a person (or no backup exists), and not once receivers, a heartbeat and a backup target are set', () => {
  const dir = tmp();
  const site = join(dir, 'site.yaml');
  writeFileSync(site, 'cluster: { name: warn }\n');
  const bare = synthCli(['--config', site, '--outdir', join(dir, 'a'), '--quiet']);
  expect(bare.code).toBe(0);
  expect(bare.err).toContain('WARNING: ALERTMANAGER HAS NO RECEIVER: no alert reaches a person.');
  expect(bare.err).toContain("WARNING: NO DEAD MAN'S SWITCH");
  expect(bare.err).toContain('WARNING: workloads.backup.target is not set');
  writeFileSync(
    site,
    'cluster: { name: warn }\nworkloads:\n  alertmanager:\n    receivers: [{ type: webhook, name: ntfy, host: ntfy.sh }]\n    heartbeat: { host: hc-ping.com }\n  backup: { target: { endpoint: https://backup.example.org, bucket: domus } }\n',
  );
  const set = synthCli(['--config', site, '--outdir', join(dir, 'b'), '--quiet']);
  expect(set.code).toBe(0);
  expect(set.err).not.toContain('WARNING');
}, 60_000);
