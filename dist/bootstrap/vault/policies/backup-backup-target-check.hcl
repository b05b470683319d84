# Vault policy for backup/backup-target-check (role backup-backup-target-check); generated, do not edit.
path "kv/data/backup/target" {
  capabilities = ["read"]
}
