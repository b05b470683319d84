# Vault policy for security/restore-wazuh-manager-worker (role security-restore-wazuh-manager-worker); generated, do not edit.
path "kv/data/backup/target" {
  capabilities = ["read"]
}
