/**
 * ServiceLB as k3s and klipper-lb v0.4.9 build it (conformance/facts/klipper-lb.ts), against what the stack
 * admits: the svclb pods of each LoadBalancer Service, selected by the labels k3s sets, in the namespace k3s
 * uses; and no IP allow-list, because entry masquerades.
 */
import { validateSite } from '../../config/load';
import { KLIPPER_FACTS } from '../../conformance/facts/klipper-lb';
import { SERVICELB_LABELS, SERVICELB_NAMESPACE } from '../../constructs/lib/loadbalancer';
import { findAll, issuesOf, synth, workloadPolicy } from '../helpers';

const site = { loadBalancer: { provider: 'servicelb' as const }, workloads: { traefik: { adminAllowCidrs: [] } } };
const s = synth(site);

test('the svclb selector uses the namespace and the stable labels k3s puts on svclb pods (not the UID-derived app label)', () => {
  expect(SERVICELB_NAMESPACE).toBe(KLIPPER_FACTS.svclbNamespace.value);
  expect(KLIPPER_FACTS.svclbPodLabels.value).toEqual(expect.arrayContaining([SERVICELB_LABELS.svcName, SERVICELB_LABELS.svcNamespace]));
});

test.each([
  ['ingress', 'traefik', 'traefik', ['8000', '8443']],
  ['security', 'wazuh-manager-master', 'wazuh-enrollment', ['1515']],
  ['security', 'wazuh-manager-worker', 'wazuh-events', ['1514']],
] as const)('%s/%s admits the svclb pods of Service %s on %j, and no world/host entity', (ns, workload, service, ports) => {
  const ingress = (
    workloadPolicy(ns, workload, s).spec as {
      ingress: { fromEndpoints?: { matchLabels: Record<string, string> }[]; fromEntities?: string[]; toPorts: { ports: { port: string }[] }[] }[];
    }
  ).ingress;
  const svclb = ingress.filter((r) => r.fromEndpoints?.some((e) => e.matchLabels[SERVICELB_LABELS.svcName] === service));
  expect(svclb.map((r) => r.fromEndpoints![0]!.matchLabels)).toEqual([
    { 'k8s:io.kubernetes.pod.namespace': SERVICELB_NAMESPACE, [SERVICELB_LABELS.svcName]: service, [SERVICELB_LABELS.svcNamespace]: ns },
  ]);
  expect(svclb[0]!.toPorts[0]!.ports.map((p) => p.port)).toEqual(ports);
  expect(ingress.filter((r) => r.fromEntities?.some((e) => e === 'world' || e === 'host'))).toEqual([]);
});

test('ServiceLB services use externalTrafficPolicy Cluster: svclb then DNATs to the ClusterIP from any node', () => {
  expect(KLIPPER_FACTS.svclbDestination.value.Cluster).toEqual(['spec.clusterIPs', 'port']);
  for (const svc of findAll('Service', s).filter((o) => (o.spec as { type?: string }).type === 'LoadBalancer')) {
    expect({ svc: svc.metadata.name, etp: (svc.spec as { externalTrafficPolicy: string }).externalTrafficPolicy }).toEqual({ svc: svc.metadata.name, etp: 'Cluster' });
  }
});

test('entry masquerades, so an admin allow-list under ServiceLB is refused with the reason', () => {
  expect(KLIPPER_FACTS.entryMasquerade.value).toContain('MASQUERADE');
  // The default allow-list under servicelb is [] for this reason; an explicit one is refused.
  expect(validateSite({ loadBalancer: { provider: 'servicelb' } }).workloads.traefik.adminAllowCidrs).toEqual([]);
  const [issue] = issuesOf({ loadBalancer: { provider: 'servicelb' }, workloads: { traefik: { adminAllowCidrs: ['192.168.10.0/24'] } } });
  expect(issue).toEqual({
    path: 'workloads.traefik.adminAllowCidrs',
    value: ['192.168.10.0/24'],
    expected: expect.stringContaining('masquerades every connection inside its svclb pod'),
  });
});
