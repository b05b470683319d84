# Vault policy for ingress/traefik (role ingress-traefik); generated, do not edit.
path "pki_int/issue/homelab" {
  capabilities = ["update"]
  allowed_parameters = {
    "common_name" = ["*.domus.lan"]
    "alt_names" = ["domus.lan"]
    "ttl" = ["720h"]
  }
}
