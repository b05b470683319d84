/**
 * The site schema composed above both of its parts: the stack's own fields (config/schema.ts `baseSiteSchema`)
 * and one slice of `site.workloads` per app of the registry that declares a `schema` (constructs/registry.ts).
 *
 * It lives here, not in config/, so that no type the apps see depends on the registry: config/schema.ts's
 * `Site` is the base fields plus `SiteWorkloads`, which each app extends from its own file. An app file's
 * inferred type is then enough (issue 21: a Site computed from the registry made every app's type depend on
 * itself, and a new app failed the type check in ~15 untouched files until annotated).
 */
import { z } from 'zod';
import { baseSiteSchema, crossFieldIssues as baseCrossFieldIssues, type Site } from '../config/schema';
import type { AppDefinition } from '../constructs/lib/app';
import { APPS } from '../constructs/registry';

/** The `[key, schema]` of an app that declares a slice of `site.workloads`; never for one that does not. */
type Slice<A> = A extends { readonly key: infer K extends string; readonly schema: infer S extends z.ZodType } ? readonly [K, S] : never;
/** `site.workloads`' shape: one field per app of the registry that declares a schema, typed by that schema. */
export type WorkloadsShape<Apps extends readonly AppDefinition[]> = { [P in Slice<Apps[number]> as P[0]]: P[1] };

/** The registry's slices keyed by app, in registry order (the order of the fields in the JSON Schema). */
export function workloadsShape<const Apps extends readonly AppDefinition[]>(apps: Apps): WorkloadsShape<Apps> {
  const shape: Record<string, z.ZodType> = {};
  for (const a of apps) {
    if (a.schema === undefined) continue;
    if (a.key in shape) throw new Error(`site.workloads.${a.key} is declared by two apps`);
    shape[a.key] = a.schema;
  }
  return shape as WorkloadsShape<Apps>;
}

export const siteSchema = baseSiteSchema.extend({
  /** Per-app settings: each app's slice is declared in its constructs/<app>.ts (`schema`), listed in constructs/registry.ts. */
  workloads: z.strictObject(workloadsShape(APPS)).prefault({}),
});

export type SiteInput = z.input<typeof siteSchema>;

/**
 * Rules that span fields (config/schema.ts), with the apps' own rules (replicated components, singletons,
 * `siteIssues`) from the registry.
 */
export function crossFieldIssues(site: Site): { path: (string | number)[]; value: unknown; message: string }[] {
  return baseCrossFieldIssues(site, APPS);
}
