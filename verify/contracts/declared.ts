/**
 * What the apps declare about exposure and denied flows, written by synth into dist/ next to the flow intent
 * (charts/stack.ts) and read by verify: dist/intent/exposure.json (every host published through Traefik, its
 * audience and the paths it must never forward; checks/exposure.ts) and dist/intent/must-deny.json (flows the
 * policies must deny whatever else is declared; checks/network.ts). Each app states these facts in its own
 * constructs/<app>.ts (httpsRoute `exposure`, `mustDeny`), so adding an app edits no file of verify. Defined
 * once, here: the generator is typed by these schemas and verify parses with them, so a hand-edited or stale
 * file fails with the entry and field at fault.
 */
import { z } from 'zod';
import { contractProblems } from './problems';

const text = z.string().min(1);

export const exposureRouteSchema = z.strictObject({
  /** First DNS label of the host (`grafana` for grafana.<domain>). */
  host: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/),
  /**
   * `lan`: the whole LAN reaches it and the application authenticates every request itself; `admin`: no login of
   * its own, so an ipAllowList middleware (workloads.traefik.adminAllowCidrs) must guard it.
   */
  audience: z.enum(['lan', 'admin']),
  /** What the host publishes, for the reviewer (and the finding messages). */
  exposes: text,
  /** Backend paths Traefik must never forward on this host (evaluated against the route's rule). */
  denyPaths: z.array(z.string().startsWith('/')).optional(),
  /**
   * Why requests to this host carry credentials in their query string (S3 presigned URLs: X-Amz-Signature).
   * Traefik's access log records the path with its query (RequestPath) and the log agent ships it to Loki, so the
   * host's routers must not be access-logged (`observability.accessLogs: false`; ADR-0162).
   */
  secretsInQuery: text.optional(),
});
export const exposureFileSchema = z.strictObject({ routes: z.array(exposureRouteSchema) });

export const mustDenySchema = z.strictObject({
  /** `<namespace>/<workload>` (the site's namespace names), `world`, or `*` (every pod, plus the world unless exceptNamespace is set). */
  from: text,
  to: text,
  port: z.number().int().min(1).max(65535),
  protocol: z.enum(['TCP', 'UDP']).optional(),
  exceptNamespace: text.optional(),
  why: text,
});
export const mustDenyFileSchema = z.strictObject({ mustDeny: z.array(mustDenySchema) });

export type ExposureRoute = z.infer<typeof exposureRouteSchema>;
export type MustDenyRule = z.infer<typeof mustDenySchema>;

/** Where synth writes them, relative to dist/. */
export const EXPOSURE_FILE = 'intent/exposure.json';
export const MUST_DENY_FILE = 'intent/must-deny.json';

export type Declared<T> = { ok: true; value: T } | { ok: false; message: string };

function parseDeclared<T>(file: string, schema: z.ZodType<T>, text: string | undefined): Declared<T> {
  if (text === undefined) return { ok: false, message: `no ${file} in dist: regenerate it with \`npm run synth\` (the apps declare it; verify cannot check without it)` };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return { ok: false, message: `${file} is not JSON: ${(e as Error).message}` };
  }
  const r = schema.safeParse(json);
  if (r.success) return { ok: true, value: r.data };
  const problems = contractProblems(r.error);
  return { ok: false, message: `${file} does not match its contract (verify/contracts/declared.ts): ${problems.join('; ')}; regenerate it with \`npm run synth\`` };
}

export const parseExposure = (text: string | undefined): Declared<ExposureRoute[]> => {
  const r = parseDeclared(EXPOSURE_FILE, exposureFileSchema, text);
  return r.ok ? { ok: true, value: r.value.routes } : r;
};
export const parseMustDeny = (text: string | undefined): Declared<MustDenyRule[]> => {
  const r = parseDeclared(MUST_DENY_FILE, mustDenyFileSchema, text);
  return r.ok ? { ok: true, value: r.value.mustDeny } : r;
};
