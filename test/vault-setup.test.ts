/**
 * dist/bootstrap/vault/setup.sh, RUN as DAY0 documents it: bash, from the repository root, with the
 * documented environment, against stand-in `vault` and `kubectl` commands that record every call and fail
 * like the real CLIs on an unreadable @file or policy file. The recorded calls must configure exactly the
 * roles, policies and PKI role the pod annotations need.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { day0Steps } from '../day0/bootstrap';
import { pkiNames, pkiParams } from '../constructs/lib/vault';
import { parametersAllowed, parsePolicy } from '../verify/checks/vault-trust';
import { podTemplates, synth } from './helpers';

const SEP = '\u001f';
const FAKE_JWT = 'eyJhbGciOiJSUzI1NiJ9.e30.c2ln';

const made: string[] = [];
afterAll(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A repository root with dist/ as synthesized, a copy of the k3s CA, and stubs first on PATH. */
function workspace(): { root: string; env: NodeJS.ProcessEnv; calls: () => string[][] } {
  const root = mkdtempSync(join(tmpdir(), 'domus-setup-'));
  made.push(root);
  for (const [p, text] of synth().files) {
    if (!p.startsWith('bootstrap/')) continue;
    mkdirSync(dirname(join(root, 'dist', p)), { recursive: true });
    writeFileSync(join(root, 'dist', p), text);
  }
  writeFileSync(join(root, 'server-ca.crt'), '-----BEGIN CERTIFICATE-----\nstand-in\n-----END CERTIFICATE-----\n');
  const bin = join(root, 'stub-bin');
  mkdirSync(bin);
  const log = join(root, 'calls.log');
  // Both stubs log their argv (unit-separated) and check file arguments the way the real CLIs read them.
  const record = `printf '%s' "$(basename "$0")" >> "${log}"; for a in "$@"; do printf '${SEP}%s' "$a" >> "${log}"; done; printf '\\n' >> "${log}"`;
  writeFileSync(
    join(bin, 'vault'),
    [
      '#!/usr/bin/env bash',
      record,
      'for a in "$@"; do case "$a" in *=@*) f="${a#*=@}";; @*) f="${a#@}";; *) continue;; esac; [ -r "$f" ] || { echo "vault: error reading $f: no such file" >&2; exit 2; }; done',
      'if [ "$1 $2" = "policy write" ]; then [ -r "$4" ] || { echo "vault: error opening policy file $4" >&2; exit 2; }; fi',
      'if [ "$1 $2" = "auth list" ]; then echo "${STUB_AUTH_LIST:-{}}"; fi',
      'exit 0',
      '',
    ].join('\n'),
  );
  // STUB_TOKEN_AFTER=n: the Secret has no token for the first n-1 reads (the token controller is still busy).
  const count = join(root, 'kubectl.count');
  writeFileSync(
    join(bin, 'kubectl'),
    [
      '#!/usr/bin/env bash',
      record,
      `n=$(( $(cat "${count}" 2>/dev/null || echo 0) + 1 )); echo "$n" > "${count}"`,
      `if [ "$3 $4 $5" = "get secret vault-auth-token" ] && [ "$n" -ge "\${STUB_TOKEN_AFTER:-1}" ]; then printf '%s' '${Buffer.from(FAKE_JWT).toString('base64')}'; fi`,
      '',
    ].join('\n'),
  );
  chmodSync(join(bin, 'vault'), 0o755);
  chmodSync(join(bin, 'kubectl'), 0o755);
  const env = { PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}`, HOME: root };
  const calls = () => {
    try {
      return readFileSync(log, 'utf8')
        .trimEnd()
        .split('\n')
        .map((l) => l.split(SEP));
    } catch {
      return [];
    }
  };
  return { root, env, calls };
}

/** The DAY0 command that runs setup.sh, verbatim. */
const documented = (): string => {
  const step = day0Steps(synth().stack.ctx).find((s) => s.id === 'vault')!;
  const cmd = step.commands.find((c) => c.run.includes('dist/bootstrap/vault/setup.sh'));
  if (!cmd) throw new Error('DAY0 has no command running setup.sh');
  return cmd.run;
};

test('DAY0 documents setup.sh with the CA written, before it, to the path it passes', () => {
  const steps = day0Steps(synth().stack.ctx);
  const runs = steps.flatMap((s) => s.commands.map((c) => c.run));
  expect(documented()).toBe('K3S_CA_FILE=./server-ca.crt bash dist/bootstrap/vault/setup.sh');
  const vault = steps.find((s) => s.id === 'vault')!.commands.map((c) => c.run);
  expect(vault.indexOf('kubectl apply -f dist/bootstrap/vault/reviewer-token.yaml')).toBeLessThan(vault.indexOf(documented()));
  // The k3s server CA, from the workstation's kubeconfig (the CA the API server's certificate chains to).
  const write = runs.findIndex((r) => r.endsWith('| base64 -d > server-ca.crt'));
  expect(write).toBeGreaterThanOrEqual(0);
  expect(write).toBeLessThan(runs.indexOf(documented()));
  expect(vault.join('\n')).not.toContain('create token');
});

test('the stand-in vault fails on an unreadable @file, like the real CLI (the stub can catch the bug)', () => {
  const w = workspace();
  const r = spawnSync('vault', ['write', 'auth/x/config', 'kubernetes_ca_cert=@./nope.crt'], { cwd: w.root, env: w.env, encoding: 'utf8' });
  expect(r.status).toBe(2);
  expect(r.stderr).toContain('error reading ./nope.crt');
});

test('setup.sh run as DAY0 says makes exactly the calls the annotations need', () => {
  const w = workspace();
  const out = execFileSync('bash', ['-c', documented()], { cwd: w.root, env: w.env, encoding: 'utf8' });
  expect(out).toBe('');
  const calls = w.calls();
  const site = synth().stack.ctx.site;
  const mount = site.vault.authMount;

  expect(calls[0]).toEqual(['vault', 'auth', 'list', '-format=json']);
  expect(calls).toContainEqual(['vault', 'auth', 'enable', `-path=${mount}`, 'kubernetes']);
  expect(calls).toContainEqual(['kubectl', '-n', 'vault', 'get', 'secret', 'vault-auth-token', '-o', 'jsonpath={.data.token}']);
  expect(calls).toContainEqual([
    'vault',
    'write',
    `auth/${mount}/config`,
    'kubernetes_host=https://192.168.10.20:6443',
    'kubernetes_ca_cert=@./server-ca.crt',
    `token_reviewer_jwt=${FAKE_JWT}`,
    'disable_local_ca_jwt=true',
  ]);

  // One policy and one role per annotated role, with the pod's ServiceAccount and namespace.
  const annotated = podTemplates().filter((t) => t.metadata.annotations?.['vault.hashicorp.com/agent-inject'] === 'true');
  const expected = new Map(annotated.map((t) => [t.metadata.annotations!['vault.hashicorp.com/role']!, { sa: t.spec.serviceAccountName!, ns: t.owner.metadata.namespace! }]));
  const policies = calls.filter((c) => c[0] === 'vault' && c[1] === 'policy');
  const roles = calls.filter((c) => c[0] === 'vault' && c[2]?.startsWith(`auth/${mount}/role/`));
  expect(policies.map((c) => c[3]).sort()).toEqual([...expected.keys()].sort());
  for (const c of policies) expect(c[4]).toBe(join(w.root, 'dist/bootstrap/vault/policies', `${c[3]}.hcl`));
  expect(roles.map((c) => c[2]!.split('/').pop()).sort()).toEqual([...expected.keys()].sort());
  for (const c of roles) {
    const { sa, ns } = expected.get(c[2]!.split('/').pop()!)!;
    expect(c.slice(3)).toEqual([
      `bound_service_account_names=${sa}`,
      `bound_service_account_namespaces=${ns}`,
      `token_policies=${c[2]!.split('/').pop()}`,
      'token_ttl=1h',
      'token_max_ttl=4h',
    ]);
  }

  // The PKI role allows exactly the names of the typed certificate requests.
  const pki = calls.find((c) => c[2] === `${site.vault.pkiMount}/roles/${site.vault.pkiRole}`)!;
  const arg = (k: string) => pki.find((a) => a.startsWith(`${k}=`))?.slice(k.length + 1);
  const names = [
    ...new Set(
      synth()
        .stack.ctx.vault.certificates()
        .flatMap((c) => pkiNames(c.cert)),
    ),
  ].sort();
  expect(arg('allowed_domains')!.split(',')).toEqual(names);
  expect(names).toEqual(expect.arrayContaining(['admin.wazuh-indexer.security.svc', 'wazuh-indexer.security.svc', `*.${site.cluster.domain}`]));
  expect({
    bare: arg('allow_bare_domains'),
    sub: arg('allow_subdomains'),
    glob: arg('allow_glob_domains'),
    any: arg('allow_any_name'),
    localhost: arg('allow_localhost'),
    ip: arg('allow_ip_sans'),
    enforce: arg('enforce_hostnames'),
  }).toEqual({ bare: 'true', sub: 'false', glob: 'false', any: 'false', localhost: 'false', ip: 'false', enforce: 'true' });
  expect(calls.filter((c) => c[0] === 'vault').length).toBe(1 + 1 + 1 + 2 * expected.size + 1);
});

test('setup.sh stops with a clear message when the CA copy is missing, before calling Vault', () => {
  const w = workspace();
  const r = spawnSync('bash', ['-c', 'K3S_CA_FILE=./missing.crt bash dist/bootstrap/vault/setup.sh'], { cwd: w.root, env: w.env, encoding: 'utf8' });
  expect(r.status).toBe(1);
  expect(r.stderr).toContain('cannot read the k3s server CA at ./missing.crt');
  expect(w.calls()).toEqual([]);
});

test('setup.sh runs from any directory (no cd before reading caller-relative paths)', () => {
  const w = workspace();
  mkdirSync(join(w.root, 'elsewhere'));
  execFileSync('bash', ['-c', 'K3S_CA_FILE=../server-ca.crt bash ../dist/bootstrap/vault/setup.sh'], { cwd: join(w.root, 'elsewhere'), env: w.env, encoding: 'utf8' });
  expect(w.calls().some((c) => c.includes('kubernetes_ca_cert=@../server-ca.crt'))).toBe(true);
});

test("each policy admits only its own workload's certificate requests on the shared PKI role", () => {
  const s = synth();
  const issue = `${s.stack.ctx.site.vault.pkiMount}/issue/${s.stack.ctx.site.vault.pkiRole}`;
  const policy = (role: string) => parsePolicy(s.files.get(`bootstrap/vault/policies/${role}.hcl`)!).get(issue)!;
  // The OpenSearch admin identity (admin_dn) is the most valuable certificate of the stack.
  const adminCert = s.stack.ctx.vault.certificates().find((c) => c.cert.commonName.startsWith('admin.'))!.cert;
  const admin = new Map(Object.entries(pkiParams(adminCert)));
  expect(parametersAllowed(policy('security-wazuh-indexer'), admin)).toBeUndefined();
  expect(parametersAllowed(policy('ingress-traefik'), admin)).toBe(`common_name=${adminCert.commonName} is not among the allowed values [*.domus.lan]`);
  for (const { role, cert } of s.stack.ctx.vault.certificates()) expect(parametersAllowed(policy(role), new Map(Object.entries(pkiParams(cert))))).toBeUndefined();
});

test('setup.sh waits for the token controller to fill the reviewer Secret, and REVIEWER_JWT skips kubectl', () => {
  const w = workspace();
  execFileSync('bash', ['-c', documented()], { cwd: w.root, env: { ...w.env, STUB_TOKEN_AFTER: '2' }, encoding: 'utf8' });
  expect(w.calls().filter((c) => c[0] === 'kubectl').length).toBe(2);
  expect(w.calls().some((c) => c.includes(`token_reviewer_jwt=${FAKE_JWT}`))).toBe(true);

  const o = workspace();
  execFileSync('bash', ['-c', `REVIEWER_JWT=given ${documented()}`], { cwd: o.root, env: o.env, encoding: 'utf8' });
  expect(o.calls().filter((c) => c[0] === 'kubectl')).toEqual([]);
  expect(o.calls().some((c) => c.includes('token_reviewer_jwt=given'))).toBe(true);
});

test('run again, setup.sh leaves an enabled auth mount alone (idempotent)', () => {
  const w = workspace();
  const mount = synth().stack.ctx.site.vault.authMount;
  execFileSync('bash', ['-c', documented()], { cwd: w.root, env: { ...w.env, STUB_AUTH_LIST: `{"${mount}/":{"type":"kubernetes"},"token/":{"type":"token"}}` }, encoding: 'utf8' });
  expect(w.calls().filter((c) => c[1] === 'auth' && c[2] === 'enable')).toEqual([]);
  expect(w.calls().some((c) => c[2] === `auth/${mount}/config`)).toBe(true);
});
