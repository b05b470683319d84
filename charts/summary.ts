/** What `npm run synth` prints, as lines (charts/cli.ts prints them; the README shows them for the example site). */
import type { Site } from '../config/schema';

/** What synth prints: one line per chart and a total (the README's sample is this, for the example site). */
export function synthSummary(
  site: Site,
  source: string,
  shown: string,
  charts: readonly { readonly name: string; readonly file: string; readonly objects: readonly unknown[] }[],
  files: ReadonlyMap<string, string>,
  ms: string,
): string[] {
  const total = charts.reduce((n, c) => n + c.objects.length, 0);
  const width = Math.max(...charts.map((c) => c.name.length), 5);
  return [
    `synthesized ${site.cluster.name} (${source}) into ${shown}/`,
    ...charts.map((c) => `  ${c.name.padEnd(width)}  ${String(c.objects.length).padStart(4)} objects  ${shown}/${c.file}`),
    `  ${'files'.padEnd(width)}  ${String(files.size).padStart(4)} total (${total} objects, ${files.size - charts.length} other files) in ${ms} ms`,
  ];
}
