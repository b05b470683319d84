/**
 * MinIO (chart `storage`): layouts, credentials from Vault only, the bucket Job as an idempotent Argo CD hook,
 * data that outlives the StatefulSet, and exactly the declared flows.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'cdk8s';
import { APPS } from '../constructs/registry';
import { minioApp } from '../constructs/minio';
import { StackChart } from '../charts/stack-chart';
import { PROTECTED_KINDS } from '../charts/waves';
import { validateSite } from '../config/load';
import { minioErasureLayout, SiteInput } from '../config/schema';
import { StackContext } from '../constructs/lib/context';
import { workloadPeer } from '../constructs/lib/network';
import { Workload } from '../constructs/lib/workload';
import { bucketScript, userKeysFile } from '../constructs/minio-buckets';
import { LOKI_S3_KEYS } from '../constructs/loki';
import { MC_FACTS } from '../conformance/facts/minio';
import { chartObjects, findResource, flowAllowed, issuesOf, podTemplate, podTemplates, synth } from './helpers';

const NS = 'storage';
const minioPeer = workloadPeer(NS, 'minio');
const bucketsPeer = workloadPeer(NS, 'minio-buckets');

function nodes(n: number): SiteInput['nodes'] {
  return Array.from({ length: n }, (_, i) => ({ name: `node-${i + 1}`, ip: `192.168.10.${21 + i}` }));
}

interface StatefulSetSpec {
  replicas: number;
  podManagementPolicy: string;
  serviceName: string;
  persistentVolumeClaimRetentionPolicy: { whenDeleted: string; whenScaled: string };
  volumeClaimTemplates: { metadata: { name: string }; spec: { storageClassName: string; resources: { requests: { storage: string } } } }[];
}
const statefulSet = (s = synth()) => findResource('StatefulSet', 'minio', NS, s).spec as StatefulSetSpec;
const serverArgs = (s = synth()) => podTemplate('StatefulSet', 'minio', NS, s).spec.containers[0]!.args;

describe('standalone (default)', () => {
  test('one pod, one drive at /data, API on 9000 and console on 9001', () => {
    const ss = statefulSet();
    expect(ss.replicas).toBe(1);
    expect(ss.serviceName).toBe('minio-headless');
    expect(serverArgs()).toEqual(['server', '/data', '--address', ':9000', '--console-address', ':9001']);
    expect(ss.volumeClaimTemplates.map((v) => v.metadata.name)).toEqual(['data']);
    const c = podTemplate('StatefulSet', 'minio', NS).spec.containers[0]!;
    expect(c.volumeMounts).toContainEqual({ name: 'data', mountPath: '/data' });
  });

  test('headless Service publishes not-ready peers; ClusterIP Service carries api and console', () => {
    const headless = findResource('Service', 'minio-headless', NS).spec as { clusterIP: string; publishNotReadyAddresses: boolean };
    expect(headless.clusterIP).toBe('None');
    expect(headless.publishNotReadyAddresses).toBe(true);
    const svc = findResource('Service', 'minio', NS).spec as { type: string; ports: { name: string; port: number }[] };
    expect(svc.type).toBe('ClusterIP');
    expect(svc.ports.map((p) => [p.name, p.port])).toEqual([
      ['api', 9000],
      ['console', 9001],
    ]);
  });

  test('UID/GID 1000 with fsGroup, read-only root with writable /tmp, health probes, resources from config', () => {
    const t = podTemplate('StatefulSet', 'minio', NS);
    const site = synth().stack.ctx.site;
    expect(t.spec.securityContext).toMatchObject({ runAsUser: 1000, runAsNonRoot: true, fsGroup: 1000 });
    const c = t.spec.containers[0]!;
    expect(c.securityContext?.readOnlyRootFilesystem).toBe(true);
    expect(c.volumeMounts).toContainEqual({ name: 'rw-tmp', mountPath: '/tmp' });
    expect(c.env).toContainEqual({ name: 'HOME', value: '/tmp' });
    expect(c.livenessProbe).toMatchObject({ httpGet: { path: '/minio/health/live', port: 'api' } });
    expect(c.readinessProbe).toMatchObject({ httpGet: { path: '/minio/health/ready', port: 'api' } });
    expect(c.resources).toEqual(site.workloads.minio.resources);
    expect(c.resources?.requests?.memory).not.toBe('16Gi');
  });

  test('the console talks to the API inside the pod: MINIO_SERVER_URL is not set', () => {
    const env = podTemplate('StatefulSet', 'minio', NS).spec.containers[0]!.env ?? [];
    expect(env.map((e) => e.name)).not.toContain('MINIO_SERVER_URL');
    expect(env).toContainEqual({ name: 'MINIO_BROWSER_REDIRECT_URL', value: 'https://minio.domus.lan' });
  });

  test('the standalone validator refuses more than one pod or drive, naming each field', () => {
    const issues = issuesOf({ workloads: { minio: { pods: 2, drivesPerPod: 2 } } });
    expect(issues.map((i) => [i.path, i.value])).toEqual([
      ['workloads.minio.pods', 2],
      ['workloads.minio.drivesPerPod', 2],
    ]);
    expect(issues[0]!.expected).toContain('standalone');
  });
});

describe('distributed', () => {
  const distributed = (pods: number, drivesPerPod: number, nodeCount = pods): SiteInput => ({
    nodes: nodes(nodeCount),
    workloads: { minio: { mode: 'distributed', pods, drivesPerPod } },
  });

  test('4 pods × 1 drive: host range over the headless Service, one claim per pod, parallel start, spread over nodes', () => {
    const s = synth(distributed(4, 1));
    expect(serverArgs(s)).toEqual(['server', 'http://minio-{0...3}.minio-headless.storage.svc.cluster.local/data-0', '--address', ':9000', '--console-address', ':9001']);
    const ss = statefulSet(s);
    expect(ss.replicas).toBe(4);
    expect(ss.podManagementPolicy).toBe('Parallel');
    expect(ss.volumeClaimTemplates.map((v) => v.metadata.name)).toEqual(['data-0']);
    const spec = podTemplate('StatefulSet', 'minio', NS, s).spec as { affinity?: { podAntiAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: unknown[] } } };
    expect(spec.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution).toHaveLength(1);
    expect(findResource('PodDisruptionBudget', 'minio', NS, s)).toBeDefined();
  });

  test('2 pods × 2 drives: both ranges, two claims mounted at /data-0 and /data-1', () => {
    const s = synth(distributed(2, 2));
    expect(serverArgs(s)![1]).toBe('http://minio-{0...1}.minio-headless.storage.svc.cluster.local/data-{0...1}');
    expect(statefulSet(s).volumeClaimTemplates.map((v) => v.metadata.name)).toEqual(['data-0', 'data-1']);
    const mounts = podTemplate('StatefulSet', 'minio', NS, s).spec.containers[0]!.volumeMounts ?? [];
    expect(mounts.filter((m) => m.name.startsWith('data'))).toEqual([
      { name: 'data-0', mountPath: '/data-0' },
      { name: 'data-1', mountPath: '/data-1' },
    ]);
  });

  test('1 pod × 4 drives: path-style drive range, no host lookup', () => {
    const s = synth(distributed(1, 4));
    expect(serverArgs(s)![1]).toBe('/data-{0...3}');
    expect(statefulSet(s).replicas).toBe(1);
  });

  test('pods talk to each other on 9000 only in multi-pod mode', () => {
    expect(flowAllowed(minioPeer, minioPeer, 9000, synth(distributed(4, 1)))).toBe(true);
    expect(flowAllowed(minioPeer, minioPeer, 9000, synth(distributed(1, 4)))).toBe(false);
    expect(flowAllowed(minioPeer, minioPeer, 9000)).toBe(false);
  });

  test('the validator refuses 2 pods × 1 drive, naming the field and what is allowed', () => {
    const issues = issuesOf(distributed(2, 1));
    expect(issues).toEqual([{ path: 'workloads.minio.pods', value: 2, expected: expect.stringContaining('at least 4 drives in total') }]);
    expect(issues[0]!.expected).toContain('2 × 1 = 2');
  });

  test('the validator refuses layouts MinIO would not start, and more pods than nodes under required anti-affinity', () => {
    const soft = { cluster: { antiAffinity: 'preferred' as const } };
    // 17 drives: no erasure set size from 2 to 16 divides them.
    expect(issuesOf({ ...distributed(17, 1, 1), ...soft })[0]).toMatchObject({
      path: 'workloads.minio.pods',
      value: 17,
      expected: expect.stringContaining('divisible by an erasure set size'),
    });
    // 34 drives are divisible by 2, but sets of 2 cannot span 17 pods evenly.
    expect(issuesOf({ ...distributed(17, 2, 1), ...soft })[0]).toMatchObject({
      path: 'workloads.minio.pods',
      expected: expect.stringContaining('spread erasure sets over evenly'),
    });
    expect(issuesOf(distributed(1, 2, 1))[0]).toMatchObject({ path: 'workloads.minio.drivesPerPod', value: 2 });
    expect(issuesOf(distributed(4, 1, 2))[0]).toMatchObject({ path: 'workloads.minio.pods', value: 4, expected: expect.stringContaining('at most 2') });
    expect(() => validateSite({ ...distributed(4, 1, 1), ...soft })).not.toThrow();
  });

  test.each([
    [4, 1, 4, 1],
    [2, 2, 4, 1],
    [1, 4, 4, 1],
    [3, 2, 6, 1],
    [5, 4, 10, 2],
    [32, 1, 16, 2],
    // 96 drives: 16 divides the total but not evenly over 6 pods, so MinIO settles on 12 (divisible by 6).
    [6, 16, 12, 8],
  ])('%i pods × %i drives → erasure sets of %i drives, %i set(s) (MinIO picks the largest symmetric size)', (pods, drives, setSize, sets) => {
    expect(minioErasureLayout(pods, drives)).toEqual({ setSize, sets });
  });
});

describe('credentials come from Vault only', () => {
  const storage = chartObjects('storage');
  const templates = podTemplates(storage);

  test('no Secret objects and no credential literals in the chart', () => {
    expect(storage.filter((o) => o.kind === 'Secret')).toEqual([]);
    for (const t of templates) {
      for (const c of [...t.spec.containers, ...(t.spec.initContainers ?? [])]) {
        const literal = (c.env ?? []).filter((e) => /PASSWORD|SECRET|ROOT_USER|ACCESS_KEY|TOKEN/i.test(e.name) && e.value !== undefined);
        expect(literal).toEqual([]);
      }
    }
    // The only place the credential variables appear is the Vault template that fills them at runtime.
    const text = JSON.stringify(storage);
    const assignments = text.match(/MINIO_ROOT_(USER|PASSWORD)=[^\\"]*/g) ?? [];
    expect(assignments.length).toBeGreaterThan(0);
    for (const a of assignments) expect(a).toMatch(/=\{\{ \.Data\.data\.root_(user|password) \}\}$/);
  });

  test('MinIO reads its root credentials from the Vault-rendered env file', () => {
    const t = podTemplate('StatefulSet', 'minio', NS);
    expect(t.spec.containers[0]!.env).toContainEqual({ name: 'MINIO_CONFIG_ENV_FILE', value: '/vault/secrets/config.env' });
    expect(t.metadata.annotations?.['vault.hashicorp.com/agent-inject-secret-config.env']).toBe('kv/data/storage/minio');
  });

  test('every Vault-annotated pod has a role, a secret path, its own ServiceAccount and egress to Vault', () => {
    const s = synth();
    const annotated = templates.filter((t) => t.metadata.annotations?.['vault.hashicorp.com/agent-inject'] === 'true');
    expect(annotated.map((t) => t.owner.metadata.name).sort()).toEqual(['minio', 'minio-buckets']);
    for (const t of annotated) {
      const a = t.metadata.annotations!;
      const name = t.owner.metadata.name;
      expect(a['vault.hashicorp.com/role']).toBe(`${NS}-${name}`);
      const paths = Object.entries(a)
        .filter(([k]) => k.startsWith('vault.hashicorp.com/agent-inject-secret-'))
        .map(([, v]) => v);
      expect(paths).toEqual(['kv/data/storage/minio']);
      expect(t.spec.serviceAccountName).toBe(name);
      expect(t.spec.serviceAccountName).not.toBe('default');
      expect(findResource('ServiceAccount', name, NS)).toBeDefined();
      expect(t.spec.automountServiceAccountToken).toBe(false);
      expect(flowAllowed(workloadPeer(NS, name), s.stack.ctx.vaultPeer, s.stack.ctx.vaultPort.port, s)).toBe(true);
    }
    expect(
      s.stack.ctx.vault
        .all()
        .filter((b) => b.namespace === NS)
        .map((b) => [b.role, b.paths]),
    ).toEqual([
      ['storage-minio', [{ path: 'kv/data/storage/minio', capability: 'read' }]],
      ['storage-minio-buckets', [{ path: 'kv/data/storage/minio', capability: 'read' }]],
    ]);
  });
});

describe('data outlives the StatefulSet and Argo CD', () => {
  test('claims are retained when the set is deleted or scaled down', () => {
    expect(statefulSet().persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
    for (const v of statefulSet().volumeClaimTemplates) {
      expect(v.spec.storageClassName).toBe('local-path');
      expect(v.spec.resources.requests.storage).toBe('50Gi');
    }
  });

  test('no PersistentVolumeClaim is an Argo-managed object, so Argo CD can never prune one', () => {
    // The StatefulSet controller creates data-minio-N from the claim templates: they carry no Argo tracking
    // and are not in git, so pruning or deleting the Application leaves them. PVCs written to git would get
    // Prune=false,Delete=false from charts/waves.ts.
    expect(chartObjects('storage').filter((o) => o.kind === 'PersistentVolumeClaim')).toEqual([]);
    expect(PROTECTED_KINDS.has('PersistentVolumeClaim')).toBe(true);
  });
});

describe('bucket Job', () => {
  const job = () => findResource('Job', 'minio-buckets', NS);

  test('is an Argo CD PostSync hook that replaces its previous run', () => {
    expect(job().metadata.annotations).toMatchObject({
      'argocd.argoproj.io/hook': 'PostSync',
      'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation',
    });
  });

  test('creates every declared bucket idempotently and sets versioning as declared', () => {
    const t = podTemplate('Job', 'minio-buckets', NS);
    const c = t.spec.containers[0]!;
    expect(c.image).toMatch(/^quay\.io\/minio\/mc:RELEASE\./);
    expect(c.livenessProbe).toBeUndefined();
    expect(t.metadata.annotations?.['vault.hashicorp.com/agent-pre-populate-only']).toBe('true');
    const script = c.command!.join(' ');
    expect(script).toContain('mc --no-color mb --ignore-existing minio/backups');
    expect(script).toContain('mc --no-color mb --ignore-existing minio/loki');
    expect(script).toContain('mc --no-color version enable minio/backups');
    expect(script).not.toContain('version enable minio/loki');
    expect(script).not.toMatch(/\bmb (?!--ignore-existing)/);
  });

  test('reaches the MinIO API and nothing else but Vault', () => {
    const s = synth();
    expect(flowAllowed(bucketsPeer, minioPeer, 9000, s)).toBe(true);
    expect(flowAllowed(bucketsPeer, minioPeer, 9001, s)).toBe(false);
    const egress = s.stack.ctx.net.effectiveFlows().filter((f) => f.from.kind === 'workload' && f.from.name === 'minio-buckets');
    expect(egress.map((f) => `${f.to.kind}:${f.port.port}`).sort()).toEqual(['cidr:8200', 'workload:9000']);
  });

  describe('running the script against a fake mc', () => {
    const SECRET = 'S3cr3t-never-in-logs';
    const dir = mkdtempSync(join(tmpdir(), 'minio-buckets-'));
    const keys = join(dir, 'mc-keys');
    writeFileSync(keys, `admin\n${SECRET}\n`);
    // The fake mc logs its arguments, keeps what it read on stdin, and for `alias set` prints the keys back
    // (as mc does for an invalid key) to prove the script hides that output.
    const mc = join(dir, 'mc');
    writeFileSync(
      mc,
      [
        '#!/bin/sh',
        'echo "$*" >> "$MC_LOG"',
        'case "$*" in',
        '  *"alias set"*|*"admin user add"*) cat >> "$MC_LOG.stdin"; echo "Invalid secret key $(cat "$MC_LOG.stdin")"; echo "err $(cat "$MC_LOG.stdin")" >&2; exit "${ALIAS_RC:-0}" ;;',
        '  *"version info"*) echo "$4 versioning is ${LOKI_STATE:-un-versioned}"; exit "${INFO_RC:-0}" ;;',
        'esac',
      ].join('\n'),
    );
    chmodSync(mc, 0o755);
    const script = bucketScript(synth().stack.ctx.site, 'http://minio.storage.svc:9000').replace('/vault/secrets/mc-keys', keys);

    const run = (name: string, env: Record<string, string> = {}) => {
      const log = join(dir, `${name}.log`);
      let output: string;
      let ok = true;
      try {
        output = execFileSync('/bin/sh', ['-c', script], { env: { PATH: `${dir}:/usr/bin:/bin`, MC_LOG: log, ...env }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      } catch (e) {
        ok = false;
        const err = e as { stdout: string; stderr: string };
        output = `${err.stdout}${err.stderr}`;
      }
      const calls = readFileSync(log, 'utf8').trim().split('\n');
      return { ok, output, calls, stdin: readFileSync(`${log}.stdin`, 'utf8') };
    };

    test('keys reach mc on stdin, never as arguments and never in the output', () => {
      const r = run('first');
      expect(r.ok).toBe(true);
      expect(r.stdin).toContain(SECRET);
      expect(r.calls.join('\n')).not.toContain(SECRET);
      expect(r.output).not.toContain(SECRET);
    });

    test('a failing alias set fails the Job without printing the keys', () => {
      const r = run('failing', { ALIAS_RC: '1' });
      expect(r.ok).toBe(false);
      expect(r.output).toContain('mc alias set minio http://minio.storage.svc:9000 failed');
      expect(r.output).not.toContain(SECRET);
      expect(r.calls).toHaveLength(1);
    });

    test('a second run issues the same idempotent calls', () => {
      const a = run('a');
      const b = run('b');
      expect(b.calls).toEqual(a.calls);
      expect(a.calls).toEqual([
        '--no-color alias set minio http://minio.storage.svc:9000',
        '--no-color mb --ignore-existing minio/backups',
        '--no-color version enable minio/backups',
        '--no-color mb --ignore-existing minio/loki',
        '--no-color version info minio/loki',
      ]);
    });

    test('a failing version info fails the Job (a command substitution in a case word escapes set -e)', () => {
      const r = run('info-fails', { INFO_RC: '1', LOKI_STATE: 'enabled' });
      expect(r.ok).toBe(false);
      expect(r.calls).not.toContain('--no-color version suspend minio/loki');
      expect(r.output).not.toContain('in place');
    });

    test('versioning switched off in the config suspends a bucket that has it on, and only then', () => {
      expect(run('enabled', { LOKI_STATE: 'enabled' }).calls).toContain('--no-color version suspend minio/loki');
      expect(run('suspended', { LOKI_STATE: 'suspended' }).calls).not.toContain('--no-color version suspend minio/loki');
    });

    // Issue 18, item 13: with Loki on MinIO the Job creates Loki's user from Loki's own Vault keys.
    describe("Loki's user, from the keys Loki reads", () => {
      const lokiSite = synth({ workloads: { loki: { storage: { backend: 'minio' } } } });
      const users = lokiSite.stack.ctx.apps.flatMap((a) => a.objectStoreUsers?.(lokiSite.stack.ctx.site) ?? []);
      const userKeys = join(dir, 's3-user-loki');
      writeFileSync(userKeys, `loki-access\n${SECRET}-loki\n`);
      // Replaced before the keys paths (they are under /tmp too): the policy file the script writes.
      const userScript = bucketScript(lokiSite.stack.ctx.site, 'http://minio.storage.svc:9000', users)
        .replace('/vault/secrets/mc-keys', keys)
        .split(userKeysFile(users[0]!))
        .join(userKeys)
        .split('/tmp/domus-')
        .join(`${dir}/domus-`);
      const runUsers = (name: string) => {
        const log = join(dir, `${name}.log`);
        const output = execFileSync('/bin/sh', ['-c', userScript], { env: { PATH: `${dir}:/usr/bin:/bin`, MC_LOG: log }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
        return { output, calls: readFileSync(log, 'utf8').trim().split('\n'), stdin: readFileSync(`${log}.stdin`, 'utf8') };
      };

      test("the user is Loki's: same Vault path and keys as Loki's config template", () => {
        expect(users).toEqual([{ name: 'loki', path: 'kv/data/monitoring/loki', keys: LOKI_S3_KEYS, bucket: 'loki' }]);
        const t = podTemplate('Job', 'minio-buckets', NS, lokiSite);
        expect(t.metadata.annotations?.['vault.hashicorp.com/agent-inject-secret-s3-user-loki']).toBe('kv/data/monitoring/loki');
        const tpl = t.metadata.annotations?.['vault.hashicorp.com/agent-inject-template-s3-user-loki'] ?? '';
        expect(tpl).toContain(`.Data.data.${LOKI_S3_KEYS.accessKey}`);
        expect(tpl).toContain(`.Data.data.${LOKI_S3_KEYS.secretKey}`);
        const loki = podTemplate('StatefulSet', 'loki', 'monitoring', lokiSite);
        expect(loki.metadata.annotations?.['vault.hashicorp.com/agent-inject-secret-loki.yaml']).toBe('kv/data/monitoring/loki');
        // Without the MinIO backend: no user (today's output had none in any case: the defect).
        expect(podTemplate('Job', 'minio-buckets', NS).metadata.annotations?.['vault.hashicorp.com/agent-inject-secret-s3-user-loki']).toBeUndefined();
      });

      test('user add reads both keys on stdin (never argv, never output); policy on the loki bucket only, attached to the access key', () => {
        const r = runUsers('users');
        expect(r.calls).toEqual([
          '--no-color alias set minio http://minio.storage.svc:9000',
          '--no-color mb --ignore-existing minio/backups',
          '--no-color version enable minio/backups',
          '--no-color mb --ignore-existing minio/loki',
          '--no-color version info minio/loki',
          '--no-color admin user add minio',
          `--no-color admin policy create minio domus-loki ${dir}/domus-loki.json`,
          '--no-color admin policy attach minio domus-loki --user loki-access',
        ]);
        expect(r.stdin).toContain(`loki-access\n${SECRET}-loki\n`);
        expect(r.calls.join('\n')).not.toContain(`${SECRET}-loki`);
        expect(r.output).not.toContain(`${SECRET}-loki`);
        const policy = JSON.parse(readFileSync(join(dir, 'domus-loki.json'), 'utf8')) as { Statement: { Resource: string[] }[] };
        expect(policy.Statement.flatMap((st) => st.Resource)).toEqual(['arn:aws:s3:::loki', 'arn:aws:s3:::loki/*']);
        expect(runUsers('users-again').calls).toEqual(r.calls);
      });

      test("commands and their stdin forms are mc's at the pinned tag", () => {
        expect(MC_FACTS.adminUser.value).toEqual({ add: 'admin user add', stdinLines: 2 });
        expect(MC_FACTS.adminPolicy.value).toEqual({ create: 'admin policy create', attach: 'admin policy attach', userFlag: '--user', alreadyApplied: 'not an error' });
        expect(userScript).toContain(`mc --no-color ${MC_FACTS.adminUser.value.add} minio <`);
      });
    });
  });
});

describe('flows, with the peers of other charts present', () => {
  // The storage chart alone, next to stand-ins for the workloads other charts build, so the flows that end
  // there (Traefik, Prometheus, Grafana, Loki) are evaluated rather than dropped.
  function stackWithPeers(): StackContext {
    const site = validateSite({});
    const app = new App();
    const ctx = new StackContext(site, APPS);
    const peers = new StackChart(app, 'peers');
    const stub = (namespace: string, name: string) =>
      new Workload(peers, `${namespace}-${name}`, ctx, {
        name,
        namespace,
        partOf: 'stub',
        kind: 'Deployment',
        user: { uid: 65532, gid: 65532 },
        containers: [{ name, image: 'stub:1', resources: site.workloads.grafana.resources, liveness: { tcp: { port: 8080 } }, readiness: { tcp: { port: 8080 } } }],
      });
    stub(site.namespaces.monitoring, 'prometheus');
    stub(site.namespaces.monitoring, 'grafana');
    stub(site.namespaces.monitoring, 'loki');
    stub(site.namespaces.ingress, 'traefik');
    minioApp.build(new StackChart(app, 'storage'), ctx);
    ctx.net.emit();
    return ctx;
  }
  const ctx = stackWithPeers();
  const allowed = (from: { namespace: string; name: string }, port: number) =>
    ctx.net
      .effectiveFlows()
      .some(
        (f) =>
          f.from.kind === 'workload' &&
          f.from.namespace === from.namespace &&
          f.from.name === from.name &&
          f.to.kind === 'workload' &&
          f.to.name === 'minio' &&
          f.port.port === port,
      );
  const mon = (name: string) => ({ namespace: 'monitoring', name });

  test('Traefik reaches the S3 API (s3.<domain>) and the console (minio.<domain>)', () => {
    expect(allowed({ namespace: 'ingress', name: 'traefik' }, 9000)).toBe(true);
    expect(allowed({ namespace: 'ingress', name: 'traefik' }, 9001)).toBe(true);
    expect(ctx.routes.filter((r) => r.namespace === NS).map((r) => [r.host, r.service, r.servicePort])).toEqual([
      ['s3.domus.lan', 'minio', 9000],
      ['minio.domus.lan', 'minio', 9001],
    ]);
  });

  test('Prometheus scrapes cluster metrics on 9000 (public metrics mode) and cannot open the console', () => {
    expect(allowed(mon('prometheus'), 9000)).toBe(true);
    expect(allowed(mon('prometheus'), 9001)).toBe(false);
    const target = ctx.metrics.targets().find((t) => t.job === 'minio');
    expect(target).toMatchObject({ path: '/minio/v2/metrics/cluster', endpoint: { port: { port: 9000 } } });
    expect(target?.bearerTokenFile).toBeUndefined();
    const env = ctx.workloads.find((w) => w.name === 'minio')!.props.containers[0]!.env;
    expect(env?.MINIO_PROMETHEUS_AUTH_TYPE).toBe('public');
  });

  test('a configured S3 client (Loki) reaches the API only', () => {
    expect(allowed(mon('loki'), 9000)).toBe(true);
    expect(allowed(mon('loki'), 9001)).toBe(false);
  });

  test('Grafana cannot reach MinIO at all', () => {
    expect(allowed(mon('grafana'), 9000)).toBe(false);
    expect(allowed(mon('grafana'), 9001)).toBe(false);
  });

  test('MinIO itself opens no connection except to Vault (single pod)', () => {
    const out = ctx.net.effectiveFlows().filter((f) => f.from.kind === 'workload' && f.from.name === 'minio');
    expect(out.map((f) => f.to.kind)).toEqual(['cidr']);
  });
});
