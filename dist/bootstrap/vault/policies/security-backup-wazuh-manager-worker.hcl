# Vault policy for security/backup-wazuh-manager-worker (role security-backup-wazuh-manager-worker); generated, do not edit.
path "kv/data/backup/target" {
  capabilities = ["read"]
}
