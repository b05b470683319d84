/**
 * Synthesizes ten copies of the default stack, each with its own cluster name and namespaces, in one
 * process (used by `npm run bench`). Argument: the output folder.
 */
import { performance } from 'node:perf_hooks';
import { validateSite } from '../config/load';
import { synthesize, writeTree } from '../charts/synth';

const out = process.argv[2] ?? 'dist-x10';
const started = performance.now();
const files = new Map<string, string>();
let objects = 0;
for (let i = 0; i < 10; i++) {
  const ns = (n: string) => `${n}-${i}`;
  const site = validateSite({
    cluster: { name: `domus-${i}` },
    namespaces: { monitoring: ns('monitoring'), argocd: ns('argocd'), ingress: ns('ingress'), security: ns('security'), storage: ns('storage'), vault: ns('vault') },
  });
  const s = synthesize(site);
  objects += s.charts.reduce((n, c) => n + c.objects.length, 0);
  for (const [path, content] of s.files) files.set(`copy-${i}/${path}`, content);
}
writeTree(out, files);
process.stdout.write(`synthesized 10 copies (${objects} objects) in ${Math.round(performance.now() - started)} ms\n`);
