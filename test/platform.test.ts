/**
 * The platform layer: namespaces with Pod Security labels, default deny and DNS everywhere.
 */
import { findResource, synth } from './helpers';

test('each namespace has a default deny and a DNS allowance through the DNS proxy', () => {
  for (const ns of Object.values(synth().stack.ctx.site.namespaces)) {
    const deny = findResource('NetworkPolicy', 'default-deny', ns);
    expect(deny.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    const dns = findResource('CiliumNetworkPolicy', 'allow-dns', ns).spec as {
      endpointSelector: object;
      egress: { toEndpoints: { matchLabels: Record<string, string> }[]; toPorts: { ports: { port: string; protocol: string }[]; rules: { dns: object[] } }[] }[];
    };
    expect(dns.endpointSelector).toEqual({});
    expect(dns.egress[0]!.toEndpoints[0]!.matchLabels).toEqual({ 'k8s-app': 'kube-dns', 'k8s:io.kubernetes.pod.namespace': 'kube-system' });
    expect(dns.egress[0]!.toPorts[0]!.ports).toEqual([
      { port: '53', protocol: 'UDP' },
      { port: '53', protocol: 'TCP' },
    ]);
    expect(dns.egress[0]!.toPorts[0]!.rules.dns).toEqual([{ matchPattern: '*' }]);
  }
});

test('a disabled workload takes its namespace with it', () => {
  const s = synth({ workloads: { minio: { enabled: false } } });
  const names = s.charts
    .flatMap((c) => c.objects)
    .filter((o) => o.kind === 'Namespace')
    .map((o) => o.metadata.name);
  expect(names).not.toContain('storage');
  expect(names).toContain('monitoring');
});

test('namespace names come from the site config', () => {
  const s = synth({ namespaces: { monitoring: 'observability' } });
  expect(findResource('Namespace', 'observability', undefined, s).metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
});
