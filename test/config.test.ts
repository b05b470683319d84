/**
 * The site configuration: defaults that synthesize, and errors that name the field, the value and what is
 * allowed — several at once — before anything is written.
 */
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadSiteFile, resolveSite, validateSite } from '../config/load';
import { runSynth } from '../charts/cli';
import { issuesOf } from './helpers';

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
    const issues = issuesOf({ nodes: [{ name: 'a', ip: '10.0.0.1', roles: ['agent'] }, { name: 'a', ip: '10.0.0.2', roles: ['agent'] }] });
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
      expect(existsSync(`${out}.synth-tmp-${process.pid}`)).toBe(false);
    } finally {
      log.mockRestore();
      err.mockRestore();
    }
  });
});
