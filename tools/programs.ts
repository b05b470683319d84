/**
 * The upstream programs the test suite runs for real, built from their Go modules at the pinned versions.
 *
 * Each program has a wrapper module in `tools/go/<name>/` (a `go.mod` requiring the upstream module at the pin,
 * plus the `replace`/`exclude` directives the upstream go.mod needs, and its `go.sum`; no upstream code) and one
 * entry here saying how to build it. `npm run tools` (scripts/tools.ts) builds each into the user cache
 * (tools/paths.ts), keyed by version and by the wrapper's content, and reuses it while nothing changed.
 */
import { ETCD_RELEASE, KUBERNETES_RELEASE, VERSIONS } from '../config/versions';

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
}

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

/** Every program, in build order (entries are added by the tests that run them). */
export const GO_PROGRAMS: readonly GoProgram[] = [ETCD, KUBE_APISERVER];
