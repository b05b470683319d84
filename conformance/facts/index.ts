/**
 * Every facts table of the stack, one line per component. The shared-upstream check and the facts listing
 * read this; component conformance tests import their own table directly.
 */
import { Fact, factsOf } from '../upstream';
import { EXPOSURE_FACTS } from './exposure';
import { PIN_FACTS } from './pins';

export const ALL_FACTS: readonly Fact<unknown>[] = [
  ...factsOf(PIN_FACTS),
  ...factsOf(EXPOSURE_FACTS),
];
