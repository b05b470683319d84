/**
 * Loki against upstream facts (conformance/facts/loki.ts, grafana/loki v3.5.12) and the site's storage choice:
 * user, flags, ports, probes and paths of the StatefulSet; every config key the stack writes exists upstream;
 * retention is on with the delete-request store Loki requires; with `minio` the whole file is a Vault template
 * whose only secret fields are the two S3 keys, and Loki → MinIO is a declared flow.
 */
import { parse } from 'yaml';
import { LOKI_FACTS as F } from '../../conformance/facts/loki';
import { LOKI_IMAGE, lokiConfig, lokiConfigTemplate } from '../../constructs/loki';
import { validateSite } from '../../config/load';
import { peerKey } from '../../constructs/lib/network';
import { runChecks } from '../../verify/cli';
import { ProbedContainer, findResource, issuesOf, podTemplate, synth } from '../helpers';
import { siteContext } from '../verify/site-context';

type Container = ProbedContainer;
const pod = (s = synth()) => podTemplate('StatefulSet', 'loki', 'monitoring', s);
const loki = (s = synth()) => pod(s).spec.containers.find((c) => c.name === 'loki') as Container;

test('runs as the image user 10001, on its ports, with our config file', () => {
  const c = loki();
  expect(c.image).toBe(`${LOKI_IMAGE.repository}:${LOKI_IMAGE.tag}`);
  expect([c.securityContext?.runAsUser, (c.securityContext as { runAsGroup?: number }).runAsGroup]).toEqual([F.user.value.uid, F.user.value.gid]);
  expect(c.command).toBeUndefined(); // the entrypoint /usr/bin/loki is kept
  expect(c.args).toContain('-config.file=/etc/loki/domus/loki.yaml');
  expect(c.args!.every((a) => a.startsWith(F.entrypoint.value.configFlag) || a === '-target=all')).toBe(true);
  expect(Object.fromEntries((c.ports ?? []).map((p) => [p.name, p.containerPort]))).toEqual(F.ports.value);
  expect(c.readinessProbe?.httpGet?.path).toBe(F.ready.value);
  expect(c.volumeMounts?.find((m) => m.name === 'data')?.mountPath).toBe(F.dataDir.value);
});

test('the config file: upstream keys only, data under /loki, retention from the site with its delete-request store', () => {
  const text = (findResource('ConfigMap', 'loki-config', 'monitoring').data as Record<string, string>)['loki.yaml']!;
  const cfg = parse(text) as Record<string, Record<string, unknown>>;
  expect(Object.keys(cfg.common!).sort()).toEqual(F.commonKeys.value);
  expect(cfg.common!.path_prefix).toBe(F.dataDir.value);
  expect(Object.keys((cfg.common!.storage as Record<string, object>).filesystem!).sort()).toEqual(F.storageKeys.value.filesystem);
  expect(cfg.server).toMatchObject({ http_listen_port: F.ports.value.http, grpc_listen_port: F.ports.value.grpc });
  expect(cfg.compactor).toMatchObject({ retention_enabled: true, delete_request_store: 'filesystem' });
  expect(cfg.limits_config).toEqual({ retention_period: '15d' });
  expect(cfg.analytics).toEqual({ [F.reporting.value]: false });
  // Every directory Loki writes is under path_prefix (the volume): no ruler/WAL/index path of our own elsewhere.
  const dirs = text.match(/(?<=_directory: ).*/g) ?? [];
  expect(dirs.every((d) => d.startsWith(`${F.dataDir.value}/`))).toBe(true);
  expect(F.pathPrefixDefaults.value).toContain('wal');
  expect((parse(yamlOf({ workloads: { loki: { retention: '30d' } } })) as { limits_config: object }).limits_config).toEqual({ retention_period: '30d' });
});
const yamlOf = (input: object) => (findResource('ConfigMap', 'loki-config', 'monitoring', synth(input)).data as Record<string, string>)['loki.yaml']!;

test('a retention Loki would refuse, or MinIO storage without MinIO or its bucket, fails with the field path', () => {
  expect(issuesOf({ workloads: { loki: { retention: '12h' } } })).toContainEqual({
    path: 'workloads.loki.retention',
    value: '12h',
    expected: expect.stringContaining('at least 24h'),
  });
  expect(issuesOf({ workloads: { loki: { storage: { backend: 'minio' } }, minio: { enabled: false } } })).toContainEqual(
    expect.objectContaining({ path: 'workloads.loki.storage.backend', value: 'minio' }),
  );
  expect(issuesOf({ workloads: { loki: { storage: { backend: 'minio', bucket: 'logs' } } } })).toContainEqual(
    expect.objectContaining({ path: 'workloads.loki.storage.bucket', value: 'logs', expected: expect.stringContaining('backups, loki') }),
  );
});

describe('storage on MinIO', () => {
  const input = { workloads: { loki: { storage: { backend: 'minio' as const } } } };
  const s = synth(input);
  const site = validateSite(input, 'test');

  test('the config is rendered by the Vault agent: S3 keys as JSON strings, everything else literal', () => {
    const c = loki(s);
    expect(c.args).toContain('-config.file=/vault/secrets/loki.yaml');
    const ann = pod(s).metadata.annotations ?? {};
    expect(ann['vault.hashicorp.com/agent-inject-template-loki.yaml']).toBe(lokiConfigTemplate(site));
    expect(ann['vault.hashicorp.com/agent-pre-populate-only']).toBe('true');
    const t = lokiConfigTemplate(site);
    expect(t).toContain('access_key_id: {{ .Data.data.s3_access_key_id | toJSON }}');
    expect(t).toContain('secret_access_key: {{ .Data.data.s3_secret_access_key | toJSON }}');
    // What the agent would render, with keys that need quoting: valid YAML with the S3 section upstream knows.
    const rendered = t
      .replace(/^\{\{- with secret .* -\}\}\n/, '')
      .replace(/\{\{- end -\}\}\n$/, '')
      .replace('{{ .Data.data.s3_access_key_id | toJSON }}', JSON.stringify('AK: #1'))
      .replace('{{ .Data.data.s3_secret_access_key | toJSON }}', JSON.stringify('s"e\\cret'));
    const s3 = (parse(rendered) as { common: { storage: { s3: Record<string, unknown> } } }).common.storage.s3;
    expect(Object.keys(s3).sort()).toEqual(F.storageKeys.value.s3);
    expect([s3.access_key_id, s3.secret_access_key, s3.bucketnames, s3.endpoint]).toEqual(['AK: #1', 's"e\\cret', 'loki', 'minio.storage.svc:9000']);
    expect(lokiConfig(site).compactor).toMatchObject({ delete_request_store: 's3' });
  });

  test('npm run verify passes on that dist/, and setup.sh asks for the two keys', () => {
    const errors = runChecks(siteContext(site, s.files), { maxShare: 0.8 }).findings.filter((f) => f.severity === 'error');
    expect(errors.map((f) => `${f.check}: ${f.message}`)).toEqual([]);
    expect(s.files.get('bootstrap/vault/setup.sh')).toContain('kv/monitoring/loki s3_access_key_id=... s3_secret_access_key=...');
  });

  test('Loki → MinIO:9000 is declared; no ConfigMap holds the config', () => {
    const flows = s.stack.ctx.net.effectiveFlows().map((f) => `${peerKey(f.from)} > ${peerKey(f.to)}:${f.port.port}`);
    expect(flows).toContain('workload:monitoring/loki > workload:storage/minio:9000');
    expect(() => findResource('ConfigMap', 'loki-config', 'monitoring', s)).toThrow();
  });
});

test('the flows into Loki: the agent, Grafana and the scrape, nothing else', () => {
  const into = synth()
    .stack.ctx.net.effectiveFlows()
    .filter((f) => peerKey(f.to) === 'workload:monitoring/loki')
    .map((f) => `${peerKey(f.from)}:${f.port.port}`)
    .sort();
  expect(into).toEqual(['workload:log-agent/alloy:3100', 'workload:monitoring/grafana:3100', 'workload:monitoring/prometheus:3100']);
});

test('Grafana gets the Loki datasource, pointing at the Service and port Loki serves', () => {
  const ds = (
    parse((findResource('ConfigMap', 'grafana-config', 'monitoring').data as Record<string, string>)['datasources.yaml']!) as { datasources: { type: string; url: string }[] }
  ).datasources;
  expect(ds.find((d) => d.type === 'loki')?.url).toBe(`http://loki.monitoring.svc:${F.ports.value.http}`);
  const dash = JSON.parse((findResource('ConfigMap', 'grafana-dashboards', 'monitoring').data as Record<string, string>)['domus-logs.json']!) as {
    panels: { type: string; datasource: { uid: string }; targets: { expr: string }[] }[];
  };
  expect(dash.panels.filter((p) => p.type === 'logs').every((p) => p.datasource.uid === 'loki')).toBe(true);
  // Loki metrics the panels use exist upstream.
  const exprs = dash.panels.flatMap((p) => p.targets.map((t) => t.expr)).join('\n');
  for (const m of exprs.match(/\bloki_[a-z_]+(?=[{[])/g) ?? []) expect(F.metrics.value.some((n) => m === n || m.startsWith(`${n}_`))).toBe(true);
});
