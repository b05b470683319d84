/**
 * Every Vault agent trusts Vault: the CA is required wherever no public CA can have signed Vault's
 * certificate, it is a parsed CA certificate (never a private key), the example CA never outlives the example
 * address, and the injector hands it to every agent.
 */
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, validateSite } from '../config/load';
import { EXAMPLE_VAULT_ADDRESS, SiteInput } from '../config/schema';
import { EXAMPLE_CA_PEM } from '../config/trust';
import { caPemProblem } from '../config/ca-pem';
import { podTemplate, synth } from './helpers';

const pem = (name: string) => readFileSync(join(__dirname, 'fixtures', 'pem', name), 'utf8');
const OTHER_CA = pem('other-ca.pem');
const LEAF = pem('leaf-not-ca.pem');
const OWN = 'https://vault.casa.home.arpa:8200';

function problems(input: SiteInput): string[] {
  try {
    validateSite(input, 'site.yaml');
    return [];
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return e.issues.map((i) => `${i.path}: ${i.expected}`);
  }
}

test('the example site trusts the example CA, and its Vault IP is the example one', () => {
  const site = validateSite({});
  expect(site.vault.address).toBe(EXAMPLE_VAULT_ADDRESS);
  expect(site.vault.caCert).toBe(EXAMPLE_CA_PEM);
  expect(site.vault.cidrs).toEqual(['192.168.10.5/32']);
});

test('a private Vault name without a CA fails before synthesis, naming the field and why', () => {
  expect(problems({ vault: { address: OWN } })).toEqual([
    expect.stringMatching(/^vault\.caCert: the PEM of the CA that signed Vault's certificate: vault\.casa\.home\.arpa is a private name/),
  ]);
  expect(problems({ vault: { address: 'https://192.168.1.5:8200' } })).toEqual([expect.stringMatching(/^vault\.caCert: .*192\.168\.1\.5 is a private name or an IP/)]);
});

test('no example value survives a change of the Vault address', () => {
  // The example CA given explicitly for another Vault is refused ...
  expect(problems({ vault: { address: OWN, caCert: EXAMPLE_CA_PEM } })).toEqual([
    expect.stringMatching(/^vault\.caCert: your own Vault's CA: the example CA belongs to https:\/\/vault\.domus\.lan:8200/),
  ]);
  // ... and neither the example CA nor the example Vault IP is defaulted for it.
  const own = validateSite({ vault: { address: OWN, caCert: OTHER_CA } });
  expect(own.vault.caCert).toBe(OTHER_CA);
  expect(own.vault.cidrs).toEqual([]);
  expect(validateSite({ vault: { address: 'https://192.168.1.5:8200', caCert: OTHER_CA } }).vault.cidrs).toEqual(['192.168.1.5/32']);
  const publicVault = validateSite({ vault: { address: 'https://vault.example.com:8200' } });
  expect(publicVault.vault.caCert).toBeUndefined();
});

test('the CA field holds CA certificates only: parsed, CA:TRUE, never a private key (and the key is never echoed)', () => {
  expect(caPemProblem(EXAMPLE_CA_PEM)).toBeUndefined();
  expect(caPemProblem(`${OTHER_CA}${EXAMPLE_CA_PEM}`)).toBeUndefined();
  expect(caPemProblem(LEAF)).toMatch(/^a CA certificate \(block 1, "CN=vault\.casa\.home\.arpa", has no basicConstraints CA:TRUE/);
  expect(caPemProblem('-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n')).toMatch(/^a parseable X\.509 certificate/);
  expect(caPemProblem('hello')).toMatch(/^a PEM certificate/);
  const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  expect(caPemProblem(key)).toMatch(/^a CA certificate, not a private key/);
  expect(caPemProblem(`${OTHER_CA}${key}`)).toMatch(/not a private key/);
  try {
    validateSite({ vault: { address: OWN, caCert: `${OTHER_CA}${key}` } }, 'site.yaml');
    throw new Error('accepted a private key');
  } catch (e) {
    const msg = (e as Error).message;
    expect(msg).toContain('vault.caCert: got "(redacted)"; expected no private key (found -----BEGIN PRIVATE KEY-----)');
    expect(msg).not.toContain(key.split('\n')[1]!.slice(0, 20));
  }
});

test('the injector gives the CA to every agent it injects; no pod asks for skip-verify', () => {
  const env = podTemplate('Deployment', 'vault-agent-injector', 'vault').spec.containers[0]!.env ?? [];
  expect(env.find((e) => e.name === 'AGENT_INJECT_VAULT_CACERT_BYTES')?.value).toBe(EXAMPLE_CA_PEM);
  const own = synth({ vault: { address: OWN, caCert: OTHER_CA } });
  const ownEnv = podTemplate('Deployment', 'vault-agent-injector', 'vault', own).spec.containers[0]!.env ?? [];
  expect(ownEnv.find((e) => e.name === 'AGENT_INJECT_VAULT_CACERT_BYTES')?.value).toBe(OTHER_CA);
  for (const s of [synth(), own]) {
    const text = [...s.files.values()].join('\n') + JSON.stringify(s.charts.flatMap((c) => c.objects));
    expect(text).not.toMatch(/tls-skip-verify|VAULT_SKIP_VERIFY/);
  }
});
