/**
 * Traefik v3.6.6 (the `traefik:v3.6.6` library image): the static flags the stack passes, what the library
 * entrypoint does with them, the user, and the API access the kubernetescrd provider needs. The provider's
 * informer setup was read in pkg/provider/kubernetes/crd/client.go at the tag's commit (WatchAll); the image
 * recipe in traefik/traefik-library-image at its v3.6.6 commit. Those two are code and carry no check; the
 * reference docs are mirrored in ../shared/upstream and are checked.
 */
import { factTable } from '../upstream';

const CLI_REF = 'docs/content/reference/static-configuration/cli-ref.md';
const CRD_DOC = 'docs/content/reference/install-configuration/providers/kubernetes/kubernetes-crd.md';
const CLIENT = 'pkg/provider/kubernetes/crd/client.go';

/**
 * Every static flag the stack passes, in cli-ref.md's spelling (lower case, entry point names as `<name>`).
 * Traefik matches flag names case-insensitively, so `--entryPoints.web.address` is `--entrypoints.<name>.address`.
 */
export const TRAEFIK_CLI_FLAGS = [
  '--accesslog',
  '--accesslog.format',
  '--api.dashboard',
  '--entrypoints.<name>.address',
  '--entrypoints.<name>.http.redirections.entrypoint.permanent',
  '--entrypoints.<name>.http.redirections.entrypoint.scheme',
  '--entrypoints.<name>.http.redirections.entrypoint.to',
  '--entrypoints.<name>.http.tls',
  '--global.checknewversion',
  '--global.sendanonymoususage',
  '--log.level',
  '--metrics.prometheus',
  '--metrics.prometheus.entrypoint',
  '--ping',
  '--providers.file.directory',
  '--providers.file.watch',
  '--providers.kubernetescrd',
  '--providers.kubernetescrd.allowcrossnamespace',
  '--providers.kubernetescrd.disableclusterscoperesources',
  '--providers.kubernetescrd.namespaces',
] as const;

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export const TRAEFIK_FACTS = factTable('traefik', {
  cliFlags: {
    fact: 'each static flag the stack passes is in the v3.6.6 CLI reference',
    value: TRAEFIK_CLI_FLAGS,
    upstream: 'traefik',
    path: CLI_REF,
    // One lookahead per flag: the reference lists each as a `--flag`: heading.
    check: { matches: new RegExp(`^${TRAEFIK_CLI_FLAGS.map((f) => `(?=[\\s\\S]*^\`${escape(f)}\`:)`).join('')}`, 'm') },
  },
  pingEntryPoint: {
    fact: 'ping is served on the entry point named `traefik` unless --ping.entrypoint says otherwise',
    value: 'traefik',
    upstream: 'traefik',
    path: CLI_REF,
    check: { matches: /`--ping\.entrypoint`:\s*\nEntryPoint \(Default: ```traefik```\)/ },
  },
  crdNamespaces: {
    fact: 'providers.kubernetesCRD.namespaces lists the namespaces to watch; empty means all namespaces',
    value: 'Array of namespaces to watch.<br />If left empty, watch all namespaces.',
    upstream: 'traefik',
    path: CRD_DOC,
    check: { contains: 'Array of namespaces to watch.<br />If left empty, watch all namespaces.' },
  },
  crdDisableClusterScope: {
    fact: 'disableClusterScopeResources stops the IngressClass and Nodes lookups (and NodePortLB)',
    value: ['IngressClass', 'Nodes'],
    upstream: 'traefik',
    path: CRD_DOC,
    check: { contains: 'Prevent from discovering cluster scope resources (`IngressClass` and `Nodes`)' },
  },
  crdExternalClient: {
    fact: "outside a pod the CRD provider reaches an API server through --providers.kubernetescrd.endpoint, a bearer token (a value or a file path) and a CA file (test/lib/traefik-real.ts points it at the test control plane with Traefik's ServiceAccount token)",
    value: ['--providers.kubernetescrd.endpoint', '--providers.kubernetescrd.token', '--providers.kubernetescrd.certauthfilepath'],
    upstream: 'traefik',
    path: CLI_REF,
    check: {
      matches:
        /^`--providers\.kubernetescrd\.certauthfilepath`:[\s\S]*^`--providers\.kubernetescrd\.endpoint`:[\s\S]*^`--providers\.kubernetescrd\.token`:\s*\nKubernetes bearer token \(not needed for in-cluster client\)\. It accepts either a token value or a file path to the token\./m,
    },
  },
  crdNamespacedInformers: {
    fact: 'WatchAll starts, for every watched namespace (one namespaced informer factory each, so a Role per namespace suffices), informers for the 10 Traefik CRDs, Services, EndpointSlices, ConfigMaps and Secrets (label selector owner!=helm), and waits for all caches to sync before any route loads',
    value: {
      '': ['configmaps', 'secrets', 'services'],
      'discovery.k8s.io': ['endpointslices'],
      'traefik.io': [
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
      ],
    },
    upstream: 'traefik',
    path: CLIENT,
  },
  crdClusterInformers: {
    fact: 'the only cluster-scoped informer of the CRD provider is Nodes, started unless disableClusterScopeResources is set',
    value: ['nodes'],
    upstream: 'traefik',
    path: CLIENT,
  },
  crdReadsFromCaches: {
    fact: 'the CRD client reads only through informer listers (list + watch); it issues no get and writes no status at v3.6.6',
    value: ['list', 'watch'],
    upstream: 'traefik',
    path: CLIENT,
  },
  crossNamespaceNeedsWatch: {
    fact: 'a Service or TraefikService in a namespace that is not watched is refused ("namespace is not within watched namespaces")',
    value: 'isWatchedNamespace',
    upstream: 'traefik',
    path: CLIENT,
  },
  ingressProviderInformers: {
    fact: 'the kubernetesingress provider (not used) would also watch Ingresses, Services, EndpointSlices and Secrets per namespace, plus IngressClasses and Nodes cluster-wide',
    value: ['ingresses', 'services', 'endpointslices', 'secrets', 'ingressclasses', 'nodes'],
    upstream: 'traefik',
    path: 'pkg/provider/kubernetes/ingress/client.go',
  },
  ipAllowListNeedsRanges: {
    fact: 'an ipAllowList middleware with an empty sourceRange fails to build ("sourceRange is empty"), so routes using it do not load',
    value: 'sourceRange is empty, IPAllowLister not created',
    upstream: 'traefik',
    path: 'pkg/middlewares/ipallowlist/ip_allowlist.go',
  },
  upstreamRbac: {
    fact: "upstream's kubernetes-crd-rbac.yml: one ClusterRole reading services, secrets, nodes, configmaps, pods (get, for OTel only), endpointslices, ingresses (+status update) and the 10 Traefik CRDs",
    value: [
      { apiGroups: [''], resources: ['services', 'secrets', 'nodes', 'configmaps'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['get'] },
      { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list', 'watch'] },
      { apiGroups: ['extensions', 'networking.k8s.io'], resources: ['ingresses', 'ingressclasses'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: ['extensions', 'networking.k8s.io'], resources: ['ingresses/status'], verbs: ['update'] },
      {
        apiGroups: ['traefik.io'],
        resources: [
          'middlewares',
          'middlewaretcps',
          'ingressroutes',
          'traefikservices',
          'ingressroutetcps',
          'ingressrouteudps',
          'tlsoptions',
          'tlsstores',
          'serverstransports',
          'serverstransporttcps',
        ],
        verbs: ['get', 'list', 'watch'],
      },
    ],
    upstream: 'traefik',
    path: 'docs/content/reference/dynamic-configuration/kubernetes-crd-rbac.yml',
    check: { yaml: (docs) => (docs.find((d) => (d as { kind?: string }).kind === 'ClusterRole') as { rules: unknown[] }).rules },
  },
  imageEntrypoint: {
    fact: 'the library image runs /entrypoint.sh with CMD traefik; when the first argument starts with "-" it prepends `traefik` (and once more if `traefik traefik --help` succeeds: the CLI parser, traefik/paerser cli/commands.go execute, runs the root command for a leading `traefik`), so args-only containers start Traefik with those flags',
    value: { entrypoint: ['/entrypoint.sh'], cmd: ['traefik'], dashPrefix: 'traefik' },
    upstream: 'traefik-library-image',
    path: 'v3.6/alpine/entrypoint.sh',
  },
  imageUser: {
    fact: 'the v3.6 alpine image has no USER (root by default), EXPOSE 80 only, no VOLUME, and the binary at /usr/local/bin/traefik is chmod +x: any non-root UID can run it, and no path must be writable',
    value: { user: null, expose: [80], volumes: [], binary: '/usr/local/bin/traefik' },
    upstream: 'traefik-library-image',
    path: 'v3.6/alpine/Dockerfile',
  },
  // Issue 18: what Traefik serves from the file provider's configuration (read in the code at the tag; no check).
  tlsStoreCertificatesOnly: {
    fact: "a ClientHello is answered from the TLS store's certificates (tls.certificates, by SNI, else the local address); with sniStrict on the TLS option and no match GetCertificate returns no certificate and the handshake fails; the store's defaultCertificate is served only when sniStrict is off",
    value: { lookup: 'store.GetBestCertificate', sniStrictNoMatch: 'nil', defaultOnlyWithoutSniStrict: true },
    upstream: 'traefik',
    path: 'pkg/tls/tlsmanager.go',
  },
  tlsDefaultGeneratedCertificate: {
    fact: "without sniStrict, a ClientHello no store certificate matches (or without a server name) gets the store's default certificate, which Traefik generates self-signed for the name TRAEFIK DEFAULT CERT when none is configured; the request is then routed by its Host header (measured live: test/traefik-live.test.ts)",
    value: { fallback: 'store.GetDefaultCertificate', generatedName: 'TRAEFIK DEFAULT CERT' },
    upstream: 'traefik',
    path: 'pkg/tls/generate/generate.go',
  },
  accessLogRequestPathWithQuery: {
    fact: "the access log's RequestPath field is the request URI without scheme and host but with its raw query (a presigned URL's X-Amz-Signature included); it is a core field, kept unless fields.names.RequestPath (or fields.defaultMode) is drop",
    value: { field: 'RequestPath', query: 'RawQuery' },
    upstream: 'traefik',
    path: 'pkg/middlewares/accesslog/logger.go',
  },
  routerAccessLogsOff: {
    fact: "a router's observability.accessLogs: false turns the access log off for that router while it stays on for the others (nil means on); the IngressRoute CRD carries it per route (spec.routes[].observability)",
    value: { field: 'observability.accessLogs', unset: 'on' },
    upstream: 'traefik',
    path: 'pkg/server/middleware/observability.go',
  },
  tlsCertificateDefaultStore: {
    fact: 'a tls.certificates entry without stores goes to the store named default',
    value: 'default',
    upstream: 'traefik',
    path: 'pkg/tls/tlsmanager.go',
  },
  tlsWildcardOneLabel: {
    fact: 'a certificate name *.d matches a server name of exactly one more label than d (matchDomain), so *.domus.lan covers grafana.domus.lan, not a.b.domus.lan or domus.lan itself',
    value: 'one label',
    upstream: 'traefik',
    path: 'pkg/tls/certificate_store.go',
  },
  redirectPort: {
    fact: "entryPoint redirection `to` is either `:<port>` (that port) or an entry point name (the port of that entry point's address, e.g. :8443), set as the redirectScheme middleware's port",
    value: { port: '^:(\\d+)$', entryPoint: 'getEntryPointPort' },
    upstream: 'traefik',
    path: 'pkg/provider/traefik/internal.go',
  },
  redirectSchemeDefaultPorts: {
    fact: 'the redirectScheme middleware leaves the port out of the Location only for http:80 and https:443',
    value: { http: '80', https: '443' },
    upstream: 'traefik',
    path: 'pkg/middlewares/redirect/redirect_scheme.go',
  },
  fileProviderExtensions: {
    fact: 'the file provider in directory mode loads the files ending in .toml, .yaml or .yml (any other file of /vault/secrets is ignored)',
    value: ['.toml', '.yaml', '.yml'],
    upstream: 'traefik',
    path: 'pkg/provider/file/file.go',
  },
  crdProviderReference: {
    fact: "an IngressRoute service's serversTransport (and a middleware reference) holding `@` is taken as a provider-qualified name as written (e.g. name@file); otherwise it names an object of the route's namespace",
    value: '@',
    upstream: 'traefik',
    path: 'pkg/provider/kubernetes/crd/kubernetes_http.go',
  },
  serversTransportRootCAs: {
    fact: "a ServersTransport's rootCAs is a list of FileOrContent: a path when the file exists, else the PEM itself (so the Vault template can inline the CA)",
    value: { field: 'rootCAs', type: 'FileOrContent' },
    upstream: 'traefik',
    path: 'pkg/config/dynamic/http_config.go',
  },
  fileOrContent: {
    fact: 'FileOrContent.Read reads the file when os.Stat succeeds on the value, else returns the value',
    value: 'os.Stat',
    upstream: 'traefik',
    path: 'pkg/types/file_or_content.go',
  },
  forwardedHeadersUntrusted: {
    fact: 'unless forwardedHeaders.insecure or the peer is in trustedIPs, the entry point deletes the X-Forwarded-* headers a client sent before any middleware runs',
    value: 'removes X-Forwarded-For from untrusted peers',
    upstream: 'traefik',
    path: 'pkg/middlewares/forwardedheaders/forwarded_header.go',
  },
  ipStrategyDepth: {
    fact: "ipStrategy.depth takes the address at that position from the right of X-Forwarded-For (excludedIPs scans it too); without ipStrategy the ipAllowList compares the connection's remote address",
    value: { depth: 'X-Forwarded-For', default: 'RemoteAddr' },
    upstream: 'traefik',
    path: 'pkg/ip/strategy.go',
  },
  backendVerifyStatus: {
    fact: 'a backend certificate that does not verify is a tls.CertificateVerificationError; ComputeStatusCode answers it with 500 (net errors 502/504)',
    value: 500,
    upstream: 'traefik',
    path: 'pkg/proxy/httputil/proxy.go',
  },
});
