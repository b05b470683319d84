# Vault policy for monitoring/restore-loki (role monitoring-restore-loki); generated, do not edit.
path "kv/data/backup/target" {
  capabilities = ["read"]
}
