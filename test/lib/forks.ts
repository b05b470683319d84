/**
 * Forks of the example site that turn optional apps off, derived from the registry: an app is optional when
 * its slice of site.workloads has an `enabled` switch that defaults to true. Used by test/forks.test.ts (and
 * usable by any test that must hold for every site a fork may commit).
 */
import type { SiteInput } from '../../config/schema';
import { APPS } from '../../constructs/registry';

/** The keys of the apps a site can turn off, in registry order. */
export function optionalApps(): string[] {
  return APPS.filter((a) => {
    if (a.schema === undefined) return false;
    const defaults = a.schema.safeParse(undefined);
    return defaults.success && (defaults.data as { enabled?: unknown }).enabled === true;
  }).map((a) => a.key);
}

/** One fork per optional app with that app off, then one with every optional app off. */
export function forkSites(): [string, SiteInput][] {
  const off = (keys: readonly string[]) => ({ workloads: Object.fromEntries(keys.map((k) => [k, { enabled: false }])) }) as SiteInput;
  const keys = optionalApps();
  return [...keys.map((k) => [`${k} off`, off([k])] as [string, SiteInput]), ['every optional app off', off(keys)]];
}
