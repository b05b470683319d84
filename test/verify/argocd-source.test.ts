/**
 * Issue 25, item 1: verify reads what Argo CD v2.14.21's directory source applies (conformance/facts/argocd-source.ts).
 * Each case writes a file into a copy of the committed dist/ the way a hostile commit would and expects either the
 * object to reach the checks (and be judged) or the loader to refuse the file with a `load` error naming it.
 */
import { cpSync, mkdtempSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { GENERATED_SUFFIX, splitYamlDocuments } from '../../verify/argocd-source';
import { checkCredentials } from '../../verify/checks/credentials';
import { checkPodSecurity } from '../../verify/checks/pod-security';
import { parseDist } from '../../verify/load';
import { synthesize } from '../../charts/synth';
import { validateSite } from '../../config/load';
import { cachedLoadDist as loadDist } from '../lib/dist-cache';
import { Context, Doc } from '../../verify/types';
import { exampleDist } from './site-context';

// The example's dist/ (test/verify/site-context.ts): the mutations name its objects, whatever the fork enables.
const DIST = exampleDist();
const base = loadDist(DIST);

/** A copy of dist/ with `edit` applied. */
function distWith(edit: (dir: string) => void): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'domus-argo-src-')), 'dist');
  cpSync(DIST, dir, { recursive: true });
  edit(dir);
  return dir;
}
const loadErrors = (dir: string) => loadDist(dir).findings.map((f) => f.message);
const psErrors = (dir: string) => {
  const l = loadDist(dir);
  const ctx: Context = { docs: l.docs, files: l.files, dist: dir, nodes: [{ name: 'n', cpu: '4', memory: '8Gi' }], vault: { cidrs: [], host: 'v', port: 8200 }, gitPath: 'dist' };
  return checkPodSecurity(ctx)
    .filter((f) => f.severity === 'error')
    .map((f) => `${f.object}: ${f.message}`);
};

/** The DaemonSet: host PID, host network, `/` mounted writable, in the privileged node-exporter namespace. */
const hostile = {
  apiVersion: 'apps/v1',
  kind: 'DaemonSet',
  metadata: { name: 'zz', namespace: 'node-exporter' },
  spec: {
    selector: { matchLabels: { a: 'zz' } },
    template: {
      metadata: { labels: { a: 'zz' } },
      spec: {
        hostPID: true,
        hostNetwork: true,
        containers: [{ name: 'c', image: 'busybox:1.36', volumeMounts: [{ name: 'root', mountPath: '/host' }] }],
        volumes: [{ name: 'root', hostPath: { path: '/' } }],
      },
    },
  },
};

test('the committed dist/ loads without a refused file, every object named', () => {
  expect(base.findings).toEqual([]);
  expect(base.docs.length).toBeGreaterThan(100);
  expect(base.docs.every((d) => d.obj.metadata.name && d.obj.kind && d.obj.apiVersion)).toBe(true);
});

test("each object of a YAML document keeps that document's text (scanned by credentials as read); list items do not", () => {
  const yamlDocs = base.docs.filter((d) => /\.ya?ml$/.test(d.file));
  expect(yamlDocs.length).toBeGreaterThan(100);
  for (const d of yamlDocs) expect(parse(d.text!, { version: '1.1' })).toEqual(d.obj);
  const dir = distWith((d) => writeFileSync(join(d, 'node-exporter', 'list.yaml'), stringify({ apiVersion: 'v1', kind: 'List', items: [hostile] })));
  const item = loadDist(dir).docs.find((d) => d.file === 'node-exporter/list.yaml')!;
  expect(item.obj.metadata.name).toBe('zz');
  expect(item.text).toBeUndefined();
});

test("synth's own output read from the objects it was written from is what parsing it gives (charts/docs.ts)", () => {
  for (const site of [{}, { cluster: { name: 'other' }, namespaces: { monitoring: 'mon' } }]) {
    const s = synthesize(validateSite(site, 'test'));
    const entries = [...s.files.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
    expect(s.written!.size).toBeGreaterThan(5);
    expect(s.written!.has('bootstrap/argocd/controller-rbac.yaml')).toBe(true);
    const fast = parseDist(entries, s.written);
    const parsed = parseDist(entries);
    // Operator folders' documents read from their objects carry no text (synth scans none); all else is identical.
    const operator = (d: Doc) => d.file.startsWith('bootstrap/') && s.written!.has(d.file);
    expect(fast.docs.filter((d) => operator(d) && d.text !== undefined)).toEqual([]);
    expect({ ...fast, docs: fast.docs.map((d) => (operator(d) ? { ...d, text: undefined } : d)) }).toStrictEqual({
      ...parsed,
      docs: parsed.docs.map((d) => (operator(d) ? { ...d, text: undefined } : d)),
    });
  }
});

test('credentials: a token is found as read, escaped in a quoted string, or in a list item (serialized)', () => {
  const token = `ghp_${'wWPw5k4aXcaT4fNP0UcnZwJUVFk6LO0pINUx'}`;
  const cm = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'node-exporter' } });
  const dir = distWith((d) => {
    writeFileSync(join(d, 'node-exporter', 'plain.yaml'), stringify({ ...cm('plain'), data: { t: token } }));
    // The text holds `\x77`, not the token: only the decoded value shows it.
    writeFileSync(join(d, 'node-exporter', 'escaped.yaml'), `${stringify(cm('escaped'))}data:\n  t: "ghp_\\x77${token.slice(5)}"\n`);
    writeFileSync(join(d, 'node-exporter', 'listed.yaml'), stringify({ apiVersion: 'v1', kind: 'List', items: [{ ...cm('listed'), data: { t: token } }] }));
  });
  const l = loadDist(dir);
  expect(l.docs.find((d) => d.obj.metadata.name === 'escaped')!.text).not.toContain(token);
  const ctx: Context = { docs: l.docs, files: l.files, dist: dir, nodes: [], vault: { cidrs: [], host: 'v', port: 8200 }, gitPath: 'dist' };
  const found = checkCredentials(ctx).map((f) => `${f.object}: ${f.message}`);
  for (const name of ['plain', 'escaped', 'listed']) expect(found.filter((f) => f.startsWith(`ConfigMap node-exporter/${name}: credential in git:`))).toHaveLength(1);
});

test('a .json manifest is loaded and judged (the privileged DaemonSet of the issue)', () => {
  const dir = distWith((d) => writeFileSync(join(d, 'node-exporter', 'zz.json'), JSON.stringify(hostile)));
  expect(loadErrors(dir)).toEqual([]);
  const errs = psErrors(dir).filter((e) => e.startsWith('DaemonSet node-exporter/zz'));
  expect(errs.join('\n')).toMatch(/hostPID/);
  expect(errs.join('\n')).toMatch(/hostNetwork/);
});

test('kind: List is expanded (and any object with an items array, as unstructured.IsList does)', () => {
  const dir = distWith((d) => {
    writeFileSync(join(d, 'node-exporter', 'list.yaml'), stringify({ apiVersion: 'v1', kind: 'List', items: [hostile] }));
    writeFileSync(
      join(d, 'node-exporter', 'cm-list.yaml'),
      stringify({ apiVersion: 'v1', kind: 'ConfigMapList', items: [{ ...hostile, metadata: { name: 'zz2', namespace: 'node-exporter' } }] }),
    );
  });
  const errs = psErrors(dir);
  expect(errs.some((e) => e.startsWith('DaemonSet node-exporter/zz:'))).toBe(true);
  expect(errs.some((e) => e.startsWith('DaemonSet node-exporter/zz2:'))).toBe(true);
  // An items member that is not an object fails Argo CD's EachListItem: refused.
  const bad = distWith((d) => writeFileSync(join(d, 'node-exporter', 'l.yaml'), stringify({ apiVersion: 'v1', kind: 'List', items: ['x'] })));
  expect(loadErrors(bad).join()).toMatch(/node-exporter\/l\.yaml: items\[0\] is not an object/);
});

test('an object named by generateName (a hook) is loaded and judged', () => {
  const dir = distWith((d) =>
    writeFileSync(
      join(d, 'node-exporter', 'hook.yaml'),
      stringify({ ...hostile, metadata: { generateName: 'hook-', namespace: 'node-exporter', annotations: { 'argocd.argoproj.io/hook': 'PreSync' } } }),
    ),
  );
  expect(psErrors(dir).some((e) => e.startsWith(`DaemonSet node-exporter/hook-${GENERATED_SUFFIX}:`))).toBe(true);
});

test('hidden files and subfolders are read (Argo CD does not skip dotfiles; recurse may be switched on)', () => {
  const dir = distWith((d) => {
    writeFileSync(join(d, 'node-exporter', '.zz.yml'), stringify(hostile));
    mkdirSync(join(d, 'node-exporter', 'sub'));
    writeFileSync(join(d, 'node-exporter', 'sub', 'zz.yaml'), stringify({ ...hostile, metadata: { name: 'deep', namespace: 'node-exporter' } }));
  });
  const errs = psErrors(dir);
  expect(errs.some((e) => e.startsWith('DaemonSet node-exporter/zz:'))).toBe(true);
  expect(errs.some((e) => e.startsWith('DaemonSet node-exporter/deep:'))).toBe(true);
});

test.each<[string, (d: string) => void, RegExp]>([
  ['jsonnet, which Argo CD evaluates', (d) => writeFileSync(join(d, 'node-exporter', 'x.jsonnet'), '{}'), /node-exporter\/x\.jsonnet: jsonnet/],
  ['a symlink to a file outside dist', (d) => symlinkSync('/etc/hostname', join(d, 'node-exporter', 'x.yaml')), /node-exporter\/x\.yaml: a symbolic link/],
  ['a symlink to a folder', (d) => symlinkSync('../platform', join(d, 'node-exporter', 'p')), /node-exporter\/p: a symbolic link/],
  ['a document without kind', (d) => writeFileSync(join(d, 'platform', 'x.yaml'), 'apiVersion: v1\nmetadata:\n  name: x\n'), /platform\/x\.yaml: document: no kind/],
  ['a document without apiVersion', (d) => writeFileSync(join(d, 'platform', 'x.yaml'), 'kind: ConfigMap\nmetadata:\n  name: x\n'), /ConfigMap: no apiVersion/],
  [
    'an object without name or generateName',
    (d) => writeFileSync(join(d, 'platform', 'x.yaml'), 'apiVersion: v1\nkind: ConfigMap\n'),
    /neither metadata\.name nor metadata\.generateName/,
  ],
  [
    'text after a document separator',
    (d) => writeFileSync(join(d, 'platform', 'x.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n--- x: 1\n'),
    /invalid YAML document separator/,
  ],
  [
    'a document the YAML parser reads differently (document end marker)',
    (d) => writeFileSync(join(d, 'platform', 'x.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n...\napiVersion: v1\n'),
    /platform\/x\.yaml/,
  ],
  ['YAML that does not parse', (d) => writeFileSync(join(d, 'platform', 'x.yaml'), 'a: [\n'), /platform\/x\.yaml: YAML/],
  ['two objects in one .json', (d) => writeFileSync(join(d, 'platform', 'x.json'), JSON.stringify(hostile) + JSON.stringify(hostile)), /several JSON objects/],
  ['a .json array', (d) => writeFileSync(join(d, 'platform', 'x.json'), JSON.stringify([hostile])), /not one JSON object/],
  ['a UTF-16 file', (d) => writeFileSync(join(d, 'platform', 'x.yaml'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(stringify(hostile), 'utf16le')])), /UTF-16/],
  ['invalid UTF-8', (d) => writeFileSync(join(d, 'platform', 'x.yaml'), Buffer.from([0x61, 0x3a, 0x20, 0xc3, 0x28])), /not valid UTF-8/],
])('refused: %s', (_n, edit, msg) => {
  expect(loadErrors(distWith(edit)).join('\n')).toMatch(msg);
});

test('a JSON stream in a .yaml file is read as Kubernetes reads it (every object)', () => {
  const dir = distWith((d) =>
    writeFileSync(
      join(d, 'node-exporter', 's.yaml'),
      JSON.stringify({ ...hostile, metadata: { name: 's1', namespace: 'node-exporter' } }) +
        '\n' +
        JSON.stringify({ ...hostile, metadata: { name: 's2', namespace: 'node-exporter' } }),
    ),
  );
  const names = loadDist(dir)
    .docs.filter((d) => d.file === 'node-exporter/s.yaml')
    .map((d) => d.obj.metadata.name);
  expect(names).toEqual(['s1', 's2']);
});

test('a UTF-8 byte-order mark is dropped as Argo CD drops it', () => {
  const dir = distWith((d) => writeFileSync(join(d, 'node-exporter', 'bom.yaml'), '\uFEFF' + stringify(hostile)));
  expect(loadErrors(dir)).toEqual([]);
  expect(loadDist(dir).docs.some((d) => d.file === 'node-exporter/bom.yaml')).toBe(true);
});

test("Kubernetes' document separator rule", () => {
  expect(splitYamlDocuments('a: 1\n--- # c\nb: 2\n---\n\n---\n').chunks.map((c) => [c.text.trim(), c.line])).toEqual([
    ['a: 1', 1],
    ['b: 2', 3],
  ]);
  expect(splitYamlDocuments('a: 1\n---x\n').error?.line).toBe(2);
  expect(splitYamlDocuments('a: |\n  ---\n').chunks).toHaveLength(1); // indented: content, not a separator
});
