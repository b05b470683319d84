/**
 * MinIO object storage (namespace `storage`): one StatefulSet `minio` behind a headless Service (peer discovery)
 * and a ClusterIP Service (S3 API 9000, console 9001).
 *
 * - Standalone (default): one pod, one drive, `minio server /data`.
 * - Distributed: `pods` × `drivesPerPod` drives with erasure coding, pods started in parallel so they can find
 *   each other, one volumeClaimTemplate per drive. The layout is validated by config/schema.ts
 *   (minioErasureLayout) before anything is synthesized.
 *
 * Root credentials come from Vault as an env file MinIO reads itself (MINIO_CONFIG_ENV_FILE); the console talks
 * to the S3 API inside the pod (127.0.0.1:9000), so only the S3 API needs peers. See docs/adr/0050-0053.
 */
import { z } from 'zod';
import { dnsLabel, imageTag, memoryQuantity, res, resourcesSchema } from '../config/fields';
import { bucketNameProblem } from '../config/hostile';
import { Construct } from 'constructs';
import type { Site } from '../config/schema';
import { minioErasureLayout } from '../config/minio-layout';
import { IMAGES, imageOf } from '../config/versions';
import { StackContext } from './lib/context';
import { httpsRoute } from './lib/ingress';
import { Endpoint, workloadPeer } from './lib/network';
import { kvEnvSecret } from './lib/vault';
import { MINIO_SECRET_KEYS, MINIO_UID, minioSecretPath } from './minio-identity';
import { MountSpec, ProbeSpec, Workload } from './lib/workload';
import { alertRule, defineApp, type SiteIssue } from './lib/app';
import { MinioBuckets } from './minio-buckets';

/** MinIO's container ports. */
export const MINIO_API_PORT = 9000;
/**
 * Where MinIO serves Prometheus metrics on the S3 port, under its reserved bucket path /minio: legacy
 * /minio/prometheus/metrics, /minio/v2/metrics/{cluster,bucket,node,resource}, /minio/metrics/v3...
 * (minio/minio cmd/metrics-router.go @ RELEASE.2025-09-07T16-13-09Z; conformance/facts/exposure.ts).
 */
export const MINIO_METRICS_PATHS: readonly string[] = ['/minio/prometheus/', '/minio/v2/metrics/', '/minio/metrics/'];
/**
 * The unauthenticated metrics endpoints MinIO serves under those prefixes (ADR-0052): what the s3 route must
 * never forward, whatever its rule looks like (dist/intent/exposure.json `denyPaths`).
 */
export const MINIO_METRICS_ENDPOINTS: readonly string[] = [
  '/minio/prometheus/metrics',
  '/minio/v2/metrics/cluster',
  '/minio/v2/metrics/node',
  '/minio/v2/metrics/bucket',
  '/minio/v2/metrics/resource',
  '/minio/metrics/v3',
];
export const MINIO_CONSOLE_PORT = 9001;
/** The file the Vault agent renders and MinIO reads (MINIO_CONFIG_ENV_FILE). */
export const MINIO_ENV_FILE = '/vault/secrets/config.env';
export { MINIO_SECRET_KEYS, MINIO_UID, minioSecretPath } from './minio-identity';

/**
 * Arguments after `minio server`: the drive list, in MinIO's ellipsis notation (`{0...N-1}`, three dots). A
 * range of one is written as the literal value; one pod uses path-style drives (no self-lookup through DNS).
 */
export function minioServerArgs(site: Site, namespace: string, headless: string): string[] {
  const m = site.workloads.minio;
  if (m.mode === 'standalone') return ['/data'];
  const range = (n: number) => (n === 1 ? '0' : `{0...${n - 1}}`);
  const drives = `/data-${range(m.drivesPerPod)}`;
  if (m.pods === 1) return [drives];
  return [`http://minio-${range(m.pods)}.${headless}.${namespace}.svc.cluster.local${drives}`];
}

/** Mount paths of the drives, in the order of the claims. */
export function minioDrivePaths(site: Site): string[] {
  const m = site.workloads.minio;
  return m.mode === 'standalone' ? ['/data'] : Array.from({ length: m.drivesPerPod }, (_, i) => `/data-${i}`);
}

export class Minio extends Construct {
  readonly workload: Workload;
  /** S3 API (9000): clients, Traefik (s3.<domain>), Prometheus, the peers. */
  readonly api: Endpoint;
  /** Web console (9001): Traefik only (minio.<domain>). */
  readonly console: Endpoint;

  constructor(scope: Construct, id: string, ctx: StackContext) {
    super(scope, id);
    const site = ctx.site;
    const m = site.workloads.minio;
    const namespace = site.namespaces.storage;
    const distributed = m.mode === 'distributed';
    if (distributed) {
      // The validator has refused bad layouts already; this guards direct construction with an unvalidated site.
      const layout = minioErasureLayout(m.pods, m.drivesPerPod);
      if ('problem' in layout) throw new Error(`workloads.minio.${layout.field}: expected ${layout.problem}`);
    }
    const headless = 'minio-headless';
    const drives = minioDrivePaths(site);
    const claimName = (path: string) => path.slice(1); // /data → data, /data-0 → data-0
    const secretPath = minioSecretPath(site);

    const live: ProbeSpec = { http: { path: '/minio/health/live', port: 'api' } };
    this.workload = new Workload(this, 'minio', ctx, {
      name: 'minio',
      namespace,
      partOf: 'minio',
      component: 'server',
      version: m.version ?? IMAGES.minio.tag,
      kind: 'StatefulSet',
      replicas: distributed ? m.pods : 1,
      // Distributed pods wait for each other before any becomes ready: ordered start would deadlock.
      podManagementPolicy: distributed ? 'Parallel' : 'OrderedReady',
      user: { uid: MINIO_UID, gid: MINIO_UID, fsGroup: MINIO_UID },
      service: { headlessName: headless },
      claims: drives.map((path) => ({ name: claimName(path), size: m.storage })),
      containers: [
        {
          name: 'minio',
          image: imageOf('minio', m.version),
          command: ['minio'],
          args: ['server', ...minioServerArgs(site, namespace, headless), '--address', `:${MINIO_API_PORT}`, '--console-address', `:${MINIO_CONSOLE_PORT}`],
          env: {
            // Root user and password: KEY=value lines rendered by the Vault agent, read by MinIO at start.
            MINIO_CONFIG_ENV_FILE: MINIO_ENV_FILE,
            // The image has no home for UID 1000; MinIO creates ~/.minio (legacy config dir, certs dir) at start.
            HOME: '/tmp',
            // Metrics without a bearer token; the network policy limits who reaches 9000 (ADR-0052).
            MINIO_PROMETHEUS_AUTH_TYPE: 'public',
            // Links from the API port to the console point at the published console.
            MINIO_BROWSER_REDIRECT_URL: `https://${ctx.host('minio')}`,
            // MINIO_SERVER_URL stays unset on purpose: with it the console would call the API through Traefik
            // (egress + trust of the Vault CA) instead of 127.0.0.1:9000 in the pod.
          },
          ports: [
            { name: 'api', port: MINIO_API_PORT },
            { name: 'console', port: MINIO_CONSOLE_PORT },
          ],
          resources: m.resources,
          // Formatting drives / waiting for peers on first start can take minutes; liveness waits for it.
          startup: { ...live, initialDelaySeconds: 5, periodSeconds: 10, failureThreshold: 30 },
          liveness: live,
          readiness: { http: { path: '/minio/health/ready', port: 'api' }, initialDelaySeconds: 5, failureThreshold: 3 },
          mounts: drives.map((path): MountSpec => ({ volume: claimName(path), path })),
          writable: ['/tmp'],
        },
      ],
      vault: {
        secrets: [
          kvEnvSecret(
            'config.env',
            secretPath,
            { MINIO_ROOT_USER: MINIO_SECRET_KEYS.user, MINIO_ROOT_PASSWORD: MINIO_SECRET_KEYS.password },
            // A misnamed KV key would otherwise render "<no value>", a valid 10-character root user and password.
            { errorOnMissingKey: true },
          ),
        ],
        // MinIO reads the env file once at start; a rotated password takes effect on the next pod restart.
        prePopulateOnly: true,
      },
      // MinIO drains in-flight requests on SIGTERM.
      terminationGracePeriodSeconds: 60,
      metrics: [{ port: 'api', path: '/minio/v2/metrics/cluster' }],
    });
    const w = this.workload;
    this.api = w.endpoint('api');
    this.console = w.endpoint('console');

    if (distributed && m.pods > 1) w.connect(this.api, 'MinIO peers: erasure-set traffic and cluster bootstrap between pods');
    for (const c of m.clients) {
      w.allowFrom(workloadPeer(c.namespace, c.app), ['api'], `S3 client ${c.namespace}/${c.app} (workloads.minio.clients)`);
    }
    // Metrics are public on :9000 (ADR-0052) for Prometheus; S3 clients on the LAN do not get them.
    httpsRoute(this, 's3-route', ctx, {
      subdomain: 's3',
      backend: this.api,
      excludePaths: MINIO_METRICS_PATHS,
      exposure: {
        audience: 'lan',
        exposes: 'S3 API (every request signed with MinIO credentials); not the unauthenticated metrics (ADR-0052)',
        denyPaths: [...MINIO_METRICS_ENDPOINTS],
        // Measured on the real Traefik (test/traefik-live.test.ts): without this the signature of every presigned
        // URL (mc share, the console's share links) was in Traefik's access log, and so in Loki.
        secretsInQuery: 'presigned URLs carry their signature and access key in the query (X-Amz-Signature, X-Amz-Credential)',
      },
    });
    httpsRoute(this, 'console-route', ctx, { subdomain: 'minio', backend: this.console, exposure: { audience: 'lan', exposes: 'MinIO console; login with MinIO credentials' } });
  }
}

const bucketSchema = z.strictObject({
  // S3's naming rules (config/hostile.ts): also no "..", no IP-shaped names, no reserved prefixes (issue 25).
  name: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { message: 'an S3 bucket name: 3-63 lower-case letters, digits, "." or "-"' })
    .superRefine((s, ctx) => {
      const p = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(s) ? bucketNameProblem(s) : undefined;
      if (p) ctx.addIssue({ code: 'custom', message: p, input: s });
    }),
  versioning: z.boolean().default(false),
});

/** Layouts MinIO itself would refuse (config/minio-layout.ts), the stack's floor of 4 drives, duplicate buckets. */
function minioSiteIssues(site: Site): SiteIssue[] {
  const out: SiteIssue[] = [];
  const nodes = site.nodes.length;
  const m = site.workloads.minio;
  if (m.mode === 'standalone') {
    for (const field of ['pods', 'drivesPerPod'] as const) {
      if (m[field] !== 1)
        out.push({
          path: [field],
          value: m[field],
          message: '1 when workloads.minio.mode is "standalone" (one pod, one drive); set mode: distributed for erasure-coded pods × drives',
        });
    }
  } else {
    const layout = minioErasureLayout(m.pods, m.drivesPerPod);
    if ('problem' in layout) out.push({ path: [layout.field], value: m[layout.field], message: layout.problem });
    if (m.pods > nodes && site.cluster.antiAffinity === 'required') {
      out.push({
        path: ['pods'],
        value: m.pods,
        message: `at most ${nodes} (one MinIO pod per node: cluster.antiAffinity is "required" and there ${nodes === 1 ? 'is 1 node' : `are ${nodes} nodes`})`,
      });
    }
  }
  const names = new Set<string>();
  m.buckets.forEach((b, i) => {
    if (names.has(b.name)) out.push({ path: ['buckets', i, 'name'], value: b.name, message: 'a bucket name that is declared once' });
    names.add(b.name);
  });
  return out;
}

/** `site.workloads.minio`: this app's slice of the site schema (config/schema.ts composes it from the registry). */
export const minioSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    version: imageTag.optional(),
    /** `standalone`: one pod, one drive. `distributed`: `pods` × `drivesPerPod` with erasure coding. */
    mode: z.enum(['standalone', 'distributed']).default('standalone'),
    pods: z.number().int().min(1).max(32).default(1),
    drivesPerPod: z.number().int().min(1).max(16).default(1),
    storage: memoryQuantity.default('50Gi'),
    resources: resourcesSchema.default(res('100m', '512Mi', '1Gi')),
    buckets: z.array(bucketSchema).default([
      { name: 'backups', versioning: true },
      { name: 'loki', versioning: false },
    ]),
    /**
     * In-cluster S3 clients allowed to reach :9000 besides Traefik and Prometheus: workloads of the stack by
     * namespace and name (app.kubernetes.io/name). An entry whose workload is not deployed adds no rule.
     */
    clients: z.array(z.strictObject({ namespace: dnsLabel, app: dnsLabel })).default([
      { namespace: 'monitoring', app: 'loki' },
      { namespace: 'velero', app: 'velero' },
    ]),
    /** The `minio-buckets` Job (mc) that creates the buckets after each sync. */
    bucketJob: z.strictObject({ resources: resourcesSchema.default(res('10m', '32Mi', '128Mi', '200m')) }).prefault({}),
  })
  .prefault({});

/** MinIO (StatefulSet, Services, routes s3.<domain> and minio.<domain>) and the bucket Job: chart `storage`. */
declare module '../config/schema' {
  /** `site.workloads.minio`, typed by this file's schema (config/schema.ts SiteWorkloads). */
  interface SiteWorkloads {
    readonly minio: z.output<typeof minioSchema>;
  }
}

export const minioApp = defineApp({
  key: 'minio',
  schema: minioSchema,
  siteIssues: (site) => minioSiteIssues(site),
  namespace: { key: 'storage', podSecurity: 'restricted' },
  chart: 'storage',
  wave: -1,
  images: ['minio', 'minioClient'],
  enabled: (site) => site.workloads.minio.enabled,
  routed: true,
  build: (chart, ctx) => {
    const minio = new Minio(chart, 'minio', ctx);
    if (ctx.site.workloads.minio.buckets.length > 0) new MinioBuckets(chart, 'buckets', ctx, minio);
  },
  dashboards: () => [
    {
      uid: 'domus-minio',
      title: 'MinIO',
      panels: [
        { title: 'Usable capacity free', expr: 'minio_cluster_capacity_usable_free_bytes', unit: 'bytes' },
        { title: 'Drives offline', expr: 'minio_cluster_drive_offline_total' },
        { title: 'S3 requests/s by API', expr: 'sum by (api) (rate(minio_s3_requests_total[5m]))' },
      ],
    },
  ],
  alerts: () => [
    // MinIO v2 cluster metrics (/minio/v2/metrics/cluster).
    alertRule(
      'MinioDriveOffline',
      'max(minio_cluster_drive_offline_total) > 0',
      '5m',
      'critical',
      'MinIO has offline drives',
      'At least one MinIO drive is offline; erasure coding tolerates only a few.',
    ),
    alertRule(
      'MinioCapacityLow',
      'min(minio_cluster_capacity_usable_free_bytes / minio_cluster_capacity_usable_total_bytes) < 0.15',
      '15m',
      'warning',
      'MinIO has less than 15% usable capacity left',
      'Free usable capacity of the cluster is below 15%.',
    ),
  ],
  runbook: () => ({
    'minio-buckets': (ns) => [
      '# Re-run the bucket job (it is an Argo CD PostSync hook)',
      `argocd app sync storage  # or: kubectl -n ${ns} delete job minio-buckets && argocd app sync storage`,
    ],
  }),
});
