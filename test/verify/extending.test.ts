/**
 * Issue 15: verify catches the mistakes of extending the stack, and reads dist/intent/flows.json through
 * its typed contract. Each test edits the example site's dist/ (synthesized once; the mutations name its
 * namespaces and workloads, so they hold in a fork whose committed dist/ is its own site) the way a careless
 * commit would and shows the finding a reviewer reads; the unmutated dist passes every one of these checks.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { siteInUse, validateSite } from '../../config/load';
import { SiteInput } from '../../config/schema';
import { INTENT_FILE, parseIntent } from '../../verify/contracts/intent';
import { checkExtending, checkNamespacesKnown, checkRouteFlows, checkServicePorts } from '../../verify/checks/extending';
import { checkFlowsDeclared } from '../../verify/checks/flows';
import { analyseNetwork } from '../../verify/checks/network';
import { checkVaultTrust } from '../../verify/checks/vault-trust';
import { siteContextFor } from '../../verify/cli';
import { Context, Doc, Finding, KubeObj } from '../../verify/types';
import { synth } from '../helpers';
import { cachedLoadDist } from '../lib/dist-cache';
import { exampleDist, siteContext } from './site-context';

const ROOT = join(__dirname, '..', '..');
const base = siteContextFor(validateSite({}, 'example'), exampleDist(), cachedLoadDist(exampleDist()));

/** The example dist with objects edited, added or removed, and extra files replaced. */
function mutated(edit: (objs: KubeObj[]) => KubeObj[] | void, files: Record<string, string> = {}): Context {
  let objs = base.docs.map((d) => structuredClone(d.obj));
  objs = edit(objs) ?? objs;
  const docs: Doc[] = objs.map((obj, i) => ({ obj, file: base.docs[i]?.file ?? 'pasted/pasted.yaml', line: base.docs[i]?.line ?? 1 }));
  return { ...base, docs, files: new Map([...base.files, ...Object.entries(files)]) };
}
const errors = (fs: readonly Finding[]) => fs.filter((f) => f.severity === 'error').map((f) => `${f.object ?? ''}: ${f.message}`);
const get = (objs: KubeObj[], kind: string, ns: string, name: string) => objs.find((o) => o.kind === kind && o.metadata.namespace === ns && o.metadata.name === name)!;

/** A whoami-like app as a newcomer would paste it (named `pasted`: the guide's whoami may be registered for real): Deployment + Service in its own namespace. */
function pasted(ns: string, annotations: Record<string, string> = {}): KubeObj[] {
  const labels = { 'app.kubernetes.io/name': 'pasted' };
  return [
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'pasted', namespace: ns, labels },
      spec: {
        selector: { matchLabels: labels },
        template: {
          metadata: { labels, annotations },
          spec: { serviceAccountName: 'pasted', containers: [{ name: 'pasted', image: 'traefik/whoami:v1.10.3', ports: [{ name: 'http', containerPort: 8080 }] }] },
        },
      },
    },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'pasted', namespace: ns }, spec: { selector: labels, ports: [{ name: 'http', port: 80, targetPort: 'http' }] } },
  ];
}

test('the committed dist/ of the site in use passes the extending checks and its intent matches the contract', () => {
  const committed = siteContextFor(siteInUse().site, join(ROOT, 'dist'), cachedLoadDist(join(ROOT, 'dist')));
  expect(errors(checkExtending(committed))).toEqual([]);
  expect(parseIntent(committed.files.get(INTENT_FILE)!).ok).toBe(true);
});

test('the example dist passes them too, and they are not vacuous on it', () => {
  expect(errors(checkExtending(base))).toEqual([]);
  const parsed = parseIntent(base.files.get(INTENT_FILE)!);
  expect(parsed.ok).toBe(true);
  // Not vacuous: the checks see the routes and Services of the stack.
  expect(base.docs.filter((d) => d.obj.kind === 'IngressRoute').length).toBeGreaterThan(2);
  expect(base.docs.filter((d) => d.obj.kind === 'Service').length).toBeGreaterThan(10);
});

test.each<[string, SiteInput]>([
  ['the three-node example', parse(readFileSync(join(ROOT, 'config', 'examples', 'three-node.yaml'), 'utf8')) as SiteInput],
  ['servicelb without wazuh', { loadBalancer: { provider: 'servicelb' }, workloads: { wazuh: { enabled: false } } }],
  ['no traefik', { workloads: { traefik: { enabled: false } } }],
])('%s passes the extending checks and its intent matches the contract', (_n, input) => {
  const site = validateSite(input, 'test');
  const ctx = siteContext(site, synth(input).files);
  expect(errors(checkExtending(ctx))).toEqual([]);
  expect(parseIntent(ctx.files.get(INTENT_FILE)!).ok).toBe(true);
});

describe('the flow intent contract (verify/contracts/intent.ts)', () => {
  const intent = () => JSON.parse(base.files.get(INTENT_FILE)!) as Record<string, unknown>[];
  test.each([
    ['a port written as a string', (f: Record<string, unknown>[]) => void (f[2]!.port = '8000'), /\[2\]\.port: Invalid input: expected number, received string/],
    ['an entity Cilium does not have', (f: Record<string, unknown>[]) => void (f[0]!.from = { kind: 'entity', entity: 'internet' }), /\[0\]\.from\.entity: Invalid option/],
    [
      'a peer kind the generator never writes',
      (f: Record<string, unknown>[]) => void (f[1]!.to = { kind: 'service', name: 'x' }),
      /\[1\]\.to\.kind: Invalid discriminator value\. Expected 'workload' \| 'pods'/,
    ],
    ['a flow without its reason', (f: Record<string, unknown>[]) => void delete f[3]!.why, /\[3\]\.why: Invalid input: expected string, received undefined/],
  ])('%s fails network and flows with the entry and field', (_name, edit, message) => {
    const flows = intent();
    edit(flows);
    const ctx = mutated(() => undefined, { [INTENT_FILE]: JSON.stringify(flows) });
    const net = errors(analyseNetwork(ctx, []).findings);
    expect(net.join('\n')).toMatch(message);
    expect(net.join('\n')).toMatch(/does not match the flow intent contract \(verify\/contracts\/intent\.ts\).*npm run synth/);
    expect(errors(checkFlowsDeclared(ctx)).join('\n')).toMatch(/flows not checked: intent\/flows\.json does not match/);
  });
  test('the cluster entity passes the contract (the generator may write it) but fails closed: the model does not expand it', () => {
    const flows = intent();
    flows[0]!.from = { kind: 'entity', entity: 'cluster' };
    const ctx = mutated(() => undefined, { [INTENT_FILE]: JSON.stringify(flows) });
    expect(parseIntent(JSON.stringify(flows)).ok).toBe(true);
    expect(errors(analyseNetwork(ctx, []).findings).join('\n')).toMatch(
      /declared flow names a peer verify cannot resolve \(a workload not in dist, or the cluster entity, which the model does not expand\): \{"kind":"entity","entity":"cluster"\}/,
    );
  });
  test('a file that is not JSON says so', () => {
    const ctx = mutated(() => undefined, { [INTENT_FILE]: '[{"from": ' });
    expect(errors(analyseNetwork(ctx, []).findings).join('\n')).toMatch(/intent\/flows\.json is not JSON/);
  });
});

describe('pods in a namespace the platform does not know', () => {
  test('no Namespace object: namespaces reports it, and network reports the missing default-deny', () => {
    const ctx = mutated((o) => [...o, ...pasted('pasted')]);
    expect(errors(checkNamespacesKnown(ctx))).toEqual([
      expect.stringMatching(/^Deployment pasted\/pasted: pods in namespace pasted, which dist does not declare \(no Namespace object\)/),
    ]);
    expect(errors(analyseNetwork(ctx, []).findings)).toContain(': namespace pasted has pods but no policy that denies ingress and egress for all of them');
  });
  test('a Namespace removed from dist while its pods stay', () => {
    const ctx = mutated((o) => o.filter((x) => !(x.kind === 'Namespace' && x.metadata.name === 'storage')));
    expect(errors(checkNamespacesKnown(ctx)).join('\n')).toMatch(/StatefulSet storage\/minio: pods in namespace storage, which dist does not declare/);
  });
});

describe('a route with no Traefik → backend flow', () => {
  test('the Traefik rule dropped from the backend policy', () => {
    const ctx = mutated((o) => {
      const cnp = get(o, 'CiliumNetworkPolicy', 'monitoring', 'grafana') as KubeObj & { spec: { ingress: { fromEndpoints?: { matchLabels: Record<string, string> }[] }[] } };
      cnp.spec.ingress = cnp.spec.ingress.filter((r) => !(r.fromEndpoints ?? []).some((e) => e.matchLabels['app.kubernetes.io/name'] === 'traefik'));
    });
    expect(errors(checkRouteFlows(ctx)).join('\n')).toMatch(
      /IngressRoute monitoring\/\S+: routes to monitoring\/grafana:80, but the policies deny ingress\/traefik → monitoring\/grafana:3000\/TCP: declare the flow from Traefik to the backend/,
    );
  });
  test('a route to a new app that declared no flow', () => {
    const route: KubeObj = {
      apiVersion: 'traefik.io/v1alpha1',
      kind: 'IngressRoute',
      metadata: { name: 'pasted', namespace: 'pasted' },
      spec: { entryPoints: ['websecure'], routes: [{ kind: 'Rule', match: 'Host(`pasted.domus.lan`)', services: [{ name: 'pasted', port: 80 }] }] },
    };
    const ns: KubeObj = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'pasted' } };
    const ctx = mutated((o) => [...o, ns, ...pasted('pasted'), route]);
    expect(errors(checkRouteFlows(ctx))).toEqual([
      expect.stringMatching(/^IngressRoute pasted\/pasted: routes to pasted\/pasted:80, but the policies deny ingress\/traefik → pasted\/pasted:8080\/TCP/),
    ]);
  });
  test('each route is checked against the Traefik pods that watch its namespace (several stacks in one dist/)', () => {
    // A second Traefik in its own namespace, no policy letting it reach any backend: it serves only the
    // namespaces its kubernetescrd provider watches, so the stack's routes are not its concern...
    const second = (args: (a: string[]) => string[]) =>
      mutated((o) => {
        const t = structuredClone(
          o.find((x) => ['Deployment', 'DaemonSet'].includes(x.kind) && x.metadata.namespace === 'ingress' && x.metadata.name === 'traefik')!,
        ) as KubeObj & { spec: { template: { spec: { containers: { image?: string; args?: string[] }[] } } } };
        t.metadata.namespace = 'edge';
        for (const c of t.spec.template.spec.containers) if (/(^|\/)traefik:/.test(c.image ?? '')) c.args = args(c.args ?? []);
        return [...o, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'edge' } }, t];
      });
    const watching = (ns: string) => (a: string[]) => a.map((x) => (x.startsWith('--providers.kubernetescrd.namespaces=') ? `--providers.kubernetescrd.namespaces=${ns}` : x));
    expect(errors(checkRouteFlows(second(watching('edge'))))).toEqual([]);
    // ...while one that watches every namespace (no list: Traefik's default) serves them all and is denied.
    const everywhere = errors(checkRouteFlows(second((a) => a.filter((x) => !x.startsWith('--providers.kubernetescrd.namespaces=')))));
    expect(everywhere.join('\n')).toMatch(/IngressRoute monitoring\/\S+: routes to monitoring\/grafana:80, but the policies deny edge\/traefik → monitoring\/grafana:3000\/TCP/);
    expect(errors(checkRouteFlows(second(watching(''))))).toEqual(everywhere);
    // The stack's own Traefik still answers for its routes.
    expect(everywhere.join('\n')).not.toMatch(/deny ingress\/traefik/);
  });
  test('a route to a Service that is not in dist, or to a port it does not have', () => {
    const ctx = mutated((o) => {
      const r = get(o, 'IngressRoute', 'monitoring', 'grafana') as KubeObj & { spec: { routes: { services: { name: string; port: number }[] }[] } };
      r.spec.routes[0]!.services[0]!.port = 8080;
      o.push({ ...structuredClone(r), metadata: { name: 'typo', namespace: 'monitoring' }, spec: { routes: [{ services: [{ name: 'grafna', port: 80 }] }] } });
    });
    const out = errors(checkRouteFlows(ctx)).join('\n');
    expect(out).toMatch(/routes to port 8080 of Service monitoring\/grafana, which has no such port/);
    expect(out).toMatch(/IngressRoute monitoring\/typo: routes to Service monitoring\/grafna, which is not in dist/);
  });
});

describe('a Service port that no container declares', () => {
  test('a numeric targetPort that the pod does not open', () => {
    const ctx = mutated((o) => {
      const svc = get(o, 'Service', 'monitoring', 'grafana') as KubeObj & { spec: { ports: { targetPort?: number | string }[] } };
      svc.spec.ports[0]!.targetPort = 3001;
    });
    expect(errors(checkServicePorts(ctx))).toEqual([
      expect.stringMatching(/^Service monitoring\/grafana: port \S+ forwards to container port 3001\/TCP, which no container of monitoring\/grafana declares$/),
    ]);
  });
  test('a port name with a typo, and a selector that selects nothing', () => {
    const ctx = mutated((o) => {
      const [dep, svc] = pasted('web');
      (svc!.spec as { ports: { targetPort: string }[] }).ports[0]!.targetPort = 'htpp';
      const orphan: KubeObj = {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'orphan', namespace: 'web' },
        spec: { selector: { 'app.kubernetes.io/name': 'pasted2' }, ports: [{ port: 80 }] },
      };
      return [...o, dep!, svc!, orphan];
    });
    expect(errors(checkServicePorts(ctx))).toEqual([
      'Service web/pasted: port http forwards to the port named htpp/TCP, which no container of web/pasted declares',
      'Service web/orphan: selector {"app.kubernetes.io/name":"pasted2"} selects no pod in dist: the Service has no endpoints',
    ]);
  });
});

describe('a Vault annotation in a namespace the injector does not watch (vault-trust rule 4, reused)', () => {
  test('a new namespace with an annotated pod and no injection label', () => {
    const ns: KubeObj = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'pasted' } };
    const ctx = mutated((o) => [...o, ns, ...pasted('pasted', { 'vault.hashicorp.com/agent-inject': 'true', 'vault.hashicorp.com/role': 'pasted' })]);
    expect(errors(checkVaultTrust(ctx))).toContain(
      "Deployment pasted/pasted: the Vault injector's webhook does not select this pod (namespace pasted): it would start without its agent and secrets",
    );
  });
});
