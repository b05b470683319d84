/**
 * The upstream programs the test suite runs for real, built from their Go modules at the pinned versions.
 *
 * Each program has a wrapper module in `tools/go/<name>/` (a `go.mod` requiring the upstream module at the pin,
 * plus the `replace`/`exclude` directives the upstream go.mod needs, and its `go.sum`; no upstream code) and one
 * entry here saying how to build it. `npm run tools` (scripts/tools.ts) builds each into the user cache
 * (tools/paths.ts), keyed by version and by the wrapper's content, and reuses it while nothing changed.
 */
import { ALERTMANAGER_IMAGE } from '../constructs/alertmanager';
import { LOKI_IMAGE } from '../constructs/loki';
import { RESTIC_IMAGE } from '../constructs/backup';
import { ETCD_RELEASE, IMAGES, KUBERNETES_RELEASE, VERSIONS } from '../config/versions';

/** Where a build fact was read: repository, path and tag (or commit). */
export interface BuildSource {
  readonly repo: string;
  readonly path: string;
  readonly tag: string;
}

/** A build directive of a wrapper and why it is there. */
export interface BuildFact {
  readonly fact: string;
  readonly source: BuildSource;
}

export interface GoProgram {
  /** The binary's name, also the wrapper folder `tools/go/<name>/`. */
  readonly name: string;
  /** The upstream Go module the wrapper requires, e.g. `k8s.io/kubernetes`. */
  readonly module: string;
  /** The module version required (a pin of config/versions.ts, in Go's spelling, e.g. `v0.305.0` for Prometheus 3.5.0). */
  readonly moduleVersion: string;
  /** The release this build stands for (the pin as the stack spells it, e.g. `v3.5.0`). */
  readonly version: string;
  /** The package built, e.g. `k8s.io/kubernetes/cmd/kube-apiserver`. */
  readonly pkg: string;
  /** `-ldflags -X` stamps (e.g. the version a binary reports). @default none */
  readonly ldflags?: readonly string[];
  /** Build tags. @default none */
  readonly tags?: readonly string[];
  /** Environment of the build (e.g. `CGO_ENABLED=0`). @default { CGO_ENABLED: '0' } */
  readonly env?: Readonly<Record<string, string>>;
  /** Why each directive of the wrapper's go.mod is there, with its source. */
  readonly facts: readonly BuildFact[];
  /**
   * Set when the Go module proxy cannot serve the pinned module version: `moduleVersion` then stands in for
   * `pinned`, and `why` says why the program built is the same (a test checks that `pinned` is the pin).
   */
  readonly substituteFor?: { readonly pinned: string; readonly why: string };
}

/** Prometheus 3.M.P is published as the Go module version v0.3MM.P (`v3.5.0` → `v0.305.0`). */
export function prometheusModuleVersion(tag: string): string {
  const m = /^v?3\.(\d{1,2})\.(\d+)$/.exec(tag);
  if (!m) throw new Error(`not a Prometheus 3.x release: ${tag}`);
  return `v0.3${m[1]!.padStart(2, '0')}.${m[2]}`;
}

/** A tag as Go spells a module version (`3.5.12` → `v3.5.12`). */
export function goVersion(tag: string): string {
  if (!/^v?\d+\.\d+\.\d+$/.test(tag)) throw new Error(`not a release version: ${tag}`);
  return tag.startsWith('v') ? tag : `v${tag}`;
}

const PROMETHEUS_TAG = IMAGES.prometheus.tag;
const prometheusSrc = (path: string): BuildSource => ({ repo: 'prometheus/prometheus', path, tag: PROMETHEUS_TAG });
const ALERTMANAGER_TAG = ALERTMANAGER_IMAGE.tag;
const LOKI_TAG = goVersion(LOKI_IMAGE.tag);
/** The newest v3.5 tag the Go module proxy here serves (v3.5.12 and its commit's pseudo-version answer 403). */
const LOKI_SOURCE_TAG = 'v3.5.11';
const lokiSrc = (path: string, tag: string = LOKI_TAG): BuildSource => ({ repo: 'grafana/loki', path, tag });

/** Kubernetes' own go.mod and release files at the pinned tag (the module zip holds the same files). */
const KUBERNETES_SRC = { repo: 'kubernetes/kubernetes', tag: KUBERNETES_RELEASE } as const;
/** The staging modules' published version for a Kubernetes release: v1.28.15 → v0.28.15. */
export const KUBERNETES_STAGING_VERSION = KUBERNETES_RELEASE.replace(/^v1\./, 'v0.');
const [KUBE_MAJOR, KUBE_MINOR] = KUBERNETES_RELEASE.replace(/^v/, '').split('.');

/** The test control plane (test/lib/control-plane.ts): kube-apiserver at the k3s pin's Kubernetes release. */
const KUBE_APISERVER: GoProgram = {
  name: 'kube-apiserver',
  module: 'k8s.io/kubernetes',
  moduleVersion: KUBERNETES_RELEASE,
  version: KUBERNETES_RELEASE,
  pkg: 'k8s.io/kubernetes/cmd/kube-apiserver',
  ldflags: [
    `-X k8s.io/component-base/version.gitVersion=${KUBERNETES_RELEASE}`,
    `-X k8s.io/component-base/version.gitMajor=${KUBE_MAJOR}`,
    `-X k8s.io/component-base/version.gitMinor=${KUBE_MINOR}`,
  ],
  // No in-tree cloud providers (Azure, GCE, vSphere SDKs): what k3s builds too, and a much shorter cold build.
  tags: ['providerless'],
  env: { CGO_ENABLED: '0' },
  facts: [
    {
      fact: 'the providerless build tag drops the in-tree cloud providers from kube-apiserver (cmd/kube-apiserver/app/options/globalflags_providerless.go is its !providerless counterpart); Kubernetes keeps it building (hack/make-rules/verify.sh runs verify-typecheck-providerless.sh)',
      source: { ...KUBERNETES_SRC, path: 'cmd/kube-apiserver/app/options/globalflags_providerless.go' },
    },
    {
      fact: 'k3s builds its embedded kube-apiserver with the providerless tag (scripts/build TAGS)',
      source: { repo: 'k3s-io/k3s', path: 'scripts/build', tag: VERSIONS.k3s },
    },
    {
      fact: 'k8s.io/kubernetes requires each staging module (k8s.io/api, apimachinery, apiserver, client-go, ... 30 of them) at v0.0.0 and replaces it by its ./staging/src folder; replace directives only apply in the main module, so the wrapper replaces every one of them by its published v0.<minor>.<patch> (the same commit, tagged kubernetes-1.28.15 in each staging repository)',
      source: { ...KUBERNETES_SRC, path: 'go.mod' },
    },
    {
      fact: 'kube-apiserver is the main package cmd/kube-apiserver; generated code (OpenAPI, deep copies, conversions) is committed, so a plain go build needs no generator',
      source: { ...KUBERNETES_SRC, path: 'cmd/kube-apiserver/apiserver.go' },
    },
    {
      fact: "the version a binary reports (/version, the --version flag) is the link-time variables gitVersion, gitMajor and gitMinor of k8s.io/component-base/version, set with -ldflags -X by hack/lib/version.sh (which also stamps k8s.io/client-go/pkg/version, unused by the server's /version); unset, /version says v0.0.0-master",
      source: { ...KUBERNETES_SRC, path: 'hack/lib/version.sh' },
    },
    {
      fact: 'kube-apiserver is one of KUBE_STATIC_LIBRARIES, which the release build compiles with CGO_ENABLED=0',
      source: { ...KUBERNETES_SRC, path: 'hack/lib/golang.sh' },
    },
  ],
};

/** The control plane's store: etcd at the version the Kubernetes release names. */
const ETCD: GoProgram = {
  name: 'etcd',
  module: 'go.etcd.io/etcd/server/v3',
  moduleVersion: ETCD_RELEASE,
  version: ETCD_RELEASE,
  pkg: 'go.etcd.io/etcd/server/v3',
  env: { CGO_ENABLED: '0' },
  facts: [
    {
      fact: `Kubernetes ${KUBERNETES_RELEASE} names etcd 3.5.15 (build/dependencies.yaml, and kubeadm's DefaultEtcdVersion 3.5.15-0 for minor 28)`,
      source: { ...KUBERNETES_SRC, path: 'build/dependencies.yaml' },
    },
    {
      fact: 'the server module is itself the etcd binary: server/main.go is package main and calls etcdmain.Main, so the wrapper builds the module path go.etcd.io/etcd/server/v3 as a package',
      source: { repo: 'etcd-io/etcd', path: 'server/main.go', tag: ETCD_RELEASE },
    },
    {
      fact: 'server/go.mod replaces its siblings (api, client/pkg, client/v2, client/v3, pkg, raft) by ../ folders and requires them at the same tag; the replaces do not apply outside etcd, the tagged siblings are on the module proxy, so the wrapper needs no directive',
      source: { repo: 'etcd-io/etcd', path: 'server/go.mod', tag: ETCD_RELEASE },
    },
  ],
};

const TRAEFIK_SRC = (path: string): BuildSource => ({ repo: 'traefik/traefik', path, tag: IMAGES.traefik.tag });

const ARGOCD_SRC = (path: string): BuildSource => ({ repo: 'argoproj/argo-cd', path, tag: VERSIONS.argocd });

/** Argo CD: one binary, the component chosen by the name it is invoked as (test/lib/argocd.ts links the names). */
const ARGOCD: GoProgram = {
  name: 'argocd',
  module: 'github.com/argoproj/argo-cd/v2',
  moduleVersion: VERSIONS.argocd,
  version: VERSIONS.argocd,
  pkg: 'github.com/argoproj/argo-cd/v2/cmd',
  ldflags: [`-X github.com/argoproj/argo-cd/v2/common.version=${VERSIONS.argocd.replace(/^v/, '')}`],
  env: { CGO_ENABLED: '0' },
  facts: [
    {
      fact:
        'the release images hold one binary built from the package ./cmd; cmd/main.go picks the component from the base name of argv[0] ' +
        '(or ARGOCD_BINARY_NAME): argocd-application-controller, argocd-repo-server, argocd-server, ... and the CLI otherwise',
      source: ARGOCD_SRC('cmd/main.go'),
    },
    {
      fact: 'the Makefile builds with CGO_FLAG=0 and stamps the version with -X github.com/argoproj/argo-cd/v2/common.version=$(cat VERSION); unset, it reports 99.99.99',
      source: ARGOCD_SRC('Makefile'),
    },
    { fact: "go 1.24.6 is the module's go line", source: ARGOCD_SRC('go.mod') },
    {
      fact:
        'replace k8s.io/api, apiextensions-apiserver, apiserver, cli-runtime, client-go and the other 25 staging modules => v0.31.0, and k8s.io/apimachinery => v0.31.2: ' +
        'k8s.io/kubernetes v1.31.0 (required for kubectl code) requires every staging module at v0.0.0, which only these replaces resolve',
      source: ARGOCD_SRC('go.mod'),
    },
    {
      fact: 'replace github.com/golang/protobuf => v1.5.4 and github.com/grpc-ecosystem/grpc-gateway => v1.16.0 (the generated API code is built against these)',
      source: ARGOCD_SRC('go.mod'),
    },
    { fact: 'replace gopkg.in/yaml.v2 => v2.4.0 and gopkg.in/yaml.v3 => v3.0.1 (CVE-2022-3064, CVE-2022-28948)', source: ARGOCD_SRC('go.mod') },
    {
      fact: "replace github.com/go-telegram-bot-api/telegram-bot-api/v5 => github.com/OvyFlash/telegram-bot-api/v5 v5.0.0-20240108230938-63e5c59035bf (the notifications engine's fork)",
      source: ARGOCD_SRC('go.mod'),
    },
    {
      fact: 'github.com/argoproj/gitops-engine is required as the pseudo-version v0.7.1-0.20250521000818-c08b0a72c1f1 (no replace): the proxy serves it, the wrapper needs no directive',
      source: ARGOCD_SRC('go.mod'),
    },
    {
      fact: 'the web UI is embedded from ui/dist/app, which holds only a gitkeep file in the module: the binary builds without the UI (the tests run only the controller and the repo server)',
      source: ARGOCD_SRC('ui/embed.go'),
    },
  ],
};

/** The kustomize release Argo CD v2.14.21 ships in its image (hack/tool-versions.sh kustomize5_version). */
export const ARGOCD_KUSTOMIZE = 'v5.4.3';

/** kustomize: the repo-server builds a Kustomize source (argo-cd's manifests/crds) by running `kustomize build`. */
const KUSTOMIZE: GoProgram = {
  name: 'kustomize',
  module: 'sigs.k8s.io/kustomize/kustomize/v5',
  moduleVersion: ARGOCD_KUSTOMIZE,
  version: ARGOCD_KUSTOMIZE,
  pkg: 'sigs.k8s.io/kustomize/kustomize/v5',
  env: { CGO_ENABLED: '0' },
  facts: [
    {
      fact: `Argo CD's image installs kustomize ${ARGOCD_KUSTOMIZE.replace(/^v/, '')} (kustomize5_version in hack/tool-versions.sh; hack/installers/install-kustomize.sh puts it on the PATH)`,
      source: ARGOCD_SRC('hack/tool-versions.sh'),
    },
    {
      fact: 'the repo-server runs the kustomize binary found on its PATH (util/kustomize/kustomize.go getBinaryPath: "kustomize" unless argocd-cm names a binary for a version)',
      source: ARGOCD_SRC('util/kustomize/kustomize.go'),
    },
    {
      fact: 'the kustomize module (kustomize/ of kubernetes-sigs/kustomize, tag kustomize/v5.4.3) is the main package; its go.mod requires api v0.17.3 and kyaml v0.17.2 at tags and has no replace or exclude: the wrapper needs no directive; go 1.21 is its go line',
      source: { repo: 'kubernetes-sigs/kustomize', path: 'kustomize/go.mod', tag: 'kustomize/v5.4.3' },
    },
  ],
};

/** The miniredis version Argo CD's go.mod requires (its tests' in-memory Redis). */
export const ARGOCD_MINIREDIS = 'v2.33.0';

/**
 * An in-memory Redis for Argo CD's controller and repo-server (their caches; the stack runs redis 7.2 in a pod).
 * Our own small program (tools/go/miniredis/main.go) around the library Argo CD's own tests use.
 */
const MINIREDIS: GoProgram = {
  name: 'miniredis',
  module: 'github.com/alicebob/miniredis/v2',
  moduleVersion: ARGOCD_MINIREDIS,
  version: ARGOCD_MINIREDIS,
  pkg: 'domus.local/tools/miniredis',
  env: { CGO_ENABLED: '0' },
  facts: [
    {
      fact: `Argo CD requires github.com/alicebob/miniredis/v2 ${ARGOCD_MINIREDIS} and its cache tests run the Redis client against it (util/cache/redis_test.go, cache_test.go)`,
      source: ARGOCD_SRC('go.mod'),
    },
    {
      fact: 'the controller and the repo-server take the Redis address with --redis host:port (cmd/argocd-application-controller, cmd/argocd-repo-server: cacheutil.AddCacheFlagsToCmd); without a password and TLS they speak plain RESP',
      source: ARGOCD_SRC('util/cache/cache.go'),
    },
  ],
};

/** Vault (server -dev and agent are one binary) at the agent pin, and the injector at its pin. */
const VAULT_TAG = goVersion(IMAGES.vaultAgent.tag);
const vaultSrc = (path: string): BuildSource => ({ repo: 'hashicorp/vault', path, tag: VAULT_TAG });
const VAULT_K8S_TAG = goVersion(IMAGES.vaultInjector.tag);
const vaultK8sSrc = (path: string): BuildSource => ({ repo: 'hashicorp/vault-k8s', path, tag: VAULT_K8S_TAG });

const VAULT: GoProgram = {
  name: 'vault',
  module: 'github.com/hashicorp/vault',
  moduleVersion: VAULT_TAG,
  version: VAULT_TAG,
  pkg: 'github.com/hashicorp/vault',
  env: { CGO_ENABLED: '0' },
  facts: [
    {
      fact: 'vault is the main package at the module root (main.go calls command.Run); server -dev, agent and the CLI are subcommands of the one binary',
      source: vaultSrc('main.go'),
    },
    { fact: 'go 1.23.3: the go line of the module, repeated so the wrapper resolves the dependency graph the same way', source: vaultSrc('go.mod') },
    {
      fact:
        "the module replaces api, api/auth/approle, api/auth/kubernetes, api/auth/userpass and sdk by its ./api and ./sdk folders; replaces only apply in the main module, and the Go module proxy here answers 403 for pseudo-versions at the tag's commit (7eeafb6160d6), " +
        "so the wrapper builds against the versions the go.mod requires (api v1.16.0, sdk v0.15.2 of 2025-02-26, api/auth/kubernetes v0.6.0, approle and userpass v0.1.0), the published modules nearest the tag. Not compared file by file with the tag's api/ and sdk/ folders (no copy of them reaches this machine: the proxy refuses them and the repository snapshot is over the fetch limit)",
      source: vaultSrc('go.mod'),
    },
    { fact: 'replace github.com/99designs/keyring => github.com/Jeffail/keyring v1.2.3 (zombie dbus-daemon processes, keyring#103)', source: vaultSrc('go.mod') },
    { fact: 'replace github.com/ma314smith/signedxml v1.1.1 => github.com/moov-io/signedxml v1.1.1', source: vaultSrc('go.mod') },
    {
      fact: 'the version a binary reports is embedded from version/VERSION (1.19.0 at the tag) with go:embed, so no -ldflags stamp is needed; the release build runs with CGO_ENABLED=0 and adds the ui tag only for the web UI, which the tests do not use',
      source: vaultSrc('version/version_base.go'),
    },
  ],
};

const VAULT_K8S: GoProgram = {
  name: 'vault-k8s',
  module: 'github.com/hashicorp/vault-k8s',
  moduleVersion: VAULT_K8S_TAG,
  version: VAULT_K8S_TAG,
  pkg: 'github.com/hashicorp/vault-k8s',
  ldflags: [`-X github.com/hashicorp/vault-k8s/version.Version=${VAULT_K8S_TAG}`],
  env: { CGO_ENABLED: '0' },
  facts: [
    { fact: 'the module has no replace or exclude directive (a plain go install works); go 1.23.6 is its go line', source: vaultK8sSrc('go.mod') },
    { fact: 'vault-k8s is the main package at the module root; the injector is its agent-inject subcommand', source: vaultK8sSrc('main.go') },
    { fact: 'the release build runs with CGO_ENABLED=0 and stamps version.Version with -ldflags -X as v$(VERSION) (the source says 0.0.0)', source: vaultK8sSrc('Makefile') },
  ],
};

/** Every program, in build order. One flat list: each program is one entry (merges of branches are a union). */
export const GO_PROGRAMS: readonly GoProgram[] = [
  ETCD,
  KUBE_APISERVER,
  VAULT_K8S,
  VAULT,
  {
    name: 'promtool',
    module: 'github.com/prometheus/prometheus',
    moduleVersion: prometheusModuleVersion(PROMETHEUS_TAG),
    version: PROMETHEUS_TAG,
    pkg: 'github.com/prometheus/prometheus/cmd/promtool',
    facts: [
      {
        fact: `Prometheus ${PROMETHEUS_TAG} is the Go module version ${prometheusModuleVersion(PROMETHEUS_TAG)} (the proxy's .info for it names refs/tags/${PROMETHEUS_TAG})`,
        source: prometheusSrc('go.mod'),
      },
      { fact: 'go 1.23.0: the go line of the module, repeated so the wrapper resolves its dependency graph the same way (pruned)', source: prometheusSrc('go.mod') },
      { fact: 'exclude github.com/linode/linodego v1.0.0: no longer published on GitHub', source: prometheusSrc('go.mod') },
      { fact: 'exclude github.com/grpc-ecosystem/grpc-gateway v1.14.7 and google.golang.org/api v0.30.0: breaking changes (prometheus#7621)', source: prometheusSrc('go.mod') },
      { fact: 'replace github.com/fsnotify/fsnotify v1.8.0 => v1.7.0: pinned until fsnotify#656 is resolved', source: prometheusSrc('go.mod') },
      { fact: 'promtool is the main package cmd/promtool; CGO is not needed', source: prometheusSrc('cmd/promtool/main.go') },
    ],
  },
  {
    name: 'amtool',
    module: 'github.com/prometheus/alertmanager',
    moduleVersion: ALERTMANAGER_TAG,
    version: ALERTMANAGER_TAG,
    pkg: 'github.com/prometheus/alertmanager/cmd/amtool',
    facts: [
      {
        fact: 'the module has no replace or exclude directive (a plain go install works); go 1.22.0 is its go line',
        source: { repo: 'prometheus/alertmanager', path: 'go.mod', tag: ALERTMANAGER_TAG },
      },
      {
        fact: "amtool is the main package cmd/amtool; check-config loads each file with config.LoadFile, the server's own loader",
        source: { repo: 'prometheus/alertmanager', path: 'cli/check_config.go', tag: ALERTMANAGER_TAG },
      },
    ],
  },
  {
    name: 'loki',
    module: 'github.com/grafana/loki/v3',
    moduleVersion: LOKI_SOURCE_TAG,
    version: LOKI_TAG,
    pkg: 'github.com/grafana/loki/v3/cmd/loki',
    substituteFor: {
      pinned: LOKI_TAG,
      why:
        `the Go module proxy answers 403 for ${LOKI_TAG} (and for a pseudo-version of its commit); ${LOKI_TAG} changes no file under pkg/ or cmd/ against ${LOKI_SOURCE_TAG} ` +
        '(git diff --stat v3.5.11 v3.5.12 outside vendor/ and docs/: go.mod, go.sum, CI and Dockerfiles only), and the wrapper requires the dependency versions ' +
        `${LOKI_TAG}'s go.mod raised, so the source and dependencies built are those of ${LOKI_TAG}`,
    },
    facts: [
      { fact: "go 1.25.0 is the module's go line (its toolchain line says go1.25.8; Go 1.26 builds it)", source: lokiSrc('go.mod') },
      {
        fact: 'require testify v1.11.1, x/sys v0.40.0, otel auto/sdk v1.2.1, otel, otel/metric, otel/trace, otel/sdk, otel/sdk/metric v1.40.0, go-logr/logr v1.4.3: the versions v3.5.12 raised against v3.5.11 (git diff v3.5.11 v3.5.12 -- go.mod)',
        source: lokiSrc('go.mod'),
      },
      { fact: 'replace github.com/Azure/azure-sdk-for-go => v68.0.0+incompatible', source: lokiSrc('go.mod') },
      {
        fact: 'replace github.com/Azure/azure-storage-blob-go => github.com/MasslessParticle/azure-storage-blob-go v0.14.1-0.20240322194317-344980fda573',
        source: lokiSrc('go.mod'),
      },
      { fact: 'replace github.com/hashicorp/consul => v1.22.0', source: lokiSrc('go.mod') },
      { fact: 'replace github.com/gocql/gocql => github.com/grafana/gocql (a fork with go-kit logs and Prometheus metrics)', source: lokiSrc('go.mod') },
      { fact: 'exclude k8s.io/client-go v8.0.0+incompatible', source: lokiSrc('go.mod') },
      { fact: 'replace github.com/hashicorp/memberlist => github.com/grafana/memberlist (fixes not merged upstream)', source: lokiSrc('go.mod') },
      { fact: 'replace github.com/grafana/regexp => the optimised version v0.0.0-20240518133315-a468a5bfb3bc', source: lokiSrc('go.mod') },
      { fact: 'replace github.com/influxdata/go-syslog/v3 => github.com/leodido/go-syslog/v4 v4.2.0 (the maintained fork)', source: lokiSrc('go.mod') },
      { fact: 'replace github.com/thanos-io/objstore => github.com/grafana/objstore v0.0.0-20250210100727-533688b5600d', source: lokiSrc('go.mod') },
      {
        fact:
          'not repeated: replace github.com/grafana/loki/pkg/push => ./pkg/push (a folder of the repository, not a module version). The wrapper keeps the required v0.0.0-20240924133635-758364c7775f: ' +
          'the proxy refuses a pseudo-version at the tag, and pkg/push differs from it only by importing slices from the standard library instead of golang.org/x/exp (git diff 758364c7775f v3.5.11 -- pkg/push)',
        source: lokiSrc('pkg/push/types.go', LOKI_SOURCE_TAG),
      },
      { fact: 'loki is the main package cmd/loki; -verify-config parses and validates the configuration and exits', source: lokiSrc('cmd/loki/main.go') },
    ],
  },
  {
    name: 'traefik',
    module: 'github.com/traefik/traefik/v3',
    moduleVersion: IMAGES.traefik.tag,
    version: IMAGES.traefik.tag,
    pkg: 'github.com/traefik/traefik/v3/cmd/traefik',
    ldflags: [`-X github.com/traefik/traefik/v3/pkg/version.Version=${IMAGES.traefik.tag.replace(/^v/, '')}`],
    facts: [
      {
        fact: 'The binary is the package cmd/traefik of module github.com/traefik/traefik/v3; releases stamp pkg/version.Version with -ldflags -X and build with -trimpath',
        source: TRAEFIK_SRC('.goreleaser.yml.tmpl'),
      },
      {
        fact: 'replace github.com/abbot/go-http-auth => github.com/containous/go-http-auth v0.4.1-0.20200324110947-a37a7636d23e (the fork the basic/digest auth middleware is built against)',
        source: TRAEFIK_SRC('go.mod'),
      },
      {
        fact: 'replace github.com/gorilla/mux => github.com/containous/mux v0.0.0-20250523120546-41b6ec3aed59 (the fork the router is built against)',
        source: TRAEFIK_SRC('go.mod'),
      },
      {
        fact: 'replace github.com/mailgun/minheap => github.com/containous/minheap v0.0.0-20190809180810-6e71eb837595',
        source: TRAEFIK_SRC('go.mod'),
      },
      {
        fact: 'exclude github.com/tencentcloud/tencentcloud-sdk-go v3.0.83+incompatible (ambiguous import against the multi-module tencentcloud packages)',
        source: TRAEFIK_SRC('go.mod'),
      },
      {
        fact: 'the web UI is embedded from webui/static, which holds only a placeholder file in the module: the binary builds without the UI assets (the stack does not serve the dashboard from this build)',
        source: TRAEFIK_SRC('webui/embed.go'),
      },
    ],
  },
  {
    name: 'restic',
    module: 'github.com/restic/restic',
    moduleVersion: goVersion(RESTIC_IMAGE.tag),
    version: goVersion(RESTIC_IMAGE.tag),
    pkg: 'github.com/restic/restic/cmd/restic',
    facts: [
      {
        fact: 'the module has no replace or exclude directive (go 1.23.0): a plain build of cmd/restic is the program the image runs (its Dockerfile builds with `go run build.go`, which compiles the same package)',
        source: { repo: 'restic/restic', path: 'go.mod', tag: goVersion(RESTIC_IMAGE.tag) },
      },
      {
        fact: 'the image copies the binary built from cmd/restic to /usr/bin/restic (docker/Dockerfile)',
        source: { repo: 'restic/restic', path: 'docker/Dockerfile', tag: goVersion(RESTIC_IMAGE.tag) },
      },
    ],
  },
  ARGOCD,
  KUSTOMIZE,
  MINIREDIS,
];
