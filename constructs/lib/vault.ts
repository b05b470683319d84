/**
 * Vault Agent Injector annotations from a typed spec, and the registry of what every annotated pod reads.
 *
 * The registry is the single source for the Vault-side setup (roles and policies, rendered by the bootstrap):
 * the role a pod logs in with, its ServiceAccount and namespace, and the paths its templates read all come
 * from the same spec that produced the annotations, so the two cannot disagree.
 */
import { Site } from '../../config/schema';
import { goString, templateField } from './quote';

export interface VaultSecret {
  /** File name under /vault/secrets (also the annotation suffix). */
  readonly name: string;
  /** Full Vault API path the template reads, e.g. `kv/data/monitoring/grafana` (see kvPath). */
  readonly path: string;
  /** consul-template text rendering the file. */
  readonly template: string;
  /** Policy capability the path needs: `read` for KV, `update` for PKI issue endpoints. @default 'read' */
  readonly capability?: 'read' | 'update';
  /** File mode. @default '0400' */
  readonly perms?: string;
  /** Command the agent runs after re-rendering (e.g. a reload signal). */
  readonly command?: string;
  /** Folder this file is rendered into instead of the spec's folder (its own in-memory volume). */
  readonly volumePath?: string;
}

export interface VaultSpec {
  readonly secrets: readonly VaultSecret[];
  /** Vault role name. @default `<namespace>-<serviceAccount>` */
  readonly role?: string;
  /** Only the init container (Jobs, or apps that read secrets once at start). @default false */
  readonly prePopulateOnly?: boolean;
  /** Folder the files are rendered into. @default '/vault/secrets' */
  readonly volumePath?: string;
  /** Containers that get the secrets volume. @default all */
  readonly containers?: readonly string[];
  /** Agent requests/limits; small, since one node pays for every sidecar. */
  readonly agentResources?: { readonly cpu: string; readonly memory: string; readonly cpuLimit: string; readonly memoryLimit: string };
}

export interface VaultBinding {
  readonly role: string;
  readonly namespace: string;
  readonly serviceAccount: string;
  readonly paths: readonly { readonly path: string; readonly capability: 'read' | 'update' }[];
}

/** Name of the projected ServiceAccount token volume the agent authenticates with. */
export const VAULT_TOKEN_VOLUME = 'vault-sa-token';

/** The KV v2 data path of a secret of the stack: `<kvMount>/data/<name>`. */
export function kvPath(site: Site, name: string): string {
  return `${site.vault.kvMount}/data/${name}`;
}

/** Template that writes one KV key as the whole file (for `_FILE` style settings). */
export function kvValueTemplate(path: string, key: string): string {
  return `{{- with secret ${goString(path)} -}}{{ .Data.data.${templateField(key)} }}{{- end }}`;
}

/** Template that writes a PKI issue response field (certificate, private_key, issuing_ca) for these names. */
export function pkiTemplate(site: Site, commonName: string, altNames: readonly string[], field: 'certificate' | 'private_key' | 'issuing_ca'): string {
  // Identical `secret` calls are one dependency for the agent, so cert and key come from the same issue.
  const alt = altNames.length ? ` ${goString(`alt_names=${altNames.join(',')}`)}` : '';
  return `{{- with secret ${goString(`${site.vault.pkiMount}/issue/${site.vault.pkiRole}`)} ${goString(`common_name=${commonName}`)}${alt} "ttl=720h" -}}{{ .Data.${templateField(field)} }}{{- end }}`;
}

/** Template that writes several KV keys as `ENV=value` lines (for env files). */
export function kvEnvTemplate(path: string, vars: Readonly<Record<string, string>>): string {
  const lines = Object.entries(vars).map(([env, key]) => `${templateField(env)}={{ .Data.data.${templateField(key)} }}`);
  return `{{- with secret ${goString(path)} -}}\n${lines.join('\n')}\n{{- end }}`;
}

export class VaultRegistry {
  private readonly bindings = new Map<string, VaultBinding>();

  constructor(private readonly site: Site) {}

  /** Pod-template annotations for `spec`, and records the binding. */
  annotate(spec: VaultSpec, namespace: string, serviceAccount: string, runAsUser: number): Record<string, string> {
    if (spec.secrets.length === 0) throw new Error(`vault spec for ${namespace}/${serviceAccount} has no secrets`);
    const role = spec.role ?? `${namespace}-${serviceAccount}`;
    const existing = this.bindings.get(role);
    if (existing && (existing.namespace !== namespace || existing.serviceAccount !== serviceAccount)) {
      throw new Error(`vault role ${role} is bound to ${existing.namespace}/${existing.serviceAccount} already`);
    }
    const paths = [...(existing?.paths ?? [])];
    for (const s of spec.secrets) {
      const capability = s.capability ?? 'read';
      if (!paths.some((p) => p.path === s.path && p.capability === capability)) paths.push({ path: s.path, capability });
    }
    this.bindings.set(role, { role, namespace, serviceAccount, paths: paths.sort((a, b) => (a.path < b.path ? -1 : 1)) });

    const r = spec.agentResources ?? { cpu: '10m', memory: '32Mi', cpuLimit: '100m', memoryLimit: '64Mi' };
    const a: Record<string, string> = {
      'vault.hashicorp.com/agent-inject': 'true',
      'vault.hashicorp.com/role': role,
      'vault.hashicorp.com/service': this.site.vault.address,
      'vault.hashicorp.com/auth-path': `auth/${this.site.vault.authMount}`,
      // The agent logs in with a projected token; app containers never see an API token.
      'vault.hashicorp.com/agent-service-account-token-volume-name': VAULT_TOKEN_VOLUME,
      'vault.hashicorp.com/agent-requests-cpu': r.cpu,
      'vault.hashicorp.com/agent-requests-mem': r.memory,
      'vault.hashicorp.com/agent-limits-cpu': r.cpuLimit,
      'vault.hashicorp.com/agent-limits-mem': r.memoryLimit,
      'vault.hashicorp.com/template-config-exit-on-retry-failure': 'true',
    };
    // Render files as the app's user so it can read 0400 files; root apps keep the agent's default user.
    if (runAsUser !== 0) a['vault.hashicorp.com/agent-run-as-same-user'] = 'true';
    if (spec.prePopulateOnly) a['vault.hashicorp.com/agent-pre-populate-only'] = 'true';
    if (spec.containers) a['vault.hashicorp.com/agent-inject-containers'] = spec.containers.join(',');
    if (spec.volumePath) a['vault.hashicorp.com/secret-volume-path'] = spec.volumePath;
    for (const s of spec.secrets) {
      a[`vault.hashicorp.com/agent-inject-secret-${s.name}`] = s.path;
      a[`vault.hashicorp.com/agent-inject-template-${s.name}`] = s.template;
      a[`vault.hashicorp.com/agent-inject-perms-${s.name}`] = s.perms ?? '0400';
      if (s.command) a[`vault.hashicorp.com/agent-inject-command-${s.name}`] = s.command;
      if (s.volumePath) a[`vault.hashicorp.com/secret-volume-path-${s.name}`] = s.volumePath;
    }
    return a;
  }

  /** Every binding, sorted by role. */
  all(): VaultBinding[] {
    return [...this.bindings.values()].sort((a, b) => (a.role < b.role ? -1 : 1));
  }
}
