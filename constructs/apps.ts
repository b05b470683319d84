/**
 * The apps of the stack: one line per app, each re-exporting the declaration of its constructs/<app>.ts.
 * Nothing else belongs here (constructs/registry.ts refuses any other export). The order of these lines does
 * not matter: the registry orders the apps by sync wave, then key (constructs/lib/app.ts `registryOrder`).
 * Adding an app: docs/adding-an-app.md.
 */
export { alertmanagerApp } from './alertmanager';
export { backupApp } from './backup';
export { argocdApp } from './argocd';
export { grafanaApp } from './grafana';
export { kubeStateMetricsApp } from './kube-state-metrics';
export { logAgentApp } from './log-agent';
export { lokiApp } from './loki';
export { minioApp } from './minio';
export { nodeExporterApp } from './node-exporter';
export { prometheusApp } from './prometheus';
export { traefikApp } from './traefik';
export { vaultInjectorApp } from './vault-injector';
export { wazuhApp } from './wazuh';
