/**
 * The whole stack for one site: which charts exist, the order they appear in dist/, and the one finalize
 * phase that renders everything the registries collected.
 *
 * Chart construction only declares (workloads, flows, scrape targets, Vault bindings, routes, files); nothing
 * a chart emits may depend on another chart having been built first. `ctx.finalize()` then renders once: the
 * network policies, the child Applications and Argo CD's managed kinds, the day-0 files. After it every
 * registry refuses additions, so a late declaration is an error instead of a silently missing job or flow.
 */
import { App } from 'cdk8s';
import { Construct } from 'constructs';
import { Site } from '../config/schema';
import { StackContext } from '../constructs/lib/context';
import { buildAppsChart } from './apps';
import { buildArgocdChart } from './argocd';
import { addBootstrapFiles } from '../day0/bootstrap';
import { buildIngressChart } from './ingress';
import { buildMonitoringChart } from './monitoring';
import { buildPlatformChart } from './platform';
import { buildSecurityChart } from './security';
import { StackChart } from './stack-chart';
import { buildStorageChart } from './storage';
import { buildVaultChart } from './vault';

/** The charts of the stack in dist/ order (the child Applications, `apps`, follow them). */
export const STACK_CHARTS = [
  { name: 'platform', build: buildPlatformChart },
  { name: 'vault', build: buildVaultChart },
  { name: 'ingress', build: buildIngressChart },
  { name: 'argocd', build: buildArgocdChart },
  { name: 'storage', build: buildStorageChart },
  { name: 'security', build: buildSecurityChart },
  { name: 'monitoring', build: buildMonitoringChart },
] as const satisfies readonly { readonly name: string; readonly build: (scope: Construct, ctx: StackContext) => StackChart | undefined }[];

export type StackChartName = (typeof STACK_CHARTS)[number]['name'];

export interface Stack {
  readonly app: App;
  readonly ctx: StackContext;
  /** Charts in dist/ order; `apps` (the child Applications) last. */
  readonly charts: readonly StackChart[];
}

export interface BuildOptions {
  /**
   * Order the charts are constructed in (default: dist/ order). Output does not depend on it; tests build
   * the charts in other orders to prove that.
   */
  readonly buildOrder?: readonly StackChartName[];
}

export function buildStack(site: Site, opts: BuildOptions = {}): Stack {
  const app = new App();
  const ctx = new StackContext(site);
  const order = opts.buildOrder ?? STACK_CHARTS.map((c) => c.name);
  if (order.length !== STACK_CHARTS.length || new Set(order).size !== order.length) throw new Error(`buildOrder must name each chart once: ${STACK_CHARTS.map((c) => c.name).join(', ')}`);
  const built = new Map<string, StackChart | undefined>();
  for (const name of order) built.set(name, STACK_CHARTS.find((c) => c.name === name)!.build(app, ctx));
  // cdk8s keeps children in creation order; dist/ and the apps follow STACK_CHARTS whatever the build order.
  const charts = STACK_CHARTS.map((c) => built.get(c.name)).filter((c): c is StackChart => c !== undefined);
  ctx.finalize(() => {
    const apps = buildAppsChart(app, ctx, charts);
    if (apps) charts.push(apps);
    addBootstrapFiles(ctx);
    ctx.addFile('intent/flows.json', () => `${JSON.stringify(ctx.net.intent(), null, 2)}\n`);
  }, charts);
  return { app, ctx, charts };
}
