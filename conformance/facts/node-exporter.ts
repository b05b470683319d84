/**
 * node-exporter v1.10.2, read at the tag's commit (not mirrored under ../shared/upstream, so no check): the
 * image's user and port, the path flags, the filesystem defaults, and the metric names the rules and
 * dashboards query.
 */
import { factTable } from '../upstream';

export const NODE_EXPORTER_FACTS = factTable('node-exporter', {
  image: {
    fact: 'the image runs /bin/node_exporter as USER nobody (65534 in the busybox base) and EXPOSEs 9100',
    value: { uid: 65534, port: 9100 },
    upstream: 'node-exporter',
    path: 'Dockerfile',
  },
  listen: {
    fact: 'the web listen address defaults to :9100 (kingpinflag.AddFlags)',
    value: ':9100',
    upstream: 'node-exporter',
    path: 'node_exporter.go',
  },
  pathFlags: {
    fact: 'the host paths are --path.procfs, --path.sysfs and --path.rootfs (defaults /proc, /sys, /)',
    value: ['--path.procfs', '--path.sysfs', '--path.rootfs'],
    upstream: 'node-exporter',
    path: 'collector/paths.go',
  },
  hostMonitoring: {
    fact: 'for host monitoring from a container the README bind-mounts / at /host read-only (rslave) with --path.rootfs=/host, and uses the host network and PID namespaces',
    value: { mount: '/:/host:ro,rslave', rootfs: '/host', hostNetwork: true, hostPID: true },
    upstream: 'node-exporter',
    path: 'README.md',
  },
  disableFlag: {
    fact: 'a default collector is disabled with --no-collector.<name>',
    value: '--no-collector.',
    upstream: 'node-exporter',
    path: 'README.md',
  },
  mountPointsExclude: {
    fact: 'the filesystem collector excludes these mount points by default (--collector.filesystem.mount-points-exclude)',
    value: '^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)',
    upstream: 'node-exporter',
    path: 'collector/filesystem_linux.go',
  },
  metrics: {
    fact: 'metric names the stack queries: node_filesystem_{avail,size}_bytes and _readonly (filesystem_common.go), node_cpu_seconds_total{mode} (cpu_linux.go), node_load1 (loadavg.go), node_memory_<field>_bytes (meminfo.go, meminfo_linux.go), node_disk_io_time_seconds_total (diskstats_common.go)',
    value: [
      'node_cpu_seconds_total',
      'node_disk_io_time_seconds_total',
      'node_filesystem_avail_bytes',
      'node_filesystem_readonly',
      'node_filesystem_size_bytes',
      'node_load1',
      'node_memory_MemAvailable_bytes',
      'node_memory_MemTotal_bytes',
    ],
    upstream: 'node-exporter',
    path: 'collector/filesystem_common.go',
  },
});
