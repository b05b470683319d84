/**
 * Wazuh conformance of dist/: the Wazuh pods (recognised by image) against what the images really do
 * (conformance/facts/wazuh.ts), so that a hand edit of the YAML cannot bring back a Wazuh that looks Ready
 * while doing nothing:
 * - indexer: opensearch.yml is mounted where the entrypoint forces OpenSearch to read it, every certificate
 *   path it names is rendered into that folder, no volume hides config/opensearch-security/, a pod-level
 *   OPENSEARCH_PATH_CONF is not relied on, and its keys are requested as PKCS#8;
 * - every CA file of a Wazuh pod is Vault's full chain (`ca_chain` of an issue, or the mount's `cert/ca_chain`),
 *   not the issuing CA alone;
 * - every certificate of a Wazuh pod is issued with `pkiCert` (reused while valid), never with `secret`, which
 *   issues a new one at every render: the processes load certificates only at start, so each new one is a
 *   restart (every Vault re-login);
 * - a certificate file a process reads is rendered by Vault into that folder, or split there by the
 *   container's start script from a Vault-rendered bundle;
 * - a manager whose ossec.conf says node_type worker is not probed on 1516 (only the master listens);
 * - ossec.conf has no `${...}` (nothing substitutes it) and keeps the user-defined ruleset;
 * - no Wazuh container sources a Vault-rendered file into its shell.
 */
import { WAZUH_FACTS as F } from '../../conformance/facts/wazuh';
import { podSpecOf } from '../load';
import { Context, Doc, Finding, finding } from '../types';

interface Mount {
  name: string;
  mountPath: string;
  subPath?: string;
}
interface ContainerX {
  name: string;
  image?: string;
  command?: string[];
  args?: string[];
  env?: { name: string; value?: string }[];
  volumeMounts?: Mount[];
  livenessProbe?: { tcpSocket?: { port: number | string }; exec?: { command: string[] }; httpGet?: { port: number | string } };
  ports?: { name?: string; containerPort: number }[];
}
interface Volume {
  name: string;
  configMap?: { name: string };
}

const image = (c: ContainerX, what: string) => (c.image ?? '').includes(`/wazuh-${what}:`) || (c.image ?? '').startsWith(`wazuh-${what}:`);

/** The folder each Vault-rendered file of a pod lands in. */
function vaultFiles(annotations: Record<string, string>): Map<string, { folder: string; template: string }> {
  const folder = annotations['vault.hashicorp.com/secret-volume-path'] ?? '/vault/secrets';
  const out = new Map<string, { folder: string; template: string }>();
  for (const [k, v] of Object.entries(annotations)) {
    const m = /^vault\.hashicorp\.com\/agent-inject-template-(.+)$/.exec(k);
    if (m) out.set(m[1]!, { folder: annotations[`vault.hashicorp.com/secret-volume-path-${m[1]}`] ?? folder, template: v });
  }
  return out;
}

/** The port number a probe targets (named ports resolved against the container). */
function probePort(c: ContainerX): number | undefined {
  const p = c.livenessProbe;
  const raw = p?.tcpSocket?.port ?? p?.httpGet?.port ?? p?.exec?.command.find((a) => /^\d+$/.test(a));
  if (raw === undefined) return undefined;
  if (typeof raw === 'number' || /^\d+$/.test(raw)) return Number(raw);
  return c.ports?.find((x) => x.name === raw)?.containerPort;
}

/** The text of the script a container starts with (`bash <file>` where the file is a key of a mounted ConfigMap). */
function startScriptOf(c: ContainerX, volumes: Volume[], ns: string, configMaps?: Map<string, Record<string, string>>): string | undefined {
  const cmd = [...(c.command ?? []), ...(c.args ?? [])];
  const file = cmd.find((a) => a.startsWith('/') && a.endsWith('.sh'));
  if (!file || !configMaps) return undefined;
  const m = (c.volumeMounts ?? []).find((v) => !v.subPath && file.startsWith(`${v.mountPath.replace(/\/$/, '')}/`));
  const cmName = m && volumes.find((v) => v.name === m.name)?.configMap?.name;
  return cmName ? configMaps.get(`${ns}/${cmName}`)?.[file.slice(m.mountPath.replace(/\/$/, '').length + 1)] : undefined;
}

export function checkWazuh(ctx: Context): Finding[] {
  const out: Finding[] = [];
  const configMaps = new Map(
    ctx.docs.filter((d) => d.obj.kind === 'ConfigMap').map((d) => [`${d.obj.metadata.namespace}/${d.obj.metadata.name}`, (d.obj.data ?? {}) as Record<string, string>]),
  );
  const conf = F.indexerPathConf.value;
  const err = (d: Doc, m: string) => out.push(finding('wazuh', 'error', m, d));

  for (const d of ctx.docs) {
    const t = podSpecOf(d.obj);
    if (!t) continue;
    const containers = t.spec.containers as ContainerX[];
    if (!containers.some((c) => image(c, 'indexer') || image(c, 'manager') || image(c, 'dashboard'))) continue;
    const ns = d.obj.metadata.namespace ?? 'default';
    const volumes = (t.spec.volumes ?? []) as Volume[];
    const files = vaultFiles(t.metadata.annotations ?? {});
    const fileOf = (m: Mount) => {
      const cmName = volumes.find((v) => v.name === m.name)?.configMap?.name;
      return cmName && m.subPath ? configMaps.get(`${ns}/${cmName}`)?.[m.subPath] : undefined;
    };

    for (const [k, v] of files) {
      if (/\bsecret\s+"[^"]+\/issue\//.test(v.template))
        err(
          d,
          `${k}: issues its certificate with "secret", which requests a new one at every render (each Vault re-login, the sidecar's start); the Wazuh processes load certificates only at start, so the liveness probe restarts them every few hours: use pkiCert (consul-template reuses a still-valid certificate)`,
        );
    }
    for (const c of containers) {
      const script = startScriptOf(c, volumes, ns, configMaps);
      /** The folder a file lands in: rendered by Vault there, or put there by the start script from a Vault file. */
      const provided = (dir: string, name: string): boolean => {
        if (files.get(name)?.folder === dir) return true;
        for (const line of (script ?? '').split('\n')) {
          // Shell words of the line, single quotes removed (the generator quotes only what needs it).
          const [cmd, from, ...to] = [...line.matchAll(/'([^']*)'|(\S+)/g)].map((w) => w[1] ?? w[2]!);
          if ((cmd !== 'split' && cmd !== 'cp') || !from || !to.includes(`${dir}/${name}`)) continue;
          const slash = from.lastIndexOf('/');
          if (files.get(from.slice(slash + 1))?.folder === from.slice(0, slash)) return true;
        }
        return false;
      };
      for (const [k, v] of [...files.entries()].filter(([n]) => n.endsWith('root-ca.pem'))) {
        const chain = v.template.includes('.Data.ca_chain') || (/secret\s+"[^"]+\/cert\/ca_chain"/.test(v.template) && v.template.includes('.Data.certificate'));
        if (!chain)
          err(
            d,
            `${c.name}: ${k} renders ${/\.Data\.(\w+)/.exec(v.template)?.[1] ?? 'something else'}, not the full CA chain: Node clients (the dashboard) reject an intermediate CA as trust anchor`,
          );
      }
      const cmd = [...(c.command ?? []), ...(c.args ?? [])].join(' ');
      if (/(^|[;&|(]\s*|\s)(\.|source)\s+\/vault\//.test(cmd))
        err(d, `${c.name}: sources a Vault-rendered file into the shell: a credential with $, a space or a quote breaks start-up (read each key from its own file)`);

      if (image(c, 'indexer')) {
        const yml = (c.volumeMounts ?? []).find((m) => m.subPath === 'opensearch.yml');
        if (!yml || yml.mountPath !== `${conf}/opensearch.yml`) {
          err(
            d,
            `${c.name}: opensearch.yml is mounted at ${yml?.mountPath ?? '(nowhere)'}, but the image entrypoint sets OPENSEARCH_PATH_CONF=${conf} (${F.indexerPathConf.source}): OpenSearch would run the image's demo configuration`,
          );
        }
        const pathConf = c.env?.find((e) => e.name === 'OPENSEARCH_PATH_CONF');
        if (pathConf && pathConf.value !== conf) err(d, `${c.name}: env OPENSEARCH_PATH_CONF=${pathConf.value} is overridden by the image entrypoint (${conf})`);
        for (const m of c.volumeMounts ?? []) {
          if (!m.subPath && `${conf}/opensearch-security/`.startsWith(`${m.mountPath.replace(/\/$/, '')}/`))
            err(d, `${c.name}: volume ${m.name} at ${m.mountPath} hides the image's ${conf}/opensearch-security/ files (roles, action groups, config)`);
        }
        const text = yml ? fileOf(yml) : undefined;
        for (const p of [...(text ?? '').matchAll(/_filepath:\s*(\S+)/g)].map((x) => x[1]!)) {
          const name = p.slice(p.lastIndexOf('/') + 1);
          const dir = p.slice(0, p.lastIndexOf('/'));
          if (!provided(dir, name)) err(d, `${c.name}: opensearch.yml reads ${p}, but neither Vault nor the start script puts ${name} into ${dir}`);
        }
        for (const [k, v] of files) {
          if (/\/issue\//.test(v.template) && !v.template.includes('private_key_format=pkcs8'))
            err(d, `${c.name}: ${k} is requested without private_key_format=pkcs8; the OpenSearch security plugin and securityadmin.sh read PKCS#8 keys only`);
        }
      }

      if (image(c, 'manager')) {
        // ossec.conf from a ConfigMap file mounted into /wazuh-config-mount, or rendered there by Vault.
        const ossecMount = (c.volumeMounts ?? []).find((m) => m.mountPath === '/wazuh-config-mount/etc/ossec.conf');
        const ossec = ossecMount ? fileOf(ossecMount) : files.get('ossec.conf')?.template;
        if (ossec === undefined) continue;
        const role = /<node_type>(\w+)<\/node_type>/.exec(ossec)?.[1];
        if (role === 'worker' && probePort(c) === 1516)
          err(d, `${c.name}: liveness probes 1516, the cluster port only the master listens on (a worker connects to it): CrashLoopBackOff`);
        if (/\$\{[^}]*\}/.test(ossec))
          err(
            d,
            `${c.name}: ossec.conf contains ${/\$\{[^}]*\}/.exec(ossec)![0]}, which nothing substitutes (the image replaces only to_be_replaced_by_hostname and to_be_replaced_by_cluster_key)`,
          );
        for (const need of F.ossecRuleset.value)
          if (!ossec.includes(need)) err(d, `${c.name}: ossec.conf lacks ${need} (upstream ruleset: local rules, decoders and CDB lists would be ignored)`);
      }
    }
  }
  return out;
}
