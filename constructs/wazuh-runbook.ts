/**
 * The Wazuh part of the generated runbook (docs/runbook.md, dist/bootstrap/RUNBOOK.md): enrolling the first
 * agent, checking each hop of agent → dashboard, the credential rules, and the one command that is not
 * automatic (reloading rotated internal users). Lines go into each workload's shell block.
 */
import type { Site } from '../config/schema';
import { WAZUH_SECRETS, WazuhSecret } from '../config/wazuh-secrets';
import { IMAGES } from '../config/versions';
import { lbAddresses } from '../config/loadbalancer';
import { DASHBOARD_CERTS, INDEXER_CERTS, INDEXER_CONF, INDEXER_HOME, MANAGER_CERTS, SECRETS_DIR, securityAdminCommand } from './wazuh-config';

type Lines = (ns: string) => string[];

export function wazuhRunbook(site: Site): Readonly<Record<string, Lines>> {
  // The address the agent Services answer on: the LB-IPAM address under Cilium (given or the pool's second);
  // under ServiceLB the fixed address if any (a node's), else every node's own address answers.
  const manager = lbAddresses(site).wazuh ?? site.loadBalancer.wazuhIp ?? site.nodes[0]!.ip;
  const version = site.workloads.wazuh.version ?? IMAGES.wazuhManager.tag;
  const kv = `${site.vault.kvMount}/security/wazuh`;
  const exec = (ns: string, pod: string, container: string) => `kubectl -n ${ns} exec ${pod} -c ${container} --`;
  const rules = (Object.values(WAZUH_SECRETS) as WazuhSecret[]).map((s) => `#   ${s.key}: ${s.says}`);
  const indexerCurl = (ns: string, path: string) =>
    `${exec(ns, 'wazuh-indexer-0', 'wazuh-indexer')} curl -sS --cacert ${INDEXER_CERTS}/root-ca.pem --cert ${INDEXER_CERTS}/admin.pem --key ${INDEXER_CERTS}/admin-key.pem --resolve wazuh-indexer.${ns}.svc:9200:127.0.0.1 'https://wazuh-indexer.${ns}.svc:9200${path}'`;
  return {
    'wazuh-manager-master': (ns) => [
      `# --- Wazuh credentials: Vault ${kv}, one file each under ${SECRETS_DIR}, checked by the start scripts`,
      '#     (a value that breaks a rule stops the container with the key and the rule in its log):',
      ...rules,
      '#   admin_hash, kibanaserver_hash: bcrypt hashes of indexer_password (user admin) and kibanaserver_password,',
      '#   e.g. from the indexer image (the admin password is also the dashboard login of admin):',
      `${exec(ns, 'wazuh-indexer-0', 'wazuh-indexer')} bash -c 'JAVA_HOME=${INDEXER_HOME}/jdk ${INDEXER_HOME}/plugins/opensearch-security/tools/hash.sh -p "$0"' '<password>'`,
      '# --- The first agent, hop by hop: agent → 1515 enrollment (master) → 1514 events (workers) → alerts →',
      '#     Filebeat → indexer 9200 (TLS) → dashboard. Run each check in order; the first that fails is the broken hop.',
      '# 1. The agent endpoints have an address:',
      `kubectl -n ${ns} get svc wazuh-enrollment wazuh-events -o wide`,
      `# 2. On the agent host (Debian/Ubuntu, Wazuh repository configured): reachability, then install and enroll`,
      `nc -vz ${manager} 1515 && nc -vz ${manager} 1514`,
      `sudo WAZUH_MANAGER='${manager}' WAZUH_REGISTRATION_PASSWORD='<authd_password>' apt-get install -y wazuh-agent=${version}-1`,
      'sudo systemctl enable --now wazuh-agent',
      `#    (already installed: sudo /var/ossec/bin/agent-auth -m ${manager} -P '<authd_password>' && sudo systemctl restart wazuh-agent)`,
      '# 3. Enrollment reached authd on the master and the agent has a key:',
      `${exec(ns, 'wazuh-manager-master-0', 'wazuh-manager')} /var/ossec/bin/agent_control -l`,
      `${exec(ns, 'wazuh-manager-master-0', 'wazuh-manager')} grep wazuh-authd /var/ossec/logs/ossec.log | tail -n 20`,
      '# 4. The workers joined the master (cluster port 1516; node names are the pod names):',
      `${exec(ns, 'wazuh-manager-master-0', 'wazuh-manager')} /var/ossec/bin/cluster_control -l`,
      '# 5. The agent is connected and its events become alerts (agent side: sudo tail /var/ossec/logs/ossec.log):',
      `${exec(ns, 'wazuh-manager-master-0', 'wazuh-manager')} /var/ossec/bin/cluster_control -a`,
      `${exec(ns, 'wazuh-manager-worker-0', 'wazuh-manager')} tail -n 3 /var/ossec/logs/alerts/alerts.json`,
      `# 6. Filebeat reaches the indexer over TLS (certificate ${MANAGER_CERTS}/filebeat.pem, CA chain root-ca.pem):`,
      `${exec(ns, 'wazuh-manager-worker-0', 'wazuh-manager')} /usr/share/filebeat/bin/filebeat test output -c /etc/filebeat/filebeat.yml --path.home /usr/share/filebeat --path.config /etc/filebeat --path.data /var/lib/filebeat`,
      '# 7. The indexer holds the alerts (see wazuh-indexer below), 8. the dashboard shows them (see wazuh-dashboard).',
    ],
    'wazuh-indexer': (ns) => [
      '# Cluster health and the alert indices (admin certificate; the names match the Service, not localhost):',
      indexerCurl(ns, '/_cluster/health?pretty'),
      indexerCurl(ns, '/_cat/indices/wazuh-alerts-*?v'),
      `# The security index is initialised by the first node at its first start from ${INDEXER_CONF}/opensearch-security/`,
      `# (the start script copies the Vault-rendered internal_users.yml there). After changing admin_hash or`,
      '# kibanaserver_hash in Vault, load the new users (idempotent; other security settings are left alone):',
      `${exec(ns, 'wazuh-indexer-0', 'wazuh-indexer')} bash -c '${securityAdminCommand()}'`,
      indexerCurl(ns, '/_plugins/_security/health?pretty'),
      '# The CA file must hold the whole chain up to the root (2+ certificates when pki_int is an intermediate):',
      `${exec(ns, 'wazuh-indexer-0', 'wazuh-indexer')} grep -c 'BEGIN CERTIFICATE' ${INDEXER_CERTS}/root-ca.pem`,
    ],
    'wazuh-dashboard': (ns) => [
      `# 8. Log in at https://wazuh.${site.cluster.domain} as admin (the password behind admin_hash); alerts are under`,
      '#    Threat intelligence > Threat hunting (index pattern wazuh-alerts-*), the agent under Agents management.',
      `kubectl -n ${ns} logs deploy/wazuh-dashboard -c wazuh-dashboard --tail=100 | grep -iE 'error|wazuh'`,
      `${exec(ns, 'deploy/wazuh-dashboard', 'wazuh-dashboard')} grep -c 'BEGIN CERTIFICATE' ${DASHBOARD_CERTS}/root-ca.pem`,
      '# Certificates are renewed by the Vault agent; the container restarts to load them (liveness message):',
      `kubectl -n ${ns} get events --field-selector reason=Unhealthy | grep 'certificates renewed'`,
    ],
  };
}
