/**
 * Alertmanager (namespace `monitoring`): receives Prometheus' alerts and routes them to the site's receivers
 * (`workloads.alertmanager.receivers`): an HTTP webhook (ntfy, Matrix and most chat tools through their
 * Alertmanager bridges) or e-mail. Secrets never reach git or the ConfigMap: the webhook URL (it usually holds a
 * token) and the SMTP password are files the Vault agent renders, read with Alertmanager's `url_file` and
 * `auth_password_file`. Upstream facts: conformance/facts/alertmanager.ts.
 *
 * One replica with the HA gossip off (`--cluster.listen-address=`): a homelab has one Prometheus, and the
 * silences and notification log live on a retained volume.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { domainName, res, statefulComponent } from '../config/fields';
import type { Site } from '../config/schema';
import { alertRule, defineApp, namespaceName, pinnedImage } from './lib/app';
import { fqdns, tcp, workloadPeer, type Endpoint } from './lib/network';
import { kvPath, kvValueSecret } from './lib/vault';
import { Workload } from './lib/workload';
import { yamlDoc } from './lib/yaml';
import { k8s } from 'cdk8s-plus-28';

export const ALERTMANAGER_IMAGE = { repository: 'quay.io/prometheus/alertmanager', tag: 'v0.28.1' } as const;
/** The image's USER nobody. */
export const ALERTMANAGER_UID = 65534;
export const ALERTMANAGER_PORT = 9093;
export const ALERTMANAGER_CONFIG = 'alertmanager-config';
const CONFIG_DIR = '/etc/alertmanager';
const SECRETS_DIR = '/vault/secrets';
/** The Vault KV secret holding the receivers' credentials (`<receiver>_url`, `<receiver>_password`). */
export const ALERTMANAGER_KV = 'monitoring/alertmanager';

const receiverName = z.string().regex(/^[a-z][a-z0-9_]{0,30}$/, { message: 'a receiver name: lower-case letters, digits and _, starting with a letter (at most 31)' });
const emailAddress = z.string().regex(/^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$/, { message: 'an e-mail address such as alerts@example.org' });
const port = z.number().int().min(1).max(65535);

/** A receiver of the site. Its credentials are keys of kv/monitoring/alertmanager in Vault. */
export const receiverSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('webhook'),
    name: receiverName,
    /** Host the URL points at (the egress policy allows it); the URL itself is Vault key `<name>_url`. */
    host: domainName,
    /** @default 443 */
    port: port.default(443),
  }),
  z.strictObject({
    type: z.literal('email'),
    name: receiverName,
    to: emailAddress,
    from: emailAddress,
    /** SMTP relay host; STARTTLS required. The password is Vault key `<name>_password`. */
    smarthost: domainName,
    /** @default 587 (submission) */
    port: port.default(587),
    /** SMTP login. @default the `from` address */
    username: z
      .string()
      .regex(/^[^\s"'\\]{1,128}$/, { message: 'an SMTP user name without spaces or quotes' })
      .optional(),
  }),
]);
export type Receiver = z.infer<typeof receiverSchema>;

/** `site.workloads.alertmanager`. */
export const alertmanagerSchema = z
  .strictObject({
    /** @default true (with Prometheus) */
    enabled: z.boolean().default(true),
    ...statefulComponent({ resources: res('10m', '32Mi', '128Mi', '100m'), storage: '1Gi' }),
    /** Where alerts go, in order; every alert goes to each. @default [] (alerts are visible in Alertmanager's UI only) */
    receivers: z.array(receiverSchema).default([]),
  })
  .prefault({});

/** The Alertmanager endpoint Prometheus sends to, known without building it. */
export function alertmanagerEndpoint(site: Site): Endpoint {
  return { peer: workloadPeer(site.namespaces.monitoring, 'alertmanager'), port: tcp(ALERTMANAGER_PORT), name: 'http', service: { name: 'alertmanager', port: ALERTMANAGER_PORT } };
}

/**
 * When a node's exporter is down the node is probably down: its other alerts (targets on it, its disk and
 * memory) say the same thing, so they are held back while NodeExporterDown fires for that node.
 */
export const NODE_DOWN_INHIBITION = {
  source_matchers: ['alertname="NodeExporterDown"'],
  target_matchers: ['alertname=~"TargetDown|NodeFilesystemNearlyFull|NodeMemoryLow"'],
  equal: ['node'],
} as const;

/** alertmanager.yml for the site's receivers. */
export function alertmanagerConfig(site: Site): Record<string, unknown> {
  const receivers = site.workloads.alertmanager.receivers;
  const config = (r: Receiver): Record<string, unknown> =>
    r.type === 'webhook'
      ? { name: r.name, webhook_configs: [{ url_file: `${SECRETS_DIR}/${r.name}-url`, send_resolved: true }] }
      : {
          name: r.name,
          email_configs: [
            {
              to: r.to,
              from: r.from,
              smarthost: `${r.smarthost}:${r.port}`,
              auth_username: r.username ?? r.from,
              auth_password_file: `${SECRETS_DIR}/${r.name}-password`,
              require_tls: true,
              send_resolved: true,
            },
          ],
        };
  return {
    route: {
      receiver: 'all',
      group_by: ['alertname', 'namespace'],
      group_wait: '30s',
      group_interval: '5m',
      repeat_interval: '4h',
    },
    // One receiver that fans out: every configured notifier gets every alert.
    receivers: [{ name: 'all', ...mergeConfigs(receivers.map(config)) }],
    inhibit_rules: [NODE_DOWN_INHIBITION],
  };
}

function mergeConfigs(list: readonly Record<string, unknown>[]): Record<string, unknown> {
  const out: Record<string, unknown[]> = {};
  for (const c of list) for (const [k, v] of Object.entries(c)) if (k !== 'name') out[k] = [...(out[k] ?? []), ...(v as unknown[])];
  return out;
}

declare module '../config/schema' {
  /** `site.workloads.alertmanager`, typed by this file's schema (config/schema.ts SiteWorkloads). */
  interface SiteWorkloads {
    readonly alertmanager: z.output<typeof alertmanagerSchema>;
  }
}

export const alertmanagerApp = defineApp({
  key: 'alertmanager',
  schema: alertmanagerSchema,
  singletons: [['replicas']],
  namespace: { key: 'monitoring', podSecurity: 'restricted' },
  chart: 'monitoring',
  wave: 0,
  images: [ALERTMANAGER_IMAGE],
  enabled: (site) => site.workloads.alertmanager.enabled && site.workloads.prometheus.enabled,
  routed: false,
  siteIssues: (site) => {
    const names = site.workloads.alertmanager.receivers.map((r) => r.name);
    return names.flatMap((n, i) =>
      names.indexOf(n) !== i ? [{ path: ['receivers', i, 'name'], value: n, message: `a receiver name not used by another receiver (receivers[${names.indexOf(n)}])` }] : [],
    );
  },
  build: (chart, ctx) => {
    const site = ctx.site;
    const cfg = site.workloads.alertmanager;
    const ns = namespaceName(site, 'monitoring');
    const configText = yamlDoc(alertmanagerConfig(site));
    new k8s.KubeConfigMap(chart, 'alertmanager-config', { metadata: { name: ALERTMANAGER_CONFIG, namespace: ns }, data: { 'alertmanager.yml': configText } });
    const path = kvPath(site, ALERTMANAGER_KV);
    const secrets = cfg.receivers.map((r) =>
      r.type === 'webhook' ? kvValueSecret(`${r.name}-url`, path, `${r.name}_url`) : kvValueSecret(`${r.name}-password`, path, `${r.name}_password`),
    );
    const am = new Workload(chart, 'alertmanager', ctx, {
      name: 'alertmanager',
      namespace: ns,
      partOf: 'observability',
      version: ALERTMANAGER_IMAGE.tag,
      kind: 'StatefulSet',
      replicas: 1,
      user: { uid: ALERTMANAGER_UID, gid: ALERTMANAGER_UID },
      containers: [
        {
          name: 'alertmanager',
          image: pinnedImage(ALERTMANAGER_IMAGE),
          args: [
            `--config.file=${CONFIG_DIR}/alertmanager.yml`,
            '--storage.path=/alertmanager',
            '--cluster.listen-address=',
            `--web.external-url=http://alertmanager.${ns}.svc:${ALERTMANAGER_PORT}`,
          ],
          ports: [{ name: 'http', port: ALERTMANAGER_PORT }],
          resources: cfg.resources,
          liveness: { http: { path: '/-/healthy', port: 'http' } },
          readiness: { http: { path: '/-/ready', port: 'http' } },
          mounts: [
            { volume: 'config', path: CONFIG_DIR, readOnly: true },
            { volume: 'data', path: '/alertmanager' },
          ],
        },
      ],
      volumes: [{ name: 'config', configMap: { name: ALERTMANAGER_CONFIG } }],
      claims: [{ name: 'data', size: cfg.storage }],
      // Alertmanager reads its configuration at start (no reloader here): a change rolls the pod.
      podAnnotations: { 'domus.dev/config-sha256': createHash('sha256').update(configText).digest('hex') },
      ...(secrets.length ? { vault: { secrets } } : {}),
      metrics: [{ port: 'http' }],
    });
    if (site.workloads.prometheus.enabled) ctx.net.allow(workloadPeer(site.namespaces.monitoring, 'prometheus'), am.endpoint('http'), 'Prometheus sends alerts to Alertmanager');
    for (const r of cfg.receivers) {
      if (r.type === 'webhook') am.connectPorts(fqdns([r.host]), [tcp(r.port)], `Alertmanager notifies receiver ${r.name} (webhook)`);
      else am.connectPorts(fqdns([r.smarthost]), [tcp(r.port)], `Alertmanager mails receiver ${r.name}`);
    }
  },
  alerts: () => [
    alertRule(
      'AlertmanagerNotificationsFailing',
      'sum by (integration) (increase(alertmanager_notifications_failed_total[15m])) > 0',
      '15m',
      'critical',
      'Alertmanager cannot deliver to {{ $labels.integration }}',
      'Notifications fail: check the receiver credentials in Vault (kv/monitoring/alertmanager) and the egress to the receiver host.',
    ),
  ],
  mustDeny: [{ from: 'ingress/traefik', to: 'monitoring/alertmanager', port: ALERTMANAGER_PORT, why: 'the Alertmanager API has no login (silences)' }],
});
