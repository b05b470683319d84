/**
 * The Argo CD admission model of `npm run verify` (verify/checks/argocd-admission.ts) on the committed dist/:
 * it passes, and each careless edit of the synthesized YAML that would leave an Application InvalidSpec,
 * forbidden or unhealthy on a real cluster fails with a message that names the object and the reason.
 */
import { exampleDist } from './site-context';
import { parse, stringify } from 'yaml';
import { checkArgocdAdmission, destinationMatched, globMatch, groupKindPermitted, KUSTOMIZATION_NAMES, normalizeGitURL, uncovered } from '../../verify/checks/argocd-admission';
import { ARGOCD_FACTS as F } from '../../conformance/facts/argocd';
import { cachedLoadDist as loadDist } from '../lib/dist-cache';
import { Context, Doc, KubeObj } from '../../verify/types';
import { APP_WAVES } from '../../charts/apps';

/** The root's waves, as the registry declares them. */
const W = APP_WAVES as Readonly<Record<string, number>>;

// The example site's output: these mutations name its hosts and roles (a fork's dist/ is its own site).
const DIST = exampleDist();
const base = loadDist(DIST);

function context(mutate?: (docs: Doc[]) => void): Context {
  const docs: Doc[] = base.docs.map((d) => ({ ...d, obj: structuredClone(d.obj) }));
  mutate?.(docs);
  return { docs, files: base.files, dist: DIST, nodes: [], vault: { cidrs: [], host: 'vault.domus.lan', port: 8200 }, gitPath: 'dist' };
}
const errors = (c: Context) =>
  checkArgocdAdmission(c)
    .filter((f) => f.severity === 'error')
    .map((f) => f.message);
const obj = (docs: Doc[], kind: string, name: string): KubeObj => {
  const d = docs.find((x) => x.obj.kind === kind && x.obj.metadata.name === name);
  if (!d) throw new Error(`no ${kind} ${name} in dist`);
  return d.obj;
};
type AppSpec = { destination: { namespace?: string }; source: { repoURL: string } };
type Rule = { apiGroups?: string[]; resources?: string[]; verbs: string[]; resourceNames?: string[]; nonResourceURLs?: string[] };
const controllerRole = (docs: Doc[]) => docs.find((d) => d.file === 'bootstrap/argocd/controller-rbac.yaml' && d.obj.kind === 'ClusterRole')!.obj as KubeObj & { rules: Rule[] };

test('the committed dist passes: every Application admitted, creatable, ordered and reachable', () => {
  const out = checkArgocdAdmission(context());
  expect(out.filter((f) => f.severity === 'error')).toEqual([]);
  expect(out.map((f) => f.message).join('\n')).toMatch(/^\d+ Applications admitted/);
});

describe('project admission', () => {
  test('an Application without a destination namespace is InvalidSpec, and holds back every later wave', () => {
    const m = errors(context((d) => void delete (obj(d, 'Application', 'vault').spec as AppSpec).destination.namespace));
    expect(m).toContain(
      "Application vault: destination server 'https://kubernetes.default.svc' and namespace '' do not match any destination of project homelab (Argo CD matches the namespace as written; an empty one matches only \"*\")",
    );
    // The waves come from the registry (charts/apps.ts APP_WAVES): Argo CD, then the ingress, then the rest.
    expect(m.find((x) => x.startsWith(`Application vault (wave ${W.vault}) cannot become Healthy`))).toContain(`waves after it: argocd (${W.argocd}), ingress (${W.ingress}), `);
  });
  test('a synced object in a namespace the project does not list is refused', () => {
    const m = errors(
      context(
        (d) =>
          void ((obj(d, 'AppProject', 'homelab').spec as { destinations: { namespace: string }[] }).destinations = (
            obj(d, 'AppProject', 'homelab').spec as { destinations: { namespace: string }[] }
          ).destinations.filter((x) => x.namespace !== 'storage')),
      ),
    );
    expect(m.some((x) => /^Application storage: .*namespace 'storage' do not match/.test(x))).toBe(true);
    expect(m.some((x) => /^Application platform: namespace storage of \w+ \S+ is not a destination of the project/.test(x))).toBe(true);
  });
  test('a kind missing from the whitelists is refused', () => {
    const m = errors(
      context((d) => {
        const p = obj(d, 'AppProject', 'homelab').spec as { namespaceResourceWhitelist: { kind: string }[]; clusterResourceWhitelist: { kind: string }[] };
        p.namespaceResourceWhitelist = p.namespaceResourceWhitelist.filter((k) => k.kind !== 'IngressRoute');
        p.clusterResourceWhitelist = p.clusterResourceWhitelist.filter((k) => k.kind !== 'CustomResourceDefinition');
      }),
    );
    expect(m).toContain("Application ingress: traefik.io/IngressRoute is not in the project's namespace resource whitelist");
    expect(m).toContain("Application argocd-crds: CustomResourceDefinition is not in the project's cluster resource whitelist");
  });
  test('a source repository the project does not list is refused', () => {
    const m = errors(context((d) => void ((obj(d, 'Application', 'storage').spec as AppSpec).source.repoURL = 'https://git.domus.lan/someone/else.git')));
    expect(m).toContain('Application storage: source https://git.domus.lan/someone/else.git is not in the sourceRepos of project homelab');
  });
});

describe('the controller may create what it syncs (Kubernetes RBAC escalation rule)', () => {
  test('a synced ClusterRole with a rule the controller lacks fails, and so does its binding', () => {
    const m = errors(
      context((d) => {
        const r = controllerRole(d);
        r.rules = r.rules.filter((x) => !(x.nonResourceURLs ?? []).includes('/metrics'));
      }),
    );
    expect(
      m.some((x) =>
        /^Application monitoring: ClusterRole monitoring-prometheus grants what system:serviceaccount:argocd:argocd-application-controller does not hold \(Kubernetes forbids the escalation\): get \/metrics/.test(
          x,
        ),
      ),
    ).toBe(true);
    expect(m.some((x) => x.startsWith('Application monitoring: ClusterRoleBinding monitoring-prometheus binds ClusterRole monitoring-prometheus'))).toBe(true);
  });
  test('a binding to a built-in role (system:auth-delegator) needs its rules (as Kubernetes 1.28 defines them) or bind on that name', () => {
    const m = errors(
      context((d) => {
        const r = controllerRole(d);
        r.rules = r.rules.filter((x) => !x.verbs.includes('bind'));
      }),
    );
    expect(m).toContain(
      'Application vault: ClusterRoleBinding vault-vault-auth-delegator binds ClusterRole system:auth-delegator and system:serviceaccount:argocd:argocd-application-controller neither holds its rules nor has bind on it: create authentication.k8s.io/tokenreviews, create authorization.k8s.io/subjectaccessreviews',
    );
  });
  test('a namespaced Role is checked in its namespace: the mirror Role elsewhere does not help', () => {
    const m = errors(
      context((d) => {
        const mirror = d.find((x) => x.file === 'bootstrap/argocd/controller-rbac.yaml' && x.obj.kind === 'RoleBinding' && x.obj.metadata.namespace === 'argocd')!;
        mirror.obj.metadata.namespace = 'storage';
      }),
    );
    expect(m.some((x) => /^Application argocd: Role argocd\/argocd-server grants what .* does not hold .*get secrets.*create secrets/.test(x))).toBe(true);
  });
  test('rights the controller would hold only through a synced binding do not count (it cannot extend them by syncing)', () => {
    const m = errors(
      context((d) => {
        d.forEach((x, i) => {
          if (x.file === 'bootstrap/argocd/controller-rbac.yaml' && x.obj.kind.endsWith('Binding')) d[i] = { ...x, file: 'argocd/argocd.yaml' };
        });
      }),
    );
    expect(m.some((x) => /^Application monitoring: ClusterRole monitoring-prometheus grants what .* does not hold/.test(x))).toBe(true);
    expect(m.some((x) => /^Application argocd: .* may not create\/update\/patch\/delete apps\/deployments in argocd$/.test(x))).toBe(true);
  });
  test('escalate on the role name admits a role without holding its rules', () => {
    const m = errors(
      context((d) => {
        const r = controllerRole(d);
        r.rules = r.rules.filter((x) => !(x.nonResourceURLs ?? []).includes('/metrics'));
        r.rules.push({ apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'], verbs: ['escalate', 'bind'], resourceNames: ['monitoring-prometheus'] });
      }),
    );
    expect(m.filter((x) => x.includes('monitoring-prometheus'))).toEqual([]);
  });
  test('a kind missing from resource.inclusions is invisible to the controller', () => {
    const m = errors(
      context((d) => {
        const cm = obj(d, 'ConfigMap', 'argocd-cm') as KubeObj & { data: Record<string, string> };
        const inc = parse(cm.data['resource.inclusions']!) as { apiGroups: string[]; kinds: string[] }[];
        cm.data['resource.inclusions'] = stringify(inc.map((x) => ({ ...x, kinds: x.kinds.filter((k) => k !== 'Middleware') })));
      }),
    );
    expect(m).toContain('Application ingress: traefik.io/Middleware is not in argocd-cm resource.inclusions (or is excluded): the controller never sees it');
  });
  test('a managed kind without create rights fails', () => {
    const m = errors(
      context((d) => {
        const r = controllerRole(d);
        for (const x of r.rules) if ((x.resources ?? []).includes('statefulsets')) x.verbs = ['get', 'list', 'watch'];
      }),
    );
    expect(
      m.some((x) => x === 'Application security: system:serviceaccount:argocd:argocd-application-controller may not create/update/patch/delete apps/statefulsets in security'),
    ).toBe(true);
  });
});

describe('CRDs before custom resources, repositories reachable', () => {
  test('the Traefik CRD app after the apps that use its kinds', () => {
    const m = errors(context((d) => void (obj(d, 'Application', 'traefik-crds').metadata.annotations!['argocd.argoproj.io/sync-wave'] = '5')));
    expect(m).toContain(`Application ingress: its traefik.io objects sync in wave ${W.ingress}, not after the CRDs (traefik-crds wave 5)`);
  });
  test('custom resources of a group nobody installs', () => {
    const m = errors(
      context((d) => {
        const cm = d.find((x) => x.file.startsWith('monitoring/') && x.obj.kind === 'ConfigMap')!;
        d.push({ ...cm, obj: { apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', metadata: { name: 'x', namespace: 'monitoring' } } });
      }),
    );
    expect(m).toContain('Application monitoring: its monitoring.coreos.com objects have no CRD: no Application installs one and the cluster does not have it');
  });
  test('an upstream repository on github.com is unreachable from the repo-server', () => {
    const m = errors(
      context((d) => {
        (obj(d, 'Application', 'argocd-crds').spec as AppSpec).source.repoURL = 'https://github.com/argoproj/argo-cd.git';
        (obj(d, 'AppProject', 'homelab').spec as { sourceRepos: string[] }).sourceRepos.push('https://github.com/argoproj/argo-cd.git');
      }),
    );
    expect(m).toContain('Application argocd-crds: the repo-server may not reach github.com:443 for https://github.com/argoproj/argo-cd.git under the network policies');
    expect(m.find((x) => x.startsWith(`Application argocd-crds (wave ${W['argocd-crds']}) cannot become Healthy`))).toContain(`platform (${W.platform})`);
  });
});

describe('the repo-server trusts every repository host', () => {
  type Pod = { spec: { template: { spec: { containers: { volumeMounts: { mountPath: string }[] }[] } } } };
  test('no CA for the private git host', () => {
    const m = errors(context((d) => void ((obj(d, 'ConfigMap', 'argocd-tls-certs-cm') as KubeObj & { data: Record<string, string> }).data = {})));
    expect(m).toContain('Application platform: argocd-tls-certs-cm has no CA certificate for git.domus.lan: the repo-server rejects its private-CA certificate');
  });
  test('the trust config map not mounted where Argo CD reads it', () => {
    const m = errors(
      context((d) => {
        const c = (obj(d, 'Deployment', 'argocd-repo-server') as unknown as Pod).spec.template.spec.containers[0]!;
        c.volumeMounts = c.volumeMounts.filter((v) => v.mountPath !== '/app/config/tls');
      }),
    );
    expect(m).toContain('Application root: the repo-server mounts no config map at /app/config/tls, so it cannot trust git.domus.lan (a private name no public CA issues for)');
  });
  test('an ssh repository without a known_hosts line', () => {
    const m = errors(
      context((d) => {
        (obj(d, 'Application', 'argocd-crds').spec as AppSpec).source.repoURL = 'ssh://git@git.domus.lan/homelab/argo-cd.git';
        (obj(d, 'AppProject', 'homelab').spec as { sourceRepos: string[] }).sourceRepos.push('ssh://git@git.domus.lan/homelab/argo-cd.git');
      }),
    );
    expect(m).toContain('Application argocd-crds: argocd-ssh-known-hosts-cm has no known_hosts line for git.domus.lan: ssh host key verification fails');
    expect(m).toContain('Application argocd-crds: the repo-server may not reach git.domus.lan:22 for ssh://git@git.domus.lan/homelab/argo-cd.git under the network policies');
  });
});

describe('the upstream semantics the model relies on', () => {
  test('destination matching: the namespace as written; "*" matches empty; deny patterns', () => {
    const project = { destinations: [{ server: 'https://kubernetes.default.svc', namespace: 'monitoring' }] };
    expect(destinationMatched(project, { server: 'https://kubernetes.default.svc' })).toBe(false);
    expect(destinationMatched(project, { server: 'https://kubernetes.default.svc', namespace: 'monitoring' })).toBe(true);
    expect(destinationMatched({ destinations: [{ server: '*', namespace: '*' }] }, { server: 'https://kubernetes.default.svc' })).toBe(true);
    expect(
      destinationMatched(
        {
          destinations: [
            { server: '*', namespace: 'team-*' },
            { server: '*', namespace: '!team-secret' },
          ],
        },
        { server: 'x', namespace: 'team-secret' },
      ),
    ).toBe(false);
  });
  test('globs, URL normalization, whitelists', () => {
    expect(globMatch('https://git.lan/*', 'https://git.lan/a/b', '/')).toBe(false);
    expect(globMatch('https://git.lan/*/*', 'https://git.lan/a/b', '/')).toBe(true);
    expect(normalizeGitURL('https://Git.lan/Homelab/Stack.git/')).toBe('https://git.lan/homelab/stack');
    expect(normalizeGitURL('git@git.lan:homelab/stack.git')).toBe('ssh://git@git.lan/homelab/stack');
    expect(groupKindPermitted({}, { group: 'apps', kind: 'Deployment' }, true)).toBe(true);
    expect(groupKindPermitted({ namespaceResourceWhitelist: [] }, { group: 'apps', kind: 'Deployment' }, true)).toBe(false);
    expect(groupKindPermitted({}, { group: '', kind: 'Namespace' }, false)).toBe(false);
  });
  test('covers: resourceNames, subresources, non-resource URLs, wildcards', () => {
    const owner: Rule[] = [
      { apiGroups: [''], resources: ['secrets'], verbs: ['get'], resourceNames: ['a'] },
      { apiGroups: [''], resources: ['pods/*'], verbs: ['get'] },
      { nonResourceURLs: ['/metrics'], verbs: ['get'] },
    ];
    expect(uncovered(owner, [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'], resourceNames: ['a'] }])).toEqual([]);
    expect(uncovered(owner, [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }])).toEqual(['get secrets']);
    expect(uncovered(owner, [{ apiGroups: [''], resources: ['pods/log'], verbs: ['get'] }])).toEqual([]);
    expect(uncovered(owner, [{ nonResourceURLs: ['/metrics', '/healthz'], verbs: ['get'] }])).toEqual(['get /healthz']);
    expect(uncovered([{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }], [{ apiGroups: ['apps'], resources: ['deployments'], verbs: ['delete'] }])).toEqual([]);
  });
});

describe('issue 18: the UI tree and the source type', () => {
  test('argocd-server without get on a watched child kind: the UI answers 403 (mutation)', () => {
    const m = errors(
      context((d) => {
        const role = obj(d, 'ClusterRole', 'argocd-argocd-server') as KubeObj & { rules: Rule[] };
        role.rules = role.rules.map((r) => ({ ...r, resources: (r.resources ?? []).filter((x) => x !== 'replicasets' && x !== 'endpointslices') }));
      }),
    );
    expect(m).toContain(
      'system:serviceaccount:argocd:argocd-server may not get apps/replicasets, discovery.k8s.io/endpointslices, which the controller watches: the UI answers 403 for them in the resource tree',
    );
  });
  test('a directory source over a folder holding a kustomization reads it as a manifest (mutation)', () => {
    const m = errors(
      context((d) => {
        (obj(d, 'Application', 'argocd-crds').spec as { source: { directory?: unknown } }).source.directory = { recurse: false };
      }),
    );
    expect(m.find((x) => x.startsWith('Application argocd-crds: its source sets `directory`'))).toContain('reads kustomization.yaml as a manifest');
    // The verify model and the conformance fact name the same file.
    expect(F.crdsFolder.value).toContain('kustomization.yaml');
    expect(KUSTOMIZATION_NAMES).toEqual(F.kustomizationNames.value);
  });
});
