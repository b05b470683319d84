/**
 * Image pins: each tag in config/versions.ts is the one upstream ships at the pinned release, so the
 * manifests, entrypoints and flags the other tables cite describe the images that actually run.
 */
import { factTable } from '../upstream';

export const PIN_FACTS = factTable('pins', {
  argocdImage: {
    fact: 'Argo CD v2.14.21 manifests run quay.io/argoproj/argocd:v2.14.21',
    value: 'quay.io/argoproj/argocd:v2.14.21',
    upstream: 'argo-cd',
    path: 'manifests/base/kustomization.yaml',
    check: { contains: 'newTag: v2.14.21' },
  },
  argocdRedis: {
    fact: 'Argo CD v2.14.21 install.yaml runs redis 7.2.11-alpine',
    value: '7.2.11-alpine',
    upstream: 'argo-cd',
    path: 'manifests/install.yaml',
    check: { contains: 'image: redis:7.2.11-alpine' },
  },
  dex: {
    fact: 'Argo CD v2.14.21 install.yaml runs Dex v2.41.1',
    value: 'v2.41.1',
    upstream: 'argo-cd',
    path: 'manifests/install.yaml',
    check: { contains: 'image: ghcr.io/dexidp/dex:v2.41.1' },
  },
  vaultInjector: {
    fact: 'vault-helm 0.30.0 runs the injector hashicorp/vault-k8s:1.6.2',
    value: '1.6.2',
    upstream: 'vault-helm',
    path: 'values.yaml',
    check: { matches: /repository: "hashicorp\/vault-k8s"\n\s+tag: "1\.6\.2"/ },
  },
  vaultAgent: {
    fact: 'vault-helm 0.30.0 injects agents from hashicorp/vault:1.19.0',
    value: '1.19.0',
    upstream: 'vault-helm',
    path: 'values.yaml',
    check: { matches: /agentImage:\n\s+repository: "hashicorp\/vault"\n\s+tag: "1\.19\.0"/ },
  },
  minioClient: {
    fact: 'the MinIO chart of the pinned release runs mc RELEASE.2024-11-21T17-21-54Z',
    value: 'RELEASE.2024-11-21T17-21-54Z',
    upstream: 'minio',
    path: 'helm/minio/values.yaml',
    check: { contains: 'RELEASE.2024-11-21T17-21-54Z' },
  },
});
