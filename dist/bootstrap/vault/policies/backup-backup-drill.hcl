# Vault policy for backup/backup-drill (role backup-backup-drill); generated, do not edit.
path "kv/data/backup/target" {
  capabilities = ["read"]
}
