/**
 * Argo CD v2.14.21: what each component expects of its pod and of the cluster, from the manifests and code
 * at the pinned tag (argoproj/argo-cd @ 206a6eeca509bbf7f239301f3d3fa498c23251a4). Manifest facts are
 * confirmed against ../shared/upstream; code facts (Dockerfile, common/common.go, the project and sync
 * code) carry no check and were read at that commit. Where the stack deliberately differs (less RBAC),
 * the exception is written next to the fact and tested in test/conformance/argocd.test.ts.
 */
import { factTable } from '../upstream';

interface K8sContainer {
  name: string;
  args?: string[];
  command?: string[];
  ports?: { containerPort: number }[];
  env?: { name: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
  volumeMounts?: { name: string; mountPath: string }[];
}
interface K8sWorkload {
  kind: string;
  metadata: { name: string };
  spec: {
    template: {
      spec: { containers: K8sContainer[]; initContainers?: K8sContainer[]; securityContext?: { runAsUser?: number }; volumes?: ({ name: string } & Record<string, unknown>)[] };
    };
  };
}
interface K8sRole {
  kind: string;
  rules: { apiGroups?: string[]; resources?: string[]; verbs: string[]; resourceNames?: string[]; nonResourceURLs?: string[] }[];
}

const workload = (docs: readonly unknown[]) => (docs as K8sWorkload[]).find((d) => d && ['Deployment', 'StatefulSet'].includes(d.kind))!;
const main = (docs: readonly unknown[]) => workload(docs).spec.template.spec.containers[0]!;
/** The program a container runs (args[0] under the image's tini ENTRYPOINT). */
const program = (docs: readonly unknown[]) => main(docs).args?.[0];
const ports = (docs: readonly unknown[]) => (main(docs).ports ?? []).map((p) => p.containerPort).sort((a, b) => a - b);
/** Mount path → the ConfigMap or emptyDir behind it, for the paths the stack cares about. */
function mounts(docs: readonly unknown[], paths: readonly string[]): Record<string, string> {
  const w = workload(docs).spec.template.spec;
  const out: Record<string, string> = {};
  for (const m of main(docs).volumeMounts ?? []) {
    if (!paths.includes(m.mountPath)) continue;
    const v = (w.volumes ?? []).find((x) => x.name === m.name)!;
    out[m.mountPath] = v.configMap ? `configMap:${(v.configMap as { name: string }).name}` : v.emptyDir ? 'emptyDir' : 'other';
  }
  return out;
}
/** Env vars filled from a Secret key: name → secret/key. */
function secretEnv(docs: readonly unknown[]): Record<string, string> {
  return Object.fromEntries(
    (main(docs).env ?? []).filter((e) => e.valueFrom?.secretKeyRef).map((e) => [e.name, `${e.valueFrom!.secretKeyRef!.name}/${e.valueFrom!.secretKeyRef!.key}`]),
  );
}
const TRUST_PATHS = ['/app/config/ssh', '/app/config/tls', '/app/config/gpg/source', '/app/config/gpg/keys'] as const;

const B = 'manifests/base';
export const ARGOCD_FACTS = factTable('argocd', {
  // --- entrypoint and user (Dockerfile at the tag) -------------------------------------------------------
  entrypoint: {
    fact: 'the argocd image runs tini as PID 1 (ENTRYPOINT ["/usr/bin/tini", "--"]), so containers pass the program as args, never command',
    value: ['/usr/bin/tini', '--'],
    upstream: 'argo-cd',
    path: 'Dockerfile',
  },
  programs: {
    fact: 'argocd-server, -repo-server, -application-controller and -applicationset-controller are symlinks to /usr/local/bin/argocd in the image',
    value: '/usr/local/bin',
    upstream: 'argo-cd',
    path: 'Dockerfile',
  },
  user: {
    fact: 'the argocd image runs as ARGOCD_USER_ID 999 (USER $ARGOCD_USER_ID)',
    value: 999,
    upstream: 'argo-cd',
    path: 'Dockerfile',
  },
  knownHostsLink: {
    fact: 'the image links /etc/ssh/ssh_known_hosts to /app/config/ssh/ssh_known_hosts, the key of argocd-ssh-known-hosts-cm',
    value: 'ssh_known_hosts',
    upstream: 'argo-cd',
    path: 'Dockerfile',
  },
  tlsPath: {
    fact: 'repository TLS certificates are read from /app/config/tls/<hostname> (DefaultPathTLSConfig), SSH known hosts from /app/config/ssh (DefaultPathSSHConfig), GnuPG home /app/config/gpg/keys',
    value: { tls: '/app/config/tls', ssh: '/app/config/ssh', gpgHome: '/app/config/gpg/keys' },
    upstream: 'argo-cd',
    path: 'common/common.go',
  },
  argocdSecret: {
    fact: 'argocd-server exits at start when the Secret argocd-secret is missing: NewServer (server/server.go) calls InitializeSettings, whose GetSettings fails with "error retrieving argocd-secret" (not an incomplete-settings error, so fatal); upstream ships it empty, labelled part-of argocd, and the server then writes server.secretkey and the admin password into it',
    value: { name: 'argocd-secret', partOf: 'argocd', hasData: false },
    upstream: 'argo-cd',
    path: `${B}/config/argocd-secret.yaml`,
    check: {
      yaml: (docs) => {
        const d = (docs as { metadata: { name: string; labels: Record<string, string> }; data?: unknown }[])[0]!;
        return { name: d.metadata.name, partOf: d.metadata.labels['app.kubernetes.io/part-of'], hasData: d.data !== undefined };
      },
    },
  },
  // --- per component: program, ports, mounts (manifests/base) ------------------------------------------
  repoServerProgram: {
    fact: 'the repo-server container runs /usr/local/bin/argocd-repo-server as args',
    value: '/usr/local/bin/argocd-repo-server',
    upstream: 'argo-cd',
    path: `${B}/repo-server/argocd-repo-server-deployment.yaml`,
    check: { yaml: program },
  },
  repoServerPorts: {
    fact: 'the repo-server listens on 8081 (gRPC) and 8084 (metrics, /healthz)',
    value: [8081, 8084],
    upstream: 'argo-cd',
    path: `${B}/repo-server/argocd-repo-server-deployment.yaml`,
    check: { yaml: ports },
  },
  repoServerTrust: {
    fact: 'the repo-server mounts argocd-ssh-known-hosts-cm at /app/config/ssh, argocd-tls-certs-cm at /app/config/tls, argocd-gpg-keys-cm at /app/config/gpg/source and a writable keyring at /app/config/gpg/keys',
    value: {
      '/app/config/ssh': 'configMap:argocd-ssh-known-hosts-cm',
      '/app/config/tls': 'configMap:argocd-tls-certs-cm',
      '/app/config/gpg/source': 'configMap:argocd-gpg-keys-cm',
      '/app/config/gpg/keys': 'emptyDir',
    },
    upstream: 'argo-cd',
    path: `${B}/repo-server/argocd-repo-server-deployment.yaml`,
    check: { yaml: (d) => mounts(d, TRUST_PATHS) },
  },
  repoServerWritable: {
    fact: 'the repo-server has a read-only root filesystem and writes to emptyDirs at /tmp and /helm-working-dir (HELM_*_HOME)',
    value: { '/tmp': 'emptyDir', '/helm-working-dir': 'emptyDir' },
    upstream: 'argo-cd',
    path: `${B}/repo-server/argocd-repo-server-deployment.yaml`,
    check: { yaml: (d) => mounts(d, ['/tmp', '/helm-working-dir']) },
  },
  controllerProgram: {
    fact: 'the controller runs /usr/local/bin/argocd-application-controller as args',
    value: '/usr/local/bin/argocd-application-controller',
    upstream: 'argo-cd',
    path: `${B}/application-controller/argocd-application-controller-statefulset.yaml`,
    check: { yaml: program },
  },
  controllerPorts: {
    fact: 'the controller listens on 8082 (metrics, /healthz)',
    value: [8082],
    upstream: 'argo-cd',
    path: `${B}/application-controller/argocd-application-controller-statefulset.yaml`,
    check: { yaml: ports },
  },
  controllerWritable: {
    fact: 'the controller writes to emptyDirs at /home/argocd and /tmp',
    value: { '/home/argocd': 'emptyDir', '/tmp': 'emptyDir' },
    upstream: 'argo-cd',
    path: `${B}/application-controller/argocd-application-controller-statefulset.yaml`,
    check: { yaml: (d) => mounts(d, ['/home/argocd', '/tmp']) },
  },
  serverProgram: {
    fact: 'the server runs /usr/local/bin/argocd-server as args',
    value: '/usr/local/bin/argocd-server',
    upstream: 'argo-cd',
    path: `${B}/server/argocd-server-deployment.yaml`,
    check: { yaml: program },
  },
  serverPorts: {
    fact: 'the server listens on 8080 (HTTP/gRPC) and 8083 (metrics)',
    value: [8080, 8083],
    upstream: 'argo-cd',
    path: `${B}/server/argocd-server-deployment.yaml`,
    check: { yaml: ports },
  },
  serverTrust: {
    fact: 'the server mounts argocd-ssh-known-hosts-cm at /app/config/ssh and argocd-tls-certs-cm at /app/config/tls',
    value: { '/app/config/ssh': 'configMap:argocd-ssh-known-hosts-cm', '/app/config/tls': 'configMap:argocd-tls-certs-cm' },
    upstream: 'argo-cd',
    path: `${B}/server/argocd-server-deployment.yaml`,
    check: { yaml: (d) => mounts(d, TRUST_PATHS) },
  },
  appsetProgram: {
    fact: 'the applicationset-controller runs /usr/local/bin/argocd-applicationset-controller as args',
    value: '/usr/local/bin/argocd-applicationset-controller',
    upstream: 'argo-cd',
    path: `${B}/applicationset-controller/argocd-applicationset-controller-deployment.yaml`,
    check: { yaml: program },
  },
  appsetPorts: {
    fact: 'the applicationset-controller listens on 7000 (webhook) and 8080 (metrics)',
    value: [7000, 8080],
    upstream: 'argo-cd',
    path: `${B}/applicationset-controller/argocd-applicationset-controller-deployment.yaml`,
    check: { yaml: ports },
  },
  appsetTrust: {
    fact: 'the applicationset-controller mounts the same repository trust as the repo-server (git generators)',
    value: {
      '/app/config/ssh': 'configMap:argocd-ssh-known-hosts-cm',
      '/app/config/tls': 'configMap:argocd-tls-certs-cm',
      '/app/config/gpg/source': 'configMap:argocd-gpg-keys-cm',
      '/app/config/gpg/keys': 'emptyDir',
    },
    upstream: 'argo-cd',
    path: `${B}/applicationset-controller/argocd-applicationset-controller-deployment.yaml`,
    check: { yaml: (d) => mounts(d, TRUST_PATHS) },
  },
  // --- flags the stack passes (cobra definitions at the tag; --redis comes from util/cache/cache.go AddCacheFlagsToCmd) ---
  repoServerFlags: {
    fact: 'argocd-repo-server defines --redis, --parallelismlimit, --logformat',
    value: ['--logformat', '--parallelismlimit', '--redis'],
    upstream: 'argo-cd',
    path: 'cmd/argocd-repo-server/commands/argocd_repo_server.go',
  },
  controllerFlags: {
    fact: 'argocd-application-controller defines --repo-server, --redis, --status-processors, --operation-processors, --logformat',
    value: ['--logformat', '--operation-processors', '--redis', '--repo-server', '--status-processors'],
    upstream: 'argo-cd',
    path: 'cmd/argocd-application-controller/commands/argocd_application_controller.go',
  },
  serverFlags: {
    fact: 'argocd-server defines --insecure, --repo-server, --redis, --dex-server, --logformat',
    value: ['--dex-server', '--insecure', '--logformat', '--redis', '--repo-server'],
    upstream: 'argo-cd',
    path: 'cmd/argocd-server/commands/argocd_server.go',
  },
  appsetFlags: {
    fact: 'argocd-applicationset-controller defines --argocd-repo-server, --enable-leader-election, --logformat',
    value: ['--argocd-repo-server', '--enable-leader-election', '--logformat'],
    upstream: 'argo-cd',
    path: 'cmd/argocd-applicationset-controller/commands/applicationset_controller.go',
  },
  redisPasswordEnv: {
    fact: 'the cache client reads the redis password from the REDIS_PASSWORD environment variable (util/cache/cache.go envRedisPassword)',
    value: 'REDIS_PASSWORD',
    upstream: 'argo-cd',
    path: 'util/cache/cache.go',
  },
  // --- redis password ----------------------------------------------------------------------------------
  redisSecretInit: {
    fact: 'redis has an init container `argocd admin redis-initial-password` that creates Secret argocd-redis (key auth) with a random password when absent',
    value: ['argocd', 'admin', 'redis-initial-password'],
    upstream: 'argo-cd',
    path: `${B}/redis/argocd-redis-deployment.yaml`,
    check: { yaml: (d) => workload(d).spec.template.spec.initContainers?.[0]?.command },
  },
  redisRequirePass: {
    fact: 'redis runs with --requirepass $(REDIS_PASSWORD), the password from Secret argocd-redis key auth',
    value: { args: ['--save', '', '--appendonly', 'no', '--requirepass $(REDIS_PASSWORD)'], env: { REDIS_PASSWORD: 'argocd-redis/auth' } },
    upstream: 'argo-cd',
    path: `${B}/redis/argocd-redis-deployment.yaml`,
    check: { yaml: (d) => ({ args: main(d).args, env: secretEnv(d) }) },
  },
  redisUser: {
    fact: 'redis runs as user 999',
    value: 999,
    upstream: 'argo-cd',
    path: `${B}/redis/argocd-redis-deployment.yaml`,
    check: { yaml: (d) => workload(d).spec.template.spec.securityContext?.runAsUser },
  },
  redisRole: {
    fact: 'the redis ServiceAccount may get only Secret argocd-redis and create Secrets (for secret-init)',
    value: [
      { apiGroups: [''], resources: ['secrets'], resourceNames: ['argocd-redis'], verbs: ['get'] },
      { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
    ],
    upstream: 'argo-cd',
    path: `${B}/redis/argocd-redis-role.yaml`,
    check: { yaml: (d) => (d[0] as K8sRole).rules },
  },
  redisClients: {
    fact: 'server, repo-server and controller read REDIS_PASSWORD from Secret argocd-redis key auth (util/cache/cache.go reads the env var)',
    value: { server: { REDIS_PASSWORD: 'argocd-redis/auth' }, repoServer: { REDIS_PASSWORD: 'argocd-redis/auth' }, controller: { REDIS_PASSWORD: 'argocd-redis/auth' } },
    upstream: 'argo-cd',
    path: 'manifests/install.yaml',
    check: {
      yaml: (d) => {
        const of = (n: string) => secretEnv([(d as K8sWorkload[]).find((x) => x && x.metadata?.name === n && ['Deployment', 'StatefulSet'].includes(x.kind))]);
        return { server: of('argocd-server'), repoServer: of('argocd-repo-server'), controller: of('argocd-application-controller') };
      },
    },
  },
  // --- RBAC minimum (manifests/cluster-rbac, base roles) ------------------------------------------------
  controllerClusterRole: {
    fact: 'upstream binds the controller to */*/* and nonResourceURLs * (the stack grants the managed kinds plus a copy of every synced rule instead: ADR-0021)',
    value: [
      { apiGroups: ['*'], resources: ['*'], verbs: ['*'] },
      { nonResourceURLs: ['*'], verbs: ['*'] },
    ],
    upstream: 'argo-cd',
    path: 'manifests/cluster-rbac/application-controller/argocd-application-controller-clusterrole.yaml',
    check: { yaml: (d) => (d[0] as K8sRole).rules },
  },
  controllerRole: {
    fact: 'the controller reads Secrets/ConfigMaps and manages Applications/AppProjects in its namespace, creates events',
    value: [
      { apiGroups: [''], resources: ['secrets', 'configmaps'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: ['argoproj.io'], resources: ['applications', 'appprojects'], verbs: ['create', 'get', 'list', 'watch', 'update', 'patch', 'delete'] },
      { apiGroups: [''], resources: ['events'], verbs: ['create', 'list'] },
      { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'list', 'watch'] },
    ],
    upstream: 'argo-cd',
    path: `${B}/application-controller-roles/argocd-application-controller-role.yaml`,
    check: { yaml: (d) => (d[0] as K8sRole).rules },
  },
  serverClusterRole: {
    fact: 'upstream gives the server get/patch/delete on */* (live manifests, `app patch`, UI deletes), events list, pods and pods/log get, Applications/ApplicationSets read, jobs and workflows create (resource actions)',
    value: [
      { apiGroups: ['*'], resources: ['*'], verbs: ['delete', 'get', 'patch'] },
      { apiGroups: [''], resources: ['events'], verbs: ['list'] },
      { apiGroups: [''], resources: ['pods', 'pods/log'], verbs: ['get'] },
      { apiGroups: ['argoproj.io'], resources: ['applications', 'applicationsets'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: ['batch'], resources: ['jobs'], verbs: ['create'] },
      { apiGroups: ['argoproj.io'], resources: ['workflows'], verbs: ['create'] },
    ],
    upstream: 'argo-cd',
    path: 'manifests/cluster-rbac/server/argocd-server-clusterrole.yaml',
    check: { yaml: (d) => (d[0] as K8sRole).rules },
  },
  serverRole: {
    fact: 'the server manages Secrets/ConfigMaps and Argo objects in its namespace (settings, repositories, its key), creates events',
    value: [
      { apiGroups: [''], resources: ['secrets', 'configmaps'], verbs: ['create', 'get', 'list', 'watch', 'update', 'patch', 'delete'] },
      { apiGroups: ['argoproj.io'], resources: ['applications', 'appprojects', 'applicationsets'], verbs: ['create', 'get', 'list', 'watch', 'update', 'delete', 'patch'] },
      { apiGroups: [''], resources: ['events'], verbs: ['create', 'list'] },
    ],
    upstream: 'argo-cd',
    path: `${B}/server/argocd-server-role.yaml`,
    check: { yaml: (d) => (d[0] as K8sRole).rules },
  },
  // --- project admission and sync semantics (code) -------------------------------------------------------
  destinationMatch: {
    fact: 'a destination matches when (server or name) AND namespace match a project destination by glob; the namespace is matched as written, so an empty one matches only "*" (isDestinationMatched); a mismatch is an InvalidSpecError (util/argo/argo.go ValidatePermissions)',
    value: 'namespace-as-written',
    upstream: 'argo-cd',
    path: 'pkg/apis/application/v1alpha1/app_project_types.go',
  },
  resourcePermission: {
    fact: "at sync each object is checked: kind in the namespace/cluster whitelist (IsGroupKindPermitted: nil namespace whitelist admits all, cluster needs a listed kind), a namespaced object's own namespace as a destination",
    value: 'per-object',
    upstream: 'argo-cd',
    path: 'controller/sync.go',
  },
  pruneDeleteAnnotations: {
    fact: 'Prune=false and Delete=false are read from the argocd.argoproj.io/sync-options annotation of each resource; cascade deletion never deletes CRDs (shouldBeDeleted: !kube.IsCRD) and is driven by the resources-finalizer.argocd.argoproj.io finalizer',
    value: { annotation: 'argocd.argoproj.io/sync-options', finalizer: 'resources-finalizer.argocd.argoproj.io' },
    upstream: 'argo-cd',
    path: 'controller/appcontroller.go',
  },
  // --- sync retry and waves (issue 18 #4; docs/adr/0023-argocd-sync-retry.md) ------------------------------
  autoSyncSkipsFailedRevision: {
    fact: 'autoSync does not start a new sync of a revision whose last attempt failed, self-heal or not ("Skipping auto-sync: failed previous sync attempt"), and starts none while an operation exists, including one waiting for its next retry; a new revision or a manual sync is needed',
    value: 'Skipping auto-sync: failed previous sync attempt',
    upstream: 'argo-cd',
    path: 'controller/appcontroller.go',
  },
  autoSyncDefaultRetry: {
    fact: "without spec.syncPolicy.retry an automated sync operation retries 5 times (Retry{Limit: 5}); with it, the Application's retry is used",
    value: 5,
    upstream: 'argo-cd',
    path: 'controller/appcontroller.go',
  },
  retryBackoff: {
    fact: 'a failed operation is retried while retryCount < limit (limit < 0: forever) after duration × factor^retryCount, capped at maxDuration (RetryStrategy.NextRetryAt); the retry re-runs the same operation, same revision (processRequestedAppOperation)',
    value: { forever: -1, formula: 'duration*factor^n capped at maxDuration' },
    upstream: 'argo-cd',
    path: 'pkg/apis/application/v1alpha1/types.go',
  },
  retryDefaults: {
    fact: 'backoff defaults: duration 5s, factor 2, maxDuration 3m; a duration without a unit is seconds, else a Go duration (parseStringToDuration)',
    value: { durationSeconds: 5, factor: 2, maxDurationSeconds: 180 },
    upstream: 'argo-cd',
    path: 'pkg/apis/application/v1alpha1/application_defaults.go',
  },
  waveHealthGate: {
    fact: 'in a multi-wave sync a task whose live object is Degraded completes Failed, the operation fails ("one or more synchronization tasks completed unsuccessfully") and later waves never start; Progressing keeps the wave running',
    value: 'one or more synchronization tasks completed unsuccessfully',
    upstream: 'gitops-engine',
    path: 'pkg/sync/sync_context.go',
  },
  deploymentDeadlineDegraded: {
    fact: 'a Deployment whose Progressing condition has reason ProgressDeadlineExceeded is Degraded (a slow first image pull past progressDeadlineSeconds, 600 by default, fails the wave)',
    value: 'ProgressDeadlineExceeded',
    upstream: 'gitops-engine',
    path: 'pkg/health/health_deployment.go',
  },
  noBuiltinApplicationHealth: {
    fact: 'v2.14 ships no health check for argoproj.io/Application (resource_customizations/argoproj.io has none): a parent waits for its children only through the Lua check argocd-cm declares',
    value: ['AnalysisRun', 'ApplicationSet', 'CronWorkflow', 'EventBus', 'Experiment', 'Rollout', 'WorkflowTemplate'],
    upstream: 'argo-cd',
    path: 'resource_customizations/argoproj.io',
  },
  // --- source type (the argocd-crds Application) ------------------------------------------------------------
  explicitSourceType: {
    fact: 'the repo-server uses the type an Application states (a directory, kustomize, helm or plugin block: ApplicationSource.ExplicitType) before any discovery (GetAppSourceType)',
    value: 'explicit-before-discovery',
    upstream: 'argo-cd',
    path: 'reposerver/repository/repository.go',
  },
  directoryReadsEveryYaml: {
    fact: 'a Directory source reads every *.yaml, *.yml, *.json (and *.jsonnet) file of the folder and takes each document that decodes as an object, so a kustomization.yaml (apiVersion and kind) becomes a manifest (findManifests, getObjsFromYAMLOrJson)',
    value: '^.*\\.(yaml|yml|json|jsonnet)$',
    upstream: 'argo-cd',
    path: 'reposerver/repository/repository.go',
  },
  discoveryKustomize: {
    fact: 'without an explicit type, a kustomization file at the source root makes the application Kustomize (Discover, AppType); otherwise Directory',
    value: 'Kustomize',
    upstream: 'argo-cd',
    path: 'util/app/discovery/discovery.go',
  },
  kustomizationNames: {
    fact: 'the file names that make a folder a kustomization (KustomizationNames)',
    value: ['kustomization.yaml', 'kustomization.yml', 'Kustomization'],
    upstream: 'argo-cd',
    path: 'util/kustomize/kustomize.go',
  },
  // --- the CLIs DAY0 runs (dist/bootstrap/DAY0.md, test/day0.test.ts) ------------------------------------------
  cliReleaseAssets: {
    fact: 'each release publishes the CLI as a bare binary argocd-<os>-<arch> and the sha256 sums of all of them in cli_checksums.txt',
    value: { binary: 'argocd-linux-', checksums: 'cli_checksums.txt' },
    upstream: 'argo-cd',
    path: '.goreleaser.yaml',
  },
  cliFlags: {
    fact: 'the CLI has the global flags --port-forward, --port-forward-namespace, --plaintext and --grpc-web, and reads default flags from ARGOCD_OPTS (util/config/env.go)',
    value: ['--grpc-web', '--plaintext', '--port-forward', '--port-forward-namespace'],
    upstream: 'argo-cd',
    path: 'cmd/argocd/commands/root.go',
  },
  cliLogin: {
    fact: '`argocd login` needs no server argument with --port-forward, prompts for the password when --password is absent, and prints "\'<user>\' logged in successfully"',
    value: 'logged in successfully',
    upstream: 'argo-cd',
    path: 'cmd/argocd/commands/login.go',
  },
  cliInitialPassword: {
    fact: '`argocd admin initial-password` prints the generated admin password (Secret argocd-initial-admin-secret) and a note to change it',
    value: 'initial-password',
    upstream: 'argo-cd',
    path: 'cmd/argocd/commands/admin/initial_password.go',
  },
  cliAppWait: {
    fact: '`argocd app wait` selects Applications by label (-l/--selector) and waits for --sync and --health up to --timeout seconds',
    value: ['--health', '--selector', '--sync', '--timeout'],
    upstream: 'argo-cd',
    path: 'cmd/argocd/commands/app.go',
  },
  ciliumCliAssets: {
    fact: 'cilium-cli releases publish cilium-<os>-<arch>.tar.gz with a .sha256sum file beside it; the v0.16 line supports Cilium 1.15 and newer',
    value: { archive: 'cilium-linux-', checksum: '.tar.gz.sha256sum', supports: 'Cilium 1.15 and newer' },
    upstream: 'cilium-cli',
    path: 'README.md',
  },
  ciliumCliOutput: {
    fact: '`cilium version --client` prints "cilium-cli: <version> compiled with <go> on <os>/<arch>"; `cilium status` prints a Cilium: and an Operator: line, OK when healthy',
    value: { version: 'cilium-cli: ', status: ['Cilium:', 'Operator:'] },
    upstream: 'cilium-cli',
    path: 'vendor/github.com/cilium/cilium/cilium-cli/cli/version.go',
  },
  vaultKvStdin: {
    fact: '`vault kv put`/`vault kv patch` read a value from stdin for `key=-`; patch merges the keys into the existing KV v2 secret; -field prints one field of the response (the version)',
    value: 'key=-',
    upstream: 'vault-cli',
    path: 'command/kv_patch.go',
  },
  crdsFolder: {
    fact: 'manifests/crds holds the three CRD files and a kustomization.yaml listing them',
    value: ['application-crd.yaml', 'applicationset-crd.yaml', 'appproject-crd.yaml', 'kustomization.yaml'],
    upstream: 'argo-cd',
    path: 'manifests/crds',
  },
});
