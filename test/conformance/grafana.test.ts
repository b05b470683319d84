/**
 * Grafana against upstream facts (conformance/facts/grafana.ts): the image's user and entrypoint are kept,
 * grafana.ini and the provisioning files sit where run.sh and the server read them, every ini key the stack
 * writes exists upstream, the __FILE variables are ones run.sh expands, and probes hit /api/health on 3000.
 */
import { parse } from 'yaml';
import { GRAFANA_EXCEPTIONS, GRAFANA_FACTS as F } from '../../conformance/facts/grafana';
import { MINIO_FACTS } from '../../conformance/facts/minio';
import { PROMETHEUS_FACTS } from '../../conformance/facts/prometheus';
import { dashboardSpecs } from '../../constructs/dashboards';
import { HttpProbeLike, ProbedContainer, findResource, podTemplate, synth } from '../helpers';

type Container = ProbedContainer;

const pod = () => podTemplate('Deployment', 'grafana', 'monitoring');
const grafana = () => pod().spec.containers.find((c) => c.name === 'grafana') as Container;
const env = (c: Container) => Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value ?? '']));
const configMap = (name: string) => findResource('ConfigMap', name, 'monitoring').data as Record<string, string>;
const volumeOf = (name: string) => pod().spec.volumes?.find((v) => v.name === name) as { configMap?: { name: string }; emptyDir?: object } | undefined;

/** `section → key → value` of an ini file; the unnamed section is ''. */
function parseIni(text: string): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  let section = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const s = /^\[(.+)\]$/.exec(line);
    if (s) {
      section = s[1]!;
      continue;
    }
    const kv = /^([^=\s]+)\s*=\s*(.*)$/.exec(line);
    if (!kv) throw new Error(`not an ini line: ${line}`);
    (out[section] ??= {})[kv[1]!] = kv[2]!;
  }
  return out;
}

/** The file a mount puts at `path`: ConfigMap name and key (subPath mounts, or a directory mount + file name). */
function fileAt(c: Container, path: string): { configMap: string; key: string } | undefined {
  for (const m of c.volumeMounts ?? []) {
    const cm = volumeOf(m.name)?.configMap?.name;
    if (!cm) continue;
    if (m.subPath && m.mountPath === path) return { configMap: cm, key: m.subPath };
    if (!m.subPath && path.startsWith(`${m.mountPath}/`)) return { configMap: cm, key: path.slice(m.mountPath.length + 1) };
  }
  return undefined;
}

/** The emptyDir mount that makes `path` writable. */
const writableMount = (c: Container, path: string) =>
  (c.volumeMounts ?? []).find((m) => (path === m.mountPath || path.startsWith(`${m.mountPath}/`)) && !m.readOnly && volumeOf(m.name)?.emptyDir !== undefined);

const VAULT_MISSING_KEY = MINIO_FACTS.vaultMissingKey.value;
const ini = () => parseIni(configMap('grafana-config')['grafana.ini']!);
const P = F.paths.value;

test('runs as the image user 472; the group is the written exception (472, not 0), with emptyDirs owned through fsGroup', () => {
  const c = grafana();
  expect(c.securityContext?.runAsUser).toBe(F.user.value.uid);
  expect(c.securityContext?.runAsGroup).not.toBe(F.user.value.gid);
  expect(c.securityContext?.runAsGroup).toBe(472);
  expect(pod().spec.securityContext?.fsGroup).toBe(472);
  expect(GRAFANA_EXCEPTIONS.gid).toMatch(/group/);
});

test('keeps the /run.sh entrypoint (no command or args): the __FILE expansion and GF_PATHS_* defaults live there', () => {
  expect(grafana().command).toBeUndefined();
  expect(grafana().args).toBeUndefined();
});

test('listens on 3000 and probes /api/health there', () => {
  const c = grafana();
  expect(c.ports?.map((p) => p.containerPort)).toEqual([F.port.value]);
  const probes = [c.livenessProbe, c.readinessProbe, c.startupProbe].filter((p): p is HttpProbeLike => p !== undefined);
  expect(probes.length).toBeGreaterThanOrEqual(2);
  for (const p of probes) {
    expect(p.httpGet?.path).toBe(F.health.value.api);
    const port = p.httpGet!.port;
    expect(typeof port === 'number' ? port : c.ports?.find((x) => x.name === port)?.containerPort).toBe(F.port.value);
  }
});

test('grafana.ini is mounted at GF_PATHS_CONFIG, the path run.sh passes as --config', () => {
  const c = grafana();
  const configPath = env(c).GF_PATHS_CONFIG ?? P.GF_PATHS_CONFIG;
  expect(configPath).toBe(P.GF_PATHS_CONFIG);
  const file = fileAt(c, configPath);
  expect(file).toEqual({ configMap: 'grafana-config', key: 'grafana.ini' });
  expect(Object.keys(configMap(file!.configMap))).toContain(file!.key);
});

test('[paths] in grafana.ini agrees with the image GF_PATHS_* (the file overrides the cfg:default.* run.sh passes)', () => {
  const paths = ini().paths ?? {};
  expect(paths).toEqual({ data: P.GF_PATHS_DATA, logs: P.GF_PATHS_LOGS, plugins: P.GF_PATHS_PLUGINS, provisioning: P.GF_PATHS_PROVISIONING });
});

test('every key grafana.ini sets exists upstream (defaults.ini, or read by pkg/setting)', () => {
  const known: Record<string, readonly string[]> = {};
  for (const table of [F.iniKeys.value, F.pluginKeys.value, F.newsKey.value]) {
    for (const [section, keys] of Object.entries(table)) known[section] = [...(known[section] ?? []), ...keys];
  }
  const unknown = Object.entries(ini()).flatMap(([section, kv]) =>
    Object.keys(kv)
      .filter((k) => !(known[section] ?? []).includes(k))
      .map((k) => `[${section}] ${k}`),
  );
  expect(unknown).toEqual([]);
});

test('the data, logs and plugins paths are writable: run.sh checks GF_PATHS_DATA and mkdirs GF_PATHS_PLUGINS under set -e', () => {
  const c = grafana();
  for (const path of [P.GF_PATHS_DATA, P.GF_PATHS_LOGS, P.GF_PATHS_PLUGINS]) expect({ path, writable: writableMount(c, path) !== undefined }).toEqual({ path, writable: true });
  expect(c.securityContext?.readOnlyRootFilesystem).toBe(true);
});

test('the datasource and the dashboard provider are files in the provisioning directories Grafana reads', () => {
  const c = grafana();
  const provisioned = (dir: string) => (c.volumeMounts ?? []).filter((m) => m.mountPath.startsWith(`${P.GF_PATHS_PROVISIONING}/${dir}/`) && /\.ya?ml$/.test(m.mountPath));
  for (const dir of F.provisioningDirs.value) expect({ dir, files: provisioned(dir).length }).toEqual({ dir, files: 1 });

  // The provider's folder is where the dashboards ConfigMap is mounted, and holds every dashboard.
  const providerFile = fileAt(c, provisioned('dashboards')[0]!.mountPath)!;
  const providers = (parse(configMap(providerFile.configMap)[providerFile.key]!) as { providers: { options: { path: string } }[] }).providers;
  for (const p of providers) {
    const dir = (c.volumeMounts ?? []).find((m) => m.mountPath === p.options.path);
    const cm = volumeOf(dir!.name)?.configMap?.name;
    expect(cm).toBe('grafana-dashboards');
    expect(Object.keys(configMap(cm!)).every((k) => k.endsWith('.json'))).toBe(true);
  }
});

test('__FILE variables are ones run.sh expands, never set twice, and point at Vault-rendered files', () => {
  const c = grafana();
  const e = env(c);
  const fileVars = Object.keys(e).filter((k) => k.endsWith(F.fileEnv.value.suffix));
  expect(fileVars.length).toBeGreaterThanOrEqual(2);
  const annotations = pod().metadata.annotations ?? {};
  for (const v of fileVars) {
    expect(v).toMatch(F.fileEnv.value.pattern);
    // run.sh exits 1 when both NAME and NAME__FILE are set.
    expect(e[v.slice(0, -F.fileEnv.value.suffix.length)]).toBeUndefined();
    const m = /^\/vault\/secrets\/(.+)$/.exec(e[v]!);
    expect(m).not.toBeNull();
    expect(annotations[`vault.hashicorp.com/agent-inject-secret-${m![1]}`]).toBeDefined();
    // A misnamed KV key must fail the render, not make "<no value>" the admin user or password.
    expect(annotations[`${VAULT_MISSING_KEY}${m![1]}`]).toBe('true');
  }
  // The file must exist when run.sh runs: the agent's init container renders it before the app starts.
  expect(annotations['vault.hashicorp.com/agent-pre-populate']).not.toBe('false');
});

test('Prometheus scrapes /metrics on the Grafana port (not disabled in grafana.ini), and rules query names Grafana exports', () => {
  const cm = findResource('ConfigMap', 'prometheus-config', 'monitoring').data as Record<string, string>;
  const job = (
    parse(cm['prometheus.yml']!) as { scrape_configs: { job_name: string; metrics_path: string; relabel_configs?: { source_labels?: string[]; regex?: string }[] }[] }
  ).scrape_configs.find((j) => j.job_name === 'grafana');
  expect(job?.metrics_path).toBe(F.metrics.value.path);
  expect(job?.relabel_configs?.find((r) => r.source_labels?.[0] === '__meta_kubernetes_pod_container_port_number')?.regex).toBe(String(F.port.value));
  expect(ini().metrics?.enabled).not.toBe('false');
  const exprs = [
    ...(parse(cm['alerts.yml']!) as { groups: { rules: { expr: string }[] }[] }).groups.flatMap((g) => g.rules.map((r) => r.expr)),
    ...dashboardSpecs(synth().stack.ctx).flatMap((d) => d.panels.map((p) => p.expr)),
  ];
  const series = (name: string) => [name, ...(F.metrics.value.histograms.includes(name) ? ['_bucket', '_count', '_sum'].map((s) => name + s) : [])];
  const exported = F.metrics.value.names.flatMap(series);
  const used = new Set(exprs.flatMap((e) => e.match(/\bgrafana_[a-z0-9_]+/g) ?? []));
  expect(used.size).toBeGreaterThanOrEqual(2);
  expect([...used].filter((n) => !exported.includes(n))).toEqual([]);
});

test('the provisioned datasource points at the port Prometheus listens on, through its Service', () => {
  const ds = (parse(configMap('grafana-config')['datasources.yaml']!) as { datasources: { type: string; url: string }[] }).datasources;
  expect(ds.map((d) => d.type)).toEqual(['prometheus', 'loki']);
  const url = new URL(ds[0]!.url);
  const svc = findResource('Service', url.hostname.split('.')[0]!, url.hostname.split('.')[1]).spec as { ports: { port: number; targetPort: number | string }[] };
  const port = svc.ports.find((p) => p.port === Number(url.port));
  const sts = podTemplate('StatefulSet', 'prometheus', 'monitoring').spec.containers.find((c) => c.name === 'prometheus')!;
  const target = typeof port?.targetPort === 'number' ? port.targetPort : sts.ports?.find((p) => p.name === port?.targetPort)?.containerPort;
  expect(target).toBe(PROMETHEUS_FACTS.port.value);
});
