/**
 * The Vault trust model of `npm run verify` on the synthesized dist/, and one careless edit per rule: each
 * must fail with a message a reviewer understands.
 */
import { exampleDist } from './site-context';
import { generateKeyPairSync } from 'node:crypto';
import { checkVaultTrust, parametersAllowed, parsePolicy, roleAllows, shellWords } from '../../verify/checks/vault-trust';
import { podSpecOf } from '../../verify/load';
import { cachedLoadDist as loadDist } from '../lib/dist-cache';
import { Context, Doc, KubeObj } from '../../verify/types';

/** The Vault-annotated pods of the example (counted from its dist/, so an app added to the registry counts too). */
const ANNOTATED = loadDist(exampleDist()).docs.filter((d) => podSpecOf(d.obj)?.metadata.annotations?.['vault.hashicorp.com/agent-inject'] === 'true').length;

// The example site's output: these mutations name its hosts and roles (a fork's dist/ is its own site).
const DIST = exampleDist();
const base = loadDist(DIST);

type Pod = {
  metadata: { annotations: Record<string, string>; labels: Record<string, string> };
  spec: { containers: { name: string; env?: { name: string; value?: string }[] }[] };
};

/** A context on dist/ with the objects and files edited the way a careless commit would. */
function context(edit: { objs?: (o: KubeObj[]) => void; files?: (f: Map<string, string>) => void } = {}): Context {
  const objs = base.docs.map((d) => structuredClone(d.obj));
  edit.objs?.(objs);
  const files = new Map(base.files);
  edit.files?.(files);
  const docs: Doc[] = objs.map((obj, i) => ({ obj, file: base.docs[i]!.file, line: base.docs[i]!.line }));
  return { docs, files, dist: DIST, nodes: [], vault: { cidrs: ['192.168.10.5/32'], host: 'vault.domus.lan', port: 8200 }, gitPath: 'dist' };
}
const errors = (c: Context) =>
  checkVaultTrust(c)
    .filter((f) => f.severity === 'error')
    .map((f) => `${f.object ?? '-'}: ${f.message}`);
const pod = (objs: KubeObj[], name: string) => podSpecOf(objs.find((o) => o.metadata.name === name && podSpecOf(o))!) as unknown as Pod;
const injectorEnv = (objs: KubeObj[]) => pod(objs, 'vault-agent-injector').spec.containers[0]!.env!;
const setupEdit = (fn: (s: string) => string) => (f: Map<string, string>) => void f.set('bootstrap/vault/setup.sh', fn(f.get('bootstrap/vault/setup.sh')!));

test('dist/ as synthesized satisfies the trust model', () => {
  expect(errors(context())).toEqual([]);
});

describe('TLS trust', () => {
  test('no CA anywhere: every annotated pod is reported (x509 at vault-agent-init)', () => {
    const e = errors(
      context({
        objs: (o) =>
          void injectorEnv(o).splice(
            injectorEnv(o).findIndex((x) => x.name === 'AGENT_INJECT_VAULT_CACERT_BYTES'),
            1,
          ),
      }),
    );
    expect(e).toContain(
      'Deployment monitoring/grafana: the Vault agent cannot verify vault.domus.lan (a private name): no vault.hashicorp.com/ca-cert on the pod and no AGENT_INJECT_VAULT_CACERT_BYTES on the injector; vault-agent-init would fail with an x509 error',
    );
    expect(e.length).toBe(ANNOTATED);
  });
  test('a pod that names its own CA file is fine without the injector CA', () => {
    const e = errors(
      context({
        objs: (o) => {
          injectorEnv(o).splice(
            injectorEnv(o).findIndex((x) => x.name === 'AGENT_INJECT_VAULT_CACERT_BYTES'),
            1,
          );
          pod(o, 'grafana').metadata.annotations['vault.hashicorp.com/ca-cert'] = '/vault/tls/ca.crt';
        },
      }),
    );
    expect(e.some((m) => m.startsWith('Deployment monitoring/grafana'))).toBe(false);
  });
  test('a private key pasted as the injector CA', () => {
    const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const e = errors(context({ objs: (o) => void (injectorEnv(o).find((x) => x.name === 'AGENT_INJECT_VAULT_CACERT_BYTES')!.value = key) }));
    expect(e).toContain(
      'Deployment vault/vault-agent-injector: AGENT_INJECT_VAULT_CACERT_BYTES is not a usable CA: expected a CA certificate, not a private key (remove the key from the site file and keep it off the repository)',
    );
  });
  test('tls-skip-verify on a pod, VAULT_SKIP_VERIFY in a container', () => {
    const e = errors(
      context({
        objs: (o) => {
          pod(o, 'traefik').metadata.annotations['vault.hashicorp.com/tls-skip-verify'] = 'true';
          (pod(o, 'grafana').spec.containers[0]!.env ??= []).push({ name: 'VAULT_SKIP_VERIFY', value: 'true' });
        },
      }),
    );
    expect(e).toContain('DaemonSet ingress/traefik: vault.hashicorp.com/tls-skip-verify is set ("true"): agents must verify Vault\'s certificate; give the CA instead');
    expect(e).toContain("Deployment monitoring/grafana: grafana: VAULT_SKIP_VERIFY disables verification of Vault's certificate");
  });
});

describe('roles and policies', () => {
  test('a role setup.sh no longer writes', () => {
    const e = errors(context({ files: setupEdit((s) => s.replace(/^vault write auth\/k3s-domus\/role\/monitoring-grafana .*\n/m, '')) }));
    expect(e).toEqual(['Deployment monitoring/grafana: Vault role "monitoring-grafana" is not written by bootstrap/vault/setup.sh: the agent\'s login would be denied']);
  });
  test('a role bound to another ServiceAccount or namespace', () => {
    const e = errors(
      context({
        files: setupEdit((s) =>
          s.replace(
            'bound_service_account_names=grafana bound_service_account_namespaces=monitoring',
            'bound_service_account_names=grafana-old bound_service_account_namespaces=observability',
          ),
        ),
      }),
    );
    expect(e).toEqual([
      'Deployment monitoring/grafana: Vault role "monitoring-grafana" is bound to ServiceAccount(s) grafana-old, not grafana, which the pod runs as',
      'Deployment monitoring/grafana: Vault role "monitoring-grafana" is bound to namespace(s) observability, not monitoring',
    ]);
  });
  test('a pod logging in on another auth mount', () => {
    const e = errors(context({ objs: (o) => void (pod(o, 'grafana').metadata.annotations['vault.hashicorp.com/auth-path'] = 'auth/kubernetes') }));
    expect(e).toEqual(['Deployment monitoring/grafana: Vault role "monitoring-grafana" is written on auth/k3s-domus, but the pod logs in at auth/kubernetes']);
  });
  test('a policy file missing, a path dropped from a policy, a capability downgraded', () => {
    expect(errors(context({ files: (f) => void f.delete('bootstrap/vault/policies/monitoring-grafana.hcl') }))).toContain(
      'Deployment monitoring/grafana: Vault role "monitoring-grafana" uses policy "monitoring-grafana", but bootstrap/vault/policies/monitoring-grafana.hcl is missing',
    );
    const e = errors(
      context({
        files: (f) => void f.set('bootstrap/vault/policies/ingress-traefik.hcl', f.get('bootstrap/vault/policies/ingress-traefik.hcl')!.replace('["update"]', '["read"]')),
      }),
    );
    expect(e).toEqual(['DaemonSet ingress/traefik: tls.yml: reads pki_int/issue/homelab, but the policies of role "ingress-traefik" grant only [read] there (needs "update")']);
    const dropped = errors(context({ files: (f) => void f.set('bootstrap/vault/policies/monitoring-grafana.hcl', '# emptied by hand\n') }));
    expect(dropped[0]).toMatch(
      /^Deployment monitoring\/grafana: .*reads kv\/data\/monitoring\/grafana, but the policies of role "monitoring-grafana" grant nothing there \(needs "read"\)$/,
    );
  });
  test('setup.sh missing altogether', () => {
    expect(errors(context({ files: (f) => void f.delete('bootstrap/vault/setup.sh') }))).toEqual([
      `-: bootstrap/vault/setup.sh is missing: no Vault role exists for the ${ANNOTATED} annotated pod(s)`,
    ]);
  });
});

describe('PKI role', () => {
  test("a certificate request the workload's policy does not admit (another workload's name)", () => {
    const e = errors(
      context({
        objs: (o) => {
          const a = pod(o, 'traefik').metadata.annotations;
          a['vault.hashicorp.com/agent-inject-template-tls.yml'] = a['vault.hashicorp.com/agent-inject-template-tls.yml']!.replace(
            '"common_name=*.domus.lan"',
            '"common_name=admin.wazuh-indexer.security.svc"',
          );
        },
      }),
    );
    expect(e).toEqual([
      'DaemonSet ingress/traefik: tls.yml: the policy of role "ingress-traefik" refuses this certificate request on pki_int/issue/homelab: common_name=admin.wazuh-indexer.security.svc is not among the allowed values [*.domus.lan]',
      '-: PKI role pki_int/issue/homelab allows "*.domus.lan", which no template requests (remove it)',
    ]);
  });
  test('policy parameters follow Vault ACL rules: listed keys only, globs, empty list = any value', () => {
    const block = {
      capabilities: ['update'],
      allowedParameters: new Map([
        ['common_name', ['*.a.lan', 'b']],
        ['ttl', []],
      ]),
    };
    expect(
      parametersAllowed(
        block,
        new Map([
          ['common_name', 'x.a.lan'],
          ['ttl', '1h'],
        ]),
      ),
    ).toBeUndefined();
    expect(parametersAllowed(block, new Map([['common_name', 'c']]))).toBe('common_name=c is not among the allowed values [*.a.lan, b]');
    expect(parametersAllowed(block, new Map([['alt_names', 'b']]))).toBe('parameter alt_names is not in allowed_parameters');
    expect(parametersAllowed({ capabilities: ['update'] }, new Map([['anything', 'x']]))).toBeUndefined();
  });
  test('a template requesting a name the role does not allow', () => {
    const e = errors(
      context({
        objs: (o) => {
          const a = pod(o, 'traefik').metadata.annotations;
          a['vault.hashicorp.com/agent-inject-template-tls.yml'] = a['vault.hashicorp.com/agent-inject-template-tls.yml']!.replace(
            '"alt_names=domus.lan"',
            '"alt_names=domus.lan,grafana.other.lan"',
          );
        },
      }),
    );
    expect(e).toEqual([
      'DaemonSet ingress/traefik: tls.yml: the policy of role "ingress-traefik" refuses this certificate request on pki_int/issue/homelab: alt_names=domus.lan,grafana.other.lan is not among the allowed values [domus.lan]',
      'DaemonSet ingress/traefik: PKI: the template tls.yml requests "grafana.other.lan" from pki_int/issue/homelab, which the role bootstrap/vault/setup.sh writes does not allow',
    ]);
  });
  test('a role broader than the templates: an extra domain, subdomains on', () => {
    const e = errors(
      context({ files: setupEdit((s) => s.replace('allowed_domains=', 'allowed_domains=vault.domus.lan,').replace('allow_subdomains=false', 'allow_subdomains=true')) }),
    );
    expect(e).toEqual(
      [
        'PKI role pki_int/issue/homelab: allow_subdomains=true lets any pod with this policy issue names no template requests',
        'PKI role pki_int/issue/homelab allows "vault.domus.lan", which no template requests (remove it)',
      ].map((m) => `-: ${m}`),
    );
  });
  test('the PKI role line dropped from setup.sh', () => {
    const e = errors(context({ files: setupEdit((s) => s.replace(/^vault write pki_int\/roles\/homelab .*\n/m, '')) }));
    expect(e).toEqual([
      '-: PKI: bootstrap/vault/setup.sh writes no role for pki_int/issue/homelab, which 6 template(s) of traefik, wazuh-indexer, wazuh-manager-master, wazuh-manager-worker, wazuh-dashboard request certificates from',
    ]);
  });
  test("name matching follows Vault's validateNames rules", () => {
    const role = (args: Record<string, string>) => new Map(Object.entries(args));
    const bare = role({ allowed_domains: '*.domus.lan,admin,domus.lan', allow_bare_domains: 'true', allow_subdomains: 'false', allow_localhost: 'false' });
    expect(['*.domus.lan', 'admin', 'DOMUS.lan'].map((n) => roleAllows(bare, n))).toEqual([true, true, true]);
    expect(['grafana.domus.lan', '*.admin', 'localhost', 'x.admin'].map((n) => roleAllows(bare, n))).toEqual([false, false, false, false]);
    const sub = role({ allowed_domains: 'domus.lan', allow_subdomains: 'true' });
    expect(['a.domus.lan', 'a.b.domus.lan', '*.domus.lan', 'domus.lan'].map((n) => roleAllows(sub, n))).toEqual([true, true, true, false]);
    const globbed = role({ allowed_domains: '*.svc', allow_glob_domains: 'true' });
    expect(['a.b.svc', 'svc'].map((n) => roleAllows(globbed, n))).toEqual([true, false]);
    expect(roleAllows(role({ allowed_domains: '*.x.lan', allow_bare_domains: 'true', allow_wildcard_certificates: 'false' }), '*.x.lan')).toBe(false);
    expect(roleAllows(role({ allowed_domains: 'a_b.lan', allow_bare_domains: 'true' }), 'a_b.lan')).toBe(false);
  });
});

describe('webhook scope', () => {
  test('a namespace with annotated pods dropped from the webhook selector', () => {
    const e = errors(
      context({
        objs: (o) => {
          const w = o.find((x) => x.kind === 'MutatingWebhookConfiguration') as unknown as { webhooks: { namespaceSelector: { matchExpressions: { values: string[] }[] } }[] };
          const ex = w.webhooks[0]!.namespaceSelector.matchExpressions[0]!;
          ex.values = ex.values.filter((v) => v !== 'storage');
        },
      }),
    );
    expect(e.sort()).toEqual([
      "Job storage/minio-buckets: the Vault injector's webhook does not select this pod (namespace storage): it would start without its agent and secrets",
      "StatefulSet storage/minio: the Vault injector's webhook does not select this pod (namespace storage): it would start without its agent and secrets",
    ]);
  });
});

// vault-k8s v1.6.2 agent.New refuses these pods (annotations.go runAsSameID; agent.go serviceaccount,
// getTokenPathFromProjectedVolume); handler.go answers not-allowed, so the API server rejects the pod.
describe('admission preconditions', () => {
  type SpecEdit = { containers: { securityContext?: { runAsUser?: number } }[]; volumes: { name: string; projected?: unknown; emptyDir?: unknown }[] };
  const spec = (o: KubeObj[], name: string) => pod(o, name).spec as unknown as SpecEdit;
  test('run-as-same-user on a pod whose first container sets no runAsUser of its own (pod-level only)', () => {
    const e = errors(context({ objs: (o) => void delete spec(o, 'grafana').containers[0]!.securityContext!.runAsUser }));
    expect(e).toEqual([
      'Deployment monitoring/grafana: vault.hashicorp.com/agent-run-as-same-user needs containers[0] (grafana) to set a non-root securityContext.runAsUser of its own (it has none): the injector refuses the pod and the API server rejects it',
    ]);
  });
  test('run-as-same-user on a pod whose first container runs as root', () => {
    const e = errors(context({ objs: (o) => void (spec(o, 'wazuh-indexer').containers[0]!.securityContext!.runAsUser = 0) }));
    expect(e).toEqual([
      'StatefulSet security/wazuh-indexer: vault.hashicorp.com/agent-run-as-same-user needs containers[0] (wazuh-indexer) to set a non-root securityContext.runAsUser of its own (it is 0): the injector refuses the pod and the API server rejects it',
    ]);
  });
  test('the token volume annotation names a volume that is not a projected token, or no volume', () => {
    const e = errors(
      context({
        objs: (o) => {
          const v = spec(o, 'wazuh-dashboard').volumes.find((x) => x.name === 'vault-sa-token')!;
          delete v.projected;
          v.emptyDir = {};
          spec(o, 'grafana').volumes = spec(o, 'grafana').volumes.filter((x) => x.name !== 'vault-sa-token');
        },
      }),
    );
    expect(e.sort()).toEqual([
      'Deployment monitoring/grafana: vault.hashicorp.com/agent-service-account-token-volume-name names "vault-sa-token", which is not a volume of the pod: the injector refuses the pod and the API server rejects it',
      'Deployment security/wazuh-dashboard: vault.hashicorp.com/agent-service-account-token-volume-name names "vault-sa-token", which is not a projected volume with a serviceAccountToken path: the injector refuses the pod and the API server rejects it',
    ]);
  });
});

test('setup.sh words and policy blocks are read as bash and Vault read them', () => {
  expect(shellWords(`vault write 'pki/roles/r' allowed_domains='*.a,b' x="$Y" z=@"$CA"`)).toEqual(['vault', 'write', 'pki/roles/r', 'allowed_domains=*.a,b', 'x=$Y', 'z=@$CA']);
  expect([
    ...parsePolicy(
      'path "kv/data/a" {\n  capabilities = ["read", "list"]\n}\npath "pki/issue/r" { capabilities = ["update"]\n  allowed_parameters = {\n    "common_name" = ["*.a.lan", "b"]\n    "ttl" = []\n  }\n}',
    ),
  ]).toEqual([
    ['kv/data/a', { capabilities: ['read', 'list'] }],
    [
      'pki/issue/r',
      {
        capabilities: ['update'],
        allowedParameters: new Map([
          ['common_name', ['*.a.lan', 'b']],
          ['ttl', []],
        ]),
      },
    ],
  ]);
});
