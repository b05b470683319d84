/**
 * Issue 25, items 7 and 9: what the API server or the registry would refuse or change under us.
 *
 * images: every image a pod runs (containers, init containers, the Vault agent image the injector adds) comes
 * from a registry of verify/allowed-images.yaml, named explicitly (no implicit docker.io), with a version tag (config/hostile.ts
 * VERSION_TAG: never main, nightly, edge or latest in any case) or a digest. A tag moves; a digest pins exactly.
 *
 * schema (limits): an object's annotations at most 256 KiB together (apimachinery TotalAnnotationSizeLimitB,
 * keys and values counted) and a ConfigMap's data at most 1 MiB (core.MaxSecretSize): the API server refuses more,
 * and Argo CD's sync fails after the waves before it have applied.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { VERSION_TAG } from '../../config/hostile';
import { podSpecOf } from '../load';
import { Context, Finding, finding, projectRoot } from '../types';

export const ANNOTATIONS_LIMIT = 256 * 1024;
export const CONFIGMAP_LIMIT = 1024 * 1024;

/** repository, tag and digest of an image reference (a registry port is not a tag). */
export function parseImage(image: string): { repository: string; tag?: string; digest?: string } {
  const at = image.indexOf('@');
  const digest = at >= 0 ? image.slice(at + 1) : undefined;
  const rest = at >= 0 ? image.slice(0, at) : image;
  const slash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  return colon > slash ? { repository: rest.slice(0, colon), tag: rest.slice(colon + 1), ...(digest ? { digest } : {}) } : { repository: rest, ...(digest ? { digest } : {}) };
}

export function imageProblem(image: string, allowed: ReadonlySet<string>): string | undefined {
  const { repository, tag, digest } = parseImage(image);
  const registry = repository.includes('/') ? repository.slice(0, repository.indexOf('/')) : '';
  if (!allowed.has(registry) || repository.split('/').length < 3 - (registry === 'registry.k8s.io' ? 1 : 0))
    return `image ${image}: registry ${registry || '(implicit)'} is not one of verify/allowed-images.yaml, or the repository is not fully qualified (e.g. docker.io/library/traefik)`;
  if (digest !== undefined && !/^sha256:[a-f0-9]{64}$/.test(digest)) return `image ${image}: a digest is sha256:<64 hex>`;
  if (digest === undefined && (tag === undefined || !VERSION_TAG.test(tag)))
    return `image ${image}: tag ${tag === undefined ? '(none)' : `"${tag}"`} is not a version (branch names and latest move; pin a release or a digest)`;
  return undefined;
}

export function checkPinnedImages(ctx: Context, allowFile = join(projectRoot(), 'verify', 'allowed-images.yaml')): Finding[] {
  const allowed = new Set((parse(readFileSync(allowFile, 'utf8')) as { registries: string[] }).registries);
  const out: Finding[] = [];
  for (const d of ctx.docs) {
    const t = podSpecOf(d.obj);
    for (const c of t?.spec ? [...(t.spec.containers ?? []), ...(t.spec.initContainers ?? []), ...(t.spec.ephemeralContainers ?? [])] : []) {
      const p = imageProblem(c.image ?? '', allowed);
      if (p) out.push(finding('images', 'error', `container ${c.name}: ${p}`, d));
      // The injector's agent image is a setting of the injector, run in every annotated pod.
      for (const e of c.env ?? [])
        if (e.name === 'AGENT_INJECT_VAULT_IMAGE' && e.value !== undefined) {
          const q = imageProblem(e.value, allowed);
          if (q) out.push(finding('images', 'error', `container ${c.name}: AGENT_INJECT_VAULT_IMAGE ${q}`, d));
        }
    }
    const annotations = (d.obj.metadata as { annotations?: Record<string, unknown> }).annotations ?? {};
    const size = Object.entries(annotations).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(String(v)), 0);
    if (size > ANNOTATIONS_LIMIT) out.push(finding('schema', 'error', `metadata.annotations: ${size} bytes, over the API server's limit of ${ANNOTATIONS_LIMIT}`, d));
    const tmpl = (t?.metadata as { annotations?: Record<string, unknown> } | undefined)?.annotations ?? {};
    const tsize = Object.entries(tmpl).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(String(v)), 0);
    if (tsize > ANNOTATIONS_LIMIT)
      out.push(finding('schema', 'error', `pod template metadata.annotations: ${tsize} bytes, over the API server's limit of ${ANNOTATIONS_LIMIT} (no pod would be created)`, d));
    if (d.obj.kind === 'ConfigMap') {
      const data = { ...((d.obj.data ?? {}) as Record<string, unknown>), ...((d.obj.binaryData ?? {}) as Record<string, unknown>) };
      const dsize = Object.values(data).reduce<number>((n, v) => n + Buffer.byteLength(String(v)), 0);
      if (dsize > CONFIGMAP_LIMIT) out.push(finding('schema', 'error', `data: ${dsize} bytes, over the API server's limit of ${CONFIGMAP_LIMIT} for a ConfigMap`, d));
    }
  }
  return out;
}
