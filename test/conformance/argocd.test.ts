/**
 * Argo CD as synthesized matches upstream v2.14.21 (conformance/facts/argocd.ts): programs run under the
 * image's tini entrypoint, the ports, users, config paths and writable paths upstream uses, the redis password
 * flow, and RBAC that is upstream's minimum or a written, tested subset of it.
 */
import { parse, parseAllDocuments } from 'yaml';
import { resourceOf } from '../../charts/apps';
import { ARGOCD_FACTS as F } from '../../conformance/facts/argocd';
import { CONTROLLER_RBAC_FILE, observedKinds, TRUST_CONFIGMAPS } from '../../constructs/argocd';
import { uncovered } from '../../verify/checks/argocd-admission';
import { findResource, podTemplate, PodTemplate, rulesOf, synth } from '../helpers';

const s = synth();
const ns = s.stack.ctx.site.namespaces.argocd;
const pods = {
  repoServer: podTemplate('Deployment', 'argocd-repo-server', ns),
  controller: podTemplate('StatefulSet', 'argocd-application-controller', ns),
  server: podTemplate('Deployment', 'argocd-server', ns),
  appset: podTemplate('Deployment', 'argocd-applicationset-controller', ns),
};
const redis = podTemplate('Deployment', 'argocd-redis', ns);
const main = (p: PodTemplate) => p.spec.containers[0]!;
const ports = (p: PodTemplate) => (main(p).ports ?? []).map((x) => x.containerPort).sort((a, b) => a - b);
function mounts(p: PodTemplate, paths: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of main(p).volumeMounts ?? []) {
    if (!paths.includes(m.mountPath)) continue;
    const v = (p.spec.volumes ?? []).find((x) => x.name === m.name)!;
    out[m.mountPath] = v.configMap ? `configMap:${(v.configMap as { name: string }).name}` : v.emptyDir ? 'emptyDir' : 'other';
  }
  return out;
}
const secretEnv = (p: PodTemplate) =>
  Object.fromEntries(
    (main(p).env ?? [])
      .filter((e) => (e.valueFrom as { secretKeyRef?: unknown } | undefined)?.secretKeyRef)
      .map((e) => {
        const r = (e.valueFrom as { secretKeyRef: { name: string; key: string } }).secretKeyRef;
        return [e.name, `${r.name}/${r.key}`];
      }),
  );
const TRUST = ['/app/config/ssh', '/app/config/tls', '/app/config/gpg/source', '/app/config/gpg/keys'];

test.each([
  ['repo-server', pods.repoServer, F.repoServerProgram, F.repoServerPorts],
  ['application-controller', pods.controller, F.controllerProgram, F.controllerPorts],
  ['server', pods.server, F.serverProgram, F.serverPorts],
  ['applicationset-controller', pods.appset, F.appsetProgram, F.appsetPorts],
] as const)('%s: program as args under tini, upstream ports, user 999', (_n, pod, program, port) => {
  // No command: the image's ENTRYPOINT (tini) stays PID 1 and reaps git/helm children.
  expect(main(pod).command).toBeUndefined();
  expect({ program: main(pod).args?.[0], source: program.source }).toEqual({ program: program.value, source: program.source });
  expect(program.value.startsWith(`${F.programs.value}/`)).toBe(true);
  expect(ports(pod)).toEqual(port.value);
  expect(main(pod).securityContext?.runAsUser ?? pod.spec.securityContext?.runAsUser).toBe(F.user.value);
});

test.each([
  ['repo-server', pods.repoServer, F.repoServerFlags],
  ['application-controller', pods.controller, F.controllerFlags],
  ['server', pods.server, F.serverFlags],
  ['applicationset-controller', pods.appset, F.appsetFlags],
] as const)('%s: every flag passed is one the program defines', (_n, pod, flags) => {
  const used = [...new Set((main(pod).args ?? []).filter((a) => a.startsWith('--')).map((a) => a.split('=')[0]!))];
  expect(used.filter((f) => !flags.value.includes(f))).toEqual([]);
  // The password reaches each redis client in the variable the cache code reads.
  if (_n !== 'applicationset-controller') expect(Object.keys(secretEnv(pod))).toEqual([F.redisPasswordEnv.value]);
});

test('repository trust is mounted where the code reads it, from the config maps upstream names', () => {
  expect(mounts(pods.repoServer, TRUST)).toEqual(F.repoServerTrust.value);
  expect(mounts(pods.appset, TRUST)).toEqual(F.appsetTrust.value);
  expect(mounts(pods.server, TRUST)).toEqual(F.serverTrust.value);
  expect(F.tlsPath.value.tls).toBe('/app/config/tls');
  expect(Object.values(TRUST_CONFIGMAPS).sort()).toEqual(['argocd-gpg-keys-cm', 'argocd-ssh-known-hosts-cm', 'argocd-tls-certs-cm']);
  for (const cm of Object.values(TRUST_CONFIGMAPS)) expect(findResource('ConfigMap', cm, ns).kind).toBe('ConfigMap');
  expect(Object.keys((findResource('ConfigMap', TRUST_CONFIGMAPS.ssh, ns).data ?? {}) as object)).toEqual([F.knownHostsLink.value]);
});

test('writable paths are the emptyDirs upstream gives each component', () => {
  expect(mounts(pods.repoServer, ['/tmp', '/helm-working-dir'])).toEqual(F.repoServerWritable.value);
  expect(mounts(pods.controller, ['/home/argocd', '/tmp'])).toEqual(F.controllerWritable.value);
  for (const p of Object.values(pods)) expect(main(p).securityContext?.readOnlyRootFilesystem).toBe(true);
});

test('redis requires the password secret-init creates; server, repo-server and controller read it from the same Secret', () => {
  expect(redis.spec.initContainers?.map((c) => c.command)).toEqual([F.redisSecretInit.value]);
  const args = main(redis).args!;
  for (const a of F.redisRequirePass.value.args) expect(args).toContain(a);
  expect(secretEnv(redis)).toEqual(F.redisRequirePass.value.env);
  expect(redis.spec.securityContext?.runAsUser ?? main(redis).securityContext?.runAsUser).toBe(F.redisUser.value);
  expect(rulesOf(findResource('Role', 'argocd-redis', ns))).toEqual(F.redisRole.value);
  expect({ server: secretEnv(pods.server), repoServer: secretEnv(pods.repoServer), controller: secretEnv(pods.controller) }).toEqual(F.redisClients.value);
  // No Secret with the password is ever synthesized.
  expect(s.charts.flatMap((c) => c.objects).filter((o) => o.kind === 'Secret')).toEqual([]);
});

test("RBAC: the namespaced roles hold upstream's minimum", () => {
  const controller = rulesOf(findResource('Role', 'argocd-application-controller', ns));
  const controllerCluster = parseAllDocuments(s.files.get(CONTROLLER_RBAC_FILE)!)
    .map((d) => d.toJS() as { kind: string; rules?: { verbs: string[] }[] })
    .find((o) => o.kind === 'ClusterRole')!.rules!;
  expect(uncovered([...controller, ...controllerCluster] as never, F.controllerRole.value)).toEqual([]);
  expect(uncovered(rulesOf(findResource('Role', 'argocd-server', ns)) as never, F.serverRole.value)).toEqual([]);
});

test('the UI opens every node of the resource tree: the server may get every kind the controller watches (issue 18)', () => {
  // Upstream grants get on */* (F.serverClusterRole); the stack grants get on what the tree can show, which is
  // exactly what the controller's cache holds: the kinds of argocd-cm resource.inclusions.
  const cm = findResource('ConfigMap', 'argocd-cm', ns) as unknown as { data: Record<string, string> };
  const inclusions = parse(cm.data['resource.inclusions']!) as { apiGroups: string[]; kinds: string[] }[];
  const wanted = inclusions.flatMap((i) => i.kinds.filter((k) => k !== 'Event').map((k) => ({ apiGroups: i.apiGroups, resources: [resourceOf(k)], verbs: ['get'] })));
  const server = rulesOf(findResource('ClusterRole', `${ns}-argocd-server`));
  expect(uncovered(server as never, wanted)).toEqual([]);
  // The children under Deployments, StatefulSets and Services, each a 403 in the UI before.
  const children = [
    { apiGroups: ['apps'], resources: ['replicasets', 'controllerrevisions'], verbs: ['get'] },
    { apiGroups: [''], resources: ['endpoints', 'persistentvolumeclaims', 'pods'], verbs: ['get'] },
    { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get'] },
  ];
  expect(uncovered(server as never, children)).toEqual([]);
  expect(uncovered(F.serverClusterRole.value, children)).toEqual([]);
  // Derived from the managed kinds: no StatefulSet or DaemonSet, no ControllerRevision.
  expect(observedKinds([{ group: 'apps', kind: 'Deployment', resource: 'deployments' }]).map((k) => k.kind)).toEqual(['Event', 'Pod', 'ReplicaSet']);
});

test("RBAC exceptions: the server gets a subset of upstream's ClusterRole; what the UI loses is exactly the documented list", () => {
  const ours = rulesOf(findResource('ClusterRole', `${ns}-argocd-server`));
  expect(uncovered(F.serverClusterRole.value, ours as never)).toEqual([]);
  const lost = uncovered(ours as never, [
    { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'patch', 'delete'] },
    { apiGroups: [''], resources: ['pods'], verbs: ['get', 'delete'] },
    { apiGroups: ['batch'], resources: ['jobs'], verbs: ['create'] },
    { apiGroups: [''], resources: ['secrets'], verbs: ['get'] },
  ]);
  // Live manifests and pod restarts work; edits, deletes of managed objects, resource actions and Secret views do not (ADR-0020).
  expect(lost).toEqual(['patch apps/deployments', 'delete apps/deployments', 'create batch/jobs', 'get secrets']);
  // The controller never holds upstream's wildcard.
  const file = s.files.get(CONTROLLER_RBAC_FILE)!;
  expect(file).not.toMatch(/- "\*"|- '\*'/);
});
