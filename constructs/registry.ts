/**
 * The registry: the apps listed in constructs/apps.ts (one line each), in the order Argo CD syncs them. Each
 * app is declared once, in its own constructs/<app>.ts (constructs/lib/app.ts says what a declaration holds);
 * the namespaces, charts, waves, dashboards, alert rules, runbook lines and must-deny flows are derived from
 * this list. Its order (`registryOrder`: sync wave, then key) is the order of the charts in dist/ and of the
 * child Applications (the platform chart, built from the namespaces, comes first).
 *
 * Why a separate list file: an import and a list entry were two lines per app (issue 21). A module namespace
 * lists its exports in name order, not in line order, so the order is stated by the apps' own declarations
 * (their waves), never by where a line sits. The namespace keeps each app's inferred type: `APPS`' element type
 * is the union of the listed apps, from which charts/site-schema.ts composes the site schema.
 * Adding an app: docs/adding-an-app.md.
 */
import * as listed from './apps';
import { registryOrder } from './lib/app';

export const APPS = registryOrder(listed);
