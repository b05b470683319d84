/**
 * verify's API-egress rule (issue 18, item 3): a pod whose ServiceAccount holds API permissions and mounts a
 * token must be allowed to reach the kube-apiserver. The committed dist/ passes; the shape of the defect
 * kube-state-metrics had (a ClusterRole, a token, a policy without the API server) is rejected for every API
 * user of dist/; a pod without a token or without permissions needs no such flow.
 */
import { checkApiEgress } from '../../verify/checks/api-egress';
import { podSpecOf } from '../../verify/load';
import { cachedLoadDist as loadDist } from '../lib/dist-cache';
import { grants } from '../../verify/checks/rbac';
import { Context, Doc, KubeObj } from '../../verify/types';
import { exampleDist } from './site-context';

// The example's dist/ (test/verify/site-context.ts): the mutations name its objects, whatever the fork enables.
const DIST = exampleDist();
const base = loadDist(DIST);

function context(mutate?: (objs: KubeObj[]) => void): Context {
  const objs = base.docs.map((d) => structuredClone(d.obj));
  mutate?.(objs);
  const docs: Doc[] = objs.map((obj, i) => ({ obj, file: base.docs[i]!.file, line: base.docs[i]!.line }));
  return { docs, files: base.files, dist: DIST, nodes: [], vault: { cidrs: [], host: 'vault', port: 8200 }, gitPath: 'dist' };
}
const messages = (c: Context) => checkApiEgress(c).map((f) => `${f.object}: ${f.message}`);

interface Cnp {
  metadata: { name: string; namespace: string };
  spec: { egress?: { toEntities?: string[] }[] };
}
/** Drops the kube-apiserver egress rule of `ns/name`'s policy (what kube-state-metrics' policy looked like). */
const dropApiEgress = (ns: string, name: string) => (objs: KubeObj[]) => {
  const p = objs.find((o) => o.kind === 'CiliumNetworkPolicy' && o.metadata.namespace === ns && o.metadata.name === name) as unknown as Cnp;
  p.spec.egress = (p.spec.egress ?? []).filter((r) => !(r.toEntities ?? []).includes('kube-apiserver'));
};

/** Every pod of dist/ that mounts a token and holds API permissions. */
const apiUsers = base.docs
  .filter((d) => {
    const t = podSpecOf(d.obj);
    if (!t || t.spec.automountServiceAccountToken !== true) return false;
    const subject = `system:serviceaccount:${d.obj.metadata.namespace}:${t.spec.serviceAccountName}`;
    return grants(base.docs).some((g) => g.subject === subject);
  })
  .map((d) => [d.obj.metadata.namespace!, d.obj.metadata.name] as const);

test('the committed dist/ passes', () => {
  expect(messages(context())).toEqual([]);
});

test('dist/ has API users to mutate, kube-state-metrics among them', () => {
  expect(apiUsers).toContainEqual(['monitoring', 'kube-state-metrics']);
  expect(apiUsers.length).toBeGreaterThan(3);
});

test.each(apiUsers)('%s/%s without its API server egress is an error', (ns, name) => {
  const found = messages(context(dropApiEgress(ns, name)));
  expect(found).toHaveLength(1);
  expect(found[0]).toMatch(
    new RegExp(
      `^\\w+ ${ns}/${name}: pods of ${ns}/[\\w-]+ mount the token of ServiceAccount [\\w-]+, which holds API permissions, but no network policy lets them reach the kube-apiserver on 6443/TCP`,
    ),
  );
});

test('without a mounted token the flow is not needed', () => {
  expect(
    messages(
      context((objs) => {
        dropApiEgress('monitoring', 'kube-state-metrics')(objs);
        const d = objs.find((o) => o.kind === 'Deployment' && o.metadata.name === 'kube-state-metrics')!;
        podSpecOf(d)!.spec.automountServiceAccountToken = false;
      }),
    ),
  ).toEqual([]);
});

test('without any binding the flow is not needed', () => {
  expect(
    messages(
      context((objs) => {
        dropApiEgress('monitoring', 'kube-state-metrics')(objs);
        const i = objs.findIndex((o) => o.kind === 'ClusterRoleBinding' && o.metadata.name === 'monitoring-kube-state-metrics');
        objs.splice(i, 1);
      }),
    ),
  ).toEqual([]);
});

test("a pod that leaves automount unset inherits its ServiceAccount's (here: false, so no flow needed; true: needed)", () => {
  const unset = (sa: boolean | undefined) => (objs: KubeObj[]) => {
    dropApiEgress('monitoring', 'kube-state-metrics')(objs);
    const d = objs.find((o) => o.kind === 'Deployment' && o.metadata.name === 'kube-state-metrics')!;
    delete podSpecOf(d)!.spec.automountServiceAccountToken;
    const a = objs.find((o) => o.kind === 'ServiceAccount' && o.metadata.name === 'kube-state-metrics') as KubeObj & { automountServiceAccountToken?: boolean };
    if (sa === undefined) delete a.automountServiceAccountToken;
    else a.automountServiceAccountToken = sa;
  };
  expect(messages(context(unset(false)))).toEqual([]);
  expect(messages(context(unset(undefined)))).toHaveLength(1);
});
