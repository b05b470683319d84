# Vault policy for storage/backup-minio (role storage-backup-minio); generated, do not edit.
path "kv/data/backup/target" {
  capabilities = ["read"]
}
