/**
 * Test tiers (issue 22). The slow tier — tests that start child processes running a whole program (npm, the
 * cdk8s CLI on a copy of the repository, concurrent synths, a second site's control plane) — runs in CI (CI set, as every CI service does) and
 * with DOMUS_SLOW_TESTS=1 or `npm test -- --slow`; a local `npm test` lists those tests as skipped, so the edit
 * loop stays short and nothing is silently dropped.
 */
export const SLOW_TIER = Boolean(process.env.CI) || process.env.DOMUS_SLOW_TESTS === '1';

/** `test` in the slow tier, `test.skip` otherwise. */
export const slowTest: jest.It = SLOW_TIER ? test : test.skip;

/** The full budgets of property, corpus and mutation tests: CI, or DOMUS_PROPERTY_BUDGET=full. */
export const FULL_BUDGET = SLOW_TIER || process.env.DOMUS_PROPERTY_BUDGET === 'full';

/**
 * A property-based test's budget (fast-check numRuns): `local` in the edit loop, `full` in CI or with
 * DOMUS_PROPERTY_BUDGET=full. Every property still runs locally, on fewer generated cases.
 */
export function budget(local: number, full: number): number {
  return FULL_BUDGET ? full : local;
}
