/**
 * The flow intent contract: dist/intent/flows.json, written by the generator (constructs/lib/network.ts,
 * `Network.intent()`) and read by verify (checks/network.ts, checks/flows.ts). Defined once, here: the
 * generator's return type is `IntentFlow[]`, so a change to the shape fails `tsc` on the generator side, and
 * verify parses the file with `intentFileSchema`, so a hand-edited or stale file fails with the entry and
 * field at fault instead of a TypeError deep in a check.
 */
import { z } from 'zod';
import { contractProblems } from './problems';

/** Cilium entities the stack names (cilium/api/v1/policy entities; `kube-apiserver` needs Cilium >= 1.12). */
export const INTENT_ENTITIES = ['world', 'host', 'kube-apiserver', 'cluster', 'remote-node'] as const;
export type IntentEntity = (typeof INTENT_ENTITIES)[number];

const name = z.string().min(1);
export const intentPeerSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('workload'), namespace: name, name }),
  z.strictObject({ kind: z.literal('pods'), namespace: name, labels: z.record(z.string(), z.string()) }),
  z.strictObject({ kind: z.literal('entity'), entity: z.enum(INTENT_ENTITIES) }),
  z.strictObject({ kind: z.literal('cidr'), cidrs: z.array(name).min(1) }),
  z.strictObject({ kind: z.literal('fqdn'), names: z.array(name).min(1) }),
]);

export const intentFlowSchema = z.strictObject({
  from: intentPeerSchema,
  to: intentPeerSchema,
  port: z.number().int().min(1).max(65535),
  protocol: z.enum(['TCP', 'UDP']),
  why: z.string().min(1),
});
export const intentFileSchema = z.array(intentFlowSchema);

/** Readonly views: the generator hands out its own (readonly) peers, verify only reads. */
type DeepReadonly<T> = T extends readonly (infer U)[] ? readonly DeepReadonly<U>[] : T extends object ? { readonly [K in keyof T]: DeepReadonly<T[K]> } : T;
export type IntentPeer = DeepReadonly<z.infer<typeof intentPeerSchema>>;
export type IntentFlow = DeepReadonly<z.infer<typeof intentFlowSchema>>;

/** Where the generator writes the intent, relative to dist/. */
export const INTENT_FILE = 'intent/flows.json';

export type IntentResult = { ok: true; flows: readonly IntentFlow[] } | { ok: false; message: string };

/**
 * Parses dist/intent/flows.json. `undefined` text means the file is missing (each check decides what that
 * costs); a malformed file is a message naming the file, the entry index, the field and what was expected.
 */
export function parseIntent(text: string): IntentResult {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return { ok: false, message: `${INTENT_FILE} is not JSON: ${(e as Error).message}` };
  }
  const r = intentFileSchema.safeParse(json);
  if (r.success) return { ok: true, flows: r.data };
  const problems = contractProblems(r.error);
  return {
    ok: false,
    message: `${INTENT_FILE} does not match the flow intent contract (verify/contracts/intent.ts): ${problems.join('; ')}; regenerate it with \`npm run synth\``,
  };
}
