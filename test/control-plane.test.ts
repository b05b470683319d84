/**
 * dist/ (the site in use) on a real control plane: kube-apiserver and etcd at the pins, built from their Go
 * modules (tools/programs.ts, `npm run tools`). Every object is applied as Argo CD's application controller
 * would apply it, a Pod from every pod template goes through Pod Security admission, verify's RBAC models are
 * held to SubjectAccessReview (test/lib/site-suite.ts). Then the check of the checks: mutations of dist that
 * the API server itself must refuse (the escalation rule, CRD schemas, webhook and workload validation, Pod
 * Security), each one also refused by the verify model that stands for it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ETCD_RELEASE, KUBERNETES_RELEASE } from '../config/versions';
import { uncovered } from '../verify/checks/argocd-admission';
import { podSecurityViolations } from '../verify/checks/pod-security';
import { grants, type Rule } from '../verify/checks/rbac';
import { buildContext } from '../verify/cli';
import { podSpecOf, type PodSpec } from '../verify/load';
import type { Context } from '../verify/types';
import { programOf } from '../tools/paths';
import { closeSites, compareCanI, controlPlaneAvailable, describeSiteOnApi, siteHasArgoController, siteOnApi } from './lib/site-suite';
import { messageOf, type KubeObject } from './lib/kube-client';
import { moduleDir, podFromTemplate } from './lib/stack-on-api';

const dist = join(__dirname, '..', 'dist');
const context = (): Context => buildContext(dist, []);

afterAll(closeSites, 60_000);

describeSiteOnApi('dist/ (the site in use)', 'site', context);

test('the control plane runs the pinned releases: kube-apiserver of the k3s pin, etcd of that Kubernetes release', () => {
  expect(KUBERNETES_RELEASE).toMatch(/^v1\.\d+\.\d+$/);
  expect(programOf('kube-apiserver').moduleVersion).toBe(KUBERNETES_RELEASE);
  expect(programOf('etcd').moduleVersion).toBe(ETCD_RELEASE);
  for (const name of ['kube-apiserver', 'etcd']) {
    const wrapper = readFileSync(join(__dirname, '..', 'tools', 'go', name, 'go.mod'), 'utf8');
    expect(wrapper).toContain(`${programOf(name).module} ${programOf(name).moduleVersion}`);
  }
});

const available = controlPlaneAvailable();
(available.run ? describe : describe.skip)('the upstream files behind the wrappers', () => {
  test("Kubernetes' own dependency list names the pinned etcd; the wrapper replaces every staging module it requires at v0.0.0", () => {
    const k8s = moduleDir('k8s.io/kubernetes', KUBERNETES_RELEASE);
    const deps = parse(readFileSync(join(k8s, 'build', 'dependencies.yaml'), 'utf8')) as { dependencies: { name: string; version: string }[] };
    expect(`v${deps.dependencies.find((x) => x.name === 'etcd')?.version}`).toBe(ETCD_RELEASE);
    const upstreamMod = readFileSync(join(k8s, 'go.mod'), 'utf8');
    const staging = [...upstreamMod.matchAll(/^\t(k8s\.io\/[\w.-]+) => \.\/staging\//gm)].map((m) => m[1]!);
    expect(staging.length).toBeGreaterThan(20);
    const wrapper = readFileSync(join(__dirname, '..', 'tools', 'go', 'kube-apiserver', 'go.mod'), 'utf8');
    const staged = KUBERNETES_RELEASE.replace(/^v1\./, 'v0.');
    for (const m of staging) expect({ m, replaced: wrapper.includes(`\t${m} => ${m} ${staged}\n`) }).toEqual({ m, replaced: true });
  }, 120_000);
});

// Tests follow the site: the mutations are applied as Argo CD's controller, which a site without Argo CD lacks.
(available.run && siteHasArgoController(context) ? describe : describe.skip)('the API server refuses mutations of dist (a check for the checks)', () => {
  const as = { as: '' };
  let ctx: Context;
  const site = () => siteOnApi('site', ctx);
  beforeAll(async () => {
    ctx = context();
    as.as = (await site()).controller.user;
  }, 600_000);

  const first = (kind: string): KubeObject => {
    const d = ctx.docs.find((x) => x.obj.kind === kind);
    if (!d) throw new Error(`no ${kind} in dist`);
    return JSON.parse(JSON.stringify(d.obj)) as KubeObject;
  };

  test('a Role granting what the controller does not hold is refused as an escalation, and verify says so too', async () => {
    const s = await site();
    const rule: Rule = { apiGroups: [''], resources: ['secrets'], verbs: ['get'] };
    const ns = ctx.docs.find((x) => x.obj.kind === 'Namespace' && x.obj.metadata.name !== s.controller.namespace)!.obj.metadata.name;
    const role: KubeObject = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'mutation-escalation', namespace: ns }, rules: [rule] };
    const r = await s.client.apply(role, { as: as.as });
    expect({ status: r.status, escalation: /attempting to grant RBAC permissions not currently held/.test(messageOf(r)) }).toEqual({ status: 403, escalation: true });
    const owner = grants(ctx.docs)
      .filter((g) => g.subject === as.as && (g.scope === 'cluster' || g.scope === `namespace:${ns}`))
      .map((g) => g.rule);
    expect(uncovered(owner, [rule])).toEqual(['get secrets']);
    // Binding a role it does not hold (and may not bind) is refused the same way.
    const binding: KubeObject = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'mutation-bind', namespace: ns },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
      subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: ns }],
    };
    const b = await s.client.apply(binding, { as: as.as });
    expect(b.status).toBe(403);
  });

  test('a custom resource outside its CRD schema is refused', async () => {
    const s = await site();
    const route = first('IngressRoute');
    const spec = route.spec as { routes: { kind?: string }[] };
    spec.routes[0]!.kind = 'NotARule';
    const r = await s.client.apply(route, { as: as.as, dryRun: true });
    expect({ status: r.status, msg: messageOf(r) }).toEqual({ status: 422, msg: expect.stringContaining('spec.routes[0].kind') });
    const unknown = first('Middleware');
    (unknown.spec as Record<string, unknown>).notAField = true;
    const u = await s.client.apply(unknown, { as: as.as, dryRun: true });
    // Server-side apply cannot type the patch: Kubernetes 1.28 answers 500 with the field named.
    expect({ refused: u.status >= 400, msg: messageOf(u) }).toEqual({ refused: true, msg: expect.stringMatching(/notAField: field not declared in schema/) });
  });

  test('an invalid webhook configuration is refused', async () => {
    const s = await site();
    const hook = first('MutatingWebhookConfiguration');
    const webhooks = hook.webhooks as { sideEffects?: string; admissionReviewVersions?: string[] }[];
    webhooks[0]!.sideEffects = 'Unknown';
    const r = await s.client.apply(hook, { as: as.as, dryRun: true });
    expect({ status: r.status, msg: messageOf(r) }).toEqual({ status: 422, msg: expect.stringContaining('sideEffects') });
  });

  test('a Deployment whose selector does not select its pods is refused', async () => {
    const s = await site();
    const dep = first('Deployment');
    (dep.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels = { 'mutation/none': 'x' };
    const r = await s.client.apply(dep, { as: as.as, dryRun: true });
    expect({ status: r.status, msg: messageOf(r) }).toEqual({ status: 422, msg: expect.stringContaining('selector') });
  });

  test('Pod Security refuses a pod that breaks its namespace level (host network, privileged, root), and verify agrees', async () => {
    const s = await site();
    const restricted = new Set(
      ctx.docs
        .filter((x) => x.obj.kind === 'Namespace' && (x.obj.metadata.labels?.['pod-security.kubernetes.io/enforce'] ?? 'restricted') === 'restricted')
        .map((x) => x.obj.metadata.name),
    );
    const owner = ctx.docs.find((x) => x.obj.kind === 'Deployment' && restricted.has(x.obj.metadata.namespace ?? ''))!.obj as KubeObject;
    const mutations: [string, (spec: PodSpec) => void][] = [
      ['hostNetwork', (p) => void (p.hostNetwork = true)],
      [
        'privileged',
        (p) => {
          p.containers[0]!.securityContext = { ...p.containers[0]!.securityContext, privileged: true, allowPrivilegeEscalation: true };
        },
      ],
      ['runAsUser 0', (p) => void (p.securityContext = { ...p.securityContext, runAsUser: 0 })],
    ];
    for (const [label, mutate] of mutations) {
      const pod = podFromTemplate(owner)!;
      pod.metadata.name = `mutation-${label.replace(/\W+/g, '-').toLowerCase()}`;
      mutate(pod.spec as PodSpec);
      const r = await s.client.create(pod, { dryRun: true });
      expect({ label, status: r.status, psa: /violates PodSecurity "restricted/.test(messageOf(r)) }).toEqual({ label, status: 403, psa: true });
      expect({ label, model: podSecurityViolations(pod.spec as PodSpec, {}, 'restricted').length > 0 }).toEqual({ label, model: true });
    }
    // The unmutated template passes both.
    expect(podSecurityViolations(podSpecOf(owner)!.spec, {}, 'restricted')).toEqual([]);
  });

  test('the can-i comparison notices a model that grants what the server does not (its own check)', async () => {
    const s = await site();
    const wrong = [...grants(ctx.docs), { subject: as.as, scope: 'cluster', rule: { apiGroups: [''], resources: ['nodes'], verbs: ['delete'] }, via: 'mutation' }];
    const { differ } = await compareCanI(s, wrong, (q) => q.subject === as.as && q.resource === 'nodes' && q.namespace === undefined);
    expect(differ).toContain(`${as.as} delete nodes (cluster): verify true, server false`);
  }, 120_000);
});
