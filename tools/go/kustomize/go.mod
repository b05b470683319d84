module domus.local/tools/kustomize

go 1.21

require sigs.k8s.io/kustomize/kustomize/v5 v5.4.3
