#!/usr/bin/env bash
# Vault-side setup for the stack, generated from the same Vault specs as the pod annotations.
# Run on a machine with the vault CLI logged in to https://vault.domus.lan:8200 (VAULT_ADDR) and a copy of the
# k3s server CA (/var/lib/rancher/k3s/server/tls/server-ca.crt). Idempotent: safe to run again.
set -euo pipefail
cd "$(dirname "$0")"
CA_FILE="${K3S_CA_FILE:-./server-ca.crt}"

vault auth list -format=json | grep -qF '"k3s-domus/"' || vault auth enable -path=k3s-domus kubernetes
# Vault validates pod tokens with the TokenReview API using the reviewer JWT of vault/vault-auth
# (bound to system:auth-delegator), created here outside git: `kubectl -n vault create token vault-auth --duration=8760h`.
vault write auth/k3s-domus/config kubernetes_host=https://192.168.10.20:6443 kubernetes_ca_cert=@"$CA_FILE" token_reviewer_jwt="${REVIEWER_JWT:?set REVIEWER_JWT}"

vault policy write ingress-traefik policies/ingress-traefik.hcl
vault write auth/k3s-domus/role/ingress-traefik bound_service_account_names=traefik bound_service_account_namespaces=ingress token_policies=ingress-traefik token_ttl=1h token_max_ttl=4h
vault policy write monitoring-grafana policies/monitoring-grafana.hcl
vault write auth/k3s-domus/role/monitoring-grafana bound_service_account_names=grafana bound_service_account_namespaces=monitoring token_policies=monitoring-grafana token_ttl=1h token_max_ttl=4h
vault policy write security-wazuh-dashboard policies/security-wazuh-dashboard.hcl
vault write auth/k3s-domus/role/security-wazuh-dashboard bound_service_account_names=wazuh-dashboard bound_service_account_namespaces=security token_policies=security-wazuh-dashboard token_ttl=1h token_max_ttl=4h
vault policy write security-wazuh-indexer policies/security-wazuh-indexer.hcl
vault write auth/k3s-domus/role/security-wazuh-indexer bound_service_account_names=wazuh-indexer bound_service_account_namespaces=security token_policies=security-wazuh-indexer token_ttl=1h token_max_ttl=4h
vault policy write security-wazuh-manager-master policies/security-wazuh-manager-master.hcl
vault write auth/k3s-domus/role/security-wazuh-manager-master bound_service_account_names=wazuh-manager-master bound_service_account_namespaces=security token_policies=security-wazuh-manager-master token_ttl=1h token_max_ttl=4h
vault policy write security-wazuh-manager-worker policies/security-wazuh-manager-worker.hcl
vault write auth/k3s-domus/role/security-wazuh-manager-worker bound_service_account_names=wazuh-manager-worker bound_service_account_namespaces=security token_policies=security-wazuh-manager-worker token_ttl=1h token_max_ttl=4h
vault policy write storage-minio policies/storage-minio.hcl
vault write auth/k3s-domus/role/storage-minio bound_service_account_names=minio bound_service_account_namespaces=storage token_policies=storage-minio token_ttl=1h token_max_ttl=4h
vault policy write storage-minio-buckets policies/storage-minio-buckets.hcl
vault write auth/k3s-domus/role/storage-minio-buckets bound_service_account_names=minio-buckets bound_service_account_namespaces=storage token_policies=storage-minio-buckets token_ttl=1h token_max_ttl=4h

# KV secrets the templates read (put the values yourself; this script never holds them):
#   vault kv put kv/monitoring/grafana admin_password=... admin_user=...
#   vault kv put kv/security/wazuh admin_hash=... api_password=... api_user=... authd_password=... cluster_key=... indexer_password=... indexer_user=... kibanaserver_hash=... kibanaserver_password=... kibanaserver_user=...
#   vault kv put kv/storage/minio root_password=... root_user=...
# PKI: role homelab on pki_int must allow *.domus.lan, domus.lan and the in-cluster service names (*.svc).
