/**
 * Synthesis: site → YAML text per file → dist/, atomically.
 *
 * cdk8s' own App.synth() re-validates the whole app once per chart; this validates once, serializes every
 * chart in construct order and applies the Argo CD annotations; nothing is written until all of that succeeded,
 * so a failure (bad config, a construct error) leaves the previous dist/ as it was. Writing: charts/outdir.ts.
 */
import { ApiObject, Chart } from 'cdk8s';
import { repoRoot } from '../config/load';
import type { Site } from '../config/schema';
import { checkOutdir, replaceTree } from './outdir';
import { BuildOptions, buildStack, Stack } from './stack';
import { CLUSTER_SCOPED } from './stack-chart';
import { annotateForArgo, KubeObject } from './waves';
import { toYaml } from '../constructs/lib/yaml';

export interface ChartOutput {
  readonly name: string;
  readonly file: string;
  readonly objects: readonly KubeObject[];
}

export interface Synthesis {
  readonly stack: Stack;
  readonly charts: readonly ChartOutput[];
  /** Every file of dist/ by path relative to dist/, with its content. */
  readonly files: ReadonlyMap<string, string>;
  /**
   * The objects YAML files of `files` were written from (each chart's, some bootstrap files'), by path; absent
   * from a synthesis restored without them (the tests' cache): the files are then parsed.
   */
  readonly written?: ReadonlyMap<string, readonly unknown[]>;
}

export function synthesize(site: Site, opts: BuildOptions = {}): Synthesis {
  const stack = buildStack(site, opts);
  const errors = stack.app.node.findAll().flatMap((c) => c.node.validate().map((e) => `[${c.node.path}] ${e}`));
  if (errors.length > 0) throw new Error(`construct validation failed:\n  ${errors.join('\n  ')}`);

  const seen = new Map<string, string>();
  const charts: ChartOutput[] = [];
  const files = new Map<string, string>();
  for (const chart of stack.charts) {
    const objects = chart.node
      .findAll()
      .filter((c): c is ApiObject => c instanceof ApiObject && Chart.of(c) === chart)
      .map((o) => annotateForArgo(o.toJson() as KubeObject));
    for (const o of objects) {
      const scoped = CLUSTER_SCOPED.has(o.kind);
      if (scoped && o.metadata.namespace) throw new Error(`${o.kind} ${o.metadata.name} is cluster-scoped but has namespace ${o.metadata.namespace}`);
      if (!scoped && !o.metadata.namespace) throw new Error(`${o.kind} ${o.metadata.name} (chart ${chart.chartName}) has no metadata.namespace`);
      const key = `${o.apiVersion.split('/').length > 1 ? o.apiVersion.split('/')[0] : 'core'}/${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
      if (seen.has(key)) throw new Error(`${key} is emitted twice (charts ${seen.get(key)} and ${chart.chartName})`);
      seen.set(key, chart.chartName);
    }
    charts.push({ name: chart.chartName, file: chart.file, objects });
    files.set(chart.file, toYaml(objects));
  }
  for (const [path, content] of [...stack.ctx.files.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (files.has(path)) throw new Error(`dist/${path} is produced twice`);
    files.set(path, content());
  }
  const written = new Map<string, readonly unknown[]>(charts.map((c) => [c.file, c.objects]));
  for (const [path, objects] of stack.ctx.fileObjects) written.set(path, objects());
  return { stack, charts, files, written };
}

/**
 * Writes `files` as the new content of `outdir` after checking that synth may replace it (charts/outdir.ts:
 * only a folder synth created or an empty one, never the repository or above). Returns the absolute path.
 */
export function writeTree(outdir: string, files: ReadonlyMap<string, string>, repo: string = repoRoot()): string {
  const target = checkOutdir(outdir, repo);
  replaceTree(target, files);
  return target;
}
