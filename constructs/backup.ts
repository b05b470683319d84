/**
 * Off-node backups of the stack's volumes (issue 24; the decision and its reasons: docs/adr/0170-backups-restic-off-node.md).
 *
 * restic (the program VolSync's restic mover runs) is run directly by CronJobs, without an operator:
 * - `backup-<volume>`, a CronJob in the volume's own namespace, mounts the claim read-only next to the running
 *   app (local-path volumes are ReadWriteOnce per node: the mover is scheduled where the volume is), writes a
 *   canary with a fresh nonce, and backs up the volume and the canary as one snapshot tagged with the nonce into
 *   its own restic repository `<bucket>/<namespace>-<claim>` on the site's S3 target; then `forget --prune`
 *   keeps the site's retention. No ServiceAccount token, no Secret: the S3 keys and the repository password are
 *   rendered by the Vault agent (init only) into files restic reads (AWS_SHARED_CREDENTIALS_FILE,
 *   RESTIC_PASSWORD_FILE), the target's CA comes from the site (a ConfigMap), and egress goes only to the
 *   target's address and port.
 * - `restore-<volume>`, suspended: the restore Job's template, kept in git, started by the operator after the
 *   app is stopped (runbook sections "Restore … after a disk loss").
 * - `backup-drill` (namespace `backup`, weekly): restores the latest snapshot of every volume into scratch
 *   space, checks the canary against the snapshot's tag and the volume's own proof (the Wazuh managers' alert
 *   documents, MinIO's format.json, Prometheus' WAL), deletes the copy; its Job's outcome is the metric
 *   (kube-state-metrics kube_job_failed / kube_job_status_completion_time).
 * - `backup-target-check` (namespace `backup`, every 15 min): reaches each repository (restic cat config).
 */
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { z } from 'zod';
import { cidr, duration, res, resourcesSchema, toMi } from '../config/fields';
import { bucketNameProblem } from '../config/hostile';
import { caCertificates, httpsUrl } from '../config/scalars';
import { EXAMPLE_CA_PEM, needsPrivateCa } from '../config/trust';
import { lbAddresses } from '../config/loadbalancer';
import type { Site } from '../config/schema';
import { alertRule, defineApp, namespaceName, pinnedImage, type AlertCase, type RunbookSection, type SiteIssue } from './lib/app';
import type { StackContext } from './lib/context';
import { appLabels } from './lib/labels';
import { cidrs, fqdns, tcp } from './lib/network';
import { goString, templateField } from './lib/quote';
import { kvPath, kvTemplateSecret, kvValueSecret } from './lib/vault';
import { type SecurityException, Workload } from './lib/workload';
import { MINIO_UID } from './minio-identity';
import { PROMETHEUS_UID, prometheusApp } from './prometheus';
import { lokiApp } from './loki';
import { minioApp } from './minio';
import { wazuhApp } from './wazuh';

/** restic's image at the pinned release (Dockerfile: alpine with jq, ENTRYPOINT /usr/bin/restic, no USER). */
export const RESTIC_IMAGE = { repository: 'docker.io/restic/restic', tag: '0.18.1' } as const;
/** The namespace of the drill and the target check (scratch copies live and die there). */
export const BACKUP_NAMESPACE_KEY = 'backup';
/** Loki's image user (constructs/loki.ts runs it as 10001). test/backup.test.ts checks each against the StatefulSet. */
const LOKI_UID = 10001;
/** The Wazuh managers' fsGroup (constructs/wazuh.ts: the image's wazuh group, 101). */
const WAZUH_MANAGER_FSGROUP = 101;
/** The drill runs as nobody: a non-root restore ignores ownership it cannot set (restic internal/fs/node.go). */
const DRILL_UID = 65534;

// ---------------------------------------------------------------------------------------------------------
// The site's slice
// ---------------------------------------------------------------------------------------------------------

/** One cron field: `*`, a number, a range, a list of those, each with an optional `/step`, within bounds. */
function cronFieldProblem(field: string, min: number, max: number): boolean {
  return field.split(',').every((part) => {
    const m = /^(\*|(\d{1,2})(?:-(\d{1,2}))?)(?:\/(\d{1,2}))?$/.exec(part);
    if (!m) return false;
    const lo = m[2] === undefined ? min : Number(m[2]);
    const hi = m[3] === undefined ? (m[2] === undefined ? max : lo) : Number(m[3]);
    const step = m[4] === undefined ? 1 : Number(m[4]);
    return lo >= min && hi <= max && lo <= hi && step >= 1;
  });
}
const CRON_BOUNDS: readonly (readonly [number, number])[] = [
  [0, 59],
  [0, 23],
  [1, 31],
  [1, 12],
  [0, 6],
];
const cronMessage = 'five cron fields "minute hour day-of-month month day-of-week" (numbers, *, ranges a-b, lists, /steps), e.g. "30 2 * * *"';
export const cronSchedule = z.string().superRefine((s, ctx) => {
  const fields = s.split(' ');
  const ok = s.length <= 100 && fields.length === 5 && fields.every((f, i) => cronFieldProblem(f, CRON_BOUNDS[i]![0], CRON_BOUNDS[i]![1]));
  if (!ok) ctx.addIssue({ code: 'custom', message: cronMessage, input: s });
});

const bucketName = z.string().superRefine((s, ctx) => {
  const p = bucketNameProblem(s);
  if (p) ctx.addIssue({ code: 'custom', message: p, input: s });
});

/** The off-node S3 target (a NAS running MinIO or Garage, or a cloud bucket). */
const targetSchema = z.strictObject({
  /** `https://host[:port]` of the S3 API. */
  endpoint: httpsUrl,
  /** The bucket holding one restic repository per volume (`<namespace>-<claim>`). */
  bucket: bucketName,
  /** The S3 region restic signs for (MinIO and Garage accept their configured one; us-east-1 is MinIO's default). */
  region: z
    .string()
    .regex(/^[a-z0-9-]{1,32}$/, { message: 'an S3 region such as "us-east-1" (lower-case letters, digits, "-")' })
    .default('us-east-1'),
  /** The CA that signed the endpoint's certificate (public part; required for a private name or an IP). */
  caCert: caCertificates.optional(),
  /** The endpoint's address(es) for the egress rule; [] = an FQDN rule on the endpoint's host name. */
  cidrs: z.array(cidr).default([]),
});

const retentionCount = z.number().int().min(0).max(1000);

/** `site.workloads.backup`: where the volumes go, when, and how long they are kept. */
export const backupSchema = z
  .strictObject({
    /** Absent: no backup (synth warns: the stack's state lives on the node's disk only). */
    target: targetSchema.optional(),
    /** When each volume is backed up (UTC). */
    schedule: cronSchedule.default('30 2 * * *'),
    /** BackupTooOld fires when a volume's last successful backup is older than this (the schedule plus slack). */
    maxAge: duration.default('26h'),
    /** restic forget --keep-daily/--keep-weekly/--keep-monthly (per volume). */
    retention: z.strictObject({ daily: retentionCount.default(7), weekly: retentionCount.default(4), monthly: retentionCount.default(6) }).prefault({}),
    /** The restore drill: when it runs, and how old its last success may be before BackupRestoreDrillOverdue. */
    drill: z.strictObject({ schedule: cronSchedule.default('0 5 * * 0'), maxAge: duration.default('8d') }).prefault({}),
    /** How often the target's reachability is checked. */
    checkSchedule: cronSchedule.default('*/15 * * * *'),
    /** Each mover's requests and limits (restic's memory grows with the repository index). */
    resources: resourcesSchema.default(res('50m', '256Mi', '1Gi', '1')),
  })
  .prefault({});

declare module '../config/schema' {
  /** `site.workloads.backup`, typed by this file's schema (config/schema.ts SiteWorkloads). */
  interface SiteWorkloads {
    readonly backup: z.output<typeof backupSchema>;
  }
}

/** The example site's target (site.yaml as shipped, charts/generated-docs.ts): the NAS on the example LAN. */
export const EXAMPLE_BACKUP_TARGET = {
  endpoint: 'https://nas.domus.lan:9000',
  bucket: 'domus-backups',
  cidrs: ['192.168.10.30/32'],
  caCert: EXAMPLE_CA_PEM,
} as const satisfies z.input<typeof targetSchema>;

type Target = NonNullable<z.output<typeof backupSchema>['target']>;

/** The duration in seconds (`duration` of config/fields.ts: one number and one unit). */
export function seconds(d: string): number {
  const unit: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 };
  return Number(d.slice(0, -1)) * unit[d.slice(-1)]!;
}

function targetUrl(t: Target): URL {
  return new URL(t.endpoint);
}

/** A target on the stack itself is not off the node: its own names and addresses are refused. */
function backupSiteIssues(site: Site): SiteIssue[] {
  const b = site.workloads.backup;
  const t = b.target;
  if (!t) return [];
  const out: SiteIssue[] = [];
  const host = targetUrl(t).hostname;
  const own = new Set([
    ...['s3', 'minio'].map((l) => `${l}.${site.cluster.domain}`),
    ...site.nodes.map((n) => n.ip),
    ...Object.values(lbAddresses(site)).filter((a): a is string => a !== undefined),
  ]);
  if (own.has(host)) {
    out.push({
      path: ['target', 'endpoint'],
      value: t.endpoint,
      message: "an S3 endpoint off the node (a NAS or a cloud bucket): the stack's own MinIO, a node or a load-balancer address dies with the disk it backs up",
    });
  }
  if (needsPrivateCa(host) && !t.caCert) {
    out.push({ path: ['target', 'caCert'], value: undefined, message: `the CA certificate of ${host} (a private name or an IP: no public CA can have signed it)` });
  }
  if (b.retention.daily + b.retention.weekly + b.retention.monthly === 0) {
    out.push({ path: ['retention'], value: b.retention, message: 'at least one snapshot kept (daily, weekly or monthly above 0)' });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// What is backed up: one entry per volume, decided per workload (ADR-0170)
// ---------------------------------------------------------------------------------------------------------

/** A volume of the stack backed up off the node. */
export interface BackedUpVolume {
  /** restic host and CronJob suffix: `backup-<key>`, `restore-<key>`. */
  readonly key: string;
  /** The app it belongs to (its runbook section). */
  readonly app: 'Prometheus' | 'Loki' | 'MinIO' | 'Wazuh';
  readonly namespace: string;
  /** The StatefulSet that owns the claim (stopped for a restore). */
  readonly statefulSet: string;
  readonly claim: string;
  readonly size: string;
  /**
   * Who reads and writes it: the app's own user, or root for a volume of several users (Wazuh's managers).
   * `fsGroup` is the app's own: the kubelet re-groups a volume whose root differs from the pod's fsGroup
   * (fsGroupChangePolicy OnRootMismatch), so a mover with another one would rewrite the app's ownership.
   */
  readonly user: { readonly uid: number; readonly gid: number; readonly fsGroup: number };
  /** Why a file-level copy of the live volume restores to a consistent state. */
  readonly consistency: string;
  /** Shell test run on the restored copy at `$R` (besides the canary); prints what it proved. */
  readonly proof: string;
}

/**
 * The stack's other claims, each with why it is not copied (test/backup.test.ts: every claim of the synthesized
 * stack is either backed up or listed here), by claim name.
 */
export function notBackedUp(site: Site): Readonly<Record<string, string>> {
  const w = site.workloads;
  const out: Record<string, string> = {};
  if (w.wazuh.enabled)
    for (let i = 0; i < w.wazuh.indexer.replicas; i++)
      out[`data-wazuh-indexer-${i}`] = "a live copy of Lucene segments is no consistent index; rebuilt from the managers' alert logs, which are backed up (ADR-0170)";
  if (w.alertmanager.enabled) out['data-alertmanager-0'] = 'silences and the notification log are short-lived; a loss re-sends open alerts once';
  if (w.prometheus.enabled)
    for (let i = 1; i < w.prometheus.replicas; i++)
      out[`data-prometheus-${i}`] = 'a replica scraping the same targets as data-prometheus-0, which is backed up: the same series twice';
  return out;
}

/** The volumes of the enabled apps, in a fixed order (Wazuh's indexer is rebuilt, not copied: see the ADR). */
export function backedUpVolumes(site: Site): BackedUpVolume[] {
  const w = site.workloads;
  const out: BackedUpVolume[] = [];
  const mon = site.namespaces.monitoring;
  if (w.prometheus.enabled) {
    out.push({
      key: 'prometheus',
      app: 'Prometheus',
      namespace: mon,
      statefulSet: 'prometheus',
      claim: 'data-prometheus-0',
      size: w.prometheus.storage,
      user: { uid: PROMETHEUS_UID, gid: PROMETHEUS_UID, fsGroup: PROMETHEUS_UID },
      consistency:
        'TSDB blocks are immutable once written and the head is rebuilt from the WAL, which Prometheus replays and truncates at a torn record after a crash: a live copy restores like a power loss (at most the last WAL segment)',
      proof: 'test -d "$R/data/wal" && echo "prometheus: WAL present, $(ls "$R/data" | grep -c "^01") blocks"',
    });
  }
  if (w.loki.enabled) {
    out.push({
      key: 'loki',
      app: 'Loki',
      namespace: mon,
      statefulSet: 'loki',
      claim: 'data-loki-0',
      size: w.loki.storage.size,
      user: { uid: LOKI_UID, gid: LOKI_UID, fsGroup: LOKI_UID },
      consistency: 'chunks and index files are written whole and never changed; the ingester WAL replays like after a crash',
      proof: 'n=$(find "$R/data" -type f | wc -l); [ "$n" -gt 0 ] && echo "loki: $n files"',
    });
  }
  if (w.minio.enabled) {
    const m = w.minio;
    const drives = m.mode === 'standalone' ? ['data'] : Array.from({ length: m.drivesPerPod }, (_, i) => `data-${i}`);
    const pods = m.mode === 'standalone' ? 1 : m.pods;
    for (let p = 0; p < pods; p++) {
      for (const d of drives) {
        out.push({
          key: pods === 1 && drives.length === 1 ? 'minio' : `minio-${p}-${d}`,
          app: 'MinIO',
          namespace: site.namespaces.storage,
          statefulSet: 'minio',
          claim: `${d}-minio-${p}`,
          size: m.storage,
          user: { uid: MINIO_UID, gid: MINIO_UID, fsGroup: MINIO_UID },
          consistency: 'MinIO writes each object version as xl.meta plus parts and renames it into place: a copy holds every object whose PUT finished, never a torn one',
          proof: 'test -s "$R/data/.minio.sys/format.json" && echo "minio: format.json and $(ls "$R/data" | grep -vc "^\\.minio.sys$") buckets"',
        });
      }
    }
  }
  if (w.wazuh.enabled) {
    // Each worker holds its own agents' events and alerts: every replica is copied (the master is a singleton).
    const managers = [
      { role: 'master' as const, i: 0, only: true },
      ...Array.from({ length: w.wazuh.worker.replicas }, (_, i) => ({ role: 'worker' as const, i, only: w.wazuh.worker.replicas === 1 })),
    ];
    for (const { role, i, only } of managers) {
      const key = only ? `wazuh-manager-${role}` : `wazuh-manager-${role}-${i}`;
      out.push({
        key,
        app: 'Wazuh',
        namespace: site.namespaces.security,
        statefulSet: `wazuh-manager-${role}`,
        claim: `data-wazuh-manager-${role}-${i}`,
        size: w.wazuh[role].storage,
        user: { uid: 0, gid: 0, fsGroup: WAZUH_MANAGER_FSGROUP },
        consistency:
          'agent keys (etc/client.keys), the manager configuration and the alert logs (logs/alerts, one JSON document per line, rotated and gzipped daily) are appended or rewritten whole; the indexer is rebuilt from these alert logs',
        proof: [
          `a=$( (cat "$R/data/var-ossec-logs/alerts/alerts.json" 2>/dev/null; find "$R/data/var-ossec-logs/alerts" -name "*.json.gz" -exec zcat {} + 2>/dev/null) | grep -c "\\"rule\\"")`,
          `[ "$a" -gt 0 ] && echo "${key}: $a alert documents to re-index"${role === 'master' ? ' && test -f "$R/data/var-ossec-etc/client.keys" && echo "agent keys: $(grep -c . "$R/data/var-ossec-etc/client.keys") agents"' : ''}`,
        ].join('; '),
      });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// The movers
// ---------------------------------------------------------------------------------------------------------

/** Vault KV secret (relative to the KV mount) holding the S3 keys and the repository password. */
export const BACKUP_SECRET = 'backup/target';
export const BACKUP_SECRET_KEYS = { accessKey: 'access_key_id', secretKey: 'secret_access_key', password: 'restic_password' } as const;
const SECRETS_DIR = '/vault/secrets';
const CA_DIR = '/etc/backup-target';
const CA_CONFIGMAP = 'backup-target-ca';

/** The restic repository of a volume: one per volume, so a prune never locks another volume's backup. */
export function repositoryOf(t: Target, v: Pick<BackedUpVolume, 'namespace' | 'claim'>): string {
  const u = targetUrl(t);
  return `s3:https://${u.host}/${t.bucket}/${v.namespace}-${v.claim}`;
}

/** The S3 credentials file restic reads through minio-go's FileAWSCredentials (profile `default`). */
function credentialsTemplate(path: string): string {
  const k = BACKUP_SECRET_KEYS;
  return [
    `{{- with secret ${goString(path)} -}}`,
    '[default]',
    `aws_access_key_id = {{ .Data.data.${templateField(k.accessKey)} }}`,
    `aws_secret_access_key = {{ .Data.data.${templateField(k.secretKey)} }}`,
    '{{ end -}}',
    '',
  ].join('\n');
}

/** The env every restic container shares: where the credentials, the CA and the cache are. */
function resticEnv(t: Target): Record<string, string> {
  return {
    AWS_SHARED_CREDENTIALS_FILE: `${SECRETS_DIR}/s3-credentials`,
    AWS_DEFAULT_REGION: t.region,
    RESTIC_PASSWORD_FILE: `${SECRETS_DIR}/restic-password`,
    ...(t.caCert ? { RESTIC_CACERT: `${CA_DIR}/ca.crt` } : {}),
    RESTIC_CACHE_DIR: '/cache',
    HOME: '/tmp',
  };
}

/** `restic cat config` exits 10 when the repository does not exist yet (cmd/restic/main.go). */
const INIT_IF_ABSENT = [
  'set +e; restic cat config >/dev/null; rc=$?; set -e',
  'if [ "$rc" -eq 10 ]; then restic init; elif [ "$rc" -ne 0 ]; then echo "repository $RESTIC_REPOSITORY unreachable (restic exit $rc)" >&2; exit "$rc"; fi',
];

/** The backup script of one volume (mounted at /data, the canary written to /canary). */
export function backupScript(site: Site, v: BackedUpVolume): string {
  const r = site.workloads.backup.retention;
  return [
    'set -eu',
    'nonce="$(date -u +%Y%m%dT%H%M%SZ)-$(od -An -N8 -tx1 /dev/urandom | tr -d " \\n")"',
    'printf "%s\\n" "$nonce" > /canary/domus-canary',
    ...INIT_IF_ABSENT,
    // A lock left by a killed run is removed only when it is stale (restic's own rule).
    'restic unlock',
    `restic backup --host ${v.key} --tag "canary-$nonce" /data /canary`,
    `restic forget --host ${v.key} --keep-daily ${r.daily} --keep-weekly ${r.weekly} --keep-monthly ${r.monthly} --prune`,
    'echo "backed up with canary $nonce"',
    '',
  ].join('\n');
}

/** The restore script: the latest snapshot's /data into the claim (the app must be stopped). */
export function restoreScript(v: BackedUpVolume): string {
  return [
    'set -eu',
    `restic snapshots --host ${v.key} --latest 1`,
    // --delete: files written after the snapshot (a half-started app) go, so the volume is the snapshot.
    `restic restore "latest:/data" --host ${v.key} --target /data --delete --verify`,
    'echo "restored; start the app again"',
    '',
  ].join('\n');
}

/** The drill: every volume's latest snapshot restored into scratch space, checked, deleted. */
export function drillScript(site: Site, volumes: readonly BackedUpVolume[]): string {
  const t = site.workloads.backup.target!;
  const lines = ['set -u', 'failed=""'];
  for (const v of volumes) {
    lines.push(
      `# ${v.namespace}/${v.claim}`,
      `export RESTIC_REPOSITORY=${repositoryOf(t, v)}`,
      'R=/scratch/restore; rm -rf "$R"',
      `if tag=$(restic snapshots --host ${v.key} --latest 1 --json | jq -er '.[0].tags[] | select(startswith("canary-")) | ltrimstr("canary-")') \\`,
      `  && restic restore latest --host ${v.key} --target "$R" --verify \\`,
      '  && [ "$(cat "$R/canary/domus-canary")" = "$tag" ] \\',
      `  && { ${v.proof}; }; then echo "${v.key}: restored, canary $tag"; else echo "${v.key}: DRILL FAILED" >&2; failed="$failed ${v.key}"; fi`,
      'rm -rf "$R"',
    );
  }
  lines.push('if [ -n "$failed" ]; then echo "failed:$failed" >&2; exit 1; fi', 'echo "every volume restored and proven"', '');
  return lines.join('\n');
}

/** The target check: each repository answers (exit 10 = reachable, not created yet). */
export function checkScript(site: Site, volumes: readonly BackedUpVolume[]): string {
  const t = site.workloads.backup.target!;
  return [
    'set -u',
    'failed=""',
    ...volumes.flatMap((v) => [
      `export RESTIC_REPOSITORY=${repositoryOf(t, v)}`,
      'restic cat config >/dev/null; rc=$?',
      `if [ "$rc" -ne 0 ] && [ "$rc" -ne 10 ]; then failed="$failed ${v.key}"; fi`,
    ]),
    'if [ -n "$failed" ]; then echo "unreachable:$failed" >&2; exit 1; fi',
    'echo "target reachable"',
    '',
  ].join('\n');
}

class Mover {
  constructor(
    private readonly scope: Construct,
    private readonly ctx: StackContext,
  ) {}

  /** The CA ConfigMap of a namespace (once per namespace). */
  private readonly caIn = new Set<string>();
  private ca(namespace: string, t: Target): void {
    if (!t.caCert || this.caIn.has(namespace)) return;
    this.caIn.add(namespace);
    new k8s.KubeConfigMap(this.scope, `ca-${namespace}`, {
      metadata: { name: CA_CONFIGMAP, namespace, labels: appLabels({ name: 'backup', namespace, partOf: 'backup' }) },
      data: { 'ca.crt': t.caCert },
    });
  }

  /** One restic CronJob: the script in a ConfigMap-free `sh -c`, the Vault files, the CA, egress to the target. */
  job(o: {
    name: string;
    namespace: string;
    component: string;
    schedule: string;
    suspend?: boolean;
    user: { uid: number; gid: number; fsGroup?: number };
    script: string;
    env?: Record<string, string>;
    volumes?: k8s.Volume[];
    mounts?: { volume: string; path: string; readOnly?: boolean }[];
    writable?: string[];
    security?: SecurityException;
    why: string;
  }): Workload {
    const site = this.ctx.site;
    const b = site.workloads.backup;
    const t = b.target!;
    this.ca(o.namespace, t);
    const secret = kvPath(site, BACKUP_SECRET);
    const w = new Workload(this.scope, o.name, this.ctx, {
      name: o.name,
      namespace: o.namespace,
      partOf: 'backup',
      component: o.component,
      version: RESTIC_IMAGE.tag,
      kind: 'CronJob',
      cron: { schedule: o.schedule, ...(o.suspend ? { suspend: true } : {}) },
      user: o.user,
      containers: [
        {
          name: 'restic',
          image: pinnedImage(RESTIC_IMAGE),
          command: ['/bin/sh', '-c', o.script],
          env: { ...resticEnv(t), ...(o.env ?? {}) },
          resources: b.resources,
          mounts: [...(o.mounts ?? []), ...(t.caCert ? [{ volume: 'target-ca', path: CA_DIR, readOnly: true }] : [])],
          writable: ['/cache', '/tmp', ...(o.writable ?? [])],
          ...(o.security ? { security: o.security } : {}),
        },
      ],
      volumes: [...(o.volumes ?? []), ...(t.caCert ? [{ name: 'target-ca', configMap: { name: CA_CONFIGMAP } }] : [])],
      vault: {
        // Init only: a sidecar would keep the Job from completing; the files are read once per run.
        prePopulateOnly: true,
        secrets: [
          kvValueSecret('restic-password', secret, BACKUP_SECRET_KEYS.password, { errorOnMissingKey: true }),
          kvTemplateSecret('s3-credentials', secret, [BACKUP_SECRET_KEYS.accessKey, BACKUP_SECRET_KEYS.secretKey], credentialsTemplate(secret), { errorOnMissingKey: true }),
        ],
      },
    });
    const u = targetUrl(t);
    const peer = t.cidrs.length ? cidrs(t.cidrs) : fqdns([u.hostname]);
    w.connectPorts(peer, [tcp(u.port ? Number(u.port) : 443)], o.why);
    return w;
  }
}

function buildBackups(chart: Construct, ctx: StackContext): void {
  const site = ctx.site;
  const b = site.workloads.backup;
  if (!b.target) return;
  const t = b.target;
  const volumes = backedUpVolumes(site);
  const mover = new Mover(chart, ctx);
  const backupNs = namespaceName(site, BACKUP_NAMESPACE_KEY);
  for (const v of volumes) {
    const root = v.user.uid === 0;
    const claim = (readOnly: boolean): k8s.Volume => ({ name: 'data', persistentVolumeClaim: { claimName: v.claim, readOnly } });
    mover.job({
      name: `backup-${v.key}`,
      namespace: v.namespace,
      component: 'backup',
      schedule: b.schedule,
      user: v.user,
      script: backupScript(site, v),
      env: { RESTIC_REPOSITORY: repositoryOf(t, v) },
      volumes: [claim(true)],
      mounts: [{ volume: 'data', path: '/data', readOnly: true }],
      writable: ['/canary'],
      ...(root
        ? {
            security: {
              reason: 'reads every file of a volume several users own (Wazuh manager): root with DAC_OVERRIDE only, read-only mount',
              runAsUser: 0,
              runAsGroup: 0,
              runAsNonRoot: false,
              addCapabilities: ['DAC_OVERRIDE'],
            },
          }
        : {}),
      why: `backup of ${v.namespace}/${v.claim} to the off-node S3 target`,
    });
    mover.job({
      name: `restore-${v.key}`,
      namespace: v.namespace,
      component: 'restore',
      schedule: b.schedule,
      suspend: true,
      user: v.user,
      script: restoreScript(v),
      env: { RESTIC_REPOSITORY: repositoryOf(t, v) },
      volumes: [claim(false)],
      mounts: [{ volume: 'data', path: '/data' }],
      ...(root
        ? {
            security: {
              reason: 'restores files of several users with their owners and modes (Wazuh manager): root with CHOWN, DAC_OVERRIDE, FOWNER',
              runAsUser: 0,
              runAsGroup: 0,
              runAsNonRoot: false,
              addCapabilities: ['CHOWN', 'DAC_OVERRIDE', 'FOWNER'],
            },
          }
        : {}),
      why: `restore of ${v.namespace}/${v.claim} from the off-node S3 target`,
    });
  }
  if (volumes.length === 0) return;
  // The drill's scratch space holds one restored volume at a time: the largest.
  const scratchMi = Math.max(...volumes.map((v) => toMi(v.size)));
  mover.job({
    name: 'backup-drill',
    namespace: backupNs,
    component: 'drill',
    schedule: b.drill.schedule,
    user: { uid: DRILL_UID, gid: DRILL_UID },
    script: drillScript(site, volumes),
    volumes: [{ name: 'scratch', emptyDir: { sizeLimit: k8s.Quantity.fromString(`${scratchMi}Mi`) } }],
    mounts: [{ volume: 'scratch', path: '/scratch' }],
    why: 'weekly restore drill reads every repository from the off-node S3 target',
  });
  mover.job({
    name: 'backup-target-check',
    namespace: backupNs,
    component: 'check',
    schedule: b.checkSchedule,
    user: { uid: DRILL_UID, gid: DRILL_UID },
    script: checkScript(site, volumes),
    why: 'reachability check of the off-node S3 target',
  });
}

// ---------------------------------------------------------------------------------------------------------
// Alerts (kube-state-metrics' Job series) and their firing cases
// ---------------------------------------------------------------------------------------------------------

/** The Jobs of a CronJob `<name>` (the controller names them `<name>-<scheduled minutes since the epoch>`). */
const jobsOf = (name: string) => `${name}-[0-9]+`;

/**
 * The last finished run of a CronJob failed: its newest failed Job started after its newest success (a failed
 * Job stays in the history after the next success, so "any failed Job" would fire for days).
 */
function lastRunFailed(namespace: string, cronJob: string): string {
  const sel = `namespace="${namespace}", job_name=~"${jobsOf(cronJob)}"`;
  return [
    `max by (namespace) (max by (namespace, job_name) (kube_job_status_start_time{${sel}})`,
    `and (max by (namespace, job_name) (kube_job_failed{${sel}, condition="true"}) == 1))`,
    `> max by (namespace) (kube_job_status_completion_time{${sel}})`,
  ].join(' ');
}

function backupAlerts(site: Site) {
  const b = site.workloads.backup;
  if (!b.target) return [];
  const ns = namespaceName(site, BACKUP_NAMESPACE_KEY);
  const maxAge = seconds(b.maxAge);
  return [
    alertRule(
      'BackupTooOld',
      `time() - max by (namespace, volume) (label_replace(kube_job_status_completion_time{namespace!="${ns}", job_name=~"backup-.+-[0-9]+"}, "volume", "$1", "job_name", "backup-(.+)-[0-9]+")) > ${maxAge}`,
      '15m',
      'critical',
      'The last successful backup of {{ $labels.namespace }}/{{ $labels.volume }} is older than ' + b.maxAge,
      'No backup-{{ $labels.volume }} Job has completed within workloads.backup.maxAge. kubectl -n {{ $labels.namespace }} get jobs -l app.kubernetes.io/name=backup-{{ $labels.volume }}; logs of the last failed one (restic exit 10: no repository, 12: wrong password).',
    ),
    alertRule(
      'BackupRestoreDrillFailed',
      lastRunFailed(ns, 'backup-drill'),
      '0m',
      'critical',
      'The restore drill failed: a backup does not restore',
      `The last backup-drill Job failed; its log names each volume whose latest snapshot did not restore or did not prove itself (kubectl -n ${ns} logs job/<the failed Job>). Run it again: kubectl -n ${ns} create job drill-manual --from=cronjob/backup-drill.`,
    ),
    alertRule(
      'BackupRestoreDrillOverdue',
      `time() - max by (namespace) (kube_job_status_completion_time{namespace="${ns}", job_name=~"${jobsOf('backup-drill')}"}) > ${seconds(b.drill.maxAge)}`,
      '15m',
      'warning',
      `No restore drill has passed for ${b.drill.maxAge}`,
      `The weekly backup-drill has not completed successfully within workloads.backup.drill.maxAge (kubectl -n ${ns} get cronjob,jobs).`,
    ),
    alertRule(
      'BackupTargetUnreachable',
      lastRunFailed(ns, 'backup-target-check'),
      '0m',
      'warning',
      'The off-node backup target does not answer',
      `The last backup-target-check Job could not reach a restic repository on ${b.target.endpoint} (network, DNS, certificate, credentials). kubectl -n ${ns} logs job/<the failed Job>; hubble observe --namespace ${ns} --verdict DROPPED.`,
    ),
  ];
}

const ksm = { job: 'kube-state-metrics' };
/** The firing cases (test/alert-rules.test.ts, promtool): T = 7200 s, the series' clock starts at 0. */
export const BACKUP_ALERT_CASES: Readonly<Record<string, AlertCase>> = {
  BackupTooOld: {
    // The example's maxAge is 26h: a completion at -100000 s is 29.8 h old at T.
    fire: [{ metric: 'kube_job_status_completion_time', labels: { ...ksm, namespace: 'monitoring', job_name: 'backup-prometheus-29391150' }, value: -100000 }],
    quiet: [
      { metric: 'kube_job_status_completion_time', labels: { ...ksm, namespace: 'monitoring', job_name: 'backup-prometheus-29391150' }, value: -100000 },
      { metric: 'kube_job_status_completion_time', labels: { ...ksm, namespace: 'monitoring', job_name: 'backup-prometheus-29392590' }, value: 3600 },
      // The drill lives in the backup namespace: its age is BackupRestoreDrillOverdue's business.
      { metric: 'kube_job_status_completion_time', labels: { ...ksm, namespace: 'backup', job_name: 'backup-drill-29391150' }, value: -100000 },
    ],
  },
  BackupRestoreDrillFailed: {
    fire: [
      { metric: 'kube_job_status_start_time', labels: { ...ksm, namespace: 'backup', job_name: 'backup-drill-100' }, value: 1000 },
      { metric: 'kube_job_status_completion_time', labels: { ...ksm, namespace: 'backup', job_name: 'backup-drill-100' }, value: 1500 },
      { metric: 'kube_job_status_start_time', labels: { ...ksm, namespace: 'backup', job_name: 'backup-drill-200' }, value: 5000 },
      { metric: 'kube_job_failed', labels: { ...ksm, namespace: 'backup', job_name: 'backup-drill-200', condition: 'true' }, value: 1 },
    ],
    quiet: [
      // The failure is older than the last success.
      { metric: 'kube_job_status_start_time', labels: { ...ksm, namespace: 'backup', job_name: 'backup-drill-100' }, value: 1000 },
      { metric: 'kube_job_failed', labels: { ...ksm, namespace: 'backup', job_name: 'backup-drill-100', condition: 'true' }, value: 1 },
      { metric: 'kube_job_status_start_time', labels: { ...ksm, namespace: 'backup', job_name: 'backup-drill-200' }, value: 5000 },
      { metric: 'kube_job_status_completion_time', labels: { ...ksm, namespace: 'backup', job_name: 'backup-drill-200' }, value: 5500 },
    ],
  },
  BackupRestoreDrillOverdue: {
    fire: [{ metric: 'kube_job_status_completion_time', labels: { ...ksm, namespace: 'backup', job_name: 'backup-drill-100' }, value: -800000 }],
    quiet: [{ metric: 'kube_job_status_completion_time', labels: { ...ksm, namespace: 'backup', job_name: 'backup-drill-100' }, value: -500000 }],
  },
  BackupTargetUnreachable: {
    fire: [
      { metric: 'kube_job_status_start_time', labels: { ...ksm, namespace: 'backup', job_name: 'backup-target-check-100' }, value: 1000 },
      { metric: 'kube_job_status_completion_time', labels: { ...ksm, namespace: 'backup', job_name: 'backup-target-check-100' }, value: 1010 },
      { metric: 'kube_job_status_start_time', labels: { ...ksm, namespace: 'backup', job_name: 'backup-target-check-115' }, value: 1900 },
      { metric: 'kube_job_failed', labels: { ...ksm, namespace: 'backup', job_name: 'backup-target-check-115', condition: 'true' }, value: 1 },
    ],
    quiet: [
      { metric: 'kube_job_status_start_time', labels: { ...ksm, namespace: 'backup', job_name: 'backup-target-check-100' }, value: 1000 },
      { metric: 'kube_job_failed', labels: { ...ksm, namespace: 'backup', job_name: 'backup-target-check-100', condition: 'true' }, value: 1 },
      { metric: 'kube_job_status_start_time', labels: { ...ksm, namespace: 'backup', job_name: 'backup-target-check-115' }, value: 1900 },
      { metric: 'kube_job_status_completion_time', labels: { ...ksm, namespace: 'backup', job_name: 'backup-target-check-115' }, value: 1910 },
      // Another CronJob's failure is not the target's.
      { metric: 'kube_job_status_start_time', labels: { ...ksm, namespace: 'backup', job_name: 'backup-drill-115' }, value: 1900 },
      { metric: 'kube_job_failed', labels: { ...ksm, namespace: 'backup', job_name: 'backup-drill-115', condition: 'true' }, value: 1 },
    ],
  },
};

// ---------------------------------------------------------------------------------------------------------
// Runbook: restore after a disk loss, per app
// ---------------------------------------------------------------------------------------------------------

/** The Argo CD Application (chart) of each app whose volumes are backed up: paused during a restore. */
const CHART_OF: Readonly<Record<BackedUpVolume['app'], string>> = { Prometheus: prometheusApp.chart, Loki: lokiApp.chart, MinIO: minioApp.chart, Wazuh: wazuhApp.chart };

function restoreSteps(site: Site, v: BackedUpVolume): string[] {
  const ns = v.namespace;
  const argoNs = site.namespaces.argocd;
  const noAuto = `--type merge -p '{"spec":{"syncPolicy":{"automated":null}}}'`;
  return [
    `# ${v.namespace}/${v.claim} (${v.key})`,
    '# 1. Stop GitOps (the root first: it would heal its child) and the app.',
    `kubectl -n ${argoNs} patch application root ${noAuto}`,
    `kubectl -n ${argoNs} patch application ${CHART_OF[v.app]} ${noAuto}`,
    `kubectl -n ${ns} scale statefulset/${v.statefulSet} --replicas=0`,
    `kubectl -n ${ns} wait --for=delete pod/${v.statefulSet}-0 --timeout=300s`,
    '# 2. After a disk or node loss only: a new empty claim (local-path provisions it for the restore pod, its first user).',
    `kubectl -n ${ns} delete pvc ${v.claim} --ignore-not-found`,
    `printf '%s\n' 'apiVersion: v1' 'kind: PersistentVolumeClaim' 'metadata: {name: ${v.claim}, namespace: ${ns}, labels: {app.kubernetes.io/name: ${v.statefulSet}}}' 'spec: {accessModes: [ReadWriteOnce], storageClassName: ${site.storage.storageClass}, resources: {requests: {storage: ${v.size}}}}' | kubectl apply -f -`,
    '# 3. Restore the latest snapshot (files written since are deleted), then read what it restored.',
    `kubectl -n ${ns} create job restore-${v.key}-now --from=cronjob/restore-${v.key}`,
    `kubectl -n ${ns} wait --for=condition=complete job/restore-${v.key}-now --timeout=6h; kubectl -n ${ns} logs job/restore-${v.key}-now`,
    '# 4. GitOps back on: the root re-applies every Application and the StatefulSet scales up on the restored claim.',
    'kubectl apply -f dist/apps/apps.yaml',
  ];
}

function backupRunbook(site: Site): RunbookSection[] {
  const b = site.workloads.backup;
  if (!b.target) return [];
  const volumes = backedUpVolumes(site);
  const ns = namespaceName(site, BACKUP_NAMESPACE_KEY);
  const apps = ['Wazuh', 'MinIO', 'Prometheus', 'Loki'] as const;
  const common = [
    `Each volume has its own restic repository on ${b.target.endpoint} (bucket ${b.target.bucket}), a backup CronJob and a suspended restore CronJob next to it; credentials are in Vault (${kvPath(site, BACKUP_SECRET)}).`,
    `Before a restore, the latest snapshot is the one the last drill proved: \`kubectl -n ${ns} logs -l app.kubernetes.io/name=backup-drill --tail=100\`.`,
  ];
  const extra: Readonly<Record<(typeof apps)[number], readonly string[]>> = {
    Wazuh: [
      '# The agent keys come back with the master volume: agents reconnect without re-enrolling.',
      '# The indexer is not copied (ADR-0170): start it empty, then re-index the restored alert logs.',
      `kubectl -n ${site.namespaces.security} rollout restart statefulset/wazuh-indexer`,
      `kubectl -n ${site.namespaces.security} exec wazuh-manager-master-0 -- sh -c 'ls /var/ossec/logs/alerts/*/*/*.json.gz'   # the archives Filebeat re-reads (Wazuh "Recovering alerts": zcat into alerts.json)`,
    ],
    MinIO: ["# Buckets, objects and MinIO's users and policies (.minio.sys) come back with the drive; the bucket Job re-applies its users: argocd app sync storage"],
    Prometheus: ['# Blocks and the WAL come back; samples between the snapshot and the loss are gone (Prometheus replays the WAL on start).'],
    Loki: ['# Chunks and index come back; logs between the snapshot and the loss are gone.'],
  };
  return apps
    .map((app) => ({ app, vs: volumes.filter((v) => v.app === app) }))
    .filter(({ vs }) => vs.length > 0)
    .map(({ app, vs }) => ({
      title: `Restore ${app} after a disk loss`,
      lines: [...common, '', '```sh', ...vs.flatMap((v) => restoreSteps(site, v)), ...extra[app], '```'],
    }));
}

function backupWarnings(site: Site): string[] {
  return site.workloads.backup.target
    ? []
    : [
        "workloads.backup.target is not set: Prometheus, Loki, MinIO and Wazuh keep their data on the node's disk only, with no copy anywhere (docs/adr/0170-backups-restic-off-node.md)",
      ];
}

export const backupApp = defineApp({
  key: 'backup',
  schema: backupSchema,
  siteIssues: (site) => backupSiteIssues(site),
  namespace: { key: BACKUP_NAMESPACE_KEY, podSecurity: 'restricted' },
  chart: 'backup',
  wave: 2,
  images: [RESTIC_IMAGE],
  enabled: (site) => site.workloads.backup.target !== undefined,
  routed: false,
  build: (chart, ctx) => buildBackups(chart, ctx),
  alerts: (site) => backupAlerts(site),
  dashboards: (site) => {
    const ns = namespaceName(site, BACKUP_NAMESPACE_KEY);
    return [
      {
        uid: 'domus-backups',
        title: 'Backups',
        panels: [
          {
            title: 'Age of the last successful backup, per volume',
            expr: `time() - max by (namespace, volume) (label_replace(kube_job_status_completion_time{namespace!="${ns}", job_name=~"backup-.+-[0-9]+"}, "volume", "$1", "job_name", "backup-(.+)-[0-9]+"))`,
            unit: 's',
          },
          { title: 'Age of the last passed restore drill', expr: `time() - max(kube_job_status_completion_time{namespace="${ns}", job_name=~"backup-drill-[0-9]+"})`, unit: 's' },
          { title: 'Failed backup, drill and check Jobs (kept in history)', expr: 'sum by (namespace, job_name) (kube_job_failed{job_name=~"backup-.+", condition="true"})' },
        ],
      },
    ];
  },
  alertCases: BACKUP_ALERT_CASES,
  runbookSections: (site) => backupRunbook(site),
  warnings: (site) => backupWarnings(site),
});
