# Vault policy for storage/restore-minio (role storage-restore-minio); generated, do not edit.
path "kv/data/backup/target" {
  capabilities = ["read"]
}
