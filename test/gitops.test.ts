/**
 * GitOps wiring: every Application points at a folder that exists in dist/, the project admits exactly the
 * stack, waves follow the documented order, and Argo CD's own RBAC is bounded to what the stack emits.
 */
import { APP_WAVES, PROJECT, resourceOf } from '../charts/apps';
import { CLUSTER_SCOPED } from '../charts/stack-chart';
import { allObjects, chartObjects, findAll, findResource, issuesOf, rulesOf, syncWave, synth, workloadPolicy } from './helpers';

const s = synth();
const site = s.stack.ctx.site;
const apps = findAll('Application');
type AppSpec = { project: string; source: { repoUrl?: string; repoURL?: string; path: string; targetRevision: string }; syncPolicy: { automated: { prune: boolean; selfHeal: boolean }; retry: { limit: number } } };
const spec = (a: (typeof apps)[number]) => a.spec as AppSpec;
const repo = (a: (typeof apps)[number]) => spec(a).source.repoURL ?? spec(a).source.repoUrl;

test('apps chart snapshot', () => {
  expect(chartObjects('apps')).toMatchSnapshot();
});

test('one child Application per chart plus the upstream CRDs and the root', () => {
  expect(apps.map((a) => a.metadata.name).sort()).toEqual([...s.charts.filter((c) => c.name !== 'apps').map((c) => c.name), 'argocd-crds', 'traefik-crds', 'root'].sort());
});

test("every Application of this repository names a folder of dist/ that holds YAML", () => {
  const own = apps.filter((a) => repo(a) === site.git.repoURL);
  expect(own.length).toBe(s.charts.length + 0);
  for (const a of own) {
    const folder = spec(a).source.path.replace(`${site.git.path}/`, '');
    const files = [...s.files.keys()].filter((f) => f.startsWith(`${folder}/`) && f.endsWith('.yaml'));
    expect({ app: a.metadata.name, files: files.length > 0 }).toEqual({ app: a.metadata.name, files: true });
    expect(spec(a).source.targetRevision).toBe(site.git.revision);
  }
});

test('automated sync with prune, self-heal and retry on every Application; CRD apps never prune or delete', () => {
  for (const a of apps) {
    expect(spec(a).project).toBe(PROJECT);
    expect(spec(a).syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
    expect(spec(a).syncPolicy.retry.limit).toBeGreaterThan(0);
  }
  expect((findResource('Application', 'argocd-crds').spec as { syncPolicy: { syncOptions: string[] } }).syncPolicy.syncOptions).toEqual(expect.arrayContaining(['Prune=false', 'Delete=false', 'ServerSideApply=true']));
});

test('waves: CRDs, then platform, vault, argocd, stateful backends, UIs, ingress', () => {
  const wave = (n: string) => syncWave(findResource('Application', n));
  for (const [name, w] of Object.entries(APP_WAVES)) if (apps.some((a) => a.metadata.name === name)) expect(wave(name)).toBe(w);
  expect(wave('argocd-crds')).toBeLessThan(wave('platform'));
  expect(wave('platform')).toBeLessThan(wave('vault'));
  expect(wave('vault')).toBeLessThan(wave('storage'));
  expect(wave('storage')).toBeLessThanOrEqual(wave('security'));
  expect(wave('security')).toBeLessThan(wave('monitoring'));
  expect(wave('monitoring')).toBeLessThan(wave('ingress'));
  // Within each app: namespaces before everything, identity and policy before workloads.
  for (const o of allObjects()) {
    if (o.kind === 'Namespace') expect(syncWave(o)).toBe(-3);
    if (['Deployment', 'StatefulSet'].includes(o.kind)) expect(syncWave(o)).toBeGreaterThan(syncWave(findResource('ServiceAccount', o.metadata.name, o.metadata.namespace)));
  }
});

test('Namespaces (and only data-bearing kinds) are protected from prune and delete', () => {
  for (const ns of findAll('Namespace')) expect(ns.metadata.annotations?.['argocd.argoproj.io/sync-options']).toBe('Prune=false,Delete=false');
});

test('the AppProject admits exactly the repository, the namespaces and the cluster-scoped kinds of the stack', () => {
  const p = findResource('AppProject', PROJECT).spec as { sourceRepos: string[]; destinations: { namespace: string }[]; clusterResourceWhitelist: { group: string; kind: string }[] };
  expect(p.sourceRepos[0]).toBe(site.git.repoURL);
  expect(p.sourceRepos).toHaveLength(3);
  const objects = allObjects();
  const namespaces = [...new Set(objects.map((o) => o.metadata.namespace).filter((n): n is string => !!n))].sort();
  expect(p.destinations.map((d) => d.namespace)).toEqual(namespaces);
  const clusterKinds = [...new Set(objects.filter((o) => CLUSTER_SCOPED.has(o.kind)).map((o) => o.kind)), 'CustomResourceDefinition'].sort();
  expect(p.clusterResourceWhitelist.map((k) => k.kind).sort()).toEqual(clusterKinds);
});

test('the controller may manage every kind the stack emits, without wildcards', () => {
  const rules = rulesOf(findResource('ClusterRole', `${site.namespaces.argocd}-argocd-application-controller`));
  for (const o of allObjects()) {
    const group = o.apiVersion.includes('/') ? o.apiVersion.split('/')[0]! : '';
    const ok = rules.some((r) => (r.apiGroups ?? []).includes(group) && (r.resources ?? []).includes(resourceOf(o.kind)) && ['create', 'update', 'patch', 'delete'].every((v) => r.verbs.includes(v)));
    expect({ kind: o.kind, ok }).toEqual({ kind: o.kind, ok: true });
  }
  expect(JSON.stringify(rules)).not.toContain('"*"');
  const cm = findResource('ConfigMap', 'argocd-cm').data as Record<string, string>;
  expect(cm['application.resourceTrackingMethod']).toBe('annotation');
  expect(cm['resource.exclusions']).toContain('CiliumIdentity');
  expect(cm['resource.customizations.health.argoproj.io_Application']).toContain('obj.status.health.status');
  expect(cm.url).toBe(`https://argocd.${site.cluster.domain}`);
});

test('the repo-server leaves the cluster only for git (besides its redis cache and DNS)', () => {
  const egress = (workloadPolicy(site.namespaces.argocd, 'argocd-repo-server').spec as { egress: Record<string, unknown>[] }).egress;
  expect(egress).toEqual([
    { toFQDNs: [{ matchName: 'git.domus.lan' }], toPorts: [{ ports: [{ port: '443', protocol: 'TCP' }] }] },
    { toEndpoints: [{ matchLabels: { 'app.kubernetes.io/name': 'argocd-redis', 'k8s:io.kubernetes.pod.namespace': 'argocd' } }], toPorts: [{ ports: [{ port: '6379', protocol: 'TCP' }] }] },
  ]);
  // An ssh:// repository opens port 22 instead.
  const ssh = synth({ git: { repoURL: 'ssh://git@git.domus.lan:2222/homelab/stack.git' } });
  expect(JSON.stringify(workloadPolicy('argocd', 'argocd-repo-server', ssh).spec)).toContain('"port":"2222"');
});

test('redis is reachable only from Argo CD components', () => {
  const ingress = (workloadPolicy(site.namespaces.argocd, 'argocd-redis').spec as { ingress: { fromEndpoints: { matchLabels: Record<string, string> }[] }[] }).ingress;
  const from = ingress.flatMap((r) => r.fromEndpoints.map((e) => e.matchLabels['app.kubernetes.io/name']));
  expect(from.sort()).toEqual(['argocd-application-controller', 'argocd-repo-server', 'argocd-server']);
});

test('Dex is off by default and, when enabled, runs with its own flows and no inline secret', () => {
  expect(() => findResource('Deployment', 'argocd-dex-server')).toThrow();
  const dex = synth({ workloads: { argocd: { dex: { enabled: true, config: 'connectors:\n- type: oidc\n  id: kc\n  name: Keycloak\n  config:\n    issuer: https://sso.domus.lan/realms/home\n    clientID: argocd\n    clientSecret: $dex.kc.clientSecret\n', issuerHosts: ['sso.domus.lan'] } } } });
  expect(findResource('Deployment', 'argocd-dex-server', 'argocd', dex).kind).toBe('Deployment');
  expect((findResource('ConfigMap', 'argocd-cm', 'argocd', dex).data as Record<string, string>)['dex.config']).toContain('$dex.kc.clientSecret');
  const egress = JSON.stringify((workloadPolicy('argocd', 'argocd-dex-server', dex).spec as { egress: unknown }).egress);
  expect(egress).toContain('sso.domus.lan');
  expect(issuesOf({ workloads: { argocd: { dex: { enabled: true } } } })[0]!.path).toBe('workloads.argocd.dex.config');
  expect(issuesOf({ workloads: { argocd: { dex: { enabled: true, config: 'clientSecret: hunter2', issuerHosts: ['a.lan'] } } } })[0]!.expected).toContain('$dex.<key>');
});
