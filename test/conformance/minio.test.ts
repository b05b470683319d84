/**
 * MinIO and the mc bucket Job against upstream facts (conformance/facts/minio.ts): user and args as the
 * upstream chart runs them, probes on the endpoints the server registers, root credentials through the env
 * file MinIO reads, metrics on the path and auth type Prometheus uses, and a bucket script that only calls
 * mc subcommands and flags that exist, with keys read the way `mc alias set` reads them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { SiteInput } from '../../config/schema';
import { MC_FACTS as MC, MINIO_EXCEPTIONS, MINIO_FACTS as M } from '../../conformance/facts/minio';
import { dashboardSpecs } from '../../constructs/dashboards';
import { HttpProbeLike, ProbedContainer, findAll, findResource, podTemplate, synth } from '../helpers';

type Container = ProbedContainer;

type Synth = ReturnType<typeof synth>;
const minioPod = (s?: Synth) => podTemplate('StatefulSet', 'minio', 'storage', s);
const minio = (s?: Synth) => minioPod(s).spec.containers.find((c) => c.name === 'minio') as Container;
const jobPod = () => podTemplate('Job', 'minio-buckets', 'storage');
const mc = () => jobPod().spec.containers.find((c) => c.name === 'mc') as Container;
const env = (c: Container) => Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value ?? '']));
const portOf = (c: Container, port: string | number) => (typeof port === 'number' ? port : c.ports?.find((p) => p.name === port)?.containerPort);
const writable = (c: Container, path: string) => (c.volumeMounts ?? []).some((m) => (path === m.mountPath || path.startsWith(`${m.mountPath}/`)) && !m.readOnly);

/** What the Vault agent renders from a consul-template text: trim markers honoured, `with`/`end` dropped, keys filled in. */
function render(template: string, data: Readonly<Record<string, string>>): string {
  return template
    .replace(/\s*\{\{-/g, '{{')
    .replace(/-\}\}\s*/g, '}}')
    .replace(/\{\{\s*(with [^}]*|end)\s*\}\}/g, '')
    .replace(/\{\{\s*\.Data\.data\.([a-z_]+)\s*\}\}/g, (_m, k: string) => data[k] ?? `<missing ${k}>`);
}

/**
 * Argument lists of the `mc` commands of a shell script: at the start of a line (or after `if !`), in `$(...)`,
 * or as a `case` branch; up to a redirection, pipe, `)` or `;`. Text inside echo strings is not a command.
 */
function mcCalls(script: string): string[][] {
  return [...script.matchAll(/(?:^(?:if ! )?|\$\(|\*\) )mc ([^<>|);\n"]*)/gm)].map((m) => m[1]!.trim().split(/\s+/));
}

describe('minio server', () => {
  test('runs as the upstream chart does (1000:1000, fsGroup 1000); the image itself has no USER', () => {
    const c = minio();
    const chart = M.chartSecurityContext.value;
    expect({ user: c.securityContext?.runAsUser, group: c.securityContext?.runAsGroup, fsGroup: minioPod().spec.securityContext?.fsGroup }).toEqual({
      user: chart.runAsUser,
      group: chart.runAsGroup,
      fsGroup: chart.fsGroup,
    });
    expect(M.imageUser.value).toBeNull();
    expect(MINIO_EXCEPTIONS.user).toMatch(/root/);
  });

  test('starts the minio binary directly (the entrypoint script only prepends it) with the chart flags', () => {
    const c = minio();
    expect(c.command).toEqual([M.entrypoint.value.cmd]);
    expect(MINIO_EXCEPTIONS.command).toMatch(/docker-entrypoint\.sh/);
    const args = c.args ?? [];
    expect(args[0]).toBe(M.chartArgs.value[0]);
    const flag = (name: string) => args[args.indexOf(name) + 1];
    expect(flag('--address')).toBe(`:${M.apiPort.value}`);
    expect(flag('--console-address')).toBe(`:${M.chartConsolePort.value}`);
  });

  test('container ports are the API port and the console port --console-address fixes', () => {
    expect(minio().ports?.map((p) => [p.name, p.containerPort])).toEqual([
      ['api', M.apiPort.value],
      ['console', M.chartConsolePort.value],
    ]);
  });

  test('probes only the health endpoints the server registers, on the API port', () => {
    const c = minio();
    const probes = [c.livenessProbe, c.readinessProbe, c.startupProbe].filter((p): p is HttpProbeLike => p !== undefined);
    expect(probes).toHaveLength(3);
    for (const p of probes) {
      expect(Object.values(M.health.value)).toContain(p.httpGet?.path);
      expect(portOf(c, p.httpGet!.port)).toBe(M.apiPort.value);
    }
    expect(c.readinessProbe?.httpGet?.path).toBe(M.health.value.ready);
  });

  test('like the chart, neither the server nor the bucket Job gets any API permission or token', () => {
    // Grants to a ServiceAccount of the storage namespace (Traefik's own Role there, for its informers, is not MinIO's).
    type Binding = { subjects?: { kind: string; namespace?: string }[]; roleRef: { kind: string; name: string } };
    const bindings = ['RoleBinding', 'ClusterRoleBinding']
      .flatMap((k) => findAll(k))
      .filter((b) => ((b as unknown as Binding).subjects ?? []).some((s) => s.kind === 'ServiceAccount' && s.namespace === 'storage'));
    expect(bindings).toHaveLength(M.chartRbac.value.roles);
    expect(minioPod().spec.automountServiceAccountToken).toBe(false);
    expect(jobPod().spec.automountServiceAccountToken).toBe(false);
  });

  test('the headless Service publishes not-ready pods, as the chart does, so distributed pods find each other', () => {
    const svc = findResource('Service', 'minio-headless', 'storage').spec as { clusterIP?: string; publishNotReadyAddresses?: boolean };
    expect({ clusterIP: svc.clusterIP, publishNotReadyAddresses: svc.publishNotReadyAddresses }).toEqual({ clusterIP: 'None', publishNotReadyAddresses: M.chartPeerService.value });
  });

  test('distributed drives use the ellipsis notation the chart uses ({0...N-1}, three dots)', () => {
    const example = parse(readFileSync(join(__dirname, '..', '..', 'config', 'examples', 'three-node.yaml'), 'utf8')) as SiteInput;
    const args = minio(synth(example)).args ?? [];
    expect(args[1]).toMatch(/^http:\/\/minio-\{0\.\.\.2\}\.minio-headless\.storage\.svc\.cluster\.local\/data-\{0\.\.\.1\}$/);
  });

  test('root credentials come from the env file MinIO reads (MINIO_CONFIG_ENV_FILE), rendered before the server starts', () => {
    const c = minio();
    const e = env(c);
    const file = e[M.envFile.value.variable]!;
    const name = /^\/vault\/secrets\/(.+)$/.exec(file)?.[1];
    expect(name).toBeDefined();
    const annotations = minioPod().metadata.annotations ?? {};
    // A missing env file is ignored by MinIO (it would start with no root user): only an init-time render is safe.
    expect(annotations['vault.hashicorp.com/agent-pre-populate-only']).toBe('true');
    const rendered = render(annotations[`vault.hashicorp.com/agent-inject-template-${name}`]!, { root_user: 'u', root_password: 'p' });
    const keys = rendered
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => l.split('=')[0]);
    expect(keys).toEqual(M.envFile.value.keys);
    // Without the file MinIO would run as minioadmin; with a misnamed KV key, as "<no value>": the render must fail instead.
    expect(M.defaultCredentials.value.fallback).toBe('minioadmin');
    // Root credentials have minimum lengths only (cmd/common-main.go loadRootCredentials at the pinned tag).
    expect(M.defaultCredentials.value).toEqual({ fallback: 'minioadmin', minLength: { user: 3, password: 8 } });
    expect(annotations[`${M.vaultMissingKey.value}${name}`]).toBe('true');
    // No credential literal in the pod spec, and none of the image's *_FILE presets points at a mounted file.
    for (const k of [...M.envFile.value.keys, 'MINIO_ROOT_USER_FILE', 'MINIO_ROOT_PASSWORD_FILE']) expect(e[k]).toBeUndefined();
  });

  test('HOME is writable (the exception: no home for UID 1000 on a read-only root)', () => {
    const c = minio();
    expect(writable(c, env(c).HOME!)).toBe(true);
    expect(MINIO_EXCEPTIONS.home).toMatch(/HOME=\/tmp/);
  });

  test('Prometheus scrapes the cluster metrics path without a token because the auth type is public', () => {
    const e = env(minio());
    expect(M.metrics.value.values).toContain(e[M.metrics.value.authEnv]);
    expect(e[M.metrics.value.authEnv]).toBe('public');
    const cm = findResource('ConfigMap', 'prometheus-config', 'monitoring').data as Record<string, string>;
    const job = (parse(cm['prometheus.yml']!) as { scrape_configs: { job_name: string; metrics_path: string; authorization?: unknown }[] }).scrape_configs.find(
      (j) => j.job_name === 'minio',
    );
    expect(job?.metrics_path).toBe(M.metrics.value.path);
    expect(job?.authorization).toBeUndefined();
  });

  test('alert rules and the dashboard query only MinIO metric names the server exports', () => {
    const cm = findResource('ConfigMap', 'prometheus-config', 'monitoring').data as Record<string, string>;
    const exprs = [
      ...(parse(cm['alerts.yml']!) as { groups: { rules: { expr: string }[] }[] }).groups.flatMap((g) => g.rules.map((r) => r.expr)),
      ...dashboardSpecs(synth().stack.ctx).flatMap((d) => d.panels.map((p) => p.expr)),
    ];
    const used = new Set(exprs.flatMap((x) => x.match(/\bminio_[a-z0-9_]+/g) ?? []));
    expect(used.size).toBeGreaterThan(2);
    expect([...used].filter((n) => !M.metricNames.value.includes(n))).toEqual([]);
  });
});

describe('minio-buckets Job (mc)', () => {
  const script = () => mc().command![2]!;

  test('runs as 1000 with a shell the mc image has (as the upstream chart jobs do)', () => {
    const c = mc();
    expect(c.command?.slice(0, 2)).toEqual([MC.shell.value, '-c']);
    expect(c.securityContext?.runAsUser).toBe(M.chartSecurityContext.value.runAsUser);
    expect(MINIO_EXCEPTIONS.mcCommand).toMatch(/\/bin\/sh/);
  });

  test('mc keeps its config in a writable $HOME/.mc', () => {
    const c = mc();
    expect(writable(c, `${env(c).HOME}/${MC.configDir.value}`)).toBe(true);
  });

  test('every mc call uses only global flags, subcommands and flags that exist in mc', () => {
    const calls = mcCalls(script());
    expect(calls.length).toBeGreaterThan(2);
    for (const argv of calls) {
      const flags = argv.filter((a) => a.startsWith('-'));
      const words = argv.filter((a) => !a.startsWith('-'));
      const allowed = [...MC.commands.value.global, ...(words[0] === 'mb' ? MC.commands.value.mb : [])];
      expect({ argv, unknownFlags: flags.filter((f) => !allowed.includes(f)) }).toEqual({ argv, unknownFlags: [] });
      expect(['alias', 'mb', 'version']).toContain(words[0]);
      if (words[0] === 'version') expect(MC.commands.value.version).toContain(words[1]);
      if (words[0] === 'alias') expect(words[1]).toBe('set');
    }
  });

  test('`mc alias set` gets exactly ALIAS and URL, so it reads both keys from stdin: the two lines Vault renders', () => {
    const alias = mcCalls(script()).find((a) => a.includes('alias'))!;
    expect(alias.filter((a) => !a.startsWith('-')).slice(2)).toHaveLength(MC.aliasStdin.value.args);
    const file = /alias set \S+ \S+ < (\S+)/.exec(script())?.[1];
    const name = /^\/vault\/secrets\/(.+)$/.exec(file ?? '')?.[1];
    const annotations = jobPod().metadata.annotations ?? {};
    const rendered = render(annotations[`vault.hashicorp.com/agent-inject-template-${name}`]!, { root_user: 'AKEY', root_password: 'SKEY' });
    expect(rendered.split('\n').filter((l) => l !== '')).toEqual(['AKEY', 'SKEY']);
    expect(rendered.split('\n')).toHaveLength(MC.aliasStdin.value.lines + 1);
    expect(annotations[`${M.vaultMissingKey.value}${name}`]).toBe('true');
  });

  test('the versioning check matches what `mc version info` prints', () => {
    const cases = [...script().matchAll(/\*"([^"]+)"\*\)/g)].map((m) => m[1]);
    expect(cases.length).toBeGreaterThan(0);
    for (const c of cases) expect(c).toBe(MC.versionInfo.value.enabled);
  });
});
