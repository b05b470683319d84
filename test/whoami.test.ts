/**
 * docs/adding-an-app.md, proven: the whoami app is one file (test/fixtures/apps/whoami.ts, written as a
 * constructs/<app>.ts would be) plus one registry line (`[...APPS, whoamiApp]`). Nothing else is edited, and
 * the namespace, the workload, the route and its Traefik → whoami flow, the Vault role and policy, the scrape
 * job and its flow, the dashboard, the alert and the Argo CD Application all appear, and `npm run verify`'s
 * checks pass on that dist/: its exposure and must-deny flows come from the app file (dist/intent), Traefik's
 * Secret read in the new namespace from the namespaces Traefik watches.
 */
import { parse } from 'yaml';
import { synthesize } from '../charts/synth';
import { validateSite } from '../config/load';
import { APPS } from '../constructs/registry';
import type { AlertRule, AlertSeries } from '../constructs/lib/app';
import { peerKey } from '../constructs/lib/network';
import { fires, sampled } from './promql/promql';
import { runChecks } from '../verify/cli';
import { whoamiApp } from './fixtures/apps/whoami';
import { KubeObject } from './helpers';
import { siteContext } from './verify/site-context';

// The one registry line; a copy of the repository that registered the app for real (test/new-app.test.ts) has it already.
const REGISTRY = APPS.some((a) => a.key === 'whoami') ? APPS : [...APPS, whoamiApp];
const base = synthesize(validateSite({}, 'test'), { apps: REGISTRY.filter((a) => a.key !== 'whoami') });
const site = validateSite({}, 'test');
const s = synthesize(site, { apps: REGISTRY });
const all = s.charts.flatMap((c) => [...c.objects]);
const find = (kind: string, name: string, namespace?: string): KubeObject => {
  const hit = all.find((o) => o.kind === kind && o.metadata.name === name && (namespace === undefined || o.metadata.namespace === namespace));
  if (!hit) throw new Error(`no ${kind} ${namespace ?? '*'}/${name}`);
  return hit;
};
const flows = s.stack.ctx.net.effectiveFlows().map((f) => `${peerKey(f.from)} > ${peerKey(f.to)}:${f.port.port}`);

test('its own chart and Argo CD Application, in the wave it declares', () => {
  // After every chart of the stack, before the Argo CD Applications (charts follow the registry's order).
  expect(s.charts.map((c) => c.name)).toEqual([...base.charts.map((c) => c.name).filter((n) => n !== 'apps'), 'whoami', 'apps']);
  const app = find('Application', 'whoami', 'argocd');
  expect(app.metadata.annotations?.['argocd.argoproj.io/sync-wave']).toBe('1');
  expect((app.spec as { source: { path: string } }).source.path).toBe('dist/whoami');
  expect(s.files.has('whoami/whoami.yaml')).toBe(true);
});

test('a restricted namespace with default deny and DNS, watched by the Vault injector and Traefik', () => {
  expect(find('Namespace', 'whoami').metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
  find('NetworkPolicy', 'default-deny', 'whoami');
  find('CiliumNetworkPolicy', 'allow-dns', 'whoami');
  const webhook = find('MutatingWebhookConfiguration', 'vault-agent-injector-cfg') as unknown as {
    webhooks: { namespaceSelector: { matchExpressions: { values: string[] }[] } }[];
  };
  expect(webhook.webhooks[0]!.namespaceSelector.matchExpressions.flatMap((e) => e.values)).toContain('whoami');
  const traefik = JSON.stringify(find('DaemonSet', 'traefik', 'ingress'));
  expect(traefik).toMatch(/--providers.kubernetescrd.namespaces=[^"]*whoami/);
  find('Role', 'traefik', 'whoami');
});

test('the workload, hardened like every other, with its Vault annotations', () => {
  const pod = (
    find('Deployment', 'whoami', 'whoami').spec as {
      template: {
        metadata: { annotations: Record<string, string> };
        spec: { containers: { image: string; securityContext: { runAsNonRoot: boolean; readOnlyRootFilesystem: boolean } }[] };
      };
    }
  ).template;
  expect(pod.spec.containers[0]!.image).toBe('docker.io/traefik/whoami:v1.10.3');
  expect(pod.spec.containers[0]!.securityContext).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true });
  expect(pod.metadata.annotations['vault.hashicorp.com/role']).toBe('whoami-whoami');
  expect(pod.metadata.annotations['vault.hashicorp.com/agent-inject-secret-greeting']).toBe('kv/data/whoami/app');
});

test('the route, and the Traefik → whoami flow it implies', () => {
  const route = find('IngressRoute', 'whoami', 'whoami');
  expect(JSON.stringify(route.spec)).toContain('Host(`whoami.domus.lan`)');
  expect(flows).toContain('workload:ingress/traefik > workload:whoami/whoami:8080');
  const policy = find('CiliumNetworkPolicy', 'whoami', 'whoami');
  expect(JSON.stringify(policy.spec)).toContain('"k8s:io.kubernetes.pod.namespace":"ingress"');
});

test('the Vault role and policy, and the KV key in setup.sh', () => {
  expect(s.stack.ctx.vault.all().find((b) => b.role === 'whoami-whoami')).toEqual({
    role: 'whoami-whoami',
    namespace: 'whoami',
    serviceAccount: 'whoami',
    paths: [{ path: 'kv/data/whoami/app', capability: 'read' }],
  });
  expect(s.files.get('bootstrap/vault/policies/whoami-whoami.hcl')).toContain('path "kv/data/whoami/app"');
  const setup = s.files.get('bootstrap/vault/setup.sh')!;
  expect(setup).toContain(`vault write auth/${s.stack.ctx.site.vault.authMount}/role/whoami-whoami bound_service_account_names=whoami bound_service_account_namespaces=whoami`);
  expect(setup).toContain('vault kv put kv/whoami/app greeting=...');
});

test('the scrape job and its flow, the dashboard and the alert', () => {
  const config = find('ConfigMap', 'prometheus-config', 'monitoring') as unknown as { data: Record<string, string> };
  const jobs = (parse(config.data['prometheus.yml']!) as { scrape_configs: { job_name: string }[] }).scrape_configs.map((j) => j.job_name);
  expect(jobs).toContain('whoami');
  expect(flows).toContain('workload:monitoring/prometheus > workload:whoami/whoami:8080');
  expect(config.data['alerts.yml']).toContain('alert: WhoamiDown');
  // Its firing case sits next to the rule (alertCases) and holds with Prometheus' grammar and the evaluator.
  const rule = (parse(config.data['alerts.yml']!) as { groups: { rules: AlertRule[] }[] }).groups.flatMap((g) => g.rules).find((r) => r.alert === 'WhoamiDown')!;
  const series = (d: AlertSeries) => sampled({ __name__: d.metric, ...d.labels }, 0, 7200, () => ('value' in d ? d.value : 0));
  expect(fires(rule, whoamiApp.alertCases!.WhoamiDown!.fire.map(series), 7200)).toBe(true);
  expect(fires(rule, whoamiApp.alertCases!.WhoamiDown!.quiet.map(series), 7200)).toBe(false);
  const dashboards = find('ConfigMap', 'grafana-dashboards', 'monitoring') as unknown as { data: Record<string, string> };
  expect(Object.keys(dashboards.data)).toContain('domus-whoami.json');
});

test('the runbook lists it, and nothing else of the stack changed its objects', () => {
  expect(s.files.get('bootstrap/RUNBOOK.md')).toContain('## whoami (whoami)');
  // Charts that neither watch namespaces nor hold the flows/jobs of other apps are byte-identical.
  for (const chart of ['argocd', 'storage', 'security']) expect(s.files.get(`${chart}/${chart}.yaml`)).toBe(base.files.get(`${chart}/${chart}.yaml`));
});

test('npm run verify passes on that dist/, with no file of verify edited', () => {
  const ctx = siteContext(site, s.files);
  const findings = runChecks(ctx, { maxShare: 0.8 }).findings.filter((f) => f.severity === 'error');
  expect(findings.map((f) => `${f.check}: ${f.message}`)).toEqual([]);
  // What verify read comes from the app file: the host with its audience, the must-deny flow, the watch list.
  expect((JSON.parse(ctx.files.get('intent/exposure.json')!) as { routes: { host: string; audience: string }[] }).routes).toContainEqual(
    expect.objectContaining({ host: 'whoami', audience: 'lan' }),
  );
  expect((JSON.parse(ctx.files.get('intent/must-deny.json')!) as { mustDeny: unknown[] }).mustDeny).toContainEqual(whoamiApp.mustDeny![0]);
  expect(ctx.docs.some((d) => d.obj.kind === 'RoleBinding' && d.obj.metadata.namespace === 'whoami' && d.obj.metadata.name === 'traefik')).toBe(true);
});

test("and verify still catches whoami's own mistakes: its must-deny flow opened, its route undeclared", () => {
  const ctx = siteContext(site, s.files);
  const cnp = ctx.docs.find((d) => d.obj.kind === 'CiliumNetworkPolicy' && d.obj.metadata.namespace === 'whoami' && d.obj.metadata.name === 'whoami')!;
  (cnp.obj.spec as { ingress: unknown[] }).ingress.push({ fromEntities: ['world'], toPorts: [{ ports: [{ port: '8080', protocol: 'TCP' }] }] });
  const files = new Map(ctx.files);
  const e = JSON.parse(files.get('intent/exposure.json')!) as { routes: { host: string }[] };
  files.set('intent/exposure.json', JSON.stringify({ routes: e.routes.filter((r) => r.host !== 'whoami') }));
  const found = runChecks({ ...ctx, files }, { maxShare: 0.8 })
    .findings.filter((f) => f.severity === 'error')
    .map((f) => `${f.check}: ${f.message}`);
  expect(found).toContainEqual(expect.stringMatching(/^network: must-deny flow is allowed: world → whoami\/whoami:8080 \(whoami is reached through Traefik only\)/));
  expect(found).toContainEqual(expect.stringMatching(/publishes whoami.domus.lan, which no app declares/));
});
