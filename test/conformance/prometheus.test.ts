/**
 * Prometheus and its config-reloader sidecar against upstream facts (conformance/facts/prometheus.ts): the
 * user the images run as, every flag the stack passes exists, the config and data paths are mounted where the
 * flags point, probes only hit ports and paths the processes serve, the reloader reaches the lifecycle API,
 * and the RBAC covers upstream's example ClusterRole except the written exceptions.
 */
import { parse } from 'yaml';
import {
  CONFIG_RELOADER_FACTS as RELOADER,
  KUBELET_SERIES,
  PROMETHEUS_EXCEPTIONS,
  PROMETHEUS_FACTS as PROM,
  PROMETHEUS_RBAC_EXCEPTIONS,
  UpstreamRule,
} from '../../conformance/facts/prometheus';
import { dashboardSpecs } from '../../constructs/dashboards';
import { HttpProbeLike, ProbedContainer, findResource, podTemplate, RbacRule, rulesOf, synth } from '../helpers';

type Container = ProbedContainer;

const pod = () => podTemplate('StatefulSet', 'prometheus', 'monitoring');
const container = (name: string) => pod().spec.containers.find((c) => c.name === name) as Container;

/** `--name=value` / `--name` flags of an args list. */
function flagsOf(args: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const a of args) {
    const m = /^--([a-z0-9.-]+)(?:=(.*))?$/.exec(a);
    if (!m) throw new Error(`not a --flag: ${a}`);
    out.set(m[1]!, m[2] ?? '');
  }
  return out;
}

const portNumber = (c: Container, port: string | number) => (typeof port === 'number' ? port : c.ports?.find((p) => p.name === port)?.containerPort);
const probes = (c: Container) => [c.livenessProbe, c.readinessProbe, c.startupProbe].filter((p): p is HttpProbeLike => p !== undefined);
/** The mount that holds `path` (the longest mountPath that is a prefix of it). */
const mountFor = (c: Container, path: string) =>
  (c.volumeMounts ?? []).filter((m) => path === m.mountPath || path.startsWith(`${m.mountPath}/`)).sort((a, b) => b.mountPath.length - a.mountPath.length)[0];

describe('prometheus container', () => {
  test('runs as the image user (nobody, 65534)', () => {
    expect(container('prometheus').securityContext?.runAsUser).toBe(PROM.user.value.uid);
    expect(pod().spec.securityContext?.runAsUser).toBe(PROM.user.value.uid);
  });

  test('keeps the image entrypoint and passes every flag the default CMD passed (args replace CMD)', () => {
    const c = container('prometheus');
    expect(c.command).toBeUndefined();
    const flags = flagsOf(c.args ?? []);
    for (const d of PROM.entrypoint.value.cmd) expect(flags.has(flagsOf([d]).keys().next().value!)).toBe(true);
  });

  test('the image defaults it overrides are exactly the written exceptions, each with a different path', () => {
    const flags = flagsOf(container('prometheus').args ?? []);
    const defaults = flagsOf(PROM.entrypoint.value.cmd);
    const overridden = [...defaults].filter(([f, v]) => flags.get(f) !== v).map(([f]) => f);
    expect(overridden.sort()).toEqual(Object.keys(PROMETHEUS_EXCEPTIONS).sort());
  });

  test('every flag it passes exists in cmd/prometheus/main.go at v3.5.0', () => {
    const unknown = [...flagsOf(container('prometheus').args ?? []).keys()].filter((f) => !PROM.flags.value.includes(f));
    expect(unknown).toEqual([]);
  });

  test('retention size carries a unit Prometheus accepts', () => {
    const size = flagsOf(container('prometheus').args ?? []).get('storage.tsdb.retention.size')!;
    const unit = /^\d+([A-Z]+)$/.exec(size)?.[1];
    expect(PROM.retentionSizeUnits.value).toContain(unit);
  });

  test('--config.file is in the mounted ConfigMap that holds that key, and its rule_files too', () => {
    const c = container('prometheus');
    const file = flagsOf(c.args ?? []).get('config.file')!;
    const mount = mountFor(c, file)!;
    const volume = pod().spec.volumes?.find((v) => v.name === mount.name) as { configMap?: { name: string } };
    const cm = findResource('ConfigMap', volume.configMap!.name, 'monitoring').data as Record<string, string>;
    const key = file.slice(mount.mountPath.length + 1);
    expect(Object.keys(cm)).toContain(key);
    const ruleFiles = (parse(cm[key]!) as { rule_files: string[] }).rule_files;
    for (const r of ruleFiles) {
      expect(mountFor(c, r)?.name).toBe(mount.name);
      expect(Object.keys(cm)).toContain(r.slice(mount.mountPath.length + 1));
    }
  });

  test('--storage.tsdb.path is the retained data volume, not the image VOLUME /prometheus on a read-only root', () => {
    const c = container('prometheus');
    const path = flagsOf(c.args ?? []).get('storage.tsdb.path')!;
    const mount = mountFor(c, path);
    expect(mount?.mountPath).toBe(path);
    const sts = findResource('StatefulSet', 'prometheus', 'monitoring').spec as { volumeClaimTemplates: { metadata: { name: string } }[] };
    expect(sts.volumeClaimTemplates.map((v) => v.metadata.name)).toContain(mount!.name);
    expect(mount?.readOnly).toBeUndefined();
  });

  test('listens on the upstream web port, and probes only its health endpoints there', () => {
    const c = container('prometheus');
    expect(c.ports?.map((p) => p.containerPort)).toEqual([PROM.port.value]);
    const health = Object.values(PROM.health.value);
    for (const p of probes(c)) {
      expect(health).toContain(p.httpGet?.path);
      expect(portNumber(c, p.httpGet!.port)).toBe(PROM.port.value);
    }
    expect(probes(c)).toHaveLength(3);
  });
});

describe('config-reloader sidecar', () => {
  test('runs as the image user and keeps its entrypoint', () => {
    const c = container('config-reloader');
    expect(c.securityContext?.runAsUser).toBe(RELOADER.user.value.uid);
    expect(c.command).toBeUndefined();
  });

  test('every flag it passes exists in cmd/prometheus-config-reloader/main.go at v0.87.1', () => {
    const unknown = [...flagsOf(container('config-reloader').args ?? []).keys()].filter((f) => !RELOADER.flags.value.includes(f));
    expect(unknown).toEqual([]);
  });

  test('POSTs to the lifecycle reload path on the Prometheus port in the pod, which --web.enable-lifecycle opens', () => {
    const url = new URL(flagsOf(container('config-reloader').args ?? []).get('reload-url')!);
    expect(url.hostname).toBe('127.0.0.1');
    expect(Number(url.port)).toBe(PROM.port.value);
    expect(url.pathname).toBe(PROM.lifecycle.value.path);
    expect(url.toString()).toBe(RELOADER.reloadUrlDefault.value);
    expect(flagsOf(container('prometheus').args ?? []).has(PROM.lifecycle.value.flag)).toBe(true);
  });

  test('watches the directory Prometheus reads its config from (same ConfigMap volume)', () => {
    const reloader = container('config-reloader');
    const prom = container('prometheus');
    const watched = flagsOf(reloader.args ?? []).get('watched-dir')!;
    const configFile = flagsOf(prom.args ?? []).get('config.file')!;
    expect(configFile.startsWith(`${watched}/`)).toBe(true);
    expect(mountFor(reloader, watched)?.name).toBe(mountFor(prom, configFile)?.name);
  });

  test('probes /healthz on the port --listen-address opens, the one the operator uses', () => {
    const c = container('config-reloader');
    const listen = flagsOf(c.args ?? []).get('listen-address')!;
    const port = Number(/:(\d+)$/.exec(listen)?.[1]);
    expect(port).toBe(RELOADER.operatorPort.value);
    expect(c.ports?.map((p) => p.containerPort)).toEqual([port]);
    for (const p of probes(c)) {
      expect(p.httpGet?.path).toBe(RELOADER.http.value.healthz);
      expect(portNumber(c, p.httpGet!.port)).toBe(port);
    }
    expect(probes(c).length).toBeGreaterThanOrEqual(2);
  });
});

describe('RBAC against documentation/examples/rbac-setup.yml', () => {
  const role = () => rulesOf(findResource('ClusterRole', 'monitoring-prometheus'));
  const grants = (rules: readonly (RbacRule | UpstreamRule)[]) =>
    new Set(
      rules.flatMap((r) => [
        ...(r.nonResourceURLs ?? []).flatMap((u) => r.verbs.map((v) => `${u} ${v}`)),
        ...(r.apiGroups ?? []).flatMap((g) => (r.resources ?? []).flatMap((res) => r.verbs.map((v) => `${g}/${res} ${v}`))),
      ]),
    );
  const key = (grant: string) => grant.split(' ')[0]!;

  test('every upstream grant is present unless an exception says why it is left out', () => {
    const ours = grants(role());
    const missing = [...grants(PROM.rbac.value)].filter((g) => !ours.has(g)).map(key);
    expect([...new Set(missing)].sort()).toEqual(Object.keys(PROMETHEUS_RBAC_EXCEPTIONS.omitted).sort());
  });

  test('every grant beyond upstream is a listed exception, and all of them only read', () => {
    const upstream = grants(PROM.rbac.value);
    const extra = [...grants(role())].filter((g) => !upstream.has(g));
    expect([...new Set(extra.map(key))].sort()).toEqual(Object.keys(PROMETHEUS_RBAC_EXCEPTIONS.added).sort());
    expect(extra.filter((g) => !['get', 'list', 'watch'].includes(g.split(' ')[1]!))).toEqual([]);
    // The proxy subresource is reached by GET only.
    expect(extra.filter((g) => g.startsWith('/nodes/proxy '))).toEqual(['/nodes/proxy get']);
  });

  test('the nodes/proxy exception is what the kubelet jobs need: they go through the API server proxy', () => {
    const cm = findResource('ConfigMap', 'prometheus-config', 'monitoring').data as Record<string, string>;
    const jobs = (
      parse(cm['prometheus.yml']!) as {
        scrape_configs: { job_name: string; relabel_configs?: { replacement?: string }[]; tls_config?: { ca_file?: string }; authorization?: { credentials_file?: string } }[];
      }
    ).scrape_configs;
    const proxied = jobs.filter((j) => j.relabel_configs?.some((r) => r.replacement?.startsWith('/api/v1/nodes/$1/proxy/')));
    expect(proxied.map((j) => j.job_name).sort()).toEqual(['kubelet', 'kubelet-cadvisor', 'kubelet-probes']);
    for (const j of proxied) {
      expect(j.tls_config?.ca_file).toBe(PROM.kubeletProxyScheme.value.ca);
      expect(j.authorization?.credentials_file).toBe(PROM.kubeletProxyScheme.value.token);
    }
    expect(grants(role()).has('/nodes/proxy get')).toBe(true);
  });
});

test('alert rules and dashboards query only cAdvisor/kubelet series confirmed upstream', () => {
  const cm = findResource('ConfigMap', 'prometheus-config', 'monitoring').data as Record<string, string>;
  const exprs = [
    ...(parse(cm['alerts.yml']!) as { groups: { rules: { expr: string }[] }[] }).groups.flatMap((g) => g.rules.map((r) => r.expr)),
    ...dashboardSpecs(synth().stack.ctx).flatMap((d) => d.panels.map((p) => p.expr)),
  ];
  const used = new Set(exprs.flatMap((e) => e.match(/\b(?:container|kubelet|prober)_[a-z_]+/g) ?? []));
  // Fewer since issue 14: restarts and disk come from kube-state-metrics and node-exporter (ADR 0012).
  expect(used.size).toBeGreaterThan(3);
  expect([...used].filter((m) => !KUBELET_SERIES.includes(m))).toEqual([]);
});

test('Prometheus scrapes itself on the path and port it serves, and rules query names it exports', () => {
  const cm = findResource('ConfigMap', 'prometheus-config', 'monitoring').data as Record<string, string>;
  const job = (
    parse(cm['prometheus.yml']!) as { scrape_configs: { job_name: string; metrics_path: string; relabel_configs?: { source_labels?: string[]; regex?: string }[] }[] }
  ).scrape_configs.find((j) => j.job_name === 'prometheus');
  expect(job?.metrics_path).toBe(PROM.metrics.value.path);
  expect(job?.relabel_configs?.find((r) => r.source_labels?.[0] === '__meta_kubernetes_pod_container_port_number')?.regex).toBe(String(PROM.port.value));
  const exprs = [
    ...(parse(cm['alerts.yml']!) as { groups: { rules: { expr: string }[] }[] }).groups.flatMap((g) => g.rules.map((r) => r.expr)),
    ...dashboardSpecs(synth().stack.ctx).flatMap((d) => d.panels.map((p) => p.expr)),
  ];
  const used = new Set(exprs.flatMap((e) => e.match(/\bprometheus_[a-z0-9_]+/g) ?? []));
  expect(used.size).toBeGreaterThan(3);
  expect([...used].filter((n) => !PROM.metrics.value.names.includes(n))).toEqual([]);
});

test('the Traefik route does not forward the lifecycle endpoints (/-/quit, /-/reload) that share the UI port', () => {
  const route = findResource('IngressRoute', 'prometheus', 'monitoring').spec as { routes: { match: string }[] };
  const match = route.routes[0]!.match;
  // Each excluded prefix is a `!PathPrefix(...)` of the rule (Traefik v3 matches the sanitized routing path).
  const prefixes = [...match.matchAll(/!PathPrefix\(`([^`]+)`\)/g)].map((m) => m[1]!);
  expect(prefixes.length).toBeGreaterThan(0);
  const excluded = (p: string) => prefixes.some((x) => p.startsWith(x));
  for (const p of [PROM.lifecycle.value.path, PROM.lifecycle.value.quit, `${PROM.lifecycle.value.quit}/`]) expect({ p, excluded: excluded(p) }).toEqual({ p, excluded: true });
  for (const p of [...Object.values(PROM.health.value), '/', '/query', '/api/v1/query', PROM.metrics.value.path])
    expect({ p, excluded: excluded(p) }).toEqual({ p, excluded: false });
  // Bypasses through encoding or slashes are closed by Traefik itself (sanitized path, encoded slash refused).
  expect(PROM.traefikRoutingPath.value).toEqual({ sanitizePath: true, allowEncodedSlash: false });
  // The reloader still reaches /-/reload: it posts to 127.0.0.1 inside the pod, not through Traefik.
  expect(new URL(flagsOf(container('config-reloader').args ?? []).get('reload-url')!).hostname).toBe('127.0.0.1');
});
