/**
 * What the admin endpoints of Prometheus and MinIO are, and how Traefik decides whether a request path is
 * routed: the facts behind the routes' declared exposure (dist/intent/exposure.json) and the `!PathPrefix` exclusions on the Prometheus and s3
 * routes (docs/adr/0130-exposure-through-traefik.md). Go sources were read at the pinned commits; the Traefik
 * defaults are confirmed in the mirrored cli reference.
 */
import { factTable } from '../upstream';

export const EXPOSURE_FACTS = factTable('exposure', {
  prometheusLifecycle: {
    fact: 'With --web.enable-lifecycle Prometheus registers POST and PUT handlers for /-/quit (stop) and /-/reload (re-read the configuration); without it they answer 403',
    value: ['/-/quit', '/-/reload'],
    upstream: 'prometheus',
    path: 'web/web.go',
  },
  minioReservedPrefix: {
    fact: 'MinIO reserves the bucket name "minio": its admin, health and metrics APIs are served under /minio on the S3 port',
    value: '/minio',
    upstream: 'minio',
    path: 'cmd/generic-handlers.go',
  },
  minioMetricsPaths: {
    fact: 'MinIO serves Prometheus metrics under /minio at prometheus/metrics (legacy), v2/metrics/{cluster,bucket,node,resource} and metrics/v3 (with sub-paths); MINIO_PROMETHEUS_AUTH_TYPE=public drops the bearer token on all of them',
    value: ['/minio/prometheus/metrics', '/minio/v2/metrics/cluster', '/minio/v2/metrics/bucket', '/minio/v2/metrics/node', '/minio/v2/metrics/resource', '/minio/metrics/v3'],
    upstream: 'minio',
    path: 'cmd/metrics-router.go',
  },
  traefikRuleNot: {
    fact: 'Traefik v3 rule syntax has the operators && (AND), || (OR) and ! (NOT, pushed down to the matchers), with parentheses',
    value: ['&&', '||', '!'],
    upstream: 'traefik',
    path: 'pkg/rules/parser.go',
  },
  traefikRoutingPath: {
    fact: 'Path and PathPrefix match the routing path: the escaped request path with unreserved percent-encodings decoded and reserved ones (such as %2F) kept encoded; PathPrefix is a case-sensitive string prefix',
    value: 'routing path',
    upstream: 'traefik',
    path: 'pkg/muxer/http/mux.go',
  },
  traefikEncodedSlash: {
    fact: 'Entry points refuse requests with an encoded slash in the path unless encodedCharacters.allowEncodedSlash is set',
    value: false,
    upstream: 'traefik',
    path: 'docs/content/reference/static-configuration/cli-ref.md',
    check: { contains: 'Defines whether requests with encoded slash characters in the path are allowed. (Default: ```false```)' },
  },
  traefikSanitizePath: {
    fact: 'Entry points sanitize request paths (remove /./, /../ and repeated slashes) unless sanitizePath is false',
    value: true,
    upstream: 'traefik',
    path: 'docs/content/reference/static-configuration/cli-ref.md',
    check: { contains: 'Defines whether to enable request path sanitization (removal of /./, /../ and multiple slash sequences). (Default: ```true```)' },
  },
});
