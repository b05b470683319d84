/**
 * The upstream programs the test suite runs for real, built from their Go modules at the pinned versions.
 *
 * Each program has a wrapper module in `tools/go/<name>/` (a `go.mod` requiring the upstream module at the pin,
 * plus the `replace`/`exclude` directives the upstream go.mod needs, and its `go.sum`; no upstream code) and one
 * entry here saying how to build it. `npm run tools` (scripts/tools.ts) builds each into the user cache
 * (tools/paths.ts), keyed by version and by the wrapper's content, and reuses it while nothing changed.
 */

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

/** Every program, in build order (entries are added by the tests that run them). */
export const GO_PROGRAMS: readonly GoProgram[] = [];
