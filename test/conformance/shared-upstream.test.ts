/**
 * Confirms the facts tables against ../shared/upstream, the byte-for-byte copies of upstream files at the
 * pinned tags, when that folder is present (CI has it). A fork without it still tests: the check says it
 * skipped. Set DOMUS_UPSTREAM_DIR to point at another copy.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ALL_FACTS } from '../../conformance/facts';
import { UPSTREAM } from '../../conformance/upstream';
import { IMAGES, VERSIONS } from '../../config/versions';

const dir = process.env.DOMUS_UPSTREAM_DIR ?? join(__dirname, '..', '..', '..', 'shared', 'upstream');
const present = existsSync(join(dir, 'SOURCES.md'));
const checked = ALL_FACTS.filter((f) => f.check !== undefined);

if (!present) {
  test('shared upstream copies: skipped (no ../shared/upstream here)', () => {
    process.stdout.write(`conformance: ${dir} not found; ${checked.length} fact(s) not confirmed against upstream copies (skipped)\n`);
    expect(present).toBe(false);
  });
} else {
  const sources = readFileSync(join(dir, 'SOURCES.md'), 'utf8');

  const mirrored = Object.entries(UPSTREAM).filter(([, u]) => !('mirrored' in u && u.mirrored === false));
  test.each(mirrored)('SOURCES.md lists %s at the tag and commit the facts cite', (_name, u) => {
    const row = sources.split('\n').find((l) => l.startsWith(`| ${u.folder} |`));
    expect(row).toBeDefined();
    expect(row).toContain(`| ${u.repo} |`);
    expect(row).toContain(u.commit);
  });

  test.each(checked.map((f) => [f.id, f] as const))('%s holds in the upstream copy', (_id, f) => {
    const file = join(dir, UPSTREAM[f.upstream].folder, f.path);
    expect({ file, exists: existsSync(file) }).toEqual({ file, exists: true });
    const text = readFileSync(file, 'utf8');
    const check = f.check!;
    if ('contains' in check) expect({ fact: f.fact, found: text.includes(check.contains) }).toEqual({ fact: f.fact, found: true });
    else if ('matches' in check) expect({ fact: f.fact, found: check.matches.test(text) }).toEqual({ fact: f.fact, found: true });
    else {
      const docs = parseAllDocuments(text).map((d) => d.toJS() as unknown);
      const actual = check.yaml(docs);
      expect({ fact: f.fact, equal: isDeepStrictEqual(actual, f.value), actual }).toEqual({ fact: f.fact, equal: true, actual });
    }
  });
}

test('fact ids are unique', () => {
  const ids = ALL_FACTS.map((f) => f.id);
  expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
});

test('the upstream tags the facts cite are the versions the stack pins', () => {
  expect(UPSTREAM['argo-cd'].tag).toBe(VERSIONS.argocd);
  expect(UPSTREAM.traefik.tag).toBe(IMAGES.traefik.tag);
  expect(UPSTREAM['traefik-library-image'].tag).toBe(IMAGES.traefik.tag);
  expect(UPSTREAM['vault-k8s'].tag).toBe(`v${IMAGES.vaultInjector.tag}`);
  expect(UPSTREAM.prometheus.tag).toBe(IMAGES.prometheus.tag);
  expect(UPSTREAM['prometheus-operator'].tag).toBe(IMAGES.configReloader.tag);
  expect(UPSTREAM.minio.tag).toBe(IMAGES.minio.tag);
  expect(UPSTREAM.mc.tag).toBe(IMAGES.minioClient.tag);
  expect(UPSTREAM['wazuh-docker'].tag).toBe(`v${IMAGES.wazuhManager.tag}`);
  expect(UPSTREAM['wazuh-kubernetes'].tag).toBe(`v${IMAGES.wazuhIndexer.tag}`);
});
