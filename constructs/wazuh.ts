/**
 * Wazuh (namespace `security`): indexer (OpenSearch) StatefulSet, manager master and worker StatefulSets,
 * dashboard Deployment, and the agents' LoadBalancer Services. Every certificate comes from Vault PKI and
 * every credential from Vault KV, rendered by the agent into files; small start scripts (constructs/
 * wazuh-config.ts) check the credentials and hand them to the upstream entrypoints. docs/adr/0040-wazuh.md.
 *
 * The path of an event: agent → 1515 enrollment (master, authd password) → 1514 events (workers) → analysisd
 * → alerts.json → Filebeat (in each manager) → indexer 9200 (TLS, Vault certificates) → dashboard 5601.
 *
 * Pod Security: indexer and dashboard run as UID 1000 (restricted profile). The manager image starts s6 as
 * root and chroots its daemons, so it keeps root with a minimal, baseline-allowed capability set; that is
 * why the `security` namespace enforces `baseline` (reason on the Namespace). `vm.max_map_count` for the
 * indexer is a node sysctl written by the bootstrap, not a privileged init container.
 */
import { z } from 'zod';
import type { Site } from '../config/schema';
import { component, domainName, imageTag, res, statefulComponent, toMi } from '../config/fields';
import { sh } from './lib/quote';
import { createHash } from 'node:crypto';
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { imageOf, IMAGES } from '../config/versions';
import { WAZUH_SECRETS } from '../config/wazuh-secrets';
import { StackContext } from './lib/context';
import type { FileRoute } from './lib/ingress';
import { fqdns, tcp, workloadPeer } from './lib/network';
import { admitLoadBalancer, loadBalancerPlan } from './lib/loadbalancer';
import { lbAddresses } from '../config/loadbalancer';
import { kvPath, kvTemplateSecret, kvValueSecret, pkiBundleSecret, pkiChainSecret, PkiOptions, VaultSecret } from './lib/vault';
import { Workload } from './lib/workload';
import { alertRule, defineApp } from './lib/app';
import { wazuhRunbook } from './wazuh-runbook';
import {
  bundleFile,
  CA_CHAIN,
  DASHBOARD_CERTS,
  DASHBOARD_HOME,
  dashboardYml,
  INDEXER_CERTS,
  INDEXER_CONF,
  internalUsersTemplate,
  livenessScript,
  MANAGER_CERTS,
  opensearchYml,
  ossecConf,
  SCRIPTS_DIR,
  SECRETS_DIR,
  SecretEnv,
  startScript,
} from './wazuh-config';

export const WAZUH_UID = 1000;

/**
 * Hosts the managers download threat intelligence from (conformance/facts/wazuh.ts): the CTI API, the
 * snapshot the API's `last_snapshot_link` points to on first run (an S3 bucket, path-style, in the content
 * manager's own documentation at v4.14.1), and packages.wazuh.com.
 */
export const WAZUH_FEED_HOSTS = ['cti.wazuh.com', 's3.us-east-1.amazonaws.com', 'packages.wazuh.com'] as const;

/**
 * The Vault files of one identity: its certificate and key in one bundle issued with pkiCert (reused while
 * valid, so neither the sidecar's start nor a re-login issues a new one), split by the start script.
 */
function certBundle(ctx: StackContext, prefix: string, cn: string, alt: readonly string[], pki?: PkiOptions): VaultSecret {
  return pkiBundleSecret(ctx.site, bundleFile(prefix), { commonName: cn, altNames: alt, ...pki });
}

/** Pod annotation value that changes with the scripts and files a pod reads, so an edit rolls it. */
const sha256 = (o: unknown) => createHash('sha256').update(JSON.stringify(o)).digest('hex');

export class Wazuh extends Construct {
  readonly indexer: Workload;
  readonly master: Workload;
  readonly worker: Workload;
  readonly dashboard: Workload;

  constructor(scope: Construct, id: string, ctx: StackContext) {
    super(scope, id);
    const site = ctx.site;
    const cfg = site.workloads.wazuh;
    const ns = site.namespaces.security;
    const version = cfg.version ?? IMAGES.wazuhManager.tag;
    const svc = (name: string) => `${name}.${ns}.svc`;
    const secret = kvPath(site, 'security/wazuh');
    const labels = { 'app.kubernetes.io/part-of': 'wazuh', 'app.kubernetes.io/managed-by': 'cdk8s' };
    const indexerUrl = `https://${svc('wazuh-indexer')}:9200`;
    /** Each credential in its own file, exactly as stored (checked by the start scripts, never sourced). */
    const secretFile = (e: SecretEnv): VaultSecret => kvValueSecret(e.secret.key, secret, e.secret.key);
    const live = (port: number) => ({ exec: { command: ['/bin/bash', `${SCRIPTS_DIR}/live.sh`, String(port)] } });
    const start = (script: string) => ['/bin/bash', `${SCRIPTS_DIR}/${script}`];
    const scriptsMount = { volume: 'scripts', path: SCRIPTS_DIR, readOnly: true };
    const scriptsVolume: k8s.Volume = { name: 'scripts', configMap: { name: 'wazuh-scripts', defaultMode: 0o444 } };

    // --- credentials each container reads --------------------------------------------------------------------
    const api: SecretEnv[] = [
      { env: 'API_USERNAME', secret: WAZUH_SECRETS.apiUser },
      { env: 'API_PASSWORD', secret: WAZUH_SECRETS.apiPassword },
    ];
    // Only the master serves the API and enrollment: upstream's worker StatefulSet sets neither the API user
    // (the image's init would create it) nor an authd password (wazuh-kubernetes wazuh-worker-sts.yaml).
    const managerSecrets = (role: 'master' | 'worker'): SecretEnv[] => [
      { env: 'INDEXER_USERNAME', secret: WAZUH_SECRETS.indexerUser },
      { env: 'INDEXER_PASSWORD', secret: WAZUH_SECRETS.indexerPassword },
      ...(role === 'master' ? api : []),
      { env: 'WAZUH_CLUSTER_KEY', secret: WAZUH_SECRETS.clusterKey },
      ...(role === 'master' ? [{ secret: WAZUH_SECRETS.authdPassword }] : []),
    ];
    // Checked only (the template renders them into internal_users.yml): a missing or malformed hash would be
    // written once into the security index.
    const indexerSecrets: SecretEnv[] = [{ secret: WAZUH_SECRETS.adminHash }, { secret: WAZUH_SECRETS.dashboardHash }];
    const dashboardSecrets: SecretEnv[] = [
      { env: 'DASHBOARD_USERNAME', secret: WAZUH_SECRETS.dashboardUser },
      { env: 'DASHBOARD_PASSWORD', secret: WAZUH_SECRETS.dashboardPassword },
      ...api,
    ];

    // --- scripts and configuration files ----------------------------------------------------------------------
    const scripts = {
      'indexer-start.sh': startScript({
        what: 'Wazuh indexer',
        secrets: indexerSecrets,
        certs: INDEXER_CERTS,
        bundles: ['node', 'admin'],
        // OpenSearch reads the security configuration from config/opensearch-security/; only internal_users.yml
        // is ours (the other files of that folder stay the image's), so it is copied, not mounted over.
        before: [`install -m 0600 ${sh(`${SECRETS_DIR}/internal_users.yml`)} ${sh(`${INDEXER_CONF}/opensearch-security/internal_users.yml`)}`],
        exec: ['/entrypoint.sh', 'opensearchwrapper'],
      }),
      'master-start.sh': startScript({
        what: 'Wazuh manager master',
        secrets: managerSecrets('master'),
        certs: MANAGER_CERTS,
        bundles: ['filebeat'],
        // 0-wazuh-init copies /wazuh-config-mount/* over /var/ossec after installing the permanent data.
        before: [`install -D -m 0640 ${sh(`${SECRETS_DIR}/${WAZUH_SECRETS.authdPassword.key}`)} ${sh('/wazuh-config-mount/etc/authd.pass')}`],
        exec: ['/init'],
      }),
      'worker-start.sh': startScript({ what: 'Wazuh manager worker', secrets: managerSecrets('worker'), certs: MANAGER_CERTS, bundles: ['filebeat'], exec: ['/init'] }),
      'dashboard-start.sh': startScript({ what: 'Wazuh dashboard', secrets: dashboardSecrets, certs: DASHBOARD_CERTS, bundles: ['dashboard'], exec: ['/entrypoint.sh'] }),
      'live.sh': livenessScript(),
    };
    new k8s.KubeConfigMap(this, 'scripts', { metadata: { name: 'wazuh-scripts', namespace: ns, labels }, data: scripts });

    // --- indexer ------------------------------------------------------------------------------------------
    const nodeCn = svc('wazuh-indexer');
    const adminCn = `admin.${svc('wazuh-indexer')}`;
    const indexerConfig = {
      'opensearch.yml': opensearchYml({ namespace: ns, replicas: cfg.indexer.replicas, headless: 'wazuh-indexer-headless', nodeDn: `CN=${nodeCn}`, adminDn: `CN=${adminCn}` }),
    };
    new k8s.KubeConfigMap(this, 'indexer-config', { metadata: { name: 'wazuh-indexer-config', namespace: ns, labels }, data: indexerConfig });
    // OpenSearch's security plugin and securityadmin.sh read PKCS#8 keys only.
    const pkcs8: PkiOptions = { privateKeyFormat: 'pkcs8' };
    this.indexer = new Workload(this, 'indexer', ctx, {
      name: 'wazuh-indexer',
      namespace: ns,
      partOf: 'wazuh',
      component: 'indexer',
      version,
      kind: 'StatefulSet',
      replicas: cfg.indexer.replicas,
      podManagementPolicy: 'Parallel',
      user: { uid: WAZUH_UID, gid: WAZUH_UID },
      podAnnotations: { 'domus.dev/config-sha256': sha256([scripts['indexer-start.sh'], scripts['live.sh'], indexerConfig]) },
      containers: [
        {
          name: 'wazuh-indexer',
          image: imageOf('wazuhIndexer', cfg.version),
          command: start('indexer-start.sh'),
          env: { OPENSEARCH_JAVA_OPTS: `-Xms${cfg.indexer.heap} -Xmx${cfg.indexer.heap}`, DISABLE_INSTALL_DEMO_CONFIG: 'true' },
          envFromField: { NODE_NAME: 'metadata.name' },
          ports: [
            { name: 'indexer-rest', port: 9200 },
            { name: 'indexer-nodes', port: 9300 },
          ],
          resources: cfg.indexer.resources,
          readiness: { tcp: { port: 'indexer-rest' }, initialDelaySeconds: 30 },
          liveness: { ...live(9200), initialDelaySeconds: 120, failureThreshold: 10 },
          mounts: [
            // The entrypoint exports OPENSEARCH_PATH_CONF=<home>/config: the file goes there, beside the image's others.
            { volume: 'config', path: `${INDEXER_CONF}/opensearch.yml`, subPath: 'opensearch.yml', readOnly: true },
            { volume: 'data', path: '/var/lib/wazuh-indexer' },
            scriptsMount,
          ],
          // The certificates folder replaces the image's demo certificates; the start script fills it from Vault.
          writable: ['/tmp', '/var/log/wazuh-indexer', INDEXER_CERTS],
          security: { reason: 'OpenSearch writes its keystore and plugin state into its install directory at start', readOnlyRootFilesystem: false },
        },
      ],
      volumes: [{ name: 'config', configMap: { name: 'wazuh-indexer-config' } }, scriptsVolume],
      claims: [{ name: 'data', size: cfg.indexer.storage }],
      service: { headless: true },
      vault: {
        // Replaces the image's demo certificates folder (config/certs) as a whole.
        volumePath: SECRETS_DIR,
        secrets: [
          certBundle(ctx, 'node', nodeCn, [], pkcs8),
          certBundle(ctx, 'admin', adminCn, [], pkcs8),
          pkiChainSecret(ctx.site, CA_CHAIN),
          ...indexerSecrets.map(secretFile),
          kvTemplateSecret('internal_users.yml', secret, [WAZUH_SECRETS.adminHash.key, WAZUH_SECRETS.dashboardHash.key], internalUsersTemplate(secret), {
            errorOnMissingKey: true,
          }),
        ],
      },
    });
    this.indexer.connect(this.indexer.endpoint('indexer-nodes'), 'indexer nodes form a cluster');

    // --- managers -------------------------------------------------------------------------------------------
    const masterHost = `wazuh-manager-master-0.wazuh-manager-master-headless.${ns}.svc`;
    const managerConfig = {
      'master.conf': ossecConf({ role: 'master', clusterName: site.cluster.name, masterHost, indexerUrl, vulnerabilityDetection: cfg.feedHosts.length > 0 }),
      'worker.conf': ossecConf({ role: 'worker', clusterName: site.cluster.name, masterHost, indexerUrl, vulnerabilityDetection: cfg.feedHosts.length > 0 }),
    };
    new k8s.KubeConfigMap(this, 'manager-config', { metadata: { name: 'wazuh-manager-config', namespace: ns, labels }, data: managerConfig });
    const manager = (role: 'master' | 'worker'): Workload => {
      const c = role === 'master' ? cfg.master : cfg.worker;
      const name = `wazuh-manager-${role}`;
      return new Workload(this, role, ctx, {
        name,
        namespace: ns,
        partOf: 'wazuh',
        component: `manager-${role}`,
        version,
        kind: 'StatefulSet',
        replicas: c.replicas,
        podManagementPolicy: 'Parallel',
        user: { uid: 0, gid: 0, fsGroup: 101 },
        podAnnotations: { 'domus.dev/config-sha256': sha256([scripts[`${role}-start.sh`], scripts['live.sh'], managerConfig[`${role}.conf`]]) },
        containers: [
          {
            name: 'wazuh-manager',
            image: imageOf('wazuhManager', cfg.version),
            command: start(`${role}-start.sh`),
            env: {
              INDEXER_URL: indexerUrl,
              FILEBEAT_SSL_VERIFICATION_MODE: 'full',
              SSL_CERTIFICATE_AUTHORITIES: `${MANAGER_CERTS}/root-ca.pem`,
              SSL_CERTIFICATE: `${MANAGER_CERTS}/filebeat.pem`,
              SSL_KEY: `${MANAGER_CERTS}/filebeat-key.pem`,
            },
            // Only the master listens on the cluster port; workers connect to it and serve agents' events.
            ports:
              role === 'master'
                ? [
                    { name: 'registration', port: 1515 },
                    { name: 'cluster', port: 1516 },
                    { name: 'api', port: 55000 },
                  ]
                : [{ name: 'agents-events', port: 1514 }],
            resources: c.resources,
            readiness: { tcp: { port: role === 'master' ? 'api' : 'agents-events' }, initialDelaySeconds: 60 },
            liveness: { ...live(role === 'master' ? 1516 : 1514), initialDelaySeconds: 120, failureThreshold: 10 },
            mounts: [
              { volume: 'config', path: '/wazuh-config-mount/etc/ossec.conf', subPath: `${role}.conf`, readOnly: true },
              scriptsMount,
              ...[
                'var/ossec/api/configuration',
                'var/ossec/etc',
                'var/ossec/logs',
                'var/ossec/queue',
                'var/ossec/var/multigroups',
                'var/ossec/integrations',
                'var/ossec/active-response/bin',
                'var/ossec/agentless',
                'var/ossec/wodles',
                'etc/filebeat',
                'var/lib/filebeat',
              ].map((p) => ({ volume: 'data', path: `/${p}`, subPath: p.replace(/\//g, '-') })),
            ],
            // Filebeat's certificate files, written by the start script from the Vault bundle.
            writable: [MANAGER_CERTS],
            security: {
              reason: 'the Wazuh manager image runs s6 as root and drops to its own users, chrooting daemons (baseline capabilities only)',
              runAsUser: 0,
              runAsGroup: 0,
              runAsNonRoot: false,
              readOnlyRootFilesystem: false,
              addCapabilities: ['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'SETGID', 'SETUID', 'SYS_CHROOT', 'KILL'],
            },
          },
        ],
        volumes: [{ name: 'config', configMap: { name: 'wazuh-manager-config' } }, scriptsVolume],
        claims: [{ name: 'data', size: c.storage }],
        vault: {
          containers: ['wazuh-manager'],
          volumePath: SECRETS_DIR,
          secrets: [...managerSecrets(role).map(secretFile), certBundle(ctx, 'filebeat', svc(name), []), pkiChainSecret(ctx.site, CA_CHAIN)],
        },
      });
    };
    this.master = manager('master');
    this.worker = manager('worker');
    for (const m of [this.master, this.worker]) m.connect(this.indexer.endpoint('indexer-rest'), `${m.name} ships alerts to the indexer (Filebeat)`);
    this.worker.connect(this.master.endpoint('cluster'), 'workers join the manager cluster');
    if (cfg.feedHosts.length) {
      for (const m of [this.master, this.worker]) m.connectPorts(fqdns(cfg.feedHosts), [tcp(443)], `${m.name} downloads CTI and vulnerability feeds`);
    }

    // Agents outside the cluster: enrollment (master 1515) and events (workers 1514), on their own LB Services
    // sharing one address (different ports); admitted along the provider's path only (constructs/lib/loadbalancer.ts).
    const agentService = (name: string, target: Workload, port: string, number: number) => {
      const plan = loadBalancerPlan(site, { name, namespace: ns, ip: lbAddresses(site).wazuh, sharingKey: 'wazuh-agents' });
      new k8s.KubeService(this, `lb-${name}`, {
        metadata: { name, namespace: ns, labels: target.labels, ...(Object.keys(plan.annotations).length ? { annotations: { ...plan.annotations } } : {}) },
        spec: {
          type: 'LoadBalancer',
          externalTrafficPolicy: plan.externalTrafficPolicy,
          selector: { 'app.kubernetes.io/name': target.name },
          ports: [{ name: port, port: number, targetPort: k8s.IntOrString.fromString(port), protocol: 'TCP' }],
        },
      });
      admitLoadBalancer(ctx, target, plan, [port]);
    };
    agentService('wazuh-enrollment', this.master, 'registration', 1515);
    agentService('wazuh-events', this.worker, 'agents-events', 1514);

    // --- dashboard --------------------------------------------------------------------------------------------
    const dashboardConfig = { 'opensearch_dashboards.yml': dashboardYml(indexerUrl) };
    new k8s.KubeConfigMap(this, 'dashboard-config', { metadata: { name: 'wazuh-dashboard-config', namespace: ns, labels }, data: dashboardConfig });
    this.dashboard = new Workload(this, 'dashboard', ctx, {
      name: 'wazuh-dashboard',
      namespace: ns,
      partOf: 'wazuh',
      component: 'dashboard',
      version,
      kind: 'Deployment',
      replicas: cfg.dashboard.replicas,
      user: { uid: WAZUH_UID, gid: WAZUH_UID },
      podAnnotations: { 'domus.dev/config-sha256': sha256([scripts['dashboard-start.sh'], scripts['live.sh'], dashboardConfig]) },
      containers: [
        {
          name: 'wazuh-dashboard',
          image: imageOf('wazuhDashboard', cfg.version),
          command: start('dashboard-start.sh'),
          env: { WAZUH_API_URL: `https://${masterHost}` },
          ports: [{ name: 'dashboard', port: DASHBOARD_HTTPS.podPort, servicePort: DASHBOARD_HTTPS.servicePort }],
          resources: cfg.dashboard.resources,
          readiness: { tcp: { port: 'dashboard' }, initialDelaySeconds: 30 },
          liveness: { ...live(5601), initialDelaySeconds: 120, failureThreshold: 10 },
          mounts: [{ volume: 'config', path: `${DASHBOARD_HOME}/config/opensearch_dashboards.yml`, subPath: 'opensearch_dashboards.yml', readOnly: true }, scriptsMount],
          writable: ['/tmp', DASHBOARD_CERTS],
          security: { reason: 'the dashboard writes its keystore and optimized bundles into its install directory at start', readOnlyRootFilesystem: false },
        },
      ],
      volumes: [{ name: 'config', configMap: { name: 'wazuh-dashboard-config' } }, scriptsVolume],
      vault: {
        volumePath: SECRETS_DIR,
        secrets: [certBundle(ctx, 'dashboard', svc('wazuh-dashboard'), [ctx.host('wazuh')]), pkiChainSecret(ctx.site, CA_CHAIN), ...dashboardSecrets.map(secretFile)],
      },
    });
    this.dashboard.connect(this.indexer.endpoint('indexer-rest'), 'the dashboard queries the indexer');
    this.dashboard.connect(this.master.endpoint('api'), 'the dashboard calls the Wazuh API');

    // The dashboard only serves HTTPS (Vault-issued certificate): Traefik's file provider routes it
    // (wazuhApp.fileRoutes) and verifies it with the PKI CA against the Service name; only Traefik may open it.
  }
}

/**
 * `site.workloads.wazuh`. Its credentials live in Vault KV `<kvMount>/security/wazuh`, outside this file; what each key may
 * contain (cluster key: exactly 32 letters/digits; API password: the Wazuh API policy) is in
 * config/wazuh-secrets.ts, checked by the containers at start and listed in docs/runbook.md.
 */
export const wazuhSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    version: imageTag.optional(),
    indexer: z
      .strictObject({
        ...statefulComponent({ resources: res('500m', '1536Mi', '2Gi'), storage: '20Gi' }),
        /** JVM heap (-Xms/-Xmx); must leave room below the memory limit. */
        heap: z
          .string()
          .regex(/^[1-9]\d*[mg]$/, { message: 'a JVM heap size such as "1g" or "768m"' })
          .default('1g'),
      })
      .prefault({}),
    master: z.strictObject(statefulComponent({ resources: res('200m', '512Mi', '1Gi'), storage: '5Gi' })).prefault({}),
    worker: z.strictObject(statefulComponent({ resources: res('200m', '512Mi', '1Gi'), storage: '5Gi' })).prefault({}),
    dashboard: z.strictObject(component({ resources: res('100m', '512Mi', '1Gi') })).prefault({}),
    /** FQDNs the managers may download CTI/vulnerability feeds from; empty = feeds off. */
    feedHosts: z.array(domainName).default([...WAZUH_FEED_HOSTS]),
  })
  .prefault({});

/** The dashboard's HTTPS port and its Service port. */
const DASHBOARD_HTTPS = { podPort: 5601, servicePort: 443 } as const;

/** The Wazuh dashboard, routed by Traefik's file provider over HTTPS verified with the PKI CA (its certificate names the Service). */
export function wazuhDashboardRoute(site: Site): FileRoute {
  const ns = site.namespaces.security;
  return {
    subdomain: 'wazuh',
    peer: workloadPeer(ns, 'wazuh-dashboard'),
    service: 'wazuh-dashboard',
    ...DASHBOARD_HTTPS,
    tlsServerName: `wazuh-dashboard.${ns}.svc`,
    exposure: { audience: 'lan', exposes: "Wazuh dashboard; login against the indexer's internal users" },
  };
}

/** Wazuh (indexer, managers, dashboard): chart `security`. */
declare module '../config/schema' {
  /** `site.workloads.wazuh`, typed by this file's schema (config/schema.ts SiteWorkloads). */
  interface SiteWorkloads {
    readonly wazuh: z.output<typeof wazuhSchema>;
  }
}

export const wazuhApp = defineApp({
  key: 'wazuh',
  schema: wazuhSchema,
  replicated: [
    ['indexer', 'replicas'],
    ['worker', 'replicas'],
    ['dashboard', 'replicas'],
  ],
  singletons: [['master', 'replicas']],
  siteIssues: (site) => {
    const w = site.workloads.wazuh.indexer;
    const heapMi = w.heap.endsWith('g') ? parseInt(w.heap, 10) * 1024 : parseInt(w.heap, 10);
    return heapMi * 2 > toMi(w.resources.limits.memory)
      ? [{ path: ['indexer', 'heap'], value: w.heap, message: `at most half of the indexer memory limit (${w.resources.limits.memory}), so the JVM off-heap memory fits` }]
      : [];
  },
  namespace: {
    key: 'security',
    podSecurity: 'baseline',
    reason: 'the Wazuh manager image runs its s6 supervisor as root and needs SYS_CHROOT (allowed by baseline, not by restricted)',
  },
  chart: 'security',
  wave: -1,
  images: ['wazuhManager', 'wazuhIndexer', 'wazuhDashboard'],
  enabled: (site) => site.workloads.wazuh.enabled,
  routed: false,
  fileRoutes: (site) => [wazuhDashboardRoute(site)],
  build: (chart, ctx) => {
    new Wazuh(chart, 'wazuh', ctx);
  },
  dashboards: (site) => {
    const ns = site.namespaces;
    return [
      {
        uid: 'domus-wazuh',
        title: 'Wazuh',
        panels: [
          { title: 'CPU by component', expr: `sum by (pod) (rate(container_cpu_usage_seconds_total{namespace="${ns.security}", container!=""}[5m]))` },
          { title: 'Memory by component', expr: `sum by (pod) (container_memory_working_set_bytes{namespace="${ns.security}", container!=""})`, unit: 'bytes' },
          {
            title: 'Container restarts (1h)',
            expr: `count by (pod, container) (count_over_time(container_start_time_seconds{namespace="${ns.security}", container=~"wazuh-.*"}[1h])) - 1`,
          },
          { title: 'Network received by component', expr: `sum by (pod) (rate(container_network_receive_bytes_total{namespace="${ns.security}"}[5m]))`, unit: 'Bps' },
        ],
      },
    ];
  },
  alerts: (site) => [
    // Wazuh 4.14 has no Prometheus endpoint (the manager API has none; the indexer is OpenSearch without an
    // exporter plugin), so there is no scrape job and no `up`; its pods' cAdvisor series are the signal.
    // kube-state-metrics' restart counter when it runs; else cAdvisor's container instances (a restart is a new
    // one). Over a day, not an hour: a container that restarts on a schedule (every few hours, e.g. certificates
    // reloaded at every Vault re-login) is as wrong as a crash loop, and only a day's window sees it.
    alertRule(
      'WazuhRestarting',
      site.workloads.kubeStateMetrics.enabled
        ? `sum by (pod, container) (increase(kube_pod_container_status_restarts_total{namespace="${site.namespaces.security}", container=~"wazuh-.*"}[1d])) > 2`
        : `count by (pod, container) (count_over_time(container_start_time_seconds{namespace="${site.namespaces.security}", container=~"wazuh-.*"}[1d])) > 3`,
      '0m',
      'warning',
      'Wazuh {{ $labels.pod }}/{{ $labels.container }} restarted more than twice in a day',
      'Wazuh exposes no metrics endpoint; restarts are the available signal. Expected: one restart per certificate renewal (about every 27 days with 720h certificates).',
    ),
  ],
  runbook: (site) => wazuhRunbook(site),
  mustDeny: [
    { from: 'monitoring/grafana', to: 'security/wazuh-indexer', port: 9200, why: 'Wazuh data stays with Wazuh' },
    { from: '*', to: 'security/wazuh-indexer', port: 9200, exceptNamespace: 'security', why: 'only Wazuh reaches its indexer' },
    { from: '*', to: 'security/wazuh-indexer', port: 9300, exceptNamespace: 'security', why: 'indexer transport is Wazuh-internal' },
    { from: 'security/wazuh-dashboard', to: 'security/wazuh-manager-master', port: 1516, why: 'the dashboard uses the API (55000), not the cluster port' },
    { from: 'world', to: 'security/wazuh-manager-master', port: 55000, why: 'the Wazuh API is internal' },
    { from: 'world', to: 'security/wazuh-manager-master', port: 1516, why: 'the manager cluster port is Wazuh-internal; agents use 1514/1515 only' },
  ],
});
