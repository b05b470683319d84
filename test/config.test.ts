/**
 * The site configuration: defaults that synthesize, and errors that name the field, the value and what is
 * allowed — several at once — before anything is written.
 */
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadSiteFile, repoRoot, resolveSite, SITE_FILE, validateSite } from '../config/load';
import { EXAMPLE_LAN } from '../config/addresses';
import { SiteInput } from '../config/schema';
import { runSynth } from '../charts/cli';
import { issuesOf, readmeSite, synth } from './helpers';

describe('default site', () => {
  test('an empty file is a working single-node homelab', () => {
    const site = validateSite({});
    expect(site.nodes).toHaveLength(1);
    expect(site.cluster.domain).toBe('domus.lan');
    expect(site.storage.storageClass).toBe('local-path');
    expect(site.vault.address).toMatch(/^https:\/\//);
    expect(Object.values(site.namespaces)).toEqual(['monitoring', 'argocd', 'ingress', 'security', 'storage', 'vault']);
    for (const w of ['prometheus', 'grafana', 'argocd', 'traefik', 'wazuh', 'minio'] as const) expect(site.workloads[w].enabled).toBe(true);
  });

  test('partial input keeps the defaults of everything it does not name', () => {
    const site = validateSite({ workloads: { grafana: { replicas: 1 } }, cluster: { domain: 'home.arpa' } });
    expect(site.cluster.domain).toBe('home.arpa');
    expect(site.cluster.name).toBe('domus');
    expect(site.workloads.grafana.resources.requests.cpu).toBe('100m');
  });
});

describe('bad input', () => {
  test.each([
    ['unknown key', { cluster: { domian: 'x.lan' } }, 'cluster.domian', 'no such field (allowed here: name, domain'],
    ['wrong type', { workloads: { grafana: { replicas: 'two' } } }, 'workloads.grafana.replicas', 'a number'],
    ['invalid IP', { nodes: [{ name: 'n1', ip: '192.168.1.300' }] }, 'nodes[0].ip', 'an IPv4 address'],
    ['invalid CIDR', { cluster: { lanCidr: '192.168.1.0/33' } }, 'cluster.lanCidr', 'an IPv4 CIDR'],
    ['name that is not a DNS label', { nodes: [{ name: 'Node_1', ip: '192.168.1.2' }] }, 'nodes[0].name', 'a DNS label (RFC 1123)'],
    ['domain that is not a domain', { cluster: { domain: 'lan' } }, 'cluster.domain', 'a domain name'],
    ['Vault address without https', { vault: { address: 'http://vault.lan:8200' } }, 'vault.address', 'an https:// URL'],
    ['latest tag', { workloads: { grafana: { version: 'latest' } } }, 'workloads.grafana.version', 'a pinned tag'],
    ['enum', { workloads: { traefik: { kind: 'StatefulSet' } } }, 'workloads.traefik.kind', 'one of "Deployment", "DaemonSet"'],
  ])('%s', (_label, input, path, expected) => {
    const issues = issuesOf(input);
    const hit = issues.find((i) => i.path === path);
    expect(hit).toBeDefined();
    expect(hit!.expected).toContain(expected);
  });

  test('replicas above the node count under required anti-affinity', () => {
    const [issue] = issuesOf({ workloads: { prometheus: { replicas: 2 } } });
    expect(issue).toEqual({ path: 'workloads.prometheus.replicas', value: 2, expected: expect.stringContaining('at most 1') });
  });

  test('the same replicas are fine with enough nodes', () => {
    const nodes = [1, 2].map((i) => ({ name: `node-0${i}`, ip: `192.168.10.2${i}` }));
    expect(() => validateSite({ nodes, workloads: { prometheus: { replicas: 2 } } })).not.toThrow();
  });

  test('several errors are reported at once, each naming field, value and what is allowed', () => {
    let message = '';
    try {
      validateSite({ cluster: { domain: 'nodots', foo: 1 }, nodes: [{ name: 'Bad_Name', ip: '300.1.1.1' }], vault: { address: 'http://x' } }, 'site.yaml');
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('invalid site configuration (site.yaml): 5 problems');
    expect(message).toContain('- cluster.domain: got "nodots"; expected a domain name');
    expect(message).toContain('- cluster.foo: got 1; expected no such field');
    expect(message).toContain('- nodes[0].name: got "Bad_Name"; expected a DNS label');
    expect(message).toContain('- nodes[0].ip: got "300.1.1.1"; expected an IPv4 address');
    expect(message).toContain('- vault.address: got "http://x"; expected an https:// URL');
  });

  test('duplicate node names and a missing server role', () => {
    const issues = issuesOf({
      nodes: [
        { name: 'a', ip: '10.0.0.1', roles: ['agent'] },
        { name: 'a', ip: '10.0.0.2', roles: ['agent'] },
      ],
    });
    expect(issues.map((i) => i.path)).toEqual(expect.arrayContaining(['nodes', 'nodes[1].name']));
  });

  test('JVM heap must fit the memory limit', () => {
    const issues = issuesOf({ workloads: { wazuh: { indexer: { heap: '2g' } } } });
    expect(issues[0]!.path).toBe('workloads.wazuh.indexer.heap');
  });
});

describe('site files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'domus-config-'));

  test('a YAML file is read and validated', () => {
    const file = join(dir, 'site.yaml');
    writeFileSync(file, 'cluster:\n  domain: home.arpa\n');
    expect(loadSiteFile(file).cluster.domain).toBe('home.arpa');
    expect(resolveSite(['--config', file], {}).source).toBe(file);
    expect(resolveSite([], { DOMUS_CONFIG: file }).site.cluster.domain).toBe('home.arpa');
  });

  test('broken YAML and duplicate keys are errors', () => {
    const file = join(dir, 'dup.yaml');
    writeFileSync(file, 'cluster:\n  domain: a.lan\n  domain: b.lan\n');
    expect(() => loadSiteFile(file)).toThrow(ConfigError);
  });

  test('bad input leaves dist/ as it was', () => {
    const out = join(dir, 'dist');
    const good = join(dir, 'good.yaml');
    writeFileSync(good, '{}\n');
    const log = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const err = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(runSynth(['--config', good, '--outdir', out])).toBe(0);
      const before = readFileSync(join(out, 'platform', 'platform.yaml'), 'utf8');
      const bad = join(dir, 'bad.yaml');
      writeFileSync(bad, 'cluster:\n  domain: nodots\n');
      expect(runSynth(['--config', bad, '--outdir', out])).toBe(2);
      expect(String(err.mock.calls.map((c) => c[0]).join(''))).toContain('cluster.domain: got "nodots"');
      expect(readFileSync(join(out, 'platform', 'platform.yaml'), 'utf8')).toBe(before);
      expect(existsSync(join(dir, `.synth-tmp-dist-${process.pid}`))).toBe(false);
    } finally {
      log.mockRestore();
      err.mockRestore();
    }
  });
});

describe('the site in the repository', () => {
  test('without --config or $DOMUS_CONFIG every command reads site.yaml at the repository root', () => {
    const cwd = process.cwd();
    try {
      process.chdir(repoRoot());
      const { site, source } = resolveSite([], {});
      expect(source).toBe(SITE_FILE);
      expect(site).toEqual(loadSiteFile(join(repoRoot(), SITE_FILE)));
    } finally {
      process.chdir(cwd);
    }
  });

  test('--config wins over $DOMUS_CONFIG, which wins over site.yaml', () => {
    const dir = mkdtempSync(join(tmpdir(), 'domus-resolve-'));
    const a = join(dir, 'a.yaml');
    const b = join(dir, 'b.yaml');
    writeFileSync(a, 'cluster: { name: from-flag }\n');
    writeFileSync(b, 'cluster: { name: from-env }\n');
    expect(resolveSite(['--config', a], { DOMUS_CONFIG: b }).site.cluster.name).toBe('from-flag');
    expect(resolveSite([`--config=${a}`], {}).site.cluster.name).toBe('from-flag');
    expect(resolveSite([], { DOMUS_CONFIG: b }).site.cluster.name).toBe('from-env');
  });
});

/** A fork's own CA (public certificate; made with openssl for this test, key discarded). */
const FORK_CA = [
  '-----BEGIN CERTIFICATE-----',
  'MIIBejCCAR+gAwIBAgIURMEVTlqXKAIAJreNEPFBbQVyC3YwCgYIKoZIzj0EAwIw',
  'EjEQMA4GA1UEAwwHQ2FzYSBDQTAeFw0yNjExMzAwNDE4MjZaFw0zNjExMjcwNDE4',
  'MjZaMBIxEDAOBgNVBAMMB0Nhc2EgQ0EwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNC',
  'AATSW2qtxtiXFKUnoP+Y3uQG5efryuZ4Sq07XfjVvAOq6qbgtY0suW3PqfQEpzDQ',
  'P8K2hlXBUTV/6pAFP4Me+nqHo1MwUTAdBgNVHQ4EFgQUO/iLTBZy7araXsSDlq5y',
  'clFNPLwwHwYDVR0jBBgwFoAUO/iLTBZy7araXsSDlq5yclFNPLwwDwYDVR0TAQH/',
  'BAUwAwEB/zAKBggqhkjOPQQDAgNJADBGAiEA4wk0reVIqqNM6B6aDU5KVYOBxMR/',
  'u8M7cQXla3DxPHoCIQDeY3AkLEqIJkNP2qyooFgAbLftb2A2vy/Vw1ruKvRUbw==',
  '-----END CERTIFICATE-----',
  '',
].join('\n');

describe('address defaults follow the fields they depend on', () => {
  const fork = { cluster: { lanCidr: '10.20.0.0/16' }, nodes: [{ name: 'nuc', ip: '10.20.0.10' }], loadBalancer: { pool: ['10.20.0.240/28'] } };

  test('the example site keeps the example addresses (it equals the schema defaults)', () => {
    const site = validateSite({});
    expect(site.cluster.lanCidr).toBe(EXAMPLE_LAN);
    expect(site.workloads.traefik.adminAllowCidrs).toEqual([EXAMPLE_LAN]);
    expect(site.vault.cidrs).toEqual(['192.168.10.5/32']);
  });

  test('the admin allow-list is the LAN, and Vault CIDRs come from an IP address', () => {
    const site = validateSite({ ...fork, vault: { address: 'https://10.20.0.5:8200', caCert: FORK_CA } });
    expect(site.workloads.traefik.adminAllowCidrs).toEqual(['10.20.0.0/16']);
    expect(site.vault.cidrs).toEqual(['10.20.0.5/32']);
    const out = synth({ ...fork, vault: { address: 'https://10.20.0.5:8200', caCert: FORK_CA } });
    const all = [...out.files.values()].join('\n');
    expect(all).not.toContain('192.168.10.');
  });

  test('a fork with its own name, domain, LAN, Vault and git server synthesizes no example value', () => {
    const own: SiteInput = {
      cluster: { name: 'casa', domain: 'casa.home.arpa', lanCidr: '10.7.0.0/22' },
      nodes: [{ name: 'nuc-01', ip: '10.7.1.10' }],
      loadBalancer: { provider: 'cilium', pool: ['10.7.3.0/28'], ingressIp: '10.7.3.1', wazuhIp: '10.7.3.2' },
      vault: { address: 'https://vault.casa.home.arpa:8200', cidrs: ['10.7.0.5/32'], caCert: FORK_CA },
      git: {
        repoURL: 'ssh://git@forge.casa.home.arpa:2222/infra/homelab.git',
        sshKnownHosts: ['[forge.casa.home.arpa]:2222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBvLcP5DzZ3JzI2a9Pq0Q2wn0zZ7fNf1yGgkN1m0t9r1'],
      },
    };
    expect(validateSite(own).vault.authMount).toBe('k3s-casa');
    const leaks = [...synth(own).files].flatMap(([path, text]) => (text.match(/192\.168\.10\.\d+|domus\.lan|k3s-domus/g) ?? []).map((m) => `${path}: ${m}`));
    expect(leaks).toEqual([]);
  });

  test('vault.cidrs: the example host only on the example LAN; a Vault of your own by name gets an FQDN rule', () => {
    expect(issuesOf(fork)).toContainEqual({
      path: 'vault.cidrs',
      value: undefined,
      expected: expect.stringContaining("the example Vault's address is only the default on the example LAN"),
    });
    expect(validateSite({ vault: { address: 'https://vault.casa.home.arpa:8200', caCert: FORK_CA } }).vault.cidrs).toEqual([]);
    expect(validateSite({ ...fork, vault: { cidrs: [] } }).vault.cidrs).toEqual([]);
    expect(validateSite({ ...fork, vault: { cidrs: ['10.20.0.5/32'] } }).vault.cidrs).toEqual(['10.20.0.5/32']);
  });

  test('the LB-IPAM pool: the example pool only on the example LAN, else required with cilium', () => {
    expect(validateSite({}).loadBalancer.pool).toEqual(['192.168.10.240/28']);
    const noPool = { ...fork, loadBalancer: {}, vault: { cidrs: [] } };
    expect(issuesOf(noPool)).toEqual([{ path: 'loadBalancer.pool', value: undefined, expected: expect.stringContaining('e.g. [10.20.0.240/28]: required with provider cilium') }]);
    expect(validateSite({ ...noPool, loadBalancer: { provider: 'servicelb' } }).loadBalancer.pool).toEqual([]);
  });

  test('a new LAN without nodes says the example node is not in it', () => {
    const issues = issuesOf({ cluster: { lanCidr: '10.20.0.0/16' }, vault: { cidrs: [] }, loadBalancer: { pool: ['10.20.0.240/28'] } });
    expect(issues).toEqual([
      { path: 'nodes[0].ip', value: '192.168.10.20', expected: expect.stringContaining('inside cluster.lanCidr (10.20.0.0/16) (this is the example node-01') },
    ]);
  });
});

describe('address rules', () => {
  const lb = (x: object) => ({ loadBalancer: { provider: 'cilium', pool: ['192.168.10.240/28'], ...x } });
  test.each([
    ['host bits in the LAN', { cluster: { lanCidr: '192.168.10.1/24' } }, 'cluster.lanCidr', 'no host bits set: 192.168.10.0/24'],
    ['host bits in a pool', lb({ pool: ['192.168.10.241/28'] }), 'loadBalancer.pool[0]', 'no host bits set: 192.168.10.240/28'],
    ['host bits in Vault CIDRs', { vault: { cidrs: ['192.168.10.5/24'] } }, 'vault.cidrs[0]', 'no host bits'],
    ['host bits in the admin allow-list', { workloads: { traefik: { adminAllowCidrs: ['10.0.0.1/8'] } } }, 'workloads.traefik.adminAllowCidrs[0]', 'no host bits'],
    ['pods overlapping the LAN', { cluster: { podCidr: '192.168.0.0/16' } }, 'cluster.podCidr', 'disjoint from cluster.lanCidr'],
    ['services overlapping pods', { cluster: { serviceCidr: '10.42.128.0/17', clusterDns: '10.42.128.10' } }, 'cluster.serviceCidr', 'disjoint from cluster.podCidr'],
    ['cluster DNS outside the service range', { cluster: { clusterDns: '10.42.0.10' } }, 'cluster.clusterDns', 'inside cluster.serviceCidr'],
    ['a node outside the LAN', { nodes: [{ name: 'n', ip: '192.168.11.2' }] }, 'nodes[0].ip', 'inside cluster.lanCidr (192.168.10.0/24)'],
    ['a node on the broadcast address', { nodes: [{ name: 'n', ip: '192.168.10.255' }] }, 'nodes[0].ip', 'not its network or broadcast address'],
    [
      'a fixed address under servicelb',
      { loadBalancer: { provider: 'servicelb', wazuhIp: '192.168.10.50' } },
      'loadBalancer.wazuhIp',
      'unset when loadBalancer.provider is "servicelb"',
    ],
    ['cilium with an empty pool', { loadBalancer: { provider: 'cilium', pool: [] } }, 'loadBalancer.pool', 'at least one CIDR'],
    ['a pool outside the LAN', lb({ pool: ['192.168.20.0/28'] }), 'loadBalancer.pool[0]', 'inside cluster.lanCidr'],
    ['a pool wider than the LAN', lb({ pool: ['192.168.0.0/16'] }), 'loadBalancer.pool[0]', 'inside cluster.lanCidr'],
    ['overlapping pools', lb({ pool: ['192.168.10.240/28', '192.168.10.248/29'] }), 'loadBalancer.pool[1]', 'disjoint from loadBalancer.pool[0]'],
    ['a pool holding a node IP', lb({ pool: ['192.168.10.16/28'] }), 'loadBalancer.pool[0]', 'holds no node address (nodes[0].ip 192.168.10.20'],
    ['an LB address outside the pool', lb({ ingressIp: '192.168.10.100' }), 'loadBalancer.ingressIp', 'inside loadBalancer.pool (192.168.10.240/28)'],
    ['the same LB address twice', lb({ ingressIp: '192.168.10.241', wazuhIp: '192.168.10.241' }), 'loadBalancer.wazuhIp', 'different from loadBalancer.ingressIp'],
  ])('%s', (_label, input, path, expected) => {
    const issues = issuesOf(input);
    expect(issues.map((i) => i.path)).toContain(path);
    expect(issues.find((i) => i.path === path)!.expected).toContain(expected);
  });

  test('the example layouts pass: Cilium pool with two addresses, servicelb on the node addresses', () => {
    expect(() => validateSite({})).not.toThrow();
    expect(() => validateSite({ loadBalancer: { provider: 'servicelb' } })).not.toThrow();
    expect(() => validateSite(lbSite)).not.toThrow();
  });
  const lbSite = { loadBalancer: { provider: 'cilium', pool: ['192.168.10.240/28'], ingressIp: '192.168.10.240', wazuhIp: '192.168.10.241' } };
});

describe('every problem at once, with a hint', () => {
  test('cross-field rules run even when a field is wrong', () => {
    const issues = issuesOf({
      cluster: { domain: 'nodots', podCidr: '192.168.10.0/25' },
      workloads: { prometheus: { replicas: 2 }, grafana: { resources: { requests: { cpu: 8, memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } } } },
    });
    // The pod range over the LAN also covers the example Vault's address (vault.cidrs, issue 25): reported as well.
    expect(issues.map((i) => i.path)).toEqual(['cluster.domain', 'workloads.grafana.resources.requests.cpu', 'cluster.podCidr', 'workloads.prometheus.replicas', 'vault.cidrs[0]']);
  });

  test('cross-field rules run when a field of a list element is wrong (the element still counts)', () => {
    const issues = issuesOf({
      nodes: [
        { name: 'n1', ip: '192.168.10.300' },
        { name: 'Bad_Name', ip: '192.168.10.22' },
      ],
      workloads: { prometheus: { replicas: 3 } },
    });
    expect(issues.map((i) => i.path)).toEqual(['nodes[0].ip', 'nodes[1].name', 'workloads.prometheus.replicas']);
    expect(issues[2]!.expected).toContain('at most 2');
    expect(issuesOf({ nodes: [{ name: 'n1' }] })).toEqual([{ path: 'nodes[0].ip', value: undefined, expected: 'a string: this field is required (it has no default)' }]);
  });

  test('a cross-field rule about a wrong field is not reported twice', () => {
    const issues = issuesOf({ nodes: [{ name: 'n', ip: 'nope' }] });
    expect(issues.map((i) => i.path)).toEqual(['nodes[0].ip']);
  });

  test('a number where a string belongs says to quote it', () => {
    const [issue] = issuesOf({ nodes: [{ name: 'n', ip: '192.168.10.2', capacity: { cpu: 8, memory: '8Gi' } }] });
    expect(issue).toEqual({ path: 'nodes[0].capacity.cpu', value: 8, expected: 'a string; YAML read 8 as a number: quote it (cpu: "8")' });
  });

  test('"an object", and an empty key says it is empty', () => {
    expect(issuesOf({ cluster: 'casa' })[0]!.expected).toBe('an object');
    expect(issuesOf({ cluster: null })[0]!.expected).toContain('an object; the key is there with no value');
  });
});

describe('site file errors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'domus-files-'));
  const messageOf = (text: string): string => {
    const file = join(dir, `f${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(file, text);
    try {
      loadSiteFile(file);
    } catch (e) {
      return (e as Error).message;
    }
    return '';
  };

  test('a YAML error shows its line and a caret under the spot', () => {
    const m = messageOf('cluster:\n  name: casa\n  domain: [casa.lan\n');
    expect(m).toMatch(/YAML error: .* at line \d+, column \d+/);
    expect(m).toMatch(/\n\s+\^/);
  });

  test('an empty file (or only comments) says it is empty', () => {
    for (const text of ['', '\n\n', '# nothing here\n']) expect(messageOf(text)).toContain('the file is empty');
  });

  test('a file that is not a mapping says what it should be', () => {
    expect(messageOf('- a\n- b\n')).toContain('(root): got ["a","b"]; expected an object: the site\'s settings');
  });
});

test("the README's own-site example is a valid site that keeps nothing of the example LAN", () => {
  const site = validateSite(readmeSite());
  expect(site.workloads.traefik.adminAllowCidrs).toEqual([site.cluster.lanCidr]);
  expect(JSON.stringify(site)).not.toContain('192.168.10.');
});
