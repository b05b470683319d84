/**
 * Argo CD v2.14.21 as test/argocd-live.test.ts runs it (issue 20, docs/adr/0160-live-gitops.md): the switches,
 * flags, variables and annotations the test harness writes for the real repo-server and application controller,
 * read in the code at the pinned tag (the Go module of github.com/argoproj/argo-cd/v2 v2.14.21, the same tree
 * as the commit of conformance/upstream.ts). Code facts: no copy in ../shared/upstream, so no check.
 */
import { factTable } from '../upstream';

export const ARGOCD_LIVE_FACTS = factTable('argocd-live', {
  componentByName: {
    fact: 'one binary: cmd/main.go picks the component from the base name of argv[0] (argocd-application-controller, argocd-repo-server, …), ARGOCD_BINARY_NAME overriding it',
    value: ['argocd-application-controller', 'argocd-repo-server'],
    upstream: 'argo-cd',
    path: 'cmd/main.go',
  },
  fakeInCluster: {
    fact: 'with ARGOCD_FAKE_IN_CLUSTER=true the in-cluster destination https://kubernetes.default.svc uses the kubeconfig of $KUBECONFIG instead of the pod token (Cluster.RawRestConfig; upstream runs its components locally this way, Procfile)',
    value: 'ARGOCD_FAKE_IN_CLUSTER',
    upstream: 'argo-cd',
    path: 'pkg/apis/application/v1alpha1/types.go',
  },
  controllerFlags: {
    fact: 'the controller takes --repo-server host:port, --redis host:port and --metrics-port (which also serves /healthz), and the kubectl client flags (cli.AddKubectlFlagsToCmd: $KUBECONFIG and its context namespace)',
    value: ['--repo-server', '--redis', '--metrics-port'],
    upstream: 'argo-cd',
    path: 'cmd/argocd-application-controller/commands/argocd_application_controller.go',
  },
  repoServerFlags: {
    fact: 'the repo-server takes --address and --port for gRPC, --metrics-address and --metrics-port, --redis; it logs "argocd-repo-server is listening on <addr>" once its listener is open',
    value: ['--address', '--port', '--metrics-address', '--metrics-port', '--redis'],
    upstream: 'argo-cd',
    path: 'cmd/argocd-repo-server/commands/argocd_repo_server.go',
  },
  redisPassword: {
    fact: 'the Redis client of every component reads its password from REDIS_PASSWORD (the stack fills it from Secret argocd-redis key auth)',
    value: 'REDIS_PASSWORD',
    upstream: 'argo-cd',
    path: 'util/cache/cache.go',
  },
  imagePaths: {
    fact: 'the trust and GnuPG folders default to /app/config/tls, /app/config/ssh, /app/config/gpg/keys (and gpg/source), overridden by ARGOCD_TLS_DATA_PATH, ARGOCD_SSH_DATA_PATH, ARGOCD_GNUPGHOME, ARGOCD_GPG_DATA_PATH',
    value: {
      ARGOCD_TLS_DATA_PATH: '/app/config/tls',
      ARGOCD_SSH_DATA_PATH: '/app/config/ssh',
      ARGOCD_GNUPGHOME: '/app/config/gpg/keys',
      ARGOCD_GPG_DATA_PATH: '/app/config/gpg/source',
    },
    upstream: 'argo-cd',
    path: 'common/common.go',
  },
  trackingAnnotation: {
    fact: 'annotation tracking (argocd-cm application.resourceTrackingMethod: annotation) writes argocd.argoproj.io/tracking-id on every object an Application applies',
    value: 'argocd.argoproj.io/tracking-id',
    upstream: 'argo-cd',
    path: 'common/common.go',
  },
  refreshAnnotation: {
    fact: 'the annotation argocd.argoproj.io/refresh (normal or hard) asks the controller to compare an Application again; the controller deletes it once done (controller/appcontroller.go)',
    value: 'argocd.argoproj.io/refresh',
    upstream: 'argo-cd',
    path: 'pkg/apis/application/v1alpha1/application_annotations.go',
  },
  excludedResource: {
    fact: 'a target object whose kind resource.inclusions leaves out is dropped before the diff, with an ExcludedResourceWarning condition "Resource <group>/<kind> <name> is excluded in the settings": it is never applied',
    value: 'ExcludedResourceWarning',
    upstream: 'argo-cd',
    path: 'controller/state.go',
  },
  destinationRefused: {
    fact: 'an Application whose destination no project destination matches gets an InvalidSpecError condition "application destination server … and namespace … do not match any of the allowed destinations" (util/argo/argo.go ValidatePermissions); a synced object in a namespace the project does not admit fails the sync with "namespace … is not permitted in project" (controller/sync.go)',
    value: 'InvalidSpecError',
    upstream: 'argo-cd',
    path: 'util/argo/argo.go',
  },
  normalizedSource: {
    fact: 'the controller normalizes every Application it reconciles and patches it when that changed it: a source.directory block at its zero value (recurse false, no jsonnet, no include or exclude) is removed (util/argo/argo.go NormalizeSource, called from controller/appcontroller.go normalizeApplication); an app of apps that writes one back is OutOfSync forever',
    value: { recurse: false },
    upstream: 'argo-cd',
    path: 'util/argo/argo.go',
  },
  orphanIgnore: {
    fact: 'with orphanedResources.warn, every Application gets an OrphanedResourceWarning while its destination namespace holds an object no Application tracks, unless an orphanedResources.ignore entry matches its kind, group and name (globs; a ServiceAccount named default and the ConfigMap kube-root-ca.crt are always ignored): controller/appcontroller.go isKnownOrphanedResourceExclusion',
    value: ['kind', 'group', 'name'],
    upstream: 'argo-cd',
    path: 'controller/appcontroller.go',
  },
  orphanScope: {
    fact: 'the orphans of an Application are the top-level objects of its destination namespace (only kinds the controller watches and the project admits) minus its own managed objects, minus those whose tracking names another Application that exists; objects of a kind outside resource.inclusions (Secrets here, argocd-secret among them) are never candidates: controller/appcontroller.go getResourceTree, controller/cache/cache.go GetNamespaceTopLevelResources',
    value: ['GetNamespaceTopLevelResources', 'belongToAnotherApp'],
    upstream: 'argo-cd',
    path: 'controller/appcontroller.go',
  },
  orphanStale: {
    fact: 'a change of a watched object refreshes the Applications that track it (old or new state); only an object that no Application tracks refreshes the Applications watching orphans in its namespace. An object that goes from untracked to tracked therefore leaves the OrphanedResourceWarning of the other Applications of that namespace standing until their next reconcile (timeout.reconciliation, or a refresh): controller/cache/cache.go OnResourceUpdated, controller/appcontroller.go handleObjectUpdated',
    value: ['toNotify', 'onObjectUpdated'],
    upstream: 'argo-cd',
    path: 'controller/cache/cache.go',
  },
});
