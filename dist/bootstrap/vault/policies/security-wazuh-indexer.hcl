# Vault policy for security/wazuh-indexer (role security-wazuh-indexer); generated, do not edit.
path "kv/data/security/wazuh" {
  capabilities = ["read"]
}

path "pki_int/issue/homelab" {
  capabilities = ["update"]
}
