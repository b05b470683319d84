/**
 * Every pinned version of the stack, in one place.
 *
 * The API level is Kubernetes 1.28 (k3s v1.28.15+k3s1, the last 1.28 build). Each pin is the newest line that
 * still lists or tests 1.28 (see docs/adr/0006-pinned-versions.md). Tags only, never `latest`; a site config may
 * override a workload's tag (`workloads.<name>.version`), the repository stays here.
 */
export const VERSIONS = {
  k3s: 'v1.28.15+k3s1',
  kubernetes: '1.28',
  cilium: '1.16.12',
  argocd: 'v2.14.21',
  // The Cilium CLI for `cilium status` at day 0: the v0.16 line supports Cilium 1.15 and newer (README at the tag).
  ciliumCli: 'v0.16.24',
} as const;

/**
 * The Kubernetes release inside the k3s pin (`v1.28.15+k3s1` → `v1.28.15`): the kube-apiserver the tests run
 * (tools/go/kube-apiserver). Derived, so a k3s bump moves it.
 */
export const KUBERNETES_RELEASE = VERSIONS.k3s.replace(/\+k3s\d+$/, '');

/**
 * The etcd of that Kubernetes release: kubernetes `build/dependencies.yaml` (and kubeadm's DefaultEtcdVersion)
 * at v1.28.15 name etcd 3.5.15. The test control plane's store (tools/go/etcd); bump it with the k3s pin
 * (test/control-plane.test.ts reads the Kubernetes module's dependencies.yaml and fails when they part).
 */
export const ETCD_RELEASE = 'v3.5.15';

/** An image is a repository plus a tag; the tag may be overridden per site. */
export interface ImageRef {
  readonly repository: string;
  readonly tag: string;
}

export const IMAGES = {
  prometheus: { repository: 'quay.io/prometheus/prometheus', tag: 'v3.5.0' },
  configReloader: { repository: 'quay.io/prometheus-operator/prometheus-config-reloader', tag: 'v0.87.1' },
  grafana: { repository: 'docker.io/grafana/grafana', tag: '12.3.1' },
  argocd: { repository: 'quay.io/argoproj/argocd', tag: VERSIONS.argocd },
  argocdRedis: { repository: 'docker.io/library/redis', tag: '7.2.11-alpine' },
  dex: { repository: 'ghcr.io/dexidp/dex', tag: 'v2.41.1' },
  traefik: { repository: 'docker.io/library/traefik', tag: 'v3.6.6' },
  wazuhManager: { repository: 'docker.io/wazuh/wazuh-manager', tag: '4.14.1' },
  wazuhIndexer: { repository: 'docker.io/wazuh/wazuh-indexer', tag: '4.14.1' },
  wazuhDashboard: { repository: 'docker.io/wazuh/wazuh-dashboard', tag: '4.14.1' },
  minio: { repository: 'quay.io/minio/minio', tag: 'RELEASE.2025-09-07T16-13-09Z' },
  minioClient: { repository: 'quay.io/minio/mc', tag: 'RELEASE.2024-11-21T17-21-54Z' },
  vaultInjector: { repository: 'docker.io/hashicorp/vault-k8s', tag: '1.6.2' },
  vaultAgent: { repository: 'docker.io/hashicorp/vault', tag: '1.19.0' },
} as const satisfies Record<string, ImageRef>;

export type ImageName = keyof typeof IMAGES;

/** `repository:tag`, with an optional site override of the tag. */
export function imageOf(name: ImageName, tagOverride?: string): string {
  const ref = IMAGES[name];
  return `${ref.repository}:${tagOverride ?? ref.tag}`;
}

/** The tag a workload runs: the site override or the pin. */
export function tagOf(name: ImageName, tagOverride?: string): string {
  return tagOverride ?? IMAGES[name].tag;
}
