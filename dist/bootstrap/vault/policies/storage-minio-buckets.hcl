# Vault policy for storage/minio-buckets (role storage-minio-buckets); generated, do not edit.
path "kv/data/storage/minio" {
  capabilities = ["read"]
}
