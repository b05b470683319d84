#!/usr/bin/env bash
# Vault-side setup for the stack, generated from the same Vault specs as the pod annotations.
# Run from the repository root with the vault CLI logged in to https://vault.domus.lan:8200 (VAULT_ADDR) and kubectl
# on the cluster: K3S_CA_FILE=./server-ca.crt bash dist/bootstrap/vault/setup.sh (a copy of the k3s server CA,
# /var/lib/rancher/k3s/server/tls/server-ca.crt). Idempotent: safe to run again.
set -euo pipefail
# Paths given by the caller are relative to where it runs; files of this folder are found from the script.
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CA_FILE="${K3S_CA_FILE:-./server-ca.crt}"
[ -r "$CA_FILE" ] || { echo "setup.sh: cannot read the k3s server CA at $CA_FILE (set K3S_CA_FILE)" >&2; exit 1; }

AUTH_MOUNTS="$(vault auth list -format=json)"
case "$AUTH_MOUNTS" in *'"k3s-domus/"'*) ;; *) vault auth enable -path=k3s-domus kubernetes ;; esac
# Vault reviews pod tokens (TokenReview) with the token of vault/vault-auth (system:auth-delegator), held
# by the Secret vault-auth-token (dist/bootstrap/vault/reviewer-token.yaml): a service-account-token Secret does not expire, so
# nothing needs renewing (docs/adr/0061-vault-reviewer-token.md). REVIEWER_JWT overrides it.
reviewer_jwt() { kubectl -n vault get secret vault-auth-token -o jsonpath='{.data.token}' 2>/dev/null | base64 -d 2>/dev/null || true; }
# The token controller fills the Secret moments after it is applied: wait up to 60 s.
if [ -z "${REVIEWER_JWT:-}" ]; then for _ in $(seq 1 30); do REVIEWER_JWT="$(reviewer_jwt)"; [ -n "$REVIEWER_JWT" ] && break; sleep 2; done; fi
[ -n "$REVIEWER_JWT" ] || { echo "setup.sh: no reviewer token in vault/vault-auth-token (applied? see: kubectl -n vault get secret vault-auth-token)" >&2; exit 1; }
vault write auth/k3s-domus/config kubernetes_host=https://192.168.10.20:6443 kubernetes_ca_cert=@"$CA_FILE" token_reviewer_jwt="$REVIEWER_JWT" disable_local_ca_jwt=true

vault policy write backup-backup-drill "$HERE/policies/"backup-backup-drill.hcl
vault write auth/k3s-domus/role/backup-backup-drill bound_service_account_names=backup-drill bound_service_account_namespaces=backup token_policies=backup-backup-drill token_ttl=1h token_max_ttl=4h
vault policy write backup-backup-target-check "$HERE/policies/"backup-backup-target-check.hcl
vault write auth/k3s-domus/role/backup-backup-target-check bound_service_account_names=backup-target-check bound_service_account_namespaces=backup token_policies=backup-backup-target-check token_ttl=1h token_max_ttl=4h
vault policy write ingress-traefik "$HERE/policies/"ingress-traefik.hcl
vault write auth/k3s-domus/role/ingress-traefik bound_service_account_names=traefik bound_service_account_namespaces=ingress token_policies=ingress-traefik token_ttl=1h token_max_ttl=4h
vault policy write monitoring-backup-loki "$HERE/policies/"monitoring-backup-loki.hcl
vault write auth/k3s-domus/role/monitoring-backup-loki bound_service_account_names=backup-loki bound_service_account_namespaces=monitoring token_policies=monitoring-backup-loki token_ttl=1h token_max_ttl=4h
vault policy write monitoring-backup-prometheus "$HERE/policies/"monitoring-backup-prometheus.hcl
vault write auth/k3s-domus/role/monitoring-backup-prometheus bound_service_account_names=backup-prometheus bound_service_account_namespaces=monitoring token_policies=monitoring-backup-prometheus token_ttl=1h token_max_ttl=4h
vault policy write monitoring-grafana "$HERE/policies/"monitoring-grafana.hcl
vault write auth/k3s-domus/role/monitoring-grafana bound_service_account_names=grafana bound_service_account_namespaces=monitoring token_policies=monitoring-grafana token_ttl=1h token_max_ttl=4h
vault policy write monitoring-restore-loki "$HERE/policies/"monitoring-restore-loki.hcl
vault write auth/k3s-domus/role/monitoring-restore-loki bound_service_account_names=restore-loki bound_service_account_namespaces=monitoring token_policies=monitoring-restore-loki token_ttl=1h token_max_ttl=4h
vault policy write monitoring-restore-prometheus "$HERE/policies/"monitoring-restore-prometheus.hcl
vault write auth/k3s-domus/role/monitoring-restore-prometheus bound_service_account_names=restore-prometheus bound_service_account_namespaces=monitoring token_policies=monitoring-restore-prometheus token_ttl=1h token_max_ttl=4h
vault policy write security-backup-wazuh-manager-master "$HERE/policies/"security-backup-wazuh-manager-master.hcl
vault write auth/k3s-domus/role/security-backup-wazuh-manager-master bound_service_account_names=backup-wazuh-manager-master bound_service_account_namespaces=security token_policies=security-backup-wazuh-manager-master token_ttl=1h token_max_ttl=4h
vault policy write security-backup-wazuh-manager-worker "$HERE/policies/"security-backup-wazuh-manager-worker.hcl
vault write auth/k3s-domus/role/security-backup-wazuh-manager-worker bound_service_account_names=backup-wazuh-manager-worker bound_service_account_namespaces=security token_policies=security-backup-wazuh-manager-worker token_ttl=1h token_max_ttl=4h
vault policy write security-restore-wazuh-manager-master "$HERE/policies/"security-restore-wazuh-manager-master.hcl
vault write auth/k3s-domus/role/security-restore-wazuh-manager-master bound_service_account_names=restore-wazuh-manager-master bound_service_account_namespaces=security token_policies=security-restore-wazuh-manager-master token_ttl=1h token_max_ttl=4h
vault policy write security-restore-wazuh-manager-worker "$HERE/policies/"security-restore-wazuh-manager-worker.hcl
vault write auth/k3s-domus/role/security-restore-wazuh-manager-worker bound_service_account_names=restore-wazuh-manager-worker bound_service_account_namespaces=security token_policies=security-restore-wazuh-manager-worker token_ttl=1h token_max_ttl=4h
vault policy write security-wazuh-dashboard "$HERE/policies/"security-wazuh-dashboard.hcl
vault write auth/k3s-domus/role/security-wazuh-dashboard bound_service_account_names=wazuh-dashboard bound_service_account_namespaces=security token_policies=security-wazuh-dashboard token_ttl=1h token_max_ttl=4h
vault policy write security-wazuh-indexer "$HERE/policies/"security-wazuh-indexer.hcl
vault write auth/k3s-domus/role/security-wazuh-indexer bound_service_account_names=wazuh-indexer bound_service_account_namespaces=security token_policies=security-wazuh-indexer token_ttl=1h token_max_ttl=4h
vault policy write security-wazuh-manager-master "$HERE/policies/"security-wazuh-manager-master.hcl
vault write auth/k3s-domus/role/security-wazuh-manager-master bound_service_account_names=wazuh-manager-master bound_service_account_namespaces=security token_policies=security-wazuh-manager-master token_ttl=1h token_max_ttl=4h
vault policy write security-wazuh-manager-worker "$HERE/policies/"security-wazuh-manager-worker.hcl
vault write auth/k3s-domus/role/security-wazuh-manager-worker bound_service_account_names=wazuh-manager-worker bound_service_account_namespaces=security token_policies=security-wazuh-manager-worker token_ttl=1h token_max_ttl=4h
vault policy write storage-backup-minio "$HERE/policies/"storage-backup-minio.hcl
vault write auth/k3s-domus/role/storage-backup-minio bound_service_account_names=backup-minio bound_service_account_namespaces=storage token_policies=storage-backup-minio token_ttl=1h token_max_ttl=4h
vault policy write storage-minio "$HERE/policies/"storage-minio.hcl
vault write auth/k3s-domus/role/storage-minio bound_service_account_names=minio bound_service_account_namespaces=storage token_policies=storage-minio token_ttl=1h token_max_ttl=4h
vault policy write storage-minio-buckets "$HERE/policies/"storage-minio-buckets.hcl
vault write auth/k3s-domus/role/storage-minio-buckets bound_service_account_names=minio-buckets bound_service_account_namespaces=storage token_policies=storage-minio-buckets token_ttl=1h token_max_ttl=4h
vault policy write storage-restore-minio "$HERE/policies/"storage-restore-minio.hcl
vault write auth/k3s-domus/role/storage-restore-minio bound_service_account_names=restore-minio bound_service_account_namespaces=storage token_policies=storage-restore-minio token_ttl=1h token_max_ttl=4h

# PKI role: exactly the names the templates request (6 certificates); the mount and its CA exist already.
vault write pki_int/roles/homelab 'allowed_domains=*.domus.lan,admin.wazuh-indexer.security.svc,domus.lan,wazuh-dashboard.security.svc,wazuh-indexer.security.svc,wazuh-manager-master.security.svc,wazuh-manager-worker.security.svc,wazuh.domus.lan' allow_bare_domains=true allow_subdomains=false allow_glob_domains=false allow_any_name=false allow_localhost=false allow_wildcard_certificates=true allow_ip_sans=false enforce_hostnames=true key_type=rsa key_bits=2048 max_ttl=720h server_flag=true client_flag=true

# KV secrets the templates read (DAY0 prompts for each value; this script never holds them):
#   vault kv put kv/backup/target access_key_id=... restic_password=... secret_access_key=...
#   vault kv put kv/monitoring/grafana admin_password=... admin_user=...
#   vault kv put kv/security/wazuh admin_hash=... api_password=... api_user=... authd_password=... cluster_key=... indexer_password=... indexer_user=... kibanaserver_hash=... kibanaserver_password=... kibanaserver_user=...
#   vault kv put kv/storage/minio root_password=... root_user=...
