/**
 * The runbook's "Something is wrong" section (day0/triage.ts): it starts at the alert and ends at the log line
 * (LogQL on the labels the log agent really sets) or the dropped flow, for every deployed workload.
 */
import { alloyConfig } from '../constructs/log-agent';
import { validateSite } from '../config/load';
import { synth } from './helpers';

const runbook = (input: object = {}) => synth(input).files.get('bootstrap/RUNBOOK.md')!;
const section = (text: string) => text.slice(text.indexOf('## Something is wrong'));

test('from the alert to the log line or the dropped flow, for every workload', () => {
  const s = synth();
  const text = section(s.files.get('bootstrap/RUNBOOK.md')!);
  expect(text).toMatch(/^## Something is wrong: from the alert to the log line or the dropped flow/);
  expect(text).toContain('hubble observe --verdict DROPPED');
  for (const w of s.stack.ctx.workloads) {
    expect(text).toContain(`### ${w.name} (${w.namespace})`);
    expect(text).toContain(`logcli query --since=1h --limit=200 '{namespace="${w.namespace}", app="${w.name}"}`);
    expect(text).toContain(`hubble observe --namespace ${w.namespace} --label app.kubernetes.io/name=${w.name} --verdict DROPPED`);
  }
  // Every alert an app declares has its row.
  for (const a of s.stack.ctx.apps) for (const r of a.alerts?.(s.stack.ctx.site) ?? []) expect(text).toContain(`| ${r.alert} | ${a.key} |`);
});

test('the stream labels it queries are the ones the agent sets', () => {
  const cfg = alloyConfig(validateSite({}, 'test'));
  for (const label of ['namespace', 'pod', 'container', 'app']) expect(cfg).toContain(`target_label  = "${label}"`);
  expect(cfg).toContain('labels        = { job = "node-journal" }');
  expect(cfg).toContain('target_label  = "unit"');
  expect(section(runbook())).toContain('{job="node-journal", unit="k3s.service"}');
});

test('Loki itself is read with kubectl first; without Loki the section ends at kubectl logs and hubble', () => {
  const loki = section(runbook()).split('### loki (monitoring)')[1]!.split('###')[0]!;
  expect(loki).toContain('kubectl logs comes first');
  const without = section(runbook({ workloads: { loki: { enabled: false } } }));
  expect(without).not.toContain('logcli');
  expect(without).toContain('No log stack is deployed');
  expect(without).toContain('hubble observe --namespace monitoring --label app.kubernetes.io/name=grafana --verdict DROPPED');
});
