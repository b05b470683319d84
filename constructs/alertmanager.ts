/**
 * Alertmanager (namespace `monitoring`): receives Prometheus' alerts and routes them to the site's receivers
 * (`workloads.alertmanager.receivers`): an HTTP webhook (ntfy, Matrix and most chat tools through their
 * Alertmanager bridges) or e-mail. Secrets never reach git or the ConfigMap: the webhook URL (it usually holds a
 * token) and the SMTP password are files the Vault agent renders, read with Alertmanager's `url_file` and
 * `auth_password_file`. Upstream facts: conformance/facts/alertmanager.ts.
 *
 * One replica with the HA gossip off (`--cluster.listen-address=`): a homelab has one Prometheus, and the
 * silences and notification log live on a retained volume.
 *
 * Alerts reach a person (issue 18, items 11 and 12):
 * - A site without receivers still synthesizes (the example homelab cannot know your ntfy topic or mail relay),
 *   but loudly: `npm run synth` prints ALERTMANAGER_NO_RECEIVER and the day-0 text of this file repeats it
 *   (`alertmanagerDay0`). The shipped site.yaml says `receivers: []` explicitly, next to that warning.
 * - Dead man's switch: the always-firing `Watchdog` rule is routed only to the `heartbeat` receiver, a
 *   webhook to an outside heartbeat service (healthchecks.io, Uptime Kuma push, ...) whose URL is Vault key
 *   `heartbeat_url`; that service alerts you when the pings stop, i.e. when Prometheus, Alertmanager or the
 *   node is down. Without `heartbeat` the Watchdog goes nowhere and synth warns the same way.
 * - Links in notifications open Grafana's alert list (`https://grafana.<domain>/alerting/list`, which shows the
 *   firing Prometheus rules behind Grafana's login): Alertmanager's own UI is deliberately not routed (no login,
 *   silences). `--web.route-prefix=/` keeps the API and probes at the root, and links.tmpl makes the links the
 *   page itself instead of Alertmanager's `#/alerts` fragment. Without Grafana: the port-forward address.
 * - An e-mail relay with a private CA: `caCert` (PEM, validated as every CA field of the site) is written to
 *   the ConfigMap and named by the email_config's tls_config.ca_file.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { domainName, res, statefulComponent } from '../config/fields';
import { caCertificates } from '../config/scalars';
import type { Site } from '../config/schema';
import { alertRule, defineApp, namespaceName, pinnedImage } from './lib/app';
import { type AppDay0Step, note, workstationKubeconfig } from './lib/day0';
import { sh } from './lib/quote';
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
    /** PEM of the CA that signed the relay's certificate (a LAN relay with a private CA). @default the system roots */
    caCert: caCertificates.optional(),
  }),
]);
export type Receiver = z.infer<typeof receiverSchema>;

/** `site.workloads.alertmanager`. */
export const alertmanagerSchema = z
  .strictObject({
    /** @default true (with Prometheus) */
    enabled: z.boolean().default(true),
    ...statefulComponent({ resources: res('10m', '32Mi', '128Mi', '100m'), storage: '1Gi' }),
    /**
     * Where alerts go, in order; every alert goes to each. @default [] (nobody is notified: synth warns and the
     * day-0 text says so; set at least one)
     */
    receivers: z.array(receiverSchema).default([]),
    /**
     * Dead man's switch: the always-firing Watchdog alert is sent here about every minute; the outside service
     * alerts you when it stops. The URL (with its token) is Vault key `heartbeat_url` of kv/monitoring/alertmanager.
     * @default none (synth warns)
     */
    heartbeat: z
      .strictObject({
        /** Host of the heartbeat URL (the egress policy allows only it). */
        host: domainName,
        /** @default 443 */
        port: port.default(443),
      })
      .optional(),
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

/** The always-firing alert of the dead man's switch (rule in `alerts`, route in alertmanagerConfig). */
export const WATCHDOG = 'Watchdog';
/** Receiver names the stack uses itself (a site receiver may not take them: they are not merged into `all`). */
const RESERVED = ['all', 'heartbeat'];
/** How often the heartbeat is sent: set your heartbeat service's period to this and its grace to a few minutes more. */
export const HEARTBEAT_INTERVAL = '1m';
/**
 * Below the group interval on purpose: at each group_interval tick the dedup stage re-sends only if the last
 * send is older than now − repeat_interval (notify.go needsUpdate); equal intervals would skip every other
 * tick (a ping every 2 minutes).
 */
export const HEARTBEAT_REPEAT = '50s';

/** Where the links of notifications point (`--web.external-url`): a page a person can open. */
export function alertmanagerExternalUrl(site: Site): string {
  return site.workloads.grafana.enabled ? `https://grafana.${site.cluster.domain}/alerting/list` : `http://localhost:${ALERTMANAGER_PORT}`;
}

/** Overrides default.tmpl's __alertmanagerURL (`<external>/#/alerts?receiver=…`, Alertmanager's own UI): the link is the page itself. */
export const LINKS_TEMPLATE = '{{ define "__alertmanagerURL" }}{{ .ExternalURL }}{{ end }}\n';

/** What synth prints and the day-0 text repeats when a site's alerts would reach nobody. */
export function alertmanagerWarnings(site: Site): string[] {
  const am = site.workloads.alertmanager;
  if (!am.enabled || !site.workloads.prometheus.enabled) return [];
  return [
    ...(am.receivers.length === 0
      ? [
          'ALERTMANAGER HAS NO RECEIVER: no alert reaches a person. Add one under workloads.alertmanager.receivers (webhook: ntfy, Matrix, chat bridges; or email) and its key in Vault kv/monitoring/alertmanager.',
        ]
      : []),
    ...(am.heartbeat
      ? []
      : [
          "NO DEAD MAN'S SWITCH: if Prometheus, Alertmanager or the node dies, nothing tells you. Set workloads.alertmanager.heartbeat (an outside heartbeat service) and its URL as Vault key heartbeat_url.",
        ]),
  ];
}

/**
 * The day-0 step of alerting (DAY0.md, after every Application is synced): the warnings synth printed, and the
 * proof that the always-firing Watchdog reached Alertmanager (and, with a heartbeat, the outside service). The
 * receivers' and the heartbeat's Vault keys are asked with the others in the Vault step (their templates
 * declare them).
 */
export function alertmanagerDay0(site: Site): AppDay0Step[] {
  const am = site.workloads.alertmanager;
  if (!am.enabled || !site.workloads.prometheus.enabled) return [];
  const ns = site.namespaces.monitoring;
  return [
    {
      id: 'alerting',
      after: 'waves',
      title: 'Check that alerts reach a person',
      where: 'workstation',
      commands: [
        ...alertmanagerWarnings(site).map((w) => note(`WARNING: ${w}`)),
        { run: `export KUBECONFIG=${workstationKubeconfig(site)}` },
        {
          // The image ships amtool beside alertmanager (prometheus/alertmanager Dockerfile).
          run: `kubectl -n ${sh(ns)} exec alertmanager-0 -c alertmanager -- amtool --alertmanager.url=http://localhost:${ALERTMANAGER_PORT} alert query alertname=${WATCHDOG}`,
          expect: `a table with one row: ${WATCHDOG}, its start time, "Always firing: proves that the alerting pipeline works"`,
        },
      ],
      done: am.heartbeat
        ? `${WATCHDOG} is active, and the heartbeat service at ${am.heartbeat.host} shows a ping every ${HEARTBEAT_INTERVAL} (set its period to ${HEARTBEAT_INTERVAL} and its grace to a few minutes)`
        : `${WATCHDOG} is active; without a heartbeat nobody hears of a dead Prometheus or Alertmanager (see the warning)`,
    },
  ];
}

/** alertmanager.yml for the site's receivers. */
export function alertmanagerConfig(site: Site): Record<string, unknown> {
  const am = site.workloads.alertmanager;
  const receivers = am.receivers;
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
              ...(r.caCert ? { tls_config: { ca_file: `${CONFIG_DIR}/${caFileOf(r.name)}` } } : {}),
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
      // The Watchdog goes to the heartbeat only (never to a person), re-sent every interval while it fires.
      routes: [{ matchers: [`alertname="${WATCHDOG}"`], receiver: 'heartbeat', group_wait: '0s', group_interval: HEARTBEAT_INTERVAL, repeat_interval: HEARTBEAT_REPEAT }],
    },
    // One receiver that fans out: every configured notifier gets every alert.
    receivers: [
      { name: 'all', ...mergeConfigs(receivers.map(config)) },
      { name: 'heartbeat', ...(am.heartbeat ? { webhook_configs: [{ url_file: `${SECRETS_DIR}/heartbeat-url`, send_resolved: false }] } : {}) },
    ],
    templates: [`${CONFIG_DIR}/links.tmpl`],
    inhibit_rules: [NODE_DOWN_INHIBITION],
  };
}

/** ConfigMap key of an e-mail receiver's CA bundle. */
const caFileOf = (receiver: string) => `${receiver}-ca.pem`;

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
    return names.flatMap((n, i) => [
      ...(names.indexOf(n) !== i ? [{ path: ['receivers', i, 'name'], value: n, message: `a receiver name not used by another receiver (receivers[${names.indexOf(n)}])` }] : []),
      ...(RESERVED.includes(n) ? [{ path: ['receivers', i, 'name'], value: n, message: `a receiver name other than ${RESERVED.join(' and ')} (the stack's own receivers)` }] : []),
    ]);
  },
  warnings: alertmanagerWarnings,
  day0: alertmanagerDay0,
  build: (chart, ctx) => {
    const site = ctx.site;
    const cfg = site.workloads.alertmanager;
    const ns = namespaceName(site, 'monitoring');
    const configText = yamlDoc(alertmanagerConfig(site));
    // The relays' CA bundles are public certificates: they live beside the configuration.
    const cas = Object.fromEntries(cfg.receivers.flatMap((r) => (r.type === 'email' && r.caCert ? [[caFileOf(r.name), r.caCert]] : [])));
    const data = { 'alertmanager.yml': configText, 'links.tmpl': LINKS_TEMPLATE, ...cas };
    new k8s.KubeConfigMap(chart, 'alertmanager-config', { metadata: { name: ALERTMANAGER_CONFIG, namespace: ns }, data });
    const path = kvPath(site, ALERTMANAGER_KV);
    const secrets = [
      ...cfg.receivers.map((r) => (r.type === 'webhook' ? kvValueSecret(`${r.name}-url`, path, `${r.name}_url`) : kvValueSecret(`${r.name}-password`, path, `${r.name}_password`))),
      ...(cfg.heartbeat ? [kvValueSecret('heartbeat-url', path, 'heartbeat_url')] : []),
    ];
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
            // Links in notifications: a page a person opens (alertmanagerExternalUrl); the routes stay at / (the
            // prefix would otherwise default to the URL's path, moving the API Prometheus posts to and the probes).
            `--web.external-url=${alertmanagerExternalUrl(site)}`,
            '--web.route-prefix=/',
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
      podAnnotations: { 'domus.dev/config-sha256': createHash('sha256').update(JSON.stringify(data)).digest('hex') },
      ...(secrets.length ? { vault: { secrets } } : {}),
      metrics: [{ port: 'http' }],
    });
    if (site.workloads.prometheus.enabled) ctx.net.allow(workloadPeer(site.namespaces.monitoring, 'prometheus'), am.endpoint('http'), 'Prometheus sends alerts to Alertmanager');
    for (const r of cfg.receivers) {
      if (r.type === 'webhook') am.connectPorts(fqdns([r.host]), [tcp(r.port)], `Alertmanager notifies receiver ${r.name} (webhook)`);
      else am.connectPorts(fqdns([r.smarthost]), [tcp(r.port)], `Alertmanager mails receiver ${r.name}`);
    }
    if (cfg.heartbeat) am.connectPorts(fqdns([cfg.heartbeat.host]), [tcp(cfg.heartbeat.port)], "Alertmanager pings the outside heartbeat (dead man's switch)");
  },
  alerts: () => [
    alertRule(
      WATCHDOG,
      'vector(1)',
      '0m',
      'warning',
      "Dead man's switch: always firing",
      'This alert fires as long as Prometheus evaluates rules and Alertmanager delivers; it is routed only to the outside heartbeat service, which alerts you when it stops.',
    ),
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
