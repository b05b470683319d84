# Vault policy for monitoring/restore-prometheus (role monitoring-restore-prometheus); generated, do not edit.
path "kv/data/backup/target" {
  capabilities = ["read"]
}
