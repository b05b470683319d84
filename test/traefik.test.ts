/**
 * Ingress: Traefik's egress is exactly the routed backends, every route is TLS, the LAN reaches only the
 * entrypoints, and its RBAC reads (one status write for Ingress).
 */
import { entity, peerKey, workloadPeer } from '../constructs/lib/network';
import { chartObjects, findAll, findResource, flowAllowed, flows, podTemplate, synth, workloadPolicy, rulesOf } from './helpers';

const s = synth();
const traefik = s.stack.ctx.peers.traefik;

test('ingress chart snapshot', () => {
  expect(chartObjects('ingress')).toMatchSnapshot();
});

test("Traefik's egress is the set of routed backends plus the API server and Vault, nothing else", () => {
  const out = flows().filter((f) => peerKey(f.from) === peerKey(traefik));
  const routed = new Set(s.stack.ctx.routes.map((r) => `${peerKey(r.backend)}:${r.podPort}`));
  routed.add('pods:kube-system/k8s-app=hubble-ui:8081');
  routed.add('entity:kube-apiserver:6443');
  routed.add(`${peerKey(s.stack.ctx.vaultPeer)}:8200`);
  expect(new Set(out.map((f) => `${peerKey(f.to)}:${f.port.port}`))).toEqual(routed);
  expect(s.stack.ctx.routes.map((r) => r.host).sort()).toEqual(['argocd.domus.lan', 'grafana.domus.lan', 'minio.domus.lan', 'prometheus.domus.lan', 's3.domus.lan', 'wazuh.domus.lan']);
});

test('no IngressRoute without TLS or outside websecure', () => {
  for (const r of findAll('IngressRoute')) {
    const spec = r.spec as { tls?: object; entryPoints: string[] };
    expect({ route: r.metadata.name, tls: spec.tls !== undefined, entryPoints: spec.entryPoints }).toEqual({ route: r.metadata.name, tls: true, entryPoints: ['websecure'] });
  }
});

test('the LAN reaches Traefik on 8000/8443 only', () => {
  const fromWorld = flows().filter((f) => peerKey(f.from) === 'entity:world' && peerKey(f.to) === peerKey(traefik)).map((f) => f.port.port);
  expect(fromWorld.sort()).toEqual([8000, 8443]);
  expect(flowAllowed(entity('world'), traefik, 8080)).toBe(false);
  expect(flowAllowed(entity('world'), traefik, 9100)).toBe(false);
  const svc = findResource('Service', 'traefik', 'ingress').spec as { type: string; externalTrafficPolicy: string; ports: { port: number }[] };
  expect(svc.type).toBe('LoadBalancer');
  expect(svc.externalTrafficPolicy).toBe('Local');
  expect(svc.ports.map((p) => p.port)).toEqual([80, 443]);
});

test('RBAC reads routes and endpoints; the only write is Ingress status; no secrets', () => {
  for (const r of rulesOf(findResource('ClusterRole', 'ingress-traefik'))) {
    const writes = r.verbs.filter((v) => !['get', 'list', 'watch'].includes(v));
    if (writes.length) expect({ resources: r.resources, writes }).toEqual({ resources: ['ingresses/status'], writes: ['update'] });
    expect(r.resources).not.toContain('secrets');
  }
});

test('TLS comes from Vault PKI for the base domain, rendered as a file-provider config', () => {
  const t = podTemplate(findAll('Deployment').some((d) => d.metadata.name === 'traefik') ? 'Deployment' : 'DaemonSet', 'traefik', 'ingress');
  const a = t.metadata.annotations ?? {};
  expect(a['vault.hashicorp.com/agent-inject-secret-tls.yml']).toBe('pki_int/issue/homelab');
  expect(a['vault.hashicorp.com/agent-inject-template-tls.yml']).toContain('"common_name=*.domus.lan" "alt_names=domus.lan"');
  expect(t.spec.containers[0]!.args).toEqual(expect.arrayContaining(['--providers.file.directory=/vault/secrets', '--providers.file.watch=true', '--entryPoints.web.http.redirections.entryPoint.to=websecure']));
});

test('DaemonSet mode renders one pod per node', () => {
  const ds = synth({ workloads: { traefik: { kind: 'DaemonSet' } } });
  expect(findResource('DaemonSet', 'traefik', 'ingress', ds).kind).toBe('DaemonSet');
  expect(() => findResource('Deployment', 'traefik', 'ingress', ds)).toThrow();
});

test('a disabled Traefik removes every route and every Traefik flow', () => {
  const off = synth({ workloads: { traefik: { enabled: false } } });
  expect(off.charts.flatMap((c) => c.objects).filter((o) => o.kind === 'IngressRoute')).toEqual([]);
  expect(flows(off).some((f) => peerKey(f.from) === peerKey(traefik))).toBe(false);
  expect(JSON.stringify(workloadPolicy('monitoring', 'grafana', off).spec)).not.toContain('traefik');
  expect(workloadPeer('ingress', 'traefik')).toEqual(traefik);
});
