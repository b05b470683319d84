/**
 * Alertmanager's own checker on the synthesized Alertmanager configuration: `amtool check-config` (which loads
 * the file with the server's own loader) for the site in use, the default site (no receiver), and sites with
 * each receiver kind, read from the Alertmanager container's view of its ConfigMap and Vault files. Mutations
 * show that amtool, not a model, rejects a broken configuration.
 */
import type { Synthesis } from '../../charts/synth';
import type { SiteInput } from '../../config/schema';
import { siteSynth, synth } from '../helpers';
import { prepareConfig, writeConfig, type PreparedConfig } from './pod';
import { realTool } from './tool';

const amtool = realTool('amtool');

type ReceiverInput = NonNullable<NonNullable<NonNullable<SiteInput['workloads']>['alertmanager']>['receivers']>[number];
const webhook: ReceiverInput = { type: 'webhook', name: 'ntfy', host: 'ntfy.example.org' };
const email: ReceiverInput = { type: 'email', name: 'mail', to: 'alerts@example.org', from: 'stack@example.org', smarthost: 'smtp.example.org' };
const withReceivers = (receivers: ReceiverInput[]): SiteInput => ({ workloads: { alertmanager: { receivers } } });
const sites: [string, () => Synthesis][] = [
  // Tests follow the site: a fork with alertmanager off has no configuration of it to check.
  ...((({ site }) => site.workloads.alertmanager.enabled && site.workloads.prometheus.enabled)(siteSynth().stack.ctx)
    ? ([['the site in use', () => siteSynth()]] as [string, () => Synthesis][])
    : []),
  ['the default site (no receiver)', () => synth()],
  ['a webhook receiver', () => synth(withReceivers([webhook]))],
  ['an e-mail receiver', () => synth(withReceivers([email]))],
  ['both kinds', () => synth(withReceivers([webhook, email]))],
];
/** A site of the list by name (the site in use is listed only when it enables the app). */
const siteNamed = (name: string): (() => Synthesis) => sites.find(([n]) => n === name)![1];

interface AmConfig {
  route: { receiver: string } & Record<string, unknown>;
  receivers: ({ name: string; webhook_configs?: Record<string, unknown>[]; email_configs?: Record<string, unknown>[] } & Record<string, unknown>)[];
  inhibit_rules?: Record<string, unknown>[];
}

type Prepared = PreparedConfig<AmConfig>;

const prepare = (s: Synthesis): Prepared => prepareConfig<AmConfig>(s, 'alertmanager', s.stack.ctx.site.namespaces.monitoring, 'alertmanager', '--config.file');

function check(p: Prepared, config: AmConfig = p.config) {
  const path = writeConfig(p, config);
  return amtool.run(['check-config', path]);
}

amtool.describe('amtool check-config on the synthesized Alertmanager configuration', () => {
  const prepared: Prepared[] = [];
  afterAll(() => prepared.forEach((p) => p.root.remove()));
  const get = (f: () => Synthesis): Prepared => {
    const p = prepare(f());
    prepared.push(p);
    return p;
  };

  test.each(sites)('%s: alertmanager.yml passes amtool check-config', (_, f) => {
    const p = get(f);
    const r = check(p);
    expect({ status: r.status, output: r.output }).toEqual({ status: 0, output: expect.stringContaining('SUCCESS') });
  });

  test('the receiver sites hold what they say (each kind, with its Vault-rendered file in the pod)', () => {
    const p = get(siteNamed('both kinds'));
    const all = p.config.receivers.find((r) => r.name === p.config.route.receiver)!;
    expect(all.webhook_configs).toHaveLength(1);
    expect(all.email_configs).toHaveLength(1);
    for (const file of [all.webhook_configs![0]!.url_file, all.email_configs![0]!.auth_password_file] as string[]) expect(p.view.files.has(file)).toBe(true);
  });

  describe('amtool rejects a broken configuration (the check can fail)', () => {
    const mutations: [string, (c: AmConfig) => void, RegExp][] = [
      ['the route names a receiver that does not exist', (c) => (c.route.receiver = 'nobody'), /undefined receiver "nobody"/],
      ['a misspelt key', (c) => (c.route.group_wiat = '30s'), /field group_wiat not found/],
      ['a webhook with both url and url_file', (c) => (c.receivers[0]!.webhook_configs![0]!.url = 'https://ntfy.example.org/x'), /at most one of url & url_file/],
      ['a webhook without a URL', (c) => delete c.receivers[0]!.webhook_configs![0]!.url_file, /one of url or url_file must be configured/],
      ['an e-mail without a recipient', (c) => delete c.receivers[0]!.email_configs![0]!.to, /missing to address/],
      ['a smarthost without a port', (c) => (c.receivers[0]!.email_configs![0]!.smarthost = 'smtp.example.org'), /missing port in address/],
      ['an inhibit matcher that does not parse', (c) => (c.inhibit_rules![0]!.source_matchers = ['alertname=~"("']), /error parsing regexp|bad matcher format|unexpected/],
      ['two receivers with one name', (c) => c.receivers.push({ ...c.receivers[0]! }), /notification config name "all" is not unique/],
    ];
    test.each(mutations)('%s', (_, mutate, message) => {
      const p = get(siteNamed('both kinds'));
      const c = structuredClone(p.config);
      mutate(c);
      const r = check(p, c);
      expect(r.status).not.toBe(0);
      expect(r.output).toMatch(message);
    });
  });
});
