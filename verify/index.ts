/**
 * The public API of @domus/verify (README.md): what tests, scripts and other tools of this repository may
 * import. Everything else under verify/ is internal to the checks and may change without notice.
 */
export { buildContext, main, runChecks, siteContextFor } from './cli';
export { CHECK_NAMES } from './checks/names';
export type { CheckName } from './checks/names';
export { INTENT_ENTITIES, INTENT_FILE, intentFileSchema, intentFlowSchema, intentPeerSchema, parseIntent } from './contracts/intent';
export type { IntentEntity, IntentFlow, IntentPeer, IntentResult } from './contracts/intent';
export { loadDist } from './load';
export { finding, id } from './types';
export type { Context, Doc, Finding, KubeObj, Severity } from './types';
