/**
 * `npm run verify` on small fixtures, independent of the stack: a compliant app that every check accepts, and
 * one mutation per rule that the check must reject with the specific finding.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { checkCapacity } from '../../verify/checks/capacity';
import { checkGitops, immutableChanges } from '../../verify/checks/gitops';
import { analyseNetwork, MustDeny } from '../../verify/checks/network';
import { checkPodSecurity } from '../../verify/checks/pod-security';
import { canI, checkRbac, grants } from '../../verify/checks/rbac';
import { checkSchema, validateOpenApi } from '../../verify/checks/schema';
import { checkSecrets } from '../../verify/checks/secrets';
import { cachedLoadDist as loadDist } from '../lib/dist-cache';
import { NetModel, endpointsOf } from '../../verify/netmodel';
import { Context, Doc, Finding, KubeObj } from '../../verify/types';

const GOOD = join(__dirname, 'fixtures', 'good');

function context(mutate?: (objs: KubeObj[]) => KubeObj[] | void, files?: Map<string, string>): Context {
  const { docs, files: f } = loadDist(GOOD);
  let objs = docs.map((d) => structuredClone(d.obj));
  objs = mutate?.(objs) ?? objs;
  const mutated: Doc[] = objs.map((obj, i) => ({ obj, file: docs[i]?.file ?? 'app/app.yaml', line: docs[i]?.line ?? 1 }));
  return {
    docs: mutated,
    files: files ?? f,
    dist: GOOD,
    nodes: [{ name: 'n1', cpu: '4', memory: '8Gi' }],
    vault: { cidrs: ['192.168.10.5/32'], host: 'vault.lan', port: 8200 },
    gitPath: 'dist',
  };
}
const find = (objs: KubeObj[], kind: string) => objs.find((o) => o.kind === kind)!;
const deployment = (objs: KubeObj[]) =>
  find(objs, 'Deployment') as KubeObj & {
    spec: {
      template: {
        metadata: { annotations: Record<string, string> };
        spec: Record<string, unknown> & { containers: Record<string, unknown>[]; securityContext: Record<string, unknown> };
      };
    };
  };
const messages = (fs: Finding[]) => fs.filter((f) => f.severity === 'error').map((f) => f.message);

describe('the good fixture passes every check', () => {
  test.each([
    ['schema', (c: Context) => checkSchema(c)],
    ['pod security', (c: Context) => checkPodSecurity(c)],
    ['network', (c: Context) => analyseNetwork(c, []).findings],
    ['rbac', (c: Context) => checkRbac(c)],
    ['secrets', (c: Context) => checkSecrets(c)],
    ['gitops', (c: Context) => checkGitops(c)],
    ['capacity', (c: Context) => checkCapacity(c, 0.8)],
  ])('%s', (_n, check) => {
    expect(messages(check(context()))).toEqual([]);
  });
});

describe('schema', () => {
  test('an unknown field is an error (Kubernetes 1.28)', () => {
    const c = context((o) => void (deployment(o).spec.template.spec.containers[0]!.imagePullSecret = 'x'));
    expect(messages(checkSchema(c))).toContain('Deployment.spec.template.spec.containers[0].imagePullSecret: unknown field (not in Kubernetes 1.28 Container)');
  });
  test('a wrong type is an error (recent Kubernetes schema)', () => {
    const c = context((o) => void ((find(o, 'Deployment').spec as { replicas: unknown }).replicas = 'one'));
    expect(messages(checkSchema(c)).join('\n')).toMatch(/recent Kubernetes schema: .*replicas must be integer/);
  });
  test('a custom resource is checked against its CRD, unknown fields included', () => {
    const c = context((o) => void ((find(o, 'CiliumNetworkPolicy').spec as { ingress: Record<string, unknown>[] }).ingress[0]!.fromEntity = ['world']));
    expect(messages(checkSchema(c))).toContain('CiliumNetworkPolicy.spec.ingress[0].fromEntity: unknown field');
  });
  test('an unknown kind is an error', () => {
    const c = context((o) => [...o, { apiVersion: 'example.org/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'web' } }]);
    expect(messages(checkSchema(c))).toContain('no schema for example.org/v1/Widget: not a Kubernetes 1.28 kind nor a CRD the stack knows');
  });
  test('the CRD validator honours int-or-string, enums and required fields', () => {
    const out: string[] = [];
    validateOpenApi(
      { type: 'object', required: ['a'], properties: { b: { 'x-kubernetes-int-or-string': true }, c: { type: 'string', enum: ['x'] } } },
      { b: true, c: 'y' },
      'o',
      out,
    );
    expect(out).toEqual(['o.a: required', 'o.b: expected an integer or a string', 'o.c: "y" is not one of ["x"]']);
  });
});

describe('pod security', () => {
  test.each([
    [
      'privilege escalation',
      (s: Record<string, unknown> & { containers: Record<string, unknown>[] }) =>
        void ((s.containers[0]!.securityContext as Record<string, unknown>).allowPrivilegeEscalation = true),
      'restricted: web: allowPrivilegeEscalation must be false',
    ],
    [
      'capabilities not dropped',
      (s: Record<string, unknown> & { containers: Record<string, unknown>[] }) => void ((s.containers[0]!.securityContext as Record<string, unknown>).capabilities = {}),
      'restricted: web: capabilities must drop ALL',
    ],
    [
      'no seccomp',
      (s: Record<string, unknown> & { containers: Record<string, unknown>[] }) => void delete (s.securityContext as Record<string, unknown>).seccompProfile,
      'restricted: web: seccompProfile must be RuntimeDefault or Localhost',
    ],
    ['hostNetwork', (s: Record<string, unknown>) => void (s.hostNetwork = true), 'restricted: hostNetwork is true'],
    ['hostPath', (s: Record<string, unknown>) => void (s.volumes = [{ name: 'h', hostPath: { path: '/' } }]), 'restricted: volume h is a hostPath'],
    [
      'privileged',
      (s: Record<string, unknown> & { containers: Record<string, unknown>[] }) => void ((s.containers[0]!.securityContext as Record<string, unknown>).privileged = true),
      'restricted: web: privileged',
    ],
    [
      'root',
      (s: Record<string, unknown> & { containers: Record<string, unknown>[] }) => void ((s.containers[0]!.securityContext as Record<string, unknown>).runAsUser = 0),
      'restricted: web: runAsUser is 0',
    ],
    [
      'added capability',
      (s: Record<string, unknown> & { containers: Record<string, unknown>[] }) =>
        void ((s.containers[0]!.securityContext as Record<string, unknown>).capabilities = { drop: ['ALL'], add: ['NET_ADMIN'] }),
      'restricted: web: adds capability NET_ADMIN',
    ],
    [
      'host port',
      (s: Record<string, unknown> & { containers: Record<string, unknown>[] }) => void (s.containers[0]!.ports = [{ containerPort: 80, hostPort: 80 }]),
      'restricted: web: hostPort 80',
    ],
  ])('%s is rejected', (_n, mutate, expected) => {
    const c = context((o) => void mutate(deployment(o).spec.template.spec));
    expect(messages(checkPodSecurity(c))).toContain(expected);
  });
  test('baseline namespaces allow baseline capabilities but not privileged', () => {
    const c = context((o) => {
      find(o, 'Namespace').metadata.labels!['pod-security.kubernetes.io/enforce'] = 'baseline';
      (deployment(o).spec.template.spec.containers[0]!.securityContext as Record<string, unknown>).capabilities = { add: ['SYS_CHROOT'] };
    });
    expect(messages(checkPodSecurity(c))).toEqual([]);
  });
});

describe('network model', () => {
  test('without the default deny the namespace and pod are reported', () => {
    const c = context((o) => o.filter((x) => x.kind !== 'NetworkPolicy' && x.kind !== 'CiliumNetworkPolicy'));
    const m = messages(analyseNetwork(c, []).findings);
    expect(m).toContain('namespace web has pods but no policy that denies ingress and egress for all of them');
    expect(m).toContain('pod web/web is not default-deny for ingress');
  });
  test('a declared flow the policies deny is reported', () => {
    const files = new Map([
      [
        'intent/flows.json',
        JSON.stringify([{ from: { kind: 'entity', entity: 'world' }, to: { kind: 'workload', namespace: 'web', name: 'web' }, port: 9999, protocol: 'TCP', why: 'test' }]),
      ],
    ]);
    expect(messages(analyseNetwork(context(undefined, files), []).findings)).toContain('declared flow is denied by the policies: world → web/web:9999/TCP (test)');
  });
  test('an allowed must-deny flow is reported', () => {
    const rule: MustDeny = { from: 'world', to: 'web/web', port: 8080, why: 'test' };
    expect(messages(analyseNetwork(context(), [rule]).findings)).toContain('must-deny flow is allowed: world → web/web:8080 (test)');
  });
  test('named ports, deny over allow, egress and ingress both required, CIDR containment', () => {
    const c = context();
    const model = NetModel.fromDocs(c.docs);
    const [ep] = endpointsOf(c.docs);
    const web = { kind: 'endpoint' as const, ep: ep! };
    expect(model.allowed({ kind: 'entity', entity: 'world' }, web, 8080)).toBe(true);
    expect(model.allowed({ kind: 'entity', entity: 'world' }, web, 8081)).toBe(false);
    expect(model.allowed(web, { kind: 'cidr', cidrs: ['192.168.10.5/32'] }, 8200)).toBe(true);
    expect(model.allowed(web, { kind: 'cidr', cidrs: ['192.168.10.6/32'] }, 8200)).toBe(false);
    expect(model.allowed(web, { kind: 'entity', entity: 'kube-apiserver' }, 6443)).toBe(false);
    const denied = context((o) => void ((find(o, 'CiliumNetworkPolicy').spec as Record<string, unknown>).ingressDeny = [{ fromEntities: ['world'] }]));
    expect(NetModel.fromDocs(denied.docs).allowed({ kind: 'entity', entity: 'world' }, { kind: 'endpoint', ep: endpointsOf(denied.docs)[0]! }, 8080)).toBe(false);
  });
  test('matchExpressions and cross-namespace endpoint selectors', () => {
    const c = context((o) => {
      (find(o, 'CiliumNetworkPolicy').spec as { ingress: unknown[] }).ingress.push({
        fromEndpoints: [
          { matchLabels: { 'k8s:io.kubernetes.pod.namespace': 'monitoring' }, matchExpressions: [{ key: 'app.kubernetes.io/name', operator: 'In', values: ['prometheus'] }] },
        ],
        toPorts: [{ ports: [{ port: '9100', protocol: 'TCP' }] }],
      });
    });
    const model = NetModel.fromDocs(c.docs);
    const web = { kind: 'endpoint' as const, ep: endpointsOf(c.docs)[0]! };
    const prom = { kind: 'endpoint' as const, ep: { namespace: 'monitoring', name: 'prometheus', labels: { 'app.kubernetes.io/name': 'prometheus' }, ports: [], managed: false } };
    const graf = { kind: 'endpoint' as const, ep: { ...prom.ep, name: 'grafana', labels: { 'app.kubernetes.io/name': 'grafana' } } };
    expect(model.allowed(prom, web, 9100)).toBe(true);
    expect(model.allowed(graf, web, 9100)).toBe(false);
  });
});

describe('rbac', () => {
  test('can-i answers from the bindings', () => {
    const g = grants(context().docs);
    expect(canI(g, 'system:serviceaccount:web:web', 'list', 'configmaps', 'web')?.via).toBe('RoleBinding web → Role web');
    expect(canI(g, 'system:serviceaccount:web:web', 'list', 'configmaps', 'other')).toBeUndefined();
    expect(canI(g, 'system:serviceaccount:web:web', 'delete', 'configmaps', 'web')).toBeUndefined();
  });
  test('wildcards, cluster-admin and unlisted secret reads are errors', () => {
    const c = context((o) => {
      (find(o, 'Role').rules as { verbs: string[]; resources: string[] }[]).push({ apiGroups: [''], verbs: ['*'], resources: ['secrets'] } as never);
      o.push({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: 'oops' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
        subjects: [{ kind: 'ServiceAccount', name: 'web', namespace: 'web' }],
      });
    });
    const m = messages(checkRbac(c));
    expect(m).toContain('wildcard in verbs');
    expect(m).toContain('binding to cluster-admin');
    expect(m.some((x) => x.startsWith('system:serviceaccount:web:web reads secrets (namespace:web'))).toBe(true);
  });
});

describe('secrets and vault', () => {
  test('a Secret with data and a credential literal are errors', () => {
    const c = context((o) => {
      o.push({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'web' }, data: { a: 'Yg==' } });
      deployment(o).spec.template.spec.containers[0]!.env = [{ name: 'DB_PASSWORD', value: 'hunter2' }];
    });
    const m = messages(checkSecrets(c));
    expect(m).toContain('Secret with data in git');
    expect(m).toContain('web: env DB_PASSWORD holds a literal that looks like a credential');
  });
  test('a Vault pod without role, token, seccomp or egress is rejected', () => {
    const c = context((o) => {
      const t = deployment(o).spec.template;
      delete t.metadata.annotations['vault.hashicorp.com/role'];
      delete t.metadata.annotations['vault.hashicorp.com/agent-service-account-token-volume-name'];
      delete t.spec.securityContext.seccompProfile;
      (find(o, 'CiliumNetworkPolicy').spec as { egress: unknown[] }).egress = [];
    });
    expect(messages(checkSecrets(c)).sort()).toEqual(
      [
        'no vault.hashicorp.com/role',
        'the agent has no ServiceAccount token (no automount, no projected token volume)',
        'no pod-level seccompProfile: the injected containers would fail restricted',
        'no egress to Vault (192.168.10.5/32:8200)',
      ].sort(),
    );
  });
});

describe('gitops', () => {
  test('an Application path missing from dist, and waves out of order', () => {
    const c = context((o) => {
      o.push({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { name: 'x', namespace: 'argocd' }, spec: { source: { path: 'dist/nowhere' } } });
      find(o, 'ServiceAccount').metadata.annotations!['argocd.argoproj.io/sync-wave'] = '5';
      find(o, 'Namespace').metadata.annotations!['argocd.argoproj.io/sync-wave'] = '9';
    });
    const m = messages(checkGitops(c));
    expect(m).toContain('source path dist/nowhere does not exist in dist or holds no YAML');
    expect(m).toContain("sync wave 0 is not after its ServiceAccount's");
    expect(m).toContain("sync wave 5 is before its Namespace's (9)");
  });
  test("a zero-valued source.directory (Argo CD's controller removes it, the root writes it back: the live run's OutOfSync loop)", () => {
    const app = (name: string, directory: Record<string, unknown>): KubeObj => ({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name, namespace: 'argocd' },
      spec: { project: 'p', source: { path: 'dist/nowhere', directory } },
    });
    const c = context((o) => {
      o.push(app('zero', { recurse: false }), app('empty', {}), app('recurse', { recurse: true }), app('include', { include: 'x.yml' }));
    });
    const blamed = checkGitops(c)
      .filter((f) => /zero value/.test(f.message))
      .map((f) => f.object);
    expect(blamed.sort()).toEqual(['Application argocd/empty', 'Application argocd/zero']);
    expect(checkGitops(context()).filter((f) => /zero value/.test(f.message))).toEqual([]);
  });
  test('immutable field changes against a git revision', () => {
    const repo = mkdtempSync(join(tmpdir(), 'verify-git-'));
    cpSync(GOOD, join(repo, 'dist'), { recursive: true });
    const git = (...a: string[]) => execFileSync('git', a, { cwd: repo, stdio: 'ignore' });
    git('init', '-q');
    git('-c', 'user.email=t@t', '-c', 'user.name=t', 'add', '.');
    git('-c', 'user.email=t@t', '-c', 'user.name=t', 'commit', '-qm', 'base');
    const c = context((o) => void ((find(o, 'Deployment').spec as { selector: unknown }).selector = { matchLabels: { app: 'other' } }));
    expect(messages(immutableChanges(c, 'HEAD', repo))[0]).toMatch(/^immutable field spec.selector changed since HEAD/);
    expect(immutableChanges(context(), 'HEAD', repo)).toEqual([]);
  });
  test('a changed Job template is an error unless the Job is a hook Argo CD recreates (BeforeHookCreation)', () => {
    const repo = mkdtempSync(join(tmpdir(), 'verify-git-'));
    const job = (name: string, annotations: Record<string, string>, arg: string): KubeObj => ({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name, namespace: 'app', annotations },
      spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'x:1', args: [arg] }] } } },
    });
    const hook = { 'argocd.argoproj.io/hook': 'PostSync', 'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation' };
    const write = (arg: string) => [
      job('hook', hook, arg),
      job('plain', {}, arg),
      job('kept', { 'argocd.argoproj.io/hook': 'PostSync', 'argocd.argoproj.io/hook-delete-policy': 'HookSucceeded' }, arg),
    ];
    const git = (...a: string[]) => execFileSync('git', a, { cwd: repo, stdio: 'ignore' });
    execFileSync('mkdir', ['-p', join(repo, 'dist', 'app')]);
    writeFileSync(
      join(repo, 'dist', 'app', 'jobs.yaml'),
      write('a')
        .map((o) => stringify(o))
        .join('---\n'),
    );
    git('init', '-q');
    git('-c', 'user.email=t@t', '-c', 'user.name=t', 'add', '.');
    git('-c', 'user.email=t@t', '-c', 'user.name=t', 'commit', '-qm', 'base');
    const c: Context = { ...context(), docs: write('b').map((obj, i) => ({ obj, file: 'app/jobs.yaml', line: i + 1 })) };
    const found = immutableChanges(c, 'HEAD', repo).map((f) => `${f.object ?? ''}: ${f.message.slice(0, 48)}`);
    expect(found).toEqual(['Job app/plain: immutable field spec.template changed since HEAD', 'Job app/kept: immutable field spec.template changed since HEAD']);
  });
});

describe('capacity', () => {
  test('requests above the share of the nodes fail, per-namespace totals are reported', () => {
    const c = context((o) => void ((find(o, 'Deployment').spec as { replicas: number }).replicas = 40));
    const out = checkCapacity(c, 0.8);
    expect(messages(out)).toContain('CPU requests use 110% of the nodes, above 80%');
    expect(out.some((f) => f.severity === 'info' && f.message.startsWith('web: requests 4.40 CPU'))).toBe(true);
  });
});
