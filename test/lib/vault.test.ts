/** The Vault registry (constructs/lib/vault.ts) in a bare chart: annotations, bindings, typed PKI, roles. */
import { kvPath, kvTemplateSecret, kvValueSecret, pkiIssuePath, pkiRoleFor, pkiSecret, VAULT_TOKEN_VOLUME, VaultRegistry, VaultSecret } from '../../constructs/lib/vault';
import { Workload } from '../../constructs/lib/workload';
import { validateSite } from '../../config/load';
import { app, bare, find, KubeObj } from './bare';

const site = validateSite({}, 'bare');
const kv = (name: string, key = 'password'): VaultSecret => kvValueSecret(name, kvPath(site, name), key);
const cert = { commonName: 'whoami.web.svc', altNames: ['whoami'], ipSans: ['10.43.0.10'], ttl: '24h' } as const;

describe('annotate: the injector annotations and the binding come from one spec', () => {
  const reg = new VaultRegistry(site);
  const a = reg.annotate({ secrets: [kv('web/whoami')] }, 'web', 'whoami', 1000);
  test('the role defaults to <namespace>-<serviceAccount>, logs in on the site mount with the projected token', () => {
    expect(a).toMatchObject({
      'vault.hashicorp.com/agent-inject': 'true',
      'vault.hashicorp.com/role': 'web-whoami',
      'vault.hashicorp.com/service': site.vault.address,
      'vault.hashicorp.com/auth-path': `auth/${site.vault.authMount}`,
      'vault.hashicorp.com/agent-service-account-token-volume-name': VAULT_TOKEN_VOLUME,
      'vault.hashicorp.com/agent-run-as-same-user': 'true',
      'vault.hashicorp.com/agent-inject-secret-web/whoami': 'kv/data/web/whoami',
      'vault.hashicorp.com/agent-inject-perms-web/whoami': '0400',
    });
    expect(a['vault.hashicorp.com/agent-inject-template-web/whoami']).toBe('{{- with secret "kv/data/web/whoami" -}}{{ .Data.data.password }}{{- end }}');
  });
  test('the binding holds the role, ServiceAccount, namespace and every path with its capability', () => {
    expect(reg.all()).toEqual([{ role: 'web-whoami', namespace: 'web', serviceAccount: 'whoami', paths: [{ path: 'kv/data/web/whoami', capability: 'read' }] }]);
  });
  test('a root container keeps the agent default user', () => {
    expect(new VaultRegistry(site).annotate({ secrets: [kv('x')] }, 'web', 'root', 0)['vault.hashicorp.com/agent-run-as-same-user']).toBeUndefined();
  });
  test('a spec without secrets is refused', () => {
    expect(() => new VaultRegistry(site).annotate({ secrets: [] }, 'web', 'w', 1000)).toThrow('vault spec for web/w has no secrets');
  });
});

describe('role merging and conflicts', () => {
  test('two specs with one role on one ServiceAccount merge their paths, sorted and without duplicates', () => {
    const reg = new VaultRegistry(site);
    reg.annotate({ role: 'shared', secrets: [kv('b'), kv('a')] }, 'web', 'w', 1000);
    reg.annotate({ role: 'shared', secrets: [kv('a'), kv('c')] }, 'web', 'w', 1000);
    expect(reg.all()).toEqual([{ role: 'shared', namespace: 'web', serviceAccount: 'w', paths: ['a', 'b', 'c'].map((n) => ({ path: `kv/data/${n}`, capability: 'read' })) }]);
  });
  test('one role bound to another ServiceAccount or namespace is refused (a role is one identity)', () => {
    const reg = new VaultRegistry(site);
    reg.annotate({ role: 'shared', secrets: [kv('a')] }, 'web', 'w', 1000);
    expect(() => reg.annotate({ role: 'shared', secrets: [kv('a')] }, 'web', 'other', 1000)).toThrow('vault role shared is bound to web/w already');
    expect(() => reg.annotate({ role: 'shared', secrets: [kv('a')] }, 'db', 'w', 1000)).toThrow('vault role shared is bound to web/w already');
  });
});

describe('typed PKI certificates', () => {
  test('certificates are recorded per role; the role spec allows exactly their names', () => {
    const reg = new VaultRegistry(site);
    reg.annotate({ secrets: [pkiSecret(site, 'tls.crt', cert, 'certificate'), pkiSecret(site, 'tls.key', cert, 'private_key')] }, 'web', 'whoami', 1000);
    expect(reg.certificatesOf('web-whoami')).toEqual([cert]);
    expect(reg.certificates()).toEqual([{ role: 'web-whoami', cert }]);
    expect(reg.all()[0]!.paths).toEqual([{ path: pkiIssuePath(site), capability: 'update' }]);
    expect(pkiRoleFor(reg.certificates().map((c) => c.cert))).toEqual({
      allowedDomains: ['whoami', 'whoami.web.svc'],
      allowWildcards: false,
      allowIpSans: true,
      maxTtl: '24h',
      serverFlag: true,
      clientFlag: true,
    });
  });
  test('the issue template sends the typed parameters, quoted', () => {
    expect(pkiSecret(site, 'tls.crt', cert, 'certificate').template).toBe(
      `{{- with secret "${pkiIssuePath(site)}" "common_name=whoami.web.svc" "alt_names=whoami" "ip_sans=10.43.0.10" "ttl=24h" -}}{{ .Data.certificate }}{{- end }}`,
    );
  });
  test('a hand-written issue template, another PKI role, or a name that is not a DNS name is refused', () => {
    const reg = new VaultRegistry(site);
    const issue = pkiIssuePath(site);
    expect(() => reg.annotate({ secrets: [kvTemplateSecret('c', issue, [], '{{ with secret "x" }}{{ end }}')] }, 'web', 'w', 1000)).toThrow(
      `vault secret c of web/w reads ${issue} without typed certificate data: build it with pkiSecret()`,
    );
    expect(() => reg.annotate({ secrets: [{ ...pkiSecret(site, 'c', cert, 'certificate'), path: `${site.vault.pkiMount}/issue/other` }] }, 'web', 'w', 1000)).toThrow(
      `the stack's PKI role is ${issue}`,
    );
    expect(() => pkiSecret(site, 'c', { commonName: 'Bad Name"' }, 'certificate')).toThrow('PKI name "Bad Name\\"" is not a DNS name');
    expect(() => pkiSecret(site, 'c', { commonName: 'a.b', ipSans: ['not-an-ip'] }, 'certificate')).toThrow('PKI IP SAN "not-an-ip" is not an IP address');
  });
  test('wildcards and the longest TTL reach the role', () => {
    expect(pkiRoleFor([{ commonName: '*.apps.lan' }, { commonName: 'a.lan', ttl: '8760h' }])).toMatchObject({ allowWildcards: true, allowIpSans: false, maxTtl: '8760h' });
  });
});

test('in a workload: annotations on the pod, a projected token volume, and egress to Vault', () => {
  const b = bare();
  new Workload(b.chart, 'w', b.ctx, app('whoami', 'web', { vault: { secrets: [kv('web/whoami')] } }));
  const objs = b.synth();
  const pod = (
    find(objs, 'Deployment', 'whoami').spec as {
      template: { metadata: { annotations: Record<string, string> }; spec: { volumes: { name: string }[]; automountServiceAccountToken: boolean } };
    }
  ).template;
  expect(pod.metadata.annotations['vault.hashicorp.com/role']).toBe('web-whoami');
  expect(pod.spec.volumes.map((v) => v.name)).toContain(VAULT_TOKEN_VOLUME);
  expect(pod.spec.automountServiceAccountToken).toBe(false); // the agent's token is the projected one
  const egress = (find(objs, 'CiliumNetworkPolicy', 'whoami') as KubeObj & { spec: { egress: Record<string, unknown>[] } }).spec.egress;
  expect(egress).toEqual([expect.objectContaining({ toPorts: [{ ports: [{ port: String(b.ctx.vaultPort.port), protocol: 'TCP' }] }] })]);
  expect(b.ctx.vault.all().map((x) => x.role)).toEqual(['web-whoami']);
});
