# Vault policy for security/wazuh-dashboard (role security-wazuh-dashboard); generated, do not edit.
path "kv/data/security/wazuh" {
  capabilities = ["read"]
}

path "pki_int/cert/ca_chain" {
  capabilities = ["read"]
}

path "pki_int/issue/homelab" {
  capabilities = ["update"]
  allowed_parameters = {
    "common_name" = ["wazuh-dashboard.security.svc"]
    "alt_names" = ["wazuh.domus.lan"]
    "ttl" = ["720h"]
  }
}
