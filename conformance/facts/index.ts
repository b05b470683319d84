/**
 * Every facts table of the stack, one line per component. The shared-upstream check and the facts listing
 * read this; component conformance tests import their own table directly.
 */
import { Fact, factsOf } from '../upstream';
import { GRAFANA_FACTS } from './grafana';
import { MC_FACTS, MINIO_FACTS } from './minio';
import { PIN_FACTS } from './pins';
import { CONFIG_RELOADER_FACTS, PROMETHEUS_FACTS } from './prometheus';

export const ALL_FACTS: readonly Fact<unknown>[] = [
  ...factsOf(PIN_FACTS),
  ...factsOf(PROMETHEUS_FACTS), ...factsOf(CONFIG_RELOADER_FACTS),
  ...factsOf(GRAFANA_FACTS),
  ...factsOf(MINIO_FACTS), ...factsOf(MC_FACTS),
];
