/**
 * Ingress: Traefik's egress is exactly the routed backends, every route is TLS, LoadBalancer traffic is admitted
 * along the provider's path only, the admin allow-list only exists where client addresses survive, and RBAC is
 * one Role per namespace that holds routes.
 */
import { traefikNamespaces } from '../constructs/lib/ingress';
import { SERVICELB_LABELS } from '../constructs/lib/loadbalancer';
import { entity, peerKey, pods, workloadPeer } from '../constructs/lib/network';
import { fileProviderFiles, traefikContainers, traefikRouters } from '../verify/traefik';
import { loadDocsFromSynthesis } from './lib/traefik-real';
import { validateSite } from '../config/load';
import { SiteInput } from '../config/schema';
import { Synthesis } from '../charts/synth';
import { findAll, findResource, flowAllowed, flows, issuesOf, podTemplate, synth, workloadPolicy, readmeSite, rulesOf } from './helpers';

const s = synth();
const traefik = s.stack.ctx.peers.ingress!;
const kindOf = (x: Synthesis) => (findAll('DaemonSet', x).some((d) => d.metadata.name === 'traefik') ? 'DaemonSet' : 'Deployment');
const argsOf = (x: Synthesis = s) => podTemplate(kindOf(x), 'traefik', 'ingress', x).spec.containers[0]!.args ?? [];
const sourcesTo = (x: Synthesis) => flows(x).filter((f) => peerKey(f.to) === peerKey(traefik) && f.from.kind !== 'workload');
const svc = (x: Synthesis = s) =>
  findResource('Service', 'traefik', 'ingress', x) as unknown as {
    metadata: { annotations?: Record<string, string> };
    spec: { type: string; externalTrafficPolicy: string; ports: { port: number }[]; loadBalancerIP?: string };
  };

test("Traefik's egress is the set of routed backends plus the API server and Vault, nothing else", () => {
  const out = flows().filter((f) => peerKey(f.from) === peerKey(traefik));
  const routed = new Set(s.stack.ctx.routes.map((r) => `${peerKey(r.backend)}:${r.podPort}`));
  routed.add('pods:kube-system/k8s-app=hubble-ui:8081');
  routed.add('entity:kube-apiserver:6443');
  routed.add(`${peerKey(s.stack.ctx.vaultPeer)}:8200`);
  expect(new Set(out.map((f) => `${peerKey(f.to)}:${f.port.port}`))).toEqual(routed);
  // The built-in apps' hosts among them (an app added to the registry adds its own).
  expect(s.stack.ctx.routes.map((r) => r.host)).toEqual(
    expect.arrayContaining(['argocd.domus.lan', 'grafana.domus.lan', 'minio.domus.lan', 'prometheus.domus.lan', 's3.domus.lan', 'wazuh.domus.lan']),
  );
});

test('no IngressRoute without TLS or outside websecure', () => {
  for (const r of findAll('IngressRoute')) {
    const spec = r.spec as { tls?: object; entryPoints: string[] };
    expect({ route: r.metadata.name, tls: spec.tls !== undefined, entryPoints: spec.entryPoints }).toEqual({ route: r.metadata.name, tls: true, entryPoints: ['websecure'] });
  }
});

describe('RBAC: one Role per namespace Traefik watches, exactly the informers of the kubernetescrd provider', () => {
  const variants: [string, SiteInput][] = [
    ['default', {}],
    ['no MinIO, no Wazuh', { workloads: { minio: { enabled: false }, wazuh: { enabled: false } } }],
    ['Grafana only in monitoring', { workloads: { prometheus: { enabled: false } } }],
    ['no Argo CD, no monitoring', { workloads: { argocd: { enabled: false }, prometheus: { enabled: false }, grafana: { enabled: false } } }],
  ];
  test.each(variants)('%s: --providers.kubernetescrd.namespaces, the Roles and the namespaces of Traefik objects agree', (_name, input) => {
    const x = synth(input);
    const traefikKinds = new Set(['IngressRoute', 'Middleware', 'ServersTransport', 'TLSOption', 'TLSStore', 'TraefikService']);
    const holding = [
      ...new Set(
        x.charts
          .flatMap((c) => c.objects)
          .filter((o) => traefikKinds.has(o.kind))
          .map((o) => o.metadata.namespace!),
      ),
    ].sort();
    const arg = argsOf(x).find((a) => a.startsWith('--providers.kubernetescrd.namespaces='))!;
    const roles = findAll('Role', x)
      .filter((r) => r.metadata.name === 'traefik')
      .map((r) => r.metadata.namespace)
      .sort();
    const bindings = findAll('RoleBinding', x).filter((b) =>
      (b.subjects as { name: string; namespace: string }[]).some((sub) => sub.name === 'traefik' && sub.namespace === 'ingress'),
    );
    expect({ arg: arg.split('=')[1]!.split(','), roles, bound: bindings.map((b) => b.metadata.namespace).sort() }).toEqual({ arg: holding, roles: holding, bound: holding });
    expect(traefikNamespaces(x.stack.ctx)).toEqual(holding);
  });

  test('no ClusterRole, no cluster-scope informers, no Ingress provider, no IngressClass, reads only, Secrets listed and watched', () => {
    expect(findAll('ClusterRole').filter((r) => r.metadata.name.includes('traefik'))).toEqual([]);
    expect(findAll('IngressClass')).toEqual([]);
    const args = argsOf();
    expect(args).toEqual(expect.arrayContaining(['--providers.kubernetescrd=true', '--providers.kubernetescrd.disableClusterScopeResources=true']));
    expect(args.filter((a) => a.startsWith('--providers.kubernetesingress'))).toEqual([]);
    for (const role of findAll('Role').filter((r) => r.metadata.name === 'traefik')) {
      const rules = rulesOf(role);
      expect(rules.flatMap((r) => r.verbs)).toEqual(expect.not.arrayContaining(['get', 'create', 'update', 'patch', 'delete']));
      expect(rules.find((r) => r.apiGroups?.[0] === '')?.resources).toEqual(['configmaps', 'secrets', 'services']);
    }
  });

  test('a route in a namespace Traefik does not watch fails synthesis, naming the namespace', () => {
    expect(() => synth({ namespaces: { storage: 'kube-public' } })).toThrow();
  });
});

describe('LoadBalancer: admitted along the provider path only', () => {
  test('default (Cilium LB-IPAM, DaemonSet): Local policy, fixed address from the pool, only world on 8000/8443', () => {
    expect(svc().spec).toMatchObject({ type: 'LoadBalancer', externalTrafficPolicy: 'Local' });
    expect(svc().spec.loadBalancerIP).toBeUndefined();
    expect(svc().metadata.annotations).toMatchObject({ 'lbipam.cilium.io/ips': '192.168.10.240' });
    expect(svc().spec.ports.map((p) => p.port)).toEqual([80, 443]);
    expect(
      sourcesTo(s)
        .map((f) => `${peerKey(f.from)}:${f.port.port}`)
        .sort(),
    ).toEqual(['entity:world:8000', 'entity:world:8443']);
    expect(flowAllowed(entity('host'), traefik, 8443)).toBe(false);
    expect(flowAllowed(entity('world'), traefik, 8080)).toBe(false);
    expect(flowAllowed(entity('world'), traefik, 9100)).toBe(false);
  });

  test('ServiceLB: only the svclb pods of this Service (kube-system, k3s labels) reach 8000/8443; not world, not host', () => {
    const x = synth({ loadBalancer: { provider: 'servicelb' }, workloads: { traefik: { adminAllowCidrs: [] } } });
    const svclb = pods('kube-system', { [SERVICELB_LABELS.svcName]: 'traefik', [SERVICELB_LABELS.svcNamespace]: 'ingress' });
    expect(
      sourcesTo(x)
        .map((f) => `${peerKey(f.from)}:${f.port.port}`)
        .sort(),
    ).toEqual([`${peerKey(svclb)}:8000`, `${peerKey(svclb)}:8443`]);
    expect(svc(x).spec.externalTrafficPolicy).toBe('Cluster');
    expect(Object.keys(svc(x).metadata.annotations ?? {}).filter((k) => k.includes('cilium'))).toEqual([]);
    const ingress = JSON.stringify((workloadPolicy('ingress', 'traefik', x).spec as { ingress: unknown[] }).ingress);
    expect(ingress).not.toContain('world');
    expect(ingress).toContain('"k8s:io.kubernetes.pod.namespace":"kube-system","svccontroller.k3s.cattle.io/svcname":"traefik"');
    // The admin allow-list is loopback only: nothing that crosses ServiceLB can match it.
    expect(findResource('Middleware', 'admin-allowlist', 'ingress', x).spec).toEqual({ ipAllowList: { sourceRange: ['127.0.0.1/32'] } });
  });

  test('Cilium, several nodes, a Deployment: Cluster policy, so world and the SNATing remote nodes; the allow-list must exclude node addresses', () => {
    const nodes = [1, 2].map((i) => ({ name: `node-0${i}`, ip: `192.168.10.2${i}` }));
    const x = synth({ nodes, workloads: { traefik: { kind: 'Deployment', replicas: 2, adminAllowCidrs: ['192.168.10.128/26'] } } });
    expect(svc(x).spec.externalTrafficPolicy).toBe('Cluster');
    expect(
      sourcesTo(x)
        .map((f) => peerKey(f.from))
        .sort(),
    ).toEqual(['entity:remote-node', 'entity:remote-node', 'entity:world', 'entity:world']);
    expect(issuesOf({ nodes, workloads: { traefik: { kind: 'Deployment', replicas: 2 } } })).toEqual([
      { path: 'workloads.traefik.adminAllowCidrs[0]', value: '192.168.10.0/24', expected: expect.stringContaining('requests forwarded between nodes arrive from a node address') },
    ]);
    // A DaemonSet keeps Local on every node: no remote-node source.
    const ds = synth({ nodes });
    expect(svc(ds).spec.externalTrafficPolicy).toBe('Local');
    expect(sourcesTo(ds).map((f) => peerKey(f.from))).not.toContain('entity:remote-node');
  });
});

describe('site rules for the LoadBalancer and the admin allow-list', () => {
  test.each([
    [
      'an allow-list under ServiceLB',
      { loadBalancer: { provider: 'servicelb' }, workloads: { traefik: { adminAllowCidrs: ['192.168.10.0/24'] } } },
      'workloads.traefik.adminAllowCidrs',
      'ServiceLB masquerades',
    ],
    [
      'a fixed address under ServiceLB',
      { loadBalancer: { provider: 'servicelb', ingressIp: '192.168.10.240' }, workloads: { traefik: { adminAllowCidrs: [] } } },
      'loadBalancer.ingressIp',
      'unset when loadBalancer.provider is "servicelb"',
    ],
    ['an empty pool under Cilium', { loadBalancer: { pool: [] } }, 'loadBalancer.pool', 'at least one CIDR'],
    ['a pool outside the LAN', { loadBalancer: { pool: ['10.9.0.0/28'] } }, 'loadBalancer.pool[0]', 'inside cluster.lanCidr'],
    ['a pool holding a node address', { loadBalancer: { pool: ['192.168.10.16/28'] } }, 'loadBalancer.pool[0]', 'holds no node address'],
    ['an address outside the pool', { loadBalancer: { ingressIp: '192.168.10.100' } }, 'loadBalancer.ingressIp', 'inside loadBalancer.pool'],
    [
      'Traefik and Wazuh on one address',
      { loadBalancer: { ingressIp: '192.168.10.241', wazuhIp: '192.168.10.241' } },
      'loadBalancer.wazuhIp',
      'different from loadBalancer.ingressIp',
    ],
    ['an allow-list of pod addresses', { workloads: { traefik: { adminAllowCidrs: ['10.42.0.0/24'] } } }, 'workloads.traefik.adminAllowCidrs[0]', 'outside the pod network'],
  ] as const)('%s is refused', (_name, input, path, expected) => {
    const hit = issuesOf(input).find((i) => i.path === path);
    expect(hit?.expected).toContain(expected);
  });
});

test('the Hubble UI is routed by the file provider (no IngressRoute, no Role in kube-system), behind the allow-list', () => {
  expect(findAll('IngressRoute').filter((r) => r.metadata.namespace === 'kube-system')).toEqual([]);
  expect(findAll('Role').filter((r) => r.metadata.namespace === 'kube-system')).toEqual([]);
  const files = traefikContainers(loadDocsFromSynthesis(s)).flatMap(fileProviderFiles);
  expect(files.map((f) => [f.path, f.error])).toEqual([['/vault/secrets/tls.yml', undefined]]);
  const http = files[0]!.config!.http!;
  expect(http.routers!['hubble']).toEqual({ entryPoints: ['websecure'], rule: 'Host(`hubble.domus.lan`)', middlewares: ['admin-allowlist'], service: 'hubble', tls: {} });
  expect(http.middlewares).toEqual({ 'admin-allowlist': { ipAllowList: { sourceRange: ['192.168.10.0/24'] } } });
  expect(http.services!['hubble']).toEqual({ loadBalancer: { servers: [{ url: 'http://hubble-ui.kube-system.svc:80' }] } });
  const off = synth({ cilium: { hubbleUi: false } });
  expect(podTemplate('DaemonSet', 'traefik', 'ingress', off).metadata.annotations!['vault.hashicorp.com/agent-inject-template-tls.yml']).not.toContain('hubble');
});

test('TLS comes from Vault PKI for the base domain, rendered as a file-provider config: a store certificate (SNI strict finds it), no default certificate', () => {
  const t = podTemplate(kindOf(s), 'traefik', 'ingress');
  const a = t.metadata.annotations ?? {};
  expect(a['vault.hashicorp.com/agent-inject-secret-tls.yml']).toBe('pki_int/issue/homelab');
  expect(a['vault.hashicorp.com/agent-inject-template-tls.yml']).toContain('"common_name=*.domus.lan" "alt_names=domus.lan"');
  expect(t.spec.containers[0]!.args).toEqual(
    expect.arrayContaining(['--providers.file.directory=/vault/secrets', '--providers.file.watch=true', '--entryPoints.web.http.redirections.entryPoint.to=:443']),
  );
  const tls = traefikContainers(loadDocsFromSynthesis(s)).flatMap(fileProviderFiles)[0]!.config!.tls!;
  // Fails on the old output: the certificate was only tls.stores.default.defaultCertificate, which Traefik
  // v3.6.6 never serves under sniStrict (pkg/tls/tlsmanager.go), so every handshake was refused.
  expect(tls.certificates).toEqual([{ certFile: expect.stringContaining('BEGIN CERTIFICATE'), keyFile: expect.stringContaining('PRIVATE KEY'), stores: ['default'] }]);
  expect(tls.options).toEqual({ default: { minVersion: 'VersionTLS12', sniStrict: true } });
  expect(tls.stores).toBeUndefined();
});

test('Argo CD and the Wazuh dashboard are file-provider routes: Traefik does not watch argocd or security, Wazuh is verified with the PKI CA', () => {
  const args = argsOf();
  // Fails on the old output: argocd was watched, so Traefik's Secret informer read argocd-secret.
  const watchedArg = args.find((a) => a.startsWith('--providers.kubernetescrd.namespaces='))!;
  expect(watchedArg).toBe(`--providers.kubernetescrd.namespaces=${traefikNamespaces(s.stack.ctx).join(',')}`);
  for (const ns of ['argocd', 'security']) expect(watchedArg.split('=')[1]!.split(',')).not.toContain(ns);
  // The routed namespaces of the built-in apps (an app added with routed: true joins them).
  expect(watchedArg.split('=')[1]!.split(',')).toEqual(expect.arrayContaining(['ingress', 'monitoring', 'storage']));
  expect(findAll('Role').filter((r) => r.metadata.name === 'traefik' && ['argocd', 'security'].includes(r.metadata.namespace!))).toEqual([]);
  expect(findAll('ServersTransport')).toEqual([]);
  const routers = traefikRouters(loadDocsFromSynthesis(s));
  const byHost = (h: string) => routers.filter((r) => r.rule === `Host(\`${h}\`)`);
  expect(byHost('argocd.domus.lan').map((r) => [r.provider, r.services])).toEqual([['file', ['http://argocd-server.argocd.svc:80']]]);
  expect(byHost('wazuh.domus.lan').map((r) => [r.provider, r.services])).toEqual([['file', ['https://wazuh-dashboard.security.svc:443']]]);
  const http = traefikContainers(loadDocsFromSynthesis(s)).flatMap(fileProviderFiles)[0]!.config!.http!;
  // Fails on the old output: the hop skipped verification (insecureSkipVerify on a CRD ServersTransport).
  expect(http.serversTransports).toEqual({ wazuh: { serverName: 'wazuh-dashboard.security.svc', rootCAs: [expect.stringContaining('BEGIN CERTIFICATE')] } });
  expect(http.services!['wazuh']!.loadBalancer!.serversTransport).toBe('wazuh');
  // Traefik reaches the backends' pods, on the pod ports.
  expect(flowAllowed(traefik, workloadPeer('argocd', 'argocd-server'), 8080)).toBe(true);
  expect(flowAllowed(traefik, workloadPeer('security', 'wazuh-dashboard'), 5601)).toBe(true);
});

test('the DaemonSet surges on update: a node never goes without a local Traefik (externalTrafficPolicy Local)', () => {
  const ds = findResource('DaemonSet', 'traefik', 'ingress');
  expect((ds.spec as { updateStrategy: unknown }).updateStrategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
});

test('Deployment mode renders replicas instead of one pod per node', () => {
  const d = synth({ workloads: { traefik: { kind: 'Deployment' } } });
  expect(findResource('Deployment', 'traefik', 'ingress', d).kind).toBe('Deployment');
  expect(() => findResource('DaemonSet', 'traefik', 'ingress', d)).toThrow();
});

test('a disabled Traefik removes every route and every Traefik flow', () => {
  const off = synth({ workloads: { traefik: { enabled: false } } });
  // Without Traefik its CRDs are not installed (no traefik-crds app): any traefik.io object would fail its sync.
  expect(
    off.charts
      .flatMap((c) => c.objects)
      .filter((o) => o.apiVersion.startsWith('traefik.io/'))
      .map((o) => `${o.kind} ${o.metadata.name}`),
  ).toEqual([]);
  expect(off.charts.flatMap((c) => c.objects).filter((o) => o.kind === 'IngressRoute')).toEqual([]);
  expect(flows(off).some((f) => peerKey(f.from) === peerKey(traefik))).toBe(false);
  expect(JSON.stringify(workloadPolicy('monitoring', 'grafana', off).spec)).not.toContain('traefik');
  expect(workloadPeer('ingress', 'traefik')).toEqual(traefik);
});

test("the README's own-site example validates (its LAN, pool and allow-list agree) and puts Traefik on the pool's first address", () => {
  const input = readmeSite();
  expect(() => validateSite(input)).not.toThrow();
  expect(svc(synth(input)).metadata.annotations).toMatchObject({ 'lbipam.cilium.io/ips': '192.168.1.240' });
});
