/**
 * Jest global teardown: stops every control plane the run started, keeps their logs in LAST_RUN (the previous
 * run's are replaced) and removes the rest of the run folder.
 */
import { cpSync, existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { LAST_RUN, RUN_ENV, stopControlPlane } from './control-plane';

export default async function teardown(): Promise<void> {
  const run = process.env[RUN_ENV];
  if (!run || !existsSync(run)) return;
  const planes = readdirSync(run).filter((n) => !n.endsWith('.lock') && statSync(join(run, n)).isDirectory());
  if (planes.length > 0) rmSync(LAST_RUN, { recursive: true, force: true });
  for (const name of planes) {
    await stopControlPlane(join(run, name));
    const logs = join(run, name, 'logs');
    if (existsSync(logs)) cpSync(logs, join(LAST_RUN, name), { recursive: true });
  }
  rmSync(run, { recursive: true, force: true });
  if (planes.length > 0) process.stdout.write(`control plane logs of this run: ${LAST_RUN}\n`);
}
