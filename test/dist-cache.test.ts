/**
 * The cross-file cache of verify's loadDist (test/lib/dist-cache.ts, issue 22) answers exactly what the loader
 * answers, and never for other bytes: a changed file, a renamed one, or a symlink (loaded for real) change it.
 */
import { mkdtempSync, mkdirSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDist } from '../verify/load';
import { cachedLoadDist } from './lib/dist-cache';

const cm = (name: string, value: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: monitoring\ndata:\n  k: ${JSON.stringify(value)}\n`;

function dist(): string {
  const d = join(mkdtempSync(join(tmpdir(), 'domus-dist-cache-')), 'dist');
  mkdirSync(join(d, 'monitoring'), { recursive: true });
  writeFileSync(join(d, 'monitoring', 'a.yaml'), cm('a', 'one'));
  return d;
}

test("a stored result equals the loader's on the same folder, built in the test's own realm", () => {
  const d = dist();
  const first = cachedLoadDist(d);
  const again = cachedLoadDist(d);
  expect(again).toEqual(loadDist(d));
  expect(first).toEqual(again);
  expect(again.files).toBeInstanceOf(Map);
  expect(again.docs[0]!.obj).toBeInstanceOf(Object);
});

test('a number JSON cannot carry (YAML .inf) comes back as loaded, never as null', () => {
  const d = dist();
  writeFileSync(join(d, 'monitoring', 'a.yaml'), `${cm('a', 'one')}---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: inf\n  namespace: monitoring\nx: .inf\n`);
  cachedLoadDist(d);
  expect(cachedLoadDist(d).docs.find((x) => x.obj.metadata.name === 'inf')!.obj.x).toBe(Infinity);
});

test('changed bytes, a renamed file or a symlink are never answered from the store', () => {
  const d = dist();
  cachedLoadDist(d);
  writeFileSync(join(d, 'monitoring', 'a.yaml'), cm('a', 'two'));
  expect(cachedLoadDist(d).docs.map((x) => (x.obj as { data?: { k: string } }).data?.k)).toEqual(['two']);
  renameSync(join(d, 'monitoring', 'a.yaml'), join(d, 'monitoring', 'b.yaml'));
  expect(cachedLoadDist(d).docs.map((x) => x.file)).toEqual(['monitoring/b.yaml']);
  symlinkSync('/etc/hostname', join(d, 'monitoring', 'link.yaml'));
  const linked = cachedLoadDist(d);
  expect(linked).toEqual(loadDist(d));
  expect(linked.findings.map((f) => f.file)).toContain('monitoring/link.yaml');
});
