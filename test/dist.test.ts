/**
 * dist/ is what Argo CD applies, so the committed tree must be exactly what the code synthesizes today from
 * the operator's site (site.yaml), byte for byte, and synthesis must be deterministic.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { siteInUse, validateSite } from '../config/load';
import { synthesize } from '../charts/synth';
import { SYNTH_MARKER } from '../charts/outdir';
import { distFiles } from '../charts/docs';
import { siteSynth, synth } from './helpers';

const DIST = join(__dirname, '..', 'dist');

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? listFiles(p) : [relative(DIST, p)];
  });
}

test(`the committed dist/ equals a fresh synthesis of the site in use, ${siteInUse().source} (run \`npm run synth\` and commit)`, () => {
  // What `npm run synth` writes: the synthesized files and the documents derived from them (dist/docs).
  const fresh = distFiles(siteInUse().site, siteSynth().files);
  expect(
    listFiles(DIST)
      .filter((f) => f !== SYNTH_MARKER)
      .sort(),
  ).toEqual([...fresh.keys()].sort());
  for (const [path, content] of fresh) expect({ path, content: readFileSync(join(DIST, path), 'utf8') }).toEqual({ path, content });
});

test('dist/ carries the marker that lets synth replace it (and only it)', () => {
  expect(statSync(join(DIST, SYNTH_MARKER)).isFile()).toBe(true);
});

test('synthesis is deterministic', () => {
  const a = synthesize(siteInUse().site);
  const b = synthesize(siteInUse().site);
  expect([...a.files.entries()]).toEqual([...b.files.entries()]);
  const c = synthesize(validateSite({}));
  expect([...c.files.entries()]).toEqual([...synth().files.entries()]);
});

test('one YAML file per chart, named after the chart', () => {
  for (const c of siteSynth().charts) expect(c.file).toBe(`${c.name}/${c.name}.yaml`);
});
