/**
 * The whole stack for one site: which charts exist and in which order they are built.
 */
import { App } from 'cdk8s';
import { Site } from '../config/schema';
import { StackContext } from '../constructs/lib/context';
import { buildAppsChart } from './apps';
import { buildArgocdChart } from './argocd';
import { addBootstrapFiles } from './bootstrap';
import { buildIngressChart } from './ingress';
import { buildMonitoringChart } from './monitoring';
import { buildPlatformChart } from './platform';
import { buildSecurityChart } from './security';
import { StackChart } from './stack-chart';
import { buildStorageChart } from './storage';
import { buildVaultChart } from './vault';

export interface Stack {
  readonly app: App;
  readonly ctx: StackContext;
  /** Charts in dist/ order; `apps` (the child Applications) last. */
  readonly charts: readonly StackChart[];
}

export function buildStack(site: Site): Stack {
  const app = new App();
  const ctx = new StackContext(site);
  const built = [
    buildPlatformChart(app, ctx),
    buildVaultChart(app, ctx),
    buildIngressChart(app, ctx),
    buildArgocdChart(app, ctx),
    buildStorageChart(app, ctx),
    buildSecurityChart(app, ctx),
    buildMonitoringChart(app, ctx),
  ];
  const charts = built.filter((c): c is StackChart => c !== undefined);
  // Policies are emitted once every workload and flow exists.
  ctx.net.emit();
  const apps = buildAppsChart(app, ctx, charts);
  if (apps) charts.push(apps);
  addBootstrapFiles(ctx);
  ctx.addFile('intent/flows.json', () => `${JSON.stringify(ctx.net.intent(), null, 2)}\n`);
  return { app, ctx, charts };
}
