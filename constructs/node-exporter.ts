/**
 * node-exporter (DaemonSet, namespace `node-exporter`): the node's CPU, memory, load and filesystems, read from
 * the host's /proc, /sys and root filesystem mounted read-only. Upstream facts: conformance/facts/node-exporter.ts.
 *
 * Upstream runs it with the host's network and PID namespaces and `/` at /host (README). Here it keeps the pod
 * network (so Prometheus reaches it as a workload, under the same policy as every other target) and the pod PID
 * namespace; /proc is the host's procfs, so CPU, memory, load and /proc/1/mountinfo (the filesystems) are the
 * node's. What would read the pod's network namespace through /proc/self/net is switched off (`--no-collector.*`
 * below) rather than reported as the node's: Cilium and Hubble metrics cover the network.
 */
import { z } from 'zod';
import { component, res } from '../config/fields';
import { alertRule, defineApp, namespaceName, pinnedImage } from './lib/app';
import { Workload } from './lib/workload';

export const NODE_EXPORTER_IMAGE = { repository: 'quay.io/prometheus/node-exporter', tag: 'v1.10.2' } as const;
/** The image's USER nobody (upstream Dockerfile). */
export const NODE_EXPORTER_UID = 65534;
export const NODE_EXPORTER_PORT = 9100;
/** Where the host's root filesystem is mounted (read-only), and --path.rootfs. */
export const HOST_ROOT = '/host';
/** Collectors that read /proc/self/net or per-netns sysctls: in a pod they report the pod's network, not the node's. */
export const POD_NETNS_COLLECTORS = ['arp', 'conntrack', 'netdev', 'netstat', 'sockstat', 'softnet'] as const;
/**
 * Mount points left out: upstream's default list plus the kubelet's and k3s' per-pod mounts (secrets, projected
 * tokens, emptyDirs), which would add a filesystem series per pod volume.
 */
export const MOUNT_POINTS_EXCLUDE = '^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|var/lib/containers/storage/.+|var/lib/kubelet/.+|run/k3s/.+)($|/)';

/** `site.workloads.nodeExporter`. */
export const nodeExporterSchema = z
  .strictObject({
    /** @default true (with Prometheus): node CPU, memory and disk alerts need it. */
    enabled: z.boolean().default(true),
    resources: component({ resources: res('20m', '32Mi', '64Mi', '200m') }).resources,
  })
  .prefault({});

declare module '../config/schema' {
  /** `site.workloads.nodeExporter`, typed by this file's schema (config/schema.ts SiteWorkloads). */
  interface SiteWorkloads {
    readonly nodeExporter: z.output<typeof nodeExporterSchema>;
  }
}

export const nodeExporterApp = defineApp({
  key: 'nodeExporter',
  schema: nodeExporterSchema,
  namespace: {
    key: 'node-exporter',
    podSecurity: 'privileged',
    reason:
      'node-exporter mounts the host root filesystem read-only (hostPath /), which baseline forbids; the namespace holds only it, and its container stays non-root, without capabilities, read-only',
  },
  chart: 'node-exporter',
  wave: 0,
  images: [NODE_EXPORTER_IMAGE],
  enabled: (site) => site.workloads.nodeExporter.enabled && site.workloads.prometheus.enabled,
  routed: false,
  build: (chart, ctx) => {
    new Workload(chart, 'node-exporter', ctx, {
      name: 'node-exporter',
      namespace: namespaceName(ctx.site, 'node-exporter'),
      partOf: 'observability',
      version: NODE_EXPORTER_IMAGE.tag,
      kind: 'DaemonSet',
      user: { uid: NODE_EXPORTER_UID, gid: NODE_EXPORTER_UID },
      containers: [
        {
          name: 'node-exporter',
          image: pinnedImage(NODE_EXPORTER_IMAGE),
          args: [
            `--path.rootfs=${HOST_ROOT}`,
            `--path.procfs=${HOST_ROOT}/proc`,
            `--path.sysfs=${HOST_ROOT}/sys`,
            `--collector.filesystem.mount-points-exclude=${MOUNT_POINTS_EXCLUDE}`,
            ...POD_NETNS_COLLECTORS.map((c) => `--no-collector.${c}`),
          ],
          ports: [{ name: 'metrics', port: NODE_EXPORTER_PORT }],
          resources: ctx.site.workloads.nodeExporter.resources,
          liveness: { http: { path: '/', port: 'metrics' } },
          readiness: { http: { path: '/', port: 'metrics' } },
          // rslave as upstream's README: later host mounts appear, unmounts are not held busy by the pod.
          mounts: [{ volume: 'host-root', path: HOST_ROOT, readOnly: true, propagation: 'HostToContainer' }],
        },
      ],
      volumes: [{ name: 'host-root', hostPath: { path: '/', type: 'Directory' } }],
      metrics: [{ port: 'metrics' }],
    });
  },
  dashboards: () => [
    {
      uid: 'domus-node',
      title: 'Node',
      panels: [
        { title: 'CPU busy', expr: '1 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[5m]))', unit: 'percentunit' },
        { title: 'Load (1m)', expr: 'node_load1' },
        { title: 'Memory available', expr: 'node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes', unit: 'percentunit' },
        { title: 'Filesystem free', expr: 'node_filesystem_avail_bytes{fstype!="tmpfs"} / node_filesystem_size_bytes{fstype!="tmpfs"}', unit: 'percentunit' },
        { title: 'Disk I/O time', expr: 'rate(node_disk_io_time_seconds_total[5m])', unit: 'percentunit' },
      ],
    },
  ],
  alerts: () => [
    alertRule(
      'NodeFilesystemNearlyFull',
      'node_filesystem_avail_bytes{fstype!="tmpfs"} / node_filesystem_size_bytes{fstype!="tmpfs"} < 0.15 and node_filesystem_readonly{fstype!="tmpfs"} == 0',
      '10m',
      'warning',
      'Filesystem {{ $labels.mountpoint }} on {{ $labels.node }} is over 85% full',
      'Less than 15% is free for unprivileged users; local-path volumes and container images live on the node filesystems.',
    ),
    alertRule(
      'NodeMemoryLow',
      'node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes < 0.1',
      '15m',
      'warning',
      'Node {{ $labels.node }} has less than 10% memory available',
      'The kernel may start OOM-killing pods.',
    ),
    alertRule(
      'NodeExporterDown',
      'up{job="node-exporter"} == 0',
      '5m',
      'critical',
      'node-exporter on {{ $labels.node }} does not answer',
      'The node may be down or its exporter crashed; the node alerts are blind meanwhile (Alertmanager holds back the node’s other alerts: NODE_DOWN_INHIBITION).',
    ),
  ],
  mustDeny: [{ from: 'ingress/traefik', to: 'node-exporter/node-exporter', port: NODE_EXPORTER_PORT, why: 'host metrics are for Prometheus only' }],
});
