# Vault policy for security/backup-wazuh-manager-master (role security-backup-wazuh-manager-master); generated, do not edit.
path "kv/data/backup/target" {
  capabilities = ["read"]
}
