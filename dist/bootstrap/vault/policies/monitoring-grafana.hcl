# Vault policy for monitoring/grafana (role monitoring-grafana); generated, do not edit.
path "kv/data/monitoring/grafana" {
  capabilities = ["read"]
}
