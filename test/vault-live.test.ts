/**
 * Vault for real (issue 20): the pinned Vault and injector run as processes against the synthesized output.
 *  1. A dev Vault on loopback (TLS from dev-tls' CA, the site's Vault host name in its certificate) gets DAY0's
 *     prerequisites (KV v2, a PKI intermediate whose chain reaches its root), then dist/bootstrap/vault/setup.sh
 *     runs as DAY0 step 10 says, with the real vault CLI, kubectl, and a control plane as the Kubernetes auth
 *     backend (its TokenReview is the one Vault calls for every pod login), and DAY0's KV commands.
 *  2. vault-k8s runs as the webhook of that control plane (its own: the shared one does not call webhooks) from
 *     the generated Deployment's environment and MutatingWebhookConfiguration; a Pod from every annotated pod
 *     template is created and the pod the API server returns is the injector's work.
 *  3. `vault agent` runs with each pod's injected configuration and a token of the pod's ServiceAccount: every
 *     template renders, every certificate is issued for the names asked, the files are what the consumer reads.
 *     A second agent (the sidecar's start: a new login) must leave a still-valid pkiCert certificate alone.
 * What it cannot prove (docs/adr/0161-live-vault.md): no kubelet (the pods never start; their token is a
 * TokenRequest as the kubelet would ask for it), no images (the agent runs as a local process with the container's
 * environment), no network policy; the Vault is a dev server, not the operator's.
 */
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildContext } from '../verify/cli';
import { podSpecOf } from '../verify/load';
import type { Context } from '../verify/types';
import { controlPlaneAvailable, siteHasArgoController, siteOnApi, closeSites, type SiteOnApi } from './lib/site-suite';
import { requireTools } from './lib/control-plane';
import { messageOf, type KubeObject } from './lib/kube-client';
import { podFromTemplate } from './lib/stack-on-api';
import {
  agentConfig,
  agentContainer,
  pemBlocks,
  pkiRequests,
  renderProblems,
  injectorBinary,
  podToken,
  configuredDevVault,
  renderAgent,
  startInjector,
  stopDevVault,
  stopPid,
  vault,
  vaultBinary,
  type AgentConfig,
  type ConfiguredVault,
  type DevVault,
  type Injector,
  type Rendered,
} from './lib/vault-dev';
import { FakeRoot } from './real/tool';

const dist = join(__dirname, '..', 'dist');
const ctx: Context = buildContext(dist, []);

const INJECT = 'vault.hashicorp.com/agent-inject';
/** Every workload whose pod template asks for the agent (derived from dist: tests follow the site). */
const annotated = ctx.docs
  .filter((d) => podSpecOf(d.obj)?.metadata?.annotations?.[INJECT] === 'true')
  .map((d) => d.obj as KubeObject)
  .sort((a, b) => `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`));
const injectorDeployment = ctx.docs.find(
  (d) => d.obj.kind === 'Deployment' && (podSpecOf(d.obj)?.spec.containers ?? []).some((c) => ((c as { args?: string[] }).args ?? []).includes('agent-inject')),
)?.obj as KubeObject | undefined;
const webhook = ctx.docs.find((d) => d.obj.kind === 'MutatingWebhookConfiguration' && (d.obj.webhooks as { name: string }[]).some((w) => w.name === 'vault.hashicorp.com'))?.obj as
  KubeObject | undefined;
const setupSh = join(dist, 'bootstrap', 'vault', 'setup.sh');

/** Why the suite does not run here, or undefined. */
function skipReason(): string | undefined {
  if (!injectorDeployment || !webhook || annotated.length === 0 || !existsSync(setupSh)) return 'the site runs no Vault agent injector or no pod asks for the agent';
  if (!siteHasArgoController(() => ctx)) return 'Argo CD is off in this site (the stack is applied here as its controller applies it)';
  if (process.env.DOMUS_SKIP_TOOLS === '1') return 'DOMUS_SKIP_TOOLS=1';
  const missing = [controlPlaneAvailable(), injectorBinary()].flatMap((x) => (typeof x === 'string' ? [] : 'missing' in x ? [x.missing] : 'why' in x ? [x.why] : []));
  if (missing.length && !requireTools()) return missing.join('; ');
  return undefined;
}
const skip = skipReason();
if (skip) process.stderr.write(`vault-live tests skipped: ${skip}\n`);
const d = skip ? describe.skip : describe;
/** The Vault half needs the vault binary as well (the injector half runs without it). */
const vaultMissing = ((): string | undefined => {
  const v = vaultBinary();
  return typeof v === 'string' || requireTools() ? undefined : v.missing;
})();
if (!skip && vaultMissing) process.stderr.write(`vault-live: the Vault half skipped: ${vaultMissing}\n`);
const dv = vaultMissing ? describe.skip : describe;

d(`Vault for real: setup.sh, the injector as a webhook, the agent rendering every template${skip ? ` [skipped: ${skip}]` : ''}`, () => {
  let site: SiteOnApi;
  let dev: DevVault;
  let injector: Injector | undefined;
  let setup: ConfiguredVault['setup'];
  const created = new Map<string, { status: number; pod: KubeObject; message: string }>();
  const first = new Map<string, Rendered>();
  const roots = new Map<string, FakeRoot>();
  let kvValues: { path: string; key: string; value: string }[] = [];
  let pkiMount = '';
  const injectorEnv = (name: string): string | undefined =>
    (podSpecOf(injectorDeployment!)?.spec.containers[0]?.env as { name: string; value?: string }[] | undefined)?.find((e) => e.name === name)?.value;
  const siteVault = new URL(injectorEnv('AGENT_INJECT_VAULT_ADDR') ?? 'https://invalid');
  const label = (o: KubeObject) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`;

  beforeAll(async () => {
    site = await siteOnApi('vault-live', ctx, { admissionWebhooks: true });
    injector = await startInjector(site.client, site.info, injectorDeployment!, webhook!);
    for (const owner of annotated) {
      const pod = podFromTemplate(owner)!;
      const r = await site.client.create(pod);
      created.set(label(owner), { status: r.status, pod: r.body as KubeObject, message: r.status === 201 ? '' : messageOf(r) });
    }
  }, 900_000);

  afterAll(async () => {
    if (injector) stopPid(injector.pid);
    if (dev) stopDevVault(dev);
    for (const r of roots.values()) r.remove();
    await closeSites();
  }, 120_000);

  test('the injector runs from its generated Deployment and patches its own webhook with its CA (the generated RBAC suffices)', () => {
    const hooks = (injector!.webhook.webhooks as { clientConfig: { caBundle?: string; url?: string } }[]).map((h) => ({
      url: h.clientConfig.url,
      ca: Boolean(h.clientConfig.caBundle),
    }));
    expect(hooks).toEqual([{ url: `${injector!.url}/mutate`, ca: true }]);
  });

  test.each(annotated.map((o) => [label(o), o] as const))('%s: the API server returns the pod with the agent injected (CA, role, auth path, templates)', (name, owner) => {
    const c = created.get(name)!;
    expect({ status: c.status, message: c.message }).toEqual({ status: 201, message: '' });
    const ann = podSpecOf(owner)!.metadata!.annotations!;
    const withSidecar = (c.pod.spec as { containers: { name: string }[] }).containers.some((x) => x.name === 'vault-agent');
    expect(withSidecar).toBe(ann['vault.hashicorp.com/agent-pre-populate-only'] !== 'true');
    for (const which of withSidecar ? (['vault-agent-init', 'vault-agent'] as const) : (['vault-agent-init'] as const)) {
      const container = agentContainer(c.pod, which);
      const cfg = agentConfig(container);
      expect({ which, address: cfg.vault.address, role: cfg.auto_auth.method.config.role, mount: cfg.auto_auth.method.mount_path }).toEqual({
        which,
        address: ann['vault.hashicorp.com/service'],
        role: ann['vault.hashicorp.com/role'],
        mount: ann['vault.hashicorp.com/auth-path'],
      });
      expect(container.env?.find((e) => e.name === 'VAULT_CACERT_BYTES')?.value?.trim()).toBe(injectorEnv('AGENT_INJECT_VAULT_CACERT_BYTES')?.trim());
      const templates = Object.entries(ann)
        .filter(([k]) => k.startsWith('vault.hashicorp.com/agent-inject-template-'))
        .map(([, v]) => v)
        .sort();
      expect((cfg.template ?? []).map((t) => t.contents).sort()).toEqual(templates);
    }
  });

  dv(`the Vault half: setup.sh on a dev Vault, the agent of every injected pod${vaultMissing ? ` [skipped: ${vaultMissing}]` : ''}`, () => {
    beforeAll(async () => {
      const configured = await configuredDevVault(dist, siteVault.hostname, site.info, site.client);
      dev = configured.vault;
      setup = configured.setup;
      kvValues = [...configured.kv];
      pkiMount = configured.pkiMount;
    }, 600_000);

    test('setup.sh runs as DAY0 step 10 says, and its "Done when" holds: every role and the PKI role answer', () => {
      expect({ status: setup.status, stderr: setup.status === 0 ? '' : setup.stderr }).toEqual({ status: 0, stderr: '' });
      const script = readFileSync(setupSh, 'utf8');
      const roles = [...script.matchAll(/vault write (auth\/[a-z0-9-]+\/role\/[a-z0-9-]+) /g)].map((m) => m[1]!);
      expect(roles.length).toBe(new Set(annotated.map((o) => podSpecOf(o)?.metadata?.annotations?.['vault.hashicorp.com/role'])).size);
      for (const r of roles) expect({ r, status: vault(dev, ['read', '-format=json', r]).status }).toEqual({ r, status: 0 });
      const pkiRole = /vault write ([a-z0-9_-]+\/roles\/[a-z0-9_-]+) /.exec(script)?.[1];
      expect(pkiRole).toBeDefined();
      expect(vault(dev, ['read', '-format=json', pkiRole!]).status).toBe(0);
    });

    const chainOf = (): X509Certificate[] => pemBlocks(vault(dev, ['read', '-field=certificate', `${pkiMount}/cert/ca_chain`]).stdout).map((b) => new X509Certificate(b.pem));

    test.each(annotated.map((o) => [label(o), o] as const))('%s: vault agent renders every template with a token of the pod’s ServiceAccount', async (name) => {
      const c = created.get(name)!;
      expect(c.status).toBe(201);
      const init = agentContainer(c.pod, 'vault-agent-init');
      const cfg: AgentConfig = agentConfig(init);
      const root = new FakeRoot();
      roots.set(name, root);
      const r = await renderAgent(dev, init, cfg, await podToken(site.client, c.pod), root);
      first.set(name, r);
      expect({ status: r.status, denied: /permission denied|Code: 403\b/.test(r.output) ? r.output.slice(-2000) : '' }).toEqual({ status: 0, denied: '' });
      const chain = chainOf();
      const problems = renderProblems(cfg, r, chain, kvValues);
      expect({ name, problems }).toEqual({ name, problems: [] });
    });

    test.each(annotated.map((o) => [label(o), o] as const))(
      '%s: a second render after a new login (the sidecar’s start, or the pod’s restart) keeps every still-valid pkiCert certificate',
      async (name) => {
        const before = first.get(name);
        expect(before?.status).toBe(0);
        const c = created.get(name)!;
        // The sidecar's start logs in anew; a pod without a sidecar (pre-populate only) renders again when it restarts.
        const spec = c.pod.spec as { containers: { name: string }[] };
        const sidecar = agentContainer(c.pod, spec.containers.some((x) => x.name === 'vault-agent') ? 'vault-agent' : 'vault-agent-init');
        const cfg = agentConfig(sidecar);
        const root = roots.get(name)!;
        const r = await renderAgent(dev, sidecar, cfg, await podToken(site.client, c.pod), root);
        expect(r.status).toBe(0);
        const changed = (cfg.template ?? [])
          .filter((t) => pkiRequests(t.contents).some((q) => q.fn === 'pkiCert'))
          .filter((t) => r.files.get(t.destination) !== before!.files.get(t.destination))
          .map((t) => t.destination);
        expect({ name, changed }).toEqual({ name, changed: [] });
      },
    );

    test('a deliberate breakage: the agent of one pod with the token of another pod’s ServiceAccount is denied and renders nothing', async () => {
      const [a, b] = annotated.filter((o) => (podSpecOf(o)?.spec.serviceAccountName ?? 'default') !== 'default');
      expect(a && b).toBeTruthy();
      const pa = created.get(label(a!))!.pod;
      const pb = created.get(label(b!))!.pod;
      const init = agentContainer(pa, 'vault-agent-init');
      const cfg = agentConfig(init);
      const root = new FakeRoot();
      roots.set(`${label(a!)} denied`, root);
      const r = await renderAgent(dev, init, cfg, await podToken(site.client, pb), root, 20_000);
      expect({ rendered: [...r.files.keys()], denied: /permission denied|not authorized/.test(r.output) }).toEqual({ rendered: [], denied: true });
    }, 60_000);
  });
});
