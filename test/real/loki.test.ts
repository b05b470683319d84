/**
 * Loki's own configuration check on the synthesized Loki configuration: `loki -verify-config` with the
 * container's own arguments (parses the file strictly, applies the flags, runs Loki's config validation and
 * exits), for the site in use, the default site (filesystem storage) and a site that stores in MinIO (the
 * config file rendered by the Vault agent from its template, with test keys). Mutations show that Loki, not a
 * model, rejects a broken configuration.
 */
import type { Synthesis } from '../../charts/synth';
import { siteSynth, synth } from '../helpers';
import { prepareConfig, writeConfig, type PreparedConfig } from './pod';
import { realTool } from './tool';

const loki = realTool('loki');

const sites: [string, () => Synthesis][] = [
  // Tests follow the site: a fork with loki off has no configuration of it to check.
  ...((({ site }) => site.workloads.loki.enabled)(siteSynth().stack.ctx) ? ([['the site in use', () => siteSynth()]] as [string, () => Synthesis][]) : []),
  ['the default site (filesystem)', () => synth()],
  ['a site storing in MinIO (Vault-rendered config)', () => synth({ workloads: { loki: { storage: { backend: 'minio' } } } })],
];
/** A site of the list by name (the site in use is listed only when it enables the app). */
const siteNamed = (name: string): (() => Synthesis) => sites.find(([n]) => n === name)![1];

type LokiConfig = Record<string, Record<string, unknown> & { configs?: Record<string, unknown>[] }>;

type Prepared = PreparedConfig<LokiConfig>;

const prepare = (s: Synthesis): Prepared => prepareConfig<LokiConfig>(s, 'loki', s.stack.ctx.site.namespaces.monitoring, 'loki', '-config.file');

/** Runs Loki with the container's arguments (the config file under the root) plus -verify-config. */
function verify(p: Prepared, config: LokiConfig = p.config) {
  const path = writeConfig(p, config);
  const args = (p.view.container.args ?? []).map((a) => (a.startsWith('-config.file=') ? `-config.file=${path}` : a));
  return loki.run([...args, '-verify-config'], p.root.dir);
}

loki.describe('loki -verify-config on the synthesized Loki configuration', () => {
  const prepared: Prepared[] = [];
  afterAll(() => prepared.forEach((p) => p.root.remove()));
  const get = (f: () => Synthesis): Prepared => {
    const p = prepare(f());
    prepared.push(p);
    return p;
  };

  test.each(sites)('%s: Loki accepts its configuration', (_, f) => {
    const p = get(f);
    const r = verify(p);
    expect({ status: r.status, output: r.output }).toEqual({ status: 0, output: expect.stringContaining('config is valid') });
  });

  test('the MinIO site is checked on the rendered file (S3 storage with the test keys)', () => {
    const p = get(siteNamed('a site storing in MinIO (Vault-rendered config)'));
    expect(p.configPath.startsWith('/vault/secrets/')).toBe(true);
    expect(p.config.common!.storage).toMatchObject({ s3: { access_key_id: expect.stringMatching(/^test-/), secret_access_key: expect.stringMatching(/^test-/) } });
  });

  test("the stack's 24h retention minimum is Loki's documented policy, not a check of the program", () => {
    // A hand-model disagreement found here: the site validation said "Loki refuses less"; Loki accepts it.
    const p = get(siteNamed('the default site (filesystem)'));
    const c = structuredClone(p.config);
    c.limits_config!.retention_period = '12h';
    expect(verify(p, c).status).toBe(0);
  });

  describe('Loki rejects a broken configuration (the check can fail)', () => {
    const mutations: [string, (c: LokiConfig) => void, RegExp][] = [
      ['a misspelt key', (c) => (c.limits_config!.retention_periodd = '15d'), /field retention_periodd not found/],
      ['a retention that is not a duration', (c) => (c.limits_config!.retention_period = '15 days'), /not a valid duration|unknown unit|invalid duration/],
      ['retention without a delete request store', (c) => delete c.compactor!.delete_request_store, /delete-request-store should be configured when retention is enabled/],
      ['an unknown schema version', (c) => (c.schema_config!.configs![0]!.schema = 'v99'), /invalid schema version/],
      [
        'an index period that is not 24h for tsdb',
        (c) => ((c.schema_config!.configs![0]!.index as Record<string, unknown>).period = '12h'),
        /must always have periodic config for index set to 24h|multiple of 24h/,
      ],
    ];
    test.each(mutations)('%s', (_, mutate, message) => {
      const p = get(siteNamed('the default site (filesystem)'));
      const c = structuredClone(p.config);
      mutate(c);
      const r = verify(p, c);
      expect(r.status).not.toBe(0);
      expect(r.output).toMatch(message);
    });
  });
});
