/**
 * The upstream programs the test suite runs for real, built from their Go modules at the pinned versions.
 *
 * Each program has a wrapper module in `tools/go/<name>/` (a `go.mod` requiring the upstream module at the pin,
 * plus the `replace`/`exclude` directives the upstream go.mod needs, and its `go.sum`; no upstream code) and one
 * entry here saying how to build it. `npm run tools` (scripts/tools.ts) builds each into the user cache
 * (tools/paths.ts), keyed by version and by the wrapper's content, and reuses it while nothing changed.
 */
import { IMAGES } from '../config/versions';

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

const TRAEFIK_SRC = (path: string): BuildSource => ({ repo: 'traefik/traefik', path, tag: IMAGES.traefik.tag });

/** Every program, in build order (entries are added by the tests that run them). */
export const GO_PROGRAMS: readonly GoProgram[] = [
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
];
