/**
 * Wazuh (namespace `security`): indexer (OpenSearch) StatefulSet, manager master and worker StatefulSets,
 * dashboard Deployment. Every certificate comes from Vault PKI and every credential from Vault KV, rendered
 * by the agent into the files the components read; the manager configuration is rendered from the site with
 * the cluster key filled in at runtime. Nothing secret is in git (docs/adr/0040-wazuh.md).
 *
 * Pod Security: indexer and dashboard run as UID 1000 (restricted profile). The manager image starts s6 as
 * root and chroots its daemons, so it keeps root with a minimal, baseline-allowed capability set; that is
 * why the `security` namespace enforces `baseline` (reason on the Namespace). `vm.max_map_count` for the
 * indexer is a node sysctl written by the bootstrap, not a privileged init container.
 */
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { imageOf, IMAGES } from '../config/versions';
import { StackContext } from './lib/context';
import { httpsRoute } from './lib/ingress';
import { entity, fqdns, tcp } from './lib/network';
import { goString, templateText, xml, yaml } from './lib/quote';
import { kvEnvTemplate, kvPath, pkiTemplate, VaultSecret } from './lib/vault';
import { Workload } from './lib/workload';
import { ServersTransport } from '../imports/traefik-serverstransport-traefik.io';

export const WAZUH_UID = 1000;
const INDEXER_HOME = '/usr/share/wazuh-indexer';
const DASHBOARD_HOME = '/usr/share/wazuh-dashboard';

/** Certificate + key + CA files for one identity, from one PKI issue. */
function certFiles(ctx: StackContext, prefix: string, cn: string, alt: readonly string[], volumePath?: string): VaultSecret[] {
  const site = ctx.site;
  const path = `${site.vault.pkiMount}/issue/${site.vault.pkiRole}`;
  const file = (name: string, field: 'certificate' | 'private_key' | 'issuing_ca'): VaultSecret => ({
    name,
    path,
    capability: 'update',
    template: pkiTemplate(site, cn, alt, field),
    ...(volumePath ? { volumePath } : {}),
  });
  return [file(`${prefix}.pem`, 'certificate'), file(`${prefix}-key.pem`, 'private_key'), file(`${prefix === 'admin' ? 'admin-' : ''}root-ca.pem`, 'issuing_ca')];
}

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

    // --- indexer ------------------------------------------------------------------------------------------
    const certsDir = `${INDEXER_HOME}/certs`;
    const indexerNodes = Array.from({ length: cfg.indexer.replicas }, (_, i) => `wazuh-indexer-${i}`);
    const opensearchYml = [
      'cluster.name: wazuh',
      'network.host: 0.0.0.0',
      'node.name: ${NODE_NAME}',
      `discovery.seed_hosts: ${yaml(`wazuh-indexer-headless.${ns}.svc`)}`,
      `cluster.initial_cluster_manager_nodes: [${indexerNodes.join(', ')}]`,
      'path.data: /var/lib/wazuh-indexer',
      'path.logs: /var/log/wazuh-indexer',
      'plugins.security.ssl.http.enabled: true',
      `plugins.security.ssl.http.pemcert_filepath: ${certsDir}/node.pem`,
      `plugins.security.ssl.http.pemkey_filepath: ${certsDir}/node-key.pem`,
      `plugins.security.ssl.http.pemtrustedcas_filepath: ${certsDir}/root-ca.pem`,
      `plugins.security.ssl.transport.pemcert_filepath: ${certsDir}/node.pem`,
      `plugins.security.ssl.transport.pemkey_filepath: ${certsDir}/node-key.pem`,
      `plugins.security.ssl.transport.pemtrustedcas_filepath: ${certsDir}/root-ca.pem`,
      'plugins.security.ssl.transport.enforce_hostname_verification: false',
      'plugins.security.authcz.admin_dn: ["CN=admin"]',
      `plugins.security.nodes_dn: ["CN=wazuh-indexer"]`,
      'plugins.security.allow_default_init_securityindex: true',
      'plugins.security.restapi.roles_enabled: ["all_access", "security_rest_api_access"]',
      'plugins.security.system_indices.enabled: true',
      'compatibility.override_main_response_version: true',
      '',
    ].join('\n');
    // internal_users.yml with the bcrypt hashes kept in Vault (keys admin_hash, kibanaserver_hash).
    const internalUsers = [
      `{{- with secret "${secret}" -}}`,
      '_meta:',
      '  type: "internalusers"',
      '  config_version: 2',
      'admin:',
      '  hash: "{{ .Data.data.admin_hash }}"',
      '  reserved: true',
      '  backend_roles: ["admin"]',
      'kibanaserver:',
      '  hash: "{{ .Data.data.kibanaserver_hash }}"',
      '  reserved: true',
      '{{- end }}',
    ].join('\n');
    new k8s.KubeConfigMap(this, 'indexer-config', { metadata: { name: 'wazuh-indexer-config', namespace: ns, labels }, data: { 'opensearch.yml': opensearchYml } });
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
      containers: [
        {
          name: 'wazuh-indexer',
          image: imageOf('wazuhIndexer', cfg.version),
          env: { OPENSEARCH_JAVA_OPTS: `-Xms${cfg.indexer.heap} -Xmx${cfg.indexer.heap}`, DISABLE_INSTALL_DEMO_CONFIG: 'true', OPENSEARCH_PATH_CONF: `${INDEXER_HOME}` },
          envFromField: { NODE_NAME: 'metadata.name' },
          ports: [
            { name: 'indexer-rest', port: 9200 },
            { name: 'indexer-nodes', port: 9300 },
          ],
          resources: cfg.indexer.resources,
          readiness: { tcp: { port: 'indexer-rest' }, initialDelaySeconds: 30 },
          liveness: { tcp: { port: 'indexer-rest' }, initialDelaySeconds: 120, failureThreshold: 10 },
          mounts: [
            { volume: 'config', path: `${INDEXER_HOME}/opensearch.yml`, subPath: 'opensearch.yml', readOnly: true },
            { volume: 'data', path: '/var/lib/wazuh-indexer' },
          ],
          writable: ['/tmp', '/var/log/wazuh-indexer'],
          security: { reason: 'OpenSearch writes its keystore and plugin state into its install directory at start', readOnlyRootFilesystem: false },
        },
      ],
      volumes: [{ name: 'config', configMap: { name: 'wazuh-indexer-config' } }],
      claims: [{ name: 'data', size: cfg.indexer.storage }],
      service: { headless: true },
      vault: {
        volumePath: certsDir,
        secrets: [
          ...certFiles(ctx, 'node', 'wazuh-indexer', ['wazuh-indexer', svc('wazuh-indexer'), `*.wazuh-indexer-headless.${ns}.svc`]),
          ...certFiles(ctx, 'admin', 'admin', []),
          { name: 'internal_users.yml', path: secret, template: internalUsers },
        ],
      },
    });
    this.indexer.connect(this.indexer.endpoint('indexer-nodes'), 'indexer nodes form a cluster');

    // --- managers -------------------------------------------------------------------------------------------
    const ossecConf = (role: 'master' | 'worker') =>
      [
        '<ossec_config>',
        '  <global><jsonout_output>yes</jsonout_output><alerts_log>yes</alerts_log><logall>no</logall></global>',
        '  <remote><connection>secure</connection><port>1514</port><protocol>tcp</protocol></remote>',
        `  <auth><disabled>${role === 'master' ? 'no' : 'yes'}</disabled><port>1515</port><use_password>yes</use_password><ssl_verify_host>no</ssl_verify_host></auth>`,
        '  <cluster>',
        `    <name>${templateText(xml(site.cluster.name))}</name>`,
        `    <node_name>${role === 'master' ? 'wazuh-manager-master' : '${HOSTNAME}'}</node_name>`,
        `    <node_type>${role}</node_type>`,
        `    <key>{{- with secret ${goString(secret)} -}}{{ .Data.data.cluster_key }}{{- end }}</key>`,
        '    <port>1516</port>',
        '    <bind_addr>0.0.0.0</bind_addr>',
        `    <nodes><node>${templateText(xml(`wazuh-manager-master-0.wazuh-manager-master-headless.${ns}.svc`))}</node></nodes>`,
        '    <hidden>no</hidden>',
        '    <disabled>no</disabled>',
        '  </cluster>',
        `  <vulnerability-detection><enabled>${cfg.feedHosts.length ? 'yes' : 'no'}</enabled><feed-update-interval>60m</feed-update-interval></vulnerability-detection>`,
        '  <indexer><enabled>yes</enabled>',
        `    <hosts><host>${templateText(xml(`https://wazuh-indexer.${ns}.svc:9200`))}</host></hosts>`,
        '    <ssl><certificate_authorities><ca>/etc/ssl/wazuh/root-ca.pem</ca></certificate_authorities>',
        '      <certificate>/etc/ssl/wazuh/filebeat.pem</certificate><key>/etc/ssl/wazuh/filebeat-key.pem</key></ssl>',
        '  </indexer>',
        '</ossec_config>',
        '',
      ].join('\n');
    const managerEnv = kvEnvTemplate(secret, { INDEXER_USERNAME: 'indexer_user', INDEXER_PASSWORD: 'indexer_password', API_USERNAME: 'api_user', API_PASSWORD: 'api_password' });
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
        containers: [
          {
            name: 'wazuh-manager',
            image: imageOf('wazuhManager', cfg.version),
            // The env file holds the indexer and API credentials; it is sourced, never written into the spec.
            command: ['/bin/sh', '-c', 'set -a; . /vault/env/manager.env; set +a; exec /init'],
            env: {
              INDEXER_URL: `https://wazuh-indexer.${ns}.svc:9200`,
              FILEBEAT_SSL_VERIFICATION_MODE: 'full',
              SSL_CERTIFICATE_AUTHORITIES: '/etc/ssl/wazuh/root-ca.pem',
              SSL_CERTIFICATE: '/etc/ssl/wazuh/filebeat.pem',
              SSL_KEY: '/etc/ssl/wazuh/filebeat-key.pem',
            },
            ports:
              role === 'master'
                ? [
                    { name: 'registration', port: 1515 },
                    { name: 'cluster', port: 1516 },
                    { name: 'api', port: 55000 },
                  ]
                : [
                    { name: 'agents-events', port: 1514 },
                    { name: 'cluster', port: 1516 },
                  ],
            resources: c.resources,
            readiness: { tcp: { port: role === 'master' ? 'api' : 'agents-events' }, initialDelaySeconds: 60 },
            liveness: { tcp: { port: 'cluster' }, initialDelaySeconds: 120, failureThreshold: 10 },
            mounts: [
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
        claims: [{ name: 'data', size: c.storage }],
        vault: {
          containers: ['wazuh-manager'],
          volumePath: '/wazuh-config-mount/etc',
          secrets: [
            { name: 'ossec.conf', path: secret, template: ossecConf(role), perms: '0440' },
            { name: 'authd.pass', path: secret, template: `{{- with secret ${goString(secret)} -}}{{ .Data.data.authd_password }}{{- end }}` },
            { name: 'manager.env', path: secret, template: managerEnv, volumePath: '/vault/env' },
            ...certFiles(ctx, 'filebeat', name, [svc(name)], '/etc/ssl/wazuh'),
          ],
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

    // Agents outside the cluster: enrollment (master 1515) and events (workers 1514), on their own LB Services.
    const agentService = (name: string, target: Workload, port: string, number: number) =>
      new k8s.KubeService(this, `lb-${name}`, {
        metadata: { name, namespace: ns, labels: target.labels, ...(site.loadBalancer.provider === 'cilium' && site.loadBalancer.wazuhIp ? { annotations: { 'io.cilium/lb-ipam-ips': site.loadBalancer.wazuhIp } } : {}) },
        spec: {
          type: 'LoadBalancer',
          externalTrafficPolicy: 'Local',
          ...(site.loadBalancer.wazuhIp ? { loadBalancerIP: site.loadBalancer.wazuhIp } : {}),
          selector: { 'app.kubernetes.io/name': target.name },
          ports: [{ name: port, port: number, targetPort: k8s.IntOrString.fromString(port), protocol: 'TCP' }],
        },
      });
    agentService('wazuh-enrollment', this.master, 'registration', 1515);
    agentService('wazuh-events', this.worker, 'agents-events', 1514);
    for (const e of ctx.multiNode ? (['world', 'host', 'remote-node'] as const) : (['world', 'host'] as const)) {
      this.master.allowFrom(entity(e), ['registration'], 'agents enroll (1515)');
      this.worker.allowFrom(entity(e), ['agents-events'], 'agents send events (1514)');
    }

    // --- dashboard --------------------------------------------------------------------------------------------
    const dashCerts = `${DASHBOARD_HOME}/certs`;
    const dashboardYml = [
      'server.host: 0.0.0.0',
      'server.port: 5601',
      'server.ssl.enabled: true',
      `server.ssl.certificate: ${dashCerts}/dashboard.pem`,
      `server.ssl.key: ${dashCerts}/dashboard-key.pem`,
      `opensearch.hosts: ${yaml(`https://wazuh-indexer.${ns}.svc:9200`)}`,
      'opensearch.ssl.verificationMode: certificate',
      `opensearch.ssl.certificateAuthorities: ["${dashCerts}/root-ca.pem"]`,
      'opensearch.requestHeadersWhitelist: ["securitytenant", "Authorization"]',
      'opensearch_security.multitenancy.enabled: false',
      'opensearch_security.readonly_mode.roles: ["kibana_read_only"]',
      'uiSettings.overrides.defaultRoute: /app/wz-home',
      '',
    ].join('\n');
    new k8s.KubeConfigMap(this, 'dashboard-config', { metadata: { name: 'wazuh-dashboard-config', namespace: ns, labels }, data: { 'opensearch_dashboards.yml': dashboardYml } });
    this.dashboard = new Workload(this, 'dashboard', ctx, {
      name: 'wazuh-dashboard',
      namespace: ns,
      partOf: 'wazuh',
      component: 'dashboard',
      version,
      kind: 'Deployment',
      replicas: cfg.dashboard.replicas,
      user: { uid: WAZUH_UID, gid: WAZUH_UID },
      containers: [
        {
          name: 'wazuh-dashboard',
          image: imageOf('wazuhDashboard', cfg.version),
          command: ['/bin/sh', '-c', 'set -a; . /vault/env/dashboard.env; set +a; exec /entrypoint.sh'],
          env: {
            INDEXER_URL: `https://wazuh-indexer.${ns}.svc:9200`,
            SERVER_SSL_ENABLED: 'true',
            WAZUH_API_URL: `https://wazuh-manager-master-0.wazuh-manager-master-headless.${ns}.svc`,
          },
          ports: [{ name: 'dashboard', port: 5601, servicePort: 443 }],
          resources: cfg.dashboard.resources,
          readiness: { tcp: { port: 'dashboard' }, initialDelaySeconds: 30 },
          liveness: { tcp: { port: 'dashboard' }, initialDelaySeconds: 120, failureThreshold: 10 },
          mounts: [{ volume: 'config', path: `${DASHBOARD_HOME}/config/opensearch_dashboards.yml`, subPath: 'opensearch_dashboards.yml', readOnly: true }],
          writable: ['/tmp'],
          security: { reason: 'the dashboard writes its keystore and optimized bundles into its install directory at start', readOnlyRootFilesystem: false },
        },
      ],
      volumes: [{ name: 'config', configMap: { name: 'wazuh-dashboard-config' } }],
      vault: {
        volumePath: dashCerts,
        secrets: [
          ...certFiles(ctx, 'dashboard', 'wazuh-dashboard', [svc('wazuh-dashboard'), ctx.host('wazuh')]),
          {
            name: 'dashboard.env',
            path: secret,
            template: kvEnvTemplate(secret, { DASHBOARD_USERNAME: 'kibanaserver_user', DASHBOARD_PASSWORD: 'kibanaserver_password', API_USERNAME: 'api_user', API_PASSWORD: 'api_password' }),
            volumePath: '/vault/env',
          },
        ],
      },
    });
    this.dashboard.connect(this.indexer.endpoint('indexer-rest'), 'the dashboard queries the indexer');
    this.dashboard.connect(this.master.endpoint('api'), 'the dashboard calls the Wazuh API');

    // The dashboard only serves HTTPS (Vault-issued certificate). Traefik does not hold the PKI CA, so the hop
    // is encrypted but not verified; only Traefik may open it (policy). docs/adr/0040-wazuh.md.
    new ServersTransport(this, 'transport', {
      metadata: { name: 'wazuh-dashboard', namespace: ns, labels },
      spec: { serverName: svc('wazuh-dashboard'), insecureSkipVerify: true },
    });
    httpsRoute(this, 'route', ctx, { subdomain: 'wazuh', backend: this.dashboard.endpoint('dashboard'), backendScheme: 'https', serversTransport: 'wazuh-dashboard' });
  }
}
