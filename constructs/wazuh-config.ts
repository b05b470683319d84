/**
 * Wazuh configuration files and start scripts, as pure functions of the site (no constructs), so tests can
 * read and run them. Where a file comes from upstream (ossec.conf, opensearch.yml) the generator keeps
 * upstream's sections and defaults and applies only the deltas listed next to it; conformance/facts/wazuh.ts
 * names the upstream files.
 */
import { sh } from './lib/quote';
import { WazuhSecret } from '../config/wazuh-secrets';

export const INDEXER_HOME = '/usr/share/wazuh-indexer';
/** The image's entrypoint forces OPENSEARCH_PATH_CONF to this folder: everything OpenSearch reads is here. */
export const INDEXER_CONF = `${INDEXER_HOME}/config`;
export const INDEXER_CERTS = `${INDEXER_CONF}/certs`;
export const DASHBOARD_HOME = '/usr/share/wazuh-dashboard';
export const DASHBOARD_CERTS = `${DASHBOARD_HOME}/certs`;
export const MANAGER_CERTS = '/etc/ssl/wazuh';
/** Vault-rendered credential files (one key per file, read by the start scripts, never sourced). */
export const SECRETS_DIR = '/vault/wazuh';
/** The stack's start and probe scripts (ConfigMap wazuh-scripts). */
export const SCRIPTS_DIR = '/domus';
/** Where each start script records the Vault-rendered certificate files it started with (liveness compares). */
export const CERT_SUMS = '/tmp/domus-certs.sha256';
/** The PKI mount's CA chain, rendered by the Vault agent beside the credentials. */
export const CA_CHAIN = 'root-ca.pem';
/** The Vault-rendered file (certificate, then key; pkiCert) of one identity. */
export const bundleFile = (prefix: string) => `${prefix}.bundle.pem`;

// --- XML (ossec.conf) -------------------------------------------------------------------------------------
export interface XmlNode {
  readonly tag: string;
  readonly attrs?: Readonly<Record<string, string>>;
  readonly text?: string;
  readonly children?: readonly XmlNode[];
}
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const el = (tag: string, content?: string | readonly XmlNode[], attrs?: Record<string, string>): XmlNode => ({
  tag,
  ...(attrs ? { attrs } : {}),
  ...(typeof content === 'string' ? { text: content } : content ? { children: content } : {}),
});
/** `<tag>value</tag>` for each pair, in order. */
const leaves = (pairs: readonly (readonly [string, string])[]): XmlNode[] => pairs.map(([t, v]) => el(t, v));

export function renderXml(node: XmlNode, indent = ''): string {
  const attrs = Object.entries(node.attrs ?? {})
    .map(([k, v]) => ` ${k}="${esc(v).replace(/"/g, '&quot;')}"`)
    .join('');
  if (node.children) return [`${indent}<${node.tag}${attrs}>`, ...node.children.map((c) => renderXml(c, `${indent}  `)), `${indent}</${node.tag}>`].join('\n');
  return `${indent}<${node.tag}${attrs}>${esc(node.text ?? '')}</${node.tag}>`;
}

export interface OssecOptions {
  readonly role: 'master' | 'worker';
  /** Wazuh cluster name (the site's cluster name). */
  readonly clusterName: string;
  /** DNS name of the master's cluster port (1516). */
  readonly masterHost: string;
  readonly indexerUrl: string;
  readonly vulnerabilityDetection: boolean;
}

/**
 * The deltas the stack applies to upstream's master.conf / worker.conf (wazuh-kubernetes
 * wazuh/wazuh_managers/wazuh_conf/, identical but for node_name and node_type). Everything else is upstream's.
 */
export const OSSEC_DELTAS = [
  'cluster/name: the site cluster name instead of "wazuh"',
  'cluster/nodes/node: the master pod through the headless Service of this namespace',
  'indexer/hosts/host: the indexer Service of this namespace',
  'indexer/ssl: the Vault-rendered Filebeat certificate, key and CA chain under /etc/ssl/wazuh',
  'vulnerability-detection/enabled: "no" when workloads.wazuh.feedHosts is empty (no feed egress)',
  'global/white_list: upstream example address 10.66.0.2 dropped',
] as const;

/** The manager's ossec.conf: upstream's master/worker configuration with OSSEC_DELTAS. No secrets in it. */
export function ossecConf(o: OssecOptions): string {
  const yes = (b: boolean) => (b ? 'yes' : 'no');
  const command = (name: string, executable: string, expect: string | undefined, timeout: boolean) =>
    el('command', [el('name', name), el('executable', executable), ...(expect !== undefined ? [el('expect', expect)] : []), ...(timeout ? [el('timeout_allowed', 'yes')] : [])]);
  const wodle = (name: string, body: readonly XmlNode[]) => el('wodle', body, { name });
  const main = el('ossec_config', [
    el(
      'global',
      leaves([
        ['jsonout_output', 'yes'],
        ['alerts_log', 'yes'],
        ['logall', 'no'],
        ['logall_json', 'no'],
        ['email_notification', 'no'],
        ['smtp_server', 'smtp.example.wazuh.com'],
        ['email_from', 'ossecm@example.wazuh.com'],
        ['email_to', 'recipient@example.wazuh.com'],
        ['email_maxperhour', '12'],
        ['email_log_source', 'alerts.log'],
        ['queue_size', '131072'],
        ['agents_disconnection_time', '20s'],
        ['agents_disconnection_alert_time', '100s'],
      ]),
    ),
    el(
      'alerts',
      leaves([
        ['log_alert_level', '3'],
        ['email_alert_level', '12'],
      ]),
    ),
    el('logging', leaves([['log_format', 'plain']])),
    el(
      'remote',
      leaves([
        ['connection', 'secure'],
        ['port', '1514'],
        ['protocol', 'tcp'],
        ['queue_size', '131072'],
      ]),
    ),
    el(
      'rootcheck',
      leaves([
        ['disabled', 'no'],
        ['check_unixaudit', 'yes'],
        ['check_files', 'yes'],
        ['check_trojans', 'yes'],
        ['check_dev', 'yes'],
        ['check_sys', 'yes'],
        ['check_pids', 'yes'],
        ['check_ports', 'yes'],
        ['check_if', 'yes'],
        ['frequency', '43200'],
        ['rootkit_files', '/var/ossec/etc/rootcheck/rootkit_files.txt'],
        ['rootkit_trojans', '/var/ossec/etc/rootcheck/rootkit_trojans.txt'],
        ['system_audit', '/var/ossec/etc/rootcheck/system_audit_rcl.txt'],
        ['system_audit', '/var/ossec/etc/rootcheck/system_audit_ssh.txt'],
        ['skip_nfs', 'yes'],
      ]),
    ),
    wodle(
      'open-scap',
      leaves([
        ['disabled', 'yes'],
        ['timeout', '1800'],
        ['interval', '1d'],
        ['scan-on-start', 'yes'],
      ]),
    ),
    wodle(
      'cis-cat',
      leaves([
        ['disabled', 'yes'],
        ['timeout', '1800'],
        ['interval', '1d'],
        ['scan-on-start', 'yes'],
        ['java_path', 'wodles/java'],
        ['ciscat_path', 'wodles/ciscat'],
      ]),
    ),
    wodle(
      'osquery',
      leaves([
        ['disabled', 'yes'],
        ['run_daemon', 'yes'],
        ['log_path', '/var/log/osquery/osqueryd.results.log'],
        ['config_path', '/etc/osquery/osquery.conf'],
        ['add_labels', 'yes'],
      ]),
    ),
    wodle('syscollector', [
      ...leaves([
        ['disabled', 'no'],
        ['interval', '1h'],
        ['scan_on_start', 'yes'],
        ['hardware', 'yes'],
        ['os', 'yes'],
        ['network', 'yes'],
        ['packages', 'yes'],
      ]),
      el('ports', 'yes', { all: 'yes' }),
      el('processes', 'yes'),
    ]),
    el(
      'vulnerability-detection',
      leaves([
        ['enabled', yes(o.vulnerabilityDetection)],
        ['index-status', 'yes'],
        ['feed-update-interval', '60m'],
      ]),
    ),
    el('indexer', [
      el('enabled', 'yes'),
      el('hosts', [el('host', o.indexerUrl)]),
      el('ssl', [
        el('certificate_authorities', [el('ca', `${MANAGER_CERTS}/root-ca.pem`)]),
        el('certificate', `${MANAGER_CERTS}/filebeat.pem`),
        el('key', `${MANAGER_CERTS}/filebeat-key.pem`),
      ]),
    ]),
    el('syscheck', [
      ...leaves([
        ['disabled', 'no'],
        ['frequency', '43200'],
        ['scan_on_start', 'yes'],
        ['alert_new_files', 'yes'],
      ]),
      el('auto_ignore', 'no', { frequency: '10', timeframe: '3600' }),
      el('directories', '/etc,/usr/bin,/usr/sbin', { check_all: 'yes' }),
      el('directories', '/bin,/sbin,/boot', { check_all: 'yes' }),
      ...[
        '/etc/mtab',
        '/etc/hosts.deny',
        '/etc/mail/statistics',
        '/etc/random-seed',
        '/etc/random.seed',
        '/etc/adjtime',
        '/etc/httpd/logs',
        '/etc/utmpx',
        '/etc/wtmpx',
        '/etc/cups/certs',
        '/etc/dumpdates',
        '/etc/svc/volatile',
        '/sys/kernel/security',
        '/sys/kernel/debug',
      ].map((p) => el('ignore', p)),
      ...leaves([
        ['nodiff', '/etc/ssl/private.key'],
        ['skip_nfs', 'yes'],
        ['remove_old_diff', 'yes'],
        ['restart_audit', 'yes'],
      ]),
    ]),
    el(
      'global',
      leaves([
        ['white_list', '127.0.0.1'],
        ['white_list', '^localhost.localdomain$'],
      ]),
    ),
    command('disable-account', 'disable-account.sh', 'user', true),
    command('restart-ossec', 'restart-ossec.sh', '', false),
    command('firewall-drop', 'firewall-drop', undefined, true),
    command('host-deny', 'host-deny.sh', 'srcip', true),
    command('route-null', 'route-null.sh', 'srcip', true),
    command('win_route-null', 'route-null.cmd', 'srcip', true),
    command('win_route-null-2012', 'route-null-2012.cmd', 'srcip', true),
    command('netsh', 'netsh.cmd', 'srcip', true),
    command('netsh-win-2016', 'netsh-win-2016.cmd', 'srcip', true),
    el(
      'localfile',
      leaves([
        ['log_format', 'command'],
        ['command', 'df -P'],
        ['frequency', '360'],
      ]),
    ),
    el(
      'localfile',
      leaves([
        ['log_format', 'full_command'],
        [
          'command',
          "netstat -tulpn | sed 's/\\([[:alnum:]]\\+\\)\\ \\+[[:digit:]]\\+\\ \\+[[:digit:]]\\+\\ \\+\\(.*\\):\\([[:digit:]]*\\)\\ \\+\\([0-9\\.\\:\\*]\\+\\).\\+\\ \\([[:digit:]]*\\/[[:alnum:]\\-]*\\).*/\\1 \\2 == \\3 == \\4 \\5/' | sort -k 4 -g | sed 's/ == \\(.*\\) ==/:\\1/' | sed 1,2d",
        ],
        ['alias', 'netstat listening ports'],
        ['frequency', '360'],
      ]),
    ),
    el(
      'localfile',
      leaves([
        ['log_format', 'full_command'],
        ['command', 'last -n 20'],
        ['frequency', '360'],
      ]),
    ),
    // Default ruleset, then the user-defined one (local rules, decoders and CDB lists under etc/).
    el(
      'ruleset',
      leaves([
        ['decoder_dir', 'ruleset/decoders'],
        ['rule_dir', 'ruleset/rules'],
        ['rule_exclude', '0215-policy_rules.xml'],
        ['list', 'etc/lists/audit-keys'],
        ['list', 'etc/lists/amazon/aws-sources'],
        ['list', 'etc/lists/amazon/aws-eventnames'],
        ['list', 'etc/lists/malicious-ioc/malicious-ip'],
        ['list', 'etc/lists/malicious-ioc/malicious-domains'],
        ['list', 'etc/lists/malicious-ioc/malware-hashes'],
        ['decoder_dir', 'etc/decoders'],
        ['rule_dir', 'etc/rules'],
      ]),
    ),
    el(
      'rule_test',
      leaves([
        ['enabled', 'yes'],
        ['threads', '1'],
        ['max_sessions', '64'],
        ['session_timeout', '15m'],
      ]),
    ),
    el('auth', [
      ...leaves([
        ['disabled', 'no'],
        ['port', '1515'],
        ['use_source_ip', 'no'],
      ]),
      el('force', [el('enabled', 'yes'), el('key_mismatch', 'yes'), el('disconnected_time', '1h', { enabled: 'yes' }), el('after_registration_time', '1h')]),
      ...leaves([
        ['purge', 'no'],
        ['use_password', 'yes'],
        ['ciphers', 'HIGH:!ADH:!EXP:!MD5:!RC4:!3DES:!CAMELLIA:@STRENGTH'],
        ['ssl_verify_host', 'no'],
        ['ssl_manager_cert', '/var/ossec/etc/sslmanager.cert'],
        ['ssl_manager_key', '/var/ossec/etc/sslmanager.key'],
        ['ssl_auto_negotiate', 'no'],
      ]),
    ]),
    el('cluster', [
      el('name', o.clusterName),
      // The image's 0-wazuh-init replaces these two placeholders (HOSTNAME is the pod name; the key comes from
      // WAZUH_CLUSTER_KEY, set by the start script from Vault): the file itself holds no secret.
      el('node_name', o.role === 'master' ? 'wazuh-manager-master' : 'to_be_replaced_by_hostname'),
      el('node_type', o.role),
      el('key', 'to_be_replaced_by_cluster_key'),
      el('port', '1516'),
      el('bind_addr', '0.0.0.0'),
      el('nodes', [el('node', o.masterHost)]),
      el('hidden', 'no'),
      el('disabled', 'no'),
    ]),
  ]);
  const tail = el('ossec_config', [
    el(
      'localfile',
      leaves([
        ['log_format', 'syslog'],
        ['location', '/var/ossec/logs/active-responses.log'],
      ]),
    ),
  ]);
  return `<!-- Generated by constructs/wazuh-config.ts from wazuh-kubernetes ${o.role}.conf; deltas: OSSEC_DELTAS. -->\n${renderXml(main)}\n\n${renderXml(tail)}\n`;
}

// --- indexer ------------------------------------------------------------------------------------------------
export interface IndexerOptions {
  readonly namespace: string;
  readonly replicas: number;
  readonly headless: string;
  /** Distinguished names of the certificates Vault issues (CN only: the PKI role sets no other subject field). */
  readonly nodeDn: string;
  readonly adminDn: string;
}

/** opensearch.yml: wazuh-kubernetes indexer_conf/opensearch.yml with the stack's paths and DNs. */
export function opensearchYml(o: IndexerOptions): string {
  const nodes = Array.from({ length: o.replicas }, (_, i) => `wazuh-indexer-${i}`);
  const pem = (what: 'http' | 'transport') => [
    `plugins.security.ssl.${what}.pemcert_filepath: ${INDEXER_CERTS}/node.pem`,
    `plugins.security.ssl.${what}.pemkey_filepath: ${INDEXER_CERTS}/node-key.pem`,
    `plugins.security.ssl.${what}.pemtrustedcas_filepath: ${INDEXER_CERTS}/root-ca.pem`,
  ];
  return [
    '# Generated by constructs/wazuh-config.ts from wazuh-kubernetes indexer_conf/opensearch.yml.',
    'cluster.name: wazuh',
    'node.name: ${NODE_NAME}',
    'network.host: 0.0.0.0',
    `discovery.seed_hosts: ${o.headless}.${o.namespace}.svc`,
    `cluster.initial_cluster_manager_nodes: [${nodes.join(', ')}]`,
    'node.max_local_storage_nodes: "3"',
    'path.data: /var/lib/wazuh-indexer',
    'path.logs: /var/log/wazuh-indexer',
    ...pem('http'),
    ...pem('transport'),
    'plugins.security.ssl.http.enabled: true',
    // Peers are verified against the CA chain; names are not (pods have no per-pod certificates).
    'plugins.security.ssl.transport.enforce_hostname_verification: false',
    'plugins.security.ssl.transport.resolve_hostname: false',
    `plugins.security.authcz.admin_dn: [${JSON.stringify(o.adminDn)}]`,
    'plugins.security.check_snapshot_restore_write_privileges: true',
    'plugins.security.enable_snapshot_restore_privilege: true',
    `plugins.security.nodes_dn: [${JSON.stringify(o.nodeDn)}]`,
    'plugins.security.restapi.roles_enabled: ["all_access", "security_rest_api_access"]',
    // The first node to start loads config/opensearch-security/ (with our internal_users.yml) into the index.
    'plugins.security.allow_default_init_securityindex: true',
    'plugins.security.system_indices.enabled: true',
    'cluster.routing.allocation.disk.threshold_enabled: false',
    'compatibility.override_main_response_version: true',
    '',
  ].join('\n');
}

/** internal_users.yml template: bcrypt hashes from Vault, JSON-quoted (valid YAML whatever they contain). */
export function internalUsersTemplate(kvPath: string): string {
  return [
    `{{- with secret "${kvPath}" -}}`,
    '_meta:',
    '  type: "internalusers"',
    '  config_version: 2',
    'admin:',
    '  hash: {{ .Data.data.admin_hash | toJSON }}',
    '  reserved: true',
    '  backend_roles: ["admin"]',
    'kibanaserver:',
    '  hash: {{ .Data.data.kibanaserver_hash | toJSON }}',
    '  reserved: true',
    '{{- end }}',
    '',
  ].join('\n');
}

/**
 * The securityadmin.sh call that loads the Vault-rendered internal users into the security index (only that
 * config type: roles and mappings edited in the dashboard are left alone). Connects to the local node with
 * the admin certificate; -nhnv because the certificate names the Service, not localhost.
 */
export function securityAdminCommand(): string {
  return [
    `JAVA_HOME=${INDEXER_HOME}/jdk`,
    `${INDEXER_HOME}/plugins/opensearch-security/tools/securityadmin.sh`,
    `-f ${SECRETS_DIR}/internal_users.yml -t internalusers`,
    '-icl -nhnv -h localhost -p 9200',
    `-cacert ${INDEXER_CERTS}/root-ca.pem -cert ${INDEXER_CERTS}/admin.pem -key ${INDEXER_CERTS}/admin-key.pem`,
  ].join(' ');
}

// --- dashboard -------------------------------------------------------------------------------------------------
export function dashboardYml(indexerUrl: string): string {
  return [
    '# Generated by constructs/wazuh-config.ts from wazuh-kubernetes dashboard_conf/opensearch_dashboards.yml.',
    'server.host: 0.0.0.0',
    'server.port: 5601',
    'server.ssl.enabled: true',
    `server.ssl.certificate: ${DASHBOARD_CERTS}/dashboard.pem`,
    `server.ssl.key: ${DASHBOARD_CERTS}/dashboard-key.pem`,
    `opensearch.hosts: ${indexerUrl}`,
    // The indexer's certificate names its Service, and the CA file holds the chain up to the root.
    'opensearch.ssl.verificationMode: full',
    `opensearch.ssl.certificateAuthorities: ["${DASHBOARD_CERTS}/root-ca.pem"]`,
    'opensearch.requestHeadersWhitelist: ["securitytenant", "Authorization"]',
    'opensearch_security.multitenancy.enabled: false',
    'opensearch_security.readonly_mode.roles: ["kibana_read_only"]',
    'uiSettings.overrides.defaultRoute: /app/wz-home',
    'opensearch_security.cookie.ttl: 900000',
    'opensearch_security.session.ttl: 900000',
    'opensearch_security.session.keepalive: true',
    '',
  ].join('\n');
}

// --- scripts ------------------------------------------------------------------------------------------------------
export interface SecretEnv {
  /** Environment variable the upstream entrypoint reads; absent: checked only (the file is used as it is). */
  readonly env?: string;
  readonly secret: WazuhSecret;
}

/** Bash lines that read each credential file, check it against its rules, and export it. */
export function secretLines(secrets: readonly SecretEnv[], dir = SECRETS_DIR): string[] {
  if (secrets.length === 0) return [];
  return [
    '# need VAR FILE SAYS RULE...: export VAR (- for none) from FILE once every ERE matched; the value is never printed or evaluated.',
    'need() {',
    '  local name=$1 file=$2 says=$3 value re',
    '  shift 3',
    '  value=$(<"$file") || die "cannot read $file (Vault agent template)"',
    '  for re in "$@"; do',
    '    [[ $value =~ $re ]] || die "the Vault key ${file##*/} must be: $says"',
    '  done',
    '  [[ $name == - ]] || export "$name=$value"',
    '}',
    ...secrets.map((s) => ['need', s.env ?? '-', sh(`${dir}/${s.secret.key}`), sh(s.secret.says), ...s.secret.rules.map(sh)].join(' ')),
  ];
}

export interface StartScript {
  readonly what: string;
  readonly secrets?: readonly SecretEnv[];
  /** Folder the process loads its PEM files from once at start (an emptyDir the script fills). */
  readonly certs: string;
  /**
   * Identities whose Vault bundle (SECRETS_DIR/<prefix>.bundle.pem: certificate, then key) is split into
   * `<certs>/<prefix>.pem` and `<certs>/<prefix>-key.pem`; the CA chain is copied to `<certs>/root-ca.pem`.
   */
  readonly bundles: readonly string[];
  /** Extra bash lines run after the secrets are checked. */
  readonly before?: readonly string[];
  /** The upstream entrypoint and its arguments. */
  readonly exec: readonly string[];
}

/**
 * Bash lines that split each Vault bundle into the certificate and key files the process reads, copy the CA
 * chain, and record the hashes of the Vault-rendered files. pkiCert rewrites a bundle only when it issues a new
 * certificate (near the end of the old one's life), so the recorded hashes change exactly then.
 */
export function certLines(certs: string, bundles: readonly string[], dir = SECRETS_DIR): string[] {
  const rendered = [...bundles.map((b) => `${dir}/${bundleFile(b)}`), `${dir}/${CA_CHAIN}`];
  return [
    '# split BUNDLE CERT KEY: the PEM blocks of BUNDLE to CERT, except the private key, which goes to KEY.',
    'split() {',
    '  local line out= certs=0 keys=0',
    '  [[ -r $1 ]] || die "cannot read $1 (Vault agent template)"',
    '  : > "$2" && : > "$3" || die "cannot write $2 and $3"',
    '  while IFS= read -r line || [[ -n $line ]]; do',
    '    if [[ $line == -----BEGIN* ]]; then',
    '      if [[ $line == *"PRIVATE KEY-----" ]]; then out=$3; keys=$((keys + 1)); else out=$2; certs=$((certs + 1)); fi',
    '    fi',
    '    if [[ -n $out ]]; then printf \'%s\\n\' "$line" >> "$out"; fi',
    '    if [[ $line == -----END* ]]; then out=; fi',
    '  done < "$1"',
    '  if (( certs == 0 || keys != 1 )); then die "$1 must hold a certificate and one private key (Vault agent template)"; fi',
    '}',
    'umask_was=$(umask)',
    'umask 077',
    ...bundles.map((b) => `split ${sh(`${dir}/${bundleFile(b)}`)} ${sh(`${certs}/${b}.pem`)} ${sh(`${certs}/${b}-key.pem`)}`),
    `[[ -s ${sh(`${dir}/${CA_CHAIN}`)} ]] || die ${sh(`${dir}/${CA_CHAIN} is empty (Vault agent template)`)}`,
    `cp ${sh(`${dir}/${CA_CHAIN}`)} ${sh(`${certs}/${CA_CHAIN}`)}`,
    `sha256sum ${rendered.map(sh).join(' ')} > ${sh(CERT_SUMS)}`,
    // The upstream entrypoint creates files other users of the image read: hand it the umask it was given.
    'umask "$umask_was"',
  ];
}

export function startScript(s: StartScript): string {
  return [
    '#!/bin/bash',
    `# Start of the ${s.what} (generated by constructs/wazuh-config.ts): check the Vault-rendered credentials,`,
    '# put the certificates where the process reads them and record what it started with (the liveness probe',
    '# restarts the container once Vault has renewed one), then hand over to the image entrypoint.',
    'set -euo pipefail',
    'die() { echo "domus: $*" >&2; exit 1; }',
    ...secretLines(s.secrets ?? []),
    ...certLines(s.certs, s.bundles),
    ...(s.before ?? []),
    `exec ${s.exec.map(sh).join(' ')}`,
    '',
  ].join('\n');
}

/** Liveness: the certificates on disk are the ones loaded at start, and the port accepts connections. */
export function livenessScript(): string {
  return [
    '#!/bin/bash',
    '# Liveness of the Wazuh containers (generated by constructs/wazuh-config.ts). usage: live.sh PORT',
    '# OpenSearch, the dashboard and Filebeat read their certificates only at start: once the Vault agent has',
    '# renewed one (pkiCert: at about 90 % of its life, not at every render), fail so that the kubelet restarts',
    '# the container with the new files.',
    'set -u',
    `if ! sha256sum --check --status ${sh(CERT_SUMS)}; then echo "domus: certificates renewed by Vault since start; restarting to load them" >&2; exit 1; fi`,
    'exec 3<>"/dev/tcp/127.0.0.1/$1"',
    '',
  ].join('\n');
}
