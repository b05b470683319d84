/**
 * Every `version` field of the site schema is honoured: it changes the image of every container it governs
 * AND the app.kubernetes.io/version label of that workload. The list of fields is read from the generated
 * JSON Schema, so a new `version` field without a row here fails this test.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SiteInput } from '../config/schema';
import { IMAGES, ImageName } from '../config/versions';
import { issuesOf, podTemplates, synth } from './helpers';

interface Row {
  readonly input: SiteInput;
  readonly image: ImageName;
  /** Workloads (app.kubernetes.io/name) that run this image. */
  readonly workloads: readonly string[];
}

const TAG = '9.9.9-test';
const ROWS: Record<string, Row> = {
  'workloads.prometheus.version': { input: { workloads: { prometheus: { version: TAG } } }, image: 'prometheus', workloads: ['prometheus'] },
  'workloads.grafana.version': { input: { workloads: { grafana: { version: TAG } } }, image: 'grafana', workloads: ['grafana'] },
  'workloads.argocd.version': {
    input: { workloads: { argocd: { version: TAG } } },
    image: 'argocd',
    workloads: ['argocd-server', 'argocd-repo-server', 'argocd-application-controller', 'argocd-applicationset-controller'],
  },
  'workloads.argocd.redis.version': { input: { workloads: { argocd: { redis: { version: TAG } } } }, image: 'argocdRedis', workloads: ['argocd-redis'] },
  'workloads.traefik.version': { input: { workloads: { traefik: { version: TAG } } }, image: 'traefik', workloads: ['traefik'] },
  'workloads.wazuh.version': { input: { workloads: { wazuh: { version: TAG } } }, image: 'wazuhManager', workloads: ['wazuh-manager-master', 'wazuh-manager-worker'] },
  'workloads.minio.version': { input: { workloads: { minio: { version: TAG } } }, image: 'minio', workloads: ['minio'] },
};
// Wazuh's three images follow the one release: the indexer and dashboard rows of the same field.
const WAZUH_SIBLINGS: [ImageName, string][] = [
  ['wazuhIndexer', 'wazuh-indexer'],
  ['wazuhDashboard', 'wazuh-dashboard'],
];

function versionFields(node: unknown, path: string[] = []): string[] {
  const props = (node as { properties?: Record<string, unknown> }).properties ?? {};
  return Object.entries(props).flatMap(([k, v]) => [...(k === 'version' ? [[...path, k].join('.')] : []), ...versionFields(v, [...path, k])]);
}

function podOf(name: string, input: SiteInput) {
  const hit = podTemplates(synth(input).charts.flatMap((c) => [...c.objects])).find((p) => p.owner.metadata.name === name);
  if (!hit) throw new Error(`no workload ${name}`);
  return hit;
}

function check(name: string, image: ImageName, input: SiteInput, tag: string): void {
  const pod = podOf(name, input);
  const images = [...pod.spec.containers, ...(pod.spec.initContainers ?? [])].map((c) => c.image).filter((i) => i.startsWith(`${IMAGES[image].repository}:`));
  expect({ name, images: [...new Set(images)] }).toEqual({ name, images: [`${IMAGES[image].repository}:${tag}`] });
  expect({ name, version: pod.owner.metadata.labels?.['app.kubernetes.io/version'] }).toEqual({ name, version: tag });
  expect({ name, version: pod.metadata.labels?.['app.kubernetes.io/version'] }).toEqual({ name, version: tag });
}

test('every version field of the schema has a row here', () => {
  const schema = JSON.parse(readFileSync(join(__dirname, '..', 'config', 'site.schema.json'), 'utf8')) as unknown;
  expect(versionFields(schema).sort()).toEqual(Object.keys(ROWS).sort());
});

describe.each(Object.entries(ROWS))('%s', (_field, row) => {
  test('the pin, by default', () => {
    for (const w of row.workloads) check(w, row.image, {}, IMAGES[row.image].tag);
  });
  test('the override: image and version label', () => {
    for (const w of row.workloads) check(w, row.image, row.input, TAG);
  });
});

test('workloads.wazuh.version moves the indexer and dashboard images with the managers', () => {
  for (const [image, w] of WAZUH_SIBLINGS) check(w, image, ROWS['workloads.wazuh.version']!.input, TAG);
});

// Components that share their app's image (one release of Argo CD or Wazuh) have no version of their own:
// accepting one and ignoring it was the bug.
test.each([
  ['workloads.argocd.server.version', { workloads: { argocd: { server: { version: TAG } } } }],
  ['workloads.argocd.controller.version', { workloads: { argocd: { controller: { version: TAG } } } }],
  ['workloads.wazuh.indexer.version', { workloads: { wazuh: { indexer: { version: TAG } } } }],
  ['workloads.wazuh.dashboard.version', { workloads: { wazuh: { dashboard: { version: TAG } } } }],
])('%s is refused, not ignored', (path, input) => {
  expect(issuesOf(input)).toEqual([expect.objectContaining({ path, expected: expect.stringContaining('no such field') })]);
});
