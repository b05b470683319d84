/**
 * Jest globalSetup, once per run, inherited by every worker: the sources' hash for test/synth-cache.ts, the
 * loader's for test/lib/dist-cache.ts, and the
 * folder of the run's real control plane (test/lib/control-plane-setup.ts; nothing starts here).
 */
import controlPlaneSetup from './lib/control-plane-setup';
import { loaderHash } from './lib/dist-cache';
import { sourcesHash } from './synth-cache';

export default function globalSetup(): void {
  delete process.env.DOMUS_TEST_SOURCES_HASH;
  delete process.env.DOMUS_TEST_LOADER_HASH;
  sourcesHash();
  loaderHash();
  controlPlaneSetup();
}
