/** The hardened workload builder (constructs/lib/workload.ts) in a bare chart. */
import { Workload, WorkloadProps } from '../../constructs/lib/workload';
import { app, bare, find, kinds, KubeObj, RES } from './bare';
import { kvValueSecret } from '../../constructs/lib/vault';

interface Ctr {
  name: string;
  securityContext: Record<string, unknown>;
  livenessProbe?: Record<string, unknown>;
  readinessProbe?: Record<string, unknown>;
  volumeMounts?: { name: string; mountPath: string }[];
  imagePullPolicy: string;
  resources: unknown;
}
interface Pod {
  metadata: { labels: Record<string, string>; annotations?: Record<string, string> };
  spec: {
    automountServiceAccountToken: boolean;
    securityContext: Record<string, unknown>;
    containers: Ctr[];
    volumes?: { name: string; emptyDir?: object }[];
    affinity?: { podAntiAffinity: Record<string, unknown> };
    topologySpreadConstraints?: Record<string, unknown>[];
    enableServiceLinks: boolean;
  };
}
const pod = (objs: KubeObj[], kind: string, name: string) => (find(objs, kind, name).spec as { template: Pod }).template;

describe('hardened defaults (Pod Security restricted without asking)', () => {
  const b = bare();
  new Workload(b.chart, 'w', b.ctx, app('web', 'web', { containers: [{ ...app('web').containers[0]!, writable: ['/tmp'] }] }));
  const objs = b.synth();
  const p = pod(objs, 'Deployment', 'web');
  const c = p.spec.containers[0]!;
  test('every container: non-root with the image user, no escalation, read-only root, drop ALL, RuntimeDefault', () => {
    expect(c.securityContext).toEqual({
      runAsUser: 1000,
      runAsGroup: 1000,
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      privileged: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(c.imagePullPolicy).toBe('IfNotPresent');
    expect(c.resources).toEqual({ requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '100m', memory: '64Mi' } });
  });
  test('the pod: seccomp for injected sidecars too, fsGroup, no service links, no API token', () => {
    expect(p.spec.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 1000,
      runAsGroup: 1000,
      fsGroup: 1000,
      fsGroupChangePolicy: 'OnRootMismatch',
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(p.spec.enableServiceLinks).toBe(false);
    expect(p.spec.automountServiceAccountToken).toBe(false);
  });
  test('a writable path is its own emptyDir, so the root filesystem stays read-only', () => {
    expect(p.spec.volumes).toEqual([{ name: 'rw-tmp', emptyDir: {} }]);
    expect(c.volumeMounts).toEqual([{ name: 'rw-tmp', mountPath: '/tmp' }]);
  });
  test('probes name the declared port, with the default timing', () => {
    expect(c.livenessProbe).toEqual({ httpGet: { path: '/', port: 'http', scheme: 'HTTP' }, initialDelaySeconds: 10, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 6 });
    expect(c.readinessProbe).toEqual({ tcpSocket: { port: 'http' }, initialDelaySeconds: 10, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 6 });
  });
  test('one replica: a ServiceAccount without RBAC, a Service by port name, no PDB, no anti-affinity', () => {
    expect(kinds(objs)).toEqual(['CiliumNetworkPolicy/web', 'Deployment/web', 'Service/web', 'ServiceAccount/web']);
    expect((find(objs, 'Service', 'web').spec as { ports: unknown[] }).ports).toEqual([{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }]);
    expect(p.spec.affinity).toBeUndefined();
  });
});

test('an exception is explicit, carries its reason to the pod, and changes only what it names', () => {
  const b = bare();
  const base = app('vpn').containers[0]!;
  new Workload(
    b.chart,
    'w',
    b.ctx,
    app('vpn', 'web', { containers: [{ ...base, security: { reason: 'binds a raw socket', addCapabilities: ['NET_RAW'], readOnlyRootFilesystem: false } }] }),
  );
  const p = pod(b.synth(), 'Deployment', 'vpn');
  expect(p.metadata.annotations?.['domus.dev/security-exceptions']).toBe('vpn: binds a raw socket');
  expect(p.spec.containers[0]!.securityContext).toMatchObject({
    capabilities: { drop: ['ALL'], add: ['NET_RAW'] },
    readOnlyRootFilesystem: false,
    runAsNonRoot: true,
    allowPrivilegeEscalation: false,
  });
});

test("run-as-same-user follows the first container's own user, the one vault-k8s reads (not the pod's)", () => {
  // vault-k8s v1.6.2 annotations.go runAsSameID takes containers[0].securityContext.runAsUser and refuses 0.
  const b = bare();
  const base = app('r').containers[0]!;
  const vault = { secrets: [kvValueSecret('token', 'kv/data/web/r', 'token')] };
  new Workload(b.chart, 'w', b.ctx, app('r', 'web', { vault, containers: [{ ...base, security: { reason: 'upstream entrypoint chowns', runAsUser: 0, runAsNonRoot: false } }] }));
  new Workload(b.chart, 'w2', b.ctx, app('u', 'web', { vault, containers: [{ ...app('u').containers[0]!, security: { reason: 'image user', runAsUser: 2000 } }] }));
  const objs = b.synth();
  expect(pod(objs, 'Deployment', 'r').metadata.annotations?.['vault.hashicorp.com/agent-run-as-same-user']).toBeUndefined();
  expect(pod(objs, 'Deployment', 'u').metadata.annotations?.['vault.hashicorp.com/agent-run-as-same-user']).toBe('true');
});

test('a root exception drops the pod-level non-root settings (or the kubelet refuses the pod)', () => {
  const b = bare();
  const base = app('r').containers[0]!;
  new Workload(b.chart, 'w', b.ctx, app('r', 'web', { containers: [{ ...base, security: { reason: 'upstream entrypoint chowns', runAsUser: 0, runAsNonRoot: false } }] }));
  const p = pod(b.synth(), 'Deployment', 'r');
  expect(p.spec.securityContext.runAsNonRoot).toBeUndefined();
  expect(p.spec.containers[0]!.securityContext).toMatchObject({ runAsUser: 0, runAsNonRoot: false });
});

describe('more than one replica: PDB, anti-affinity and spread', () => {
  test('required anti-affinity, spread that does not schedule past it, a PDB with maxUnavailable 1', () => {
    const b = bare({ cluster: { antiAffinity: 'required' } });
    new Workload(b.chart, 'w', b.ctx, app('web', 'web', { replicas: 2 }));
    const objs = b.synth();
    expect(find(objs, 'PodDisruptionBudget', 'web').spec as object).toEqual({ maxUnavailable: 1, selector: { matchLabels: { 'app.kubernetes.io/name': 'web' } } });
    const p = pod(objs, 'Deployment', 'web');
    expect(p.spec.affinity?.podAntiAffinity).toEqual({
      requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { 'app.kubernetes.io/name': 'web' } } }],
    });
    expect(p.spec.topologySpreadConstraints).toEqual([
      { maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { 'app.kubernetes.io/name': 'web' } } },
    ]);
  });
  test('preferred anti-affinity schedules anyway', () => {
    const b = bare({ cluster: { antiAffinity: 'preferred' } });
    new Workload(b.chart, 'w', b.ctx, app('web', 'web', { replicas: 3 }));
    const p = pod(b.synth(), 'Deployment', 'web');
    expect(Object.keys(p.spec.affinity!.podAntiAffinity)).toEqual(['preferredDuringSchedulingIgnoredDuringExecution']);
    expect(p.spec.topologySpreadConstraints![0]).toMatchObject({ whenUnsatisfiable: 'ScheduleAnyway' });
  });
});

describe('the API token follows RBAC', () => {
  test('rules grant the ServiceAccount a Role and the pod a token', () => {
    const b = bare();
    new Workload(b.chart, 'w', b.ctx, app('op', 'web', { rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }] }));
    const objs = b.synth();
    expect(pod(objs, 'Deployment', 'op').spec.automountServiceAccountToken).toBe(true);
    expect(kinds(objs)).toEqual(expect.arrayContaining(['Role/op', 'RoleBinding/op']));
  });
  test('apiToken without rules is an explicit opt-in', () => {
    const b = bare();
    new Workload(b.chart, 'w', b.ctx, app('op', 'web', { apiToken: true }));
    expect(pod(b.synth(), 'Deployment', 'op').spec.automountServiceAccountToken).toBe(true);
  });
  // Issue 18, item 3: kube-state-metrics had a ClusterRole and a token but no way to the API server.
  test.each<[string, Partial<WorkloadProps>]>([
    ['namespaced rules', { rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }] }],
    ['cluster rules', { clusterRules: [{ apiGroups: [''], resources: ['nodes'], verbs: ['list', 'watch'] }] }],
    ['rules in another namespace', { rulesIn: { other: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] } }],
    ['an explicit token', { apiToken: true }],
  ])('a token mounted through %s without a flow to the API server is refused at finalize', (_, extra) => {
    const b = bare();
    new Workload(b.chart, 'w', b.ctx, app('op', 'web', extra));
    expect(() => b.ctx.finalize(() => undefined)).toThrow(
      /web\/op: the ServiceAccount holds API permissions and the pods mount a token, but no flow to the API server is declared/,
    );
  });
  test('with the flow declared, finalize passes; a workload without a token needs none', () => {
    const b = bare();
    const w = new Workload(b.chart, 'w', b.ctx, app('op', 'web', { clusterRules: [{ apiGroups: [''], resources: ['nodes'], verbs: ['list'] }] }));
    new Workload(b.chart, 'plain', b.ctx, app('plain'));
    b.ctx.allowApiServer(w.peer, 'test');
    expect(() => b.ctx.finalize(() => undefined)).not.toThrow();
  });
});

describe('refusals', () => {
  test('an app container without probes', () => {
    const b = bare();
    const c = { name: 'x', image: 'example.org/x:1', resources: RES };
    expect(() => new Workload(b.chart, 'w', b.ctx, app('x', 'web', { containers: [c] }))).toThrow('web/x: container x needs liveness and readiness probes');
  });
  test('a port name used twice, or longer than 15 characters', () => {
    const b = bare();
    const c = app('x').containers[0]!;
    expect(() => new Workload(b.chart, 'a', b.ctx, app('a', 'web', { containers: [c, { ...c, name: 'y' }] }))).toThrow('web/a: port name http is used twice');
    expect(() => new Workload(b.chart, 'b', b.ctx, app('b', 'web', { containers: [{ ...c, ports: [{ name: 'a-very-long-port-name', port: 1 }] }] }))).toThrow(
      'longer than 15 characters',
    );
  });
  test('a claim outside a StatefulSet, or mounted by no container', () => {
    const b = bare();
    const c = app('x').containers[0]!;
    const claims = [{ name: 'data', size: '1Gi' }];
    expect(() => new Workload(b.chart, 'd', b.ctx, app('d', 'web', { kind: 'Deployment', claims }))).toThrow(
      'web/d: claims need kind StatefulSet (a Deployment has no volumeClaimTemplates)',
    );
    expect(() => new Workload(b.chart, 's', b.ctx, app('s', 'web', { kind: 'StatefulSet', claims }))).toThrow(
      "web/s: claim data is mounted by no container (add mounts: [{ volume: 'data', path }])",
    );
    new Workload(b.chart, 'ok', b.ctx, app('ok', 'web', { kind: 'StatefulSet', claims, containers: [{ ...c, mounts: [{ volume: 'data', path: '/data' }] }] }));
    const set = find(b.synth(), 'StatefulSet', 'ok').spec as { volumeClaimTemplates: { metadata: { name: string } }[]; template: Pod };
    expect(set.volumeClaimTemplates.map((t) => t.metadata.name)).toEqual(['data']);
    expect(set.template.spec.containers[0]!.volumeMounts).toContainEqual({ name: 'data', mountPath: '/data' });
  });
  test('a Job needs no probes and gets restartPolicy OnFailure', () => {
    const b = bare();
    new Workload(b.chart, 'w', b.ctx, app('once', 'web', { kind: 'Job', containers: [{ name: 'once', image: 'example.org/once:1', resources: RES }] }));
    expect((find(b.synth(), 'Job', 'once').spec as { template: { spec: { restartPolicy: string } } }).template.spec.restartPolicy).toBe('OnFailure');
  });
});
