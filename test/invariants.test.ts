/**
 * Invariants over every object the operator's site (site.yaml) synthesizes. They hold for any workload added later
 * without a new test: least privilege, explicit resources, probes, pinned images, policies everywhere.
 */
import { allObjects, findAll as findIn, KubeObject, podTemplates, siteSynth, rulesOf } from './helpers';

// The operator's site (site.yaml): the invariants hold for the stack that is actually deployed.
const site = siteSynth();
const findAll = (kind: string) => findIn(kind, site);

const objects = allObjects(site);
const templates = podTemplates(objects);
const namespaces = new Map(findAll('Namespace').map((n) => [n.metadata.name, n]));

/** Runs `check` for each item, collecting failures so one test names every offender at once. */
function offenders<T>(items: readonly T[], check: (item: T) => string | undefined): string[] {
  return items.map(check).filter((x): x is string => x !== undefined);
}
const id = (o: KubeObject) => `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`;

test('the default stack has workloads in every namespace it creates', () => {
  expect(templates.length).toBeGreaterThan(0);
  const withPods = new Set(templates.map((t) => t.owner.metadata.namespace));
  for (const ns of namespaces.keys()) expect(withPods).toContain(ns);
});

test('every namespaced object names its namespace, and that namespace is part of the stack or kube-system', () => {
  const allowed = new Set([...namespaces.keys(), 'kube-system']);
  expect(offenders(objects, (o) => (o.kind !== 'Namespace' && o.metadata.namespace !== undefined && !allowed.has(o.metadata.namespace) ? id(o) : undefined))).toEqual([]);
});

test('no two objects share kind, namespace and name', () => {
  const keys = objects.map((o) => `${o.apiVersion}/${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`);
  expect(keys.length).toBe(new Set(keys).size);
});

test('every namespace with pods denies ingress and egress by default', () => {
  const denies = findAll('NetworkPolicy').filter((p) => {
    const spec = p.spec as { podSelector?: object; policyTypes?: string[]; ingress?: unknown; egress?: unknown };
    return Object.keys(spec.podSelector ?? {}).length === 0 && spec.policyTypes?.includes('Ingress') && spec.policyTypes.includes('Egress') && !spec.ingress && !spec.egress;
  });
  const denied = new Set(denies.map((p) => p.metadata.namespace));
  expect(offenders(templates, (t) => (denied.has(t.owner.metadata.namespace) ? undefined : id(t.owner)))).toEqual([]);
});

test('every pod is selected by a CiliumNetworkPolicy of its own', () => {
  const selected = new Set(
    findAll('CiliumNetworkPolicy').map((p) => {
      const sel = (p.spec as { endpointSelector: { matchLabels?: Record<string, string> } }).endpointSelector.matchLabels ?? {};
      return `${p.metadata.namespace}/${sel['app.kubernetes.io/name'] ?? '*'}`;
    }),
  );
  expect(offenders(templates, (t) => (selected.has(`${t.owner.metadata.namespace}/${t.metadata.labels?.['app.kubernetes.io/name']}`) ? undefined : id(t.owner)))).toEqual([]);
});

describe('Pod Security', () => {
  test('every namespace enforces restricted, or says why not', () => {
    for (const ns of namespaces.values()) {
      const labels = ns.metadata.labels ?? {};
      expect(labels['pod-security.kubernetes.io/warn']).toBe('restricted');
      expect(labels['pod-security.kubernetes.io/audit']).toBe('restricted');
      if (labels['pod-security.kubernetes.io/enforce'] !== 'restricted') {
        expect(ns.metadata.annotations?.['domus.dev/pod-security-reason']?.length ?? 0).toBeGreaterThan(30);
      }
    }
  });

  const restricted = templates.filter((t) => namespaces.get(t.owner.metadata.namespace!)?.metadata.labels?.['pod-security.kubernetes.io/enforce'] === 'restricted');

  test('pods in restricted namespaces meet the restricted profile', () => {
    const bad = offenders(restricted, (t) => {
      const s = t.spec;
      const problems: string[] = [];
      if (s.hostNetwork || s.hostPID || s.hostIPC) problems.push('host namespaces');
      if (s.securityContext?.seccompProfile?.type !== 'RuntimeDefault') problems.push('pod seccomp');
      if (s.securityContext?.runAsNonRoot !== true || !s.securityContext.runAsUser) problems.push('pod runAsNonRoot/runAsUser');
      for (const v of s.volumes ?? []) {
        if (!['configMap', 'emptyDir', 'persistentVolumeClaim', 'projected', 'secret', 'downwardAPI', 'csi', 'ephemeral'].some((k) => k in v)) problems.push(`volume ${v.name}`);
      }
      for (const c of [...s.containers, ...(s.initContainers ?? [])]) {
        const sc = c.securityContext ?? {};
        if (sc.allowPrivilegeEscalation !== false) problems.push(`${c.name}: allowPrivilegeEscalation`);
        if (!sc.capabilities?.drop?.includes('ALL')) problems.push(`${c.name}: drop ALL`);
        if ((sc.capabilities?.add ?? []).some((cap) => cap !== 'NET_BIND_SERVICE')) problems.push(`${c.name}: added capabilities`);
        if (sc.privileged) problems.push(`${c.name}: privileged`);
        if (sc.runAsUser === 0) problems.push(`${c.name}: root`);
      }
      return problems.length ? `${id(t.owner)}: ${problems.join(', ')}` : undefined;
    });
    expect(bad).toEqual([]);
  });

  test('every container drops ALL capabilities, sets seccomp and forbids privilege escalation, whatever the namespace', () => {
    expect(
      offenders(templates, (t) => {
        const bad = [...t.spec.containers, ...(t.spec.initContainers ?? [])].filter(
          (c) =>
            c.securityContext?.allowPrivilegeEscalation !== false ||
            !c.securityContext?.capabilities?.drop?.includes('ALL') ||
            c.securityContext?.seccompProfile?.type !== 'RuntimeDefault' ||
            c.securityContext?.privileged,
        );
        return bad.length ? `${id(t.owner)}: ${bad.map((c) => c.name).join(', ')}` : undefined;
      }),
    ).toEqual([]);
  });

  test('a container that departs from the hardened defaults carries the reason on its pod', () => {
    expect(
      offenders(templates, (t) => {
        const deviant = [...t.spec.containers, ...(t.spec.initContainers ?? [])].filter(
          (c) => c.securityContext?.runAsNonRoot === false || c.securityContext?.readOnlyRootFilesystem === false || (c.securityContext?.capabilities?.add?.length ?? 0) > 0,
        );
        if (deviant.length === 0) return undefined;
        const reasons = t.metadata.annotations?.['domus.dev/security-exceptions'] ?? '';
        const missing = deviant.filter((c) => !reasons.includes(`${c.name}:`));
        return missing.length ? `${id(t.owner)}: ${missing.map((c) => c.name).join(', ')}` : undefined;
      }),
    ).toEqual([]);
  });
});

describe('containers', () => {
  const containers = templates.flatMap((t) => [...t.spec.containers, ...(t.spec.initContainers ?? [])].map((c) => ({ t, c })));

  test('every container has CPU and memory requests and limits', () => {
    expect(
      offenders(containers, ({ t, c }) => {
        const r = c.resources ?? {};
        return r.requests?.cpu && r.requests.memory && r.limits?.cpu && r.limits.memory ? undefined : `${id(t.owner)} ${c.name}`;
      }),
    ).toEqual([]);
  });

  test('every long-running container has liveness and readiness probes', () => {
    const running = templates.filter((t) => t.owner.kind !== 'Job' && t.owner.kind !== 'CronJob').flatMap((t) => t.spec.containers.map((c) => ({ t, c })));
    expect(offenders(running, ({ t, c }) => (c.livenessProbe && c.readinessProbe ? undefined : `${id(t.owner)} ${c.name}`))).toEqual([]);
  });

  test('every image is pinned to a tag (never latest) and pulled only if not present', () => {
    expect(
      offenders(containers, ({ t, c }) => {
        const tag = c.image.includes('@') ? 'digest' : c.image.slice(c.image.lastIndexOf(':') + 1);
        const pinned = c.image.lastIndexOf(':') > c.image.lastIndexOf('/') && tag !== 'latest' && tag !== '';
        return pinned && c.imagePullPolicy === 'IfNotPresent' ? undefined : `${id(t.owner)} ${c.name} ${c.image}`;
      }),
    ).toEqual([]);
  });

  test('no credential is written as a literal in env', () => {
    const credential = /(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIAL)/i;
    expect(
      offenders(containers, ({ t, c }) => {
        const bad = (c.env ?? []).filter((e) => credential.test(e.name) && e.value !== undefined && !/_FILE$|_PATH$|_DIR$|_MODE$|_TYPE$/.test(e.name) && !e.value.startsWith('/'));
        return bad.length ? `${id(t.owner)} ${c.name}: ${bad.map((e) => e.name).join(', ')}` : undefined;
      }),
    ).toEqual([]);
  });
});

describe('secrets and identity', () => {
  test('no Secret object carries data', () => {
    expect(
      findAll('Secret')
        .filter((s) => s.data !== undefined || s.stringData !== undefined)
        .map(id),
    ).toEqual([]);
  });

  test('pods mount an API token only when their ServiceAccount is granted something', () => {
    const bound = new Set(
      [...findAll('RoleBinding'), ...findAll('ClusterRoleBinding')].flatMap((b) =>
        ((b as { subjects?: { kind: string; name: string; namespace?: string }[] }).subjects ?? []).map((s) => `${s.namespace}/${s.name}`),
      ),
    );
    expect(
      offenders(templates, (t) => {
        const sa = `${t.owner.metadata.namespace}/${t.spec.serviceAccountName}`;
        if (!t.spec.serviceAccountName || t.spec.serviceAccountName === 'default') return `${id(t.owner)}: default ServiceAccount`;
        return t.spec.automountServiceAccountToken === true && !bound.has(sa) ? `${id(t.owner)}: token without RBAC` : undefined;
      }),
    ).toEqual([]);
    for (const sa of findAll('ServiceAccount')) expect((sa as { automountServiceAccountToken?: boolean }).automountServiceAccountToken).toBe(false);
  });

  test('every Vault-annotated pod has a role, a secret, its own ServiceAccount and egress to Vault', () => {
    const s = site;
    const vaultPorts = new Set(
      s.stack.ctx.net
        .effectiveFlows()
        .filter((f) => f.to.kind === s.stack.ctx.vaultPeer.kind && f.port.port === s.stack.ctx.vaultPort.port)
        .map((f) => (f.from.kind === 'workload' ? `${f.from.namespace}/${f.from.name}` : '')),
    );
    const annotated = templates.filter((t) => t.metadata.annotations?.['vault.hashicorp.com/agent-inject'] === 'true');
    // Not vacuous where the site has Vault clients (a fork with every optional app off has none).
    expect(annotated.length > 0).toBe(s.stack.ctx.vault.all().length > 0);
    expect(
      offenders(annotated, (t) => {
        const a = t.metadata.annotations ?? {};
        const problems: string[] = [];
        if (!a['vault.hashicorp.com/role']) problems.push('role');
        if (!Object.keys(a).some((k) => k.startsWith('vault.hashicorp.com/agent-inject-secret-'))) problems.push('secret');
        if (!t.spec.serviceAccountName || t.spec.serviceAccountName === 'default') problems.push('service account');
        if (!vaultPorts.has(`${t.owner.metadata.namespace}/${t.metadata.labels?.['app.kubernetes.io/name']}`)) problems.push('egress to Vault');
        if (t.spec.securityContext?.seccompProfile?.type !== 'RuntimeDefault') problems.push('pod seccomp for injected containers');
        return problems.length ? `${id(t.owner)}: ${problems.join(', ')}` : undefined;
      }),
    ).toEqual([]);
  });
});

describe('RBAC', () => {
  const rules = [...findAll('Role'), ...findAll('ClusterRole')].flatMap((r) => rulesOf(r).map((rule) => ({ r, rule })));

  test('no wildcard verbs, resources or API groups', () => {
    expect(offenders(rules, ({ r, rule }) => ([...(rule.verbs ?? []), ...(rule.resources ?? []), ...(rule.apiGroups ?? [])].includes('*') ? id(r) : undefined))).toEqual([]);
  });

  test('nothing is bound to cluster-admin', () => {
    const bindings = [...findAll('RoleBinding'), ...findAll('ClusterRoleBinding')];
    expect(bindings.filter((b) => (b.roleRef as { name: string }).name === 'cluster-admin').map(id)).toEqual([]);
  });
});
