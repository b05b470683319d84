/**
 * Argo CD (namespace `argocd`), written with the workload builder instead of a vendored install.yaml:
 * server, repo-server, application-controller (StatefulSet), redis, applicationset-controller, and Dex when
 * `workloads.argocd.dex.enabled`. v2.14 is the last line tested on Kubernetes 1.28. What each component
 * expects of its pod (entrypoint, ports, config paths, redis password) is recorded with its upstream source
 * in conformance/facts/argocd.ts and compared in test/conformance/argocd.test.ts.
 *
 * Bounded RBAC (docs/adr/0020-argocd-rbac.md, 0021-argocd-admission.md): the controller manages exactly the
 * kinds the stack emits, listed in `argocd-cm` as `resource.inclusions` so its cache watches nothing else.
 * Its ClusterRole also holds every rule of every Role/ClusterRole it syncs (Kubernetes refuses to let it
 * create a role granting more than it holds), and lives outside the synced folders, in
 * dist/bootstrap/argocd/controller-rbac.yaml, applied by the operator (see `finalize`).
 */
import { z } from 'zod';
import type { Site } from '../config/schema';
import { component, domainName, imageTag, res, resourcesSchema, versionOverride } from '../config/fields';
import { dexConfig } from '../config/scalars';
import { ApiObject, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { gitCaOf, gitEndpoint, privateHttpsHosts, repoURLsOf } from '../config/git';
import { imageOf, IMAGES, tagOf } from '../config/versions';
import { StackContext } from './lib/context';
import type { FileRoute } from './lib/ingress';
import { fqdns, tcp, workloadPeer } from './lib/network';
import { READ, ResourceRule, Verb } from './lib/rbac';
import { MountSpec, Workload } from './lib/workload';
import { toYaml, yamlDoc } from './lib/yaml';
import { alertRule, defineApp } from './lib/app';

export const ARGOCD_UID = 999;
const SYNC_OPTIONS = 'argocd.argoproj.io/sync-options';
/** Where the argocd image keeps its programs (symlinks to /usr/local/bin/argocd); run through tini as args. */
const BIN = '/usr/local/bin';
/** The Secret `argocd admin redis-initial-password` creates at runtime, and its key (argo-cd common/common.go). */
export const REDIS_SECRET = { secret: 'argocd-redis', key: 'auth' } as const;
/** Bootstrap file holding the controller's RBAC (applied by the operator, never synced). */
export const CONTROLLER_RBAC_FILE = 'bootstrap/argocd/controller-rbac.yaml';
/** Config maps the repo-server (and the server, for `argocd repo add`) read repository trust from. */
export const TRUST_CONFIGMAPS = { tls: 'argocd-tls-certs-cm', ssh: 'argocd-ssh-known-hosts-cm', gpg: 'argocd-gpg-keys-cm' } as const;
const ALL: readonly Verb[] = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];
/** The kinds whose rules and role references the controller's RBAC is derived from (finalize). */
const RBAC_KINDS: ReadonlySet<string> = new Set(['ClusterRole', 'Role', 'RoleBinding', 'ClusterRoleBinding']);

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

/**
 * The Role and RoleBinding per namespace that give the controller what it needs to sync there; DAY0 applies
 * them (dist/bootstrap/argocd/controller-rbac.yaml), no Application syncs them, and the project tells Argo CD
 * not to report them as orphans (charts/apps.ts).
 */
export const SYNCED_RBAC = 'argocd-application-controller-synced-rbac';

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
      version: tagOf('argocdRedis', cfg.redis.version),
      kind: 'Deployment',
      replicas: cfg.redis.replicas,
      // As upstream v2.14: an init container creates the argocd-redis Secret with a random password on first
      // start (never in git), redis requires it, every client reads it from the same Secret.
      initContainers: [{ name: 'secret-init', image, command: ['argocd', 'admin', 'redis-initial-password'], resources: cfg.redis.resources }],
      containers: [
        {
          name: 'redis',
          image: imageOf('argocdRedis', cfg.redis.version),
          args: ['--save', '', '--appendonly', 'no', '--port', '6379', '--requirepass $(REDIS_PASSWORD)'],
          envFromSecret: { REDIS_PASSWORD: REDIS_SECRET },
          ports: [{ name: 'redis', port: 6379 }],
          resources: cfg.redis.resources,
          // TCP, not `redis-cli ping`: with a password the probe would need it on its command line.
          liveness: { tcp: { port: 'redis' } },
          readiness: { tcp: { port: 'redis' } },
          writable: ['/data'],
        },
      ],
      rules: [
        { apiGroups: [''], resources: ['secrets'], verbs: ['get'], resourceNames: [REDIS_SECRET.secret] },
        { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
      ],
    });
    ctx.allowApiServer(this.redis.peer, 'secret-init creates the argocd-redis password Secret');
    const redisPassword = { REDIS_PASSWORD: REDIS_SECRET };

    // Repository trust, mounted where upstream mounts it (the image links /etc/ssh/ssh_known_hosts there).
    const trustVolumes: k8s.Volume[] = [
      { name: 'ssh-known-hosts', configMap: { name: TRUST_CONFIGMAPS.ssh } },
      { name: 'tls-certs', configMap: { name: TRUST_CONFIGMAPS.tls } },
      { name: 'gpg-keys', configMap: { name: TRUST_CONFIGMAPS.gpg } },
    ];
    const trustMounts: MountSpec[] = [
      { volume: 'ssh-known-hosts', path: '/app/config/ssh', readOnly: true },
      { volume: 'tls-certs', path: '/app/config/tls', readOnly: true },
    ];
    const gpgMount: MountSpec = { volume: 'gpg-keys', path: '/app/config/gpg/source', readOnly: true };

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
          args: [`${BIN}/argocd-repo-server`, '--redis', params['redis.server'], '--parallelismlimit', params['reposerver.parallelism.limit'], '--logformat', 'json'],
          envFromSecret: redisPassword,
          // helm keeps its cache and config in the writable working dir, as upstream sets it.
          env: { HELM_CACHE_HOME: '/helm-working-dir', HELM_CONFIG_HOME: '/helm-working-dir', HELM_DATA_HOME: '/helm-working-dir' },
          mounts: [...trustMounts, gpgMount],
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
      volumes: trustVolumes,
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
          args: [
            `${BIN}/argocd-application-controller`,
            '--repo-server',
            params['controller.repo.server'],
            '--redis',
            params['redis.server'],
            '--status-processors',
            '10',
            '--operation-processors',
            '5',
            '--logformat',
            'json',
          ],
          envFromSecret: redisPassword,
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
          args: [
            `${BIN}/argocd-server`,
            '--insecure',
            '--repo-server',
            params['server.repo.server'],
            '--redis',
            params['redis.server'],
            ...(cfg.dex.enabled ? ['--dex-server', 'https://argocd-dex-server:5556'] : []),
            '--logformat',
            'json',
          ],
          ports: [
            { name: 'http', port: SERVER_HTTP.podPort, servicePort: SERVER_HTTP.servicePort },
            { name: 'metrics', port: 8083 },
          ],
          envFromSecret: redisPassword,
          mounts: trustMounts,
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
      // Cluster-wide rights are added in finalize(): they follow the managed kinds.
      volumes: trustVolumes.filter((v) => v.name !== 'gpg-keys'),
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
          args: [`${BIN}/argocd-applicationset-controller`, '--argocd-repo-server', params['server.repo.server'], '--enable-leader-election=false', '--logformat', 'json'],
          ports: [
            { name: 'webhook', port: 7000 },
            { name: 'metrics', port: 8080 },
          ],
          resources: cfg.applicationSet.resources,
          readiness: { tcp: { port: 'webhook' } },
          liveness: { tcp: { port: 'webhook' }, initialDelaySeconds: 30 },
          writable: ['/tmp', '/home/argocd', '/app/config/gpg/keys'],
          mounts: [...trustMounts, gpgMount],
        },
      ],
      volumes: trustVolumes,
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
          {
            name: 'copyutil',
            image,
            command: ['/bin/cp', '-n', '/usr/local/bin/argocd', '/shared/argocd-dex'],
            resources: dex.resources,
            mounts: [{ volume: 'static-files', path: '/shared' }],
          },
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
    // Exactly the hosts and ports of the repositories the Applications name (the stack and the LAN mirrors).
    for (const e of repoURLsOf(site).map(gitEndpoint)) this.repoServer.connectPorts(fqdns([e.host]), [tcp(e.port)], `repo-server fetches ${e.url}`);
    // Published by Traefik's file provider (argocdApp.fileRoutes), so Traefik does not watch this namespace.

    const labels = { 'app.kubernetes.io/part-of': 'argocd', 'app.kubernetes.io/managed-by': 'cdk8s' };
    new k8s.KubeConfigMap(this, 'cmd-params', {
      metadata: { name: 'argocd-cmd-params-cm', namespace: ns, labels: { ...labels, 'app.kubernetes.io/name': 'argocd-cmd-params-cm' } },
      data: params,
    });
    const ca = gitCaOf(site);
    new k8s.KubeConfigMap(this, 'tls-certs-cm', {
      metadata: { name: TRUST_CONFIGMAPS.tls, namespace: ns, labels: { ...labels, 'app.kubernetes.io/name': TRUST_CONFIGMAPS.tls } },
      // One key per git host with a private name: the PEM bundle Argo CD trusts for that host.
      data: ca ? Object.fromEntries(privateHttpsHosts(site).map((h) => [h, ca])) : {},
    });
    new k8s.KubeConfigMap(this, 'ssh-known-hosts-cm', {
      metadata: { name: TRUST_CONFIGMAPS.ssh, namespace: ns, labels: { ...labels, 'app.kubernetes.io/name': TRUST_CONFIGMAPS.ssh } },
      data: { ssh_known_hosts: site.git.sshKnownHosts.map((l) => `${l}\n`).join('') },
    });
    new k8s.KubeConfigMap(this, 'gpg-keys-cm', { metadata: { name: TRUST_CONFIGMAPS.gpg, namespace: ns, labels: { ...labels, 'app.kubernetes.io/name': TRUST_CONFIGMAPS.gpg } } });
    new k8s.KubeConfigMap(this, 'rbac-cm', {
      metadata: { name: 'argocd-rbac-cm', namespace: ns, labels: { ...labels, 'app.kubernetes.io/name': 'argocd-rbac-cm' } },
      data: { 'policy.default': 'role:readonly', 'policy.csv': 'g, admin, role:admin\n', scopes: '[groups]' },
    });
  }

  /**
   * Adds what depends on the whole stack, once every chart exists: argocd-cm (with the resource inclusions)
   * and the server's cluster rights, both from `kinds`; then the controller's RBAC, derived from `kinds` and
   * from every Role, ClusterRole and binding the `synced` charts contain, written to CONTROLLER_RBAC_FILE.
   */
  finalize(kinds: readonly ManagedKind[], synced: readonly Chart[]): void {
    const ns = this.ns;
    const byGroup = new Map<string, Set<string>>();
    for (const k of kinds) {
      if (!byGroup.has(k.group)) byGroup.set(k.group, new Set());
      byGroup.get(k.group)!.add(k.resource);
    }
    const groups = [...byGroup.keys()].sort();
    const manageRules: ResourceRule[] = groups.map((g) => ({ apiGroups: [g], resources: [...byGroup.get(g)!].sort(), verbs: ALL }));
    // Read-only kinds the resource tree and health checks follow: what Kubernetes creates for the managed
    // kinds (and for those children), plus Events. The controller watches them (resource.inclusions), the
    // server reads them when the UI opens a node of the tree.
    const children = observedKinds(kinds);
    const observedGroups = [...new Set(children.map((k) => k.group))].sort();
    const observe: ResourceRule[] = observedGroups.map((g) => ({
      apiGroups: [g],
      resources: children.filter((k) => k.group === g).map((k) => k.resource),
      verbs: READ,
    }));

    // The server (UI/API) reads the live state of what Argo CD manages and may restart a pod; it never edits
    // or deletes managed objects (that goes through git). Upstream grants get/patch/delete on */* (ADR-0020).
    const serverName = `${ns}-${this.server.name}`;
    const serverLabels = this.server.labels;
    new k8s.KubeClusterRole(this, 'server-clusterrole', {
      metadata: { name: serverName, labels: serverLabels },
      rules: [
        ...groups.map((g) => ({ apiGroups: [g], resources: [...byGroup.get(g)!].sort(), verbs: ['get'] })),
        // Every node of the resource tree opens (upstream: get on */*): the observed children too.
        ...observedGroups.map((g) => ({ apiGroups: [g], resources: children.filter((k) => k.group === g && k.kind !== 'Event').map((k) => k.resource), verbs: ['get'] })),
        { apiGroups: [''], resources: ['events'], verbs: ['list'] },
        { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
        { apiGroups: [''], resources: ['pods'], verbs: ['delete'] },
        { apiGroups: ['argoproj.io'], resources: ['applications', 'applicationsets'], verbs: [...READ] },
      ],
    });
    new k8s.KubeClusterRoleBinding(this, 'server-clusterbinding', {
      metadata: { name: serverName, labels: serverLabels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: serverName },
      subjects: [{ kind: 'ServiceAccount', name: this.server.serviceAccountName, namespace: ns }],
    });

    // Kubernetes' escalation rule: creating a role needs every rule it grants (or `escalate`), a binding needs
    // the referenced role's rules in the binding's scope (or `bind`). The controller holds a copy of every
    // synced rule instead of escalate/bind (docs/adr/0021-argocd-admission.md); roles outside dist
    // (system:auth-delegator) get `bind` on exactly their names.
    const cluster: k8s.PolicyRule[] = [...manageRules, ...observe].map(toPolicy);
    const perNamespace = new Map<string, k8s.PolicyRule[]>();
    const known = new Set<string>();
    const refs = new Set<string>();
    // Only the RBAC objects are rendered (toJson): rendering every object here cost as much as the synthesis of
    // the apps chart itself (issue 22).
    const objects = synced
      .flatMap((c) => c.node.findAll().filter((x): x is ApiObject => x instanceof ApiObject && RBAC_KINDS.has(x.kind) && Chart.of(x) === c))
      .map((o) => o.toJson() as RbacJson);
    for (const o of objects) {
      if (o.kind === 'ClusterRole') {
        known.add(o.metadata.name);
        cluster.push(...(o.rules ?? []));
      } else if (o.kind === 'Role') {
        const list = perNamespace.get(o.metadata.namespace!) ?? [];
        list.push(...(o.rules ?? []));
        perNamespace.set(o.metadata.namespace!, list);
      } else if ((o.kind === 'RoleBinding' || o.kind === 'ClusterRoleBinding') && o.roleRef?.kind === 'ClusterRole') {
        refs.add(o.roleRef.name);
      }
    }
    const external = [...refs].filter((r) => !known.has(r)).sort();
    if (external.length) cluster.push({ apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'], verbs: ['bind'], resourceNames: external });

    const name = 'argocd-application-controller';
    const clusterName = `${ns}-${name}`;
    // Never synced; on a cluster where an older dist had Argo CD create these objects they still carry its
    // tracking annotation, and Argo CD honours this live annotation instead of pruning its own rights away.
    const metadata = (m: { name: string; namespace?: string }) => ({ ...m, labels: { ...this.controller.labels }, annotations: { [SYNC_OPTIONS]: 'Prune=false,Delete=false' } });
    const subjects = [{ kind: 'ServiceAccount', name: this.controller.serviceAccountName, namespace: ns }];
    const rbac: unknown[] = [
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: metadata({ name: clusterName }), rules: dedupe(cluster) },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: metadata({ name: clusterName }),
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterName },
        subjects,
      },
      ...[...perNamespace.keys()].sort().flatMap((n) => [
        { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: metadata({ name: SYNCED_RBAC, namespace: n }), rules: dedupe(perNamespace.get(n)!) },
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'RoleBinding',
          metadata: metadata({ name: SYNCED_RBAC, namespace: n }),
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: SYNCED_RBAC },
          subjects,
        },
      ]),
    ];
    this.ctx.addFile(
      CONTROLLER_RBAC_FILE,
      () =>
        [
          `# The RBAC of argocd-application-controller, derived from every Role, ClusterRole and binding Argo CD syncs`,
          `# (docs/adr/0021-argocd-admission.md). Not synced: the controller could not grant itself rules it lacks.`,
          `# Apply it before Argo CD syncs a commit that changes it: kubectl apply --server-side -f dist/${CONTROLLER_RBAC_FILE}`,
          toYaml(rbac),
        ].join('\n'),
      () => rbac,
    );

    const inclusions = [
      ...groups.map((g) => ({ apiGroups: [g], kinds: [...new Set(kinds.filter((k) => k.group === g).map((k) => k.kind))].sort(), clusters: ['*'] })),
      ...observedGroups.map((g) => ({ apiGroups: [g], kinds: children.filter((k) => k.group === g).map((k) => k.kind), clusters: ['*'] })),
    ];
    new k8s.KubeConfigMap(this, 'cm', {
      metadata: {
        name: 'argocd-cm',
        namespace: ns,
        labels: { 'app.kubernetes.io/part-of': 'argocd', 'app.kubernetes.io/managed-by': 'cdk8s', 'app.kubernetes.io/name': 'argocd-cm' },
      },
      data: {
        url: `https://${this.ctx.host('argocd')}`,
        'application.resourceTrackingMethod': 'annotation',
        'admin.enabled': 'true',
        'statusbadge.enabled': 'false',
        'timeout.reconciliation': '180s',
        'resource.customizations.health.argoproj.io_Application': APPLICATION_HEALTH_LUA,
        // Cilium's own objects copy pod labels; Argo must never track, prune or flag them.
        'resource.exclusions': yamlDoc([{ apiGroups: ['cilium.io'], kinds: ['CiliumIdentity', 'CiliumEndpoint', 'CiliumEndpointSlice'], clusters: ['*'] }]),
        'resource.inclusions': yamlDoc(inclusions),
        ...(this.ctx.site.workloads.argocd.dex.enabled ? { 'dex.config': this.ctx.site.workloads.argocd.dex.config } : {}),
      },
    });
  }
}

/**
 * What Kubernetes' controllers create for a kind (owner → owned): the children Argo CD's resource tree shows
 * under the managed objects. Deployments own ReplicaSets, which own Pods; StatefulSets own Pods,
 * ControllerRevisions and the PVCs of their volumeClaimTemplates; DaemonSets own Pods and ControllerRevisions;
 * CronJobs own Jobs, Jobs own Pods; a Service's selector fills its Endpoints and EndpointSlices.
 */
const OWNED: Readonly<Record<string, readonly ManagedKind[]>> = (() => {
  const k = (group: string, kind: string, resource: string): ManagedKind => ({ group, kind, resource });
  const pod = k('', 'Pod', 'pods');
  const revision = k('apps', 'ControllerRevision', 'controllerrevisions');
  return {
    'apps/Deployment': [k('apps', 'ReplicaSet', 'replicasets')],
    'apps/ReplicaSet': [pod],
    'apps/StatefulSet': [pod, revision, k('', 'PersistentVolumeClaim', 'persistentvolumeclaims')],
    'apps/DaemonSet': [pod, revision],
    'batch/CronJob': [k('batch', 'Job', 'jobs')],
    'batch/Job': [pod],
    '/Service': [k('', 'Endpoints', 'endpoints'), k('discovery.k8s.io', 'EndpointSlice', 'endpointslices')],
  };
})();

/**
 * The kinds the controller observes without managing them: the children of the managed kinds (transitively),
 * and Events; sorted by group then kind. A child that is itself managed is left out (it is in the managed list).
 */
export function observedKinds(managed: readonly ManagedKind[]): ManagedKind[] {
  const key = (k: ManagedKind) => `${k.group}/${k.kind}`;
  const managedKeys = new Set(managed.map(key));
  const seen = new Map<string, ManagedKind>([['/Event', { group: '', kind: 'Event', resource: 'events' }]]);
  const todo = [...managed];
  while (todo.length) {
    for (const c of OWNED[key(todo.pop()!)] ?? []) {
      if (seen.has(key(c))) continue;
      seen.set(key(c), c);
      todo.push(c);
    }
  }
  return [...seen.values()].filter((k) => !managedKeys.has(key(k))).sort((a, b) => (key(a) < key(b) ? -1 : 1));
}

interface RbacJson {
  kind: string;
  metadata: { name: string; namespace?: string };
  rules?: k8s.PolicyRule[];
  roleRef?: { kind: string; name: string };
}

function toPolicy(r: ResourceRule): k8s.PolicyRule {
  return { apiGroups: [...r.apiGroups], resources: [...r.resources], verbs: [...r.verbs], ...(r.resourceNames ? { resourceNames: [...r.resourceNames] } : {}) };
}

/** Rules with identical JSON once, in first-seen order. */
function dedupe(rules: readonly k8s.PolicyRule[]): k8s.PolicyRule[] {
  const seen = new Set<string>();
  return rules.filter((r) => {
    const k = JSON.stringify(r);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** `site.workloads.argocd`: this app's slice of the site schema (config/schema.ts composes it from the registry). */
export const argocdSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    version: imageTag.optional(),
    /** Dex for SSO. Off by default: the local admin account is enough for one operator. */
    dex: z
      .strictObject({
        enabled: z.boolean().default(false),
        /** Dex connectors as YAML (argocd-cm `dex.config`); secrets referenced as `$dex.<key>` from argocd-secret, never inline. */
        config: dexConfig.default(''),
        /** Identity-provider hosts Dex calls (HTTPS). */
        issuerHosts: z.array(domainName).default([]),
        resources: resourcesSchema.default(res('20m', '64Mi', '128Mi')),
      })
      .prefault({}),
    controller: z.strictObject(component({ resources: res('250m', '512Mi', '1Gi') })).prefault({}),
    repoServer: z.strictObject(component({ resources: res('100m', '256Mi', '1Gi') })).prefault({}),
    server: z.strictObject(component({ resources: res('50m', '128Mi', '256Mi') })).prefault({}),
    /** Redis is its own image (config/versions.ts argocdRedis): `version` overrides that pin. */
    redis: z.strictObject({ ...versionOverride, ...component({ resources: res('50m', '64Mi', '128Mi') }) }).prefault({}),
    applicationSet: z.strictObject(component({ resources: res('50m', '64Mi', '256Mi') })).prefault({}),
  })
  .prefault({});

/** argocd-server's plain HTTP port (TLS ends at Traefik) and its Service port. */
const SERVER_HTTP = { podPort: 8080, servicePort: 80 } as const;

/** The Argo CD UI and API, routed by Traefik's file provider to argocd-server's Service. */
export function argocdRoute(site: Site): FileRoute {
  return {
    subdomain: 'argocd',
    peer: workloadPeer(site.namespaces.argocd, 'argocd-server'),
    service: 'argocd-server',
    ...SERVER_HTTP,
    exposure: { audience: 'lan', exposes: 'Argo CD UI and API; local admin login (or Dex SSO), RBAC in argocd-rbac-cm' },
  };
}

/** Argo CD itself, managed from git after a one-time bootstrap (docs/gitops.md): chart `argocd`. */
declare module '../config/schema' {
  /** `site.workloads.argocd`, typed by this file's schema (config/schema.ts SiteWorkloads). */
  interface SiteWorkloads {
    readonly argocd: z.output<typeof argocdSchema>;
  }
}

export const argocdApp = defineApp({
  key: 'argocd',
  schema: argocdSchema,
  replicated: [
    ['server', 'replicas'],
    ['repoServer', 'replicas'],
  ],
  singletons: [
    ['controller', 'replicas'],
    ['redis', 'replicas'],
  ],
  siteIssues: (site) => {
    const dex = site.workloads.argocd.dex;
    if (!dex.enabled || (dex.config.trim() !== '' && dex.issuerHosts.length > 0)) return [];
    const missing = dex.config.trim() === '' ? 'config' : 'issuerHosts';
    return [
      {
        path: ['dex', missing],
        value: missing === 'config' ? dex.config : dex.issuerHosts,
        message: 'a Dex connector configuration and the identity provider hosts when dex.enabled is true',
      },
    ];
  },
  namespace: { key: 'argocd', podSecurity: 'restricted' },
  chart: 'argocd',
  wave: -3,
  images: ['argocd', 'argocdRedis', 'dex'],
  enabled: (site) => site.workloads.argocd.enabled,
  // Not watched by Traefik: its kubernetescrd provider would read every Secret here (argocd-secret holds the
  // JWT signing key and repository credentials). The UI is a route of Traefik's file provider instead.
  routed: false,
  fileRoutes: (site) => [argocdRoute(site)],
  build: (chart, ctx) => {
    // The apps chart finds this construct by its id to hand it the managed kinds (charts/apps.ts).
    new ArgoCd(chart, 'argocd', ctx);
  },
  dashboards: () => [
    {
      uid: 'domus-argocd',
      title: 'Argo CD',
      panels: [
        { title: 'Applications by health', expr: 'sum by (health_status) (argocd_app_info)' },
        { title: 'Applications by sync status', expr: 'sum by (sync_status) (argocd_app_info)' },
        { title: 'Syncs by phase (1h)', expr: 'sum by (phase) (increase(argocd_app_sync_total[1h]))' },
        { title: 'Git requests', expr: 'sum by (request_type) (rate(argocd_git_request_total[5m]))' },
      ],
    },
  ],
  alerts: () => [
    alertRule(
      'ArgoCdAppDegraded',
      'argocd_app_info{health_status="Degraded"} == 1',
      '15m',
      'critical',
      'Argo CD application {{ $labels.name }} is degraded',
      'The application has been Degraded for 15 minutes.',
    ),
    alertRule(
      'ArgoCdAppOutOfSync',
      'argocd_app_info{sync_status="OutOfSync"} == 1',
      '30m',
      'warning',
      'Argo CD application {{ $labels.name }} is out of sync',
      'The live state differs from git for 30 minutes.',
    ),
    alertRule(
      'ArgoCdSyncFailing',
      'increase(argocd_app_sync_total{phase=~"Error|Failed"}[30m]) > 0',
      '0m',
      'warning',
      'Argo CD sync of {{ $labels.name }} fails',
      'A sync ended in Error or Failed in the last 30 minutes.',
    ),
  ],
  runbook: () => ({
    'argocd-server': (ns) => [
      '# Initial admin password (generated by Argo CD on first start; change it, then delete the Secret)',
      `kubectl -n ${ns} get secret argocd-initial-admin-secret -o jsonpath='{.data.password}' | base64 -d`,
    ],
  }),
  mustDeny: [
    { from: 'world', to: 'argocd/argocd-server', port: 8080, why: 'Argo CD only through Traefik TLS' },
    { from: 'world', to: 'argocd/argocd-redis', port: 6379, why: 'redis has no password' },
    { from: 'ingress/traefik', to: 'argocd/argocd-redis', port: 6379, why: 'only Argo CD components reach redis' },
    { from: 'monitoring/grafana', to: 'argocd/argocd-redis', port: 6379, why: 'only Argo CD components reach redis' },
    { from: 'argocd/argocd-repo-server', to: 'storage/minio', port: 9000, why: 'the repo-server talks to git only' },
  ],
});
