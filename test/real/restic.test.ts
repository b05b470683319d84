/**
 * The backup movers' scripts (constructs/backup.ts) with the real restic at the pin (built from its Go module,
 * tools/programs.ts), on a local repository instead of the S3 target: the first run initialises the repository
 * (restic's own exit 10), the retention flags keep what they say, the drill's jq reads the canary tag from
 * restic's real JSON, and a damaged repository fails the drill by name. The pod's absolute folders (/data,
 * /canary, /scratch) are folders of the workspace, and a restored tree carries the workspace prefix.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtTool, toolPath } from '../../tools/paths';
import { EXAMPLE_SITE } from '../../charts/generated-docs';
import { validateSite } from '../../config/load';
import { backedUpVolumes, backupScript, checkScript, drillScript } from '../../constructs/backup';
import { realTool } from './tool';

const restic = realTool('restic');
const site = validateSite(EXAMPLE_SITE);
const prom = backedUpVolumes(site).find((v) => v.key === 'prometheus')!;
const resticPath = (): string => {
  const b = builtTool('restic');
  if (!b) throw new Error(`restic is not built (${toolPath('restic')}): run \`npm run tools\``);
  return b;
};

restic.describe('the movers with the real restic (local repository)', () => {
  let ws: string;
  let bin: string;
  beforeEach(() => {
    ws = mkdtempSync(join(tmpdir(), 'domus-restic-'));
    bin = join(ws, 'bin');
    mkdirSync(bin);
    // The scripts call `restic` from PATH, as in the image.
    expect(restic.run(['version'])).toMatchObject({ status: 0, output: expect.stringContaining('restic 0.18.1') });
    writeFileSync(join(bin, 'restic'), `#!/bin/sh\nexec ${JSON.stringify(resticPath())} "$@"\n`, { mode: 0o755 });
    mkdirSync(join(ws, 'data', 'wal'), { recursive: true });
    writeFileSync(join(ws, 'data', 'wal', '00000001'), 'wal segment');
    mkdirSync(join(ws, 'data', '01JAAAAAAAAAAAAAAAAAAAAAAA'));
    writeFileSync(join(ws, 'data', '01JAAAAAAAAAAAAAAAAAAAAAAA', 'index'), 'block index');
    mkdirSync(join(ws, 'canary'));
    mkdirSync(join(ws, 'scratch'));
    writeFileSync(join(ws, 'password'), 'correct horse battery staple');
  });
  afterEach(() => rmSync(ws, { recursive: true, force: true }));

  const env = (extra: Record<string, string> = {}) => ({
    PATH: `${bin}:${process.env.PATH ?? ''}`,
    RESTIC_REPOSITORY: join(ws, 'repo'),
    RESTIC_PASSWORD_FILE: join(ws, 'password'),
    RESTIC_CACHE_DIR: join(ws, 'cache'),
    HOME: ws,
    ...extra,
  });
  /** The script with the pod's folders as the workspace's; the drill's restored tree carries the same prefix. */
  const local = (script: string) =>
    script
      .replace(/(?<=[\s>=])\/(scratch|canary|data)\b/g, (_, d: string) => join(ws, d))
      .replace(/\$R\/(canary|data)\b/g, (_, d: string) => `$R${join(ws, d)}`)
      // One repository here for the one volume: the drill's per-volume repository line points at it.
      .replace(/^export RESTIC_REPOSITORY=.*$/gm, `export RESTIC_REPOSITORY=${join(ws, 'repo')}`);
  const sh = (script: string, extra: Record<string, string> = {}) => {
    const r = spawnSync('sh', ['-c', local(script)], { encoding: 'utf8', env: env(extra) });
    return { status: r.status, out: r.stdout, err: r.stderr };
  };
  const snapshots = () =>
    JSON.parse(spawnSync(resticPath(), ['snapshots', '--json'], { encoding: 'utf8', env: env() }).stdout) as { tags?: string[]; hostname: string; paths: string[] }[];

  test('the first run initialises the repository; the retention keeps what restic says it keeps', () => {
    const first = sh(backupScript(site, prom));
    expect({ status: first.status, err: first.err }).toMatchObject({ status: 0 });
    expect(first.out).toContain('created restic repository');
    const second = sh(backupScript(site, prom));
    expect(second.status).toBe(0);
    expect(second.out).not.toContain('created restic repository');
    // Two runs on one day under 7 daily / 4 weekly / 6 monthly: restic 0.18 also keeps the oldest snapshot while
    // a bucket has counts left ("oldest daily snapshot", internal/restic/snapshot_policy.go), so both stay.
    expect(snapshots()).toHaveLength(2);
    // One daily, nothing weekly or monthly: only the newest, tagged with the last run's canary.
    const one = validateSite({ workloads: { backup: { target: site.workloads.backup.target!, retention: { daily: 1, weekly: 0, monthly: 0 } } } });
    const third = sh(backupScript(one, prom));
    expect(third.status).toBe(0);
    const nonce = /backed up with canary (\S+)/.exec(third.out)![1]!;
    expect(snapshots().map((x) => ({ host: x.hostname, tags: x.tags, paths: x.paths }))).toEqual([
      { host: 'prometheus', tags: [`canary-${nonce}`], paths: [join(ws, 'canary'), join(ws, 'data')] },
    ]);
  });

  test('the drill restores, reads the canary tag from restic JSON with jq, proves the volume and cleans up', () => {
    expect(sh(backupScript(site, prom)).status).toBe(0);
    const r = sh(drillScript(site, [prom]));
    expect({ status: r.status, err: r.err }).toEqual({ status: 0, err: '' });
    expect(r.out).toMatch(/prometheus: restored, canary \d{8}T\d{6}Z-[0-9a-f]{16}/);
    expect(r.out).toContain('prometheus: WAL present, 1 blocks');
    expect(readdirSync(join(ws, 'scratch'))).toEqual([]);
  });

  test('a damaged repository fails the drill, naming the volume', () => {
    expect(sh(backupScript(site, prom)).status).toBe(0);
    // Every data pack goes: the snapshot's index still lists the blobs, the restore cannot read them.
    const packs = join(ws, 'repo', 'data');
    for (const d of readdirSync(packs)) rmSync(join(packs, d), { recursive: true });
    const r = sh(drillScript(site, [prom]));
    expect(r.status).toBe(1);
    expect(r.err).toContain('prometheus: DRILL FAILED');
  });

  test('the target check accepts a missing repository (exit 10) and refuses a wrong password (exit 12)', () => {
    expect(sh(checkScript(site, [prom])).status).toBe(0);
    expect(sh(backupScript(site, prom)).status).toBe(0);
    writeFileSync(join(ws, 'password'), 'wrong');
    const r = sh(checkScript(site, [prom]));
    expect(r.status).toBe(1);
    expect(r.err).toContain('unreachable: prometheus');
  });
});
