/**
 * Issue 25, item 6: a credential written as a configuration line (ini, YAML, env) in a ConfigMap or a file of
 * dist/ is an error naming the key and line, never the value.
 */
import { checkInlineCredentials, inlineCredentials, isReference } from '../../verify/checks/inline-credentials';
import { cachedLoadDist as loadDist } from '../lib/dist-cache';
import { Context, KubeObj } from '../../verify/types';
import { exampleDist } from './site-context';

// The example's dist/ (test/verify/site-context.ts): the mutations name its objects, whatever the fork enables.
const DIST = exampleDist();
const base = loadDist(DIST);

function run(edit: (objs: KubeObj[], files: Map<string, string>) => void): string[] {
  const objs = base.docs.map((d) => structuredClone(d.obj));
  const files = new Map(base.files);
  edit(objs, files);
  const ctx: Context = {
    docs: objs.map((obj, i) => ({ obj, file: base.docs[i]!.file, line: base.docs[i]!.line })),
    files,
    dist: DIST,
    nodes: [],
    vault: { cidrs: [], host: 'v', port: 8200 },
    gitPath: 'dist',
  };
  return checkInlineCredentials(ctx).map((f) => `${f.object ?? f.file}: ${f.message}`);
}
const grafanaIni = (objs: KubeObj[]) => objs.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'grafana-config')!.data as Record<string, string>;

test('the committed dist/ writes no credential as a configuration line', () => {
  expect(run(() => undefined)).toEqual([]);
});

test.each<[string, (objs: KubeObj[], files: Map<string, string>) => void, RegExp]>([
  [
    'admin_password in grafana.ini',
    (o) => (grafanaIni(o)['grafana.ini'] += '[security]\nadmin_password = hunter2\n'),
    /data\."grafana\.ini" line \d+: admin_password holds a literal credential/,
  ],
  ['a quoted password in YAML', (o) => (grafanaIni(o)['extra.yaml'] = 'auth:\n  "password": "hunter2"\n'), /extra\.yaml" line 2: password/],
  ['a token in an env file of dist/', (_o, f) => f.set('bootstrap/vault/extra.env', 'export VAULT_TOKEN=hunter2\n'), /bootstrap\/vault\/extra\.env:1: VAULT_TOKEN/],
  ['a key hidden behind a zero-width space', (o) => (grafanaIni(o)['grafana.ini'] += '[security]\nadmin_pass\u200bword = hunter2\n'), /admin_password holds a literal/],
  ['a ConfigMap key named like a credential', (o) => (grafanaIni(o)['client_secret'] = 'hunter2'), /data\."client_secret" holds a literal credential/],
])('refused: %s', (_n, edit, msg) => {
  const out = run(edit);
  expect(out.join('\n')).toMatch(msg);
  expect(out.join('\n')).not.toContain('hunter2');
});

test('references are not literals', () => {
  for (const v of [
    '',
    '$GF_SECURITY_ADMIN_PASSWORD',
    '${VAULT_TOKEN}',
    '$__file{/vault/secrets/admin-password}',
    '{{ .Data.data.x }}',
    '/vault/secrets/pw',
    '$dex.ldap.bindPW',
    '"${X}"',
  ])
    expect(isReference(v)).toBe(true);
  for (const v of ['hunter2', '"hunter2"', 's.abcdef']) expect(isReference(v)).toBe(false);
  expect(inlineCredentials('; admin_password = x\n# token: y\ntokenURL: https://x\nidTokens: 24h\n')).toEqual([]);
});
