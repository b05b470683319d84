/**
 * kube-state-metrics as synthesized, against upstream v2.11.0 (conformance/facts/kube-state-metrics.ts): image
 * user, ports and probes as upstream's example, `--resources` exactly the resources the ClusterRole lets it
 * list and watch (and upstream grants those verbs in those groups), nothing on Secrets.
 */
import { parse } from 'yaml';
import { KSM_FACTS } from '../../conformance/facts/kube-state-metrics';
import { KSM_IMAGE, KSM_RESOURCES } from '../../constructs/kube-state-metrics';
import { entity, workloadPeer } from '../../constructs/lib/network';
import { findResource, flowAllowed, podTemplate, rulesOf, synth } from '../helpers';

const s = synth();
const t = podTemplate('Deployment', 'kube-state-metrics', 'monitoring', s);
const c = t.spec.containers[0]!;

test('image, user and ports are upstream v2.11.0', () => {
  expect(c.image).toBe(`${KSM_IMAGE.repository}:${KSM_FACTS.kubernetesCompat.value.ksm}`);
  expect(c.securityContext?.runAsUser).toBe(KSM_FACTS.user.value.uid);
  expect(Object.fromEntries((c.ports ?? []).map((p) => [p.name, p.containerPort]))).toEqual(KSM_FACTS.ports.value);
  // The entrypoint sets the ports; args must not contradict them.
  expect((c.args ?? []).filter((a) => a.startsWith('--port') || a.startsWith('--telemetry-port'))).toEqual([]);
});

test('probes as upstream: liveness /healthz on the metrics port, readiness / on telemetry', () => {
  const port = (p: string | number) => (typeof p === 'number' ? p : KSM_FACTS.ports.value[p as 'http-metrics' | 'telemetry']);
  const live = c.livenessProbe as { httpGet: { path: string; port: string | number } };
  const ready = c.readinessProbe as { httpGet: { path: string; port: string | number } };
  expect({ path: live.httpGet.path, port: port(live.httpGet.port) }).toEqual(KSM_FACTS.probes.value.liveness);
  expect({ path: ready.httpGet.path, port: port(ready.httpGet.port) }).toEqual(KSM_FACTS.probes.value.readiness);
});

test('--resources lists exactly what the ClusterRole lets it list and watch, in upstream groups; nothing on secrets or configmaps', () => {
  const flag = (c.args ?? []).find((a) => a.startsWith('--resources='))!;
  const exported = flag.slice('--resources='.length).split(',');
  const rules = rulesOf(findResource('ClusterRole', 'monitoring-kube-state-metrics', undefined, s));
  const granted = rules.flatMap((r) => (r.resources ?? []).map((res) => ({ res, group: r.apiGroups![0]!, verbs: r.verbs })));
  expect(granted.map((g) => g.res).sort()).toEqual([...exported].sort());
  const upstream = KSM_FACTS.rbac.value as Readonly<Record<string, string | readonly string[]>>;
  for (const g of granted) expect(g).toEqual({ res: g.res, group: upstream[g.res], verbs: KSM_FACTS.rbac.value.verbs });
  expect(Object.keys(KSM_RESOURCES).sort()).toEqual(exported.sort());
  expect(exported).not.toContain('secrets');
  expect(exported).not.toContain('configmaps');
});

test('Prometheus scrapes the objects port; Traefik may not', () => {
  const ksm = workloadPeer('monitoring', 'kube-state-metrics');
  expect(flowAllowed(workloadPeer('monitoring', 'prometheus'), ksm, 8080, s)).toBe(true);
  expect(flowAllowed(workloadPeer('ingress', 'traefik'), ksm, 8080, s)).toBe(false);
});

test('it may reach the API server: v2.11.0 exits when its first discovery call fails (issue 18, item 3)', () => {
  expect(KSM_FACTS.apiAtStart.value.onError).toBe('exit 1');
  expect(t.spec.automountServiceAccountToken).toBe(true);
  expect(flowAllowed(workloadPeer('monitoring', 'kube-state-metrics'), entity('kube-apiserver'), 6443, s)).toBe(true);
});

test("the scrape job honours kube-state-metrics' labels: namespace/pod name the object, not the exporter's pod", () => {
  const cfg = (findResource('ConfigMap', 'prometheus-config', 'monitoring', s).data as Record<string, string>)['prometheus.yml']!;
  const job = (parse(cfg) as { scrape_configs: { job_name: string; honor_labels?: boolean }[] }).scrape_configs.find((j) => j.job_name === 'kube-state-metrics')!;
  expect(job.honor_labels).toBe(KSM_FACTS.honorLabels.value.honor_labels);
  const others = (parse(cfg) as { scrape_configs: { job_name: string; honor_labels?: boolean }[] }).scrape_configs.filter((j) => j.honor_labels);
  expect(others.map((j) => j.job_name)).toEqual(['kube-state-metrics']);
});
