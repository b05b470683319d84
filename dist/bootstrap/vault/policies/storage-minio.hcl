# Vault policy for storage/minio (role storage-minio); generated, do not edit.
path "kv/data/storage/minio" {
  capabilities = ["read"]
}
