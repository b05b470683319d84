/**
 * Vault Agent Injector annotations from a typed spec, and the registry of what every annotated pod reads.
 *
 * The registry is the single source for the Vault-side setup (roles and policies, rendered by the bootstrap):
 * the role a pod logs in with, its ServiceAccount and namespace, and the paths its templates read all come
 * from the same spec that produced the annotations, so the two cannot disagree.
 *
 * TLS certificates are data, not template text: describe one as a PkiCertificate and render its files with
 *   pkiSecret(site, 'node.pem', cert, 'certificate'), pkiSecret(site, 'node-key.pem', cert, 'private_key'), …
 * (or pkiSecretCall(site, cert) inside a custom template, with `pki: cert` on the VaultSecret). The PKI role
 * setup.sh writes allows exactly the names of every certificate, and each workload's policy admits only its
 * own requests (docs/adr/0062-vault-agent-trust-and-pki-role.md).
 */
import { isIP } from 'node:net';
import type { Site } from '../../config/schema';
import { goString, templateField } from './quote';

/** How a secret file is written, whatever it holds. */
export interface SecretFileOptions {
  /** File mode. @default '0400' */
  readonly perms?: string;
  /** Command the agent runs after re-rendering (e.g. a reload signal). */
  readonly command?: string;
  /** Folder this file is rendered into instead of the spec's folder (its own in-memory volume). */
  readonly volumePath?: string;
  /**
   * Fail the render when a key the template reads is missing (vault-k8s `error-on-missing-key-<name>`), instead
   * of writing Go's "<no value>" into the file. @default false
   */
  readonly errorOnMissingKey?: boolean;
}

interface SecretFile extends SecretFileOptions {
  /** File name under /vault/secrets (also the annotation suffix). */
  readonly name: string;
  /** Full Vault API path the template reads, e.g. `kv/data/monitoring/grafana` (see kvPath). */
  readonly path: string;
  /** consul-template text rendering the file. */
  readonly template: string;
}

/** One key of a KV v2 secret as the whole file (kvValueSecret). */
export interface KvValueSecret extends SecretFile {
  readonly kind: 'kv-value';
  readonly key: string;
}

/** A template over keys of one KV v2 secret (kvEnvSecret, kvTemplateSecret): the keys are declared, not parsed. */
export interface KvTemplateSecret extends SecretFile {
  readonly kind: 'kv-template';
  readonly keys: readonly string[];
}

/** A certificate from the stack's PKI role (pkiSecret, or a template around pkiSecretCall): the role and policies follow `pki`. */
export interface PkiCertificateSecret extends SecretFile {
  readonly kind: 'pki';
  readonly pki: PkiCertificate;
}

/** The PKI mount's CA chain (read, never issued): the trust anchor files of the stack's TLS clients. */
export interface PkiChainSecret extends SecretFile {
  readonly kind: 'pki-chain';
}

/**
 * What a pod reads from Vault, as a typed union: the policy capability (`read` for KV, `update` on the PKI
 * issue path), the KV keys setup.sh lists and the PKI role's names all come from the kind, never from the text.
 */
export type VaultSecret = KvValueSecret | KvTemplateSecret | PkiCertificateSecret | PkiChainSecret;

/** The policy capability a secret needs on its path. */
export function capabilityOf(s: VaultSecret): 'read' | 'update' {
  return s.kind === 'pki' ? 'update' : 'read';
}

/** The KV keys a secret reads (none for a certificate). */
export function kvKeysOf(s: VaultSecret): readonly string[] {
  return s.kind === 'kv-value' ? [s.key] : s.kind === 'kv-template' ? s.keys : [];
}

export function kvValueSecret(name: string, path: string, key: string, opts: SecretFileOptions = {}): KvValueSecret {
  return { kind: 'kv-value', name, path, key, template: kvValueTemplate(path, key), ...opts };
}

/** KV keys as `ENV=value` lines (kvEnvTemplate). */
export function kvEnvSecret(name: string, path: string, vars: Readonly<Record<string, string>>, opts: SecretFileOptions = {}): KvTemplateSecret {
  return { kind: 'kv-template', name, path, keys: [...new Set(Object.values(vars))], template: kvEnvTemplate(path, vars), ...opts };
}

/** A hand-written template over `keys` of the KV secret at `path`; each declared key must be read by the text. */
export function kvTemplateSecret(name: string, path: string, keys: readonly string[], template: string, opts: SecretFileOptions = {}): KvTemplateSecret {
  for (const k of keys) templateField(k);
  const unread = keys.filter((k) => !template.includes(`.Data.data.${k}`));
  if (unread.length) throw new Error(`vault secret ${name}: the template does not read the declared key(s) ${unread.join(', ')}`);
  return { kind: 'kv-template', name, path, keys: [...keys], template, ...opts };
}

/**
 * A certificate requested from the stack's PKI role, as data: the role setup.sh writes allows exactly the names
 * of every PkiCertificate of the registry, and verify checks the rendered templates against it.
 */
export interface PkiCertificate {
  /** Common name: a DNS name, a bare name such as "admin", or a wildcard with a left-most `*.` label. */
  readonly commonName: string;
  /** DNS subject alternative names (same forms as commonName). @default [] */
  readonly altNames?: readonly string[];
  /** IP subject alternative names. @default [] */
  readonly ipSans?: readonly string[];
  /** Lifetime requested; the role's max_ttl is the longest of these. @default '720h' */
  readonly ttl?: string;
  /**
   * Encoding of `private_key`: Vault's default `der` (PKCS#1/SEC1 in PEM), or `pkcs8` (Java/OpenSearch read
   * only PKCS#8). An issue-request parameter, not a role setting. @default 'der'
   */
  readonly privateKeyFormat?: 'der' | 'pkcs8';
}

/** A field of the issue response; `ca_chain` is every CA certificate Vault holds for the issuer, one PEM after another. */
export type PkiField = 'certificate' | 'private_key' | 'issuing_ca' | 'ca_chain';

/** Options of a PKI issue request that change what Vault returns. */
export type PkiOptions = Pick<PkiCertificate, 'privateKeyFormat'>;

/** A DNS name (RFC 1123 labels), optionally with a whole left-most `*` label. Bare single labels allowed. */
const PKI_NAME = /^(\*\.)?[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$/;
const PKI_TTL = /^[1-9]\d*[smh]$/;

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

/** The service-account-token Secret of `<vault ns>/vault-auth` whose token Vault reviews pod tokens with. */
export const REVIEWER_SECRET = 'vault-auth-token';

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

/** The PKI issue endpoint every certificate of the stack is requested from. */
export function pkiIssuePath(site: Site): string {
  return `${site.vault.pkiMount}/issue/${site.vault.pkiRole}`;
}

/** Every DNS name a certificate requests (CN first), checked to be safe inside a quoted template argument. */
export function pkiNames(cert: PkiCertificate): string[] {
  const names = [cert.commonName, ...(cert.altNames ?? [])];
  for (const n of names) if (!PKI_NAME.test(n) || n.length > 253) throw new Error(`PKI name ${JSON.stringify(n)} is not a DNS name (lower-case labels, optional left-most "*.")`);
  for (const ip of cert.ipSans ?? []) if (isIP(ip) === 0) throw new Error(`PKI IP SAN ${JSON.stringify(ip)} is not an IP address`);
  if (cert.ttl !== undefined && !PKI_TTL.test(cert.ttl)) throw new Error(`PKI ttl ${JSON.stringify(cert.ttl)} is not a duration such as "720h"`);
  return [...new Set(names)];
}

/**
 * The consul-template `secret` call issuing `cert` (without `{{ with … }}`). Identical calls are one dependency
 * for the agent, so the certificate, key and CA files of one certificate come from the same issue.
 */
export function pkiSecretCall(site: Site, cert: PkiCertificate): string {
  return `secret ${goString(pkiIssuePath(site))} ${Object.entries(pkiParams(cert))
    .map(([k, v]) => goString(`${k}=${v}`))
    .join(' ')}`;
}

/** The issue request's parameters for `cert`, in the order the template sends them (also the policy's allow-list). */
export function pkiParams(cert: PkiCertificate): Record<string, string> {
  pkiNames(cert);
  return {
    common_name: cert.commonName,
    ...(cert.altNames?.length ? { alt_names: cert.altNames.join(',') } : {}),
    ...(cert.ipSans?.length ? { ip_sans: cert.ipSans.join(',') } : {}),
    ttl: cert.ttl ?? '720h',
    ...(cert.privateKeyFormat === 'pkcs8' ? { private_key_format: 'pkcs8' } : {}),
  };
}

/** Template that writes one field of the issue response (certificate, private_key, issuing_ca, ca_chain). */
export function pkiTemplate(site: Site, cert: PkiCertificate, field: PkiField): string {
  const value = field === 'ca_chain' ? '{{ range .Data.ca_chain }}{{ . }}\n{{ end }}' : `{{ .Data.${field} }}`;
  return `{{- with ${pkiSecretCall(site, cert)} -}}${value}{{- end }}`;
}

/** A secret file holding one field of a certificate issued by the stack's PKI role (typed, see PkiCertificate). */
export function pkiSecret(
  site: Site,
  name: string,
  cert: PkiCertificate,
  field: PkiField,
  opts: Pick<SecretFileOptions, 'perms' | 'command' | 'volumePath'> = {},
): PkiCertificateSecret {
  return { kind: 'pki', name, path: pkiIssuePath(site), template: pkiTemplate(site, cert, field), pki: cert, ...opts };
}

/** A custom template around one issue call (pkiSecretCall(site, cert) in the text): typed by the certificate it requests. */
export function pkiTemplateSecret(site: Site, name: string, cert: PkiCertificate, template: string, opts: SecretFileOptions = {}): PkiCertificateSecret {
  if (!template.includes(pkiSecretCall(site, cert))) throw new Error(`vault secret ${name}: the template does not request the certificate it declares`);
  return { kind: 'pki', name, path: pkiIssuePath(site), template, pki: cert, ...opts };
}

/**
 * The consul-template `pkiCert` call issuing `cert`. Unlike `secret`, pkiCert first reads the file it renders
 * into and reuses the certificate found there while it is good (until NotBefore + 90 % of its validity,
 * consul-template dependency/vault_pki.go `goodFor`, v0.39.1 as vendored by Vault 1.19): the init
 * container's certificate survives the sidecar's start and every re-login, instead of a new one per render.
 * It needs the certificate and the key in the same file (pkiBundleSecret).
 */
export function pkiCertCall(site: Site, cert: PkiCertificate): string {
  return `pkiCert ${goString(pkiIssuePath(site))} ${Object.entries(pkiParams(cert))
    .map(([k, v]) => goString(`${k}=${v}`))
    .join(' ')}`;
}

/**
 * One file holding the certificate and then its private key, issued with pkiCert (reused while valid). The
 * consumer splits it (e.g. a start script); the CA chain comes from pkiChainSecret, since a reused
 * certificate yields only the PEM blocks found in the file (`.CA` and `.CAChain` are filled on a fresh issue only).
 */
export function pkiBundleSecret(site: Site, name: string, cert: PkiCertificate, opts: Pick<SecretFileOptions, 'perms' | 'command' | 'volumePath'> = {}): PkiCertificateSecret {
  return { kind: 'pki', name, path: pkiIssuePath(site), template: `{{- with ${pkiCertCall(site, cert)} -}}{{ .Cert }}{{ .Key }}{{- end }}`, pki: cert, ...opts };
}

/** The read path of the PKI mount's CA chain (Vault pki `cert/ca_chain`: the default issuer and its parents, PEM). */
export function pkiChainPath(site: Site): string {
  return `${site.vault.pkiMount}/cert/ca_chain`;
}

/** The PKI mount's full CA chain as a file (static data: re-reading it renders the same bytes). */
export function pkiChainSecret(site: Site, name: string, opts: Pick<SecretFileOptions, 'perms' | 'volumePath'> = {}): PkiChainSecret {
  const path = pkiChainPath(site);
  return { kind: 'pki-chain', name, path, template: `{{- with secret ${goString(path)} -}}{{ .Data.certificate }}{{- end }}`, ...opts };
}

/** The PKI role parameters that allow exactly the names `certs` request (Vault's validateNames semantics). */
export interface PkiRoleSpec {
  readonly allowedDomains: readonly string[];
  readonly allowWildcards: boolean;
  readonly allowIpSans: boolean;
  readonly maxTtl: string;
  readonly serverFlag: boolean;
  readonly clientFlag: boolean;
}

const seconds = (ttl: string) => Number(ttl.slice(0, -1)) * ({ s: 1, m: 60, h: 3600 } as const)[ttl.slice(-1) as 's' | 'm' | 'h'];

/**
 * Every requested name listed as a bare domain: with allow_bare_domains and neither subdomains nor globs, Vault
 * compares each requested name (a wildcard name included, as the literal "*.x") case-insensitively with
 * allowed_domains, so the role issues these names and nothing else.
 */
export function pkiRoleFor(certs: readonly PkiCertificate[]): PkiRoleSpec {
  const names = [...new Set(certs.flatMap(pkiNames))].sort();
  const ttls = certs.map((c) => c.ttl ?? '720h');
  return {
    allowedDomains: names,
    allowWildcards: names.some((n) => n.startsWith('*.')),
    allowIpSans: certs.some((c) => (c.ipSans ?? []).length > 0),
    maxTtl: ttls.reduce((a, b) => (seconds(b) > seconds(a) ? b : a), '1h'),
    // Server certificates for the services, client certificates for OpenSearch's admin and node identities.
    serverFlag: true,
    clientFlag: true,
  };
}

/** Template that writes several KV keys as `ENV=value` lines (for env files). */
export function kvEnvTemplate(path: string, vars: Readonly<Record<string, string>>): string {
  const lines = Object.entries(vars).map(([env, key]) => `${templateField(env)}={{ .Data.data.${templateField(key)} }}`);
  return `{{- with secret ${goString(path)} -}}\n${lines.join('\n')}\n{{- end }}`;
}

export class VaultRegistry {
  private readonly bindings = new Map<string, VaultBinding>();
  private readonly certs = new Map<string, { readonly role: string; readonly cert: PkiCertificate }>();
  private readonly roleCerts = new Map<string, Map<string, PkiCertificate>>();
  private sealed = false;

  constructor(private readonly site: Site) {}

  /** Pod-template annotations for `spec`, and records the binding. */
  annotate(spec: VaultSpec, namespace: string, serviceAccount: string, runAsUser: number): Record<string, string> {
    if (this.sealed) throw new Error(`vault binding for ${namespace}/${serviceAccount} was declared after the stack was finalized`);
    if (spec.secrets.length === 0) throw new Error(`vault spec for ${namespace}/${serviceAccount} has no secrets`);
    const role = spec.role ?? `${namespace}-${serviceAccount}`;
    const existing = this.bindings.get(role);
    if (existing && (existing.namespace !== namespace || existing.serviceAccount !== serviceAccount)) {
      throw new Error(`vault role ${role} is bound to ${existing.namespace}/${existing.serviceAccount} already`);
    }
    const paths = [...(existing?.paths ?? [])];
    const issue = `${this.site.vault.pkiMount}/issue/`;
    for (const s of spec.secrets) {
      if (s.kind !== 'pki' && s.path.startsWith(issue)) {
        // The PKI role is generated from typed requests; a hand-written issue template would escape it.
        throw new Error(`vault secret ${s.name} of ${namespace}/${serviceAccount} reads ${s.path} without typed certificate data: build it with pkiSecret()`);
      }
      if (s.kind === 'pki') {
        if (s.path !== pkiIssuePath(this.site)) throw new Error(`vault secret ${s.name} issues from ${s.path}; the stack's PKI role is ${pkiIssuePath(this.site)}`);
        this.certs.set(`${role} ${JSON.stringify(s.pki)}`, { role, cert: s.pki });
        if (!this.roleCerts.has(role)) this.roleCerts.set(role, new Map());
        this.roleCerts.get(role)!.set(JSON.stringify(s.pki), s.pki);
      }
      const capability = capabilityOf(s);
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
      if (s.errorOnMissingKey) a[`vault.hashicorp.com/error-on-missing-key-${s.name}`] = 'true';
    }
    return a;
  }

  /** No bindings from now on (StackContext.finalize). */
  seal(): void {
    this.sealed = true;
  }

  /** Every certificate requested through the registry, with the Vault role requesting it. */
  certificates(): { readonly role: string; readonly cert: PkiCertificate }[] {
    return [...this.certs.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, c]) => c);
  }

  /** The certificates one Vault role requests (its policy allows only these parameters on the issue path). */
  certificatesOf(role: string): PkiCertificate[] {
    return [...(this.roleCerts.get(role)?.entries() ?? [])].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, c]) => c);
  }

  /** Every binding, sorted by role. */
  all(): VaultBinding[] {
    return [...this.bindings.values()].sort((a, b) => (a.role < b.role ? -1 : 1));
  }
}
