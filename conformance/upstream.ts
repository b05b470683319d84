/**
 * Upstream facts: what the programs the stack deploys really do, each with the place upstream defines it.
 *
 * A fact is a claim about an upstream program at the pinned version (a port it listens on, a path its
 * entrypoint reads, the RBAC its informers need), written in our own words with its source: repository,
 * path and tag (plus the commit the tag points at). Tests compare the synthesized objects with these tables;
 * nothing here reads upstream files at synthesis or test time.
 *
 * Where `../shared/upstream` holds a byte-for-byte copy of the source file, a fact also says how to confirm
 * it there (`check`), and test/conformance/shared-upstream.test.ts does so when that folder is present (CI
 * has it). Facts read from upstream code (Go sources, entrypoints, Dockerfiles) that is not mirrored carry
 * no check: they were read at the commit below, and the table is the record.
 */

/** The upstream repositories the stack pins, at the tag each image or manifest comes from. */
export const UPSTREAM = {
  'argo-cd': { repo: 'argoproj/argo-cd', tag: 'v2.14.21', commit: '206a6eeca509bbf7f239301f3d3fa498c23251a4', folder: 'argo-cd-v2.14.21' },
  traefik: { repo: 'traefik/traefik', tag: 'v3.6.6', commit: 'c2b21d3719808770b4c0c8212f65732c024adb5e', folder: 'traefik-v3.6.6' },
  'traefik-library-image': { repo: 'traefik/traefik-library-image', tag: 'v3.6.6', commit: '368aa812477878a262e80b82de66a3636489a9b8', folder: 'traefik-library-image-v3.6.6' },
  'vault-k8s': { repo: 'hashicorp/vault-k8s', tag: 'v1.6.2', commit: 'd71b447f1e75b7def6a426c8bb78a2db6d1055b8', folder: 'vault-k8s-v1.6.2' },
  'vault-helm': { repo: 'hashicorp/vault-helm', tag: 'v0.30.0', commit: 'eecd0492cc98d6bffc434528f9b7f636afdc2135', folder: 'vault-helm-v0.30.0' },
  'wazuh-kubernetes': { repo: 'wazuh/wazuh-kubernetes', tag: 'v4.14.1', commit: '7709d8c878d7b9df97adbf82435cb833c1f2b8a4', folder: 'wazuh-kubernetes-v4.14.1' },
  'wazuh-docker': { repo: 'wazuh/wazuh-docker', tag: 'v4.14.1', commit: '4e99641d02010f5d579a668c762cc3a9e7efd2c3', folder: 'wazuh-docker-v4.14.1' },
  prometheus: { repo: 'prometheus/prometheus', tag: 'v3.5.0', commit: '8be3a9560fbdd18a94dedec4b747c35178177202', folder: 'prometheus-v3.5.0' },
  'prometheus-operator': {
    repo: 'prometheus-operator/prometheus-operator',
    tag: 'v0.87.1',
    commit: 'a50aee4108dcf07f86b1b3e9dfa2bd6ee167f8a8',
    folder: 'prometheus-operator-v0.87.1',
  },
  minio: { repo: 'minio/minio', tag: 'RELEASE.2025-09-07T16-13-09Z', commit: '07c3a429bfed433e49018cb0f78a52145d4bedeb', folder: 'minio-RELEASE.2025-09-07T16-13-09Z' },
  mc: { repo: 'minio/mc', tag: 'RELEASE.2024-11-21T17-21-54Z', commit: '1681e4497c09d7438a34e846f76dbde972ab7daf', folder: 'mc-RELEASE.2024-11-21T17-21-54Z' },
  'klipper-lb': { repo: 'k3s-io/klipper-lb', tag: 'v0.4.9', commit: '525ecd25f8235a358e2ef265ba9d1c0c14d244f7', folder: 'klipper-lb-v0.4.9' },
  // Not mirrored under ../shared/upstream: read at these commits with the search tools (facts carry no check).
  'kube-state-metrics': { repo: 'kubernetes/kube-state-metrics', tag: 'v2.11.0', commit: '5e4e7d0bb727ac4c50097770ce0dd7979eb04b77', folder: '', mirrored: false },
  'node-exporter': { repo: 'prometheus/node_exporter', tag: 'v1.10.2', commit: '654f19dee6a0c41de78a8d6d870e8c742cdb43b9', folder: '', mirrored: false },
  alertmanager: { repo: 'prometheus/alertmanager', tag: 'v0.28.1', commit: 'b2099eaa2c9ebc25edb26517cb9c732738e93910', folder: '', mirrored: false },
  // The Cilium CLI DAY0 installs (config/versions.ts VERSIONS.ciliumCli), read at the tag.
  'cilium-cli': { repo: 'cilium/cilium-cli', tag: 'v0.16.24', commit: 'a4936ec2afa58bf755162928456190344a179207', folder: '', mirrored: false },
  // The vault CLI is the operator's (not pinned by the stack): its kv commands were read at a stored commit.
  'vault-cli': {
    repo: 'hashicorp/vault',
    tag: 'commit-056cf3934bb174bca976fe484f14014c43590356',
    commit: '056cf3934bb174bca976fe484f14014c43590356',
    folder: '',
    mirrored: false,
  },
  // The sync engine Argo CD v2.14.21 builds with (go.mod: gitops-engine v0.7.1-0.20250521000818-c08b0a72c1f1).
  'gitops-engine': {
    repo: 'argoproj/gitops-engine',
    tag: 'commit-c08b0a72c1f1cd8c332a6dc88a4b52cedcf1b45e',
    commit: 'c08b0a72c1f1cd8c332a6dc88a4b52cedcf1b45e',
    folder: '',
    mirrored: false,
  },
  // cAdvisor as vendored by Kubernetes 1.28 (go.mod: google/cadvisor v0.47.3), serving the kubelet's /metrics/cadvisor.
  cadvisor: { repo: 'google/cadvisor', tag: 'v0.47.3', commit: 'c5730c5a72b527a724e7333d0e2f5b9a3ce5cf4d', folder: '', mirrored: false },
  // Stored copies, NOT the pinned tags (both repositories are over the snapshot size limit): the metric names read
  // there have been stable for years, but were not read at k3s v1.28.15 / Cilium 1.16.12.
  'kubelet-stored': {
    repo: 'kubernetes/kubernetes',
    tag: 'commit-5afbee12d6cf6aca9e218dc657eff0f36349a82f',
    commit: '5afbee12d6cf6aca9e218dc657eff0f36349a82f',
    folder: '',
    mirrored: false,
  },
  'cilium-stored': {
    repo: 'cilium/cilium',
    tag: 'commit-f990fa7ccb6f11fa7fd4cca1cf4651e29b37a004',
    commit: 'f990fa7ccb6f11fa7fd4cca1cf4651e29b37a004',
    folder: '',
    mirrored: false,
  },
  // The host's journald and libsystemd (the node's systemd, not pinned by the stack): a stored copy, named by commit.
  'systemd-stored': {
    repo: 'systemd/systemd',
    tag: 'commit-00d692c59128452e81adbcc311eb0292d9db48e1',
    commit: '00d692c59128452e81adbcc311eb0292d9db48e1',
    folder: '',
    mirrored: false,
  },
  // Not mirrored (the k3s snapshot is over the size limit): a stored k3s commit whose ServiceLB default image is klipper-lb v0.4.9.
  'k3s-servicelb': { repo: 'k3s-io/k3s', tag: 'commit-0821db5a081300bc46bddeb04b09823c79255655', commit: '0821db5a081300bc46bddeb04b09823c79255655', folder: '', mirrored: false },
  // Not mirrored in ../shared/upstream: read at the tag with the code search tools (git snapshot of the repository).
  loki: { repo: 'grafana/loki', tag: 'v3.5.12', commit: '3b305e3fe11a23c02ba34eb0382e06d5df0e3e07', folder: '', mirrored: false },
  alloy: { repo: 'grafana/alloy', tag: 'v1.18.1', commit: '6012ec4ac6a541ade720777ecec2f2b02b496def', folder: '', mirrored: false },
  // The Wazuh server sources (content manager, vulnerability scanner) at the pinned images' tag.
  wazuh: { repo: 'wazuh/wazuh', tag: 'v4.14.1', commit: 'd77f67c802d3af9606b58657b79ad5fed7b50875', folder: '', mirrored: false },
  // The template engine of the Vault agent: the version Vault v1.19.0's go.mod requires (the agent image pin).
  'consul-template': { repo: 'hashicorp/consul-template', tag: 'v0.39.1', commit: 'cc8f9545be16190f08ad85aebb6cd70dbd986a19', folder: '', mirrored: false },
  // No tag of grafana/grafana could be matched to 12.3.1: the nearest stored copies, named by commit.
  'grafana-run-sh': {
    repo: 'grafana/grafana',
    tag: 'commit-07754534fbafa7e7e18e7272e552c166f1afae28',
    commit: '07754534fbafa7e7e18e7272e552c166f1afae28',
    folder: 'grafana-commit-07754534fbafa7e7e18e7272e552c166f1afae28',
  },
  'grafana-dockerfile': {
    repo: 'grafana/grafana',
    tag: 'commit-78515af65f036f536c4ab2e6fdb5484552f99f1f',
    commit: '78515af65f036f536c4ab2e6fdb5484552f99f1f',
    folder: 'grafana-commit-78515af65f036f536c4ab2e6fdb5484552f99f1f',
  },
  // The Kubernetes the stack pins, read from the k8s.io/kubernetes Go module at the tag (Go module cache; the repository
  // snapshot is over the size limit).
  kubernetes: { repo: 'kubernetes/kubernetes', tag: 'v1.28.15', commit: '841856557ef0f6a399096c42635d114d6f2cf7f4', folder: '', mirrored: false },
  // Argo CD v2.14.21's go.mod replaces k8s.io/apimachinery with v0.31.2: the unstructured list and YAML decoding rules.
  apimachinery: { repo: 'kubernetes/apimachinery', tag: 'v0.31.2', commit: 'a8f449e276fe566efddb149992049c78f0088492', folder: '', mirrored: false },
  // Not deployed by the stack: the "real app" of docs/adding-an-app.md (root image, storage, metrics behind Basic auth),
  // read at the tag with the code search tools so the guide's advice rests on what the image really does.
  'uptime-kuma': { repo: 'louislam/uptime-kuma', tag: '1.23.16', commit: '5bb329fa0e8af9395911f33d5a6d6bb9b128c0f7', folder: '', mirrored: false },
  // Backups (ADR-0170): the mover restic and its S3 client, and the systems compared, read from the Go modules at the tags.
  restic: { repo: 'restic/restic', tag: 'v0.18.1', commit: '7d0aa7f2e30546fba7c8f1c0bae4d6704e3d8423', folder: '', mirrored: false },
  'minio-go': { repo: 'minio/minio-go', tag: 'v7.0.95', commit: 'bd91926e6b4d828b4b5072088fd8b4a6a7a44eab', folder: '', mirrored: false },
  volsync: { repo: 'backube/volsync', tag: 'v0.14.0', commit: '6cbd2baf9ff1000a8aa96ff5f6b5a4fb4638ba48', folder: '', mirrored: false },
  velero: { repo: 'vmware-tanzu/velero', tag: 'v1.17.1', commit: '94f64639cee09c5caaa65b65ab5f42175f41c101', folder: '', mirrored: false },
  k8up: { repo: 'k8up-io/k8up', tag: 'v2.13.1', commit: '56ca1a38786778474be6260d7c90f65e40a3eff8', folder: '', mirrored: false },
  // The local-path-provisioner of k3s v1.28.15+k3s1 (its release notes), the stack's storage class.
  'local-path-provisioner': { repo: 'rancher/local-path-provisioner', tag: 'v0.0.30', commit: 'c4fdcada94c2e632cd7d9231e73406d554eb40e2', folder: '', mirrored: false },
} as const satisfies Record<string, UpstreamRepo>;

export interface UpstreamRepo {
  /** GitHub owner/name. */
  readonly repo: string;
  /** The tag the pinned image or manifest was built from. */
  readonly tag: string;
  /** The commit that tag points at. */
  readonly commit: string;
  /** Folder of ../shared/upstream that mirrors files of this tag. */
  readonly folder: string;
  /** false: no folder of ../shared/upstream mirrors it (its facts carry no check). @default true */
  readonly mirrored?: false;
}

export type UpstreamName = keyof typeof UPSTREAM;

/**
 * How the mirrored copy of the source file confirms a fact:
 * - `contains`: the file holds this exact text (a flag, a path, a line of a Dockerfile);
 * - `matches`: the file matches this pattern;
 * - `yaml`: parse the file (every YAML document) and compute the value, which must deep-equal `value`.
 */
export type FactCheck = { readonly contains: string } | { readonly matches: RegExp } | { readonly yaml: (docs: readonly unknown[]) => unknown };

export interface FactSpec<T> {
  /** The claim in words, e.g. "argocd-repo-server serves gRPC on 8081". */
  readonly fact: string;
  readonly value: T;
  readonly upstream: UpstreamName;
  /** Path of the defining file in the upstream repository (at UPSTREAM[upstream].tag). */
  readonly path: string;
  /** How ../shared/upstream confirms it; absent when the file is upstream code that is not mirrored. */
  readonly check?: FactCheck;
  /**
   * The commit the file was read at, when no copy at the tag exists (grafana: no 12.3.1 snapshot). The fact
   * then says in words why it holds for the pinned version.
   */
  readonly at?: string;
}

export interface Fact<T> extends FactSpec<T> {
  /** `<table>.<key>`, unique across every table. */
  readonly id: string;
  /** Repository, path and tag, for messages and docs. */
  readonly source: string;
}

/** Builds a named table of facts; keys become ids `<table>.<key>`. */
export function factTable<T extends Record<string, FactSpec<unknown>>>(table: string, specs: T): { readonly [K in keyof T]: Fact<T[K]['value']> } {
  const out: Record<string, Fact<unknown>> = {};
  for (const [key, spec] of Object.entries(specs)) {
    const u = UPSTREAM[spec.upstream];
    out[key] = { ...spec, id: `${table}.${key}`, source: `${u.repo} ${spec.path} @ ${spec.at ?? u.tag}` };
  }
  return out as { readonly [K in keyof T]: Fact<T[K]['value']> };
}

/** Every fact of a table, for the shared-upstream check and the docs. */
export function factsOf(table: Readonly<Record<string, Fact<unknown>>>): Fact<unknown>[] {
  return Object.values(table);
}
