/**
 * The checks of the Vault live test (test/lib/vault-dev.ts) on files openssl makes here: each passes a good
 * file and fails each defect it exists for (a check that cannot fail proves nothing).
 */
import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { certificateProblems, kvCommands, KUBERNETES_HOST, pemBlocks, pkiRequests, renderProblems, type AgentConfig } from './vault-dev';

const dir = mkdtempSync(join(tmpdir(), 'domus-vault-checks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function openssl(args: readonly string[]): void {
  const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}`);
}
const read = (f: string) => readFileSync(join(dir, f), 'utf8');

/** root → intermediate → leaf (CN a.lan, SANs a.lan and b.lan), the leaf's key in PKCS#8 and PKCS#1. */
beforeAll(() => {
  const ca = (name: string, cn: string, signer?: string) => {
    openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`]);
    writeFileSync(join(dir, `${name}.ext`), 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n');
    const sign = signer ? ['-CA', `${signer}.crt`, '-CAkey', `${signer}.key`, '-CAcreateserial'] : ['-key', `${name}.key`];
    openssl(['x509', '-req', '-in', `${name}.csr`, ...sign, '-out', `${name}.crt`, '-days', '2', '-extfile', `${name}.ext`]);
  };
  ca('root', 'root');
  ca('int', 'int', 'root');
  openssl(['genrsa', '-out', 'leaf.key', '2048']);
  openssl(['rsa', '-in', 'leaf.key', '-traditional', '-out', 'leaf.pkcs1.key']);
  openssl(['pkcs8', '-topk8', '-nocrypt', '-in', 'leaf.key', '-out', 'leaf.pkcs8.key']);
  openssl(['req', '-new', '-key', 'leaf.key', '-out', 'leaf.csr', '-subj', '/CN=a.lan']);
  writeFileSync(join(dir, 'leaf.ext'), 'subjectAltName=DNS:a.lan,DNS:b.lan\n');
  openssl(['x509', '-req', '-in', 'leaf.csr', '-CA', 'int.crt', '-CAkey', 'int.key', '-CAcreateserial', '-out', 'leaf.crt', '-days', '2', '-extfile', 'leaf.ext']);
  openssl(['genrsa', '-out', 'other.key', '2048']);
});

const chain = () => [new X509Certificate(read('int.crt')), new X509Certificate(read('root.crt'))];
const params = { common_name: 'a.lan', alt_names: 'b.lan', private_key_format: 'pkcs8' };

describe('certificateProblems', () => {
  test('a good bundle passes: leaf and PKCS#8 key (pkiCert), and leaf + issuing CA + key indented in YAML (Traefik)', () => {
    expect(certificateProblems('f', read('leaf.crt') + read('leaf.pkcs8.key'), params, chain())).toEqual([]);
    const yaml = `certFile: |\n${(read('leaf.crt') + read('int.crt')).replace(/^/gm, '  ')}\nkeyFile: |\n${read('leaf.pkcs1.key').replace(/^/gm, '  ')}`;
    expect(certificateProblems('f', yaml, { common_name: 'a.lan', alt_names: 'b.lan' }, chain())).toEqual([]);
    // A certificate after the key is not part of the bundle (Traefik's tls.yml: the CA a serversTransport trusts).
    expect(certificateProblems('f', read('leaf.crt') + read('int.crt') + read('leaf.pkcs8.key') + read('int.crt'), params, chain())).toEqual([]);
  });
  test.each([
    ['another CN asked', (read0) => [read0('leaf.crt') + read0('leaf.pkcs8.key'), { ...params, common_name: 'c.lan' }], /CN a\.lan, asked c\.lan/],
    ['a name asked and missing', (read0) => [read0('leaf.crt') + read0('leaf.pkcs8.key'), { ...params, alt_names: 'b.lan,c.lan' }], /DNS names/],
    ['PKCS#1 where PKCS#8 was asked', (read0) => [read0('leaf.crt') + read0('leaf.pkcs1.key'), params], /key block RSA PRIVATE KEY, expected PRIVATE KEY/],
    [
      'PKCS#8 where nothing was asked (Vault: PKCS#1)',
      (read0) => [read0('leaf.crt') + read0('leaf.pkcs8.key'), { common_name: 'a.lan', alt_names: 'b.lan' }],
      /expected RSA PRIVATE KEY/,
    ],
    ['another key', (read0) => [read0('leaf.crt') + read0('other.key'), params], /not the certificate's/],
    ['no key', (read0) => [read0('leaf.crt'), params], /0 private keys/],
    ['a chain out of order', (read0) => [read0('leaf.crt') + read0('root.crt') + read0('leaf.pkcs8.key'), params], /certificate 0 is not signed by 1/],
  ] as [string, (r: (f: string) => string) => [string, Record<string, string>], RegExp][])('%s fails', (_, make, message) => {
    const [text, p] = make(read);
    expect(certificateProblems('f', text, p, chain()).join('\n')).toMatch(message);
  });
  test('a certificate from outside the mount fails', () => {
    expect(certificateProblems('f', read('leaf.crt') + read('leaf.pkcs8.key'), params, [new X509Certificate(read('root.crt'))]).join('\n')).toMatch(/not issued under/);
  });
});

test('pemBlocks finds blocks also when YAML indents them, pkiRequests reads the typed parameters', () => {
  expect(pemBlocks(`a: |\n${read('leaf.crt').replace(/^/gm, '    ')}`).map((b) => b.type)).toEqual(['CERTIFICATE']);
  expect(pkiRequests('{{- with pkiCert "pki_int/issue/homelab" "common_name=x.lan" "ttl=720h" "private_key_format=pkcs8" -}}{{ .Cert }}{{ .Key }}{{- end }}')).toEqual([
    { fn: 'pkiCert', path: 'pki_int/issue/homelab', params: { common_name: 'x.lan', ttl: '720h', private_key_format: 'pkcs8' } },
  ]);
  expect(pkiRequests('{{- with secret "pki_int/cert/ca_chain" -}}{{ .Data.certificate }}{{- end }}')).toEqual([]);
});

test("DAY0's KV commands and setup.sh's API server address are found as the test runs them", () => {
  const day0 = `read -rs -p 'kv/a/b k: ' v && echo && printf '%s' "$v" | vault kv put -mount=kv -field=version a/b k=-\n`;
  expect(kvCommands(day0)).toEqual([{ command: `printf '%s' "$v" | vault kv put -mount=kv -field=version a/b k=-`, path: 'a/b', key: 'k' }]);
  expect(kvCommands(day0.replace('k=-', 'k=literal'))).toEqual([]);
  expect([...'vault write auth/x/config kubernetes_host=https://192.168.10.20:6443 kubernetes_ca_cert=@x'.matchAll(KUBERNETES_HOST)].map((m) => m[1])).toEqual([
    'https://192.168.10.20:6443',
  ]);
});

describe('renderProblems', () => {
  const tpl = (destination: string, contents: string, perms = '0400') => ({ destination, contents, perms });
  const cfg = (): AgentConfig =>
    ({
      template: [
        tpl('/vault/secrets/pw', '{{- with secret "kv/data/app/x" -}}{{ .Data.data.password }}{{- end }}'),
        tpl('/vault/secrets/users.yml', '{{- with secret "kv/data/app/x" -}}\nuser: {{ .Data.data.user | toJSON }}\n{{- end }}'),
        tpl('/vault/secrets/root-ca.pem', '{{- with secret "pki_int/cert/ca_chain" -}}{{ .Data.certificate }}{{- end }}'),
        tpl('/vault/secrets/leaf.pem', '{{- with pkiCert "pki_int/issue/r" "common_name=a.lan" "alt_names=b.lan" "private_key_format=pkcs8" -}}{{ .Cert }}{{ .Key }}{{- end }}'),
      ],
    }) as unknown as AgentConfig;
  const kv = [
    { path: 'app/x', key: 'password', value: 'test-password' },
    { path: 'app/x', key: 'user', value: 'test-user' },
  ];
  const good = () => ({
    files: new Map([
      ['/vault/secrets/pw', 'test-password'],
      ['/vault/secrets/users.yml', 'user: "test-user"\n'],
      ['/vault/secrets/root-ca.pem', read('int.crt') + read('root.crt')],
      ['/vault/secrets/leaf.pem', read('leaf.crt') + read('leaf.pkcs8.key')],
    ]),
    modes: new Map(['/vault/secrets/pw', '/vault/secrets/users.yml', '/vault/secrets/root-ca.pem', '/vault/secrets/leaf.pem'].map((f) => [f, '0400'])),
  });
  test('a good render passes', () => {
    expect(renderProblems(cfg(), good(), chain(), kv)).toEqual([]);
  });
  test.each([
    ['a file not rendered', (r: ReturnType<typeof good>) => r.files.delete('/vault/secrets/pw'), /pw: not rendered/],
    ['<no value>', (r: ReturnType<typeof good>) => r.files.set('/vault/secrets/users.yml', 'user: <no value>\n'), /<no value>/],
    ['a KV file with a newline', (r: ReturnType<typeof good>) => r.files.set('/vault/secrets/pw', 'test-password\n'), /not the value DAY0 put/],
    ['another mode', (r: ReturnType<typeof good>) => r.modes.set('/vault/secrets/pw', '0644'), /mode 0644, asked 0400/],
    ['a chain without its root', (r: ReturnType<typeof good>) => r.files.set('/vault/secrets/root-ca.pem', read('int.crt')), /holds 1 certificates/],
    ['YAML that does not parse', (r: ReturnType<typeof good>) => r.files.set('/vault/secrets/users.yml', 'user: "a\n  b: [\n'), /not YAML/],
    [
      'a PKCS#1 key where PKCS#8 was asked',
      (r: ReturnType<typeof good>) => r.files.set('/vault/secrets/leaf.pem', read('leaf.crt') + read('leaf.pkcs1.key')),
      /expected PRIVATE KEY/,
    ],
  ])('%s fails', (_, mutate, message) => {
    const r = good();
    mutate(r);
    expect(renderProblems(cfg(), r, chain(), kv).join('\n')).toMatch(message);
  });
});
