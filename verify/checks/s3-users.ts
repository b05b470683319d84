/**
 * S3 users exist (issue 18, item 13): a workload of dist/ that talks to the stack's MinIO with credentials from
 * Vault KV (a declared flow to the MinIO pods, and a Vault agent rendering a KV path) needs a MinIO user made
 * from those same keys, and the only thing that creates users is MinIO's bucket Job (the mc image). So the Job's
 * Vault agent must read at least one KV path of every such client; otherwise every request of the client is
 * refused (Loki's every flush failed this way). Proxies (Traefik: PKI certificates only) and Prometheus (MinIO's
 * public metrics, no keys) render no KV path and are not S3 users of the stack.
 */
import { INTENT_FILE, parseIntent } from '../contracts/intent';
import { podSpecOf } from '../load';
import { Context, Doc, Finding, finding } from '../types';

const CHECK = 'credentials';
const SECRET = 'vault.hashicorp.com/agent-inject-secret-';
const isKv = (p: string) => /^[^/]+\/data\//.test(p);

interface Pod {
  readonly doc: Doc;
  readonly namespace: string;
  readonly name: string;
  readonly images: string[];
  readonly kvPaths: Set<string>;
}

function podsOf(ctx: Context): Pod[] {
  const out: Pod[] = [];
  for (const d of ctx.docs) {
    const t = podSpecOf(d.obj);
    if (!t) continue;
    const ann = t.metadata.annotations ?? {};
    out.push({
      doc: d,
      namespace: d.obj.metadata.namespace ?? 'default',
      name: t.metadata.labels?.['app.kubernetes.io/name'] ?? d.obj.metadata.name,
      images: [...t.spec.containers, ...(t.spec.initContainers ?? [])].map((c) => c.image ?? ''),
      kvPaths: new Set(
        Object.entries(ann)
          .filter(([k, v]) => k.startsWith(SECRET) && isKv(v))
          .map(([, v]) => v),
      ),
    });
  }
  return out;
}

export function checkS3Users(ctx: Context): Finding[] {
  const text = ctx.files.get(INTENT_FILE);
  if (text === undefined) return [];
  const intent = parseIntent(text);
  // A missing or malformed intent is the flows check's finding.
  if (!intent.ok) return [];
  const pods = podsOf(ctx);
  const image = (p: Pod, repo: string) =>
    p.images.some((i) =>
      i
        .split('@')[0]!
        .replace(/:[^/:]+$/, '')
        .endsWith(repo),
    );
  const servers = pods.filter((p) => image(p, '/minio/minio'));
  const creators = pods.filter((p) => image(p, '/minio/mc'));
  const created = new Set(creators.flatMap((c) => [...c.kvPaths]));
  const out: Finding[] = [];
  for (const s of servers) {
    const clients = new Set(
      intent.flows
        .filter((f) => f.to.kind === 'workload' && f.to.namespace === s.namespace && f.to.name === s.name && f.from.kind === 'workload')
        .map((f) => (f.from.kind === 'workload' ? `${f.from.namespace}/${f.from.name}` : '')),
    );
    for (const c of pods.filter((p) => clients.has(`${p.namespace}/${p.name}`) && !creators.includes(p) && p.kvPaths.size > 0)) {
      if ([...c.kvPaths].some((p) => created.has(p))) continue;
      out.push(
        finding(
          CHECK,
          'error',
          `${c.namespace}/${c.name} talks to MinIO ${s.namespace}/${s.name} with keys from Vault (${[...c.kvPaths].sort().join(', ')}), but no MinIO user is created from them: the bucket Job (mc) reads none of these paths (declare the user with objectStoreUsers)`,
          c.doc,
        ),
      );
    }
  }
  return out;
}
