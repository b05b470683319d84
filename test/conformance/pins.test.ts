/** The images the stack runs are the ones upstream ships at the pinned releases (conformance/facts/pins.ts). */
import { IMAGES, imageOf } from '../../config/versions';
import { PIN_FACTS } from '../../conformance/facts/pins';

test.each([
  ['argocd', imageOf('argocd'), PIN_FACTS.argocdImage],
  ['argocd redis', IMAGES.argocdRedis.tag, PIN_FACTS.argocdRedis],
  ['dex', IMAGES.dex.tag, PIN_FACTS.dex],
  ['vault injector', IMAGES.vaultInjector.tag, PIN_FACTS.vaultInjector],
  ['vault agent', IMAGES.vaultAgent.tag, PIN_FACTS.vaultAgent],
  ['mc', IMAGES.minioClient.tag, PIN_FACTS.minioClient],
] as const)('%s pin equals upstream (%#)', (_name, pinned, fact) => {
  expect({ pinned, source: fact.source }).toEqual({ pinned: fact.value, source: fact.source });
});
