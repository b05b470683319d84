/**
 * The contract of one app of the stack, declared once in its constructs/<app>.ts and listed in
 * constructs/apps.ts (one line; constructs/registry.ts orders the list). Everything central is derived from the list: the namespaces and their Pod Security
 * levels (platform chart), the namespaces the Vault injector and Traefik watch, the charts and their sync
 * waves, the dashboards, the per-app alert rules, the runbook lines and the must-deny flows. This module
 * knows no app by name.
 */
import type { Construct } from 'constructs';
import type { z } from 'zod';
import type { Site } from '../../config/schema';
import type { ImageName, ImageRef } from '../../config/versions';
import type { StackContext } from './context';
import type { FileRoute } from './ingress';
import type { Endpoint, WorkloadPeer } from './network';
import type { AppDay0Step } from './day0';

/**
 * Roles other apps' declarations rely on without naming the app: `scraper` is the source of every scrape flow
 * (constructs/lib/metrics.ts), `ingress` the source of every route's flow (constructs/lib/ingress.ts).
 */
export type StackRole = 'scraper' | 'ingress';

export type PssLevel = 'restricted' | 'baseline' | 'privileged';

export interface AppNamespace {
  /**
   * Key of `site.namespaces` holding the namespace's name; a key the site does not list (an app added without
   * a schema field) names the namespace itself.
   */
  readonly key: string;
  /** Pod Security level the namespace enforces. Every app in one namespace declares the same. */
  readonly podSecurity: PssLevel;
  /** Why more than `restricted` is needed (written on the namespace); required exactly when not restricted. */
  readonly reason?: string;
}

export interface Panel {
  readonly title: string;
  /** A query in the language of the datasource (PromQL for the default one). */
  readonly expr: string;
  readonly unit?: string;
  /** The Grafana datasource the panel queries (one an app declares). @default the stack's metrics datasource */
  readonly datasource?: DatasourceRef;
  /** Panel type: `logs` shows the log lines of a LogQL stream query. @default 'timeseries' */
  readonly kind?: 'timeseries' | 'logs';
}
export interface DashboardSpec {
  readonly uid: string;
  readonly title: string;
  readonly panels: readonly Panel[];
}

/** A Grafana datasource by plugin type and uid. */
export interface DatasourceRef {
  readonly type: string;
  readonly uid: string;
}

/** A Grafana datasource an app serves: Grafana provisions it and declares the flow to `endpoint`. */
export interface GrafanaDatasource extends DatasourceRef {
  readonly name: string;
  /** The HTTP endpoint (with its Service: the URL is derived from it). */
  readonly endpoint: Endpoint;
}

export type Severity = 'warning' | 'critical';
export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly labels: { readonly severity: Severity } & Readonly<Record<string, string>>;
  readonly annotations: { readonly summary: string; readonly description: string };
}

export function alertRule(alert: string, expr: string, forDur: string, severity: Severity, summary: string, description: string, labels: Record<string, string> = {}): AlertRule {
  return { alert, expr, for: forDur, labels: { severity, ...labels }, annotations: { summary, description } };
}

/**
 * A series of a firing case: `metric{labels}` sampled every 30 s over the test's two hours, either constant
 * (`value`, a gauge) or a counter growing by `perMinute` from 100.
 */
export type AlertSeries = { readonly metric: string; readonly labels?: Readonly<Record<string, string>> } & ({ readonly value: number } | { readonly perMinute: number });
/**
 * Series that must make an alert rule fire, and series that must not (nothing at all must not either, except for
 * an absent() rule). test/alert-rules.test.ts runs every rule of every enabled app through Prometheus' grammar
 * and an evaluator with its case: a rule without one fails there.
 */
export interface AlertCase {
  readonly fire: readonly AlertSeries[];
  readonly quiet: readonly AlertSeries[];
}

/** A runbook section of an app: a heading and its Markdown lines. */
export interface RunbookSection {
  readonly title: string;
  readonly lines: readonly string[];
}

/** A flow the policies must deny whatever the code declares (dist/intent/must-deny.json, written from the apps). */
export interface MustDeny {
  /**
   * `<namespace key>/<workload>` (a key of site.namespaces, e.g. `monitoring/grafana`, or an app-only namespace
   * key), `world`, or `*` (every pod, plus the world unless exceptNamespace, also a key, is set).
   */
  readonly from: string;
  readonly to: string;
  readonly port: number;
  readonly exceptNamespace?: string;
  readonly why: string;
}

export interface AppDefinition {
  /** Unique name of the app (usually its `site.workloads` key). */
  readonly key: string;
  readonly namespace: AppNamespace;
  /** Chart (folder of dist/ and Argo CD child Application) the app's objects go to; several apps may share one. */
  readonly chart: string;
  /** Sync wave of that chart's Application in the root app; apps sharing a chart declare the same. */
  readonly wave: number;
  /**
   * Every image the app runs: a pin of config/versions.ts by name (each belongs to exactly one app), or a pin
   * declared in the app's own file (`{ repository, tag }`, found by Renovate there too).
   */
  readonly images: readonly (ImageName | ImageRef)[];
  /** Whether the site deploys the app. */
  readonly enabled: (site: Site) => boolean;
  /** Whether the app publishes routes or middlewares through Traefik (Traefik then watches its namespace). */
  readonly routed: boolean;
  /**
   * Routes Traefik loads from its file provider instead of an IngressRoute in the app's namespace (so Traefik
   * need not watch it): for a namespace that holds credentials in Secrets (constructs/lib/ingress.ts FileRoute).
   */
  readonly fileRoutes?: (site: Site) => readonly FileRoute[];
  /** Builds the app's constructs into its chart. Declares only: nothing here may depend on another app being built. */
  readonly build: (chart: Construct, ctx: StackContext) => void;
  readonly dashboards?: (site: Site) => readonly DashboardSpec[];
  /** Datasources the app serves to Grafana (provisioned, and the Grafana → app flow declared, when Grafana is enabled). */
  readonly datasources?: (site: Site) => readonly GrafanaDatasource[];
  readonly alerts?: (site: Site) => readonly AlertRule[];
  /**
   * Day-0 steps the app needs from the operator (e.g. a receiver for alerts), each placed after a step of the
   * core sequence (day0/bootstrap.ts day0Steps) and rendered into DAY0.md with its expected output.
   */
  readonly day0?: (site: Site) => readonly AppDay0Step[];
  /** The firing case of each rule of `alerts`, by alert name (test/alert-rules.test.ts runs them). */
  readonly alertCases?: Readonly<Record<string, AlertCase>>;
  /** Extra runbook lines per workload name, given the namespace. */
  readonly runbook?: (site: Site) => Readonly<Record<string, (ns: string) => readonly string[]>>;
  /**
   * Whole runbook sections (a procedure rather than a workload's debugging ladder, e.g. "Restore Wazuh after a
   * disk loss"): rendered after the workloads, title as a heading, the lines as Markdown.
   */
  readonly runbookSections?: (site: Site) => readonly RunbookSection[];
  readonly mustDeny?: readonly MustDeny[];
  /** The roles this app's workloads play for the rest of the stack (at most one app per role). */
  readonly roles?: Partial<Readonly<Record<StackRole, (site: Site) => WorkloadPeer>>>;
  /**
   * The app's slice of the site schema, `site.workloads.<key>` (built from config/fields.ts); config/schema.ts
   * composes `workloads` from the registry. Absent for an app the site cannot configure.
   */
  readonly schema?: z.ZodType;
  /**
   * Paths (inside `site.workloads.<key>`) of the `replicas` fields of components spread one pod per node: with
   * cluster.antiAffinity "required" each is at most the node count (config/schema.ts crossFieldIssues, given the registry by charts/site-schema.ts).
   */
  readonly replicated?: readonly (readonly string[])[];
  /** Paths of the `replicas` fields of singleton components: always 1. */
  readonly singletons?: readonly (readonly string[])[];
  /**
   * Rules across the fields of the app's slice that zod cannot state field by field (run once every field is
   * valid; config/schema.ts crossFieldIssues). Each blames a path inside `site.workloads.<key>`.
   */
  readonly siteIssues?: (site: Site) => readonly SiteIssue[];
  /**
   * What a valid site still gets wrong in a way the operator must hear (e.g. alerts that reach nobody):
   * `npm run synth` prints each line on stderr; the app's day-0 text repeats it.
   */
  readonly warnings?: (site: Site) => readonly string[];
  /**
   * Users the app needs on the stack's MinIO, with its own Vault keys: MinIO's bucket Job creates each user
   * from those same keys and gives it read-write on its bucket only (constructs/minio-buckets.ts).
   */
  readonly objectStoreUsers?: (site: Site) => readonly ObjectStoreUser[];
}

/** An S3 user on the stack's MinIO, created from the app's Vault keys (the ones the app itself reads). */
export interface ObjectStoreUser {
  /** Lower-case name, also the MinIO policy's suffix (`domus-<name>`). */
  readonly name: string;
  /** Full Vault KV v2 path of the keys (kvPath). */
  readonly path: string;
  /** KV keys of the access key id and the secret key. */
  readonly keys: { readonly accessKey: string; readonly secretKey: string };
  /** The only bucket the user may read and write (one of workloads.minio.buckets). */
  readonly bucket: string;
}

/** A problem with the site, blamed on a field: `path` is inside the app's slice, `message` what is allowed. */
export interface SiteIssue {
  readonly path: readonly (string | number)[];
  readonly value: unknown;
  readonly message: string;
}

/** The workload playing each role among the enabled apps. */
export function stackRoles(site: Site, apps: readonly AppDefinition[]): Partial<Record<StackRole, WorkloadPeer>> {
  const out: Partial<Record<StackRole, WorkloadPeer>> = {};
  const by: Partial<Record<StackRole, string>> = {};
  for (const a of apps) {
    for (const [role, peer] of Object.entries(a.roles ?? {}) as [StackRole, (site: Site) => WorkloadPeer][]) {
      if (by[role]) throw new Error(`role ${role} is played by both ${by[role]} and ${a.key}`);
      by[role] = a.key;
      out[role] = peer(site);
    }
  }
  return out;
}

/** `repository:tag` of a pin declared in an app's file. */
export function pinnedImage(ref: ImageRef): string {
  return `${ref.repository}:${ref.tag}`;
}

/**
 * Checks what types cannot: a reason exactly when the level is above restricted. The app's type is inferred
 * (`const`: its key and schema stay literal, which the composed site schema reads, charts/site-schema.ts); no
 * annotation is needed, since no type an app sees depends on the registry (config/schema.ts SiteWorkloads).
 */
export function defineApp<const A extends AppDefinition>(app: A): A & AppDefinition {
  const { podSecurity, reason } = app.namespace;
  if ((podSecurity === 'restricted') !== (reason === undefined)) {
    throw new Error(`app ${app.key}: namespace ${app.namespace.key} is ${podSecurity}; a reason is required exactly when the level is not restricted`);
  }
  return app;
}

/**
 * The apps of the registry's list (constructs/apps.ts, one re-export per app) in registry order: by sync wave,
 * the order Argo CD applies them, then by key (code-unit order, so the output never depends on a locale). The
 * order of the lines cannot count: a module namespace enumerates its exports sorted by name. Any export that is
 * not an app is refused, so the list file stays a list.
 */
export function registryOrder<A extends AppDefinition>(listed: Readonly<Record<string, A>>): readonly A[] {
  const apps = Object.entries(listed).map(([name, app]) => {
    const a: unknown = app;
    if (typeof a !== 'object' || a === null || typeof (a as { key?: unknown }).key !== 'string' || typeof (a as { build?: unknown }).build !== 'function') {
      throw new Error(`constructs/apps.ts exports ${name}, which is not an app (defineApp): the list holds one app per line and nothing else`);
    }
    return app;
  });
  return apps.sort((a, b) => a.wave - b.wave || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** The namespace name of a key: the site's when it lists the key, else the key itself. */
export function namespaceName(site: Site, key: string): string {
  return (site.namespaces as Readonly<Record<string, string>>)[key] ?? key;
}

/**
 * The must-deny flows of the enabled apps for dist/intent/must-deny.json, with namespace keys replaced by the
 * site's namespace names (so a site that renames a namespace keeps every rule).
 */
export function mustDenyRules(site: Site, apps: readonly AppDefinition[]): MustDeny[] {
  const peer = (p: string) => (p.includes('/') ? `${namespaceName(site, p.slice(0, p.indexOf('/')))}${p.slice(p.indexOf('/'))}` : p);
  return apps.flatMap((a) =>
    (a.mustDeny ?? []).map((m) => ({ ...m, from: peer(m.from), to: peer(m.to), ...(m.exceptNamespace ? { exceptNamespace: namespaceName(site, m.exceptNamespace) } : {}) })),
  );
}

/** A namespace of the deployed stack: its name, its Pod Security level and reason, and whether Traefik watches it. */
export interface StackNamespace {
  readonly key: string;
  readonly name: string;
  readonly podSecurity: PssLevel;
  readonly reason?: string;
  readonly routed: boolean;
}

/**
 * The namespaces of the enabled apps: the site's keys first in the site's order, then app-only keys in
 * registry order. Apps sharing a namespace must agree on its Pod Security level.
 */
export function stackNamespaces(site: Site, apps: readonly AppDefinition[]): StackNamespace[] {
  const byKey = new Map<string, StackNamespace>();
  for (const a of apps) {
    const prev = byKey.get(a.namespace.key);
    if (prev && (prev.podSecurity !== a.namespace.podSecurity || prev.reason !== a.namespace.reason)) {
      throw new Error(`namespace ${a.namespace.key}: app ${a.key} declares Pod Security ${a.namespace.podSecurity}, another app of it ${prev.podSecurity}`);
    }
    byKey.set(a.namespace.key, {
      key: a.namespace.key,
      name: namespaceName(site, a.namespace.key),
      podSecurity: a.namespace.podSecurity,
      ...(a.namespace.reason ? { reason: a.namespace.reason } : {}),
      routed: (prev?.routed ?? false) || a.routed,
    });
  }
  const siteKeys = Object.keys(site.namespaces);
  const rank = (k: string) => (siteKeys.includes(k) ? siteKeys.indexOf(k) : siteKeys.length);
  return [...byKey.values()].sort((a, b) => rank(a.key) - rank(b.key));
}

/** Charts in registry order (first app of each), each with its wave; apps sharing a chart must agree on it. */
export function stackCharts(apps: readonly AppDefinition[]): { readonly name: string; readonly wave: number; readonly apps: readonly AppDefinition[] }[] {
  const charts = new Map<string, { name: string; wave: number; apps: AppDefinition[] }>();
  for (const a of apps) {
    const c = charts.get(a.chart);
    if (c && c.wave !== a.wave) throw new Error(`chart ${a.chart}: app ${a.key} declares wave ${a.wave}, ${c.apps[0]!.key} wave ${c.wave}`);
    if (c) c.apps.push(a);
    else charts.set(a.chart, { name: a.chart, wave: a.wave, apps: [a] });
  }
  return [...charts.values()];
}
