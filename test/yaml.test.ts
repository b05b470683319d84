/**
 * constructs/lib/yaml.ts writes most documents itself (issue 22): its output must be the yaml library's, byte
 * for byte, on every object of the stack and on generated documents with hostile strings, numbers and shapes.
 */
import fc from 'fast-check';
import { stringify } from 'yaml';
import { plainDoc, yamlDoc } from '../constructs/lib/yaml';
import { PAYLOADS } from './corpus';
import { allObjects, synth } from './helpers';
import { budget } from './tier';

const library = (v: unknown) => stringify(v, { version: '1.1', lineWidth: 0, aliasDuplicateObjects: false });

test('every object of the stack: the same text as the library, and most written without it', () => {
  const objects = allObjects(synth());
  expect(objects.map(yamlDoc)).toEqual(objects.map(library));
  expect(objects.filter((o) => plainDoc(o) !== undefined).length).toBeGreaterThan(objects.length / 2);
});

test('generated documents: the same text as the library', () => {
  const word = fc.stringMatching(/^[A-Za-z0-9_./:=@+, -]{0,12}$/);
  const scalar = fc.oneof(
    word,
    fc.string({ maxLength: 12 }),
    fc.constantFrom(
      ...PAYLOADS.filter((p) => p.length < 200),
      'yes',
      'No',
      'off',
      'y',
      'null',
      '~',
      '0755',
      '1e3',
      '.inf',
      '2026-01-01',
      'a: b',
      'a #b',
      '- x',
      '/p',
      'k:',
      '<<',
      '=',
    ),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
  );
  const doc = fc.letrec((tie) => ({
    value: fc.oneof({ depthSize: 'small' }, scalar, tie('map'), fc.array(tie('value'), { maxLength: 3 })),
    map: fc.dictionary(fc.oneof(word, fc.constantFrom('a: b', 'yes', '1', 'x\ny')), tie('value'), { maxKeys: 4 }),
  })).map;
  fc.assert(
    fc.property(doc, (d) => {
      expect(yamlDoc(d)).toBe(library(d));
    }),
    { seed: 20261208, numRuns: budget(500, 5000) },
  );
});
