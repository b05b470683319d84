/** Jest globalSetup: the sources' hash for test/synth-cache.ts, computed once per run and inherited by every worker. */
import { sourcesHash } from './synth-cache';

export default function globalSetup(): void {
  delete process.env.DOMUS_TEST_SOURCES_HASH;
  sourcesHash();
}
