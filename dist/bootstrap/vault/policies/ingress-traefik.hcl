# Vault policy for ingress/traefik (role ingress-traefik); generated, do not edit.
path "pki_int/issue/homelab" {
  capabilities = ["update"]
}
