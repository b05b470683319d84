/**
 * Wazuh 4.14.1: what the three images (wazuh-docker build-docker-images) and the reference manifests
 * (wazuh-kubernetes) really do. Facts from entrypoints, cont-init scripts and Dockerfiles were read at the
 * wazuh-docker commit in conformance/upstream.ts (not mirrored in ../shared/upstream, so no check); facts from
 * manifests and config files are confirmed against the mirrored copies.
 */
import { factTable } from '../upstream';

type Doc = {
  spec?: { template?: { spec?: { containers?: { volumeMounts?: { mountPath: string }[]; ports?: { name?: string; containerPort: number }[]; env?: { name: string }[] }[] } } };
};
const container = (docs: readonly unknown[]) => (docs[0] as Doc).spec?.template?.spec?.containers?.[0];
const mountPaths = (docs: readonly unknown[]) => (container(docs)?.volumeMounts ?? []).map((m) => m.mountPath);
const ports = (docs: readonly unknown[]) => Object.fromEntries((container(docs)?.ports ?? []).map((p) => [p.name ?? String(p.containerPort), p.containerPort]));

const STS_INDEXER = 'wazuh/indexer_stack/wazuh-indexer/cluster/indexer-sts.yaml';
const IMG = 'build-docker-images';

export const WAZUH_FACTS = factTable('wazuh', {
  // --- indexer image -------------------------------------------------------------------------------------
  indexerUid: {
    fact: 'the wazuh-indexer image runs as user wazuh-indexer, UID and GID 1000',
    value: 1000,
    upstream: 'wazuh-docker',
    path: `${IMG}/wazuh-indexer/Dockerfile`,
  },
  indexerEntrypoint: {
    fact: 'the indexer image starts /entrypoint.sh with the placeholder argument "opensearchwrapper" (any other first argument is exec\'d instead of OpenSearch)',
    value: ['/entrypoint.sh', 'opensearchwrapper'],
    upstream: 'wazuh-docker',
    path: `${IMG}/wazuh-indexer/Dockerfile`,
  },
  indexerPathConf: {
    fact: 'the indexer entrypoint exports OPENSEARCH_PATH_CONF=${INSTALLATION_DIR}/config, overriding any value the pod sets: OpenSearch reads opensearch.yml, certs/ and opensearch-security/ from there',
    value: '/usr/share/wazuh-indexer/config',
    upstream: 'wazuh-docker',
    path: `${IMG}/wazuh-indexer/config/entrypoint.sh`,
  },
  indexerJavaHome: {
    fact: 'the indexer entrypoint sets JAVA_HOME to the bundled JDK (securityadmin.sh needs it)',
    value: '/usr/share/wazuh-indexer/jdk',
    upstream: 'wazuh-docker',
    path: `${IMG}/wazuh-indexer/config/entrypoint.sh`,
  },
  indexerSecurityAdmin: {
    fact: "the image's securityadmin.sh helper runs plugins/opensearch-security/tools/securityadmin.sh with -nhnv, the CA, the admin certificate and key, on port 9200, with -icl",
    value: '/usr/share/wazuh-indexer/plugins/opensearch-security/tools/securityadmin.sh',
    upstream: 'wazuh-docker',
    path: `${IMG}/wazuh-indexer/config/securityadmin.sh`,
  },
  indexerDemoCerts: {
    fact: 'the image ships demo certificates and a demo opensearch.yml in config/ (config.sh copies them at build time): a pod that mounts its files elsewhere runs the demo configuration',
    value: ['certs/indexer.pem', 'certs/indexer-key.pem', 'certs/root-ca.pem', 'certs/admin.pem', 'certs/admin-key.pem', 'opensearch.yml'],
    upstream: 'wazuh-docker',
    path: `${IMG}/wazuh-indexer/config/config.sh`,
  },
  // --- indexer manifests ---------------------------------------------------------------------------------
  indexerConfigMounts: {
    fact: "upstream mounts opensearch.yml, the certificates and internal_users.yml one file each under config/ (opensearch-security/ keeps the image's other files)",
    value: [
      '/usr/share/wazuh-indexer/config/certs/node-key.pem',
      '/usr/share/wazuh-indexer/config/certs/node.pem',
      '/usr/share/wazuh-indexer/config/certs/root-ca.pem',
      '/usr/share/wazuh-indexer/config/certs/admin.pem',
      '/usr/share/wazuh-indexer/config/certs/admin-key.pem',
      '/usr/share/wazuh-indexer/config/opensearch.yml',
      '/usr/share/wazuh-indexer/config/opensearch-security/internal_users.yml',
    ],
    upstream: 'wazuh-kubernetes',
    path: STS_INDEXER,
    check: { yaml: (docs) => mountPaths(docs).filter((p) => p.startsWith('/usr/share/wazuh-indexer/config/')) },
  },
  indexerData: {
    fact: 'the indexer keeps its data in /var/lib/wazuh-indexer (the claim mount)',
    value: '/var/lib/wazuh-indexer',
    upstream: 'wazuh-kubernetes',
    path: STS_INDEXER,
    check: { yaml: (docs) => mountPaths(docs).find((p) => p === '/var/lib/wazuh-indexer') },
  },
  indexerPorts: {
    fact: 'the indexer serves REST on 9200 and node transport on 9300',
    value: { 'indexer-rest': 9200, 'indexer-nodes': 9300 },
    upstream: 'wazuh-kubernetes',
    path: STS_INDEXER,
    check: { yaml: ports },
  },
  indexerDefaultInit: {
    fact: 'upstream lets the first node initialise the security index from config/opensearch-security/ (no securityadmin run needed on a new cluster)',
    value: 'plugins.security.allow_default_init_securityindex: true',
    upstream: 'wazuh-kubernetes',
    path: 'wazuh/indexer_stack/wazuh-indexer/indexer_conf/opensearch.yml',
    check: { contains: 'plugins.security.allow_default_init_securityindex: true' },
  },
  indexerTransportNames: {
    fact: 'upstream verifies transport peers by CA only (no hostname verification or resolution)',
    value: ['plugins.security.ssl.transport.enforce_hostname_verification: false', 'plugins.security.ssl.transport.resolve_hostname: false'],
    upstream: 'wazuh-kubernetes',
    path: 'wazuh/indexer_stack/wazuh-indexer/indexer_conf/opensearch.yml',
    check: { matches: /enforce_hostname_verification: false\nplugins\.security\.ssl\.transport\.resolve_hostname: false/ },
  },
  internalUsers: {
    fact: 'upstream internal_users.yml defines admin and kibanaserver (reserved) plus four demo users whose bcrypt hashes are public',
    value: ['admin', 'kibanaserver', 'kibanaro', 'logstash', 'readall', 'snapshotrestore'],
    upstream: 'wazuh-kubernetes',
    path: 'wazuh/indexer_stack/wazuh-indexer/indexer_conf/internal_users.yml',
    check: { yaml: (docs) => Object.keys(docs[0] as Record<string, unknown>).filter((k) => k !== '_meta') },
  },
  // --- manager image ----------------------------------------------------------------------------------------
  managerEntrypoint: {
    fact: 'the manager image has no USER (root) and starts s6-overlay: ENTRYPOINT ["/init"]',
    value: '/init',
    upstream: 'wazuh-docker',
    path: `${IMG}/wazuh-manager/Dockerfile`,
  },
  managerExposed: {
    fact: 'the manager image exposes 55000 (API), 1514 (events), 1515 (enrollment), 514/udp (syslog) and 1516 (cluster)',
    value: [55000, 1514, 1515, 514, 1516],
    upstream: 'wazuh-docker',
    path: `${IMG}/wazuh-manager/Dockerfile`,
  },
  managerConfigMount: {
    fact: '0-wazuh-init copies /wazuh-config-mount/* over /var/ossec after installing the permanent data (a file written to /var/ossec/etc before that would stop the first-boot install)',
    value: '/wazuh-config-mount',
    upstream: 'wazuh-docker',
    path: `${IMG}/wazuh-manager/config/etc/cont-init.d/0-wazuh-init`,
  },
  managerOssecMount: {
    fact: 'upstream mounts the manager configuration at /wazuh-config-mount/etc/ossec.conf and the authd password at /wazuh-config-mount/etc/authd.pass',
    value: ['/wazuh-config-mount/etc/ossec.conf', '/wazuh-config-mount/etc/authd.pass'],
    upstream: 'wazuh-kubernetes',
    path: 'wazuh/wazuh_managers/wazuh-master-sts.yaml',
    check: { yaml: (docs) => mountPaths(docs).filter((p) => p.startsWith('/wazuh-config-mount/')) },
  },
  nodeNamePlaceholder: {
    fact: '0-wazuh-init replaces <node_name>to_be_replaced_by_hostname</node_name> with $HOSTNAME (and nothing else: ${HOSTNAME} stays literal); upstream worker.conf uses it',
    value: '<node_name>to_be_replaced_by_hostname</node_name>',
    upstream: 'wazuh-kubernetes',
    path: 'wazuh/wazuh_managers/wazuh_conf/worker.conf',
    check: { contains: '<node_name>to_be_replaced_by_hostname</node_name>' },
  },
  clusterKeyPlaceholder: {
    fact: '0-wazuh-init replaces <key>to_be_replaced_by_cluster_key</key> with $WAZUH_CLUSTER_KEY; upstream master.conf uses it',
    value: '<key>to_be_replaced_by_cluster_key</key>',
    upstream: 'wazuh-kubernetes',
    path: 'wazuh/wazuh_managers/wazuh_conf/master.conf',
    check: { contains: '<key>to_be_replaced_by_cluster_key</key>' },
  },
  clusterKeyLength: {
    fact: 'the cluster key is 32 characters (upstream example secret; Wazuh refuses other lengths)',
    value: 32,
    upstream: 'wazuh-kubernetes',
    path: 'wazuh/secrets/wazuh-cluster-key-secret.yaml',
    check: { contains: '"123a45bc67def891gh23i45jk67l8mn9"' },
  },
  workerJoinsMaster: {
    fact: "a worker's cluster <nodes> names only the master pod: workers connect to the master's 1516, only the master listens on it",
    value: '<node_type>worker</node_type>',
    upstream: 'wazuh-kubernetes',
    path: 'wazuh/wazuh_managers/wazuh_conf/worker.conf',
    check: { matches: /<node_type>worker<\/node_type>[\s\S]*<nodes>\s*<node>wazuh-manager-master-0\.wazuh-cluster\.wazuh<\/node>\s*<\/nodes>/ },
  },
  ossecRuleset: {
    fact: 'upstream ossec.conf loads the default ruleset, the CDB lists and the user-defined decoders and rules under etc/',
    value: ['<decoder_dir>etc/decoders</decoder_dir>', '<rule_dir>etc/rules</rule_dir>', '<list>etc/lists/audit-keys</list>'],
    upstream: 'wazuh-kubernetes',
    path: 'wazuh/wazuh_managers/wazuh_conf/master.conf',
    check: { matches: /<list>etc\/lists\/audit-keys<\/list>[\s\S]*<decoder_dir>etc\/decoders<\/decoder_dir>\s*<rule_dir>etc\/rules<\/rule_dir>/ },
  },
  filebeatEnv: {
    fact: '1-config-filebeat writes INDEXER_URL, INDEXER_USERNAME, INDEXER_PASSWORD, FILEBEAT_SSL_VERIFICATION_MODE, SSL_CERTIFICATE_AUTHORITIES, SSL_CERTIFICATE, SSL_KEY into filebeat.yml with sed (values between single quotes, | as delimiter)',
    value: ['INDEXER_URL', 'INDEXER_USERNAME', 'INDEXER_PASSWORD', 'FILEBEAT_SSL_VERIFICATION_MODE', 'SSL_CERTIFICATE_AUTHORITIES', 'SSL_CERTIFICATE', 'SSL_KEY'],
    upstream: 'wazuh-docker',
    path: `${IMG}/wazuh-manager/config/etc/cont-init.d/1-config-filebeat`,
  },
  filebeatOutput: {
    fact: "the image's filebeat.yml ships alerts to output.elasticsearch with the credential and TLS lines the script fills in",
    value: ['#username:', '#password:', '#ssl.certificate_authorities:', '#ssl.certificate:', '#ssl.key:'],
    upstream: 'wazuh-docker',
    path: `${IMG}/wazuh-manager/config/filebeat.yml`,
    check: { matches: /#username:\n\s+#password:\n\s+#ssl\.verification_mode:\n\s+#ssl\.certificate_authorities:\n\s+#ssl\.certificate:\n\s+#ssl\.key:/ },
  },
  apiUserEnv: {
    fact: '2-manager creates or updates the API user from API_USERNAME/API_PASSWORD, written into a JSON heredoc between double quotes; a password the API refuses stops the container',
    value: ['API_USERNAME', 'API_PASSWORD'],
    upstream: 'wazuh-docker',
    path: `${IMG}/wazuh-manager/config/etc/cont-init.d/2-manager`,
  },
  apiSymbols: {
    fact: 'the symbols create_user.py uses to build passwords the Wazuh API policy accepts',
    value: '@$!%*?&-_',
    upstream: 'wazuh-docker',
    path: `${IMG}/wazuh-manager/config/create_user.py`,
  },
  // --- dashboard image ----------------------------------------------------------------------------------------
  dashboardUid: {
    fact: 'the wazuh-dashboard image runs as user wazuh-dashboard, UID and GID 1000, ENTRYPOINT /entrypoint.sh',
    value: 1000,
    upstream: 'wazuh-docker',
    path: `${IMG}/wazuh-dashboard/Dockerfile`,
  },
  dashboardEnv: {
    fact: 'the dashboard entrypoint puts DASHBOARD_USERNAME/DASHBOARD_PASSWORD into the keystore through an unquoted echo, and wazuh_app_config.sh writes WAZUH_API_URL, API_USERNAME, API_PASSWORD unquoted into data/wazuh/config/wazuh.yml',
    value: ['DASHBOARD_USERNAME', 'DASHBOARD_PASSWORD', 'WAZUH_API_URL', 'API_USERNAME', 'API_PASSWORD'],
    upstream: 'wazuh-docker',
    path: `${IMG}/wazuh-dashboard/config/entrypoint.sh`,
  },
  dashboardConfig: {
    fact: 'the dashboard reads /usr/share/wazuh-dashboard/config/opensearch_dashboards.yml and serves on 5601',
    value: { path: '/usr/share/wazuh-dashboard/config/opensearch_dashboards.yml', port: 5601 },
    upstream: 'wazuh-kubernetes',
    path: 'wazuh/indexer_stack/wazuh-dashboard/dashboard-deploy.yaml',
    check: { yaml: (docs) => ({ path: mountPaths(docs).find((p) => p.endsWith('opensearch_dashboards.yml')), port: container(docs)?.ports?.[0]?.containerPort }) },
  },
  // --- the Wazuh server sources -------------------------------------------------------------------------
  ctiSnapshotHost: {
    fact: "on first run the content manager asks the CTI API (cti.wazuh.com, CTI_URL_DEFAULT) for the consumer and downloads its last_snapshot_link, which the module's own documentation shows on s3.us-east-1.amazonaws.com (bucket cti-snapshots-pro, path-style); the host comes from the API's answer, not from the code",
    value: ['cti.wazuh.com', 's3.us-east-1.amazonaws.com'],
    upstream: 'wazuh',
    path: 'src/shared_modules/content_manager/README.md (CTI last snapshot link), src/config/global-config.h (CTI_URL_DEFAULT)',
  },
  workerEnv: {
    fact: "upstream's worker StatefulSet sets the indexer, Filebeat TLS and cluster key variables only: no API_USERNAME/API_PASSWORD (2-manager would create an API user) and no authd.pass",
    value: [
      'INDEXER_URL',
      'INDEXER_USERNAME',
      'INDEXER_PASSWORD',
      'FILEBEAT_SSL_VERIFICATION_MODE',
      'SSL_CERTIFICATE_AUTHORITIES',
      'SSL_CERTIFICATE',
      'SSL_KEY',
      'WAZUH_CLUSTER_KEY',
    ],
    upstream: 'wazuh-kubernetes',
    path: 'wazuh/wazuh_managers/wazuh-worker-sts.yaml',
    check: { yaml: (docs) => (container(docs)?.env ?? []).map((e) => e.name) },
  },
  // --- the Vault agent's template engine ------------------------------------------------------------------
  pkiCertReuse: {
    fact: 'pkiCert reads the file it renders into and reuses the certificate found there until NotBefore + 90 % of its validity (goodFor with the default lease_renewal_threshold 0.9; the ±3 % term is an integer division and always 0), issuing only then; it needs the certificate and the key in that one file; on a fresh issue .CA and .CAChain hold the issuing CA and ca_chain, but a reused certificate yields only the PEM blocks the template wrote into the file (so the chain is rendered from a separate read); keyed by destination (CanShare false)',
    value: 'pkiCert',
    upstream: 'consul-template',
    path: 'dependency/vault_pki.go (Fetch, goodFor, pemsCert, fetchPEMs), template/funcs.go (pkiCertFunc), config/vault.go (DefaultLeaseRenewalThreshold)',
  },
});
