/**
 * GitOps wiring: every Application points at a folder that exists in dist/, the project admits exactly the
 * stack, waves follow the documented order, and Argo CD's own RBAC is bounded to what the stack emits.
 */
import { sh } from '../constructs/lib/quote';
import { parseAllDocuments } from 'yaml';
import { APP_WAVES, CHILD_RETRY, PROJECT, resourceOf, retryPolicy, retryWindowSeconds, ROOT_RETRY } from '../charts/apps';
import { APPS } from '../constructs/registry';
import { ARGOCD_FACTS as F } from '../conformance/facts/argocd';
import { CONTROLLER_RBAC_FILE } from '../constructs/argocd';
import { EXAMPLE_REPO_URL, mirrorsOf, UPSTREAM_REPOS } from '../config/git';
import { EXAMPLE_CA_PEM } from '../config/trust';
import { CLUSTER_SCOPED } from '../charts/stack-chart';
import { allObjects, findAll, findResource, issuesOf, syncWave, synth, workloadPolicy } from './helpers';

const s = synth();
const site = s.stack.ctx.site;
const apps = findAll('Application');
type AppSpec = {
  project: string;
  source: { repoUrl?: string; repoURL?: string; path: string; targetRevision: string };
  destination: { server: string; namespace?: string };
  syncPolicy: { automated: { prune: boolean; selfHeal: boolean }; retry: { limit: number }; syncOptions: string[] };
};
const spec = (a: (typeof apps)[number]) => a.spec as AppSpec;
const repo = (a: (typeof apps)[number]) => spec(a).source.repoURL ?? spec(a).source.repoUrl;

test('one child Application per chart plus the upstream CRDs and the root', () => {
  expect(apps.map((a) => a.metadata.name).sort()).toEqual([...s.charts.filter((c) => c.name !== 'apps').map((c) => c.name), 'argocd-crds', 'traefik-crds', 'root'].sort());
});

test('every Application of this repository names a folder of dist/ that holds YAML', () => {
  const own = apps.filter((a) => repo(a) === site.git.repoURL);
  expect(own.length).toBe(s.charts.length + 0);
  for (const a of own) {
    const folder = spec(a).source.path.replace(`${site.git.path}/`, '');
    const files = [...s.files.keys()].filter((f) => f.startsWith(`${folder}/`) && f.endsWith('.yaml'));
    expect({ app: a.metadata.name, files: files.length > 0 }).toEqual({ app: a.metadata.name, files: true });
    expect(spec(a).source.targetRevision).toBe(site.git.revision);
  }
});

test('automated sync with self-heal and retry on every Application; prune and cascade delete except for the CRD apps', () => {
  const crdApps = ['argocd-crds', 'traefik-crds'];
  for (const a of apps) {
    const keep = crdApps.includes(a.metadata.name);
    expect(spec(a).project).toBe(PROJECT);
    expect({ app: a.metadata.name, automated: spec(a).syncPolicy.automated }).toEqual({ app: a.metadata.name, automated: { prune: !keep, selfHeal: true } });
    expect(spec(a).syncPolicy.retry.limit).toBeGreaterThan(0);
    // Prune=false/Delete=false are resource annotations (gitops-engine, controller/appcontroller.go
    // shouldBeDeleted); as Application syncOptions Argo CD ignores them, so none may be written there.
    expect(spec(a).syncPolicy.syncOptions.filter((o) => /^(Prune|Delete)=/.test(o))).toEqual([]);
    // Only the resources finalizer makes deleting an Application delete what it synced.
    expect({ app: a.metadata.name, cascades: (a.metadata as { finalizers?: string[] }).finalizers?.includes('resources-finalizer.argocd.argoproj.io') ?? false }).toEqual({
      app: a.metadata.name,
      cascades: !keep,
    });
    // The root syncs the Application objects: the annotation on them keeps it from pruning or deleting the CRD apps.
    expect(a.metadata.annotations?.['argocd.argoproj.io/sync-options']).toBe(keep ? 'Prune=false,Delete=false' : undefined);
  }
  expect(spec(findResource('Application', 'argocd-crds')).syncPolicy.syncOptions).toContain('ServerSideApply=true');
});

test('every Application names a destination namespace the project admits (Argo CD matches it as written)', () => {
  const p = findResource('AppProject', PROJECT).spec as { destinations: { server: string; namespace: string }[] };
  for (const a of apps) {
    const d = spec(a).destination;
    expect({ app: a.metadata.name, admitted: p.destinations.some((x) => x.server === d.server && x.namespace === d.namespace) }).toEqual({ app: a.metadata.name, admitted: true });
  }
  expect(p.destinations.some((x) => x.namespace === '*')).toBe(false);
  // The chart's main namespace: monitoring for the monitoring app, argocd for the CRD apps and the root.
  expect(spec(findResource('Application', 'monitoring')).destination.namespace).toBe(site.namespaces.monitoring);
  expect(spec(findResource('Application', 'root')).destination.namespace).toBe(site.namespaces.argocd);
});

test('the CRD apps pull the pinned tags from LAN mirrors next to the stack repository, never from github.com', () => {
  const crds = findResource('Application', 'argocd-crds');
  expect(repo(crds)).toBe('https://git.domus.lan/homelab/argo-cd.git');
  expect(spec(crds).source.targetRevision).toBe(UPSTREAM_REPOS.argocd.tag);
  expect(spec(findResource('Application', 'traefik-crds')).source.targetRevision).toBe(UPSTREAM_REPOS.traefik.tag);
  expect(JSON.stringify(apps)).not.toContain('github.com');
  // Defaults follow git.repoURL; an explicit mirror wins; a github.com mirror is refused.
  const other = synth({ git: { repoURL: 'ssh://git@forge.lan:2222/ops/lab.git', sshKnownHosts: ['[forge.lan]:2222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGx0'] } });
  expect(mirrorsOf(other.stack.ctx.site)).toEqual({ argocd: 'ssh://git@forge.lan:2222/ops/argo-cd.git', traefik: 'ssh://git@forge.lan:2222/ops/traefik.git' });
  expect(repo(findResource('Application', 'traefik-crds', 'argocd', other))).toBe('ssh://git@forge.lan:2222/ops/traefik.git');
  expect(issuesOf({ git: { mirrors: { argocd: 'https://github.com/argoproj/argo-cd.git' } } }).map((i) => i.path)).toEqual(['git.mirrors.argocd']);
  // A stack repository on github.com already opens that host: mirrors there (the sibling default) add nothing.
  const gh = synth({ git: { repoURL: 'https://github.com/me/lab.git' } });
  expect(mirrorsOf(gh.stack.ctx.site).argocd).toBe('https://github.com/me/argo-cd.git');
});

test('git trust: the example CA only for the example repository, a private host needs its CA, ssh needs known hosts', () => {
  const certs = findResource('ConfigMap', 'argocd-tls-certs-cm').data as Record<string, string>;
  expect(site.git.repoURL).toBe(EXAMPLE_REPO_URL);
  expect(certs).toEqual({ 'git.domus.lan': EXAMPLE_CA_PEM });
  // Changing the repository drops the example CA: a private name then needs git.caCert.
  const noCa = issuesOf({ git: { repoURL: 'https://git.casa.home.arpa/infra/lab.git' } });
  expect(noCa.map((i) => i.path)).toEqual(['git.caCert']);
  expect(noCa[0]!.expected).toContain('git.casa.home.arpa');
  const own = synth({ git: { repoURL: 'https://git.casa.home.arpa/infra/lab.git', caCert: EXAMPLE_CA_PEM } });
  expect(Object.keys(findResource('ConfigMap', 'argocd-tls-certs-cm', 'argocd', own).data as object)).toEqual(['git.casa.home.arpa']);
  // A public host needs no CA and gets no entry.
  const pub = synth({ git: { repoURL: 'https://gitlab.com/me/lab.git', mirrors: { argocd: 'https://gitlab.com/me/argo-cd.git', traefik: 'https://gitlab.com/me/traefik.git' } } });
  expect(findResource('ConfigMap', 'argocd-tls-certs-cm', 'argocd', pub).data ?? {}).toEqual({});
  // ssh without a known_hosts line for the host is refused, with the host named.
  const ssh = issuesOf({ git: { repoURL: 'git@git.domus.lan:homelab/stack.git' } });
  expect(ssh.map((i) => i.path)).toEqual(['git.sshKnownHosts']);
  expect(ssh[0]!.expected).toContain('git.domus.lan');
  expect(issuesOf({ git: { sshKnownHosts: ['git.domus.lan ssh-ed25519 AAAA; rm -rf /'] } })[0]!.path).toBe('git.sshKnownHosts[0]');
  const known = synth({ git: { repoURL: 'git@git.domus.lan:homelab/stack.git', sshKnownHosts: ['git.domus.lan ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGx0'] } });
  expect((findResource('ConfigMap', 'argocd-ssh-known-hosts-cm', 'argocd', known).data as Record<string, string>).ssh_known_hosts).toBe(
    'git.domus.lan ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGx0\n',
  );
});

test('waves: CRDs, then platform, vault, argocd, the ingress, stateful backends, UIs', () => {
  const wave = (n: string) => syncWave(findResource('Application', n));
  for (const [name, w] of Object.entries(APP_WAVES)) if (apps.some((a) => a.metadata.name === name)) expect(wave(name)).toBe(w);
  expect(wave('argocd-crds')).toBeLessThan(wave('platform'));
  expect(wave('platform')).toBeLessThan(wave('vault'));
  expect(wave('vault')).toBeLessThan(wave('argocd'));
  expect(wave('argocd')).toBeLessThan(wave('ingress'));
  expect(wave('ingress')).toBeLessThan(wave('storage'));
  expect(wave('storage')).toBeLessThanOrEqual(wave('security'));
  expect(wave('security')).toBeLessThan(wave('monitoring'));
  // Within each app: namespaces before everything, identity and policy before workloads.
  for (const o of allObjects()) {
    if (o.kind === 'Namespace') expect(syncWave(o)).toBe(-3);
    if (['Deployment', 'StatefulSet'].includes(o.kind)) expect(syncWave(o)).toBeGreaterThan(syncWave(findResource('ServiceAccount', o.metadata.name, o.metadata.namespace)));
  }
});

test('the ingress syncs right after Argo CD: no app that may turn Degraded on its own holds Traefik back (issue 18 #4)', () => {
  // From the registry: the chart of the app playing the ingress role, and Argo CD's.
  const ingress = APPS.find((a) => a.roles && 'ingress' in a.roles)!.chart;
  const argocd = APPS.find((a) => a.key === 'argocd')!.chart;
  const W = APP_WAVES as Readonly<Record<string, number>>;
  expect(W[ingress]!).toBeGreaterThan(W[argocd]!);
  // Every other chart is either before Argo CD (what Argo CD and Traefik need: CRDs, platform, the injector)
  // or after the ingress; none sits between them, and none shares the ingress wave.
  const between = Object.keys(W).filter((c) => c !== ingress && W[c]! > W[argocd]! && W[c]! <= W[ingress]!);
  expect(between).toEqual([]);
  // The root's health gate holds back only later waves: what the ingress waits for is what Argo CD waits for.
  const before = Object.keys(W)
    .filter((c) => W[c]! < W[ingress]!)
    .sort();
  expect(before).toEqual(
    Object.keys(W)
      .filter((c) => W[c]! <= W[argocd]!)
      .sort(),
  );
});

test('retry: a window that outlasts a slow first image pull, the root outlasting its children, never endless (ADR-0023)', () => {
  const retry = (a: (typeof apps)[number]) => (a.spec as { syncPolicy: { retry: unknown } }).syncPolicy.retry;
  for (const a of apps)
    expect({ app: a.metadata.name, retry: retry(a) }).toEqual({ app: a.metadata.name, retry: retryPolicy(a.metadata.name === 'root' ? ROOT_RETRY : CHILD_RETRY) });
  // The rendered form is what Argo CD parses (parseStringToDuration); the window follows NextRetryAt.
  expect(retryPolicy(CHILD_RETRY)).toEqual({ limit: 10, backoff: { duration: '30s', factor: 2, maxDuration: '10m' } });
  expect(retryWindowSeconds({ limit: 5, durationSeconds: 10, factor: 2, maxDurationSeconds: 300 })).toBe(10 + 20 + 40 + 80 + 160);
  // A Deployment is Degraded after its progress deadline (600 s by default); a child retries for an hour at
  // least, so a first pull of large images (Wazuh) heals by itself. Before: 5 tries, 310 s.
  expect(retryWindowSeconds(CHILD_RETRY)).toBeGreaterThanOrEqual(3600);
  // The root retries past its children's last retry, so a child that heals lets the root continue unaided.
  expect(retryWindowSeconds(ROOT_RETRY)).toBeGreaterThan(retryWindowSeconds(CHILD_RETRY) + CHILD_RETRY.maxDurationSeconds);
  // Never endless: limit -1 would keep the operation (and auto-sync of any newer commit) on a broken revision.
  for (const r of [CHILD_RETRY, ROOT_RETRY]) expect(r.limit).toBeGreaterThan(0);
  expect(retryWindowSeconds(ROOT_RETRY)).toBeLessThanOrEqual(2 * 3600);
});

test('a source folder holding a kustomization is built with kustomize, never read as a plain directory', () => {
  // An explicit `directory` makes Argo CD parse kustomization.yaml as a manifest (ApplicationSource.ExplicitType
  // wins over discovery); without one, discovery finds the kustomization and runs kustomize.
  type Source = { path: string; directory?: { include?: string; exclude?: string } };
  const source = (name: string) => (findResource('Application', name).spec as { source: Source }).source;
  expect(F.crdsFolder.value).toContain(UPSTREAM_REPOS.argocd.kustomization);
  expect(source('argocd-crds').directory).toBeUndefined();
  expect(source('argocd-crds').path).toBe(UPSTREAM_REPOS.argocd.path);
  // Our own folders hold no kustomization, so their directory source reads every file as a manifest.
  for (const a of apps.filter((x) => repo(x) === site.git.repoURL)) {
    const folder = source(a.metadata.name).path.replace(`${site.git.path}/`, '');
    expect([...s.files.keys()].filter((f) => f.startsWith(`${folder}/`) && F.kustomizationNames.value.includes(f.slice(folder.length + 1)))).toEqual([]);
    // No zero-valued directory block: Argo CD's controller strips it and the root re-applies it, forever (ADR 0160).
    expect(source(a.metadata.name).directory).toBeUndefined();
  }
});

test('Namespaces (and only data-bearing kinds) are protected from prune and delete', () => {
  for (const ns of findAll('Namespace')) expect(ns.metadata.annotations?.['argocd.argoproj.io/sync-options']).toBe('Prune=false,Delete=false');
});

test('the AppProject admits exactly the repository, the namespaces and the cluster-scoped kinds of the stack', () => {
  const p = findResource('AppProject', PROJECT).spec as {
    sourceRepos: string[];
    destinations: { namespace: string }[];
    clusterResourceWhitelist: { group: string; kind: string }[];
  };
  expect(p.sourceRepos[0]).toBe(site.git.repoURL);
  expect(p.sourceRepos.slice(1)).toEqual(['https://git.domus.lan/homelab/argo-cd.git', 'https://git.domus.lan/homelab/traefik.git']);
  const objects = allObjects();
  const namespaces = [...new Set(objects.map((o) => o.metadata.namespace).filter((n): n is string => !!n))].sort();
  expect(p.destinations.map((d) => d.namespace)).toEqual(namespaces);
  const clusterKinds = [...new Set(objects.filter((o) => CLUSTER_SCOPED.has(o.kind)).map((o) => o.kind)), 'CustomResourceDefinition'].sort();
  expect(p.clusterResourceWhitelist.map((k) => k.kind).sort()).toEqual(clusterKinds);
});

/** The controller's RBAC, written outside the synced folders (it cannot grant itself what it lacks). */
function controllerRbac(): {
  kind: string;
  metadata: { name: string; namespace?: string };
  rules?: { apiGroups?: string[]; resources?: string[]; verbs: string[]; resourceNames?: string[] }[];
}[] {
  return parseAllDocuments(s.files.get(CONTROLLER_RBAC_FILE)!).map((d) => d.toJS());
}

test('the controller may manage every kind the stack emits, without wildcards', () => {
  expect(allObjects().some((o) => o.metadata.name === `${site.namespaces.argocd}-argocd-application-controller`)).toBe(false);
  const rules = controllerRbac().find((o) => o.kind === 'ClusterRole')!.rules!;
  // Argo CD never prunes or deletes these, even on a cluster where an older dist had it create them.
  for (const o of controllerRbac())
    expect((o.metadata as { annotations?: Record<string, string> }).annotations?.['argocd.argoproj.io/sync-options']).toBe('Prune=false,Delete=false');
  for (const o of allObjects()) {
    const group = o.apiVersion.includes('/') ? o.apiVersion.split('/')[0]! : '';
    const ok = rules.some(
      (r) => (r.apiGroups ?? []).includes(group) && (r.resources ?? []).includes(resourceOf(o.kind)) && ['create', 'update', 'patch', 'delete'].every((v) => r.verbs.includes(v)),
    );
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
    // The stack repository and both LAN mirrors live on the same host: one rule.
    { toFQDNs: [{ matchName: 'git.domus.lan' }], toPorts: [{ ports: [{ port: '443', protocol: 'TCP' }] }] },
    {
      toEndpoints: [{ matchLabels: { 'app.kubernetes.io/name': 'argocd-redis', 'k8s:io.kubernetes.pod.namespace': 'argocd' } }],
      toPorts: [{ ports: [{ port: '6379', protocol: 'TCP' }] }],
    },
  ]);
  // An ssh:// repository opens port 22 instead.
  const ssh = synth({ git: { repoURL: 'ssh://git@git.domus.lan:2222/homelab/stack.git', sshKnownHosts: ['[git.domus.lan]:2222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGx0'] } });
  expect(JSON.stringify(workloadPolicy('argocd', 'argocd-repo-server', ssh).spec)).toContain('"port":"2222"');
});

test('redis is reachable only from Argo CD components', () => {
  const ingress = (workloadPolicy(site.namespaces.argocd, 'argocd-redis').spec as { ingress: { fromEndpoints: { matchLabels: Record<string, string> }[] }[] }).ingress;
  const from = ingress.flatMap((r) => r.fromEndpoints.map((e) => e.matchLabels['app.kubernetes.io/name']));
  expect(from.sort()).toEqual(['argocd-application-controller', 'argocd-repo-server', 'argocd-server']);
});

test('Dex is off by default and, when enabled, runs with its own flows and no inline secret', () => {
  expect(() => findResource('Deployment', 'argocd-dex-server')).toThrow();
  const dex = synth({
    workloads: {
      argocd: {
        dex: {
          enabled: true,
          config:
            'connectors:\n- type: oidc\n  id: kc\n  name: Keycloak\n  config:\n    issuer: https://sso.domus.lan/realms/home\n    clientID: argocd\n    clientSecret: $dex.kc.clientSecret\n',
          issuerHosts: ['sso.domus.lan'],
        },
      },
    },
  });
  expect(findResource('Deployment', 'argocd-dex-server', 'argocd', dex).kind).toBe('Deployment');
  expect((findResource('ConfigMap', 'argocd-cm', 'argocd', dex).data as Record<string, string>)['dex.config']).toContain('$dex.kc.clientSecret');
  const egress = JSON.stringify((workloadPolicy('argocd', 'argocd-dex-server', dex).spec as { egress: unknown }).egress);
  expect(egress).toContain('sso.domus.lan');
  expect(issuesOf({ workloads: { argocd: { dex: { enabled: true } } } })[0]!.path).toBe('workloads.argocd.dex.config');
  expect(issuesOf({ workloads: { argocd: { dex: { enabled: true, config: 'clientSecret: hunter2', issuerHosts: ['a.lan'] } } } })[0]!.expected).toContain('$dex.<key>');
});

test('DAY0 creates the mirrors at the pinned tags, applies the controller RBAC and adds credentials without writing them anywhere', () => {
  const day0 = s.files.get('bootstrap/DAY0.md')!;
  for (const [n, url] of Object.entries(mirrorsOf(site)) as [keyof typeof UPSTREAM_REPOS, string][]) {
    expect(day0).toContain(`fetch ${UPSTREAM_REPOS[n].upstreamURL} ${sh(`refs/tags/${UPSTREAM_REPOS[n].tag}:refs/tags/${UPSTREAM_REPOS[n].tag}`)}`);
    expect(day0).toContain(`push ${sh(url)} ${sh(`refs/tags/${UPSTREAM_REPOS[n].tag}`)}`);
  }
  expect(day0).toContain(`kubectl apply --server-side -f dist/${CONTROLLER_RBAC_FILE}`);
  expect(day0.indexOf(CONTROLLER_RBAC_FILE)).toBeLessThan(day0.indexOf('kubectl apply -f dist/apps/apps.yaml'));
  // The token goes from the prompt to kubectl's stdin: never an argument, a file or a literal in git.
  expect(day0).toContain('read -rs -p "git token: " GIT_TOKEN');
  expect(day0).toContain(
    `printf '%s' "$GIT_TOKEN" | kubectl -n argocd create secret generic domus-git-creds --from-literal=type=git --from-literal=url=https://git.domus.lan/homelab/`,
  );
  expect(day0).toContain('argocd.argoproj.io/secret-type=repo-creds');
  // A quote in a repository URL is refused by the site check; the commands' quoting (quote.ts sh) is the second
  // line of defence, proven on forged sites in test/input.test.ts.
  expect(issuesOf({ git: { repoURL: "https://git.domus.lan/it's/stack.git" } }).map((i) => i.path)).toContain('git.repoURL');
  // ssh repositories use a deploy key file instead of a token.
  const ssh = synth({ git: { repoURL: 'git@git.domus.lan:homelab/stack.git', sshKnownHosts: ['git.domus.lan ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGx0'] } });
  const sshDay0 = ssh.files.get('bootstrap/DAY0.md')!;
  expect(sshDay0).toContain('read -r -p "path of the read-only deploy key: " GIT_KEY_FILE');
  expect(sshDay0.indexOf('GIT_KEY_FILE\n')).toBeLessThan(sshDay0.indexOf('--from-file=sshPrivateKey="$GIT_KEY_FILE"'));
  // The user is prompted too (the claim "typed at the prompts" holds), before the secret that uses it.
  expect(day0.indexOf('read -r -p "git user (read-only): " GIT_USER')).toBeGreaterThan(0);
  expect(day0.indexOf('read -r -p "git user (read-only): " GIT_USER')).toBeLessThan(day0.indexOf('--from-literal=username="$GIT_USER"'));
});

test("the controller's bootstrap RBAC, applied by DAY0 and synced by no Application, is not reported as an orphan (ADR 0160)", () => {
  const rbac = parseAllDocuments(s.files.get(CONTROLLER_RBAC_FILE) ?? '')
    .map((d) => d.toJS() as { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } })
    .filter((o) => o?.metadata?.namespace);
  expect(rbac.length).toBeGreaterThan(0);
  const orphans = (findResource('AppProject', PROJECT).spec as { orphanedResources: { warn: boolean; ignore?: { group: string; kind?: string; name?: string }[] } })
    .orphanedResources;
  expect(orphans.warn).toBe(true);
  // Argo CD's match (controller/appcontroller.go isKnownOrphanedResourceExclusion): kind, group and name, each a glob; exact here.
  const ignored = (o: (typeof rbac)[number]) =>
    (orphans.ignore ?? []).some((i) => (!i.kind || i.kind === o.kind) && i.group === o.apiVersion.split('/')[0] && (!i.name || i.name === o.metadata.name));
  expect(rbac.filter((o) => !ignored(o)).map((o) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`)).toEqual([]);
});
