/**
 * The tests one site gets on the real control plane (test/lib/control-plane.ts): its objects applied as Argo
 * CD's controller applies them, Pod Security admission of a pod from every pod template, and verify's RBAC
 * models (can-i, the controller's admission) against SubjectAccessReview. Used by test/control-plane*.test.ts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { join } from 'node:path';
import { resourceOf, uncovered } from '../../verify/checks/argocd-admission';
import { podSecurityViolations } from '../../verify/checks/pod-security';
import { canI, grants, type Grant, type Rule } from '../../verify/checks/rbac';
import { podSpecOf } from '../../verify/load';
import type { Context } from '../../verify/types';
import { controlPlane, controlPlaneTools, releaseOwn, requireTools, type ControlPlaneInfo } from './control-plane';
import { KubeClient, messageOf, serviceAccountGroups, type AccessQuestion, type KubeObject } from './kube-client';
import { controllerUser, idOf, installAsAdmin, parseObjects, podFromTemplate, syncAll, syncPlan, type AppSync, type Refusal } from './stack-on-api';
import { SLOW_TIER } from '../tier';

/** Where the stack's upstream CRDs are kept for offline use (../shared/crds, see its SOURCES.md). */
const SHARED_CRDS = join(__dirname, '..', '..', '..', 'shared', 'crds');

export interface SiteOnApi {
  readonly client: KubeClient;
  readonly info: ControlPlaneInfo;
  readonly ctx: Context;
  readonly plan: readonly AppSync[];
  readonly controller: { user: string; namespace: string; name: string };
  /** Refusals of the admin's DAY0 steps. */
  readonly day0: readonly Refusal[];
  /** Refusals of the controller's sync, and how many objects it applied. */
  readonly sync: { refusals: readonly Refusal[]; applied: number };
  /** verify's admission model against the server before the sync (only the bootstrap RBAC in place). */
  readonly admissionDisagreements: readonly string[];
  readonly admissionQuestions: number;
}

/** Objects of a folder of dist (e.g. bootstrap/argocd). */
const docsIn = (ctx: Context, file: string): KubeObject[] => ctx.docs.filter((d) => d.file === file).map((d) => d.obj as KubeObject);

async function pool<T, R>(items: readonly T[], n: number, f: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await f(items[i]!);
      }
    }),
  );
  return out;
}

const groupOf = (apiVersion: string): string => (apiVersion.includes('/') ? apiVersion.split('/')[0]! : '');

/** The subject of verify's grants as a SubjectAccessReview user and groups. */
export function reviewerOf(subject: string): { user: string; groups: string[] } {
  const sa = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(subject);
  if (sa) return { user: subject, groups: serviceAccountGroups(sa[1]!) };
  if (subject.startsWith('group:')) return { user: 'domus-probe', groups: [subject.slice('group:'.length), 'system:authenticated'] };
  return { user: subject.replace(/^user:/, ''), groups: ['system:authenticated'] };
}

/** verify's canI resource spelling: `resource[/sub].group`. */
const modelResource = (group: string, resource: string): string => (group ? `${resource}.${group}` : resource);

/**
 * verify's admission question, asked the way checkArgocdAdmission asks it: may the controller create, update,
 * patch and delete each synced object's kind in its namespace, with the rights of the bindings Argo CD does
 * not sync (here: the bootstrap RBAC, the only RBAC on the server before the sync)?
 */
async function compareAdmission(client: KubeClient, ctx: Context, plan: readonly AppSync[], controller: string): Promise<{ disagreements: string[]; questions: number }> {
  const synced = new Set(plan.flatMap((a) => a.objects.map(idOf)));
  const owned = grants(ctx.docs.filter((d) => !((d.obj.kind === 'RoleBinding' || d.obj.kind === 'ClusterRoleBinding') && synced.has(idOf(d.obj as KubeObject)))));
  const rulesIn = (ns: string | undefined): Rule[] =>
    owned.filter((g) => g.subject === controller && (g.scope === 'cluster' || (ns !== undefined && g.scope === `namespace:${ns}`))).map((g) => g.rule);
  const seen = new Set<string>();
  const qs: { q: AccessQuestion; model: boolean; label: string }[] = [];
  const { groups } = reviewerOf(controller);
  for (const a of plan)
    for (const o of a.objects) {
      const group = groupOf(o.apiVersion);
      const resource = resourceOf(o.kind);
      for (const verb of ['create', 'update', 'patch', 'delete']) {
        const label = `${verb} ${group ? `${group}/` : ''}${resource}${o.metadata.namespace ? ` in ${o.metadata.namespace}` : ''}`;
        if (seen.has(label)) continue;
        seen.add(label);
        const model = uncovered(rulesIn(o.metadata.namespace), [{ apiGroups: [group], resources: [resource], verbs: [verb] }]).length === 0;
        qs.push({ q: { user: controller, groups, verb, group, resource, ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}) }, model, label });
      }
    }
  const answers = await pool(qs, 16, (x) => client.allowed(x.q));
  return { disagreements: qs.flatMap((x, i) => (answers[i] === x.model ? [] : [`${controller} ${x.label}: model ${x.model}, server ${answers[i]}`])), questions: qs.length };
}

/**
 * Refusals found here whose fix is on another branch of this round (the lead merges it): each names its fix.
 * The apply test fails while one is listed and no longer happens, so the entry goes with the merge.
 */
export const PENDING_REFUSALS: readonly { app: string; object: string; fixedBy: string }[] = [];

/** Disagreements of verify's can-i with the server whose fix is on another branch of this round (as above). */
export const PENDING_DISAGREEMENTS: readonly { pattern: RegExp; fixedBy: string }[] = [];

const sites = new Map<string, Promise<SiteOnApi>>();

/** Starts the site's control plane and syncs the stack onto it (once per site and run). */
export function siteOnApi(key: string, ctx: Context, options: { admissionWebhooks?: boolean } = {}): Promise<SiteOnApi> {
  let p = sites.get(key);
  if (!p) {
    p = (async () => {
      const k3s = join(ctx.dist, 'bootstrap', 'k3s');
      const server = parse(readFileSync(join(k3s, readdirSync(k3s).find((f) => /^config-.*\.yaml$/.test(f)) ?? 'config.yaml'), 'utf8')) as { 'service-cidr'?: string };
      const info = await controlPlane(key, { admissionConfig: readFileSync(join(k3s, 'psa.yaml'), 'utf8'), serviceCidr: server['service-cidr'] ?? '10.43.0.0/16', ...options });
      const client = new KubeClient(info);
      const plan = syncPlan(ctx.docs);
      const controller = controllerUser(ctx.docs);
      const day0: Refusal[] = [];
      // Cilium registers its CRDs itself (verify's CLUSTER_CRD_GROUPS); the stack uses cilium.io/v2 policies.
      const cilium = ['ciliumnetworkpolicy.yaml', 'ciliumclusterwidenetworkpolicy.yaml'].flatMap((f) =>
        parseObjects(readFileSync(join(SHARED_CRDS, 'cilium', f), 'utf8'), `shared/crds/cilium/${f}`),
      );
      day0.push(...(await installAsAdmin(client, cilium, 'cilium (k3s HelmChart)')));
      // DAY0: the namespaces exist (platform applied) before the bootstrap RBAC of the controller.
      const rbac = docsIn(ctx, 'bootstrap/argocd/controller-rbac.yaml');
      const nsNeeded = new Set([controller.namespace, ...rbac.flatMap((o) => (o.metadata.namespace ? [o.metadata.namespace] : []))]);
      const nsObjects = [...nsNeeded].sort().map(
        (n) =>
          (ctx.docs.find((d) => d.obj.kind === 'Namespace' && d.obj.metadata.name === n)?.obj as KubeObject | undefined) ?? {
            apiVersion: 'v1',
            kind: 'Namespace',
            metadata: { name: n },
          },
      );
      day0.push(...(await installAsAdmin(client, [...nsObjects, ...rbac], 'DAY0 (admin)')));
      const admission = await compareAdmission(client, ctx, plan, controller.user);
      const sync = await syncAll(client, plan, controller.user);
      // What the controller-manager would do: a `default` ServiceAccount in every namespace.
      const namespaces = ctx.docs.filter((d) => d.obj.kind === 'Namespace').map((d) => d.obj.metadata.name);
      for (const ns of namespaces) await client.create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: ns } }).catch(() => undefined);
      return { client, info, ctx, plan, controller, day0, sync, admissionDisagreements: admission.disagreements, admissionQuestions: admission.questions };
    })();
    sites.set(key, p);
  }
  return p;
}

const SECRET_VERBS = ['get', 'list', 'watch'];

/** One question of verify's `--can-i`, in its spelling. */
export interface CanIQuestion {
  subject: string;
  verb: string;
  resource: string;
  namespace?: string;
  name?: string;
}

/** verify's spelling of a binding subject (verify/checks/rbac.ts subjectName). */
const subjectOf = (s: { kind: string; name: string; namespace?: string }): string =>
  s.kind === 'ServiceAccount' ? `system:serviceaccount:${s.namespace}:${s.name}` : `${s.kind.toLowerCase()}:${s.name}`;

/**
 * The can-i questions, per subject of a binding in dist (also one verify gives no rule): every atom of every
 * rule it holds in verify's model and of every server-side role (Kubernetes' bootstrap roles) a dist binding
 * gives it, plus reading secrets, each with the rule's verbs and get and delete; in the namespaces of its
 * grants, one namespace it has nothing in, and at cluster scope. A model that grants too much differs on its
 * own atoms; one that misses a grant differs on the server role's atoms.
 */
function canIQuestions(all: readonly Grant[], bound: ReadonlyMap<string, readonly Rule[]>, namespaces: readonly string[]): CanIQuestion[] {
  const subjects = [...new Set([...bound.keys(), ...all.map((g) => g.subject)])].sort();
  const secrets: Rule = { apiGroups: [''], resources: ['secrets'], verbs: SECRET_VERBS };
  const out: CanIQuestion[] = [];
  for (const s of subjects) {
    const rules = [...all.filter((g) => g.subject === s).map((g) => g.rule), ...(bound.get(s) ?? []), secrets];
    const atoms = new Map<string, { resource: string; name?: string; verbs: Set<string> }>();
    for (const r of rules) {
      if (r.nonResourceURLs?.length) {
        for (const u of r.nonResourceURLs) if (u !== '*') atoms.set(`url ${u}`, { resource: u, verbs: new Set(['get', ...r.verbs.filter((v) => v !== '*')]) });
        continue;
      }
      for (const g of r.apiGroups ?? [])
        for (const res of r.resources ?? []) {
          if (g === '*' || res === '*' || res.includes('*')) continue;
          for (const name of [undefined, ...(r.resourceNames ?? [])]) {
            const key = `${g}|${res}|${name ?? ''}`;
            const a = atoms.get(key) ?? { resource: modelResource(g, res), ...(name !== undefined ? { name } : {}), verbs: new Set(['get', 'delete']) };
            for (const v of r.verbs) if (v !== '*') a.verbs.add(v);
            atoms.set(key, a);
          }
        }
    }
    const own = [...new Set(all.filter((g) => g.subject === s && g.scope.startsWith('namespace:')).map((g) => g.scope.slice('namespace:'.length)))];
    const other = namespaces.find((n) => !own.includes(n));
    const scopes: (string | undefined)[] = [undefined, ...own, ...(other ? [other] : [])];
    for (const a of atoms.values())
      for (const verb of a.verbs)
        for (const ns of a.resource.startsWith('/') ? [undefined] : scopes)
          out.push({ subject: s, verb, resource: a.resource, ...(ns !== undefined ? { namespace: ns } : {}), ...(a.name !== undefined ? { name: a.name } : {}) });
  }
  return out;
}

/** The question as a SubjectAccessReview (canI's `resource[/sub].group` spelling taken apart). */
function accessQuestion(q: CanIQuestion): AccessQuestion {
  const who = reviewerOf(q.subject);
  if (q.resource.startsWith('/')) return { ...who, verb: q.verb, path: q.resource };
  const dot = q.resource.indexOf('.');
  const [resPart, group] = dot >= 0 ? [q.resource.slice(0, dot), q.resource.slice(dot + 1)] : [q.resource, ''];
  const [resource, subresource] = resPart.split('/');
  return {
    ...who,
    verb: q.verb,
    group,
    resource: resource!,
    ...(subresource ? { subresource } : {}),
    ...(q.namespace ? { namespace: q.namespace } : {}),
    ...(q.name ? { name: q.name } : {}),
  };
}

/** Closes the clients and stops the control planes this file started (call from the test file's afterAll). */
export async function closeSites(): Promise<void> {
  for (const p of sites.values()) (await p.catch(() => undefined))?.client.close();
  sites.clear();
  await releaseOwn();
}

/**
 * Every subject of a binding in dist, with the rules of the ClusterRoles its bindings name that dist does not
 * define (Kubernetes' bootstrap roles), as the server holds them.
 */
async function boundSubjects(site: SiteOnApi): Promise<Map<string, Rule[]>> {
  const defined = new Set(site.ctx.docs.filter((x) => x.obj.kind === 'ClusterRole').map((x) => x.obj.metadata.name));
  const out = new Map<string, Rule[]>();
  const fetched = new Map<string, Rule[]>();
  for (const x of site.ctx.docs.filter((d) => d.obj.kind === 'RoleBinding' || d.obj.kind === 'ClusterRoleBinding')) {
    const ref = x.obj.roleRef as { kind: string; name: string };
    let rules: Rule[] = [];
    if (ref.kind === 'ClusterRole' && !defined.has(ref.name)) {
      if (!fetched.has(ref.name)) {
        const r = await site.client.request('GET', `/apis/rbac.authorization.k8s.io/v1/clusterroles/${encodeURIComponent(ref.name)}`);
        fetched.set(ref.name, r.status === 200 ? ((r.body as { rules?: Rule[] }).rules ?? []) : []);
      }
      rules = fetched.get(ref.name)!;
    }
    for (const sub of (x.obj.subjects as { kind: string; name: string; namespace?: string }[] | undefined) ?? []) {
      const name = subjectOf(sub);
      out.set(name, [...(out.get(name) ?? []), ...rules]);
    }
  }
  return out;
}

/** Asks every can-i question (canIQuestions) of `model` (verify's grants, or a mutation of them) and of the server. */
export async function compareCanI(site: SiteOnApi, model: readonly Grant[], only?: (q: CanIQuestion) => boolean): Promise<{ questions: CanIQuestion[]; differ: string[] }> {
  const namespaces = site.ctx.docs.filter((x) => x.obj.kind === 'Namespace').map((x) => x.obj.metadata.name);
  const questions = canIQuestions(model, await boundSubjects(site), namespaces).filter((q) => !only || only(q));
  const answers = await pool(questions, 16, (q) => site.client.allowed(accessQuestion(q)));
  const differ = questions.flatMap((q, i) => {
    const said = canI(model, q.subject, q.verb, q.resource, q.namespace, q.name) !== undefined;
    return said === answers[i]
      ? []
      : [`${q.subject} ${q.verb} ${q.resource}${q.name ? ` (${q.name})` : ''}${q.namespace ? ` -n ${q.namespace}` : ' (cluster)'}: verify ${said}, server ${answers[i]}`];
  });
  return { questions, differ };
}

/** Whether the control-plane tests run here, and why not. */
export function controlPlaneAvailable(): { run: true } | { run: false; why: string } {
  const t = controlPlaneTools();
  if (!('missing' in t)) return { run: true };
  if (requireTools()) return { run: true }; // CI: let the tests fail with the message
  return { run: false, why: t.missing };
}

/** Declares the site's tests. */
/** Whether the site's dist/ runs Argo CD's application controller (the subject every apply here impersonates). */
export function siteHasArgoController(context: () => Context): boolean {
  return context().docs.some((d) => d.obj.metadata.name === 'argocd-application-controller' && (d.obj.kind === 'StatefulSet' || d.obj.kind === 'Deployment'));
}

export function describeSiteOnApi(label: string, key: string, context: () => Context, opts: { slowTier?: boolean } = {}): void {
  // A site besides the one in use starts a control plane of its own (~15 s of CPU): in the slow tier (test/tier.ts)
  // its tests are listed as skipped, and neither its synthesis nor its control plane is made.
  const slow = opts.slowTier === true && !SLOW_TIER;
  const available = slow ? { run: false as const, why: 'the slow tier' } : controlPlaneAvailable();
  if (!available.run && !slow) process.stderr.write(`control-plane tests for ${label} skipped: ${available.why}\n`);
  // Tests follow the site: with Argo CD off nothing applies dist/ as its controller, so there is nothing to prove.
  const gitops = slow || siteHasArgoController(context);
  const d = available.run && gitops ? describe : describe.skip;
  const why = slow ? ' [slow tier: CI, or npm test -- --slow]' : gitops ? '' : ' [skipped: Argo CD is off in this site]';
  d(`${label} on a real kube-apiserver${why}`, () => {
    let site: SiteOnApi;
    beforeAll(async () => {
      site = await siteOnApi(key, context());
    }, 600_000);
    test('DAY0: Cilium CRDs, the controller namespaces and its bootstrap RBAC install as the admin', () => {
      expect(site.day0).toEqual([]);
    });

    test('every object of every Application is accepted as Argo CD controller applies it, in sync-wave order', () => {
      const total = site.plan.reduce((n, a) => n + a.objects.length, 0);
      const pending = (r: Refusal) => PENDING_REFUSALS.some((p) => p.app === r.app && p.object === r.object);
      expect({ logs: site.info.logs, refusals: site.sync.refusals.filter((r) => !pending(r)) }).toEqual({ logs: site.info.logs, refusals: [] });
      // A pending entry that no longer happens must go (the fix has been merged).
      for (const p of PENDING_REFUSALS)
        expect({ ...p, stillRefused: site.sync.refusals.some((r) => r.app === p.app && r.object === p.object) }).toEqual({ ...p, stillRefused: true });
      expect(site.sync.applied).toBe(total - site.sync.refusals.length);
      expect(total).toBeGreaterThan(100);
    });

    test("verify's plural of every synced kind is the resource the server serves", async () => {
      const kinds = new Map<string, KubeObject>();
      for (const a of site.plan) for (const o of a.objects) kinds.set(`${o.apiVersion} ${o.kind}`, o);
      const wrong: string[] = [];
      for (const o of kinds.values()) {
        // A kind the server does not serve is the apply test's refusal, not a plural question.
        const path = await site.client.pathOf({ ...o, metadata: { name: 'x', namespace: 'x' } }).catch(() => undefined);
        if (!path) continue;
        const served = path.split('/').slice(-2, -1)[0];
        if (served !== resourceOf(o.kind)) wrong.push(`${o.kind}: verify says ${resourceOf(o.kind)}, the server serves ${served}`);
      }
      expect(wrong).toEqual([]);
    }, 120_000);

    test("verify's admission model answers the controller's create/update/patch/delete questions as the server does", () => {
      expect(site.admissionQuestions).toBeGreaterThan(20);
      expect(site.admissionDisagreements).toEqual([]);
    });

    test('a Pod from every pod template is admitted by Pod Security admission in its namespace, and verify agrees', async () => {
      const refused: string[] = [];
      const modelRefused: string[] = [];
      const levels = new Map(
        site.ctx.docs.filter((x) => x.obj.kind === 'Namespace').map((x) => [x.obj.metadata.name, x.obj.metadata.labels?.['pod-security.kubernetes.io/enforce'] ?? 'restricted']),
      );
      let pods = 0;
      for (const a of site.plan)
        for (const o of a.objects) {
          const pod = podFromTemplate(o);
          if (!pod) continue;
          pods++;
          const r = await site.client.create(pod);
          if (r.status !== 201) refused.push(`${idOf(o)}: ${r.status} ${messageOf(r)}`);
          const level = levels.get(o.metadata.namespace ?? '') ?? 'restricted';
          const t = podSpecOf(o)!;
          const v = podSecurityViolations(t.spec, t.metadata?.annotations ?? {}, level === 'privileged' ? 'baseline' : (level as 'baseline' | 'restricted'));
          if (level !== 'privileged' && v.length) modelRefused.push(`${idOf(o)}: ${v.join('; ')}`);
        }
      expect(pods).toBeGreaterThan(5);
      expect(refused).toEqual([]);
      expect(modelRefused).toEqual([]);
    });

    test("verify's can-i answers every question as the server's SubjectAccessReview does", async () => {
      const { questions, differ } = await compareCanI(site, grants(site.ctx.docs));
      expect(questions.length).toBeGreaterThan(500);
      const pending = (d: string) => PENDING_DISAGREEMENTS.some((p) => p.pattern.test(d));
      expect(differ.filter((d) => !pending(d))).toEqual([]);
      for (const p of PENDING_DISAGREEMENTS) expect({ ...p, stillDiffers: differ.some((d) => p.pattern.test(d)) }).toEqual({ ...p, stillDiffers: true });
      // The secret reads checkRbac judges are among the questions.
      expect(questions.filter((q) => q.resource === 'secrets' && SECRET_VERBS.includes(q.verb)).length).toBeGreaterThan(10);
    }, 600_000);
  });
}
