/**
 * Every facts table of the stack, one line per component. The shared-upstream check and the facts listing
 * read this; component conformance tests import their own table directly.
 */
import { Fact, factsOf } from '../upstream';
import { PIN_FACTS } from './pins';
import { WAZUH_FACTS } from './wazuh';

export const ALL_FACTS: readonly Fact<unknown>[] = [
  ...factsOf(PIN_FACTS),
  ...factsOf(WAZUH_FACTS),
];
