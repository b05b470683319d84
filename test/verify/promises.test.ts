/**
 * Every promise of the README has a check in `npm run verify`, and each check fails when a careless or
 * hostile commit breaks the promise: the synthesized stack (the default site, as in dist/) is edited the way
 * such a commit would edit the YAML, and the full set of verify checks must report an error a reviewer
 * understands. The unedited stack has no error, so each failure comes from the edit.
 * docs/verify.md ("Promises") lists the same promises with the check that guards each.
 */
import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import { EXAMPLE_CA_PEM } from '../../config/trust';
import { validateSite } from '../../config/load';
import { runChecks } from '../../verify/cli';
import { checkCredentials } from '../../verify/checks/credentials';
import { checkExposure, evalRule, parseRule } from '../../verify/checks/exposure';
import { checkFlowsDeclared } from '../../verify/checks/flows';
import { checkPromises } from '../../verify/checks/promises';
import { cachedLoadDist as loadDist } from '../lib/dist-cache';
import { Context, Doc, Finding, KubeObj } from '../../verify/types';
import { synth } from '../helpers';
import { FULL_BUDGET } from '../tier';
import { siteContext } from './site-context';

const site = validateSite({});
/** A throwaway key made at test time (no key material in the repository). */
const PRIVATE_KEY = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
const baseContext = siteContext(site, synth().files);
const base = { docs: baseContext.docs, files: baseContext.files };

type Obj = KubeObj & { spec: Record<string, unknown> & { template?: { spec: PodSpecish } } };
interface PodSpecish {
  containers: {
    name: string;
    image: string;
    args?: string[];
    env?: { name: string; value?: string }[];
    securityContext?: Record<string, unknown>;
    resources: { requests: Record<string, string>; limits: Record<string, string> };
  }[];
}

function context(mutate?: (objs: Obj[]) => void): Context {
  const objs = base.docs.map((d) => structuredClone(d.obj) as Obj);
  mutate?.(objs);
  const docs: Doc[] = objs.map((obj, i) => ({ obj, file: base.docs[i]?.file ?? 'mutated.yaml', line: base.docs[i]?.line ?? 1 }));
  return { ...baseContext, docs };
}
const errors = (fs: Finding[]) => fs.filter((f) => f.severity === 'error').map((f) => `${f.check}: ${f.message}${f.object ? ` [${f.object}]` : ''}`);
/**
 * The whole of verify on the edited stack; with `checks`, outside the full budget (test/tier.ts), only those
 * checks (runChecks' `only`): a full run per edit was most of this file's time (issue 22). CI runs them all.
 */
const verify = (mutate?: (objs: Obj[]) => void, checks?: readonly string[]) =>
  errors(runChecks(context(mutate), { maxShare: 0.8, ...(checks && !FULL_BUDGET ? { only: new Set(checks) } : {}) }).findings);

/**
 * The checks (runChecks' names) whose findings start with each prefix the edits below expect. A prefix missing
 * here fails the test; a wrong entry fails it too (the expected finding is not reported), never passes it.
 */
const CHECKS_OF: Readonly<Record<string, readonly string[]>> = {
  'pod-security': ['pod-security', 'promises'],
  rbac: ['rbac', 'promises'],
  flows: ['flows'],
  network: ['network'],
  credentials: ['credentials'],
  secrets: ['secrets'],
  images: ['promises'],
  gitops: ['promises'],
  resources: ['promises'],
  capacity: ['capacity'],
  exposure: ['exposure'],
  traefik: ['traefik'],
};
const checksFor = (expected: RegExp): readonly string[] => {
  const prefix = /^\^([a-z-]+):/.exec(expected.source)?.[1];
  const checks = prefix === undefined ? undefined : CHECKS_OF[prefix];
  if (!checks) throw new Error(`no entry in CHECKS_OF for the findings ${expected.source} expects`);
  return checks;
};

const get = (objs: Obj[], kind: string, name: string, namespace?: string): Obj => {
  const o = objs.find((x) => x.kind === kind && x.metadata.name === name && (namespace === undefined || x.metadata.namespace === namespace));
  if (!o) throw new Error(`no ${kind} ${namespace}/${name}`);
  return o;
};
const grafanaPod = (objs: Obj[]) => get(objs, 'Deployment', 'grafana', 'monitoring').spec.template!.spec;
const cnp = (objs: Obj[], ns: string, name: string) => get(objs, 'CiliumNetworkPolicy', name, ns).spec as { ingress?: unknown[]; egress?: unknown[] };
const traefikArgs = (objs: Obj[]) => get(objs, 'DaemonSet', 'traefik', 'ingress').spec.template!.spec.containers[0]!.args!;
/** Edits the file provider's configuration where Traefik's pod carries it: the Vault agent template annotation. */
const editFileConfig = (objs: Obj[], edit: (template: string) => string) => {
  const a = (get(objs, 'DaemonSet', 'traefik', 'ingress').spec.template as unknown as { metadata: { annotations: Record<string, string> } }).metadata.annotations;
  const key = 'vault.hashicorp.com/agent-inject-template-tls.yml';
  const next = edit(a[key]!);
  if (next === a[key]) throw new Error('the edit changed nothing');
  a[key] = next;
};
const route = (objs: Obj[], ns: string, name: string) => (get(objs, 'IngressRoute', name, ns).spec as { routes: { match: string; middlewares?: unknown[] }[] }).routes[0]!;

test('the synthesized stack keeps every promise (no error without an edit)', () => {
  expect(verify()).toEqual([]);
});

describe.each<[string, string, (objs: Obj[]) => void, RegExp]>([
  // least privilege for every pod
  [
    'least privilege (pods)',
    'a privileged container',
    (o) => void (grafanaPod(o).containers[0]!.securityContext!.privileged = true),
    /^pod-security: restricted: grafana: privileged \[Deployment monitoring\/grafana\]/,
  ],
  [
    'least privilege (RBAC)',
    'a ServiceAccount bound to cluster-admin',
    (o) =>
      void o.push({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: 'grafana-admin' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
        subjects: [{ kind: 'ServiceAccount', name: 'grafana', namespace: 'monitoring' }],
      } as unknown as Obj),
    /^rbac: binding to cluster-admin/,
  ],
  // every flow declared, everything else denied
  [
    'deny by default',
    'egress to the world added to a pod',
    (o) => void cnp(o, 'monitoring', 'grafana').egress!.push({ toEntities: ['world'] }),
    /^flows: undeclared flow allowed: monitoring\/grafana → world:every port\/ANY, by CiliumNetworkPolicy monitoring\/grafana egress rule \d+/,
  ],
  [
    'deny by default',
    'ingress from the world added to Prometheus',
    (o) => void cnp(o, 'monitoring', 'prometheus').ingress!.push({ fromEntities: ['world'], toPorts: [{ ports: [{ port: '9090', protocol: 'TCP' }] }] }),
    /^flows: undeclared flow allowed: world → monitoring\/prometheus:9090\/TCP, by CiliumNetworkPolicy monitoring\/prometheus ingress rule \d+/,
  ],
  [
    'deny by default',
    'a CIDR rule that opens 0.0.0.0/0:443 for MinIO',
    (o) => void cnp(o, 'storage', 'minio').egress!.push({ toCIDR: ['0.0.0.0/0'], toPorts: [{ ports: [{ port: '443', protocol: 'TCP' }] }] }),
    /^flows: undeclared flow allowed: storage\/minio → world:443\/TCP/,
  ],
  [
    'deny by default',
    'a declared flow widened to every port on both ends (Grafana → Prometheus)',
    (o) => {
      cnp(o, 'monitoring', 'grafana').egress!.push({ toEndpoints: [{ matchLabels: { 'k8s:io.kubernetes.pod.namespace': 'monitoring', 'app.kubernetes.io/name': 'prometheus' } }] });
      cnp(o, 'monitoring', 'prometheus').ingress!.push({
        fromEndpoints: [{ matchLabels: { 'k8s:io.kubernetes.pod.namespace': 'monitoring', 'app.kubernetes.io/name': 'grafana' } }],
      });
    },
    /^flows: undeclared flow allowed: monitoring\/grafana → monitoring\/prometheus:every port\/ANY/,
  ],
  [
    'deny by default',
    'egress to every pod of a namespace outside the stack',
    (o) => void cnp(o, 'monitoring', 'grafana').egress!.push({ toEndpoints: [{ matchLabels: { 'k8s:io.kubernetes.pod.namespace': 'default' } }] }),
    /^flows: CiliumNetworkPolicy monitoring\/grafana egress rule \d+ selects pods the model does not know/,
  ],
  [
    'deny by default',
    'the namespace default-deny deleted',
    (o) => void o.splice(o.indexOf(get(o, 'NetworkPolicy', 'default-deny', 'monitoring')), 1),
    /^network: namespace monitoring has pods but no policy that denies ingress and egress for all of them/,
  ],
  // no credentials in git
  [
    'no credentials in git',
    'a token pasted into a ConfigMap',
    (o) =>
      void o.push({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'notes', namespace: 'monitoring' },
        data: { 'git.txt': `https://ghp_${'wWPw5k4aXcaT4fNP0UcnZwJUVFk6LO0pINUx'}@github.com/me/x.git` },
      } as unknown as Obj),
    /^credentials: credential in git: .*GitHub Token.* \[ConfigMap monitoring\/notes\]/,
  ],
  [
    'no credentials in git',
    'a token as user name in an Application repoURL',
    (o) => void ((get(o, 'Application', 'storage').spec.source as { repoURL: string }).repoURL = 'https://x-access-token:abc123@git.domus.lan/homelab/domus-digitalis-stack.git'),
    /^credentials: credential in git: spec.source.repoURL is a URL with user info/,
  ],
  [
    'no credentials in git',
    'a private key pasted after the Vault CA in the injector',
    (o) =>
      void get(o, 'Deployment', 'vault-agent-injector', 'vault').spec.template!.spec.containers[0]!.env!.push({
        name: 'AGENT_INJECT_VAULT_CACERT_BYTES',
        value: `${EXAMPLE_CA_PEM}${PRIVATE_KEY}`,
      }),
    /^credentials: credential in git: found private key.*\[private ?key\] \[Deployment vault\/vault-agent-injector\]/,
  ],
  [
    'no credentials in git',
    'a Dex clientSecret written inline (JSON-style quoted key) in argocd-cm',
    (o) =>
      void ((get(o, 'ConfigMap', 'argocd-cm', 'argocd').data as Record<string, string>)['dex.config'] =
        '{"connectors":[{"type":"oidc","id":"x","name":"x","config":{"clientSecret":"hunter2"}}]}'),
    /^credentials: dex.config: secrets referenced as \$dex.<key> .*connectors\[0\].config.clientSecret holds a value \[ConfigMap argocd\/argocd-cm\]/,
  ],
  [
    'no credentials in git',
    'a token behind a secretlint-disable comment',
    (o) =>
      void o.push({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'quiet', namespace: 'monitoring' },
        data: { 'notes.sh': `# secretlint-disable\nexport GITHUB_TOKEN=ghp_${'wWPw5k4aXcaT4fNP0UcnZwJUVFk6LO0pINUx'} # secretlint-disable-line\n` },
      } as unknown as Obj),
    /^credentials: credential in git: .*GitHub Token.* \[ConfigMap monitoring\/quiet\]/,
  ],
  [
    'no credentials in git',
    'a Secret with data',
    (o) => void o.push({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'root', namespace: 'storage' }, stringData: { password: 'hunter2' } } as unknown as Obj),
    /^secrets: Secret with data in git \[Secret storage\/root\]/,
  ],
  // pinned images
  [
    'pinned images',
    'an image moved to latest',
    (o) => void (grafanaPod(o).containers[0]!.image = 'grafana/grafana:latest'),
    /^images: grafana: image "grafana\/grafana:latest" is not pinned/,
  ],
  ['pinned images', 'an image without a tag', (o) => void (grafanaPod(o).containers[0]!.image = 'grafana/grafana'), /^images: grafana: image "grafana\/grafana" is not pinned/],
  // GitOps only from this repository
  [
    'GitOps only from this repository',
    'an Application pointed at another repository',
    (o) => void ((get(o, 'Application', 'storage').spec.source as { repoURL: string }).repoURL = 'https://github.com/attacker/homelab.git'),
    /^gitops: syncs from "https:\/\/github.com\/attacker\/homelab.git": not this repository/,
  ],
  [
    'GitOps only from this repository',
    'an upstream source moved off its pinned tag',
    (o) => void ((get(o, 'Application', 'argocd-crds').spec.source as { targetRevision: string }).targetRevision = 'master'),
    /^gitops: syncs https:\/\/git.domus.lan\/homelab\/argo-cd.git at "master", not at "v2.14.21"/,
  ],
  [
    'GitOps only from this repository',
    'the AppProject opened to every repository',
    (o) => void (o.find((x) => x.kind === 'AppProject')!.spec.sourceRepos as string[]).push('*'),
    /^gitops: AppProject allows source "\*"/,
  ],
  // namespaces at their declared Pod Security level
  [
    'declared Pod Security level',
    'a namespace switched to privileged',
    (o) => void (get(o, 'Namespace', 'monitoring').metadata.labels!['pod-security.kubernetes.io/enforce'] = 'privileged'),
    /^pod-security: enforces privileged without a written reason/,
  ],
  [
    'declared Pod Security level',
    "node-exporter's privileged namespace without its written reason",
    (o) => void delete get(o, 'Namespace', 'node-exporter').metadata.annotations!['domus.dev/pod-security-reason'],
    /^pod-security: enforces privileged without a written reason/,
  ],
  [
    'declared Pod Security level',
    'the host root of node-exporter mounted writable',
    (o) =>
      void delete (get(o, 'DaemonSet', 'node-exporter', 'node-exporter').spec.template!.spec.containers[0] as unknown as { volumeMounts: { readOnly?: boolean }[] })
        .volumeMounts[0]!.readOnly,
    /^pod-security: privileged namespace: node-exporter: hostPath volume host-root is mounted writable at \/host/,
  ],
  [
    'declared Pod Security level',
    'a privileged container in the privileged namespace',
    (o) => void (get(o, 'DaemonSet', 'node-exporter', 'node-exporter').spec.template!.spec.containers[0]!.securityContext!.privileged = true),
    /^pod-security: privileged namespace: node-exporter: privileged/,
  ],
  [
    'declared Pod Security level',
    'the host network in the privileged namespace',
    (o) => void ((get(o, 'DaemonSet', 'node-exporter', 'node-exporter').spec.template!.spec as PodSpecish & { hostNetwork?: boolean }).hostNetwork = true),
    /^pod-security: privileged namespace: hostNetwork is true/,
  ],
  [
    'declared Pod Security level',
    'baseline without its written reason',
    (o) => void delete get(o, 'Namespace', 'security').metadata.annotations!['domus.dev/pod-security-reason'],
    /^pod-security: enforces baseline without a written reason/,
  ],
  // requests within limits, and within the nodes
  [
    'requests within limits',
    'a request above its limit',
    (o) => void (grafanaPod(o).containers[0]!.resources.requests.cpu = '2'),
    /^resources: grafana: cpu request 2 is above its limit/,
  ],
  [
    'requests within the nodes',
    'replicas that do not fit',
    (o) => void (get(o, 'Deployment', 'grafana', 'monitoring').spec.replicas = 60),
    /^capacity: CPU requests use \d+% of the nodes, above 80%/,
  ],
  // data outlives a sync; no API token without RBAC
  [
    'data outlives a sync',
    'a Namespace Argo CD may prune',
    (o) => void delete get(o, 'Namespace', 'storage').metadata.annotations!['argocd.argoproj.io/sync-options'],
    /^gitops: no Prune=false in argocd.argoproj.io\/sync-options: Argo CD could delete it and its data \[Namespace storage\]/,
  ],
  [
    'no API token without RBAC',
    'a token mounted for a ServiceAccount without bindings',
    (o) => void ((grafanaPod(o) as unknown as Record<string, unknown>).automountServiceAccountToken = true),
    /^rbac: mounts an API token for monitoring\/grafana, which no RoleBinding or ClusterRoleBinding grants anything/,
  ],
  // exposure through Traefik
  [
    'exposure',
    'the Prometheus allowlist removed',
    (o) => void delete route(o, 'monitoring', 'prometheus').middlewares,
    /^exposure: prometheus.domus.lan is an admin UI .* has no ipAllowList middleware: the whole LAN reaches it/,
  ],
  [
    'exposure',
    'the Prometheus lifecycle API routed again',
    (o) => void (route(o, 'monitoring', 'prometheus').match = 'Host(`prometheus.domus.lan`)'),
    /^exposure: route 1 .* forwards \/-\/quit on prometheus.domus.lan to prometheus/,
  ],
  [
    'exposure',
    "the S3 route access-logged again (the old output: presigned URL signatures in Traefik's log and Loki, measured live)",
    (o) => void delete (route(o, 'storage', 's3') as { observability?: unknown }).observability,
    /^exposure: route 1 .* is access-logged \(--accesslog=true, RequestPath kept\) and requests to s3.domus.lan carry credentials in their query/,
  ],
  [
    'exposure',
    'MinIO metrics routed to the LAN',
    (o) => void (route(o, 'storage', 's3').match = 'Host(`s3.domus.lan`)'),
    /^exposure: route 1 .* forwards \/minio\/v2\/metrics\/cluster on s3.domus.lan to minio/,
  ],
  [
    'exposure',
    'an exclusion that only looks like one (a method matcher decides)',
    (o) => void (route(o, 'storage', 's3').match = 'Host(`s3.domus.lan`) && (!PathPrefix(`/minio/v2/metrics/`) || Method(`POST`))'),
    /^exposure: route 1 .* may forward \/minio\/v2\/metrics\/cluster on s3.domus.lan/,
  ],
  [
    'exposure',
    'an allowlist opened to the internet',
    (o) => void ((get(o, 'Middleware', 'admin-allowlist', 'monitoring').spec.ipAllowList as { sourceRange: string[] }).sourceRange = ['0.0.0.0/0']),
    /^exposure: prometheus.domus.lan is an admin UI but its ipAllowList .* covers every IPv4 address: everyone reaches it/,
  ],
  [
    'exposure',
    'an allowlist opened to everyone without a /0 (two halves)',
    (o) => void ((get(o, 'Middleware', 'admin-allowlist', 'monitoring').spec.ipAllowList as { sourceRange: string[] }).sourceRange = ['0.0.0.0/1', '128.0.0.0/1']),
    /^exposure: prometheus.domus.lan is an admin UI but its ipAllowList .*0.0.0.0\/1, 128.0.0.0\/1\) covers every IPv4 address/,
  ],
  [
    'exposure',
    'the Hubble route of the file provider (Vault template) without its allow-list',
    (o) => void editFileConfig(o, (t) => t.replace(/\n {6}middlewares:\n {8}- admin-allowlist/, '')),
    /^exposure: hubble.domus.lan is an admin UI .* router hubble@file of \/vault\/secrets\/tls.yml .* has no ipAllowList middleware/,
  ],
  [
    'exposure',
    'the file-provider allow-list widened to ::/1 + 8000::/1 and 0.0.0.0/0 split in 256 /8s',
    (o) =>
      void editFileConfig(o, (t) =>
        t.replace('- 192.168.10.0/24', ['::/1', '8000::/1', ...Array.from({ length: 256 }, (_, i) => `${i}.0.0.0/8`)].map((c) => `- ${c}`).join('\n          ')),
      ),
    /^exposure: hubble.domus.lan is an admin UI but its ipAllowList admin-allowlist .* covers every IPv4 and IPv6 address/,
  ],
  [
    'exposure',
    'an allow-list that reads X-Forwarded-For (ipStrategy.depth) on an entry point that trusts it (forwardedHeaders.insecure)',
    (o) => {
      (get(o, 'Middleware', 'admin-allowlist', 'monitoring').spec.ipAllowList as { ipStrategy?: object }).ipStrategy = { depth: 1 };
      traefikArgs(o).push('--entryPoints.websecure.forwardedHeaders.insecure=true');
    },
    /^exposure: prometheus.domus.lan is an admin UI but its ipAllowList .* can be passed with a forged address: its ipStrategy reads X-Forwarded-For and entry point websecure trusts that header from anyone/,
  ],
  [
    'exposure',
    'PROXY protocol accepted from anyone on websecure (every allow-list forgeable)',
    (o) => void traefikArgs(o).push('--entryPoints.websecure.proxyProtocol.insecure=true'),
    /^exposure: hubble.domus.lan is an admin UI but its ipAllowList admin-allowlist can be passed with a forged address: entry point websecure trusts any PROXY protocol header/,
  ],
  [
    'exposure',
    'a file router naming a middleware that does not exist',
    (o) => void editFileConfig(o, (t) => t.replace('        - admin-allowlist', '        - admin-allowlist@kubernetescrd')),
    /^exposure: router hubble@file .*middleware admin-allowlist@kubernetescrd does not exist where Traefik looks for it/,
  ],
  // Traefik's own rules (issue 18)
  [
    'traefik',
    'sniStrict with the certificate only as the default store certificate (the old output)',
    (o) =>
      void editFileConfig(o, (t) =>
        t
          .replace('  certificates:\n    - certFile: |', '  stores:\n    default:\n      defaultCertificate:\n        certFile: |')
          .replace('      keyFile: |', '        keyFile: |')
          .replace('\n      stores:\n        - default', '')
          .replaceAll('| indent 8 }}', '| indent 10 }}'),
      ),
    /^traefik: traefik: TLS option default sets sniStrict but the default store has no certificate under tls.certificates \(only a defaultCertificate, which Traefik never serves under sniStrict\): every handshake is refused/,
  ],
  [
    'traefik',
    'the default TLS option without sniStrict (an unknown name gets the self-signed TRAEFIK DEFAULT CERT, measured live)',
    (o) => void editFileConfig(o, (t) => t.replace('sniStrict: true', 'sniStrict: false')),
    /^traefik: traefik: TLS option default does not set sniStrict: a client asking for a name no certificate covers/,
  ],
  [
    'traefik',
    'a route for a host the certificate does not name, under sniStrict',
    (o) => void (route(o, 'monitoring', 'grafana').match = 'Host(`grafana.other.lan`)'),
    /^traefik: route 1 \(Host\(`grafana.other.lan`\)\): no store certificate names grafana.other.lan \(\*.domus.lan, domus.lan\) and TLS option default is sniStrict/,
  ],
  [
    'traefik',
    'the redirect to the websecure entry point (the old output: :8443, which the Service publishes as 443)',
    (o) => {
      const args = traefikArgs(o);
      args[args.indexOf('--entryPoints.web.http.redirections.entryPoint.to=:443')] = '--entryPoints.web.http.redirections.entryPoint.to=websecure';
    },
    /^traefik: traefik: entry point web redirects to port 8443 \(the address port of entry point websecure\), but Service traefik publishes it as 443/,
  ],
  [
    'traefik',
    'the file ServersTransport skipping verification',
    (o) => void editFileConfig(o, (t) => t.replace('serverName: wazuh-dashboard.security.svc', 'serverName: wazuh-dashboard.security.svc\n      insecureSkipVerify: true')),
    /^traefik: serversTransport wazuh@file \(\/vault\/secrets\/tls.yml\) skips backend verification/,
  ],
  [
    'exposure',
    'a new host nobody decided to publish',
    (o) =>
      void o.push({
        apiVersion: 'traefik.io/v1alpha1',
        kind: 'IngressRoute',
        metadata: { name: 'redis', namespace: 'argocd' },
        spec: { entryPoints: ['websecure'], routes: [{ kind: 'Rule', match: 'Host(`redis.domus.lan`)', services: [{ name: 'argocd-redis', port: 6379 }] }], tls: {} },
      } as unknown as Obj),
    /^exposure: route 1 .* publishes redis.domus.lan, which no app declares \(intent\/exposure.json\): declare what it exposes and to whom on its route/,
  ],
  [
    'exposure',
    'a TCP route straight to redis',
    (o) =>
      void o.push({
        apiVersion: 'traefik.io/v1alpha1',
        kind: 'IngressRouteTCP',
        metadata: { name: 'redis', namespace: 'argocd' },
        spec: { entryPoints: ['websecure'], routes: [{ match: 'HostSNI(`*`)', services: [{ name: 'argocd-redis', port: 6379 }] }] },
      } as unknown as Obj),
    /^exposure: IngressRouteTCP publishes a backend outside the declared HTTP routes/,
  ],
  [
    'exposure',
    'Traefik told to accept encoded slashes',
    (o) => void get(o, 'DaemonSet', 'traefik', 'ingress').spec.template!.spec.containers[0]!.args!.push('--entryPoints.websecure.http.encodedCharacters.allowEncodedSlash=true'),
    /^exposure: traefik: --entryPoints.websecure.http.encodedCharacters.allowEncodedSlash=true lets a request path differ from the routing path/,
  ],
])('%s: %s', (_promise, _edit, mutate, expected) => {
  test('verify fails with a message that names it', () => {
    const found = verify(mutate, checksFor(expected));
    expect(found.some((m) => expected.test(m)) ? 'reported' : found).toBe('reported');
  });
});

test("runChecks' `only` runs the named checks and no other (this file's local budget relies on it)", () => {
  const edit = (o: Obj[]) => void (grafanaPod(o).containers[0]!.image = 'grafana/grafana:latest');
  expect(errors(runChecks(context(edit), { maxShare: 0.8, only: new Set(['flows']) }).findings)).toEqual([]);
  expect(errors(runChecks(context(edit), { maxShare: 0.8, only: new Set(['promises']) }).findings)).toContainEqual(expect.stringMatching(/^images: grafana: /));
});

test('secretsInQuery is also kept when the access log is off or drops RequestPath (not only by the route turning its logging off)', () => {
  const unlogged = (extra: string[]) =>
    verify((o) => {
      const args = traefikArgs(o);
      const kept = args.filter((a) => !a.startsWith('--accesslog'));
      args.splice(0, args.length, ...kept, ...extra);
      delete (route(o, 'storage', 's3') as { observability?: unknown }).observability;
    }).filter((m) => /carry credentials in their query/.test(m));
  expect(unlogged(['--accesslog=true'])).toHaveLength(1);
  expect(unlogged(['--accesslog.format=json'])).toHaveLength(1);
  expect(unlogged([])).toEqual([]);
  expect(unlogged(['--accesslog=false'])).toEqual([]);
  expect(unlogged(['--accesslog=true', '--accesslog.fields.names.RequestPath=drop'])).toEqual([]);
  expect(unlogged(['--accesslog=true', '--accesslog.fields.defaultMode=drop'])).toEqual([]);
  expect(unlogged(['--accesslog=true', '--accesslog.fields.defaultMode=drop', '--accesslog.fields.names.RequestPath=keep'])).toHaveLength(1);
});

describe('what the apps declare (dist/intent/exposure.json, must-deny.json) and the Traefik secret reads derived from dist/', () => {
  const withFiles = (edit: (files: Map<string, string>) => void, mutate?: (objs: Obj[]) => void): string[] => {
    const c = context(mutate);
    const files = new Map(c.files);
    edit(files);
    return errors(runChecks({ ...c, files }, { maxShare: 0.8 }).findings);
  };
  const copyIn = (o: Obj[], kind: string, from: string, to: string) => {
    const x = structuredClone(get(o, kind, 'traefik', from));
    x.metadata.namespace = to;
    o.push(x);
  };

  test.each([
    ['intent/exposure.json', /^exposure: no intent\/exposure.json in dist: regenerate it with `npm run synth`/],
    ['intent/must-deny.json', /^network: no intent\/must-deny.json in dist: regenerate it with `npm run synth`/],
  ])('a dist/ without %s fails (never an empty list that passes)', (file, expected) => {
    const found = withFiles((f) => void f.delete(file));
    expect(found.some((m) => expected.test(m)) ? 'reported' : found).toBe('reported');
  });

  test('a hand-edited must-deny.json fails with the entry and field', () => {
    const found = withFiles((f) => void f.set('intent/must-deny.json', JSON.stringify({ mustDeny: [{ from: 'world', to: 'monitoring/prometheus', port: '9090', why: 'x' }] })));
    expect(found).toContainEqual(expect.stringMatching(/^network: intent\/must-deny.json does not match its contract .*mustDeny\[0\]\.port/));
  });

  test("a policy that opens a must-deny flow fails with the app's reason", () => {
    const found = verify((o) => void cnp(o, 'monitoring', 'prometheus').ingress!.push({ fromEntities: ['world'], toPorts: [{ ports: [{ port: '9090', protocol: 'TCP' }] }] }));
    expect(found).toContainEqual(
      expect.stringMatching(/^network: must-deny flow is allowed: world → monitoring\/prometheus:9090 \(the Prometheus API has no auth: only via the allowlisted route\)/),
    );
  });

  test('an admin route the apps declare loses its allowlist only in exposure.json: verify reads the declaration from dist/', () => {
    const found = withFiles((f) => {
      const e = JSON.parse(f.get('intent/exposure.json')!) as { routes: { host: string }[] };
      f.set('intent/exposure.json', JSON.stringify({ routes: e.routes.filter((r) => r.host !== 'prometheus') }));
    });
    expect(found).toContainEqual(expect.stringMatching(/^exposure: route 1 .* publishes prometheus.domus.lan, which no app declares/));
  });

  test('Traefik reading Secrets in a namespace it does not watch fails; in the ones it watches it passes', () => {
    expect(verify((o) => (copyIn(o, 'Role', 'monitoring', 'vault'), copyIn(o, 'RoleBinding', 'monitoring', 'vault')))).toContainEqual(
      expect.stringMatching(/^rbac: system:serviceaccount:ingress:traefik reads secrets \(namespace:vault, .*\) and is not on verify\/rbac-allowlist.yaml/),
    );
    // The watch list shrinks but the Role stays: the read is no longer one Traefik needs.
    const narrowed = verify((o) => {
      const args = traefikArgs(o);
      const i = args.findIndex((a) => a.startsWith('--providers.kubernetescrd.namespaces='));
      args[i] = args[i]!.replace('monitoring,', '');
    });
    expect(narrowed).toContainEqual(
      expect.stringMatching(/^rbac: system:serviceaccount:ingress:traefik reads secrets \(namespace:monitoring, .*\) and is not on verify\/rbac-allowlist.yaml/),
    );
  });

  test("Traefik watching a namespace that holds another component's credentials (argocd, the old output) fails, though it is on the watch list", () => {
    const found = verify((o) => {
      copyIn(o, 'Role', 'monitoring', 'argocd');
      copyIn(o, 'RoleBinding', 'monitoring', 'argocd');
      const args = traefikArgs(o);
      const i = args.findIndex((a) => a.startsWith('--providers.kubernetescrd.namespaces='));
      args[i] = args[i]!.replace('=', '=argocd,');
    });
    expect(found).toContainEqual(
      expect.stringMatching(
        /^rbac: system:serviceaccount:ingress:traefik \(Traefik\) reads secrets in namespace argocd .*which holds credentials of argocd\/argocd-applicationset-controller, .*argocd\/argocd-server: publish its routes through Traefik's file provider/,
      ),
    );
    // A Secret object in a watched namespace counts as well.
    const withSecret = verify((o) => void o.push({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'grafana-db', namespace: 'monitoring' } } as unknown as Obj));
    expect(withSecret).toContainEqual(expect.stringMatching(/^rbac: .*reads secrets in namespace monitoring .*which holds credentials of Secret grafana-db/));
  });
});

describe('the new checks on the independent fixture', () => {
  const fixture = (): Context => {
    const g = loadDist(join(__dirname, 'fixtures', 'good'));
    return {
      docs: g.docs,
      files: g.files,
      dist: join(__dirname, 'fixtures', 'good'),
      nodes: [{ name: 'n1', cpu: '4', memory: '8Gi' }],
      vault: { cidrs: ['192.168.10.5/32'], host: 'vault.lan', port: 8200 },
      gitPath: 'dist',
    };
  };
  test('a compliant app passes flows, credentials, exposure and the promises', () => {
    const c = fixture();
    expect(errors([...checkFlowsDeclared(c, []), ...checkCredentials(c), ...checkExposure(c, []), ...checkPromises(c)])).toEqual([]);
  });
  test('an allow-list entry makes an undeclared flow reviewed, and only that flow', () => {
    const c = fixture();
    const cnpSpec = c.docs.find((d) => d.obj.kind === 'CiliumNetworkPolicy')!.obj.spec as { egress: unknown[] };
    cnpSpec.egress.push({
      toCIDR: ['10.0.0.7/32'],
      toPorts: [
        {
          ports: [
            { port: '5432', protocol: 'TCP' },
            { port: '5433', protocol: 'TCP' },
          ],
        },
      ],
    });
    expect(errors(checkFlowsDeclared(c, [{ from: 'web/web', to: 'cidr:10.0.0.0/24', port: 5432, why: 'reviewed: the database' }]))).toEqual([
      'flows: undeclared flow allowed: web/web → 10.0.0.7/32:5433/TCP, by CiliumNetworkPolicy web/web egress rule 2; declare it in the flow graph (constructs) or review it into verify/allowed-flows.yaml [CiliumNetworkPolicy web/web]',
    ]);
  });
  test('a rule the peer denies is not an allowed flow (both ends must allow it)', () => {
    const c = fixture();
    const spec = c.docs.find((d) => d.obj.kind === 'CiliumNetworkPolicy')!.obj.spec as { egress: unknown[] };
    spec.egress.push({ toEndpoints: [{ matchLabels: { 'app.kubernetes.io/name': 'web' } }], toPorts: [{ ports: [{ port: '9999', protocol: 'TCP' }] }] });
    expect(errors(checkFlowsDeclared(c, []))).toEqual([]);
  });
});

describe('Traefik rule evaluation (the exposure model)', () => {
  test.each<[string, string, boolean | 'unknown']>([
    ['Host(`a.lan`) && !PathPrefix(`/-/quit`)', '/-/quit', false],
    ['Host(`a.lan`) && !PathPrefix(`/-/quit`)', '/-/ready', true],
    ['host(`A.LAN`)', '/x', true],
    ['Host(`a.lan`) && !(PathPrefix(`/a`) || PathPrefix(`/b`))', '/b/c', false],
    ['Host(`a.lan`) && (Path(`/x`) || Header(`X-A`, `1`))', '/y', 'unknown'],
    ['Host(`a.lan`) && !Method(`GET`)', '/y', 'unknown'],
    ['Host(`b.lan`)', '/', false],
  ])('%s on %s', (rule, path, expected) => {
    expect(evalRule(parseRule(rule), { host: 'a.lan', path })).toBe(expected);
  });
  test('syntax the model does not know is an error, not a guess', () => {
    expect(() => parseRule('Host(`a.lan`) &&')).toThrow(/expected a token/);
    expect(() => parseRule('Host(a.lan)')).toThrow(/not a string/);
  });
});
