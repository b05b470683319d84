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
import { KUMA_FACTS } from '../conformance/facts/uptime-kuma';

const site = validateSite({}, 'test');
const IMAGE = { repository: 'docker.io/louislam/uptime-kuma', tag: '1.23.16' } as const;
const KUMA = {
  port: KUMA_FACTS.port.value,
  dataDir: KUMA_FACTS.dataDir.value,
  // The image's CMD under its dumb-init, without extra/entrypoint.sh (its chown and setpriv need root).
  command: [KUMA_FACTS.startsAsRoot.value.entrypoint[0]!, '--', ...KUMA_FACTS.startsAsRoot.value.cmd],
};

/**
 * Uptime Kuma as docs/adding-an-app.md's "Real apps" describes it (conformance/facts/uptime-kuma.ts): a non-root
 * user instead of the root entrypoint, its data on a claim, its /metrics behind Basic auth.
 */
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
        kind: 'StatefulSet',
        user: { uid: 1000, gid: 1000 },
        claims: [{ name: 'data', size: '1Gi' }],
        containers: [
          {
            name: 'kuma',
            image: `${IMAGE.repository}:${IMAGE.tag}`,
            command: KUMA.command,
            ports: [{ name: 'http', port: KUMA.port }],
            resources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
            liveness: { http: { path: '/', port: 'http' } },
            readiness: { http: { path: '/', port: 'http' } },
            mounts: [{ volume: 'data', path: KUMA.dataDir }],
          },
        ],
        metrics: [{ port: 'http', path: KUMA_FACTS.metricsAuth.value.path, ...auth }],
      });
    },
  });

test("the guide's Uptime Kuma runs as a user, without the root entrypoint, with its data on the claim", () => {
  const s = synthesize(site, { apps: [...APPS, appWith({ basicAuth: { username: 'prometheus', passwordFile: '/vault/secrets/kuma-metrics-password' } })] });
  const set = s.charts.flatMap((c) => [...c.objects]).find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'kuma')!;
  const spec = set.spec as {
    volumeClaimTemplates: { metadata: { name: string } }[];
    template: { spec: { securityContext: Record<string, unknown>; containers: { command: string[]; volumeMounts: { name: string; mountPath: string }[] }[] } };
  };
  expect(spec.template.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, fsGroup: 1000 });
  const [kuma] = spec.template.spec.containers;
  expect(kuma!.command).toEqual(['/usr/bin/dumb-init', '--', 'node', 'server/server.js']);
  expect(kuma!.command).not.toContain('extra/entrypoint.sh');
  expect(spec.volumeClaimTemplates.map((t) => t.metadata.name)).toEqual(['data']);
  expect(kuma!.volumeMounts).toContainEqual({ name: 'data', mountPath: '/app/data' });
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
