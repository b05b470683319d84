/**
 * Schema: every object against Kubernetes 1.28 (field names and shapes from the 1.28 OpenAPI, via the
 * cdk8s-plus-28 L1 API; unknown fields are errors as the API server would reject or drop them), against a
 * recent Kubernetes (kubernetes-models 4.5.1 JSON-schema validators: types, required fields, formats), and
 * every custom resource against its CRD's openAPIV3Schema (verify/schemas/crds.json).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Context, Doc, Finding, finding, projectRoot } from '../types';

type FieldRef = string | { array: string } | { map: string };
interface K8sSchema {
  types: Record<string, Record<string, FieldRef>>;
  kinds: Record<string, string>;
}
interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema | boolean;
  items?: JsonSchema;
  required?: string[];
  enum?: unknown[];
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
}

let k8s: K8sSchema | undefined;
let crds: Record<string, { scope: string; schema: JsonSchema }> | undefined;
function schemas(): { k8s: K8sSchema; crds: Record<string, { scope: string; schema: JsonSchema }> } {
  const dir = join(projectRoot(), 'verify', 'schemas');
  k8s ??= JSON.parse(readFileSync(join(dir, 'k8s-1.28.json'), 'utf8')) as K8sSchema;
  crds ??= JSON.parse(readFileSync(join(dir, 'crds.json'), 'utf8')) as Record<string, { scope: string; schema: JsonSchema }>;
  return { k8s, crds };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Unknown fields and wrong shapes against the 1.28 field map. */
function walk1_28(types: K8sSchema['types'], type: string, value: unknown, path: string, out: string[]): void {
  const fields = types[type];
  if (!fields) return; // scalar wrapper types (Quantity, IntOrString) and free-form JSON
  if (!isObject(value)) {
    out.push(`${path}: expected an object (${type}), got ${JSON.stringify(value)}`);
    return;
  }
  for (const [k, v] of Object.entries(value)) {
    const ref = fields[k];
    if (ref === undefined) {
      out.push(`${path}.${k}: unknown field (not in Kubernetes 1.28 ${type})`);
      continue;
    }
    if (ref === 'scalar' || ref === 'map') {
      if (ref === 'map' && !isObject(v)) out.push(`${path}.${k}: expected a map`);
      continue;
    }
    if (typeof ref === 'string') walk1_28(types, ref, v, `${path}.${k}`, out);
    else if ('array' in ref) {
      if (!Array.isArray(v)) out.push(`${path}.${k}: expected a list`);
      else if (ref.array !== 'scalar') v.forEach((item, i) => walk1_28(types, ref.array, item, `${path}.${k}[${i}]`, out));
    } else if (!isObject(v)) out.push(`${path}.${k}: expected a map`);
    else for (const [mk, mv] of Object.entries(v)) walk1_28(types, ref.map, mv, `${path}.${k}.${mk}`, out);
  }
}

/** A JSON-schema subset: what apiextensions structural schemas use. */
export function validateOpenApi(s: JsonSchema, v: unknown, path: string, out: string[]): void {
  if (s['x-kubernetes-int-or-string']) {
    if (typeof v !== 'number' && typeof v !== 'string') out.push(`${path}: expected an integer or a string`);
    return;
  }
  if (s.enum && !s.enum.includes(v)) out.push(`${path}: ${JSON.stringify(v)} is not one of ${JSON.stringify(s.enum)}`);
  switch (s.type) {
    case 'object': {
      if (!isObject(v)) return void out.push(`${path}: expected an object`);
      for (const r of s.required ?? []) if (!(r in v)) out.push(`${path}.${r}: required`);
      if (s['x-kubernetes-embedded-resource'] || (s['x-kubernetes-preserve-unknown-fields'] && !s.properties)) return;
      for (const [k, child] of Object.entries(v)) {
        const ps = s.properties?.[k];
        if (ps) validateOpenApi(ps, child, `${path}.${k}`, out);
        else if (isObject(s.additionalProperties)) validateOpenApi(s.additionalProperties, child, `${path}.${k}`, out);
        else if (!s.additionalProperties && !s['x-kubernetes-preserve-unknown-fields']) out.push(`${path}.${k}: unknown field`);
      }
      return;
    }
    case 'array':
      if (!Array.isArray(v)) return void out.push(`${path}: expected a list`);
      if (s.items) v.forEach((item, i) => validateOpenApi(s.items!, item, `${path}[${i}]`, out));
      return;
    case 'string':
      if (typeof v !== 'string') out.push(`${path}: expected a string`);
      return;
    case 'integer':
      if (!Number.isInteger(v)) out.push(`${path}: expected an integer`);
      return;
    case 'number':
      if (typeof v !== 'number') out.push(`${path}: expected a number`);
      return;
    case 'boolean':
      if (typeof v !== 'boolean') out.push(`${path}: expected a boolean`);
      return;
    default:
      return;
  }
}

interface Model {
  new (data: unknown): { validate(): void };
}
const recentCache = new Map<string, Model | null>();
/** The kubernetes-models class of a kind (recent Kubernetes), when the package has it. */
function recentModel(apiVersion: string, kind: string): Model | null {
  const key = `${apiVersion}/${kind}`;
  if (!recentCache.has(key)) {
    const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
    let model: Model | null;
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const mod = require(`kubernetes-models/${group ? `${group}/` : ''}${version}/${kind}`) as Record<string, Model>;
      model = mod[kind] ?? null;
    } catch {
      model = null;
    }
    recentCache.set(key, model);
  }
  return recentCache.get(key)!;
}

/**
 * Loads what the schema check reads lazily — the schema files and the kubernetes-models validator module of
 * each kind in `docs` — so that a caller timing the checks (`npm run bench`, verify's load/checks split) counts
 * module loading as loading, not as checking (a third of the checks' time on one stack, none on a hundred).
 * The check loads the same on first use; calling this changes no finding.
 */
export function preloadSchemas(docs: readonly Doc[]): void {
  const { k8s: k } = schemas();
  for (const d of docs) if (k.kinds[`${d.obj.apiVersion}/${d.obj.kind}`]) recentModel(d.obj.apiVersion, d.obj.kind);
}

const CHECK = 'schema';
/** CRDs the stack uses that ../shared/crds does not carry (Cilium LB-IPAM and L2 announcements, only with provider cilium). */
const NO_LOCAL_SCHEMA = new Set(['cilium.io/v2alpha1/CiliumLoadBalancerIPPool', 'cilium.io/v2alpha1/CiliumL2AnnouncementPolicy']);

export function checkSchema(ctx: Context): Finding[] {
  const { k8s: k, crds: c } = schemas();
  const out: Finding[] = [];
  for (const doc of ctx.docs) out.push(...checkDoc(doc, k, c));
  return out;
}

function checkDoc(doc: Doc, k: K8sSchema, c: Record<string, { scope: string; schema: JsonSchema }>): Finding[] {
  const o = doc.obj;
  const gvk = `${o.apiVersion}/${o.kind}`;
  const problems: string[] = [];
  const props = k.kinds[gvk];
  const crd = c[gvk];
  if (props) {
    const { apiVersion: _a, kind: _k, ...rest } = o;
    walk1_28(k.types, props, rest, o.kind, problems);
    const model = recentModel(o.apiVersion, o.kind);
    if (model) {
      try {
        new model(o).validate();
      } catch (e) {
        problems.push(`recent Kubernetes schema: ${(e as Error).message}`);
      }
    }
  } else if (crd) {
    const { apiVersion: _a, kind: _k, metadata, ...rest } = o;
    if (!metadata?.name) problems.push('metadata.name: required');
    validateOpenApi(
      { ...crd.schema, properties: { ...crd.schema.properties, metadata: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } },
      { ...rest, metadata },
      o.kind,
      problems,
    );
  } else if (NO_LOCAL_SCHEMA.has(gvk)) {
    return [finding(CHECK, 'warning', `${gvk} is installed by Cilium's own chart; no schema is kept here, so it is not validated`, doc)];
  } else {
    return [finding(CHECK, 'error', `no schema for ${gvk}: not a Kubernetes 1.28 kind nor a CRD the stack knows`, doc)];
  }
  return problems.map((p) => finding(CHECK, 'error', p, doc));
}
