# Vault policy for security/wazuh-manager-master (role security-wazuh-manager-master); generated, do not edit.
path "kv/data/security/wazuh" {
  capabilities = ["read"]
}

path "pki_int/cert/ca_chain" {
  capabilities = ["read"]
}

path "pki_int/issue/homelab" {
  capabilities = ["update"]
  allowed_parameters = {
    "common_name" = ["wazuh-manager-master.security.svc"]
    "ttl" = ["720h"]
  }
}
