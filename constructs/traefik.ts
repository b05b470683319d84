/**
 * Traefik (namespace `ingress`): the only door from the LAN into the cluster.
 *
 * - Deployment (default) or DaemonSet behind a LoadBalancer Service (Cilium LB-IPAM or k3s ServiceLB), no
 *   hostPort, so the namespace stays `restricted`. What the Service says and which sources reach the
 *   entrypoints come from constructs/lib/loadbalancer.ts (ADR-0070).
 * - Entrypoints web :8000 (redirects to https), websecure :8443 (TLS), traefik :8080 (ping/API, in-pod only),
 *   metrics :9100 (scraped by Prometheus).
 * - TLS from Vault PKI: the Vault agent renders a dynamic-config file holding the wildcard certificate inline
 *   (a store certificate, so SNI-strict handshakes find it); Traefik's file provider watches /vault/secrets, so
 *   a renewed certificate is picked up without a restart. The routes to backends in namespaces Traefik must not
 *   watch (Hubble in kube-system, Argo CD, apps' `fileRoutes`) live in that file too, with the PKI CA that
 *   verifies HTTPS backends.
 * - Only the kubernetescrd provider, limited to the namespaces holding routes, with one Role each: exactly the
 *   informers Traefik v3.6.6 starts there (conformance/facts/traefik.ts). No cluster-wide access.
 * - Egress only to routed backends (added by each httpsRoute), the API server and DNS.
 */
import { z } from 'zod';
import { cidr, component, res, versionOverride } from '../config/fields';
import { Construct } from 'constructs';
import { IngressRoute, IngressRouteSpecRoutesKind, IngressRouteSpecRoutesServicesKind } from '../imports/traefik-ingressroute-traefik.io';
import { imageOf, tagOf } from '../config/versions';
import { StackContext } from './lib/context';
import { adminAllowList, adminSourceRange, FileRoute, fileRoutesConfig, PKI_CA_PLACEHOLDER, traefikNamespaces } from './lib/ingress';
import { admitLoadBalancer, loadBalancerPlan } from './lib/loadbalancer';
import { lbAddresses } from '../config/loadbalancer';
import { ResourceRule } from './lib/rbac';
import { PkiCertificate, pkiSecretCall, pkiTemplateSecret } from './lib/vault';
import { Workload } from './lib/workload';
import { yamlDoc } from './lib/yaml';
import { alertRule, defineApp } from './lib/app';
import { pods, workloadPeer } from './lib/network';

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

    // The routes Traefik loads from its file provider: the Hubble UI (kube-system) and those the apps declare
    // (`fileRoutes`: backends in namespaces Traefik must not watch; constructs/lib/ingress.ts FileRoute).
    const fileRoutes: FileRoute[] = [...(site.cilium.hubbleUi ? [hubbleRoute()] : []), ...ctx.apps.flatMap((a) => a.fileRoutes?.(site) ?? [])];
    const tlsTemplate = traefikFileTemplate(pkiSecretCall(site, cert), yamlDoc(fileRoutesConfig((l) => ctx.host(l), fileRoutes, adminSourceRange(site))));

    const watched = traefikNamespaces(ctx);
    // Per watched namespace, what the kubernetescrd informers list and watch (they only read their caches, so
    // no `get`). Upstream's ClusterRole differs: docs/adr/0030-traefik-deployment-and-tls.md.
    const informerRules: ResourceRule[] = [
      { apiGroups: [''], resources: ['configmaps', 'secrets', 'services'], verbs: ['list', 'watch'] },
      { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list', 'watch'] },
      { apiGroups: ['traefik.io'], resources: [...TRAEFIK_CRD_RESOURCES], verbs: ['list', 'watch'] },
    ];
    const plan = loadBalancerPlan(site, {
      name: 'traefik',
      namespace: ns,
      ip: lbAddresses(site).ingress,
      wantsClientIp: true,
      backendOnEveryNode: cfg.kind === 'DaemonSet',
    });
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
            // The port clients see (the Service's 443), not websecure's container port: a redirection `to` an
            // entry point name takes that entry point's address port, :8443 (pkg/provider/traefik/internal.go).
            '--entryPoints.web.http.redirections.entryPoint.to=:443',
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
            `--providers.kubernetescrd.namespaces=${watched.join(',')}`,
            '--providers.kubernetescrd.allowCrossNamespace=false',
            // No Nodes informer (only NodePortLB services need it) and so no ClusterRole.
            '--providers.kubernetescrd.disableClusterScopeResources=true',
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
          // Nothing is written outside /tmp: no ACME storage, no plugins, logs to stdout.
          writable: ['/tmp'],
        },
      ],
      service: {
        type: 'LoadBalancer',
        externalTrafficPolicy: plan.externalTrafficPolicy,
        ...(Object.keys(plan.annotations).length ? { annotations: plan.annotations } : {}),
      },
      rules: watched.includes(ns) ? informerRules : [],
      rulesIn: Object.fromEntries(watched.filter((n) => n !== ns).map((n) => [n, informerRules])),
      vault: {
        secrets: [pkiTemplateSecret(site, 'tls.yml', cert, tlsTemplate, { perms: '0400' })],
      },
      metrics: [{ port: 'metrics' }],
    });

    // The LAN reaches the entrypoints along the provider's path, and only along it.
    admitLoadBalancer(ctx, this.workload, plan, ['web', 'websecure']);
    ctx.allowApiServer(this.workload.peer, 'Traefik watches routes, services and endpoints');

    // Dashboard (api@internal) behind the admin allowlist.
    const allow = adminAllowList(this, 'admin-allowlist', ctx, ns);
    ctx.addExposure({ host: 'traefik', audience: 'admin', exposes: 'Traefik dashboard and API (read-only, no login): admin ranges only' });
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

    // The file-provider routes: what each exposes, and the flow to its backend pods (the Hubble UI through its
    // Service in kube-system, Argo CD's server...), without a Role in their namespaces.
    for (const r of fileRoutes) {
      const host = ctx.host(r.subdomain);
      ctx.addExposure({ host: r.subdomain, ...r.exposure });
      if (r.peer.kind === 'workload') {
        ctx.addRoute({ host, namespace: r.peer.namespace, backend: r.peer, service: r.service, servicePort: r.servicePort, podPort: r.podPort, middlewares: [] });
      }
      ctx.net.allowPorts(this.workload.peer, r.peer, [{ port: r.podPort, protocol: 'TCP' }], `Traefik routes https://${host} (file provider)`);
    }
  }
}

/** The Traefik CRDs the kubernetescrd provider of v3.6.6 runs an informer for, per watched namespace. */
export const TRAEFIK_CRD_RESOURCES = [
  'ingressroutes',
  'ingressroutetcps',
  'ingressrouteudps',
  'middlewares',
  'middlewaretcps',
  'serverstransports',
  'serverstransporttcps',
  'tlsoptions',
  'tlsstores',
  'traefikservices',
] as const;

/** The Hubble UI (Service hubble-ui:80 in kube-system, pods k8s-app=hubble-ui on 8081, from the Cilium chart). */
export function hubbleRoute(): FileRoute {
  return {
    subdomain: 'hubble',
    peer: pods('kube-system', { 'k8s-app': 'hubble-ui' }),
    service: 'hubble-ui',
    servicePort: 80,
    podPort: 8081,
    exposure: { audience: 'admin', exposes: 'Hubble UI, every flow of the cluster (no login): admin ranges only' },
  };
}

/**
 * The Vault agent template of Traefik's file-provider configuration: the wildcard certificate under
 * `tls.certificates` (store `default`), the default TLS option (TLS 1.2+, SNI strict) and the `http` section of
 * the file routes, with the PKI CA in place of PKI_CA_PLACEHOLDER (the ServersTransports' rootCAs).
 *
 * Traefik v3.6.6 answers a ClientHello from the store's certificates only (pkg/tls/tlsmanager.go Get:
 * `store.GetBestCertificate`); with sniStrict and no match it returns no certificate and the handshake fails,
 * whatever `tls.stores.default.defaultCertificate` holds. So the certificate is a store certificate, and no
 * default certificate is rendered: with sniStrict it would never be served (ADR-0030).
 */
export function traefikFileTemplate(pkiCall: string, httpYaml: string): string {
  const http = httpYaml
    .trimEnd()
    .split('\n')
    .map((line) => {
      const m = /^( *)- "?@@PKI_CA@@"?$/.exec(line);
      return m ? `${m[1]}- |\n{{ .Data.issuing_ca | indent ${m[1]!.length + 4} }}` : line;
    })
    .join('\n');
  if (http.includes(PKI_CA_PLACEHOLDER)) throw new Error('the PKI CA placeholder is not a list item of its own');
  return [
    `{{- with ${pkiCall} -}}`,
    'tls:',
    '  certificates:',
    '    - certFile: |',
    '{{ .Data.certificate | indent 8 }}',
    '{{ .Data.issuing_ca | indent 8 }}',
    '      keyFile: |',
    '{{ .Data.private_key | indent 8 }}',
    '      stores:',
    '        - default',
    '  options:',
    '    default:',
    '      minVersion: VersionTLS12',
    '      sniStrict: true',
    http,
    '{{- end }}',
  ].join('\n');
}

/** `site.workloads.traefik`: this app's slice of the site schema (config/schema.ts composes it from the registry). */
export const traefikSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    /**
     * One pod per node, so whichever node holds the LoadBalancer address serves it locally and keeps the
     * client address (externalTrafficPolicy Local; ADR-0070); or a Deployment of `replicas`.
     * @default 'DaemonSet'
     */
    kind: z.enum(['Deployment', 'DaemonSet']).default('DaemonSet'),
    ...versionOverride,
    ...component({ resources: res('100m', '128Mi', '256Mi') }),
    /**
     * Source ranges allowed to reach the admin UIs (Prometheus, Traefik dashboard, Hubble). Needs a provider
     * that keeps client addresses; [] leaves them to `kubectl port-forward`.
     * @default [cluster.lanCidr] with provider cilium, [] with servicelb (config/addresses.ts).
     */
    adminAllowCidrs: z.array(cidr).default(['192.168.10.0/24']),
  })
  .prefault({});

/** Traefik, its dashboard and the Hubble UI route: chart `ingress`. */
declare module '../config/schema' {
  /** `site.workloads.traefik`, typed by this file's schema (config/schema.ts SiteWorkloads). */
  interface SiteWorkloads {
    readonly traefik: z.output<typeof traefikSchema>;
  }
}

export const traefikApp = defineApp({
  key: 'traefik',
  schema: traefikSchema,
  replicated: [['replicas']],
  siteIssues: (site) => {
    const t = site.workloads.traefik;
    return t.kind === 'DaemonSet' && t.replicas !== 1
      ? [{ path: ['replicas'], value: t.replicas, message: '1 when kind is "DaemonSet" (one pod per node; replicas does not apply)' }]
      : [];
  },
  namespace: { key: 'ingress', podSecurity: 'restricted' },
  chart: 'ingress',
  wave: -2,
  images: ['traefik'],
  enabled: (site) => site.workloads.traefik.enabled,
  routed: true,
  roles: { ingress: (site) => workloadPeer(site.namespaces.ingress, 'traefik') },
  build: (chart, ctx) => {
    new Traefik(chart, 'traefik', ctx);
  },
  dashboards: () => [
    {
      uid: 'domus-traefik',
      title: 'Traefik',
      panels: [
        { title: 'Requests/s by entrypoint', expr: 'sum by (entrypoint) (rate(traefik_entrypoint_requests_total[5m]))' },
        { title: 'Requests/s by service and code', expr: 'sum by (service, code) (rate(traefik_service_requests_total[5m]))' },
        { title: 'p95 latency by service', expr: 'histogram_quantile(0.95, sum by (service, le) (rate(traefik_service_request_duration_seconds_bucket[5m])))', unit: 's' },
      ],
    },
  ],
  alerts: () => [
    alertRule(
      'TraefikServerErrors',
      'sum by (entrypoint) (rate(traefik_entrypoint_requests_total{code=~"5.."}[5m])) / sum by (entrypoint) (rate(traefik_entrypoint_requests_total[5m])) > 0.05',
      '10m',
      'warning',
      'Traefik: over 5% server errors on {{ $labels.entrypoint }}',
      'Backends behind Traefik fail requests.',
    ),
  ],
  mustDeny: [
    { from: 'world', to: 'ingress/traefik', port: 8080, why: 'the Traefik API/dashboard entry point is pod-local: only via the allowlisted route' },
    { from: 'world', to: 'ingress/traefik', port: 9100, why: 'Traefik metrics are for Prometheus only' },
  ],
});
