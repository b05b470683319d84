/**
 * Editor support: config/site.schema.json is generated from the zod schema (`npm run schema`), committed, and
 * named on site.yaml's first line, so an editor with the YAML language server completes and checks the file.
 * The generated schema must accept what the zod schema accepts field by field, and reject typos the same way.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parse } from 'yaml';
import { SITE_FILE, repoRoot, validateSite } from '../config/load';
import { SCHEMA_FILE, siteJsonSchemaText } from '../scripts/schema';

// Ajv (draft-07) is installed with the toolchain (a dependency of cdk8s-cli); it stands in for the editor here.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Ajv = require('ajv') as new (opts: object) => { compile(schema: object): ((data: unknown) => boolean) & { errors?: { instancePath: string; message?: string }[] | null } };

const root = repoRoot();
const committed = readFileSync(join(root, SCHEMA_FILE), 'utf8');
const validate = new Ajv({ strict: false, allErrors: true }).compile(JSON.parse(committed) as object);
const errorsOf = (data: unknown) => (validate(data) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`));

test('config/site.schema.json is current (run `npm run schema` when this fails)', () => {
  expect(committed).toBe(siteJsonSchemaText());
});

test('site.yaml names the schema on its first line, and the path resolves to the committed file', () => {
  const first = readFileSync(join(root, SITE_FILE), 'utf8').split('\n')[0]!;
  const m = /^# yaml-language-server: \$schema=(\S+)$/.exec(first);
  expect(m).not.toBeNull();
  expect(resolve(dirname(join(root, SITE_FILE)), m![1]!)).toBe(join(root, SCHEMA_FILE));
});

test('the site in use and the examples pass the JSON Schema as they pass zod', () => {
  for (const file of [SITE_FILE, join('config', 'examples', 'three-node.yaml')]) {
    const data = parse(readFileSync(join(root, file), 'utf8')) as unknown;
    expect(() => validateSite(data, file)).not.toThrow();
    expect({ file, errors: errorsOf(data) }).toEqual({ file, errors: [] });
  }
  expect(errorsOf({})).toEqual([]);
});

test.each([
  ['a misspelt key', { cluster: { domian: 'x.lan' } }, '/cluster must NOT have additional properties'],
  ['an unquoted CPU quantity', { nodes: [{ name: 'n1', ip: '192.168.10.2', capacity: { cpu: 8, memory: '8Gi' } }] }, '/nodes/0/capacity/cpu must be string'],
  ['a malformed node IP', { nodes: [{ name: 'n1', ip: '192.168.10.300' }] }, '/nodes/0/ip must match pattern'],
  ['a CIDR without prefix length', { cluster: { lanCidr: '192.168.1.0' } }, '/cluster/lanCidr must match pattern'],
  ['an unknown enum value', { loadBalancer: { provider: 'metallb' } }, '/loadBalancer/provider must be equal to one of the allowed values'],
])('the JSON Schema rejects %s, as zod does', (_label, input, message) => {
  expect(errorsOf(input).join('\n')).toContain(message);
  expect(() => validateSite(input)).toThrow();
});

test('address defaults that follow other fields are described, not shown with the example value', () => {
  const schema = JSON.parse(committed) as { properties: Record<string, { properties: Record<string, { default?: unknown; description?: string }> }> };
  const cidrs = schema.properties.vault!.properties.cidrs!;
  expect(cidrs.default).toBeUndefined();
  expect(cidrs.description).toContain('required once vault.address or cluster.lanCidr differ');
  expect(committed).not.toContain('192.168.10.5/32');
});
