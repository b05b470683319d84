/**
 * Observability: scrape jobs and network flows come from the same declaration, disabled workloads vanish from
 * both, the datasource follows the Prometheus Service, Grafana reaches only Prometheus (and Vault), Prometheus'
 * RBAC only reads, and the alert rules and dashboards query metrics that exist without kube-state-metrics.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { SiteInput } from '../config/schema';
import { dashboardSpecs } from '../constructs/dashboards';
import { peerKey, workloadPeer } from '../constructs/lib/network';
import { chartObjects, findAll, findResource, flowAllowed, flows, KubeObject, podTemplate, rulesOf, synth, workloadPolicy } from './helpers';

type Synth = ReturnType<typeof synth>;
interface Relabel {
  source_labels?: string[];
  regex?: string;
  action?: string;
  target_label?: string;
  replacement?: string;
}
interface Job {
  job_name: string;
  metrics_path?: string;
  scheme?: string;
  authorization?: { credentials_file: string };
  tls_config?: { ca_file?: string };
  kubernetes_sd_configs?: { role: string; namespaces?: { names: string[] } }[];
  relabel_configs?: Relabel[];
}
interface Rule {
  alert: string;
  expr: string;
  for: string;
  labels: { severity: string } & Record<string, string>;
  annotations: { summary: string; description: string };
}
interface Group {
  name: string;
  rules: Rule[];
}
interface CnpRule {
  toEndpoints?: { matchLabels: Record<string, string> }[];
  fromEndpoints?: { matchLabels: Record<string, string> }[];
  toEntities?: string[];
  toCIDR?: string[];
  toPorts: { ports: { port: string; protocol: string }[] }[];
}

const promData = (s: Synth = synth()) => findResource('ConfigMap', 'prometheus-config', 'monitoring', s).data as Record<string, string>;
const jobsOf = (s: Synth = synth()) => (parse(promData(s)['prometheus.yml']) as { scrape_configs: Job[] }).scrape_configs;
const jobNames = (s: Synth = synth()) => jobsOf(s).map((j) => j.job_name);
const groupsOf = (s: Synth = synth()) => (parse(promData(s)['alerts.yml']) as { groups: Group[] }).groups;
const alertsOf = (s: Synth = synth()) => groupsOf(s).flatMap((g) => g.rules);
const cnp = (name: string, s: Synth = synth()) => workloadPolicy('monitoring', name, s).spec as { ingress?: CnpRule[]; egress?: CnpRule[] };
const ports = (r: CnpRule) => r.toPorts.flatMap((p) => p.ports.map((x) => Number(x.port)));
const PROM_SELECTOR = { 'app.kubernetes.io/name': 'prometheus', 'k8s:io.kubernetes.pod.namespace': 'monitoring' };
const KUBELET_JOBS = ['kubelet', 'kubelet-cadvisor', 'kubelet-probes'];

test('a scrape job for every enabled workload that declares metrics, plus the platform targets', () => {
  const s = synth();
  const declaredByWorkloads = s.stack.ctx.workloads.flatMap((w) => (w.props.metrics ?? []).map((m) => m.job ?? w.name));
  expect(declaredByWorkloads.length).toBeGreaterThan(5);
  expect(jobNames(s).sort()).toEqual([...declaredByWorkloads, 'coredns', 'cilium-agent', 'cilium-operator', 'hubble', ...KUBELET_JOBS].sort());
  // Named, so a workload silently losing its declaration fails here.
  expect(jobNames(s)).toEqual(
    expect.arrayContaining([
      'prometheus',
      'grafana',
      'argocd-server',
      'argocd-repo-server',
      'argocd-application-controller',
      'argocd-applicationset-controller',
      'traefik',
      'minio',
    ]),
  );
  // Wazuh 4.14 has no Prometheus endpoint: no job, rather than a job that is always down.
  expect(jobNames(s).some((j) => j.startsWith('wazuh'))).toBe(false);
});

test('a disabled workload disappears from scrape jobs, flows, alert rules and dashboards', () => {
  const s = synth({ workloads: { minio: { enabled: false }, grafana: { enabled: false } } });
  expect(jobNames(s)).not.toContain('minio');
  expect(jobNames(s)).not.toContain('grafana');
  expect(jobNames(s)).toContain('traefik');
  const touches = (f: ReturnType<typeof flows>[number], key: string) => peerKey(f.to) === key || peerKey(f.from) === key;
  expect(flows(s).filter((f) => touches(f, 'workload:storage/minio') || touches(f, 'workload:monitoring/grafana'))).toEqual([]);
  expect((cnp('prometheus', s).egress ?? []).some((r) => r.toEndpoints?.some((e) => e.matchLabels['app.kubernetes.io/name'] === 'minio'))).toBe(false);
  const alerts = alertsOf(s);
  expect(alerts.map((r) => r.alert)).not.toEqual(expect.arrayContaining(['MinioDriveOffline']));
  expect(alerts.map((r) => r.alert)).not.toContain('GrafanaServerErrors');
  expect(alerts.filter((r) => r.labels.workload === 'minio' || r.labels.workload === 'grafana')).toEqual([]);
  expect(dashboardSpecs(s.stack.ctx).map((d) => d.uid)).not.toEqual(expect.arrayContaining(['domus-minio']));
});

test('without Prometheus (and Loki) nothing scrapes and Grafana has no datasource flow', () => {
  const s = synth({ workloads: { prometheus: { enabled: false }, loki: { enabled: false } } });
  expect(flows(s).filter((f) => peerKey(f.from) === 'workload:monitoring/prometheus' || peerKey(f.to) === 'workload:monitoring/prometheus')).toEqual([]);
  expect(findAll('StatefulSet', s).map((o) => o.metadata.name)).not.toContain('prometheus');
  const ds = parse((findResource('ConfigMap', 'grafana-config', 'monitoring', s).data as Record<string, string>)['datasources.yaml']) as { datasources: unknown[] };
  expect(ds.datasources).toEqual([]);
});

test('every scrape target has the egress on Prometheus and the ingress on the target, from the same declaration', () => {
  const s = synth();
  const egress = cnp('prometheus', s).egress ?? [];
  const jobs = jobsOf(s);
  for (const t of s.stack.ctx.metrics.targets()) {
    const port = t.endpoint.port.port;
    const job = jobs.find((j) => j.job_name === t.job);
    expect({ job: t.job, rendered: job !== undefined }).toEqual({ job: t.job, rendered: true });
    const peer = t.endpoint.peer;
    if (peer.kind === 'entity') {
      expect({ job: t.job, egress: egress.some((r) => r.toEntities?.includes(peer.entity) && ports(r).includes(port)) }).toEqual({ job: t.job, egress: true });
      // The job scrapes the same port it was allowed to.
      expect(job!.relabel_configs!.some((r) => r.target_label === '__address__' && r.replacement === `$1:${port}`)).toBe(true);
      continue;
    }
    if (peer.kind !== 'workload' && peer.kind !== 'pods') throw new Error(`unexpected peer for ${t.job}`);
    const labels = peer.kind === 'workload' ? { 'app.kubernetes.io/name': peer.name } : peer.labels;
    const selector = { 'k8s:io.kubernetes.pod.namespace': peer.namespace, ...labels };
    expect({
      job: t.job,
      egress: egress.some(
        (r) =>
          r.toEndpoints?.some((e) => JSON.stringify(e.matchLabels) === JSON.stringify(selector) || Object.entries(selector).every(([k, v]) => e.matchLabels[k] === v)) &&
          ports(r).includes(port),
      ),
    }).toEqual({ job: t.job, egress: true });
    expect(job!.kubernetes_sd_configs).toEqual([{ role: 'pod', namespaces: { names: [peer.namespace] } }]);
    expect(job!.relabel_configs!.some((r) => r.source_labels?.[0] === '__meta_kubernetes_pod_container_port_number' && r.regex === String(port) && r.action === 'keep')).toBe(true);
    if (peer.kind === 'workload') {
      const ingress = (workloadPolicy(peer.namespace, peer.name, s).spec as { ingress?: CnpRule[] }).ingress ?? [];
      const fromProm = ingress.filter((r) =>
        r.fromEndpoints?.some((e) => e.matchLabels['app.kubernetes.io/name'] === 'prometheus' && e.matchLabels['k8s:io.kubernetes.pod.namespace'] === 'monitoring'),
      );
      expect({ job: t.job, ingress: fromProm.some((r) => ports(r).includes(port)) }).toEqual({ job: t.job, ingress: true });
    }
  }
});

test('Prometheus egress is only scrape targets and the API server (DNS comes from the namespace policy)', () => {
  const s = synth();
  const targets = s.stack.ctx.metrics.targets();
  for (const r of cnp('prometheus', s).egress ?? []) {
    if (r.toEntities?.includes('kube-apiserver')) {
      expect(ports(r)).toEqual([6443]);
    } else if (r.toEntities) {
      expect(r.toEntities).toEqual(['host']);
      expect(ports(r).sort()).toEqual(
        targets
          .filter((t) => t.endpoint.peer.kind === 'entity')
          .map((t) => t.endpoint.port.port)
          .sort(),
      );
    } else {
      const name = r.toEndpoints![0]!.matchLabels['app.kubernetes.io/name'] ?? r.toEndpoints![0]!.matchLabels['k8s-app'];
      expect({
        name,
        declared: targets.some(
          (t) =>
            (t.endpoint.peer.kind === 'workload' && t.endpoint.peer.name === name) || (t.endpoint.peer.kind === 'pods' && Object.values(t.endpoint.peer.labels).includes(name!)),
        ),
      }).toEqual({ name, declared: true });
    }
    expect(r.toCIDR).toBeUndefined();
  }
});

test('kubelet and cAdvisor are scraped through the API server proxy with the ServiceAccount token', () => {
  const jobs = jobsOf().filter((j) => KUBELET_JOBS.includes(j.job_name));
  expect(jobs.map((j) => j.job_name)).toEqual(KUBELET_JOBS);
  for (const j of jobs) {
    expect(j.scheme).toBe('https');
    expect(j.authorization?.credentials_file).toBe('/var/run/secrets/kubernetes.io/serviceaccount/token');
    expect(j.tls_config?.ca_file).toBe('/var/run/secrets/kubernetes.io/serviceaccount/ca.crt');
    expect(j.relabel_configs).toContainEqual({ target_label: '__address__', replacement: 'kubernetes.default.svc:443' });
    expect(j.relabel_configs!.find((r) => r.target_label === '__metrics_path__')!.replacement).toMatch(/^\/api\/v1\/nodes\/\$1\/proxy\/metrics/);
  }
  expect(flowAllowed(workloadPeer('monitoring', 'prometheus'), { kind: 'entity', entity: 'kube-apiserver' }, 6443)).toBe(true);
  expect(podTemplate('StatefulSet', 'prometheus', 'monitoring').spec.automountServiceAccountToken).toBe(true);
});

test('the Cilium operator is discovered as pods (it does not run on every node); agent and Hubble per node', () => {
  const jobs = jobsOf();
  const op = jobs.find((j) => j.job_name === 'cilium-operator')!;
  expect(op.kubernetes_sd_configs).toEqual([{ role: 'pod', namespaces: { names: ['kube-system'] } }]);
  expect(op.relabel_configs).toContainEqual({ source_labels: ['__meta_kubernetes_pod_label_io_cilium_app'], regex: 'operator', action: 'keep' });
  for (const name of ['cilium-agent', 'hubble']) expect(jobs.find((j) => j.job_name === name)!.kubernetes_sd_configs).toEqual([{ role: 'node' }]);
});

test('on several nodes Prometheus may reach the Cilium metrics ports of the other nodes too', () => {
  const s = synth({
    nodes: [
      { name: 'n1', ip: '192.168.10.21', roles: ['server'] },
      { name: 'n2', ip: '192.168.10.22', roles: ['agent'] },
    ],
  } as SiteInput);
  const remote = (cnp('prometheus', s).egress ?? []).find((r) => r.toEntities?.includes('remote-node'));
  expect(ports(remote!).sort()).toEqual([9962, 9963, 9965]);
  expect((cnp('prometheus').egress ?? []).some((r) => r.toEntities?.includes('remote-node'))).toBe(false);
});

test('the Grafana datasource is the Prometheus Service name and port', () => {
  const ds = parse((findResource('ConfigMap', 'grafana-config', 'monitoring').data as Record<string, string>)['datasources.yaml']) as {
    datasources: { uid: string; url: string }[];
  };
  const svc = findResource('Service', 'prometheus', 'monitoring');
  const port = (svc.spec as { ports: { name: string; port: number }[] }).ports.find((p) => p.name === 'http')!.port;
  expect(ds.datasources[0]!.url).toBe(`http://${svc.metadata.name}.${svc.metadata.namespace}.svc:${port}`);
  // Panels point at that datasource by uid.
  const dashboards = findResource('ConfigMap', 'grafana-dashboards', 'monitoring').data as Record<string, string>;
  for (const json of Object.values(dashboards)) {
    // Every panel queries a provisioned datasource (Prometheus, or Loki for the logs dashboard).
    for (const p of (JSON.parse(json) as { panels: { datasource: { uid: string } }[] }).panels) expect(ds.datasources.map((d) => d.uid)).toContain(p.datasource.uid);
  }
});

test('Grafana policy: Prometheus:9090 and Vault out, nothing toward MinIO or Wazuh; in only Traefik (and the scrape)', () => {
  const grafana = workloadPeer('monitoring', 'grafana');
  expect(flowAllowed(grafana, workloadPeer('monitoring', 'prometheus'), 9090)).toBe(true);
  const egress = cnp('grafana').egress ?? [];
  const text = JSON.stringify(egress);
  for (const ns of ['storage', 'security']) expect(text).not.toContain(`"k8s:io.kubernetes.pod.namespace":"${ns}"`);
  expect(egress.filter((r) => r.toEndpoints).map((r) => [r.toEndpoints![0]!.matchLabels, ports(r)])).toEqual([
    [{ 'app.kubernetes.io/name': 'loki', 'k8s:io.kubernetes.pod.namespace': 'monitoring' }, [3100]],
    [PROM_SELECTOR, [9090]],
  ]);
  expect(egress.filter((r) => r.toCIDR).map((r) => [r.toCIDR, ports(r)])).toEqual([[['192.168.10.5/32'], [8200]]]);
  expect(egress.filter((r) => r.toEntities)).toEqual([]);
  const from = flows()
    .filter((f) => peerKey(f.to) === peerKey(grafana))
    .map((f) => `${peerKey(f.from)}:${f.port.port}`);
  expect(from.sort()).toEqual(['workload:ingress/traefik:3000', 'workload:monitoring/prometheus:3000']);
  for (const peer of [workloadPeer('storage', 'minio'), workloadPeer('security', 'wazuh-indexer'), workloadPeer('security', 'wazuh-dashboard')]) {
    expect(flows().some((f) => peerKey(f.from) === peerKey(grafana) && peerKey(f.to) === peerKey(peer))).toBe(false);
  }
});

test('Prometheus 9090 is reachable only from Grafana, Traefik (allowlisted route) and itself', () => {
  const from = flows()
    .filter((f) => peerKey(f.to) === 'workload:monitoring/prometheus')
    .map((f) => `${peerKey(f.from)}:${f.port.port}`);
  expect(from.sort()).toEqual(['workload:ingress/traefik:9090', 'workload:monitoring/grafana:9090', 'workload:monitoring/prometheus:9090']);
  expect(flowAllowed({ kind: 'entity', entity: 'world' }, workloadPeer('monitoring', 'prometheus'), 9090)).toBe(false);
  const route = findResource('IngressRoute', 'prometheus', 'monitoring').spec as { routes: { match: string; middlewares: { name: string }[] }[]; tls: object };
  // The lifecycle API (--web.enable-lifecycle, for the reloader) is never forwarded (the route's exposure.denyPaths, dist/intent/exposure.json).
  expect(route.routes[0]!.match).toBe('Host(`prometheus.domus.lan`) && !PathPrefix(`/-/quit`) && !PathPrefix(`/-/reload`)');
  expect(route.routes[0]!.middlewares.map((m) => m.name)).toEqual(['admin-allowlist']);
  expect(route.tls).toEqual({});
  expect((findResource('Middleware', 'admin-allowlist', 'monitoring').spec as { ipAllowList: { sourceRange: string[] } }).ipAllowList.sourceRange.length).toBeGreaterThan(0);
});

test('Prometheus RBAC reads only: discovery and the kubelet proxy, nothing on secrets, no write verb', () => {
  const rules = rulesOf(findResource('ClusterRole', 'monitoring-prometheus'));
  for (const r of rules) {
    expect(r.verbs.every((v) => ['get', 'list', 'watch'].includes(v))).toBe(true);
    expect(r.resources ?? []).not.toContain('secrets');
    expect(r.resources ?? []).not.toContain('*');
    expect(r.apiGroups ?? []).not.toContain('*');
  }
  const granted = rules.flatMap((r) => (r.resources ?? []).map((res) => `${r.apiGroups![0] || 'core'}/${res}`));
  expect(granted.sort()).toEqual(['core/endpoints', 'core/nodes', 'core/nodes/metrics', 'core/nodes/proxy', 'core/pods', 'core/services'].sort());
  expect(rules.filter((r) => r.nonResourceURLs)).toEqual([{ nonResourceURLs: ['/metrics'], verbs: ['get'] }]);
  expect(
    findAll('Role')
      .concat(findAll('ClusterRole'))
      .filter((o) => o.metadata.name.includes('grafana')),
  ).toEqual([]);
});

test('alert rules are well-formed rule files: groups, rules, expr, for, severity, annotations', () => {
  const groups = groupsOf();
  expect(groups.map((g) => g.name)).toEqual(['stack', 'workloads', 'running']);
  for (const g of groups) {
    expect(g.rules.length).toBeGreaterThan(0);
    for (const r of g.rules) {
      expect(Object.keys(r).sort()).toEqual(['alert', 'annotations', 'expr', 'for', 'labels']);
      expect(r.alert).toMatch(/^[A-Z][A-Za-z]+$/);
      expect(r.for).toMatch(/^\d+[smh]$/);
      expect(['warning', 'critical']).toContain(r.labels.severity);
      expect(r.annotations.summary.length).toBeGreaterThan(5);
      expect(r.annotations.description.length).toBeGreaterThan(5);
      // Balanced brackets: a cheap stand-in for promtool when it is not installed (see the promtool test).
      for (const [o, c] of [
        ['(', ')'],
        ['{', '}'],
        ['[', ']'],
      ])
        expect(r.expr.split(o).length).toBe(r.expr.split(c).length);
    }
  }
  expect(promData()['prometheus.yml']).toContain('/etc/config/alerts.yml');
});

test('the basics and one rule per enabled workload; restarts from kube-state-metrics, disk from node-exporter', () => {
  const s = synth();
  const alerts = alertsOf(s);
  const byName = (n: string) => alerts.find((r) => r.alert === n)!;
  expect(alerts.map((r) => r.alert)).toEqual(expect.arrayContaining(['TargetDown', 'PrometheusStorageNearlyFull', 'NodeFilesystemNearlyFull', 'PodCrashLooping']));
  expect(byName('TargetDown').expr).toBe('up == 0');
  expect(byName('PrometheusStorageNearlyFull').expr).toContain(String(20 * 1024 ** 3));
  // The restart counter of kube-state-metrics survives restarts; cAdvisor's per-instance series did not (ADR 0012).
  expect(byName('PodCrashLooping').expr).toContain('increase(kube_pod_container_status_restarts_total[30m])');
  expect(byName('NodeFilesystemNearlyFull').expr).toContain('node_filesystem_avail_bytes');
  // local-path volumes report no kubelet volume stats: a rule on them could never fire.
  expect(alerts.map((r) => r.expr).join('\n')).not.toMatch(/kubelet_volume_stats_|changes\(container_start_time_seconds/);
  // Without the exporters, their rules go too (nothing would produce the series).
  const bare = alertsOf(synth({ workloads: { kubeStateMetrics: { enabled: false }, nodeExporter: { enabled: false } } })).map((r) => r.alert);
  expect(bare).not.toContain('PodCrashLooping');
  expect(bare).not.toContain('NodeFilesystemNearlyFull');
  const perWorkload: Record<string, string> = {
    prometheus: 'prometheus_config_last_reload_successful',
    grafana: 'grafana_http_request_duration_seconds_count',
    argocd: 'argocd_app_info',
    traefik: 'traefik_entrypoint_requests_total',
    minio: 'minio_cluster_drive_offline_total',
    wazuh: 'kube_pod_container_status_restarts_total{namespace="security"',
  };
  const workloadExprs = groupsOf(s)
    .find((g) => g.name === 'workloads')!
    .rules.map((r) => r.expr)
    .join('\n');
  for (const [w, metric] of Object.entries(perWorkload)) expect({ w, found: workloadExprs.includes(metric) }).toEqual({ w, found: true });
  // Every long-running workload has a "not running" rule matching its pods' names.
  const running = groupsOf(s).find((g) => g.name === 'running')!.rules;
  const longRunning = s.stack.ctx.workloads.filter((w) => w.props.kind !== 'Job' && w.props.kind !== 'CronJob');
  expect(running.map((r) => `${r.labels.namespace}/${r.labels.workload}`).sort()).toEqual(longRunning.map((w) => `${w.namespace}/${w.name}`).sort());
  expect(running.find((r) => r.labels.workload === 'prometheus')!.expr).toBe(
    'absent(container_start_time_seconds{namespace="monitoring", pod=~"prometheus-[0-9]+", container="prometheus"})',
  );
  expect(new RegExp(`^${running.find((r) => r.labels.workload === 'grafana')!.expr.match(/pod=~"([^"]+)"/)![1]}$`).test('grafana-7d9f8b6c5d-x2k9p')).toBe(true);
  expect(running.some((r) => r.labels.workload === 'minio-buckets')).toBe(false);
});

const promtool = spawnSync('promtool', ['--version']).status === 0;
(promtool ? test : test.skip)('promtool accepts the rule file and every dashboard query (runs where promtool is installed)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'promtool-'));
  writeFileSync(join(dir, 'alerts.yml'), promData()['alerts.yml']);
  // PromQL panels only: the logs dashboard's LogQL is Loki's language (test/conformance/loki.test.ts).
  const exprs = dashboardSpecs(synth().stack.ctx).flatMap((d) => d.panels.filter((p) => !p.datasource).map((p) => p.expr));
  writeFileSync(join(dir, 'panels.yml'), stringify({ groups: [{ name: 'panels', rules: exprs.map((expr, i) => ({ record: `panel:check_${i}`, expr })) }] }));
  for (const f of ['alerts.yml', 'panels.yml']) {
    const r = spawnSync('promtool', ['check', 'rules', join(dir, f)], { encoding: 'utf8' });
    expect({ f, out: r.status === 0 ? 'ok' : `${r.stdout}${r.stderr}` }).toEqual({ f, out: 'ok' });
  }
  expect(readFileSync(join(dir, 'alerts.yml'), 'utf8').length).toBeGreaterThan(100);
});

test('dashboards: an overview and one per enabled workload, querying metrics those workloads expose', () => {
  const specs = dashboardSpecs(synth().stack.ctx);
  const exprsOf = (uid: string) =>
    specs
      .find((d) => d.uid === uid)!
      .panels.map((p) => p.expr)
      .join('\n');
  const expected: Record<string, string[]> = {
    'domus-cluster': [
      'up',
      'container_cpu_usage_seconds_total',
      'container_memory_working_set_bytes',
      'cilium_drop_count_total',
      'hubble_flows_processed_total',
      'coredns_dns_responses_total',
      'prober_probe_total',
    ],
    'domus-network': ['cilium_drop_count_total{reason="Policy denied"}', 'hubble_drop_total', 'hubble_flows_processed_total'],
    'domus-workloads': ['kube_pod_status_phase', 'kube_pod_container_status_restarts_total', 'kube_deployment_status_replicas_unavailable'],
    'domus-node': ['node_cpu_seconds_total', 'node_memory_MemAvailable_bytes', 'node_filesystem_avail_bytes'],
    'domus-prometheus': ['prometheus_tsdb_head_series', 'prometheus_tsdb_head_samples_appended_total', 'prometheus_tsdb_storage_blocks_bytes'],
    'domus-grafana': ['grafana_http_request_duration_seconds_count', 'grafana_stat_active_users'],
    'domus-argocd': ['argocd_app_info', 'argocd_app_sync_total', 'argocd_git_request_total'],
    'domus-traefik': ['traefik_entrypoint_requests_total', 'traefik_service_requests_total', 'traefik_service_request_duration_seconds_bucket'],
    'domus-minio': ['minio_cluster_capacity_usable_free_bytes', 'minio_cluster_drive_offline_total', 'minio_s3_requests_total'],
    'domus-wazuh': ['container_cpu_usage_seconds_total{namespace="security"', 'container_start_time_seconds{namespace="security"'],
    'domus-vault-injector': ['up{job="vault-agent-injector"}'],
    'domus-logs': ['loki_distributor_lines_received_total', 'loki_request_duration_seconds_count', '{job="node-journal"'],
  };
  for (const [uid, metrics] of Object.entries(expected)) for (const m of metrics) expect({ uid, m, found: exprsOf(uid).includes(m) }).toEqual({ uid, m, found: true });
  const cm = findResource('ConfigMap', 'grafana-dashboards', 'monitoring').data as Record<string, string>;
  // One file per dashboard the enabled apps declare (the registry's), the ones listed above among them.
  expect(Object.keys(cm).sort()).toEqual(specs.map((d) => `${d.uid}.json`).sort());
  for (const uid of Object.keys(expected)) expect(specs.map((d) => d.uid)).toContain(uid);
  expect(Object.keys(findResource('ConfigMap', 'grafana-dashboards', 'monitoring', synth({ workloads: { wazuh: { enabled: false } } })).data as object)).not.toContain(
    'domus-wazuh.json',
  );
});

test('Grafana: admin credentials from Vault files, offline settings, no API token, config changes roll the pods', () => {
  const t = podTemplate('Deployment', 'grafana', 'monitoring');
  const env = Object.fromEntries((t.spec.containers[0]!.env ?? []).map((e) => [e.name, e.value]));
  expect(env.GF_SECURITY_ADMIN_USER__FILE).toBe('/vault/secrets/admin-user');
  expect(env.GF_SECURITY_ADMIN_PASSWORD__FILE).toBe('/vault/secrets/admin-password');
  expect(Object.keys(env).filter((k) => /PASSWORD|SECRET|TOKEN/.test(k) && !k.endsWith('__FILE'))).toEqual([]);
  expect(t.metadata.annotations?.['vault.hashicorp.com/agent-inject-secret-admin-password']).toBe('kv/data/monitoring/grafana');
  expect(t.spec.automountServiceAccountToken).toBe(false);
  expect(t.spec.securityContext?.runAsUser).toBe(472);
  expect(t.metadata.annotations?.['domus.dev/config-sha256']).toMatch(/^[0-9a-f]{64}$/);
  const ini = (findResource('ConfigMap', 'grafana-config', 'monitoring').data as Record<string, string>)['grafana.ini']!;
  for (const line of ['reporting_enabled = false', 'check_for_updates = false', 'check_for_plugin_updates = false', 'preinstall_disabled = true']) expect(ini).toContain(line);
  // Stateless by design (ADR 0010): no PVC.
  expect((t.spec.volumes ?? []).some((v) => 'persistentVolumeClaim' in v)).toBe(false);
});

test('Grafana with several replicas keeps each browser on one pod (sessions are per pod)', () => {
  const route = (s: Synth) =>
    (findResource('IngressRoute', 'grafana', 'monitoring', s).spec as { routes: { services: { sticky?: { cookie: { name: string; secure: boolean } } }[] }[] }).routes[0]!
      .services[0]!;
  expect(route(synth()).sticky).toBeUndefined();
  const two = synth({
    nodes: [
      { name: 'n1', ip: '192.168.10.21', roles: ['server'] },
      { name: 'n2', ip: '192.168.10.22', roles: ['agent'] },
    ],
    workloads: { grafana: { replicas: 2 } },
  } as SiteInput);
  expect(route(two).sticky?.cookie).toEqual(expect.objectContaining({ name: 'grafana_pod', secure: true }));
});

test('Prometheus keeps its data, sizes retention from config and reloads without a restart', () => {
  const s = synth({ workloads: { prometheus: { storage: '50Gi', retention: '30d' } } });
  const sts = findResource('StatefulSet', 'prometheus', 'monitoring', s).spec as {
    serviceName: string;
    persistentVolumeClaimRetentionPolicy: object;
    volumeClaimTemplates: { spec: { storageClassName: string; resources: { requests: { storage: string } } } }[];
    template: { spec: { containers: { name: string; args: string[]; image: string }[]; securityContext: { runAsUser: number } } };
  };
  expect(sts.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
  expect(sts.volumeClaimTemplates[0]!.spec.resources.requests.storage).toBe('50Gi');
  expect(sts.volumeClaimTemplates[0]!.spec.storageClassName).toBe('local-path');
  expect(sts.template.spec.securityContext.runAsUser).toBe(65534);
  const [prom, reloader] = sts.template.spec.containers;
  expect(prom!.image).toMatch(/^quay\.io\/prometheus\/prometheus:v\d/);
  expect(prom!.args).toEqual(
    expect.arrayContaining(['--web.enable-lifecycle', '--storage.tsdb.retention.time=30d', `--storage.tsdb.retention.size=${Math.floor(50 * 1024 * 0.85)}MB`]),
  );
  expect(reloader!.image).toMatch(/prometheus-config-reloader:v\d/);
  expect(reloader!.args).toEqual(expect.arrayContaining(['--watched-dir=/etc/config', '--reload-url=http://127.0.0.1:9090/-/reload']));
  expect(sts.serviceName).toBe('prometheus-headless');
  const headless = findResource('Service', 'prometheus-headless', 'monitoring', s).spec as { clusterIP?: string; clusterIp?: string };
  expect(headless.clusterIP ?? headless.clusterIp).toBe('None');
  // The reload endpoint is not exposed: the reloader port is pod-local and the Service carries only http.
  expect((findResource('Service', 'prometheus', 'monitoring', s).spec as { ports: { name: string }[] }).ports.map((p) => p.name)).toEqual(['http']);
});

test('the scrape configuration is rendered at synthesis time, after every chart declared its metrics', () => {
  // The Lazy value holds whatever the registry contains when the ConfigMap is serialized.
  const s = synth();
  const declared = s.stack.ctx.metrics.targets().map((t) => t.job);
  expect(jobNames(s).filter((j) => !KUBELET_JOBS.includes(j))).toEqual(declared);
  const objects: KubeObject[] = chartObjects('monitoring', s);
  expect(
    objects
      .filter((o) => o.kind === 'ConfigMap')
      .map((o) => o.metadata.name)
      .sort(),
  ).toEqual(['alertmanager-config', 'grafana-config', 'grafana-dashboards', 'prometheus-config']);
});
