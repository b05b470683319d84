# Vault policy for security/wazuh-manager-worker (role security-wazuh-manager-worker); generated, do not edit.
path "kv/data/security/wazuh" {
  capabilities = ["read"]
}

path "pki_int/cert/ca_chain" {
  capabilities = ["read"]
}

path "pki_int/issue/homelab" {
  capabilities = ["update"]
  allowed_parameters = {
    "common_name" = ["wazuh-manager-worker.security.svc"]
    "ttl" = ["720h"]
  }
}
