/**
 * Every facts table of the stack, one line per component. The shared-upstream check and the facts listing
 * read this; component conformance tests import their own table directly.
 */
import { Fact, factsOf } from '../upstream';
import { ALLOY_FACTS } from './alloy';
import { ALERTMANAGER_FACTS } from './alertmanager';
import { ARGOCD_FACTS } from './argocd';
import { ARGOCD_LIVE_FACTS } from './argocd-live';
import { ARGOCD_SOURCE_FACTS } from './argocd-source';
import { BACKUP_FACTS } from './backup';
import { EXPOSURE_FACTS } from './exposure';
import { GRAFANA_FACTS } from './grafana';
import { KLIPPER_FACTS } from './klipper-lb';
import { KUBERNETES_RBAC_FACTS } from './kubernetes-rbac';
import { LOKI_FACTS } from './loki';
import { KSM_FACTS } from './kube-state-metrics';
import { METRIC_FACTS } from './metrics';
import { MC_FACTS, MINIO_FACTS } from './minio';
import { NODE_EXPORTER_FACTS } from './node-exporter';
import { PIN_FACTS } from './pins';
import { CONFIG_RELOADER_FACTS, PROMETHEUS_FACTS } from './prometheus';
import { SWITCH_FACTS } from './switches';
import { TRAEFIK_FACTS } from './traefik';
import { KUMA_FACTS } from './uptime-kuma';
import { VAULT_FACTS } from './vault';
import { WAZUH_FACTS } from './wazuh';

export const ALL_FACTS: readonly Fact<unknown>[] = [
  ...factsOf(PIN_FACTS),
  ...factsOf(ARGOCD_FACTS),
  ...factsOf(ARGOCD_LIVE_FACTS),
  ...factsOf(ARGOCD_SOURCE_FACTS),
  ...factsOf(SWITCH_FACTS),
  ...factsOf(KUBERNETES_RBAC_FACTS),
  ...factsOf(VAULT_FACTS),
  ...factsOf(TRAEFIK_FACTS),
  ...factsOf(KLIPPER_FACTS),
  ...factsOf(WAZUH_FACTS),
  ...factsOf(PROMETHEUS_FACTS),
  ...factsOf(CONFIG_RELOADER_FACTS),
  ...factsOf(GRAFANA_FACTS),
  ...factsOf(MINIO_FACTS),
  ...factsOf(MC_FACTS),
  ...factsOf(EXPOSURE_FACTS),
  ...factsOf(LOKI_FACTS),
  ...factsOf(ALLOY_FACTS),
  ...factsOf(KSM_FACTS),
  ...factsOf(NODE_EXPORTER_FACTS),
  ...factsOf(METRIC_FACTS),
  ...factsOf(ALERTMANAGER_FACTS),
  ...factsOf(KUMA_FACTS),
  ...factsOf(BACKUP_FACTS),
];
