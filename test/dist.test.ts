/**
 * dist/ is what ArgoCD applies, so the committed tree must be exactly what the code synthesizes today,
 * byte for byte, and synthesis must be deterministic.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { validateSite } from '../config/load';
import { synthesize } from '../charts/synth';
import { synth } from './helpers';

const DIST = join(__dirname, '..', 'dist');

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? listFiles(p) : [relative(DIST, p)];
  });
}

test('the committed dist/ equals a fresh synthesis of the default site (run `npm run synth` and commit)', () => {
  const fresh = synth().files;
  expect(listFiles(DIST).sort()).toEqual([...fresh.keys()].sort());
  for (const [path, content] of fresh) expect({ path, content: readFileSync(join(DIST, path), 'utf8') }).toEqual({ path, content });
});

test('synthesis is deterministic', () => {
  const a = synthesize(validateSite({}));
  const b = synthesize(validateSite({}));
  expect([...a.files.entries()]).toEqual([...b.files.entries()]);
});

test('one YAML file per chart, named after the chart', () => {
  for (const c of synth().charts) expect(c.file).toBe(`${c.name}/${c.name}.yaml`);
});
