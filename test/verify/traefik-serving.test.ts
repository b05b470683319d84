/**
 * Which Traefik judges which router (verify/checks/traefik.ts servedRouters, issue 22): each Traefik its own file
 * provider's routers and the IngressRoutes of the namespaces its kubernetescrd provider watches (none listed:
 * every namespace). One Traefik serves every router of dist/, as before; a second one, as in a dist/ holding
 * several stacks, judges only its own — which keeps the check linear in the number of stacks.
 */
import { checkTraefik } from '../../verify/checks/traefik';
import { loadDist } from '../../verify/load';
import { Context, Doc, KubeObj } from '../../verify/types';
import { exampleDist } from './site-context';

const DIST = exampleDist();
const base = loadDist(DIST);
const WATCH = '--providers.kubernetescrd.namespaces=';

type Pod = { spec: { template: { spec: { containers: { image?: string; args?: string[] }[] } } } };

/** The example's dist with Grafana's route on a host the certificate does not name, and maybe a second Traefik. */
function context(second?: (args: string[]) => string[]): Context {
  const objs = base.docs.map((d) => structuredClone(d.obj));
  const route = objs.find((o) => o.kind === 'IngressRoute' && o.metadata.namespace === 'monitoring' && o.metadata.name === 'grafana')!;
  (route.spec as { routes: { match: string }[] }).routes[0]!.match = 'Host(`grafana.other.lan`)';
  if (second) {
    const t = structuredClone(objs.find((o) => ['Deployment', 'DaemonSet'].includes(o.kind) && o.metadata.namespace === 'ingress' && o.metadata.name === 'traefik')!) as KubeObj &
      Pod;
    t.metadata.namespace = 'edge';
    for (const c of t.spec.template.spec.containers) if (/(^|\/)traefik:/.test(c.image ?? '')) c.args = second(c.args ?? []);
    objs.push(t);
  }
  const docs: Doc[] = objs.map((obj, i) => ({ obj, file: base.docs[i]?.file ?? 'edge/edge.yaml', line: base.docs[i]?.line ?? 1 }));
  return { docs, files: base.files, dist: DIST, nodes: [], vault: { cidrs: [], host: 'vault.domus.lan', port: 8200 }, gitPath: 'dist' };
}
const sni = (c: Context) =>
  checkTraefik(c)
    .filter((f) => /no store certificate names grafana\.other\.lan/.test(f.message))
    .map((f) => f.object);

test('one Traefik judges every IngressRoute (the stack as synthesized)', () => {
  expect(sni(context())).toEqual(['IngressRoute monitoring/grafana']);
});

test("a second Traefik watching only its own namespace does not judge the stack's routes", () => {
  const edgeOnly = (args: string[]) => args.map((a) => (a.startsWith(WATCH) ? `${WATCH}edge` : a));
  expect(sni(context(edgeOnly))).toEqual(['IngressRoute monitoring/grafana']);
});

test('a second Traefik watching every namespace (no list, or an empty one) judges them too', () => {
  expect(sni(context((args) => args.filter((a) => !a.startsWith(WATCH))))).toEqual(['IngressRoute monitoring/grafana', 'IngressRoute monitoring/grafana']);
  expect(sni(context((args) => args.map((a) => (a.startsWith(WATCH) ? WATCH : a))))).toEqual(['IngressRoute monitoring/grafana', 'IngressRoute monitoring/grafana']);
});

test('a route in a namespace no Traefik watches stays with every Traefik', () => {
  const elsewhere = (ns: string) => (args: string[]) => args.map((a) => (a.startsWith(WATCH) ? `${WATCH}${ns}` : a));
  const c = context(elsewhere('edge'));
  // The stack's own Traefik stops watching monitoring: nobody watches it, so both judge the route.
  for (const d of c.docs)
    if (d.obj.metadata.namespace === 'ingress' && d.obj.metadata.name === 'traefik' && ['Deployment', 'DaemonSet'].includes(d.obj.kind))
      for (const k of (d.obj as KubeObj & Pod).spec.template.spec.containers) k.args = elsewhere('ingress')(k.args ?? []);
  expect(sni(c)).toEqual(['IngressRoute monitoring/grafana', 'IngressRoute monitoring/grafana']);
});
