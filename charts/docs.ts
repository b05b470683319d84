/**
 * The documents derived from the synthesized YAML, written by `npm run synth` with it under dist/docs/: the
 * network-flow matrix and the RBAC inventory, as verify's model reads the policies and roles of this very
 * output. They live in dist/ (not docs/) because they describe the operator's site: a fork's own LAN, apps and
 * namespaces change them, and the README's commit line (`git add site.yaml dist`) must carry them, as the CI
 * drift check compares all of dist/ with a fresh synth (issue 21).
 *
 * Not part of synthesize(): the analysis costs more than a synthesis, and the tests synthesize many sites in
 * memory; the CLI (charts/cli.ts) and the tests comparing with the committed dist/ (distFiles) add them.
 */
import type { Site } from '../config/schema';
import { siteContextFor } from '../verify/cli';
import { analyseNetwork, loadMustDeny, renderFlowsDoc } from '../verify/checks/network';
import { renderRbacDoc } from '../verify/checks/rbac';
import { parseDist } from '../verify/load';

/**
 * The objects YAML files were serialized from, by path (charts/synth.ts Synthesis.written): such a file is not
 * parsed again (a third of every synth, issue 22); any other is read exactly as verify reads dist/.
 */
export type Written = ReadonlyMap<string, readonly unknown[]>;

/** The generated documents, by path relative to dist/. */
export const DIST_DOCS = { flows: 'docs/network-flows.md', rbac: 'docs/rbac.md' } as const;

/** Paths compared segment by segment, as a recursive walk of sorted folder listings visits them (verify/load.ts). */
function walkOrder(a: string, b: string): number {
  const x = a.split('/');
  const y = b.split('/');
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! < y[i]! ? -1 : 1;
  return x.length - y.length;
}

/** The documents of dist/docs for a synthesized tree (`files`: path relative to dist/ → text), read as verify reads dist/. */
export function distDocs(site: Site, files: ReadonlyMap<string, string>, dist = 'dist', written: Written = new Map()): Map<string, string> {
  const entries = [...files.entries()].filter(([p]) => !Object.values<string>(DIST_DOCS).includes(p)).sort(([a], [b]) => walkOrder(a, b));
  const ctx = siteContextFor(site, dist, parseDist(entries, written));
  return new Map<string, string>([
    [DIST_DOCS.flows, renderFlowsDoc(analyseNetwork(ctx, loadMustDeny(ctx).rules))],
    [DIST_DOCS.rbac, renderRbacDoc(ctx.docs)],
  ]);
}

/** Everything `npm run synth` writes to dist/: the synthesized files and the documents derived from them. */
export function distFiles(site: Site, files: ReadonlyMap<string, string>, written: Written = new Map()): Map<string, string> {
  const out = new Map(files);
  for (const [path, text] of distDocs(site, files, 'dist', written)) {
    if (out.has(path)) throw new Error(`dist/${path} is produced twice`);
    out.set(path, text);
  }
  return out;
}
