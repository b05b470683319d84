/**
 * Alertmanager as synthesized, against upstream v0.28.1 (conformance/facts/alertmanager.ts): image, flags and
 * probes; Prometheus wired to it (alerting config and flow); receivers from the site with their credentials
 * as Vault files (never in the ConfigMap), egress only to the receivers' hosts; the node-down inhibition.
 */
import { parse } from 'yaml';
import { ALERTMANAGER_FACTS } from '../../conformance/facts/alertmanager';
import { siteWarnings } from '../../charts/cli';
import { EXAMPLE_CA_PEM } from '../../config/trust';
import { ALERTMANAGER_IMAGE, alertmanagerDay0, alertmanagerWarnings, NODE_DOWN_INHIBITION } from '../../constructs/alertmanager';
import { fqdns, workloadPeer } from '../../constructs/lib/network';
import { findResource, flowAllowed, issuesOf, podTemplate, synth } from '../helpers';
import { fires, sampled } from '../promql/promql';

const receivers = [
  { type: 'webhook' as const, name: 'ntfy', host: 'ntfy.sh' },
  { type: 'email' as const, name: 'mail', to: 'me@example.org', from: 'alerts@example.org', smarthost: 'smtp.example.org' },
];
const s = synth({ workloads: { alertmanager: { receivers } } });
const amPeer = workloadPeer('monitoring', 'alertmanager');
const configOf = (x = s) =>
  parse((findResource('ConfigMap', 'alertmanager-config', 'monitoring', x).data as Record<string, string>)['alertmanager.yml']!) as Record<string, unknown>;

test('image, user, storage, flags and probes are upstream', () => {
  const t = podTemplate('StatefulSet', 'alertmanager', 'monitoring', s);
  const c = t.spec.containers[0]!;
  expect(c.image).toBe(`${ALERTMANAGER_IMAGE.repository}:v0.28.1`);
  expect(c.securityContext?.runAsUser).toBe(ALERTMANAGER_FACTS.image.value.uid);
  expect(c.ports?.map((p) => p.containerPort)).toEqual([ALERTMANAGER_FACTS.image.value.port]);
  expect(c.args).toContain(`${ALERTMANAGER_FACTS.flags.value.storage}=${ALERTMANAGER_FACTS.image.value.storage}`);
  // One replica: the gossip port stays closed (empty listen address).
  expect(c.args).toContain(`${ALERTMANAGER_FACTS.flags.value.cluster}=`);
  expect((c.livenessProbe as { httpGet: { path: string } }).httpGet.path).toBe(ALERTMANAGER_FACTS.health.value.healthy);
  expect((c.readinessProbe as { httpGet: { path: string } }).httpGet.path).toBe(ALERTMANAGER_FACTS.health.value.ready);
});

test('Prometheus sends alerts to it: alerting config and the flow', () => {
  const prom = parse((findResource('ConfigMap', 'prometheus-config', 'monitoring', s).data as Record<string, string>)['prometheus.yml']!) as {
    alerting: { alertmanagers: { static_configs: { targets: string[] }[] }[] };
  };
  expect(prom.alerting.alertmanagers[0]!.static_configs[0]!.targets).toEqual(['alertmanager.monitoring.svc:9093']);
  expect(flowAllowed(workloadPeer('monitoring', 'prometheus'), amPeer, 9093, s)).toBe(true);
  expect(flowAllowed(workloadPeer('ingress', 'traefik'), amPeer, 9093, s)).toBe(false);
  const bare = synth({ workloads: { alertmanager: { enabled: false } } });
  expect(parse((findResource('ConfigMap', 'prometheus-config', 'monitoring', bare).data as Record<string, string>)['prometheus.yml']!)).not.toHaveProperty('alerting');
});

test('receivers from the site; credentials are Vault files read with url_file / auth_password_file, never in the ConfigMap', () => {
  const cfg = configOf();
  const route = cfg.route as { receiver: string; matchers?: unknown };
  const all = (cfg.receivers as { name: string; webhook_configs: Record<string, unknown>[]; email_configs: Record<string, unknown>[] }[]).find((r) => r.name === route.receiver)!;
  expect(route.matchers).toBeUndefined();
  expect(Object.keys(all.webhook_configs[0]!)).toContain(ALERTMANAGER_FACTS.webhookUrlFile.value);
  expect(all.webhook_configs[0]).toEqual({ url_file: '/vault/secrets/ntfy-url', send_resolved: true });
  for (const k of Object.keys(all.email_configs[0]!).filter((k) => k !== 'send_resolved')) expect(ALERTMANAGER_FACTS.emailKeys.value).toContain(k);
  expect(all.email_configs[0]).toMatchObject({ to: 'me@example.org', smarthost: 'smtp.example.org:587', auth_password_file: '/vault/secrets/mail-password', require_tls: true });
  const t = podTemplate('StatefulSet', 'alertmanager', 'monitoring', s);
  expect(t.metadata.annotations?.['vault.hashicorp.com/agent-inject-secret-ntfy-url']).toBe('kv/data/monitoring/alertmanager');
  expect(t.metadata.annotations?.['vault.hashicorp.com/agent-inject-secret-mail-password']).toBe('kv/data/monitoring/alertmanager');
  expect(JSON.stringify(findResource('ConfigMap', 'alertmanager-config', 'monitoring', s).data)).not.toMatch(/password:|url:/);
});

test("egress only to the receivers' hosts and ports", () => {
  expect(flowAllowed(amPeer, fqdns(['ntfy.sh']), 443, s)).toBe(true);
  expect(flowAllowed(amPeer, fqdns(['smtp.example.org']), 587, s)).toBe(true);
  expect(flowAllowed(amPeer, fqdns(['smtp.example.org']), 25, s)).toBe(false);
  expect(flowAllowed(amPeer, fqdns(['ntfy.sh']), 443)).toBe(false); // the default site has no receiver
});

test('bad receivers fail with the field path', () => {
  expect(issuesOf({ workloads: { alertmanager: { receivers: [{ type: 'email', name: 'm', to: 'nobody', from: 'a@b.org', smarthost: 'smtp.b.org' }] } } })).toEqual([
    expect.objectContaining({ path: 'workloads.alertmanager.receivers[0].to', value: 'nobody' }),
  ]);
  expect(issuesOf({ workloads: { alertmanager: { receivers: [receivers[0], { ...receivers[0] }] } } })).toEqual([
    expect.objectContaining({ path: 'workloads.alertmanager.receivers[1].name', value: 'ntfy' }),
  ]);
  expect(issuesOf({ workloads: { alertmanager: { receivers: [{ type: 'webhook', name: 'x"; rm', host: 'ntfy.sh' }] } } })[0]!.path).toBe(
    'workloads.alertmanager.receivers[0].name',
  );
});

test('node-down inhibition: NodeExporterDown holds back that node’s other alerts, which exist with the labels it matches', () => {
  const cfg = configOf();
  expect(cfg.inhibit_rules).toEqual([NODE_DOWN_INHIBITION]);
  for (const k of Object.keys(NODE_DOWN_INHIBITION)) expect(ALERTMANAGER_FACTS.inhibitKeys.value).toContain(k);
  const rules = (
    parse((findResource('ConfigMap', 'prometheus-config', 'monitoring', s).data as Record<string, string>)['alerts.yml']!) as {
      groups: { rules: { alert: string; expr: string; for: string }[] }[];
    }
  ).groups.flatMap((g) => g.rules);
  const names = rules.map((r) => r.alert);
  const targets = /alertname=~"([^"]+)"/.exec(NODE_DOWN_INHIBITION.target_matchers[0])![1]!.split('|');
  expect(names).toContain('NodeExporterDown');
  for (const t of targets) expect(names).toContain(t);
  // The source alert carries the `node` label the rule matches on (pod discovery sets it on every target).
  const down = rules.find((r) => r.alert === 'NodeExporterDown')!;
  expect(fires(down, [sampled({ __name__: 'up', job: 'node-exporter', node: 'node-01' }, 0, 3600, () => 0)], 3600)).toBe(true);
  const prom = (findResource('ConfigMap', 'prometheus-config', 'monitoring', s).data as Record<string, string>)['prometheus.yml']!;
  const ne = (parse(prom) as { scrape_configs: { job_name: string; relabel_configs: { target_label?: string }[] }[] }).scrape_configs.find((j) => j.job_name === 'node-exporter')!;
  expect(ne.relabel_configs.map((r) => r.target_label)).toContain('node');
});

// --- issue 18, items 11 and 12: alerts that reach a person ------------------------------------------------------
const CA = EXAMPLE_CA_PEM;
const reached = synth({
  workloads: {
    alertmanager: {
      receivers: [{ type: 'email', name: 'lan', to: 'me@example.org', from: 'alerts@example.org', smarthost: 'relay.domus.lan', caCert: CA }],
      heartbeat: { host: 'hc-ping.com' },
    },
  },
});
const argsOf = (x: ReturnType<typeof synth>) => podTemplate('StatefulSet', 'alertmanager', 'monitoring', x).spec.containers[0]!.args ?? [];

test('links in notifications open a page a person can reach (Grafana alert list), not the in-cluster name; the routes stay at /', () => {
  expect(argsOf(s)).toContain(`${ALERTMANAGER_FACTS.externalUrl.value.externalUrl}=https://grafana.domus.lan/alerting/list`);
  expect(argsOf(s).join(' ')).not.toMatch(/\.svc/);
  // The URL has a path: without an explicit prefix the API and /-/healthy would move under /alerting/list.
  expect(argsOf(s)).toContain(`${ALERTMANAGER_FACTS.externalUrl.value.routePrefix}=/`);
  // The link is the page itself, not Alertmanager's #/alerts fragment (default.tmpl's __alertmanagerURL redefined).
  const cm = findResource('ConfigMap', 'alertmanager-config', 'monitoring', s).data as Record<string, string>;
  expect(configOf().templates).toEqual(['/etc/alertmanager/links.tmpl']);
  expect(cm['links.tmpl']).toContain(`{{ define "${ALERTMANAGER_FACTS.linkTemplate.value.name}" }}{{ .ExternalURL }}{{ end }}`);
  // Without Grafana: the port-forward address of the runbook.
  expect(argsOf(synth({ workloads: { grafana: { enabled: false } } }))).toContain('--web.external-url=http://localhost:9093');
});

test("dead man's switch: Watchdog goes only to the heartbeat receiver, whose URL is a Vault file and whose host is the only new egress", () => {
  const cfg = configOf(reached) as { route: { receiver: string; routes: Record<string, unknown>[] }; receivers: { name: string; webhook_configs?: unknown[] }[] };
  expect(cfg.route.routes).toEqual([{ matchers: ['alertname="Watchdog"'], receiver: 'heartbeat', group_wait: '0s', group_interval: '1m', repeat_interval: '50s' }]);
  // Every tick re-sends: the last send is always older than now − repeat_interval (dedup stage).
  expect(ALERTMANAGER_FACTS.repeatDedup.value).toEqual({ resendWhen: 'last send before now - repeat_interval', checkedAt: 'group_interval tick' });
  for (const k of Object.keys(cfg.route.routes[0]!)) expect(ALERTMANAGER_FACTS.childRoutes.value).toContain(k);
  expect(cfg.receivers.find((r) => r.name === 'heartbeat')!.webhook_configs).toEqual([{ url_file: '/vault/secrets/heartbeat-url', send_resolved: false }]);
  const t = podTemplate('StatefulSet', 'alertmanager', 'monitoring', reached);
  expect(t.metadata.annotations?.['vault.hashicorp.com/agent-inject-secret-heartbeat-url']).toBe('kv/data/monitoring/alertmanager');
  expect(flowAllowed(amPeer, fqdns(['hc-ping.com']), 443, reached)).toBe(true);
  expect(flowAllowed(amPeer, fqdns(['hc-ping.com']), 443, s)).toBe(false);
  // Every receiver a route names exists, with or without a heartbeat (rootRoute fact).
  for (const x of [s, reached]) {
    const c = configOf(x) as typeof cfg;
    for (const r of [c.route, ...c.route.routes]) expect(c.receivers.map((x) => x.name)).toContain(r.receiver);
  }
});

test('an e-mail relay with a private CA: the PEM beside the configuration, named by tls_config.ca_file', () => {
  const cfg = configOf(reached) as { receivers: { name: string; email_configs?: Record<string, unknown>[] }[] };
  const mail = cfg.receivers.find((r) => r.name === 'all')!.email_configs![0]!;
  expect(mail[ALERTMANAGER_FACTS.emailTls.value.key]).toEqual({ [ALERTMANAGER_FACTS.emailTls.value.caFile]: '/etc/alertmanager/lan-ca.pem' });
  const cm = findResource('ConfigMap', 'alertmanager-config', 'monitoring', reached).data as Record<string, string>;
  expect(cm['lan-ca.pem']).toBe(CA);
  const t = podTemplate('StatefulSet', 'alertmanager', 'monitoring', reached);
  expect(t.spec.containers[0]!.volumeMounts).toContainEqual(expect.objectContaining({ name: 'config', mountPath: '/etc/alertmanager' }));
  // Without caCert: the system roots (no tls_config).
  expect((configOf().receivers as { name: string; email_configs: Record<string, unknown>[] }[])[0]!.email_configs[0]).not.toHaveProperty('tls_config');
});

test('caCert is validated like every CA field of the site; the stack receiver names are reserved', () => {
  const mail = { type: 'email' as const, name: 'lan', to: 'me@example.org', from: 'a@example.org', smarthost: 'relay.domus.lan' };
  expect(issuesOf({ workloads: { alertmanager: { receivers: [{ ...mail, caCert: 'not a pem' }] } } })).toEqual([
    expect.objectContaining({ path: 'workloads.alertmanager.receivers[0].caCert' }),
  ]);
  expect(issuesOf({ workloads: { alertmanager: { receivers: [{ ...mail, caCert: `${CA}-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----\n` }] } } })).toEqual([
    expect.objectContaining({ path: 'workloads.alertmanager.receivers[0].caCert' }),
  ]);
  expect(issuesOf({ workloads: { alertmanager: { receivers: [{ ...mail, name: 'heartbeat' }] } } })).toEqual([
    expect.objectContaining({ path: 'workloads.alertmanager.receivers[0].name', value: 'heartbeat' }),
  ]);
});

test('a site whose alerts reach nobody synthesizes with loud warnings, which the day-0 text repeats', () => {
  const site = s.stack.ctx.site;
  const bareSite = synth().stack.ctx.site;
  expect(alertmanagerWarnings(bareSite)).toEqual([
    expect.stringMatching(/^ALERTMANAGER HAS NO RECEIVER: no alert reaches a person/),
    expect.stringMatching(/^NO DEAD MAN'S SWITCH/),
  ]);
  expect(alertmanagerWarnings(site)).toEqual([expect.stringMatching(/^NO DEAD MAN'S SWITCH/)]);
  expect(alertmanagerWarnings(reached.stack.ctx.site)).toEqual([]);
  // Other apps may warn too (no backup target): synth prints Alertmanager's among them.
  expect(siteWarnings(bareSite)).toEqual(expect.arrayContaining(alertmanagerWarnings(bareSite)));
  // DAY0 repeats the warnings in its alerting step, which proves the Watchdog reached Alertmanager.
  const day0 = alertmanagerDay0(bareSite);
  expect(day0.map((st) => st.after)).toEqual(['waves']);
  const lines = day0.flatMap((st) => st.commands.map((c) => c.run));
  for (const w of alertmanagerWarnings(bareSite)) expect(lines).toContain(`# WARNING: ${w}`);
  expect(lines.some((l) => /amtool .* alert query alertname=Watchdog$/.test(l))).toBe(true);
  const reachedDay0 = alertmanagerDay0(reached.stack.ctx.site);
  expect(reachedDay0.flatMap((st) => st.commands.map((c) => c.run)).filter((l) => l.startsWith('# WARNING'))).toEqual([]);
  expect(reachedDay0[0]!.done).toContain('heartbeat service');
  // The receiver's and the heartbeat's keys are asked in DAY0's Vault step, from the templates that read them.
  const dayZero = reached.files.get('bootstrap/DAY0.md')!;
  for (const k of ['lan_password', 'heartbeat_url']) expect(dayZero).toContain(k);
  expect(dayZero).toContain('Check that alerts reach a person');
  expect(alertmanagerWarnings(synth({ workloads: { alertmanager: { enabled: false } } }).stack.ctx.site)).toEqual([]);
});
