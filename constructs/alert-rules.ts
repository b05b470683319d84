/**
 * Alerting rules (Prometheus rule-file format), generated at synthesis time for what the stack runs.
 *
 * The stack-wide rules here use the kubelet's and Cilium's metrics; restarts, pod phases and replicas come from
 * kube-state-metrics and the node's filesystems from node-exporter, each rule declared in that exporter's app
 * file (constructs/kube-state-metrics.ts, constructs/node-exporter.ts; docs/adr/0012-alerting-without-kube-state-metrics.md):
 * - cAdvisor (kubelet /metrics/cadvisor): a container that is not running has no series (absent()), which
 *   WorkloadNotRunning uses per workload of the stack.
 * - kubelet /metrics/probes: prober_probe_total per container and probe type.
 * - Each workload's own /metrics, for one rule per workload on a signal it really exposes.
 */
import { toMi } from '../config/fields';
import { AlertRule, alertRule } from './lib/app';
import { StackContext } from './lib/context';
import type { Workload } from './lib/workload';

export type { AlertRule, Severity } from './lib/app';
export interface RuleGroup {
  readonly name: string;
  readonly rules: readonly AlertRule[];
}

const rule = alertRule;

/** Regex for the pod names a controller gives its pods (StatefulSet `<name>-<ordinal>`, ReplicaSet `<name>-<hash>-<id>`). */
export function podNamePattern(name: string, kind: Workload['props']['kind']): string {
  switch (kind) {
    case 'StatefulSet':
      return `${name}-[0-9]+`;
    case 'Deployment':
      return `${name}-[a-z0-9]+-[a-z0-9]{5}`;
    case 'DaemonSet':
    case 'Job':
      return `${name}-[a-z0-9]{5}`;
    case 'CronJob':
      // Job `<name>-<minutes since the epoch>`, its pod `<job>-<id>`.
      return `${name}-[0-9]+-[a-z0-9]{5}`;
  }
}

/**
 * The certificates the stack serves: Traefik's store certificates (the Vault-issued wildcard of every route,
 * constructs/traefik.ts). Traefik exports each one's NotAfter per cn/serial/sans; a renewed certificate adds a
 * series and the old one stays until a restart, so the newest per cn is the one served. The Vault agent
 * replaces a certificate at 85-95 % of its life (720h: 36-108 h before expiry): less than a day left means
 * renewal failed (conformance/facts/backup.ts vaultAgentRenewal).
 */
function certificateRules(ctx: StackContext): AlertRule[] {
  if (!ctx.site.workloads.traefik.enabled) return [];
  return [
    rule(
      'TlsCertificateExpiring',
      'max by (cn) (traefik_tls_certs_not_after) - time() < 86400',
      '10m',
      'critical',
      'The certificate for {{ $labels.cn }} expires in less than a day',
      `Traefik still serves a certificate for {{ $labels.cn }} that expires within 24 hours: the Vault agent did not renew it (kubectl -n ${ctx.site.namespaces.ingress} logs -l app.kubernetes.io/name=traefik -c vault-agent; vault read ${ctx.site.vault.pkiMount}/roles/${ctx.site.vault.pkiRole}). HTTPS to the stack fails when it expires.`,
    ),
  ];
}

/** A container of a workload has no running instance (cAdvisor reports running containers only). */
function notRunning(w: Workload): AlertRule {
  const container = w.props.containers[0]!.name;
  return rule(
    'WorkloadNotRunning',
    `absent(container_start_time_seconds{namespace="${w.namespace}", pod=~"${podNamePattern(w.name, w.props.kind)}", container="${container}"})`,
    '10m',
    'critical',
    `${w.namespace}/${w.name} has no running ${container} container`,
    'cAdvisor has reported no running instance for 10 minutes: the pod is pending, crash looping or gone (kubectl -n ' +
      `${w.namespace} describe pod -l app.kubernetes.io/name=${w.name}).`,
    { namespace: w.namespace, workload: w.name },
  );
}

/**
 * @param retentionSizeShare share of the Prometheus volume that retention by size allows the blocks to use.
 */
export function alertRules(ctx: StackContext, retentionSizeShare: number): { groups: RuleGroup[] } {
  const w = ctx.site.workloads;
  const volumeBytes = Math.floor(toMi(w.prometheus.storage) * 1024 * 1024);
  const groups: RuleGroup[] = [
    {
      name: 'stack',
      rules: [
        rule(
          'TargetDown',
          'up == 0',
          '5m',
          'warning',
          'Scrape target {{ $labels.job }} is down',
          '{{ $labels.instance }} of job {{ $labels.job }} has not answered scrapes for 5 minutes.',
        ),
        rule(
          'PrometheusStorageNearlyFull',
          `(prometheus_tsdb_storage_blocks_bytes + prometheus_tsdb_wal_storage_size_bytes) / ${volumeBytes} > 0.8`,
          '15m',
          'warning',
          'Prometheus uses over 80% of its data volume',
          `Blocks and WAL exceed 80% of the ${w.prometheus.storage} volume; retention by size (${Math.round(retentionSizeShare * 100)}% of it) is deleting history before ${w.prometheus.retention}. Grow workloads.prometheus.storage or shorten the retention.`,
        ),
        rule(
          'ContainerLivenessFailing',
          'sum by (namespace, pod, container) (increase(prober_probe_total{probe_type="Liveness", result="failed"}[15m])) > 3',
          '0m',
          'warning',
          'Liveness probe of {{ $labels.namespace }}/{{ $labels.pod }}/{{ $labels.container }} fails',
          'The kubelet counted more than 3 failed liveness probes in 15 minutes; it restarts the container after failureThreshold of them.',
        ),
        rule(
          'CiliumPolicyDrops',
          'sum by (direction) (rate(cilium_drop_count_total{reason="Policy denied"}[5m])) > 1',
          '15m',
          'warning',
          'Cilium drops traffic by policy',
          'More than one packet per second is denied by network policy; a declared flow may be missing (hubble observe --verdict DROPPED).',
        ),
        ...certificateRules(ctx),
      ],
    },
  ];

  // Each app's rules on a signal it really exposes (its declaration in constructs/<app>.ts), in registry order.
  const perWorkload = ctx.apps.flatMap((app) => app.alerts?.(ctx.site) ?? []);
  groups.push({ name: 'workloads', rules: perWorkload });
  // Every long-running workload of the stack, as built (disabled ones do not exist).
  groups.push({ name: 'running', rules: ctx.workloads.filter((x) => x.props.kind !== 'Job' && x.props.kind !== 'CronJob').map(notRunning) });
  return { groups };
}
