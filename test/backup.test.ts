/**
 * Backups (constructs/backup.ts, ADR-0170): every volume of the stack has a decision, each mover reads its volume
 * as the volume's owner, reaches only the target, holds no API token and no Secret; the site's target is
 * validated with field paths; and the movers' shell scripts are run for real (sh, jq) against a stand-in
 * `restic` that serves fixture snapshots, so the drill's checks are proven to fail on a bad copy.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { parse } from 'yaml';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { siteWarnings } from '../charts/cli';
import { EXAMPLE_SITE } from '../charts/generated-docs';
import { validateSite } from '../config/load';
import { backedUpVolumes, backupScript, checkScript, drillScript, EXAMPLE_BACKUP_TARGET, notBackedUp, repositoryOf, type BackedUpVolume } from '../constructs/backup';
import type { SiteInput } from '../charts/site-schema';
import { cidrs, fqdns, workloadPeer } from '../constructs/lib/network';
import { renderRunbook } from '../day0/bootstrap';
import { runChecks } from '../verify/cli';
import type { Context, KubeObj } from '../verify/types';
import { allObjects, flowAllowed, flows, issuesOf, type KubeObject, podTemplates, synth } from './helpers';
import { siteContext } from './verify/site-context';

const site = validateSite(EXAMPLE_SITE);
const s = synth(EXAMPLE_SITE);
const objects = allObjects(s);
const volumes = backedUpVolumes(site);
const backupObjects = s.charts.find((c) => c.name === 'backup')!.objects as readonly KubeObject[];

interface PodSecurity {
  runAsUser?: number;
  fsGroup?: number;
}
const podSecurity = (o: KubeObject): PodSecurity => {
  const spec =
    o.kind === 'CronJob'
      ? (o.spec as { jobTemplate: { spec: { template: { spec: { securityContext: PodSecurity } } } } }).jobTemplate.spec.template.spec
      : (o.spec as { template: { spec: { securityContext: PodSecurity } } }).template.spec;
  return spec.securityContext;
};

/** The claims a StatefulSet's pods get: `<template>-<set>-<ordinal>`. */
function claimsOf(o: KubeObject): string[] {
  const spec = o.spec as { replicas?: number; volumeClaimTemplates?: { metadata: { name: string } }[] };
  return (spec.volumeClaimTemplates ?? []).flatMap((t) => Array.from({ length: spec.replicas ?? 1 }, (_, i) => `${t.metadata.name}-${o.metadata.name}-${i}`));
}

/** Each mover against its volume's StatefulSet: the claim exists there, and the mover's fsGroup (and user, unless root) is the app's. */
function ownershipProblems(objs: readonly KubeObject[], vs: readonly BackedUpVolume[]): string[] {
  const out: string[] = [];
  for (const v of vs) {
    const set = objs.find((o) => o.kind === 'StatefulSet' && o.metadata.name === v.statefulSet && o.metadata.namespace === v.namespace);
    if (!set) {
      out.push(`${v.key}: no StatefulSet ${v.namespace}/${v.statefulSet}`);
      continue;
    }
    if (!claimsOf(set).includes(v.claim)) out.push(`${v.key}: ${v.statefulSet} has no claim ${v.claim}`);
    const app = podSecurity(set);
    for (const name of [`backup-${v.key}`, `restore-${v.key}`]) {
      const cron = objs.find((o) => o.kind === 'CronJob' && o.metadata.name === name && o.metadata.namespace === v.namespace);
      if (!cron) {
        out.push(`${v.key}: no CronJob ${name}`);
        continue;
      }
      const mover = podSecurity(cron);
      if (mover.fsGroup !== app.fsGroup) out.push(`${name}: fsGroup ${mover.fsGroup}, the app's is ${app.fsGroup}`);
      if (v.user.uid !== 0 && mover.runAsUser !== app.runAsUser) out.push(`${name}: runs as ${mover.runAsUser}, the app as ${app.runAsUser}`);
    }
  }
  return out;
}

/** The three-node example (config/examples/three-node.yaml): replicated managers, distributed MinIO, a cloud target. */
const threeNodeInput = parse(readFileSync(join(__dirname, '..', 'config', 'examples', 'three-node.yaml'), 'utf8')) as SiteInput;
const examples: [string, SiteInput][] = [
  ['the example site', EXAMPLE_SITE],
  ['the three-node example', threeNodeInput],
];

/** The claims of the synthesized stack that are neither backed up nor excused with a reason. */
function undecided(input: SiteInput, drop = 0): string[] {
  const x = synth(input);
  const st = x.stack.ctx.site;
  const claims = allObjects(x)
    .filter((o) => o.kind === 'StatefulSet')
    .flatMap((o) => claimsOf(o).map((c) => `${o.metadata.namespace}/${c}`));
  expect(claims.length).toBeGreaterThan(4);
  const decided = new Set([
    ...backedUpVolumes(st)
      .slice(drop)
      .map((v) => `${v.namespace}/${v.claim}`),
  ]);
  const excused = notBackedUp(st);
  return claims.filter((c) => !decided.has(c) && !(c.split('/')[1]! in excused));
}

test.each(examples)('%s backs up every volume of the stack, or says why not', (_, input) => {
  expect(undecided(input)).toEqual([]);
  // Mutation: a volume dropped from the decision is caught.
  expect(undecided(input, 1)).toHaveLength(1);
});

test.each(examples)('%s: every replica of a manager is its own volume; a Prometheus replica is excused', (_, input) => {
  const st = validateSite(input);
  const vs = backedUpVolumes(st);
  const workers = st.workloads.wazuh.worker.replicas;
  expect(vs.filter((v) => v.statefulSet === 'wazuh-manager-worker').map((v) => v.claim)).toEqual(Array.from({ length: workers }, (_, i) => `data-wazuh-manager-worker-${i}`));
  expect(new Set(vs.map((v) => v.key)).size).toBe(vs.length);
  expect(vs.filter((v) => v.statefulSet === 'prometheus').map((v) => v.claim)).toEqual(['data-prometheus-0']);
});

test('the three-node example verifies with its movers spread where their volumes are (ownership per drive)', () => {
  const x = synth(threeNodeInput);
  expect(ownershipProblems(allObjects(x), backedUpVolumes(x.stack.ctx.site))).toEqual([]);
  expect(backedUpVolumes(x.stack.ctx.site).filter((v) => v.app === 'MinIO')).toHaveLength(6);
});

test("each mover reads its volume as the volume's owner (same fsGroup, same user unless root), on a claim its StatefulSet really has", () => {
  expect(ownershipProblems(objects, volumes)).toEqual([]);
  // Mutations: another fsGroup (the kubelet would re-group the app's files), another user, a wrong claim name.
  const prom = volumes.find((v) => v.key === 'prometheus')!;
  const regrouped = objects.map((o) =>
    o.kind === 'StatefulSet' && o.metadata.name === 'prometheus'
      ? { ...o, spec: { ...(o.spec as object), template: { spec: { securityContext: { runAsUser: 65534, fsGroup: 2000 } } } } }
      : o,
  );
  expect(ownershipProblems(regrouped as KubeObject[], [prom])).toEqual([
    "backup-prometheus: fsGroup 65534, the app's is 2000",
    "restore-prometheus: fsGroup 65534, the app's is 2000",
  ]);
  expect(ownershipProblems(objects, [{ ...prom, claim: 'prometheus-data-0' }])).toEqual(['prometheus: prometheus has no claim prometheus-data-0']);
});

test('movers hold no API token, the chart holds no Secret and no RBAC, and every mover reads its credentials from Vault', () => {
  expect(backupObjects.filter((o) => ['Secret', 'Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding'].includes(o.kind)).map((o) => o.kind)).toEqual([]);
  const templates = podTemplates(backupObjects);
  expect(templates.length).toBe(2 * volumes.length + 2);
  for (const t of templates) {
    expect({ name: t.owner.metadata.name, token: t.spec.automountServiceAccountToken }).toEqual({ name: t.owner.metadata.name, token: false });
    expect(t.metadata.annotations?.['vault.hashicorp.com/agent-pre-populate-only']).toBe('true');
    const env = Object.fromEntries((t.spec.containers[0]!.env ?? []).map((e) => [e.name, e.value]));
    expect(env).toMatchObject({ AWS_SHARED_CREDENTIALS_FILE: '/vault/secrets/s3-credentials', RESTIC_PASSWORD_FILE: '/vault/secrets/restic-password' });
    expect(Object.keys(env).filter((k) => /SECRET|PASSWORD$|ACCESS_KEY/.test(k))).toEqual([]);
  }
});

test("the movers' only way out besides Vault is the target's address and port", () => {
  const nas = cidrs([...EXAMPLE_BACKUP_TARGET.cidrs]);
  for (const v of volumes) {
    const mover = workloadPeer(v.namespace, `backup-${v.key}`);
    expect(flowAllowed(mover, nas, 9000, s)).toBe(true);
    expect(flowAllowed(mover, nas, 22, s)).toBe(false);
    expect(flowAllowed(mover, cidrs(['192.168.10.31/32']), 9000, s)).toBe(false);
  }
  const external = flows(s)
    .filter((f) => f.from.kind === 'workload' && /^(backup|restore)-/.test(f.from.name))
    .map((f) => `${f.to.kind === 'cidr' ? f.to.cidrs.join(',') : f.to.kind === 'fqdn' ? f.to.names.join(',') : f.to.kind}:${f.port.port}`);
  expect([...new Set(external)].sort()).toEqual(['192.168.10.30/32:9000', `${site.vault.cidrs.join(',')}:8200`].sort());
  // Without addresses, the rule is on the endpoint's host name.
  const byName = synth({ workloads: { backup: { target: { endpoint: 'https://backup.example.org', bucket: 'domus' } } } });
  expect(flowAllowed(workloadPeer('monitoring', 'backup-prometheus'), fqdns(['backup.example.org']), 443, byName)).toBe(true);
});

test('no target, no backup app: its chart and namespace are absent, and synth warns that no copy exists', () => {
  const none = synth();
  expect(none.charts.map((c) => c.name)).not.toContain('backup');
  expect(allObjects(none).filter((o) => o.kind === 'Namespace' && o.metadata.name === 'backup')).toEqual([]);
  expect(siteWarnings(none.stack.ctx.site)).toContainEqual(expect.stringMatching(/^workloads\.backup\.target is not set/));
  expect(siteWarnings(site).filter((w) => w.includes('backup'))).toEqual([]);
});

describe('the target in site.yaml is validated with field paths', () => {
  const target = (t: Record<string, unknown>) => ({ workloads: { backup: { target: { endpoint: 'https://backup.example.org', bucket: 'domus', ...t } } } });
  test.each([
    ['an http endpoint', target({ endpoint: 'http://nas.example.org' }), 'workloads.backup.target.endpoint'],
    ["the stack's own MinIO", target({ endpoint: 'https://s3.domus.lan' }), 'workloads.backup.target.endpoint'],
    ['a node address', target({ endpoint: 'https://192.168.10.20:9000', caCert: EXAMPLE_BACKUP_TARGET.caCert }), 'workloads.backup.target.endpoint'],
    ['a private name without its CA', target({ endpoint: 'https://nas.domus.lan:9000' }), 'workloads.backup.target.caCert'],
    ['a bucket name S3 refuses', target({ bucket: 'Backups_1' }), 'workloads.backup.target.bucket'],
    ['an address that is not a CIDR', target({ cidrs: ['nas'] }), 'workloads.backup.target.cidrs[0]'],
    ['an unknown field', target({ password: 'x' }), 'workloads.backup.target.password'],
  ])('%s', (_, input, path) => {
    expect(issuesOf(input).map((i) => i.path)).toContain(path);
  });
  test.each([
    ['a schedule with six fields', { schedule: '0 30 2 * * *' }, 'workloads.backup.schedule'],
    ['an hour out of range', { schedule: '0 24 * * *' }, 'workloads.backup.schedule'],
    ['a drill schedule with a name', { drill: { schedule: '@weekly' } }, 'workloads.backup.drill.schedule'],
    ['a maximum age without unit', { maxAge: '26' }, 'workloads.backup.maxAge'],
    ['nothing kept', { retention: { daily: 0, weekly: 0, monthly: 0 } }, 'workloads.backup.retention'],
  ])('%s', (_, b, path) => {
    expect(issuesOf({ workloads: { backup: { target: { endpoint: 'https://backup.example.org', bucket: 'domus' }, ...b } } }).map((i) => i.path)).toContain(path);
  });
  test('the example target and valid schedules pass', () => {
    expect(() => validateSite({ workloads: { backup: { target: EXAMPLE_BACKUP_TARGET, schedule: '15,45 */6 1-7 * 0' } } })).not.toThrow();
  });
});

test('the runbook has a restore section per app, with the real names of the volume, its claim and its CronJob', () => {
  const runbook = renderRunbook(s.stack.ctx);
  for (const app of ['Wazuh', 'MinIO', 'Prometheus', 'Loki']) expect(runbook).toContain(`## Restore ${app} after a disk loss`);
  for (const v of volumes) expect(runbook).toContain(`kubectl -n ${v.namespace} create job restore-${v.key}-now --from=cronjob/restore-${v.key}`);
});

describe('npm run verify on the example site with backups', () => {
  const base = siteContext(site, s.files);
  const verify = (mutate?: (objs: KubeObj[]) => void): string[] => {
    const objs = base.docs.map((d) => structuredClone(d.obj));
    mutate?.(objs);
    const ctx: Context = { ...base, docs: objs.map((obj, i) => ({ obj, file: base.docs[i]!.file, line: base.docs[i]!.line })) };
    return runChecks(ctx, { maxShare: 0.8 })
      .findings.filter((f) => f.severity === 'error')
      .map((f) => `${f.check}: ${f.message}${f.object ? ` [${f.object}]` : ''}`);
  };
  type CronSpec = {
    suspend?: boolean;
    jobTemplate: { spec: { template: { spec: { securityContext: { fsGroup?: number }; containers: { volumeMounts?: { name: string; readOnly?: boolean }[] }[] } } } };
  };
  const cron = (objs: KubeObj[], name: string) => objs.find((o) => o.kind === 'CronJob' && o.metadata.name === name)!.spec as CronSpec;

  test('accepts it (pod security, flows, Vault, RBAC, capacity, ...)', () => {
    expect(verify()).toEqual([]);
  });
  test("refuses a mover whose fsGroup differs from the app it reads (the kubelet would re-group the app's files)", () => {
    expect(verify((o) => void (cron(o, 'backup-wazuh-manager-master').jobTemplate.spec.template.spec.securityContext.fsGroup = 0))).toEqual([
      "pod-security: mounts data-wazuh-manager-master-0 of StatefulSet wazuh-manager-master with fsGroup 0, not the app's 101: the kubelet would re-group the app's files [CronJob security/backup-wazuh-manager-master]",
    ]);
  });
  test("refuses a scheduled job that mounts an app's claim writable; a suspended restore may", () => {
    const writable = (o: KubeObj[]) => {
      const c = cron(o, 'backup-minio');
      for (const m of c.jobTemplate.spec.template.spec.containers[0]!.volumeMounts!) if (m.name === 'data') delete m.readOnly;
    };
    expect(verify(writable)).toEqual([
      'pod-security: mounts data-minio-0 of StatefulSet minio writable while the app runs (only a suspended restore CronJob may) [CronJob storage/backup-minio]',
    ]);
    expect(verify((o) => void delete cron(o, 'restore-minio').suspend)).toEqual([
      'pod-security: mounts data-minio-0 of StatefulSet minio writable while the app runs (only a suspended restore CronJob may) [CronJob storage/restore-minio]',
    ]);
  });
});

// ---------------------------------------------------------------------------------------------------------
// The scripts, run by sh with a stand-in restic
// ---------------------------------------------------------------------------------------------------------

/**
 * A `restic` that serves fixture snapshots from `$FIX/<host>/` (restore copies the tree, snapshots prints
 * `$FIX/<host>/tags` as the snapshot's tags), answers `cat config` with `$FIX/rc-cat` (default 0), and logs
 * every call to `$FIX/calls`.
 */
const FAKE_RESTIC = `#!/bin/sh
echo "$*" >> "$FIX/calls"
host=""; target=""; prev=""; last=""
for a in "$@"; do
  last="$a"
  [ "$prev" = "--host" ] && host="$a"
  [ "$prev" = "--target" ] && target="$a"
  prev="$a"
done
case "$1" in
  cat) exit "$(cat "$FIX/rc-cat" 2>/dev/null || echo 0)" ;;
  snapshots) [ -f "$FIX/$host/tags" ] || exit 1; printf '[{"tags":%s}]\\n' "$(cat "$FIX/$host/tags")" ;;
  restore) [ -d "$FIX/$host/tree" ] || exit 1; mkdir -p "$target" && cp -R "$FIX/$host/tree/." "$target/" ;;
  backup) cp "$last/domus-canary" "$FIX/backed-up-canary" ;;
esac
exit 0
`;

function workspace(): { dir: string; bin: string; fix: string } {
  const dir = mkdtempSync(join(tmpdir(), 'domus-backup-'));
  const bin = join(dir, 'bin');
  const fix = join(dir, 'fix');
  mkdirSync(bin);
  mkdirSync(fix);
  writeFileSync(join(bin, 'restic'), FAKE_RESTIC);
  chmodSync(join(bin, 'restic'), 0o755);
  return { dir, bin, fix };
}

/** A good snapshot of a volume: the canary matching the tag, and what the volume's proof looks for. */
function goodSnapshot(fix: string, v: BackedUpVolume, nonce = `n-${v.key}`): void {
  const tree = join(fix, v.key, 'tree');
  const data = join(tree, 'data');
  mkdirSync(join(tree, 'canary'), { recursive: true });
  writeFileSync(join(tree, 'canary', 'domus-canary'), `${nonce}\n`);
  writeFileSync(join(fix, v.key, 'tags'), JSON.stringify([`canary-${nonce}`]));
  mkdirSync(data, { recursive: true });
  if (v.app === 'Prometheus') {
    mkdirSync(join(data, 'wal'));
    mkdirSync(join(data, '01HZZZZZZZZZZZZZZZZZZZZZZZ'));
  }
  if (v.app === 'Loki') writeFileSync(join(data, 'index'), 'x');
  if (v.app === 'MinIO') {
    mkdirSync(join(data, '.minio.sys'));
    writeFileSync(join(data, '.minio.sys', 'format.json'), '{"version":"1"}');
    mkdirSync(join(data, 'loki'));
  }
  if (v.app === 'Wazuh') {
    mkdirSync(join(data, 'var-ossec-logs', 'alerts'), { recursive: true });
    writeFileSync(join(data, 'var-ossec-logs', 'alerts', 'alerts.json'), '{"rule":{"id":"502"}}\n{"rule":{"id":"503"}}\n');
    mkdirSync(join(data, 'var-ossec-etc'));
    writeFileSync(join(data, 'var-ossec-etc', 'client.keys'), '001 agent-1 any key\n');
  }
}

function run(script: string, ws: { dir: string; bin: string; fix: string }, env: Record<string, string> = {}): { status: number | null; out: string; err: string } {
  // The scripts use absolute folders of the pod (/scratch, /canary): the same folders under the workspace.
  // (absolute only: after a space, `>` or `=`; "$R/canary" inside a restored tree stays as it is).
  const text = script.replace(/(?<=[\s>=])\/(scratch|canary)\b/g, (_, d: string) => join(ws.dir, d));
  const r = spawnSync('sh', ['-c', text], { encoding: 'utf8', env: { PATH: `${ws.bin}:${process.env.PATH ?? ''}`, FIX: ws.fix, ...env } });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

describe('the restore drill (sh, jq, a stand-in restic)', () => {
  const script = drillScript(site, volumes);
  let ws: ReturnType<typeof workspace>;
  beforeEach(() => {
    ws = workspace();
    for (const v of volumes) goodSnapshot(ws.fix, v);
  });
  afterEach(() => rmSync(ws.dir, { recursive: true, force: true }));

  test('passes when every volume restores with its canary and its proof, and leaves no copy behind', () => {
    const r = run(script, ws);
    expect({ status: r.status, err: r.err }).toEqual({ status: 0, err: '' });
    for (const v of volumes) expect(r.out).toContain(`${v.key}: restored, canary n-${v.key}`);
    expect(r.out).toContain('wazuh-manager-master: 2 alert documents to re-index');
    expect(r.out).toContain('agent keys: 1 agents');
    expect(spawnSync('ls', [join(ws.dir, 'scratch')], { encoding: 'utf8' }).stdout.trim()).toBe('');
    // Each repository is the volume's own.
    expect(script).toContain(`export RESTIC_REPOSITORY=${repositoryOf(site.workloads.backup.target!, volumes[0]!)}`);
  });

  test.each([
    ['a canary from another run', (fix: string, v: BackedUpVolume) => writeFileSync(join(fix, v.key, 'tree', 'canary', 'domus-canary'), 'older\n'), 'minio'],
    ['a snapshot that does not restore', (fix: string, v: BackedUpVolume) => rmSync(join(fix, v.key, 'tree'), { recursive: true }), 'loki'],
    ['a snapshot without its canary tag', (fix: string, v: BackedUpVolume) => writeFileSync(join(fix, v.key, 'tags'), '["manual"]'), 'prometheus'],
    ['MinIO without format.json', (fix: string, v: BackedUpVolume) => rmSync(join(fix, v.key, 'tree', 'data', '.minio.sys'), { recursive: true }), 'minio'],
    ['Prometheus without its WAL', (fix: string, v: BackedUpVolume) => rmSync(join(fix, v.key, 'tree', 'data', 'wal'), { recursive: true }), 'prometheus'],
    [
      'a Wazuh manager without an alert document',
      (fix: string, v: BackedUpVolume) => writeFileSync(join(fix, v.key, 'tree', 'data', 'var-ossec-logs', 'alerts', 'alerts.json'), ''),
      'wazuh-manager-worker',
    ],
    [
      'the Wazuh master without agent keys',
      (fix: string, v: BackedUpVolume) => rmSync(join(fix, v.key, 'tree', 'data', 'var-ossec-etc'), { recursive: true }),
      'wazuh-manager-master',
    ],
  ])('fails on %s, naming the volume, and still checks the others', (_, spoil, key) => {
    spoil(
      ws.fix,
      volumes.find((v) => v.key === key)!,
    );
    const r = run(script, ws);
    expect(r.status).toBe(1);
    expect(r.err).toContain(`${key}: DRILL FAILED`);
    expect(r.err).toContain(`failed: ${key}`);
    for (const v of volumes.filter((x) => x.key !== key)) expect(r.out).toContain(`${v.key}: restored`);
  });
});

describe('the backup script (sh, a stand-in restic)', () => {
  const prom = volumes.find((v) => v.key === 'prometheus')!;
  let ws: ReturnType<typeof workspace>;
  beforeEach(() => {
    ws = workspace();
    mkdirSync(join(ws.dir, 'canary'));
  });
  afterEach(() => rmSync(ws.dir, { recursive: true, force: true }));
  const calls = () => readFileSync(join(ws.fix, 'calls'), 'utf8').trim().split('\n');

  test('backs up the volume and a fresh canary as one snapshot tagged with it, then applies the retention', () => {
    const r = run(backupScript(site, prom), ws);
    expect(r.status).toBe(0);
    const nonce = readFileSync(join(ws.fix, 'backed-up-canary'), 'utf8').trim();
    expect(nonce).toMatch(/^\d{8}T\d{6}Z-[0-9a-f]{16}$/);
    const r2 = site.workloads.backup.retention;
    expect(calls()).toEqual([
      'cat config',
      'unlock',
      `backup --host prometheus --tag canary-${nonce} /data ${join(ws.dir, 'canary')}`,
      `forget --host prometheus --keep-daily ${r2.daily} --keep-weekly ${r2.weekly} --keep-monthly ${r2.monthly} --prune`,
    ]);
  });
  test('initialises a repository that does not exist yet (restic exit 10), and stops on any other error', () => {
    writeFileSync(join(ws.fix, 'rc-cat'), '10');
    expect(run(backupScript(site, prom), ws).status).toBe(0);
    expect(calls()[1]).toBe('init');
    rmSync(join(ws.fix, 'calls'));
    writeFileSync(join(ws.fix, 'rc-cat'), '12');
    // The CronJob sets the repository in the pod's env.
    const r = run(backupScript(site, prom), ws, { RESTIC_REPOSITORY: repositoryOf(site.workloads.backup.target!, prom) });
    expect(r.status).toBe(12);
    expect(r.err).toContain(`repository ${repositoryOf(site.workloads.backup.target!, prom)} unreachable (restic exit 12)`);
    expect(calls()).toEqual(['cat config']);
  });
  test('the target check passes on a reachable target (0, or 10 before the first backup) and fails otherwise', () => {
    writeFileSync(join(ws.fix, 'rc-cat'), '10');
    expect(run(checkScript(site, volumes), ws).status).toBe(0);
    writeFileSync(join(ws.fix, 'rc-cat'), '1');
    const r = run(checkScript(site, volumes), ws);
    expect(r.status).toBe(1);
    expect(r.err).toContain(`unreachable: ${volumes.map((v) => v.key).join(' ')}`);
  });
});
