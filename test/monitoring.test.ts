/**
 * Observability: scrape jobs and network flows come from the same declaration, the datasource follows the
 * Prometheus Service, Grafana reaches only Prometheus, and Prometheus' RBAC only reads.
 */
import { parse } from 'yaml';
import { dashboardSpecs } from '../constructs/dashboards';
import { entity, peerKey, workloadPeer } from '../constructs/lib/network';
import { chartObjects, findResource, flowAllowed, flows, podTemplate, synth, workloadPolicy, rulesOf } from './helpers';

interface Job { job_name: string; kubernetes_sd_configs?: { role: string; namespaces?: { names: string[] } }[]; relabel_configs?: { source_labels?: string[]; regex?: string; action?: string }[] }
const jobsOf = (s = synth()) => (parse((findResource('ConfigMap', 'prometheus-config', 'monitoring', s).data as Record<string, string>)['prometheus.yml']) as { scrape_configs: Job[] }).scrape_configs;
const jobNames = (s = synth()) => jobsOf(s).map((j) => j.job_name);

test('monitoring chart snapshot', () => {
  expect(chartObjects('monitoring')).toMatchSnapshot();
});

test('a scrape job for every enabled workload that exposes metrics, plus the platform targets', () => {
  expect(jobNames().sort()).toEqual(
    [
      'argocd-application-controller', 'argocd-applicationset-controller', 'argocd-repo-server', 'argocd-server',
      'cadvisor', 'cilium-agent', 'cilium-operator', 'coredns', 'grafana', 'hubble', 'kubelet', 'minio', 'prometheus', 'traefik', 'vault-agent-injector',
    ].sort(),
  );
});

test('a disabled workload disappears from the scrape config and from the flows', () => {
  const s = synth({ workloads: { minio: { enabled: false }, grafana: { enabled: false } } });
  expect(jobNames(s)).not.toContain('minio');
  expect(jobNames(s)).not.toContain('grafana');
  expect(flows(s).some((f) => peerKey(f.to).includes('storage/minio') || peerKey(f.to).includes('monitoring/grafana'))).toBe(false);
});

test('every pod scrape job has the matching egress on Prometheus and ingress on the target', () => {
  const s = synth();
  for (const t of s.stack.ctx.metrics.targets()) {
    expect({ job: t.job, allowed: flowAllowed(s.stack.ctx.peers.prometheus, t.endpoint.peer, t.endpoint.port.port, s) }).toEqual({ job: t.job, allowed: true });
    if (t.endpoint.peer.kind !== 'workload') continue;
    const ingress = JSON.stringify((workloadPolicy(t.endpoint.peer.namespace, t.endpoint.peer.name).spec as { ingress: unknown }).ingress);
    expect(ingress).toContain(`"app.kubernetes.io/name":"prometheus","k8s:io.kubernetes.pod.namespace":"monitoring"`);
    expect(ingress).toContain(`"port":"${t.endpoint.port.port}"`);
    const job = jobsOf().find((j) => j.job_name === t.job)!;
    expect(job.kubernetes_sd_configs?.[0]?.namespaces?.names).toEqual([t.endpoint.peer.namespace]);
    expect(job.relabel_configs?.some((r) => r.regex === String(t.endpoint.port.port) && r.action === 'keep')).toBe(true);
  }
});

test('the Grafana datasource is the Prometheus Service name and port', () => {
  const ds = parse((findResource('ConfigMap', 'grafana-config', 'monitoring').data as Record<string, string>)['datasources.yaml']) as { datasources: { url: string }[] };
  const svc = findResource('Service', 'prometheus', 'monitoring').spec as { ports: { port: number }[] };
  expect(ds.datasources[0]!.url).toBe(`http://prometheus.monitoring.svc:${svc.ports[0]!.port}`);
});

test('Grafana reaches Prometheus:9090 and nothing toward MinIO or Wazuh', () => {
  const grafana = workloadPeer('monitoring', 'grafana');
  expect(flowAllowed(grafana, workloadPeer('monitoring', 'prometheus'), 9090)).toBe(true);
  const out = flows().filter((f) => peerKey(f.from) === peerKey(grafana));
  expect(out.map((f) => `${peerKey(f.to)}:${f.port.port}`).sort()).toEqual(['cidr:192.168.10.5/32:8200', 'workload:monitoring/prometheus:9090']);
  const ingress = flows().filter((f) => peerKey(f.to) === peerKey(grafana)).map((f) => peerKey(f.from));
  expect(ingress.sort()).toEqual(['workload:ingress/traefik', 'workload:monitoring/prometheus']);
});

test('Prometheus 9090 is reachable only from Grafana, Traefik (allowlisted route) and itself', () => {
  const from = flows().filter((f) => peerKey(f.to) === 'workload:monitoring/prometheus' && f.port.port === 9090).map((f) => peerKey(f.from));
  expect(from.sort()).toEqual(['workload:ingress/traefik', 'workload:monitoring/grafana', 'workload:monitoring/prometheus']);
  expect(flowAllowed(entity('world'), workloadPeer('monitoring', 'prometheus'), 9090)).toBe(false);
  const route = findResource('IngressRoute', 'prometheus', 'monitoring').spec as { routes: { middlewares: { name: string }[] }[] };
  expect(route.routes[0]!.middlewares[0]!.name).toBe('admin-allowlist');
});

test('Prometheus RBAC reads only, and nothing on secrets', () => {
  for (const r of rulesOf(findResource('ClusterRole', 'monitoring-prometheus'))) {
    expect(r.verbs.every((v) => ['get', 'list', 'watch'].includes(v))).toBe(true);
    expect(r.resources ?? []).not.toContain('secrets');
  }
});

test('alert rules are well-formed, cover the basics and one signal per enabled workload', () => {
  const rules = parse((findResource('ConfigMap', 'prometheus-config', 'monitoring').data as Record<string, string>)['alerts.yml']) as { groups: { name: string; rules: { alert: string; expr: string; for: string; labels: { severity: string }; annotations: { summary: string } }[] }[] };
  const all = rules.groups.flatMap((g) => g.rules);
  for (const r of all) {
    expect(r.expr.length).toBeGreaterThan(3);
    expect(r.for).toMatch(/^\d+[smh]$/);
    expect(['warning', 'critical']).toContain(r.labels.severity);
    expect(r.annotations.summary.length).toBeGreaterThan(5);
  }
  const names = all.map((r) => r.alert);
  expect(names).toEqual(expect.arrayContaining(['TargetDown', 'PrometheusStorageNearlyFull', 'PersistentVolumeNearlyFull', 'PodCrashLooping', 'GrafanaServerErrors', 'ArgoCdAppDegraded', 'TraefikServerErrors', 'MinioDriveOffline', 'WazuhRestarting']));
  const none = parse((findResource('ConfigMap', 'prometheus-config', 'monitoring', synth({ workloads: { minio: { enabled: false } } })).data as Record<string, string>)['alerts.yml']) as { groups: { rules: { alert: string }[] }[] };
  expect(none.groups.flatMap((g) => g.rules).map((r) => r.alert)).not.toContain('MinioDriveOffline');
});

test('dashboards query metrics the workloads really expose', () => {
  const exprs = dashboardSpecs(synth().stack.ctx.site).flatMap((d) => d.panels.map((p) => p.expr)).join('\n');
  for (const metric of ['argocd_app_info', 'traefik_entrypoint_requests_total', 'minio_cluster_capacity_usable_free_bytes', 'grafana_http_request_duration_seconds_count', 'prometheus_tsdb_head_series', 'container_cpu_usage_seconds_total', 'cilium_drop_count_total', 'coredns_dns_responses_total']) {
    expect(exprs).toContain(metric);
  }
  const cm = findResource('ConfigMap', 'grafana-dashboards', 'monitoring').data as Record<string, string>;
  expect(Object.keys(cm).sort()).toEqual(['domus-argocd.json', 'domus-cluster.json', 'domus-grafana.json', 'domus-minio.json', 'domus-prometheus.json', 'domus-traefik.json', 'domus-wazuh.json']);
});

test('Grafana admin credentials come from Vault files, never env literals', () => {
  const t = podTemplate('Deployment', 'grafana', 'monitoring');
  const env = Object.fromEntries((t.spec.containers[0]!.env ?? []).map((e) => [e.name, e.value]));
  expect(env.GF_SECURITY_ADMIN_PASSWORD__FILE).toBe('/vault/secrets/admin-password');
  expect(env.GF_SECURITY_ADMIN_PASSWORD).toBeUndefined();
  expect(t.metadata.annotations?.['vault.hashicorp.com/agent-inject-secret-admin-password']).toBe('kv/data/monitoring/grafana');
  expect(t.spec.automountServiceAccountToken).toBe(false);
});

test('Prometheus keeps its data: volumeClaimTemplate retained, reload without restart', () => {
  const sts = findResource('StatefulSet', 'prometheus', 'monitoring').spec as { persistentVolumeClaimRetentionPolicy: object; template: { spec: { containers: { name: string; args: string[] }[] } } };
  expect(sts.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
  const [prom, reloader] = sts.template.spec.containers;
  expect(prom!.args).toContain('--web.enable-lifecycle');
  expect(reloader!.args).toContain('--reload-url=http://127.0.0.1:9090/-/reload');
});
