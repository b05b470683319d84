# Vault policy for monitoring/backup-loki (role monitoring-backup-loki); generated, do not edit.
path "kv/data/backup/target" {
  capabilities = ["read"]
}
