/**
 * verify's alerting check (issue 18, items 11 and 12): the committed dist/ has no error (and warns that nobody is
 * notified, as the example site ships); each mutation that brings back a defect of the issue is an error.
 */
import { parse, stringify } from 'yaml';
import { checkAlerting } from '../../verify/checks/alerting';
import { podSpecOf } from '../../verify/load';
import { cachedLoadDist as loadDist } from '../lib/dist-cache';
import { Context, Doc, KubeObj } from '../../verify/types';
import { exampleDist } from './site-context';

// The example's dist/ (test/verify/site-context.ts): the mutations name its objects, whatever the fork enables.
const DIST = exampleDist();
const base = loadDist(DIST);

function context(mutate?: (objs: KubeObj[]) => void): Context {
  const objs = base.docs.map((d) => structuredClone(d.obj));
  mutate?.(objs);
  const docs: Doc[] = objs.map((obj, i) => ({ obj, file: base.docs[i]!.file, line: base.docs[i]!.line }));
  return { docs, files: base.files, dist: DIST, nodes: [], vault: { cidrs: [], host: 'vault', port: 8200 }, gitPath: 'dist' };
}
const found = (c: Context, severity: 'error' | 'warning') =>
  checkAlerting(c)
    .filter((f) => f.severity === severity)
    .map((f) => `${f.object}: ${f.message}`);

type Data = Record<string, string>;
const cm = (objs: KubeObj[], key: string) => (objs.find((o) => o.kind === 'ConfigMap' && (o as { data?: Data }).data?.[key] !== undefined) as unknown as { data: Data }).data;
/** Edits alertmanager.yml as an object. */
const amConfig =
  (edit: (c: Record<string, unknown> & { route: { receiver: string; routes: Record<string, unknown>[] }; receivers: Record<string, unknown>[] }) => void) => (objs: KubeObj[]) => {
    const d = cm(objs, 'alertmanager.yml');
    const c = parse(d['alertmanager.yml']!) as Parameters<typeof edit>[0];
    edit(c);
    d['alertmanager.yml'] = stringify(c);
  };
const amArgs = (objs: KubeObj[]) =>
  (podSpecOf(objs.find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'alertmanager')!)!.spec.containers[0] as unknown as { args: string[] }).args;

test('the committed dist/ passes, warning that nobody is notified and no heartbeat is set', () => {
  expect(found(context(), 'error')).toEqual([]);
  expect(found(context(), 'warning')).toEqual([
    expect.stringMatching(/root receiver "all" has no integration: no alert reaches a person/),
    expect.stringMatching(/Watchdog goes to receiver "heartbeat", which has no integration/),
  ]);
});

test('with integrations on both receivers there is no warning', () => {
  const c = context(
    amConfig((c) => {
      for (const r of c.receivers) r.webhook_configs = [{ url_file: '/vault/secrets/x' }];
    }),
  );
  expect(found(c, 'warning')).toEqual([]);
});

test.each<[string, (objs: KubeObj[]) => void, RegExp]>([
  [
    'the in-cluster external URL of before issue 18',
    (o) => {
      const a = amArgs(o);
      a[a.findIndex((x) => x.startsWith('--web.external-url='))] = '--web.external-url=http://alertmanager.monitoring.svc:9093';
    },
    /--web.external-url=http:\/\/alertmanager.monitoring.svc:9093 is not a URL a person can open/,
  ],
  [
    'a bare in-cluster name',
    (o) => {
      const a = amArgs(o);
      a[a.findIndex((x) => x.startsWith('--web.external-url='))] = '--web.external-url=http://alertmanager:9093';
    },
    /is not a URL a person can open/,
  ],
  [
    "no dead man's switch route (the Watchdog would reach people, or nobody)",
    amConfig((c) => {
      c.route.routes = [];
    }),
    /the always-firing Watchdog has no route of its own/,
  ],
  [
    'the Watchdog routed to the root receiver',
    amConfig((c) => {
      c.route.routes[0]!.receiver = c.route.receiver;
    }),
    /the always-firing Watchdog has no route of its own/,
  ],
  [
    'no always-firing rule',
    (o) => {
      const d = cm(o, 'alerts.yml');
      d['alerts.yml'] = d['alerts.yml']!.replace(/expr: vector\(1\)/, 'expr: up == 0');
    },
    /no always-firing rule \(vector\(1\)\)/,
  ],
  [
    'a route naming an undefined receiver',
    amConfig((c) => {
      c.receivers = c.receivers.filter((r) => r.name !== 'heartbeat');
    }),
    /names receiver "heartbeat", which is not defined/,
  ],
  [
    'a CA file the mounted ConfigMap does not hold',
    amConfig((c) => {
      c.receivers[0]!.email_configs = [{ to: 'a@b.org', tls_config: { ca_file: '/etc/alertmanager/relay-ca.pem' } }];
    }),
    /alertmanager.yml.receivers\[0\].email_configs\[0\].tls_config.ca_file names \/etc\/alertmanager\/relay-ca.pem, which the ConfigMap mounted at \/etc\/alertmanager does not hold/,
  ],
  [
    'the links template missing from the ConfigMap',
    (o) => void delete cm(o, 'links.tmpl')['links.tmpl'],
    /templates\[0\] names \/etc\/alertmanager\/links.tmpl, which the ConfigMap mounted at \/etc\/alertmanager does not hold/,
  ],
])('%s is an error', (_, mutate, message) => {
  expect(found(context(mutate), 'error')).toContainEqual(expect.stringMatching(message));
});
