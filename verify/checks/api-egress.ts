/**
 * API users reach the API server (issue 18, item 3): every pod whose ServiceAccount is granted anything by a
 * Role/ClusterRole binding in dist/ and that mounts an API token must be allowed, by the network policies in
 * dist/, to open a connection to the kube-apiserver entity on 6443/TCP (k3s' post-DNAT port). Without it the
 * program's first API call times out: kube-state-metrics v2.11.0 exits when its first discovery call fails
 * (pkg/util/utils.go, CreateKubeClient → ServerVersion; conformance/facts/kube-state-metrics.ts), and a
 * Deployment that never becomes ready holds up every later sync wave of its Application.
 *
 * The token is mounted when the pod's `automountServiceAccountToken` is true, or unset and its
 * ServiceAccount's is not false (the API server's ServiceAccount admission plug-in, default true).
 */
import { endpointsOf, NetModel } from '../netmodel';
import { podSpecOf } from '../load';
import { Context, Finding, finding } from '../types';
import { grants } from './rbac';

const CHECK = 'flows';
/** Where the kube-apiserver listens on k3s, the port Cilium sees after the Service DNAT. */
export const API_SERVER_PORT = 6443;

export function checkApiEgress(ctx: Context): Finding[] {
  const out: Finding[] = [];
  const saAutomount = new Map<string, boolean | undefined>();
  for (const d of ctx.docs)
    if (d.obj.kind === 'ServiceAccount')
      saAutomount.set(`${d.obj.metadata.namespace}/${d.obj.metadata.name}`, (d.obj as { automountServiceAccountToken?: boolean }).automountServiceAccountToken);
  const granted = new Set(grants(ctx.docs).map((g) => g.subject));
  const model = NetModel.fromDocs(ctx.docs);
  for (const ep of endpointsOf(ctx.docs)) {
    const doc = ep.doc!;
    const t = podSpecOf(doc.obj)!;
    const sa = t.spec.serviceAccountName ?? 'default';
    const subject = `system:serviceaccount:${ep.namespace}:${sa}`;
    if (!granted.has(subject)) continue;
    const mounted = t.spec.automountServiceAccountToken ?? saAutomount.get(`${ep.namespace}/${sa}`) ?? true;
    if (!mounted) continue;
    if (model.allowed({ kind: 'endpoint', ep }, { kind: 'entity', entity: 'kube-apiserver' }, API_SERVER_PORT, 'TCP')) continue;
    out.push(
      finding(
        CHECK,
        'error',
        `pods of ${ep.namespace}/${ep.name} mount the token of ServiceAccount ${sa}, which holds API permissions, but no network policy lets them reach the kube-apiserver on ${API_SERVER_PORT}/TCP: declare the flow (ctx.allowApiServer) or drop the permissions`,
        doc,
      ),
    );
  }
  return out;
}
