/**
 * A scrape behind a login (docs/adding-an-app.md, "Metrics behind Basic auth or a token"): the declaration
 * renders Prometheus' `basic_auth` with a `password_file` (conformance/facts/prometheus.ts scrapeAuth), never a
 * password literal; a bad declaration is refused at synthesis.
 */
import { parse } from 'yaml';
import { synthesize } from '../charts/synth';
import { validateSite } from '../config/load';
import { defineApp, namespaceName } from '../constructs/lib/app';
import type { ScrapeTarget } from '../constructs/lib/metrics';
import { Workload } from '../constructs/lib/workload';
import { APPS } from '../constructs/registry';

const site = validateSite({}, 'test');
const IMAGE = { repository: 'docker.io/louislam/uptime-kuma', tag: '1.23.16' } as const;

const appWith = (auth: Pick<ScrapeTarget, 'basicAuth' | 'bearerTokenFile'>) =>
  defineApp({
    key: 'kuma',
    namespace: { key: 'kuma', podSecurity: 'restricted' },
    chart: 'kuma',
    wave: 1,
    images: [IMAGE],
    enabled: () => true,
    routed: false,
    build: (chart, ctx) => {
      new Workload(chart, 'kuma', ctx, {
        name: 'kuma',
        namespace: namespaceName(ctx.site, 'kuma'),
        partOf: 'kuma',
        version: IMAGE.tag,
        kind: 'Deployment',
        user: { uid: 1000, gid: 1000 },
        containers: [
          {
            name: 'kuma',
            image: `${IMAGE.repository}:${IMAGE.tag}`,
            ports: [{ name: 'http', port: 3001 }],
            resources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
            liveness: { http: { path: '/', port: 'http' } },
            readiness: { http: { path: '/', port: 'http' } },
          },
        ],
        metrics: [{ port: 'http', ...auth }],
      });
    },
  });

const jobOf = (auth: Pick<ScrapeTarget, 'basicAuth' | 'bearerTokenFile'>) => {
  const s = synthesize(site, { apps: [...APPS, appWith(auth)] });
  const cm = s.charts.flatMap((c) => [...c.objects]).find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'prometheus-config')!;
  const config = parse((cm.data as Record<string, string>)['prometheus.yml']!) as { scrape_configs: Record<string, unknown>[] };
  return config.scrape_configs.find((j) => j.job_name === 'kuma')!;
};

test('basicAuth renders basic_auth with username and password_file, no password', () => {
  const job = jobOf({ basicAuth: { username: 'prometheus', passwordFile: '/vault/secrets/kuma-metrics-password' } });
  expect(job.basic_auth).toEqual({ username: 'prometheus', password_file: '/vault/secrets/kuma-metrics-password' });
  expect(JSON.stringify(job)).not.toContain('"password"');
  expect(job.authorization).toBeUndefined();
});

test('bearerTokenFile renders authorization.credentials_file', () => {
  expect(jobOf({ bearerTokenFile: '/vault/secrets/kuma-token' }).authorization).toEqual({ credentials_file: '/vault/secrets/kuma-token' });
});

test.each<[string, Pick<ScrapeTarget, 'basicAuth' | 'bearerTokenFile'>, RegExp]>([
  ['both kinds of credentials', { basicAuth: { username: 'p', passwordFile: '/vault/secrets/p' }, bearerTokenFile: '/vault/secrets/t' }, /exclude each other/],
  ['a relative password file', { basicAuth: { username: 'p', passwordFile: 'secrets/p' } }, /not an absolute file path/],
  ['a username with a colon', { basicAuth: { username: 'a:b', passwordFile: '/vault/secrets/p' } }, /printable ASCII without spaces or ':'/],
])('%s is refused at synthesis', (_, auth, message) => {
  expect(() => jobOf(auth)).toThrow(message);
});
