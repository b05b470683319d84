/**
 * Synthesizes copies of the default stack, each with its own cluster name and namespaces, in one process (used
 * by `npm run bench`). Arguments: the output folder, then `--copies N` (default 10).
 *
 * Each copy is written as it is synthesized (copy-<i>/...), so memory holds one copy's files at a time; the
 * intent files (dist/intent/*.json: declared flows, must-deny flows, exposure) are merged into one intent/ at
 * the top, as verify reads one set of them for the whole folder. The time and peak memory reported are those of
 * synthesis (the writes included), per object.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { validateSite } from '../config/load';
import { synthesize } from '../charts/synth';
import { APPS } from '../constructs/registry';

const out = process.argv[2] ?? 'dist-x10';
const copiesArg = process.argv.indexOf('--copies');
const COPIES = copiesArg >= 0 ? Number(process.argv[copiesArg + 1]) : 10;

/** Intent files are JSON: a list, or an object of lists; copies are concatenated list by list. */
function mergeJson(a: unknown, b: unknown): unknown {
  if (Array.isArray(a) && Array.isArray(b)) return [...a, ...b];
  if (a && b && typeof a === 'object' && typeof b === 'object')
    return Object.fromEntries(
      [...new Set([...Object.keys(a), ...Object.keys(b)])].map((k) => [k, mergeJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])]),
    );
  return b ?? a;
}

/** Namespaces of apps without a site field (constructs/lib/app.ts namespaceName falls back to the key). */
const OWN_NAMESPACES = APPS.map((a) => a.namespace.key).filter((k) => !(k in validateSite({}).namespaces));

const write = (path: string, content: string) => {
  mkdirSync(dirname(join(out, path)), { recursive: true });
  writeFileSync(join(out, path), content);
};

const started = performance.now();
const cpu0 = process.cpuUsage();
const intent = new Map<string, unknown>();
let objects = 0;
for (let i = 0; i < COPIES; i++) {
  const ns = (n: string) => `${n}-${i}`;
  const site = validateSite({
    cluster: { name: `domus-${i}` },
    namespaces: { monitoring: ns('monitoring'), argocd: ns('argocd'), ingress: ns('ingress'), security: ns('security'), storage: ns('storage'), vault: ns('vault') },
  });
  // The namespaces apps own without a site field (node-exporter, log-agent) are renamed too, as the schema does
  // not offer it: otherwise every copy's pods land in the same two namespaces and every copy's Prometheus may
  // scrape every copy's exporters — N² real grants and findings, which no linear verify can check in linear time.
  const owned = site.namespaces as Record<string, string>;
  for (const key of OWN_NAMESPACES) owned[key] = ns(key);
  const s = synthesize(site);
  objects += s.charts.reduce((n, c) => n + c.objects.length, 0);
  for (const [path, content] of s.files) {
    if (path.startsWith('intent/') && path.endsWith('.json')) intent.set(path, mergeJson(intent.get(path), JSON.parse(content)));
    else write(`copy-${i}/${path}`, content);
  }
}
for (const [path, value] of intent) write(path, `${JSON.stringify(value, null, 2)}\n`);
const ms = performance.now() - started;
const used = process.cpuUsage(cpu0);
// CPU time too: on a shared machine the wall clock follows the load, the process's CPU time much less.
process.stdout.write(
  `synthesized ${COPIES} copies (${objects} objects) in ${Math.round(ms)} ms (cpu ${Math.round((used.user + used.system) / 1000)} ms), ${(ms / objects).toFixed(3)} ms/object\n`,
);
