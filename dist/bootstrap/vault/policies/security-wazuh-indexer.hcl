# Vault policy for security/wazuh-indexer (role security-wazuh-indexer); generated, do not edit.
path "kv/data/security/wazuh" {
  capabilities = ["read"]
}

path "pki_int/cert/ca_chain" {
  capabilities = ["read"]
}

path "pki_int/issue/homelab" {
  capabilities = ["update"]
  allowed_parameters = {
    "common_name" = ["admin.wazuh-indexer.security.svc", "wazuh-indexer.security.svc"]
    "ttl" = ["720h"]
    "private_key_format" = ["pkcs8"]
  }
}
