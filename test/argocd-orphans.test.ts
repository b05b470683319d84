/**
 * Argo CD's orphaned-resources rule (test/lib/argocd-live.ts orphansOf, controller/appcontroller.go
 * getResourceTree at v2.14.21) applied to dist/ as DAY0 leaves Argo CD's own namespace, before and after the
 * first sync (ADR 0160, defect 3). The live test applies the same function to the API server's objects.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { orphansOf, TRACKING_ANNOTATION, type OrphanIgnore } from './lib/argocd-live';
import type { KubeObject } from './lib/kube-client';
import { exampleDist } from './verify/site-context';

// The example's dist/ (test/verify/site-context.ts): a test of the rule, whatever the site in use enables (a fork
// without Argo CD has no dist/apps).
const DIST = exampleDist();
const objectsIn = (folder: string): KubeObject[] =>
  readdirSync(join(DIST, folder))
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .flatMap((f) => parseAllDocuments(readFileSync(join(DIST, folder, f), 'utf8')).map((d) => d.toJS() as KubeObject))
    .filter((o) => o?.kind);

const apps = objectsIn('apps');
const argocd = objectsIn('argocd');
const rbac = objectsIn(join('bootstrap', 'argocd'));
const project = apps.find((o) => o.kind === 'AppProject')!;
const ignore = ((project.spec as { orphanedResources?: { ignore?: OrphanIgnore[] } }).orphanedResources?.ignore ?? []) as OrphanIgnore[];
const applications = apps.filter((o) => o.kind === 'Application');
const appNames = new Set(applications.map((a) => a.metadata.name));
const ns = project.metadata.namespace!;
// The kinds the controller watches (argocd-cm resource.inclusions): only those can be orphans.
const cm = argocd.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'argocd-cm') as KubeObject & { data: Record<string, string> };
const inclusions = parse(cm.data['resource.inclusions']!) as { apiGroups: string[]; kinds: string[] }[];
const watched = (o: KubeObject) => inclusions.some((i) => i.apiGroups.includes(o.apiVersion.includes('/') ? o.apiVersion.split('/')[0]! : '') && i.kinds.includes(o.kind));
/** The Application whose source folder holds the file (`dist/<folder>`). */
const appOf = (folder: string) => applications.find((a) => (a.spec as { source?: { path?: string } }).source?.path?.endsWith(`/${folder}`))!.metadata.name;
const tracked = (objects: readonly KubeObject[], app: string): KubeObject[] =>
  objects.map((o) => ({
    ...o,
    metadata: {
      ...o.metadata,
      annotations: {
        ...(o.metadata.annotations ?? {}),
        [TRACKING_ANNOTATION]: `${app}:${o.apiVersion.split('/').slice(0, -1).join('')}/${o.kind}:${o.metadata.namespace ?? ''}/${o.metadata.name}`,
      },
    },
  }));
// What DAY0 puts into Argo CD's namespace: dist/argocd, the controller's RBAC, the Applications and the project.
// argocd-secret is a Secret, a kind the controller does not watch: never an orphan.
const inNs = (objects: readonly KubeObject[]) => objects.filter((o) => o.metadata.namespace === ns && watched(o));

test("Argo CD's namespace after the first sync: every object DAY0 put there is tracked or ignored, no orphan", () => {
  expect(inNs(rbac).length).toBeGreaterThan(0);
  expect(inNs(argocd).length).toBeGreaterThan(0);
  const live = [...tracked(inNs(argocd), appOf('argocd')), ...tracked(inNs(apps), appOf('apps')), ...inNs(rbac)];
  expect(orphansOf(live, ignore, appNames)).toEqual([]);
});

test('before the argocd and root Applications sync, what DAY0 applied there is an orphan of every Application with that destination (the stale warning)', () => {
  const day0 = [...inNs(argocd), ...inNs(apps), ...inNs(rbac)];
  const orphans = orphansOf(day0, ignore, appNames);
  expect(orphans).toContain(`Application ${ns}/${appOf('apps')}`);
  expect(orphans).toContain(`ConfigMap ${ns}/argocd-cm`);
  expect(orphans.filter((o) => rbac.some((r) => o === `${r.kind} ${ns}/${r.metadata.name}`))).toEqual([]);
});

test('mutations: no project ignore, a tracking naming a deleted Application, the built-in exclusions', () => {
  // Without the project's ignore (the output before ADR 0160's fix of defect 2) the bootstrap RBAC is an orphan.
  expect(orphansOf(inNs(rbac), [], appNames)).toEqual(
    inNs(rbac)
      .map((o) => `${o.kind} ${ns}/${o.metadata.name}`)
      .sort(),
  );
  const cmOf = (name: string, namespace = ns): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace } });
  expect(orphansOf(tracked([cmOf('x')], 'gone'), ignore, appNames)).toEqual([`ConfigMap ${ns}/x`]);
  expect(orphansOf(tracked([cmOf('x')], appOf('argocd')), ignore, appNames)).toEqual([]);
  expect(orphansOf([cmOf('kube-root-ca.crt'), { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: ns } }], [], appNames)).toEqual([]);
  expect(orphansOf([{ apiVersion: 'v1', kind: 'Service', metadata: { name: 'kubernetes', namespace: ns } }], [], appNames)).toEqual([`Service ${ns}/kubernetes`]);
  expect(orphansOf([cmOf('a-1'), cmOf('b-1')], [{ group: '', kind: 'ConfigMap', name: 'a-*' }], appNames)).toEqual([`ConfigMap ${ns}/b-1`]);
});
