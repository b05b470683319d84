/**
 * The whole stack for one site: the platform chart, one chart per chart name of the registered apps
 * (constructs/registry.ts) in registry order, and the one finalize phase that renders everything the
 * registries collected.
 *
 * Chart construction only declares (workloads, flows, scrape targets, Vault bindings, routes, files); nothing
 * a chart emits may depend on another chart having been built first. `ctx.finalize()` then renders once: the
 * network policies, the child Applications and Argo CD's managed kinds, the day-0 files. After it every
 * registry refuses additions, so a late declaration is an error instead of a silently missing job or flow.
 */
import { App } from 'cdk8s';
import type { Site } from '../config/schema';
import { AppDefinition, mustDenyRules, stackCharts } from '../constructs/lib/app';
import { StackContext } from '../constructs/lib/context';
import { APPS } from '../constructs/registry';
import { addBootstrapFiles } from '../day0/bootstrap';
// Types only: synthesis needs no module of verify at run time (the cdk8s CLI bundles charts/ without verify/).
import type { ExposureRoute, MustDenyRule } from '../verify/contracts/declared';
import { buildAppsChart } from './apps';
import { buildPlatformChart } from './platform';
import { StackChart } from './stack-chart';

export interface Stack {
  readonly app: App;
  readonly ctx: StackContext;
  /** Charts in dist/ order; `apps` (the child Applications) last. */
  readonly charts: readonly StackChart[];
}

export interface BuildOptions {
  /** The apps to build. @default APPS (constructs/registry.ts) */
  readonly apps?: readonly AppDefinition[];
  /**
   * Order the charts are constructed in, by name (default: dist/ order). Output does not depend on it; tests
   * build the charts in other orders to prove that.
   */
  readonly buildOrder?: readonly string[];
}

/** Chart names in dist/ order for these apps (all of them, enabled or not). */
export function chartNames(apps: readonly AppDefinition[] = APPS): string[] {
  return ['platform', ...stackCharts(apps).map((c) => c.name)];
}

export function buildStack(site: Site, opts: BuildOptions = {}): Stack {
  const app = new App();
  const ctx = new StackContext(site, opts.apps ?? APPS);
  const builders = new Map<string, () => StackChart | undefined>([
    ['platform', () => buildPlatformChart(app, ctx)],
    ...stackCharts(ctx.apps).map((c): [string, () => StackChart] => [
      c.name,
      () => {
        const chart = new StackChart(app, c.name);
        for (const a of c.apps) a.build(chart, ctx);
        return chart;
      },
    ]),
  ]);
  const names = chartNames(opts.apps ?? APPS);
  const order = opts.buildOrder ?? names;
  if (order.length !== names.length || new Set(order).size !== order.length || order.some((n) => !names.includes(n))) {
    throw new Error(`buildOrder must name each chart once: ${names.join(', ')}`);
  }
  const built = new Map<string, StackChart | undefined>();
  for (const name of order) built.set(name, builders.get(name)?.());
  // cdk8s keeps children in creation order; dist/ and the apps follow the registry whatever the build order.
  const charts = names.map((n) => built.get(n)).filter((c): c is StackChart => c !== undefined);
  ctx.finalize(() => {
    const apps = buildAppsChart(app, ctx, charts);
    if (apps) charts.push(apps);
    addBootstrapFiles(ctx);
    ctx.addFile('intent/flows.json', () => `${JSON.stringify(ctx.net.intent(), null, 2)}\n`);
    // What the apps declare about exposure and denied flows, for verify (verify/contracts/declared.ts).
    ctx.addFile('intent/exposure.json', () => `${JSON.stringify({ routes: ctx.exposures } satisfies { routes: readonly ExposureRoute[] }, null, 2)}\n`);
    ctx.addFile('intent/must-deny.json', () => `${JSON.stringify({ mustDeny: mustDenyRules(ctx.site, ctx.apps) satisfies MustDenyRule[] }, null, 2)}\n`);
  }, charts);
  return { app, ctx, charts };
}
