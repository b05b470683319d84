/**
 * Issue 25, item 8: synth and verify are safe tools. synth refuses to write through a symbolic link inside its
 * output folder; verify refuses unknown options, prints --help without reading anything, validates numbers,
 * and --write-docs writes into the --dist it read.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkOutdir, OutdirError, replaceTree, SYNTH_MARKER } from '../charts/outdir';
import { repoRoot } from '../config/load';
import { main, parseVerifyArgs, VERIFY_USAGE, VerifyUsageError } from '../verify/cli';

const root = repoRoot();
const tmp = () => mkdtempSync(join(tmpdir(), 'domus-safety-'));

/** A folder synth wrote (marker) with a link inside pointing at a victim folder outside it. */
function withLink(): { out: string; victim: string } {
  const parent = tmp();
  const out = join(parent, 'dist');
  const victim = join(parent, 'etc');
  mkdirSync(join(out, 'bootstrap'), { recursive: true });
  mkdirSync(victim);
  writeFileSync(join(out, SYNTH_MARKER), '');
  symlinkSync(victim, join(out, 'bootstrap', 'vault'));
  return { out, victim };
}

describe('synth', () => {
  test('refuses an output folder holding a symbolic link, before writing anything', () => {
    const { out, victim } = withLink();
    expect(() => checkOutdir(out, root)).toThrow(OutdirError);
    expect(() => checkOutdir(out, root)).toThrow(/"bootstrap\/vault", a symbolic link/);
    expect(() => replaceTree(out, new Map([['bootstrap/vault/setup.sh', 'echo pwned\n']]))).toThrow(/symbolic link/);
    expect(existsSync(join(victim, 'setup.sh'))).toBe(false);
  });

  test('a link to a file is refused as well', () => {
    const parent = tmp();
    const out = join(parent, 'dist');
    mkdirSync(out);
    writeFileSync(join(out, SYNTH_MARKER), '');
    writeFileSync(join(parent, 'passwd'), 'root:x:0:0\n');
    symlinkSync(join(parent, 'passwd'), join(out, 'a.yaml'));
    expect(() => checkOutdir(out, root)).toThrow(/"a\.yaml", a symbolic link/);
    expect(readFileSync(join(parent, 'passwd'), 'utf8')).toBe('root:x:0:0\n');
  });

  test('a folder without links is still replaced', () => {
    const parent = tmp();
    const out = join(parent, 'dist');
    replaceTree(out, new Map([['a/b.yaml', 'x: 1\n']]));
    expect(checkOutdir(out, root)).toBe(out);
    replaceTree(out, new Map([['a/b.yaml', 'x: 2\n']]));
    expect(readFileSync(join(out, 'a', 'b.yaml'), 'utf8')).toBe('x: 2\n');
  });
});

describe('verify arguments', () => {
  const refused = (argv: string[]) => {
    try {
      parseVerifyArgs(argv);
    } catch (e) {
      expect(e).toBeInstanceOf(VerifyUsageError);
      return (e as Error).message;
    }
    return 'accepted';
  };

  test.each<[string[], RegExp]>([
    [['--dsit', '/tmp/d'], /unknown option "--dsit"/],
    [['dist'], /unexpected argument "dist"/],
    [['--max-request-share', 'abc'], /expected a number in \(0, 1\], got "abc"/],
    [['--max-request-share', '0'], /got "0"/],
    [['--max-request-share', '1.5'], /got "1\.5"/],
    [['--max-request-share', 'NaN'], /got "NaN"/],
    [['--max-request-share', '-0.5'], /needs a value/],
    [['--max-request-share', '1e-1'], /got "1e-1"/],
    [['--max-request-share'], /needs a value/],
    [['--dist'], /--dist needs a value/],
    [['--dist', '--json'], /--dist needs a value/],
    [['--dist=', 'x'], /--dist needs a value/],
    [['--json=yes'], /--json takes no value/],
    [['--json', '--json'], /given twice/],
    [['--dist', 'a', '--dist', 'b'], /given twice/],
    [['--against', 'HEAD', '--no-against'], /exclude each other/],
    [['--can-i', 'a', 'get'], /--can-i needs/],
    [['--can-i', 'a', 'get', 'pods', '--json'], /takes no --json/],
    [['-n', 'x'], /belongs to --can-i/],
  ])('%j is refused', (argv, message) => {
    expect(refused(argv)).toMatch(message);
  });

  test('the accepted forms', () => {
    expect(parseVerifyArgs([])).toEqual({ help: false, dist: 'dist', json: false, noAgainst: false, maxShare: 0.8, writeDocs: false, timings: false });
    expect(parseVerifyArgs(['--dist=out', '--config', 's.yaml', '--max-request-share', '.5', '--against', 'origin/main', '--json'])).toMatchObject({
      dist: 'out',
      config: 's.yaml',
      maxShare: 0.5,
      against: 'origin/main',
      json: true,
    });
    expect(parseVerifyArgs(['--max-request-share=1'])).toMatchObject({ maxShare: 1 });
    expect(parseVerifyArgs(['--can-i', 'system:serviceaccount:a:b', 'get', 'secrets', '-n', 'argocd', '--name', 'x'])).toMatchObject({
      canI: { subject: 'system:serviceaccount:a:b', verb: 'get', resource: 'secrets', namespace: 'argocd', name: 'x' },
    });
  });

  const cli = (argv: string[]) => {
    const out = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const err = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const code = main(argv);
      return { code, out: out.mock.calls.map((c) => String(c[0])).join(''), err: err.mock.calls.map((c) => String(c[0])).join('') };
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
  };

  test('--help prints the usage and reads nothing (a folder that does not exist is not an error)', () => {
    const r = cli(['--help', '--dist', join(tmp(), 'missing')]);
    expect(r).toEqual({ code: 0, out: VERIFY_USAGE, err: '' });
    for (const flag of ['--dist', '--config', '--json', '--against', '--no-against', '--max-request-share', '--write-docs', '--can-i']) expect(VERIFY_USAGE).toContain(flag);
  });

  test('an unknown option exits 2 with the usage, before reading anything', () => {
    const r = cli(['--dsit', join(tmp(), 'missing')]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('unknown option "--dsit"; nothing was read');
    expect(r.err).toContain(VERIFY_USAGE);
  });

  test("--write-docs writes the docs of the --dist it read, into that folder, never the repository's", () => {
    const before = readFileSync(join(root, 'dist', 'docs', 'rbac.md'), 'utf8');
    const copy = join(tmp(), 'dist');
    cpSync(join(root, 'dist'), copy, { recursive: true });
    rmSync(join(copy, 'docs'), { recursive: true, force: true });
    const r = cli(['--write-docs', '--no-against', '--dist', copy]);
    expect(r.code).toBe(0);
    expect(readFileSync(join(copy, 'docs', 'rbac.md'), 'utf8')).toBe(before);
    expect(readFileSync(join(root, 'dist', 'docs', 'rbac.md'), 'utf8')).toBe(before);
  });
});
