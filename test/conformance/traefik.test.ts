/**
 * Traefik as synthesized against what Traefik v3.6.6 and its library image do (conformance/facts/traefik.ts):
 * flags that exist, a start the entrypoint understands, a user the image allows, exactly the RBAC the CRD
 * provider's informers need, and every difference from upstream's ClusterRole written down.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { IMAGES } from '../../config/versions';
import { TRAEFIK_CLI_FLAGS, TRAEFIK_FACTS } from '../../conformance/facts/traefik';
import { programOf } from '../../tools/paths';
import { TRAEFIK_UID } from '../../constructs/traefik';
import { findAll, findResource, podTemplate, rulesOf, synth } from '../helpers';

const s = synth();
const pod = podTemplate('DaemonSet', 'traefik', 'ingress', s);
const container = pod.spec.containers.find((c) => c.name === 'traefik')!;
const args = container.args ?? [];

/** `--entryPoints.web.address=:8000/tcp` → `--entrypoints.<name>.address`, as cli-ref.md spells it. */
function normalize(arg: string): string {
  const flag = arg.split('=')[0]!.toLowerCase();
  return flag.replace(/^--entrypoints\.[^.]+/, '--entrypoints.<name>');
}

test('every flag passed exists in the v3.6.6 static configuration reference', () => {
  const unknown = args.map(normalize).filter((f) => !(TRAEFIK_CLI_FLAGS as readonly string[]).includes(f));
  expect({ unknown, source: TRAEFIK_FACTS.cliFlags.source }).toEqual({ unknown: [], source: TRAEFIK_FACTS.cliFlags.source });
});

test('args only, each starting with "-": the library entrypoint runs them as `traefik <args>`', () => {
  expect(container.command).toBeUndefined();
  expect(container.image).toBe('docker.io/library/traefik:v3.6.6');
  expect(args.every((a) => a.startsWith('-'))).toBe(true);
  expect(TRAEFIK_FACTS.imageEntrypoint.value.dashPrefix).toBe('traefik');
});

test('the probes hit /ping on the `traefik` entry point, where ping is served by default, on the declared port', () => {
  expect(TRAEFIK_FACTS.pingEntryPoint.value).toBe('traefik');
  expect(args).toEqual(expect.arrayContaining(['--ping=true', '--entryPoints.traefik.address=:8080/tcp']));
  expect(container.ports).toEqual(expect.arrayContaining([{ name: 'traefik', containerPort: 8080, protocol: 'TCP' }]));
  for (const p of [container.livenessProbe, container.readinessProbe]) expect(p).toMatchObject({ httpGet: { path: '/ping', port: 'traefik' } });
});

test('the image sets no USER: the pod runs as a fixed non-root UID on a read-only root, /tmp the only writable path', () => {
  expect(TRAEFIK_FACTS.imageUser.value.user).toBeNull();
  expect(pod.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: TRAEFIK_UID });
  expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
  expect((container.volumeMounts ?? []).map((m) => m.mountPath).filter((p) => !p.startsWith('/vault') && !p.startsWith('/var/run/secrets'))).toEqual(['/tmp']);
  // Entry points above 1024: no NET_BIND_SERVICE needed.
  expect((container.ports ?? []).every((p) => p.containerPort > 1024)).toBe(true);
});

test('each watched namespace grants exactly what the namespaced informers list and watch', () => {
  const expected = TRAEFIK_FACTS.crdNamespacedInformers.value;
  const roles = findAll('Role', s).filter((r) => r.metadata.name === 'traefik');
  expect(roles.length).toBeGreaterThan(1);
  for (const role of roles) {
    const got: Record<string, string[]> = {};
    for (const r of rulesOf(role)) {
      expect({ ns: role.metadata.namespace, verbs: r.verbs }).toEqual({ ns: role.metadata.namespace, verbs: TRAEFIK_FACTS.crdReadsFromCaches.value });
      for (const g of r.apiGroups ?? []) got[g] = [...(got[g] ?? []), ...(r.resources ?? [])].sort();
    }
    expect({ ns: role.metadata.namespace, got }).toEqual({ ns: role.metadata.namespace, got: expected });
  }
});

test('the one cluster-scoped informer (Nodes) is switched off, so no ClusterRole exists; the Ingress provider is off', () => {
  expect(TRAEFIK_FACTS.crdClusterInformers.value).toEqual(['nodes']);
  expect(args).toContain('--providers.kubernetescrd.disableClusterScopeResources=true');
  expect(findAll('ClusterRoleBinding', s).filter((b) => JSON.stringify(b.subjects).includes('"namespace":"ingress"'))).toEqual([]);
  expect(args.some((a) => a.startsWith('--providers.kubernetesingress'))).toBe(false);
});

test("the grants are a subset of upstream's kubernetes-crd-rbac.yml; every difference has a written reason", () => {
  type Triple = string;
  const triples = (rules: { apiGroups?: readonly string[]; resources?: readonly string[]; verbs: readonly string[] }[]): Set<Triple> =>
    new Set(rules.flatMap((r) => (r.apiGroups ?? []).flatMap((g) => (r.resources ?? []).flatMap((res) => r.verbs.map((v) => `${g}/${res}:${v}`)))));
  const upstream = triples(TRAEFIK_FACTS.upstreamRbac.value);
  const ours = triples(
    findAll('Role', s)
      .filter((r) => r.metadata.name === 'traefik')
      .flatMap(rulesOf),
  );
  expect([...ours].filter((t) => !upstream.has(t))).toEqual([]);
  const reasons: [RegExp, string][] = [
    [/:get$/, 'the CRD provider reads only through informer listers (list + watch)'],
    [/^\/nodes:/, 'disableClusterScopeResources: no NodePortLB services'],
    [/^\/pods:/, 'upstream grants pods get for OTel attributes only; OTel is not enabled'],
    [/^(extensions|networking\.k8s\.io)\/ingress/, 'the kubernetesingress provider is disabled: the stack uses IngressRoutes only'],
  ];
  const unexplained = [...upstream].filter((t) => !ours.has(t) && !reasons.some(([re]) => re.test(t)));
  expect(unexplained).toEqual([]);
});

test('an empty admin allow-list is never rendered empty (Traefik would refuse the middleware and drop the routes)', () => {
  expect(TRAEFIK_FACTS.ipAllowListNeedsRanges.value).toContain('sourceRange is empty');
  const x = synth({ workloads: { traefik: { adminAllowCidrs: [] } } });
  for (const m of findAll('Middleware', x).filter((o) => 'ipAllowList' in (o.spec as object))) {
    expect((m.spec as { ipAllowList: { sourceRange: string[] } }).ipAllowList.sourceRange.length).toBeGreaterThan(0);
  }
  expect(findResource('Middleware', 'admin-allowlist', 'ingress', x).spec).toEqual({ ipAllowList: { sourceRange: ['127.0.0.1/32'] } });
});

describe('the wrapper module the real Traefik is built from (tools/go/traefik, issue 19)', () => {
  const goMod = readFileSync(join(__dirname, '..', '..', 'tools', 'go', 'traefik', 'go.mod'), 'utf8');
  const program = programOf('traefik');
  /** `old => new version` and `exclude` lines of a go.mod (inside or outside blocks). */
  const directives = (mod: string) =>
    mod
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => /=>/.test(l) || /^exclude /.test(l))
      .map((l) => l.replace(/^(replace|exclude)\s+/, ''));

  test('it requires github.com/traefik/traefik/v3 at the pin of config/versions.ts, and the build entry says the same', () => {
    expect(goMod).toMatch(new RegExp(`^require github\\.com/traefik/traefik/v3 ${IMAGES.traefik.tag.replace(/\./g, '\\.')}$`, 'm'));
    expect({ module: program.module, moduleVersion: program.moduleVersion, version: program.version }).toEqual({
      module: 'github.com/traefik/traefik/v3',
      moduleVersion: IMAGES.traefik.tag,
      version: IMAGES.traefik.tag,
    });
  });

  test('every replace/exclude of the wrapper is a recorded build fact with its source (upstream go.mod at the tag), and nothing else is there', () => {
    const found = directives(goMod);
    expect(found.length).toBe(4);
    for (const d of found) expect({ d, fact: program.facts.some((f) => f.fact.includes(d.split(' => ')[1] ?? d) && f.source.path === 'go.mod') }).toEqual({ d, fact: true });
    expect(goMod.split('\n').filter((l) => /^(require|replace|exclude|module|go)\b/.test(l))).toEqual([
      'module domus.local/tools/traefik',
      'go 1.24.0',
      `require github.com/traefik/traefik/v3 ${IMAGES.traefik.tag}`,
      'replace (',
      'exclude github.com/tencentcloud/tencentcloud-sdk-go v3.0.83+incompatible',
    ]);
  });
});
