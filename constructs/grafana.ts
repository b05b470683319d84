/**
 * Grafana (namespace `monitoring`), stateless by design (docs/adr/0010-grafana-stateless.md): datasource and
 * dashboards are provisioned from ConfigMaps, the admin credentials come from Vault as files
 * (GF_SECURITY_ADMIN_*__FILE), /var/lib/grafana is an emptyDir. No API permissions; the only API token in
 * the pod is the Vault agent's projected one.
 */
import { z } from 'zod';
import { component, res, versionOverride } from '../config/fields';
import { createHash } from 'node:crypto';
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { imageOf, tagOf } from '../config/versions';
import { dashboardJson, dashboardSpecs } from './dashboards';
import { StackContext } from './lib/context';
import { httpsRoute } from './lib/ingress';
import { Endpoint } from './lib/network';
import { ini as iniValue } from './lib/quote';
import { kvPath, kvValueSecret } from './lib/vault';
import { Workload } from './lib/workload';
import { yamlDoc } from './lib/yaml';
import { alertRule, defineApp } from './lib/app';
import { prometheusEndpoint } from './prometheus';

export const GRAFANA_UID = 472;

export interface GrafanaProps {
  /** The Prometheus HTTP endpoint (its Service gives the datasource URL, its port the flow). */
  readonly prometheus?: Endpoint;
}

/** Datasource URL derived from the endpoint's Service (Prometheus, Loki), never hand-typed. */
export function datasourceUrl(endpoint: Endpoint): string {
  if (endpoint.peer.kind !== 'workload' || !endpoint.service) throw new Error('a datasource endpoint needs a Service');
  return `http://${endpoint.service.name}.${endpoint.peer.namespace}.svc:${endpoint.service.port}`;
}

export class Grafana extends Construct {
  readonly workload: Workload;

  constructor(scope: Construct, id: string, ctx: StackContext, props: GrafanaProps) {
    super(scope, id);
    const site = ctx.site;
    const cfg = site.workloads.grafana;
    const ns = site.namespaces.monitoring;
    const labels = { 'app.kubernetes.io/name': 'grafana', 'app.kubernetes.io/managed-by': 'cdk8s' };
    const secret = kvPath(site, 'monitoring/grafana');

    const ini = [
      '[server]',
      `root_url = ${iniValue(`https://${ctx.host('grafana')}`)}`,
      '[paths]',
      'data = /var/lib/grafana',
      'logs = /var/log/grafana',
      'plugins = /var/lib/grafana/plugins',
      'provisioning = /etc/grafana/provisioning',
      '[log]',
      'mode = console',
      // Offline homelab: nothing phones home. Grafana 12 would otherwise install plugins from grafana.com at
      // every start (egress that the policy denies anyway).
      '[analytics]',
      'reporting_enabled = false',
      'check_for_updates = false',
      'check_for_plugin_updates = false',
      'feedback_links_enabled = false',
      '[plugins]',
      'preinstall_disabled = true',
      'public_key_retrieval_disabled = true',
      '[news]',
      'news_feed_enabled = false',
      '[snapshots]',
      'external_enabled = false',
      '[users]',
      'allow_sign_up = false',
      '[auth.anonymous]',
      'enabled = false',
      '[security]',
      'cookie_secure = true',
      'disable_gravatar = true',
      '',
    ].join('\n');
    // Datasources other apps serve (Loki), from their declarations: each one is also a declared flow below.
    const served = ctx.apps.flatMap((a) => a.datasources?.(site) ?? []);
    const datasources = {
      apiVersion: 1,
      datasources: [
        ...(props.prometheus
          ? [{ name: 'Prometheus', uid: 'prometheus', type: 'prometheus', access: 'proxy', url: datasourceUrl(props.prometheus), isDefault: true, editable: false }]
          : []),
        ...served.map((d) => ({ name: d.name, uid: d.uid, type: d.type, access: 'proxy', url: datasourceUrl(d.endpoint), isDefault: false, editable: false })),
      ],
    };
    const specs = dashboardSpecs(ctx);
    const providers = {
      apiVersion: 1,
      providers: [
        { name: 'domus', folder: 'Domus', type: 'file', disableDeletion: true, allowUiUpdates: false, updateIntervalSeconds: 30, options: { path: '/var/lib/grafana-dashboards' } },
      ],
    };

    const configData = {
      'grafana.ini': ini,
      'datasources.yaml': yamlDoc(datasources),
      'dashboards.yaml': yamlDoc(providers),
    };
    new k8s.KubeConfigMap(this, 'config', { metadata: { name: 'grafana-config', namespace: ns, labels }, data: configData });
    new k8s.KubeConfigMap(this, 'dashboards', {
      metadata: { name: 'grafana-dashboards', namespace: ns, labels },
      data: Object.fromEntries(specs.map((s) => [`${s.uid}.json`, `${JSON.stringify(dashboardJson(s), null, 1)}\n`])),
    });

    this.workload = new Workload(this, 'grafana', ctx, {
      name: 'grafana',
      namespace: ns,
      partOf: 'observability',
      version: tagOf('grafana', cfg.version),
      kind: 'Deployment',
      replicas: cfg.replicas,
      user: { uid: GRAFANA_UID, gid: GRAFANA_UID },
      // grafana.ini and the datasource are subPath mounts, read at start only: a change rolls the pods.
      // Dashboards are a directory mount that the file provider re-reads, so they update in place.
      podAnnotations: { 'domus.dev/config-sha256': createHash('sha256').update(JSON.stringify(configData)).digest('hex') },
      containers: [
        {
          name: 'grafana',
          image: imageOf('grafana', cfg.version),
          env: {
            GF_PATHS_CONFIG: '/etc/grafana/grafana.ini',
            GF_SECURITY_ADMIN_USER__FILE: '/vault/secrets/admin-user',
            GF_SECURITY_ADMIN_PASSWORD__FILE: '/vault/secrets/admin-password',
          },
          ports: [{ name: 'http', port: 3000, servicePort: 80 }],
          resources: cfg.resources,
          readiness: { http: { path: '/api/health', port: 'http' } },
          liveness: { http: { path: '/api/health', port: 'http' }, initialDelaySeconds: 60, timeoutSeconds: 30, failureThreshold: 10 },
          mounts: [
            { volume: 'config', path: '/etc/grafana/grafana.ini', subPath: 'grafana.ini', readOnly: true },
            { volume: 'config', path: '/etc/grafana/provisioning/datasources/datasources.yaml', subPath: 'datasources.yaml', readOnly: true },
            { volume: 'config', path: '/etc/grafana/provisioning/dashboards/dashboards.yaml', subPath: 'dashboards.yaml', readOnly: true },
            { volume: 'dashboards', path: '/var/lib/grafana-dashboards', readOnly: true },
          ],
          writable: ['/var/lib/grafana', '/var/log/grafana', '/tmp'],
        },
      ],
      volumes: [
        { name: 'config', configMap: { name: 'grafana-config' } },
        { name: 'dashboards', configMap: { name: 'grafana-dashboards' } },
      ],
      vault: {
        containers: ['grafana'],
        // A misnamed KV key must stop the pod, not log everyone in as "<no value>" (Go's missing-key text).
        secrets: [
          kvValueSecret('admin-user', secret, 'admin_user', { errorOnMissingKey: true }),
          kvValueSecret('admin-password', secret, 'admin_password', { errorOnMissingKey: true }),
        ],
      },
      metrics: [{ port: 'http', job: 'grafana' }],
    });
    if (props.prometheus) this.workload.connect(props.prometheus, 'Grafana queries Prometheus (datasource)');
    for (const d of served) this.workload.connect(d.endpoint, `Grafana queries ${d.name} (datasource)`);
    // Sessions live in each pod's own sqlite (ADR 0010): with several replicas a browser must stay on one pod.
    httpsRoute(this, 'route', ctx, {
      subdomain: 'grafana',
      backend: this.workload.endpoint('http'),
      ...(cfg.replicas > 1 ? { stickyCookie: 'grafana_pod' } : {}),
      exposure: { audience: 'lan', exposes: 'Grafana UI and API; login required (admin from Vault), anonymous access and sign-up off' },
    });
  }
}

/** `site.workloads.grafana`: this app's slice of the site schema (config/schema.ts composes it from the registry). */
export const grafanaSchema = z.strictObject({ enabled: z.boolean().default(true), ...versionOverride, ...component({ resources: res('100m', '256Mi', '512Mi') }) }).prefault({});

/** Grafana with the stack's dashboards and Prometheus as its datasource: chart `monitoring`. */
declare module '../config/schema' {
  /** `site.workloads.grafana`, typed by this file's schema (config/schema.ts SiteWorkloads). */
  interface SiteWorkloads {
    readonly grafana: z.output<typeof grafanaSchema>;
  }
}

export const grafanaApp = defineApp({
  key: 'grafana',
  schema: grafanaSchema,
  replicated: [['replicas']],
  namespace: { key: 'monitoring', podSecurity: 'restricted' },
  chart: 'monitoring',
  wave: 0,
  images: ['grafana'],
  enabled: (site) => site.workloads.grafana.enabled,
  routed: true,
  build: (chart, ctx) => {
    new Grafana(chart, 'grafana', ctx, { prometheus: ctx.site.workloads.prometheus.enabled ? prometheusEndpoint(ctx.site) : undefined });
  },
  dashboards: () => [
    {
      uid: 'domus-grafana',
      title: 'Grafana',
      panels: [
        { title: 'HTTP requests/s by status', expr: 'sum by (status_code) (rate(grafana_http_request_duration_seconds_count[5m]))' },
        { title: 'Active users', expr: 'grafana_stat_active_users' },
      ],
    },
  ],
  alerts: () => [
    alertRule(
      'GrafanaServerErrors',
      'sum(rate(grafana_http_request_duration_seconds_count{status_code=~"5.."}[5m])) > 0.1',
      '10m',
      'warning',
      'Grafana answers with server errors',
      'Grafana returns 5xx responses (often: Prometheus unreachable from the datasource proxy).',
    ),
  ],
  mustDeny: [
    { from: 'monitoring/grafana', to: 'storage/minio', port: 9000, why: 'Grafana has no business with object storage' },
    { from: 'monitoring/grafana', to: 'storage/minio', port: 9001, why: 'nor with the MinIO console' },
  ],
});
