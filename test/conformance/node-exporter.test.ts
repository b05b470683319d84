/**
 * node-exporter as synthesized, against upstream v1.10.2 (conformance/facts/node-exporter.ts): the host root
 * read-only at the path given to --path.rootfs (proc and sys beneath it), upstream's mount exclusions kept, the
 * pod-network collectors off, the image's user, and a privileged namespace of its own with the reason.
 */
import { NODE_EXPORTER_FACTS } from '../../conformance/facts/node-exporter';
import { HOST_ROOT, MOUNT_POINTS_EXCLUDE, NODE_EXPORTER_IMAGE, POD_NETNS_COLLECTORS } from '../../constructs/node-exporter';
import { workloadPeer } from '../../constructs/lib/network';
import { findResource, flowAllowed, podTemplate, synth } from '../helpers';

const s = synth();
const t = podTemplate('DaemonSet', 'node-exporter', 'node-exporter', s);
const c = t.spec.containers[0]!;
const args = c.args ?? [];

test('image, user and port are upstream', () => {
  expect(c.image).toBe(`${NODE_EXPORTER_IMAGE.repository}:v1.10.2`);
  expect(c.securityContext?.runAsUser).toBe(NODE_EXPORTER_FACTS.image.value.uid);
  expect(c.ports?.map((p) => p.containerPort)).toEqual([NODE_EXPORTER_FACTS.image.value.port]);
});

test('the host root is mounted read-only where --path.rootfs says, proc and sys under it (upstream flags)', () => {
  for (const f of NODE_EXPORTER_FACTS.pathFlags.value) expect(args.some((a) => a.startsWith(`${f}=${HOST_ROOT}`))).toBe(true);
  expect(HOST_ROOT).toBe(NODE_EXPORTER_FACTS.hostMonitoring.value.rootfs);
  const vol = t.spec.volumes!.find((v) => 'hostPath' in v)!;
  expect(vol.hostPath).toEqual({ path: '/', type: 'Directory' });
  const mount = (c.volumeMounts as { name: string; mountPath: string; readOnly?: boolean }[]).find((m) => m.name === vol.name);
  // Upstream's `rslave` (README): host mounts and unmounts made after the pod started reach the container
  // (HostToContainer is Kubernetes' rslave). Without it the pod keeps a private copy of every mount it started
  // with: a disk unmounted on the host stays busy in the pod, one mounted later is reported as the folder beneath.
  expect(NODE_EXPORTER_FACTS.hostMonitoring.value.mount.split(':')[2]!.split(',')).toContain('rslave');
  expect(mount).toEqual({ name: vol.name, mountPath: HOST_ROOT, readOnly: true, mountPropagation: 'HostToContainer' });
  // No host namespaces (upstream's README uses them): the network collectors that would read the pod's are off.
  expect(t.spec).not.toHaveProperty('hostNetwork');
  expect(t.spec).not.toHaveProperty('hostPID');
  for (const col of POD_NETNS_COLLECTORS) expect(args).toContain(`${NODE_EXPORTER_FACTS.disableFlag.value}${col}`);
});

test("upstream's default mount exclusions are kept, the kubelet's pod mounts added", () => {
  const def = NODE_EXPORTER_FACTS.mountPointsExclude.value;
  const inner = (re: string) => re.slice('^/('.length, -')($|/)'.length).split('|');
  expect(inner(MOUNT_POINTS_EXCLUDE)).toEqual(expect.arrayContaining(inner(def)));
  const re = new RegExp(MOUNT_POINTS_EXCLUDE);
  expect(re.test('/var/lib/kubelet/pods/x/volumes/kubernetes.io~projected/t')).toBe(true);
  expect(re.test('/')).toBe(false);
  expect(re.test('/var/lib/rancher')).toBe(false);
});

test('its own namespace is privileged with the reason beside it; nothing else runs there', () => {
  const ns = findResource('Namespace', 'node-exporter', undefined, s);
  expect(ns.metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('privileged');
  expect(ns.metadata.annotations?.['domus.dev/pod-security-reason']).toMatch(/hostPath/);
  expect(s.stack.ctx.workloads.filter((w) => w.namespace === 'node-exporter').map((w) => w.name)).toEqual(['node-exporter']);
});

test('Prometheus scrapes it; Traefik may not', () => {
  const ne = workloadPeer('node-exporter', 'node-exporter');
  expect(flowAllowed(workloadPeer('monitoring', 'prometheus'), ne, 9100, s)).toBe(true);
  expect(flowAllowed(workloadPeer('ingress', 'traefik'), ne, 9100, s)).toBe(false);
});
