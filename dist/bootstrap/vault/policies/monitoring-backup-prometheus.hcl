# Vault policy for monitoring/backup-prometheus (role monitoring-backup-prometheus); generated, do not edit.
path "kv/data/backup/target" {
  capabilities = ["read"]
}
