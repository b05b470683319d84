# Vault policy for security/restore-wazuh-manager-master (role security-restore-wazuh-manager-master); generated, do not edit.
path "kv/data/backup/target" {
  capabilities = ["read"]
}
