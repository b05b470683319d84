/**
 * The platform layer: the namespaces of the stack (the VLANs), their Pod Security levels, and the baseline
 * ACLs every namespace gets — deny everything in both directions, then allow DNS to kube-dns.
 */
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { CiliumNetworkPolicy, CiliumNetworkPolicySpecEgressToPortsPortsProtocol as Proto } from '../imports/cilium-ciliumnetworkpolicy-cilium.io';
import { StackContext } from '../constructs/lib/context';
import { KUBE_DNS } from '../constructs/lib/network';
import { VERSIONS } from '../config/versions';
import { StackChart } from './stack-chart';

export function buildPlatformChart(scope: Construct, ctx: StackContext): StackChart {
  const chart = new StackChart(scope, 'platform');
  // The namespaces of the enabled apps, each with the Pod Security level its apps declare (constructs/registry.ts).
  for (const { key, name: ns, podSecurity, reason } of ctx.namespaces) {
    const pss = { level: podSecurity, reason };
    new k8s.KubeNamespace(chart, `ns-${key}`, {
      metadata: {
        name: ns,
        labels: {
          'app.kubernetes.io/managed-by': 'cdk8s',
          'app.kubernetes.io/part-of': 'domus-platform',
          'pod-security.kubernetes.io/enforce': pss.level,
          'pod-security.kubernetes.io/enforce-version': `v${VERSIONS.kubernetes}`,
          'pod-security.kubernetes.io/audit': 'restricted',
          'pod-security.kubernetes.io/audit-version': `v${VERSIONS.kubernetes}`,
          'pod-security.kubernetes.io/warn': 'restricted',
          'pod-security.kubernetes.io/warn-version': `v${VERSIONS.kubernetes}`,
        },
        ...(pss.reason ? { annotations: { 'domus.dev/pod-security-reason': pss.reason } } : {}),
      },
    });

    // Default deny: selecting every pod with both policy types and no rules flips both directions to deny.
    new k8s.KubeNetworkPolicy(chart, `deny-${key}`, {
      metadata: { name: 'default-deny', namespace: ns, labels: { 'app.kubernetes.io/managed-by': 'cdk8s' } },
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    });

    // DNS for every pod, through Cilium's DNS proxy (the L7 rule) so toFQDNs rules learn addresses and
    // Hubble shows the queries.
    new CiliumNetworkPolicy(chart, `dns-${key}`, {
      metadata: { name: 'allow-dns', namespace: ns, labels: { 'app.kubernetes.io/managed-by': 'cdk8s' } },
      spec: {
        description: 'Every pod may resolve names through kube-dns (UDP and TCP 53).',
        endpointSelector: {},
        egress: [
          {
            toEndpoints: [{ matchLabels: { 'k8s:io.kubernetes.pod.namespace': KUBE_DNS.namespace, ...KUBE_DNS.labels } }],
            toPorts: [
              {
                ports: [
                  { port: '53', protocol: Proto.UDP },
                  { port: '53', protocol: Proto.TCP },
                ],
                rules: { dns: [{ matchPattern: '*' }] },
              },
            ],
          },
        ],
      },
    });
  }
  return chart;
}
