/**
 * Secrets and Vault: no Secret with data, no credential-looking literal in env; every Vault-annotated pod has
 * a role, a secret, its own ServiceAccount with a token the agent can use, a pod-level seccomp profile (the
 * injected containers set none) and egress to Vault in the network model.
 */
import { podSpecOf } from '../load';
import { endpointsOf, NetModel, Peer } from '../netmodel';
import { Context, Finding, finding } from '../types';

const CREDENTIAL = /(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIAL)/i;
const REFERENCE = /(_FILE|_PATH|_DIR|_MODE|_TYPE)$/i;

export function checkSecrets(ctx: Context): Finding[] {
  const out: Finding[] = [];
  const model = NetModel.fromDocs(ctx.docs);
  const endpoints = endpointsOf(ctx.docs);
  const accounts = new Map(ctx.docs.filter((d) => d.obj.kind === 'ServiceAccount').map((d) => [`${d.obj.metadata.namespace}/${d.obj.metadata.name}`, d.obj]));
  const vault: Peer = ctx.vault.cidrs.length ? { kind: 'cidr', cidrs: [...ctx.vault.cidrs] } : { kind: 'fqdn', names: [ctx.vault.host] };
  for (const d of ctx.docs) {
    if (d.obj.kind === 'Secret' && (d.obj.data !== undefined || d.obj.stringData !== undefined)) out.push(finding('secrets', 'error', 'Secret with data in git', d));
    const t = podSpecOf(d.obj);
    if (!t) continue;
    for (const c of [...t.spec.containers, ...(t.spec.initContainers ?? [])]) {
      for (const e of c.env ?? []) {
        if (e.value !== undefined && CREDENTIAL.test(e.name) && !REFERENCE.test(e.name) && !e.value.startsWith('/'))
          out.push(finding('secrets', 'error', `${c.name}: env ${e.name} holds a literal that looks like a credential`, d));
      }
    }
    const a = t.metadata?.annotations ?? {};
    if (a['vault.hashicorp.com/agent-inject'] !== 'true') continue;
    const problems: string[] = [];
    if (!a['vault.hashicorp.com/role']) problems.push('no vault.hashicorp.com/role');
    if (!Object.keys(a).some((k) => k.startsWith('vault.hashicorp.com/agent-inject-secret-'))) problems.push('no agent-inject-secret-*');
    const saName = t.spec.serviceAccountName;
    if (!saName || saName === 'default') problems.push('uses the default ServiceAccount');
    const sa = accounts.get(`${d.obj.metadata.namespace}/${saName}`) as { automountServiceAccountToken?: boolean } | undefined;
    const projected = a['vault.hashicorp.com/agent-service-account-token-volume-name'];
    const tokenVolume = projected && (t.spec.volumes ?? []).some((v) => v.name === projected && 'projected' in v);
    const automount = t.spec.automountServiceAccountToken ?? sa?.automountServiceAccountToken ?? true;
    if (!tokenVolume && !automount) problems.push('the agent has no ServiceAccount token (no automount, no projected token volume)');
    if (!['RuntimeDefault', 'Localhost'].includes(t.spec.securityContext?.seccompProfile?.type ?? ''))
      problems.push('no pod-level seccompProfile: the injected containers would fail restricted');
    const ep = endpoints.find((e) => e.doc === d);
    const port = Number(new URL(a['vault.hashicorp.com/service'] ?? `https://${ctx.vault.host}:${ctx.vault.port}`).port || 443);
    if (ep && !model.allowed({ kind: 'endpoint', ep }, vault, port)) problems.push(`no egress to Vault (${ctx.vault.cidrs.join(',') || ctx.vault.host}:${port})`);
    for (const p of problems) out.push(finding('vault', 'error', p, d));
  }
  return out;
}
