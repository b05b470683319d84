/**
 * Vault secrets are a typed union (constructs/lib/vault.ts): the policy capability, the KV keys of setup.sh
 * and the PKI role's names come from the kind of each secret, not from parsing its template.
 */
import { validateSite } from '../config/load';
import { StackContext } from '../constructs/lib/context';
import { capabilityOf, kvEnvSecret, kvKeysOf, kvPath, kvTemplateSecret, kvValueSecret, pkiSecret, pkiTemplateSecret, pkiSecretCall } from '../constructs/lib/vault';
import { synth } from './helpers';

const site = validateSite({}, 'test');
const path = kvPath(site, 'apps/x');
const cert = { commonName: 'x.domus.lan' };

test.each([
  ['a KV value', kvValueSecret('a', path, 'token'), 'read', ['token']],
  ['KV env lines', kvEnvSecret('b', path, { USER: 'user', PASS: 'password' }), 'read', ['user', 'password']],
  ['a KV template', kvTemplateSecret('c', path, ['one'], `{{ with secret "${path}" }}{{ .Data.data.one }}{{ end }}`), 'read', ['one']],
  ['a certificate', pkiSecret(site, 'd.pem', cert, 'certificate'), 'update', []],
  ['a certificate template', pkiTemplateSecret(site, 'e.yml', cert, `{{ with ${pkiSecretCall(site, cert)} }}{{ .Data.certificate }}{{ end }}`), 'update', []],
])('%s: capability and KV keys from its type', (_, secret, capability, keys) => {
  expect(capabilityOf(secret)).toBe(capability);
  expect(kvKeysOf(secret)).toEqual(keys);
});

test('a template must read the keys it declares, and request the certificate it declares', () => {
  expect(() => kvTemplateSecret('c', path, ['one', 'two'], '{{ .Data.data.one }}')).toThrow(/does not read the declared key\(s\) two/);
  expect(() => kvTemplateSecret('c', path, ['not a key'], '{{ .Data.data.x }}')).toThrow(/not an identifier/);
  expect(() => pkiTemplateSecret(site, 'e.yml', cert, '{{ with secret "pki/issue/domus" }}{{ end }}')).toThrow(/does not request the certificate it declares/);
});

test('a KV secret on the PKI issue path is refused: certificates are typed', () => {
  const ctx = new StackContext(site);
  const issue = `${site.vault.pkiMount}/issue/${site.vault.pkiRole}`;
  expect(() => ctx.vault.annotate({ secrets: [kvValueSecret('x', issue, 'certificate')] }, 'monitoring', 'x', 1000)).toThrow(/without typed certificate data/);
});

test("policies and setup.sh follow the types of the stack's secrets", () => {
  const s = synth();
  const setup = s.files.get('bootstrap/vault/setup.sh')!;
  // kvTemplateSecret of Wazuh's internal users, kvEnvSecret of MinIO, kvValueSecret of Grafana.
  expect(setup).toMatch(/vault kv put kv\/security\/wazuh .*admin_hash=\.\.\. .*kibanaserver_hash=\.\.\./);
  expect(setup).toContain('vault kv put kv/storage/minio root_password=... root_user=...');
  expect(setup).toContain('vault kv put kv/monitoring/grafana admin_password=... admin_user=...');
  const traefik = s.stack.ctx.vault.all().find((b) => b.namespace === 'ingress')!;
  expect(traefik.paths).toEqual([{ path: `${site.vault.pkiMount}/issue/${site.vault.pkiRole}`, capability: 'update' }]);
});
