/**
 * Issue 25, items 7 and 9 on the committed dist/: images only from the listed registries at version tags (or a
 * digest), and the API server's size limits for annotations and ConfigMaps.
 */
import { checkPinnedImages, imageProblem, parseImage } from '../../verify/checks/pinned-images';
import { cachedLoadDist as loadDist } from '../lib/dist-cache';
import { Context, KubeObj } from '../../verify/types';
import { exampleDist } from './site-context';

// The example's dist/ (test/verify/site-context.ts): the mutations name its objects, whatever the fork enables.
const DIST = exampleDist();
const base = loadDist(DIST);
type Pod = { spec: { template: { metadata: { annotations?: Record<string, string> }; spec: { containers: { image: string; env?: { name: string; value: string }[] }[] } } } };

function run(edit: (objs: KubeObj[]) => void): string[] {
  const objs = base.docs.map((d) => structuredClone(d.obj));
  edit(objs);
  const ctx: Context = {
    docs: objs.map((obj, i) => ({ obj, file: base.docs[i]!.file, line: base.docs[i]!.line })),
    files: base.files,
    dist: DIST,
    nodes: [],
    vault: { cidrs: [], host: 'v', port: 8200 },
    gitPath: 'dist',
  };
  return checkPinnedImages(ctx).map((f) => `${f.check}: ${f.object}: ${f.message}`);
}
const get = (objs: KubeObj[], kind: string, name: string) => objs.find((o) => o.kind === kind && o.metadata.name === name)! as KubeObj & Pod;
const grafana = (o: KubeObj[]) => get(o, 'Deployment', 'grafana').spec.template.spec.containers[0]!;

test('the committed dist/ runs only pinned images of the listed registries, within the size limits', () => {
  expect(run(() => undefined)).toEqual([]);
});

test.each<[string, (o: KubeObj[]) => void, RegExp]>([
  ...['main', 'nightly', 'Latest', 'latest', 'edge'].map((t): [string, (o: KubeObj[]) => void, RegExp] => [
    `tag ${t}`,
    (o) => void (grafana(o).image = `docker.io/grafana/grafana:${t}`),
    new RegExp(`tag "${t}" is not a version`),
  ]),
  ['no tag', (o) => void (grafana(o).image = 'docker.io/grafana/grafana'), /tag \(none\)/],
  ['an unexpected registry', (o) => void (grafana(o).image = 'evil.example/grafana/grafana:12.3.1'), /registry evil\.example is not one of/],
  ['an implicit registry', (o) => void (grafana(o).image = 'grafana/grafana:12.3.1'), /registry grafana is not one of|not fully qualified/],
  ['a malformed digest', (o) => void (grafana(o).image = 'docker.io/grafana/grafana@sha256:abc'), /a digest is sha256/],
  [
    'the Vault agent image',
    (o) =>
      void (get(o, 'Deployment', 'vault-agent-injector').spec.template.spec.containers[0]!.env!.find((e) => e.name === 'AGENT_INJECT_VAULT_IMAGE')!.value =
        'docker.io/hashicorp/vault:main'),
    /AGENT_INJECT_VAULT_IMAGE image docker\.io\/hashicorp\/vault:main/,
  ],
  ['annotations over 256 KiB', (o) => void (get(o, 'Deployment', 'grafana').metadata.annotations = { a: 'x'.repeat(256 * 1024) }), /schema: .*metadata\.annotations: 262145 bytes/],
  [
    'pod template annotations over 256 KiB',
    (o) => void (get(o, 'Deployment', 'grafana').spec.template.metadata.annotations = { a: 'x'.repeat(256 * 1024) }),
    /pod template metadata\.annotations/,
  ],
  [
    'a ConfigMap over 1 MiB',
    (o) => void ((get(o, 'ConfigMap', 'grafana-config').data as Record<string, string>).big = 'x'.repeat(1024 * 1024)),
    /over the API server's limit of 1048576 for a ConfigMap/,
  ],
])('refused: %s', (_n, edit, msg) => {
  expect(run(edit).join('\n')).toMatch(msg);
});

test('a digest pins; a registry port is not a tag', () => {
  const allowed = new Set(['docker.io']);
  expect(imageProblem(`docker.io/grafana/grafana@sha256:${'a'.repeat(64)}`, allowed)).toBeUndefined();
  expect(parseImage('registry.lan:5000/a/b')).toEqual({ repository: 'registry.lan:5000/a/b' });
  expect(parseImage('docker.io/a/b:1.0@sha256:x')).toEqual({ repository: 'docker.io/a/b', tag: '1.0', digest: 'sha256:x' });
});
