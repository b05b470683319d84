/**
 * Property-based tests (fast-check, pinned): the quoting helpers round-trip any string through their target's
 * own reader (bash, the yaml library, JSON for Go literals, decoders written from the HCL/XML/Lua specs), and
 * the schema, fed generated sites, either refuses with a ConfigError or accepts only inert values and
 * synthesizes the same bytes twice.
 */
import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { parse } from 'yaml';
import { synthesize } from '../charts/synth';
import { ConfigError, validateSite } from '../config/load';
import { scanForSecrets, stringLeaves } from '../config/secret-scan';
import { comment, goString, hcl, ini, lua, sh, templateText, traefikRuleArg, xml, yaml, yamlString } from '../constructs/lib/quote';
import { runChecks } from '../verify/cli';
import { inputWith, PAYLOADS, scalarFields, stringFields } from './corpus';
import { siteContext } from './verify/site-context';
import { budget } from './tier';

const SEED = 20261130;
const anyString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'binary-ascii', maxLength: 40 }),
  fc.constantFrom(...PAYLOADS.filter((p) => p.length < 1000)),
);
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

describe('quoting round-trips through the target', () => {
  test('sh: bash reads every quoted word back as the original string', () => {
    const strings = [...PAYLOADS, ...fc.sample(anyString, { seed: SEED, numRuns: 400 })].filter((s) => !s.includes('\u0000'));
    // One bash process: printf each word followed by NUL, then compare.
    const script = `printf '%s\\0' ${strings.map(sh).join(' ')}`;
    const out = spawnSync('bash', ['-c', script], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
    expect(out.status).toBe(0);
    expect(out.stdout.split('\u0000').slice(0, -1)).toEqual(strings);
  });
  test('sh refuses NUL (no shell can carry it)', () => {
    expect(() => sh('a\u0000b')).toThrow(/cannot emit/);
  });
  test('yamlString: YAML 1.1 and 1.2 parsers read the original string', () => {
    fc.assert(
      fc.property(anyString, (s) => {
        for (const version of ['1.1', '1.2'] as const) expect((parse(`k: ${yamlString(s)}\n`, { version }) as { k: string }).k).toBe(s);
        expect(CONTROL.test(yamlString(s))).toBe(false);
      }),
      { seed: SEED, numRuns: 500 },
    );
  });
  test('yaml: plain or quoted, YAML 1.1 and 1.2 parsers read the original string (booleans, numbers, nulls stay strings)', () => {
    const words = fc.oneof(
      anyString,
      fc.constantFrom(
        'yes',
        'No',
        'on',
        'OFF',
        'null',
        '~',
        '0755',
        '1e3',
        '0x1F',
        '.inf',
        'a: b',
        '- x',
        '#x',
        'x #y',
        'https://a.lan:9200',
        '*a',
        '&a',
        '!tag',
        '%x',
        '@x',
        '`x',
      ),
    );
    fc.assert(
      fc.property(words, (s) => {
        for (const version of ['1.1', '1.2'] as const) expect((parse(`k: ${yaml(s)}\n`, { version }) as { k: unknown }).k).toBe(s);
      }),
      { seed: SEED, numRuns: 500 },
    );
  });
  test('goString: a Go/consul-template string literal (JSON escapes ⊂ Go escapes) with no raw control character', () => {
    fc.assert(
      fc.property(anyString, (s) => {
        const q = goString(s);
        expect(JSON.parse(q)).toBe(s);
        expect(CONTROL.test(q)).toBe(false);
        expect(/^"([^"\\]|\\.)*"$/s.test(q)).toBe(true);
      }),
      { seed: SEED, numRuns: 500 },
    );
  });
  test('hcl: no interpolation or directive can start, and the HCL escapes decode to the original', () => {
    const decode = (q: string) =>
      q
        .slice(1, -1)
        .replace(/\$\$\{|%%\{|\\u([0-9a-f]{4})|\\(.)/g, (m, hex: string | undefined, c: string | undefined) =>
          m === '$${'
            ? '${'
            : m === '%%{'
              ? '%{'
              : hex
                ? String.fromCharCode(parseInt(hex, 16))
                : ({ n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\' } as Record<string, string>)[c!]!,
        );
    fc.assert(
      fc.property(anyString, (s) => {
        const q = hcl(s);
        expect(decode(q)).toBe(s);
        // Every `${` / `%{` in the output is escaped by a doubled sigil; no unescaped quote inside.
        expect(/(^|[^$])\$\{/.test(q.replace(/\$\$\{/g, ''))).toBe(false);
        expect(/(^|[^%])%\{/.test(q.replace(/%%\{/g, ''))).toBe(false);
        expect(/^"([^"\\]|\\.)*"$/s.test(q)).toBe(true);
      }),
      { seed: SEED, numRuns: 500 },
    );
  });
  test('xml: no markup survives, entities decode to the original; characters XML 1.0 forbids throw', () => {
    fc.assert(
      fc.property(anyString, (s) => {
        if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/.test(s)) return expect(() => xml(s)).toThrow(/cannot emit/);
        const q = xml(s);
        expect(/[<>"']|&(?!(amp|lt|gt|quot|apos);)/.test(q)).toBe(false);
        expect(q.replace(/&(lt|gt|quot|apos);/g, (_m, e: string) => ({ lt: '<', gt: '>', quot: '"', apos: "'" })[e as 'lt']).replace(/&amp;/g, '&')).toBe(s);
      }),
      { seed: SEED, numRuns: 500 },
    );
  });
  test('lua: printable ASCII only, decimal escapes decode to the original UTF-8', () => {
    fc.assert(
      fc.property(anyString, (s) => {
        const q = lua(s);
        expect(/^"([\x20-\x21\x23-\x5b\x5d-\x7e]|\\\\|\\"|\\\d{3})*"$/.test(q)).toBe(true);
        const bytes: number[] = [];
        for (const m of q.slice(1, -1).matchAll(/\\(\d{3})|\\(.)|(.)/g)) bytes.push(m[1] ? Number(m[1]) : (m[2] ?? m[3])!.charCodeAt(0));
        expect(Buffer.from(bytes).toString('utf8')).toBe(s);
      }),
      { seed: SEED, numRuns: 500 },
    );
  });
  test('templateText: no action can open except the one that prints "{{"', () => {
    fc.assert(
      fc.property(anyString, (s) => {
        const q = templateText(s);
        expect(q.split('{{"{{"}}').join('').includes('{{')).toBe(false);
        expect(q.split('{{"{{"}}').join('{{')).toBe(s);
      }),
      { seed: SEED, numRuns: 500 },
    );
  });
  test('one-line targets (comments, ini values, Traefik rule arguments) refuse what would end the line or the literal', () => {
    fc.assert(
      fc.property(anyString, (s) => {
        const bad = CONTROL.test(s);
        for (const f of [comment, ini]) {
          if (bad) expect(() => f(s)).toThrow(/cannot emit/);
          else expect(f(s)).toBe(s);
        }
        if (bad || s.includes('`')) expect(() => traefikRuleArg(s)).toThrow(/cannot emit/);
        else expect(traefikRuleArg(s)).toBe(`\`${s}\``);
      }),
      { seed: SEED, numRuns: 500 },
    );
  });
});

describe('the schema over generated sites', () => {
  const fields = stringFields().filter((f) => !f.enumValues);
  /** A site with 1-3 string fields set to generated values (valid examples, payloads, random strings). */
  const siteArb = fc
    .array(
      fc.tuple(
        fc.constantFrom(...fields),
        fc.oneof(
          anyString,
          fc.constantFrom('main', 'v1.2.3', 'node-02', 'casa.home.arpa', '10.1.0.0/16', '500m', '2Gi', '30d', 'https://vault.casa.lan', 'git@git.casa.lan:infra/homelab.git'),
        ),
      ),
      { minLength: 1, maxLength: 3 },
    )
    .map((entries) => entries.reduce<Record<string, unknown>>((acc, [f, v]) => merge(acc, inputWith(f.path, v)), {}));
  const INERT = /^[A-Za-z0-9_@%+=:,./~-]{0,2048}$/;

  beforeAll(() => {
    // Warm the secret-scan cache with every string fast-check will generate (same seed), in one process.
    const texts = fc.sample(siteArb, { seed: SEED, numRuns: 300 }).flatMap((s) => stringLeaves(s).map((l) => l.text));
    scanForSecrets(texts.map((text, i) => ({ id: String(i), text })));
  });

  test('refused with a ConfigError naming a field, or accepted with only plain-word strings', () => {
    fc.assert(
      fc.property(siteArb, (input) => {
        let site;
        try {
          site = validateSite(input, 'generated');
        } catch (e) {
          expect(e).toBeInstanceOf(ConfigError);
          expect((e as ConfigError).issues.length).toBeGreaterThan(0);
          return;
        }
        for (const l of stringLeaves(site)) {
          const key = l.path.join('.');
          if (/caCert$|dex\.config$/.test(key)) continue;
          // A cron schedule (workloads.backup) is five fields of digits, `*`, `,`, `-`, `/` and single spaces,
          // written only as a CronJob's YAML scalar (never into a script).
          if (/(^|\.)(schedule|checkSchedule)$/.test(key)) {
            expect([key, /^[0-9*,/-]+( [0-9*,/-]+){4}$/.test(l.text)]).toEqual([key, true]);
            continue;
          }
          expect([key, INERT.test(l.text)]).toEqual([key, true]);
        }
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  test('numbers and booleans anywhere in the schema: refused with a ConfigError, or a site that synthesizes and passes verify', () => {
    const fields = scalarFields();
    expect(fields.length).toBeGreaterThan(20);
    const arb = fc
      .array(
        fc
          .constantFrom(...fields)
          .chain((f) =>
            (f.kind === 'boolean' ? fc.boolean() : fc.oneof(fc.integer({ min: -3, max: 40 }), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constant(1e12))).map((v) =>
              inputWith(f.path, v),
            ),
          ),
        { minLength: 1, maxLength: 3 },
      )
      .map((parts) => parts.reduce<Record<string, unknown>>((acc, p) => merge(acc, p), {}));
    let accepted = 0;
    fc.assert(
      fc.property(arb, (input) => {
        let site;
        try {
          site = validateSite(input, 'generated');
        } catch (e) {
          expect(e).toBeInstanceOf(ConfigError);
          return;
        }
        accepted++;
        const out = synthesize(site);
        // Capacity is the one promise the schema leaves to verify: more replicas may simply not fit the nodes.
        expect(
          runChecks(siteContext(site, out.files), { maxShare: 0.8 })
            .findings.filter((f) => f.severity === 'error' && f.check !== 'capacity')
            .map((f) => `${f.check}: ${f.message}`),
        ).toEqual([]);
      }),
      { seed: SEED, numRuns: budget(10, 40) },
    );
    expect(accepted).toBeGreaterThan(0);
  });

  test('arbitrary JSON never crashes the loader', () => {
    const json = fc.jsonValue({ maxDepth: 3 });
    scanForSecrets(
      fc
        .sample(json, { seed: SEED, numRuns: 150 })
        .flatMap((j) => stringLeaves(j))
        .map((l, i) => ({ id: String(i), text: l.text })),
    );
    fc.assert(
      fc.property(json, (input) => {
        try {
          validateSite(input, 'json');
        } catch (e) {
          expect(e).toBeInstanceOf(ConfigError);
        }
      }),
      { seed: SEED, numRuns: 150 },
    );
  });

  test('valid generated sites synthesize byte-identically twice and pass every verify check', () => {
    const valid = fc.record({
      name: fc.stringMatching(/^[a-z][a-z0-9]{0,10}$/),
      domain: fc.constantFrom('casa.home.arpa', 'lab.lan', 'x.internal'),
      nodes: fc.integer({ min: 1, max: 3 }),
      revision: fc.stringMatching(/^[a-z][a-z0-9._-]{0,20}[a-z0-9]$/).filter((r) => !r.includes('..') && !r.endsWith('.lock')),
      wazuh: fc.boolean(),
      minio: fc.boolean(),
    });
    fc.assert(
      fc.property(valid, (v) => {
        const input = {
          cluster: { name: v.name, domain: v.domain },
          nodes: Array.from({ length: v.nodes }, (_, i) => ({ name: `node-0${i + 1}`, ip: `192.168.10.2${i + 1}` })),
          git: { revision: v.revision },
          workloads: { wazuh: { enabled: v.wazuh }, minio: { enabled: v.minio } },
        };
        const site = validateSite(input, 'gen');
        const a = synthesize(site);
        const b = synthesize(site);
        expect([...a.files.entries()]).toEqual([...b.files.entries()]);
        // ... and keep every promise `npm run verify` checks.
        expect(
          runChecks(siteContext(site, a.files), { maxShare: 0.8 })
            .findings.filter((f) => f.severity === 'error')
            .map((f) => `${f.check}: ${f.message}`),
        ).toEqual([]);
      }),
      { seed: SEED, numRuns: budget(2, 6) },
    );
  });
});

function merge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const cur = out[k];
    out[k] =
      cur && v && typeof cur === 'object' && typeof v === 'object' && !Array.isArray(cur) && !Array.isArray(v)
        ? merge(cur as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}
