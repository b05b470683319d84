/**
 * Jest global setup: names the run's control-plane folder (test/lib/control-plane.ts) for every worker. Nothing
 * starts here: a control plane starts when the first test that needs it asks, so a run without those tests
 * costs nothing.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RUN_ENV } from './control-plane';

export default function setup(): void {
  process.env[RUN_ENV] = mkdtempSync(join(tmpdir(), 'domus-control-plane-'));
}
