/**
 * Argo CD (namespace `argocd`), written with the workload builder instead of a vendored install.yaml:
 * server, repo-server, application-controller (StatefulSet), redis, applicationset-controller, and Dex when
 * `workloads.argocd.dex.enabled`. v2.14 is the last line tested on Kubernetes 1.28.
 *
 * Bounded RBAC (docs/adr/0020-argocd-rbac.md): the controller manages exactly the kinds the stack emits,
 * listed in `argocd-cm` as `resource.inclusions` so its cache watches nothing else, and granted in a
 * ClusterRole built from the same list (see `finalize`, called once every chart exists).
 */
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { stringify } from 'yaml';
import { parseGitRemote } from '../config/scalars';
import { imageOf, IMAGES, VERSIONS } from '../config/versions';
import { StackContext } from './lib/context';
import { httpsRoute } from './lib/ingress';
import { fqdns, tcp } from './lib/network';
import { READ, ResourceRule, Verb } from './lib/rbac';
import { Workload } from './lib/workload';

export const ARGOCD_UID = 999;
const ALL: readonly Verb[] = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];

/** A kind Argo CD manages: its API group and plural resource name. */
export interface ManagedKind {
  readonly group: string;
  readonly kind: string;
  readonly resource: string;
}

/** Lua health check for Application, so a parent app waits for child apps in earlier waves. */
const APPLICATION_HEALTH_LUA = [
  'hs = {}',
  'hs.status = "Progressing"',
  'hs.message = ""',
  'if obj.status ~= nil then',
  '  if obj.status.health ~= nil then',
  '    hs.status = obj.status.health.status',
  '    if obj.status.health.message ~= nil then',
  '      hs.message = obj.status.health.message',
  '    end',
  '  end',
  'end',
  'return hs',
  '',
].join('\n');

export class ArgoCd extends Construct {
  readonly server: Workload;
  readonly repoServer: Workload;
  readonly controller: Workload;
  readonly redis: Workload;
  readonly applicationSet: Workload;
  readonly dex?: Workload;
  private readonly ns: string;

  constructor(
    scope: Construct,
    id: string,
    private readonly ctx: StackContext,
  ) {
    super(scope, id);
    const site = ctx.site;
    const cfg = site.workloads.argocd;
    this.ns = site.namespaces.argocd;
    const ns = this.ns;
    const image = imageOf('argocd', cfg.version);
    const version = cfg.version ?? IMAGES.argocd.tag;
    const base = { namespace: ns, partOf: 'argocd', version, user: { uid: ARGOCD_UID, gid: ARGOCD_UID } };

    // Component flags from one typed table; argocd-cmd-params-cm records the same values for tooling.
    const params = {
      'server.insecure': 'true', // TLS ends at Traefik
      'server.repo.server': 'argocd-repo-server:8081',
      'redis.server': 'argocd-redis:6379',
      'controller.repo.server': 'argocd-repo-server:8081',
      'reposerver.parallelism.limit': '2',
      'applicationsetcontroller.enable.leader.election': 'false',
      ...(cfg.dex.enabled ? { 'server.dex.server': 'https://argocd-dex-server:5556' } : {}),
    };

    this.redis = new Workload(this, 'redis', ctx, {
      ...base,
      name: 'argocd-redis',
      component: 'redis',
      version: IMAGES.argocdRedis.tag,
      kind: 'Deployment',
      replicas: cfg.redis.replicas,
      containers: [
        {
          name: 'redis',
          image: imageOf('argocdRedis', cfg.redis.version),
          args: ['--save', '', '--appendonly', 'no', '--port', '6379'],
          ports: [{ name: 'redis', port: 6379 }],
          resources: cfg.redis.resources,
          liveness: { tcp: { port: 'redis' } },
          readiness: { exec: { command: ['redis-cli', 'ping'] } },
          writable: ['/data'],
        },
      ],
    });

    this.repoServer = new Workload(this, 'repo-server', ctx, {
      ...base,
      name: 'argocd-repo-server',
      component: 'repo-server',
      kind: 'Deployment',
      replicas: cfg.repoServer.replicas,
      containers: [
        {
          name: 'repo-server',
          image,
          command: ['argocd-repo-server'],
          args: ['--redis', params['redis.server'], '--parallelismlimit', params['reposerver.parallelism.limit'], '--logformat', 'json'],
          ports: [
            { name: 'server', port: 8081 },
            { name: 'metrics', port: 8084 },
          ],
          resources: cfg.repoServer.resources,
          readiness: { http: { path: '/healthz', port: 'metrics' } },
          liveness: { http: { path: '/healthz?full=true', port: 'metrics' }, initialDelaySeconds: 30 },
          writable: ['/tmp', '/home/argocd', '/app/config/gpg/keys', '/helm-working-dir'],
        },
      ],
      metrics: [{ port: 'metrics', job: 'argocd-repo-server' }],
    });

    this.controller = new Workload(this, 'controller', ctx, {
      ...base,
      name: 'argocd-application-controller',
      component: 'application-controller',
      kind: 'StatefulSet',
      replicas: cfg.controller.replicas,
      containers: [
        {
          name: 'application-controller',
          image,
          command: ['argocd-application-controller'],
          args: ['--repo-server', params['controller.repo.server'], '--redis', params['redis.server'], '--status-processors', '10', '--operation-processors', '5', '--logformat', 'json'],
          ports: [{ name: 'metrics', port: 8082 }],
          resources: cfg.controller.resources,
          readiness: { http: { path: '/healthz', port: 'metrics' } },
          liveness: { http: { path: '/healthz', port: 'metrics' }, initialDelaySeconds: 30 },
          writable: ['/tmp', '/home/argocd'],
        },
      ],
      // Namespaced part of its RBAC; the cluster part is added in finalize().
      rules: [
        { apiGroups: [''], resources: ['secrets', 'configmaps'], verbs: READ },
        { apiGroups: ['argoproj.io'], resources: ['applications', 'appprojects'], verbs: ALL },
        { apiGroups: [''], resources: ['events'], verbs: ['create', 'list'] },
      ],
      metrics: [{ port: 'metrics', job: 'argocd-application-controller' }],
    });

    this.server = new Workload(this, 'server', ctx, {
      ...base,
      name: 'argocd-server',
      component: 'server',
      kind: 'Deployment',
      replicas: cfg.server.replicas,
      containers: [
        {
          name: 'server',
          image,
          command: ['argocd-server'],
          args: ['--insecure', '--repo-server', params['server.repo.server'], '--redis', params['redis.server'], ...(cfg.dex.enabled ? ['--dex-server', 'https://argocd-dex-server:5556'] : []), '--logformat', 'json'],
          ports: [
            { name: 'http', port: 8080, servicePort: 80 },
            { name: 'metrics', port: 8083 },
          ],
          resources: cfg.server.resources,
          readiness: { http: { path: '/healthz', port: 'http' } },
          liveness: { http: { path: '/healthz?full=true', port: 'http' }, initialDelaySeconds: 30 },
          writable: ['/tmp', '/home/argocd'],
        },
      ],
      // Settings, repositories and the generated server key live in its own namespace.
      rules: [
        { apiGroups: [''], resources: ['secrets', 'configmaps'], verbs: ALL },
        { apiGroups: ['argoproj.io'], resources: ['applications', 'appprojects', 'applicationsets'], verbs: ALL },
        { apiGroups: [''], resources: ['events'], verbs: ['create', 'list'] },
      ],
      // The UI reads the resource tree and logs of the stack's namespaces; it changes nothing there.
      clusterRules: [
        { apiGroups: [''], resources: ['pods', 'pods/log', 'events'], verbs: ['get', 'list'] },
        { apiGroups: ['argoproj.io'], resources: ['applications', 'applicationsets'], verbs: READ },
      ],
      metrics: [{ port: 'metrics', job: 'argocd-server' }],
    });

    this.applicationSet = new Workload(this, 'applicationset', ctx, {
      ...base,
      name: 'argocd-applicationset-controller',
      component: 'applicationset-controller',
      kind: 'Deployment',
      replicas: cfg.applicationSet.replicas,
      containers: [
        {
          name: 'applicationset-controller',
          image,
          command: ['argocd-applicationset-controller'],
          args: ['--argocd-repo-server', params['server.repo.server'], '--enable-leader-election=false', '--logformat', 'json'],
          ports: [
            { name: 'webhook', port: 7000 },
            { name: 'metrics', port: 8080 },
          ],
          resources: cfg.applicationSet.resources,
          readiness: { tcp: { port: 'webhook' } },
          liveness: { tcp: { port: 'webhook' }, initialDelaySeconds: 30 },
          writable: ['/tmp', '/home/argocd', '/app/config/gpg/keys'],
        },
      ],
      // Namespaced: ApplicationSets live and generate only in the argocd namespace.
      rules: [
        { apiGroups: ['argoproj.io'], resources: ['applications', 'applicationsets', 'applicationsets/finalizers'], verbs: ALL },
        { apiGroups: ['argoproj.io'], resources: ['applicationsets/status'], verbs: ['get', 'patch', 'update'] },
        { apiGroups: ['argoproj.io'], resources: ['appprojects'], verbs: READ },
        { apiGroups: [''], resources: ['secrets', 'configmaps'], verbs: READ },
        { apiGroups: [''], resources: ['events'], verbs: ['create', 'get', 'list', 'patch', 'watch'] },
      ],
      metrics: [{ port: 'metrics', job: 'argocd-applicationset-controller' }],
    });

    const dex = cfg.dex;
    if (dex.enabled) {
      // Dex runs Argo CD's own wrapper (copied from the Argo CD image) so it reads dex.config from argocd-cm.
      this.dex = new Workload(this, 'dex', ctx, {
        ...base,
        name: 'argocd-dex-server',
        component: 'dex-server',
        version: IMAGES.dex.tag,
        kind: 'Deployment',
        replicas: 1,
        initContainers: [
          { name: 'copyutil', image, command: ['/bin/cp', '-n', '/usr/local/bin/argocd', '/shared/argocd-dex'], resources: dex.resources, mounts: [{ volume: 'static-files', path: '/shared' }] },
        ],
        containers: [
          {
            name: 'dex',
            image: imageOf('dex'),
            command: ['/shared/argocd-dex', 'rundex'],
            ports: [
              { name: 'http', port: 5556 },
              { name: 'grpc', port: 5557 },
              { name: 'metrics', port: 5558 },
            ],
            resources: dex.resources,
            readiness: { tcp: { port: 'http' } },
            liveness: { tcp: { port: 'http' }, initialDelaySeconds: 30 },
            mounts: [{ volume: 'static-files', path: '/shared' }],
            writable: ['/tmp'],
          },
        ],
        volumes: [{ name: 'static-files', emptyDir: {} }],
        rules: [{ apiGroups: [''], resources: ['secrets', 'configmaps'], verbs: READ }],
        metrics: [{ port: 'metrics', job: 'argocd-dex-server' }],
      });
      this.server.connect([this.dex.endpoint('http'), this.dex.endpoint('grpc')], 'argocd-server delegates SSO to Dex');
      this.dex.connectPorts(fqdns(dex.issuerHosts), [tcp(443)], 'Dex talks to the identity provider');
      ctx.allowApiServer(this.dex.peer, 'Dex reads its configuration from argocd-cm and argocd-secret');
    }

    // Traffic: who talks to whom inside Argo CD, and the only ways out.
    for (const c of [this.server, this.controller, this.applicationSet]) c.connect(this.repoServer.endpoint('server'), `${c.name} asks the repo-server for manifests`);
    for (const c of [this.server, this.repoServer, this.controller]) c.connect(this.redis.endpoint('redis'), `${c.name} caches in redis`);
    for (const c of [this.server, this.controller, this.applicationSet]) ctx.allowApiServer(c.peer, `${c.name} reads and writes the cluster state`);
    // The schema has parsed the same string (config/scalars.ts), so this cannot fail on a validated site.
    const git = parseGitRemote(site.git.repoURL);
    if ('problem' in git) throw new Error(`git.repoURL: ${git.problem}`);
    this.repoServer.connectPorts(fqdns([git.host]), [tcp(git.port)], `repo-server fetches ${site.git.repoURL}`);
    httpsRoute(this, 'route', ctx, { subdomain: 'argocd', backend: this.server.endpoint('http') });

    const labels = { 'app.kubernetes.io/part-of': 'argocd', 'app.kubernetes.io/managed-by': 'cdk8s' };
    new k8s.KubeConfigMap(this, 'cmd-params', { metadata: { name: 'argocd-cmd-params-cm', namespace: ns, labels: { ...labels, 'app.kubernetes.io/name': 'argocd-cmd-params-cm' } }, data: params });
    new k8s.KubeConfigMap(this, 'rbac-cm', {
      metadata: { name: 'argocd-rbac-cm', namespace: ns, labels: { ...labels, 'app.kubernetes.io/name': 'argocd-rbac-cm' } },
      data: { 'policy.default': 'role:readonly', 'policy.csv': 'g, admin, role:admin\n', scopes: '[groups]' },
    });
  }

  /**
   * Adds what depends on the whole stack: argocd-cm (with the resource inclusions) and the controller's
   * ClusterRole, both from `kinds`, the kinds the stack's Applications manage.
   */
  finalize(kinds: readonly ManagedKind[]): void {
    const ns = this.ns;
    const byGroup = new Map<string, Set<string>>();
    for (const k of kinds) {
      if (!byGroup.has(k.group)) byGroup.set(k.group, new Set());
      byGroup.get(k.group)!.add(k.resource);
    }
    const groups = [...byGroup.keys()].sort();
    const manageRules: ResourceRule[] = groups.map((g) => ({ apiGroups: [g], resources: [...byGroup.get(g)!].sort(), verbs: ALL }));
    // Read-only kinds the resource tree and health checks follow (children of the managed kinds).
    const observe: ResourceRule[] = [
      { apiGroups: [''], resources: ['pods', 'endpoints', 'events', 'persistentvolumeclaims'], verbs: READ },
      { apiGroups: ['apps'], resources: ['replicasets', 'controllerrevisions'], verbs: READ },
      { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: READ },
    ];
    const clusterName = `${ns}-argocd-application-controller`;
    new k8s.KubeClusterRole(this, 'controller-clusterrole', {
      metadata: { name: clusterName, labels: this.controller.labels },
      rules: [...manageRules, ...observe].map((r) => ({ apiGroups: [...r.apiGroups], resources: [...r.resources], verbs: [...r.verbs] })),
    });
    new k8s.KubeClusterRoleBinding(this, 'controller-clusterbinding', {
      metadata: { name: clusterName, labels: this.controller.labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterName },
      subjects: [{ kind: 'ServiceAccount', name: this.controller.serviceAccountName, namespace: ns }],
    });

    const inclusions = [
      ...groups.map((g) => ({ apiGroups: [g], kinds: [...new Set(kinds.filter((k) => k.group === g).map((k) => k.kind))].sort(), clusters: ['*'] })),
      { apiGroups: [''], kinds: ['Pod', 'Endpoints', 'Event', 'PersistentVolumeClaim'], clusters: ['*'] },
      { apiGroups: ['apps'], kinds: ['ReplicaSet', 'ControllerRevision'], clusters: ['*'] },
      { apiGroups: ['discovery.k8s.io'], kinds: ['EndpointSlice'], clusters: ['*'] },
    ];
    new k8s.KubeConfigMap(this, 'cm', {
      metadata: { name: 'argocd-cm', namespace: ns, labels: { 'app.kubernetes.io/part-of': 'argocd', 'app.kubernetes.io/managed-by': 'cdk8s', 'app.kubernetes.io/name': 'argocd-cm' } },
      data: {
        url: `https://${this.ctx.host('argocd')}`,
        'application.resourceTrackingMethod': 'annotation',
        'admin.enabled': 'true',
        'statusbadge.enabled': 'false',
        'timeout.reconciliation': '180s',
        'resource.customizations.health.argoproj.io_Application': APPLICATION_HEALTH_LUA,
        // Cilium's own objects copy pod labels; Argo must never track, prune or flag them.
        'resource.exclusions': stringify(
          [{ apiGroups: ['cilium.io'], kinds: ['CiliumIdentity', 'CiliumEndpoint', 'CiliumEndpointSlice'], clusters: ['*'] }],
          { lineWidth: 0, version: '1.1' },
        ),
        'resource.inclusions': stringify(inclusions, { lineWidth: 0, version: '1.1' }),
        ...(this.ctx.site.workloads.argocd.dex.enabled ? { 'dex.config': this.ctx.site.workloads.argocd.dex.config } : {}),
      },
    });
  }
}

/** Upstream CRD sources installed by Argo CD itself, pinned to the deployed versions (never copied here). */
export const UPSTREAM_CRDS = {
  argocd: { repoURL: 'https://github.com/argoproj/argo-cd.git', path: 'manifests/crds', revision: VERSIONS.argocd },
  traefik: { repoURL: 'https://github.com/traefik/traefik.git', path: 'docs/content/reference/dynamic-configuration', include: 'kubernetes-crd-definition-v1.yml', revision: IMAGES.traefik.tag },
} as const;
