/**
 * MinIO RELEASE.2025-09-07T16-13-09Z and mc RELEASE.2024-11-21T17-21-54Z: the published images (Dockerfile.release
 * of each repository), the server's ports, health and metrics endpoints, how it reads root credentials, and the
 * mc commands the bucket Job runs. The in-tree Helm chart is the reference for args and the security context.
 */
import { factTable } from '../upstream';

interface ChartValues {
  securityContext?: { runAsUser?: number; runAsGroup?: number; fsGroup?: number };
}

export const MINIO_FACTS = factTable('minio', {
  imageUser: {
    fact: 'Dockerfile.release (ubi-micro) sets no USER: the image would run as root; its entrypoint only prepends `minio` and exec()s',
    value: null,
    upstream: 'minio',
    path: 'Dockerfile.release',
  },
  entrypoint: {
    fact: 'ENTRYPOINT /usr/bin/docker-entrypoint.sh, CMD minio; the script execs "$@" unless the deprecated MINIO_USERNAME/MINIO_GROUPNAME switch is set',
    value: { entrypoint: '/usr/bin/docker-entrypoint.sh', cmd: 'minio', binary: '/usr/bin/minio' },
    upstream: 'minio',
    path: 'dockerscripts/docker-entrypoint.sh',
  },
  chartSecurityContext: {
    fact: 'the in-tree chart runs the server as 1000:1000 with fsGroup 1000',
    value: { runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000 },
    upstream: 'minio',
    path: 'helm/minio/values.yaml',
    check: {
      yaml: (docs) => {
        const sc = (docs[0] as ChartValues).securityContext;
        return { runAsUser: sc?.runAsUser, runAsGroup: sc?.runAsGroup, fsGroup: sc?.fsGroup };
      },
    },
  },
  chartArgs: {
    fact: 'the chart starts `minio server <drives> -S <certs> --address :<api> --console-address :<console>`',
    value: ['server', '--address', '--console-address'],
    upstream: 'minio',
    path: 'helm/minio/templates/statefulset.yaml',
    check: { contains: '--address :{{ .Values.minioAPIPort }} --console-address :{{ .Values.minioConsolePort }}' },
  },
  chartPeerService: {
    fact: "the chart's headless Service publishes not-ready addresses: distributed pods must resolve each other before any of them is ready",
    value: true,
    upstream: 'minio',
    path: 'helm/minio/templates/statefulset.yaml',
    check: { matches: /kind: Service[\s\S]*?publishNotReadyAddresses: true\n\s+clusterIP: None/ },
  },
  chartRbac: {
    fact: 'the chart gives the server a ServiceAccount and no Role, ClusterRole or binding: MinIO does not call the Kubernetes API',
    value: { roles: 0 },
    upstream: 'minio',
    path: 'helm/minio/templates/serviceaccount.yaml',
    check: { matches: /^(?![\s\S]*kind: (Cluster)?Role)[\s\S]*kind: ServiceAccount/ },
  },
  apiPort: {
    fact: '--address defaults to :9000 (EXPOSE 9000); the console has no fixed port unless --console-address is given',
    value: 9000,
    upstream: 'minio',
    path: 'cmd/server-main.go',
  },
  chartConsolePort: {
    fact: 'the chart publishes the console on 9001',
    value: 9001,
    upstream: 'minio',
    path: 'helm/minio/values.yaml',
    check: { contains: 'minioConsolePort: "9001"' },
  },
  health: {
    fact: 'GET/HEAD /minio/health/live and /minio/health/ready on the API port, without authentication',
    value: { live: '/minio/health/live', ready: '/minio/health/ready' },
    upstream: 'minio',
    path: 'cmd/healthcheck-router.go',
  },
  envFile: {
    fact: 'MINIO_CONFIG_ENV_FILE names a KEY=value file (blank and # lines skipped, "export " and surrounding quotes stripped) read at start after the *_FILE variables, so it wins; a missing file is ignored',
    value: { variable: 'MINIO_CONFIG_ENV_FILE', keys: ['MINIO_ROOT_USER', 'MINIO_ROOT_PASSWORD'] },
    upstream: 'minio',
    path: 'cmd/common-main.go',
  },
  defaultCredentials: {
    fact: 'without a root user and password (env file missing or without them) the server starts with the default credentials; a root user shorter than 3 or a password shorter than 8 characters is fatal (loadRootCredentials → auth.CreateCredentials checks minimums only; the 20/40 maxima of internal/auth/credentials.go apply to generated and STS credentials, not to the root)',
    value: { fallback: 'minioadmin', minLength: { user: 3, password: 8 } },
    upstream: 'minio',
    path: 'cmd/common-main.go',
  },
  vaultMissingKey: {
    fact: 'the injector renders a template with error_on_missing_key when the pod has vault.hashicorp.com/error-on-missing-key-<secret>: "true"; without it a missing key renders as "<no value>"',
    value: 'vault.hashicorp.com/error-on-missing-key-',
    upstream: 'vault-k8s',
    path: 'agent-inject/agent/annotations.go',
  },
  imageFileEnv: {
    fact: 'the image presets MINIO_ROOT_USER_FILE=access_key and MINIO_ROOT_PASSWORD_FILE=secret_key (relative: /run/secrets/<name>, then the working directory; absent files are ignored)',
    value: { MINIO_ROOT_USER_FILE: 'access_key', MINIO_ROOT_PASSWORD_FILE: 'secret_key', MINIO_CONFIG_ENV_FILE: 'config.env' },
    upstream: 'minio',
    path: 'Dockerfile.release',
  },
  metrics: {
    fact: 'cluster metrics at /minio/v2/metrics/cluster; MINIO_PROMETHEUS_AUTH_TYPE is jwt unless set to public',
    value: { path: '/minio/v2/metrics/cluster', authEnv: 'MINIO_PROMETHEUS_AUTH_TYPE', values: ['jwt', 'public'] },
    upstream: 'minio',
    path: 'cmd/metrics-router.go',
  },
  chartMetricsAuth: {
    fact: 'the chart sets MINIO_PROMETHEUS_AUTH_TYPE on the server container',
    value: 'MINIO_PROMETHEUS_AUTH_TYPE',
    upstream: 'minio',
    path: 'helm/minio/templates/statefulset.yaml',
    check: { contains: '- name: MINIO_PROMETHEUS_AUTH_TYPE' },
  },
  metricNames: {
    fact: 'v2 metric names the alert rules and dashboard query (cmd/metrics-v2.go; the cluster endpoint serves every group)',
    value: ['minio_cluster_drive_offline_total', 'minio_cluster_capacity_usable_free_bytes', 'minio_cluster_capacity_usable_total_bytes', 'minio_s3_requests_total'],
    upstream: 'minio',
    path: 'cmd/metrics-v2.go',
  },
});

export const MC_FACTS = factTable('mc', {
  entrypoint: {
    fact: 'both mc images (Dockerfile: scratch, Dockerfile.release: ubi-micro) have ENTRYPOINT ["mc"] and no USER',
    value: { entrypoint: ['mc'], user: null },
    upstream: 'mc',
    path: 'Dockerfile.release',
  },
  shell: {
    fact: "MinIO's own chart runs its bucket/user/policy jobs in the mc image with /bin/sh, so the published image has a shell",
    value: '/bin/sh',
    upstream: 'minio',
    path: 'helm/minio/templates/post-job.yaml',
    check: { contains: 'command: [ "/bin/sh", "/config/initialize" ]' },
  },
  configDir: {
    fact: 'mc keeps aliases in $HOME/.mc (go-homedir: $HOME first) unless --config-dir is given',
    value: '.mc',
    upstream: 'mc',
    path: 'cmd/config.go',
  },
  aliasStdin: {
    fact: '`mc alias set ALIAS URL` with no keys reads the access key and then the secret key as two lines from stdin when stdin is not a terminal',
    value: { args: 2, lines: 2 },
    upstream: 'mc',
    path: 'cmd/alias-set.go',
  },
  adminUser: {
    fact: '`mc admin user add ALIAS` with no keys reads the access key and then the secret key as two lines from stdin when stdin is not a terminal (example 3: piped keys); adding an existing user sets its secret key',
    value: { add: 'admin user add', stdinLines: 2 },
    upstream: 'mc',
    path: 'cmd/admin-user-add.go',
  },
  adminPolicy: {
    fact: '`mc admin policy create ALIAS NAME FILE` creates (or replaces) a canned policy from a JSON file; `mc admin policy attach ALIAS POLICY --user USER` attaches it, and a change already applied (errCodeChangeAlreadyApplied) is not an error',
    value: { create: 'admin policy create', attach: 'admin policy attach', userFlag: '--user', alreadyApplied: 'not an error' },
    upstream: 'mc',
    path: 'cmd/admin-policy-attach.go',
  },
  commands: {
    fact: 'subcommands and flags the bucket Job uses: global --no-color; mb --ignore-existing; version enable|suspend|info',
    value: { global: ['--no-color'], mb: ['--ignore-existing'], version: ['enable', 'suspend', 'info'] },
    upstream: 'mc',
    path: 'cmd/version-main.go',
  },
  versionInfo: {
    fact: '`mc version info` prints "<url> versioning is <status lowercased>" or "<url> is un-versioned"',
    value: { enabled: 'versioning is enabled', never: 'is un-versioned' },
    upstream: 'mc',
    path: 'cmd/version-info.go',
  },
});

/** Where the stack runs MinIO/mc differently from the image defaults, and why (asserted in test/conformance/minio.test.ts). */
export const MINIO_EXCEPTIONS = {
  command: 'command is `minio` itself, not docker-entrypoint.sh: the script only prepends `minio` and supports a deprecated root-only user switch, so skipping it changes nothing',
  user: 'runs as 1000:1000 like the upstream chart; the image has no USER (root) and Pod Security restricted forbids root',
  home: 'HOME=/tmp: UID 1000 has no home in the image and the root filesystem is read-only; MinIO keeps ~/.minio/certs and mc ~/.mc there',
  mcCommand: 'the bucket Job runs `/bin/sh -c <script>` instead of the mc entrypoint, like the chart, so several mc calls share one alias',
} as const;
