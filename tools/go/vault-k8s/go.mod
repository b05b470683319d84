module domus.local/tools/vault-k8s

go 1.23.6

require github.com/hashicorp/vault-k8s v1.6.2
