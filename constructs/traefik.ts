/**
 * Traefik (namespace `ingress`): the only door from the LAN into the cluster.
 *
 * - Deployment (default) or DaemonSet behind a LoadBalancer Service (k3s ServiceLB or Cilium LB-IPAM), no
 *   hostPort, so the namespace stays `restricted`. externalTrafficPolicy Local keeps client addresses for the
 *   admin allowlist.
 * - Entrypoints web :8000 (redirects to https), websecure :8443 (TLS), traefik :8080 (ping/API, in-pod only),
 *   metrics :9100 (scraped by Prometheus).
 * - TLS from Vault PKI: the Vault agent renders a dynamic-config file holding the wildcard certificate inline;
 *   Traefik's file provider watches /vault/secrets, so a renewed certificate is picked up without a restart.
 * - Egress only to routed backends (added by each httpsRoute), the API server and DNS.
 */
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { IngressRoute, IngressRouteSpecRoutesKind, IngressRouteSpecRoutesServicesKind, IngressRouteSpecRoutesServicesPort } from '../imports/traefik-ingressroute-traefik.io';
import { imageOf, tagOf } from '../config/versions';
import { StackContext } from './lib/context';
import { adminAllowList } from './lib/ingress';
import { entity } from './lib/network';
import { READ } from './lib/rbac';
import { PkiCertificate, pkiIssuePath, pkiSecretCall } from './lib/vault';
import { Workload } from './lib/workload';

export const TRAEFIK_UID = 65532;

export class Traefik extends Construct {
  readonly workload: Workload;

  constructor(scope: Construct, id: string, ctx: StackContext) {
    super(scope, id);
    const site = ctx.site;
    const cfg = site.workloads.traefik;
    const ns = site.namespaces.ingress;
    const domain = site.cluster.domain;
    const cert: PkiCertificate = { commonName: `*.${domain}`, altNames: [domain], ttl: '720h' };

    // The dynamic configuration Traefik's file provider reads, rendered by the Vault agent with the PEMs inline.
    const tlsTemplate = [
      `{{- with ${pkiSecretCall(site, cert)} -}}`,
      'tls:',
      '  stores:',
      '    default:',
      '      defaultCertificate:',
      '        certFile: |',
      '{{ .Data.certificate | indent 10 }}',
      '{{ .Data.issuing_ca | indent 10 }}',
      '        keyFile: |',
      '{{ .Data.private_key | indent 10 }}',
      '  options:',
      '    default:',
      '      minVersion: VersionTLS12',
      '      sniStrict: true',
      '{{- end }}',
    ].join('\n');

    const lb = site.loadBalancer;
    const lbIp = lb.ingressIp;
    this.workload = new Workload(this, 'traefik', ctx, {
      name: 'traefik',
      namespace: ns,
      partOf: 'ingress',
      version: tagOf('traefik', cfg.version),
      kind: cfg.kind,
      replicas: cfg.replicas,
      user: { uid: TRAEFIK_UID, gid: TRAEFIK_UID },
      containers: [
        {
          name: 'traefik',
          image: imageOf('traefik', cfg.version),
          args: [
            '--entryPoints.web.address=:8000/tcp',
            '--entryPoints.web.http.redirections.entryPoint.to=websecure',
            '--entryPoints.web.http.redirections.entryPoint.scheme=https',
            '--entryPoints.web.http.redirections.entryPoint.permanent=true',
            '--entryPoints.websecure.address=:8443/tcp',
            '--entryPoints.websecure.http.tls=true',
            '--entryPoints.traefik.address=:8080/tcp',
            '--entryPoints.metrics.address=:9100/tcp',
            '--api.dashboard=true',
            '--ping=true',
            '--metrics.prometheus=true',
            '--metrics.prometheus.entryPoint=metrics',
            '--accesslog=true',
            '--accesslog.format=json',
            '--log.level=INFO',
            '--global.checkNewVersion=false',
            '--global.sendAnonymousUsage=false',
            '--providers.kubernetescrd=true',
            '--providers.kubernetescrd.allowCrossNamespace=false',
            '--providers.kubernetesingress=true',
            '--providers.file.directory=/vault/secrets',
            '--providers.file.watch=true',
          ],
          ports: [
            { name: 'web', port: 8000, servicePort: 80 },
            { name: 'websecure', port: 8443, servicePort: 443 },
            { name: 'traefik', port: 8080, expose: false },
            { name: 'metrics', port: 9100, expose: false },
          ],
          resources: cfg.resources,
          liveness: { http: { path: '/ping', port: 'traefik' }, periodSeconds: 10, failureThreshold: 3 },
          readiness: { http: { path: '/ping', port: 'traefik' }, periodSeconds: 10, failureThreshold: 1, initialDelaySeconds: 2 },
          writable: ['/tmp', '/data'],
        },
      ],
      service: {
        type: 'LoadBalancer',
        externalTrafficPolicy: 'Local',
        ...(lbIp ? { loadBalancerIP: lbIp } : {}),
        ...(lb.provider === 'cilium' && lb.ingressIp ? { annotations: { 'io.cilium/lb-ipam-ips': lb.ingressIp } } : {}),
      },
      // Exactly what the kubernetescrd and kubernetesingress providers of Traefik v3.6 watch. No secrets:
      // certificates come from the file provider, and no route references a Secret.
      clusterRules: [
        { apiGroups: [''], resources: ['services', 'nodes'], verbs: READ },
        { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list', 'watch'] },
        { apiGroups: ['networking.k8s.io'], resources: ['ingresses', 'ingressclasses'], verbs: READ },
        { apiGroups: ['networking.k8s.io'], resources: ['ingresses/status'], verbs: ['update'] },
        {
          apiGroups: ['traefik.io'],
          resources: ['ingressroutes', 'ingressroutetcps', 'ingressrouteudps', 'middlewares', 'middlewaretcps', 'serverstransports', 'serverstransporttcps', 'tlsoptions', 'tlsstores', 'traefikservices'],
          verbs: READ,
        },
      ],
      vault: {
        secrets: [{ name: 'tls.yml', path: pkiIssuePath(site), capability: 'update', template: tlsTemplate, perms: '0400', pki: cert }],
      },
      metrics: [{ port: 'metrics' }],
    });

    // The LAN reaches the entrypoints; ServiceLB forwards from the node, so `host` too.
    this.workload.allowFrom(entity('world'), ['web', 'websecure'], 'clients on the LAN reach Traefik');
    this.workload.allowFrom(entity('host'), ['web', 'websecure'], 'ServiceLB forwards LAN traffic from the node');
    if (ctx.multiNode) this.workload.allowFrom(entity('remote-node'), ['web', 'websecure'], 'ServiceLB on other nodes forwards traffic');
    ctx.allowApiServer(this.workload.peer, 'Traefik watches routes, services and endpoints');

    // Dashboard (api@internal) behind the admin allowlist.
    const allow = adminAllowList(this, 'admin-allowlist', ctx, ns);
    new IngressRoute(this, 'dashboard', {
      metadata: { name: 'traefik-dashboard', namespace: ns, labels: { 'app.kubernetes.io/managed-by': 'cdk8s', 'app.kubernetes.io/name': 'traefik' } },
      spec: {
        entryPoints: ['websecure'],
        routes: [
          {
            kind: IngressRouteSpecRoutesKind.RULE,
            match: `Host(\`${ctx.host('traefik')}\`)`,
            middlewares: [{ name: allow, namespace: ns }],
            services: [{ name: 'api@internal', kind: IngressRouteSpecRoutesServicesKind.TRAEFIK_SERVICE }],
          },
        ],
        tls: {},
      },
    });

    // Hubble UI (Cilium, kube-system) behind the allowlist, when enabled.
    if (site.cilium.hubbleUi) {
      const hubble = { kind: 'pods' as const, namespace: 'kube-system', labels: { 'k8s-app': 'hubble-ui' } };
      const hubbleAllow = adminAllowList(this, 'hubble-allowlist', ctx, 'kube-system');
      ctx.net.allowPorts(this.workload.peer, hubble, [{ port: 8081, protocol: 'TCP' }], `Traefik routes https://${ctx.host('hubble')}`);
      new IngressRoute(this, 'hubble', {
        metadata: { name: 'hubble-ui', namespace: 'kube-system', labels: { 'app.kubernetes.io/managed-by': 'cdk8s', 'app.kubernetes.io/name': 'hubble-ui' } },
        spec: {
          entryPoints: ['websecure'],
          routes: [
            {
              kind: IngressRouteSpecRoutesKind.RULE,
              match: `Host(\`${ctx.host('hubble')}\`)`,
              middlewares: [{ name: hubbleAllow, namespace: 'kube-system' }],
              services: [{ name: 'hubble-ui', namespace: 'kube-system', port: IngressRouteSpecRoutesServicesPort.fromNumber(80) }],
            },
          ],
          tls: {},
        },
      });
    }

    // Keep an IngressClass so plain Ingress objects (if a user adds one) land on this Traefik.
    new k8s.KubeIngressClass(this, 'class', {
      metadata: { name: 'traefik', labels: { 'app.kubernetes.io/managed-by': 'cdk8s' }, annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } },
      spec: { controller: 'traefik.io/ingress-controller' },
    });
  }
}
