/**
 * Regenerates the schemas `npm run verify` checks against (committed, so verify never needs ../shared):
 *   - verify/schemas/k8s-1.28.json: field map of every Kubernetes 1.28 kind, read from the L1 API that
 *     cdk8s-plus-28 generated from the 1.28 OpenAPI document (its toJson_* functions list each wire field).
 *   - verify/schemas/crds.json: the openAPIV3Schema of every CRD the stack uses, from ../shared/crds.
 * Run: node scripts/run-ts.js verify/gen-schemas.ts
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

const root = join(__dirname, '..');

/** A field's shape: another type, an array of a type, a map of a type, or a scalar. */
export type FieldRef = string | { array: string } | { map: string } | 'scalar' | 'map';

function k8sFieldMap(): { types: Record<string, Record<string, FieldRef>>; kinds: Record<string, string> } {
  const src = readFileSync(join(root, 'node_modules', 'cdk8s-plus-28', 'lib', 'imports', 'k8s.js'), 'utf8');
  const types: Record<string, Record<string, FieldRef>> = {};
  const fn = /function toJson_(\w+)\(obj\) \{[\s\S]*?const result = \{([\s\S]*?)\n {4}\};/g;
  for (const m of src.matchAll(fn)) {
    const fields: Record<string, FieldRef> = {};
    for (const line of m[2]!.split('\n')) {
      const f = /^\s*'([^']+)': (.*),$/.exec(line);
      if (!f) continue;
      const [, name, expr] = f as unknown as [string, string, string];
      const inner = /toJson_(\w+)\(/.exec(expr)?.[1];
      if (expr.includes('Object.entries(')) fields[name] = inner ? { map: inner } : 'map';
      else if (expr.includes('.map(')) fields[name] = inner ? { array: inner } : { array: 'scalar' };
      else fields[name] = inner ?? 'scalar';
    }
    types[m[1]!] = fields;
  }
  // apiVersion/kind of each top-level kind, from the classes' GVK.
  const kinds: Record<string, string> = {};
  for (const m of src.matchAll(/(Kube\w+)\.GVK = \{\s*apiVersion: '([^']+)',\s*kind: '([^']+)',\s*\}/g)) {
    if (m[1]!.endsWith('List')) continue;
    kinds[`${m[2]}/${m[3]}`] = `${m[1]}Props`;
  }
  return { types, kinds };
}

function crdSchemas(): Record<string, unknown> {
  const files = [
    'cilium/ciliumnetworkpolicy.yaml',
    'cilium/ciliumclusterwidenetworkpolicy.yaml',
    'argocd/application.yaml',
    'argocd/appproject.yaml',
    'traefik/ingressroute.yaml',
    'traefik/middleware.yaml',
    'traefik/tlsoption.yaml',
    'traefik/serverstransport.yaml',
    'helm-controller/helmchart.yaml',
    'helm-controller/helmchartconfig.yaml',
  ];
  const out: Record<string, unknown> = {};
  for (const f of files) {
    for (const doc of parseAllDocuments(readFileSync(join(root, '..', 'shared', 'crds', f), 'utf8'))) {
      const crd = doc.toJS() as { spec?: { group: string; names: { kind: string }; scope: string; versions: { name: string; schema: { openAPIV3Schema: unknown } }[] } } | null;
      if (!crd?.spec) continue;
      for (const v of crd.spec.versions) out[`${crd.spec.group}/${v.name}/${crd.spec.names.kind}`] = { scope: crd.spec.scope, schema: v.schema.openAPIV3Schema };
    }
  }
  return out;
}

if (require.main === module || process.argv[1]?.endsWith('gen-schemas.js')) {
  const k8s = k8sFieldMap();
  writeFileSync(join(root, 'verify', 'schemas', 'k8s-1.28.json'), `${JSON.stringify(k8s)}\n`);
  writeFileSync(join(root, 'verify', 'schemas', 'crds.json'), `${JSON.stringify(crdSchemas())}\n`);
  process.stdout.write(`wrote ${Object.keys(k8s.types).length} Kubernetes 1.28 types, ${Object.keys(k8s.kinds).length} kinds, and the CRD schemas\n`);
}
