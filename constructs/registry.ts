/**
 * The apps of the stack, one line each. Each app is declared once, in its own constructs/<app>.ts
 * (constructs/lib/app.ts says what a declaration holds); the namespaces, charts, waves, dashboards, alert
 * rules, runbook lines and must-deny flows are derived from this list. The order is the order of the charts
 * in dist/ and of the child Applications (the platform chart, built from the namespaces, comes first).
 * Adding an app: docs/adding-an-app.md.
 */
import type { AppDefinition } from './lib/app';
import { alertmanagerApp } from './alertmanager';
import { argocdApp } from './argocd';
import { backupApp } from './backup';
import { grafanaApp } from './grafana';
import { logAgentApp } from './log-agent';
import { lokiApp } from './loki';
import { kubeStateMetricsApp } from './kube-state-metrics';
import { minioApp } from './minio';
import { nodeExporterApp } from './node-exporter';
import { prometheusApp } from './prometheus';
import { traefikApp } from './traefik';
import { vaultInjectorApp } from './vault-injector';
import { wazuhApp } from './wazuh';

export const APPS = [
  vaultInjectorApp,
  traefikApp,
  argocdApp,
  minioApp,
  wazuhApp,
  prometheusApp,
  grafanaApp,
  lokiApp,
  logAgentApp,
  kubeStateMetricsApp,
  nodeExporterApp,
  alertmanagerApp,
  backupApp,
] as const satisfies readonly AppDefinition[];
