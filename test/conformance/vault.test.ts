/**
 * The synthesized Vault Agent Injector and the annotations the stack writes, compared with what vault-k8s
 * v1.6.2 / vault-helm v0.30.0 define (conformance/facts/vault.ts).
 */
import { ANNOTATIONS, INJECTOR_ENV, PER_SECRET_ANNOTATIONS, VAULT_FACTS } from '../../conformance/facts/vault';
import { findAll, KubeObject, podTemplate, podTemplates, RbacRule, rulesOf } from '../helpers';

const injector = podTemplate('Deployment', 'vault-agent-injector', 'vault');
const container = injector.spec.containers[0]!;
const env = new Map((container.env ?? []).filter((e) => e.value !== undefined).map((e) => [e.name, e.value!]));
const webhook = findAll('MutatingWebhookConfiguration').find((w) => w.metadata.name === 'vault-agent-injector-cfg')!;
type Hook = { clientConfig: { service: { path: string; port: number } }; admissionReviewVersions: string[]; rules: { operations: string[]; resources: string[] }[] };
const hook = (webhook.webhooks as Hook[])[0]!;

test('every AGENT_INJECT_* variable the stack sets is one the injector reads', () => {
  const set = [...env.keys()].filter((k) => k.startsWith('AGENT_INJECT_'));
  expect(set.length).toBeGreaterThan(10);
  expect(set.filter((k) => !(INJECTOR_ENV as readonly string[]).includes(k))).toEqual([]);
  expect(VAULT_FACTS.env.value).toBe(INJECTOR_ENV);
});

test('it listens on the port the container, Service and probes use, and runs agent-inject', () => {
  expect(env.get('AGENT_INJECT_LISTEN')).toBe(VAULT_FACTS.listen.value);
  const port = Number(VAULT_FACTS.listen.value.slice(1));
  expect(container.ports?.map((p) => p.containerPort)).toEqual([port]);
  expect(container.args).toEqual([VAULT_FACTS.args.value]);
  const svc = findAll('Service').find((s) => s.metadata.name === 'vault-agent-injector')!;
  expect((svc.spec as { ports: { port: number; targetPort: number | string }[] }).ports).toEqual([expect.objectContaining({ port: hook.clientConfig.service.port })]);
});

test('probes hit /health/ready over HTTPS; the webhook calls /mutate for pod CREATE with v1/v1beta1 reviews', () => {
  for (const p of [container.livenessProbe, container.readinessProbe]) {
    expect(p).toMatchObject({ httpGet: { path: VAULT_FACTS.healthPath.value.path, scheme: VAULT_FACTS.healthPath.value.scheme } });
  }
  expect(hook.clientConfig.service.path).toBe(VAULT_FACTS.mutatePath.value.path);
  expect(hook.admissionReviewVersions).toEqual(VAULT_FACTS.mutatePath.value.admissionReviewVersions);
  expect(hook.rules.map((r) => ({ operations: r.operations, resources: r.resources }))).toEqual([
    { operations: VAULT_FACTS.mutatePath.value.operations, resources: VAULT_FACTS.mutatePath.value.resources },
  ]);
});

test('it runs as the user vault-helm runs it as, and injects agents as the upstream default user', () => {
  const sc = { ...injector.spec.securityContext, ...container.securityContext };
  expect(sc.runAsUser).toBe(VAULT_FACTS.user.value.uid);
  expect(env.get('AGENT_INJECT_RUN_AS_USER')).toBe(String(VAULT_FACTS.agentUser.value.uid));
  expect(env.get('AGENT_INJECT_RUN_AS_GROUP')).toBe(String(VAULT_FACTS.agentUser.value.gid));
});

test('the CA reaches every agent through the variable the injector hands on; nothing asks to skip verification', () => {
  expect(env.get(VAULT_FACTS.caCertBytes.value.injector)).toMatch(/^-----BEGIN CERTIFICATE-----/);
  for (const t of podTemplates()) {
    const a = t.metadata.annotations ?? {};
    expect(a[VAULT_FACTS.skipVerify.value.annotation]).toBeUndefined();
    // ca-cert is a file path inside the agent; the stack never writes PEM text there.
    if (a[VAULT_FACTS.caCertAnnotation.value] !== undefined) expect(a[VAULT_FACTS.caCertAnnotation.value]).toMatch(/^\//);
  }
});

test('RBAC: the upstream minimum, with the written exceptions', () => {
  const role = findAll('ClusterRole').find((r) => (r.metadata.labels ?? {})['app.kubernetes.io/name'] === 'vault-agent-injector') as KubeObject;
  const rules = rulesOf(role);
  // Exception 1: patch only the stack's own webhook configuration (command.go patches the one named by
  // AGENT_INJECT_TLS_AUTO), where upstream grants patch on all of them.
  // Exception 2: no nodes get: vault-helm grants it only with the leader elector (off here).
  expect(env.get('AGENT_INJECT_USE_LEADER_ELECTOR')).toBe('false');
  expect(VAULT_FACTS.nodesOnlyForLeaderElection.value).toBe(true);
  const norm = (rs: readonly RbacRule[]) =>
    rs
      .flatMap((r) => (r.resources ?? []).flatMap((res) => r.verbs.map((v) => `${(r.apiGroups ?? [''])[0]}/${res}:${v}${r.resourceNames ? `@${r.resourceNames.join(',')}` : ''}`)))
      .sort();
  const upstream = norm(VAULT_FACTS.clusterRole.value);
  expect(norm(rules)).toEqual(
    upstream
      .filter((g) => g !== '/nodes:get')
      .map((g) => (g === 'admissionregistration.k8s.io/mutatingwebhookconfigurations:patch' ? `${g}@${env.get('AGENT_INJECT_TLS_AUTO')}` : g))
      .sort(),
  );
  expect(env.get('AGENT_INJECT_TLS_AUTO')).toBe(webhook.metadata.name);
});

test('every vault.hashicorp.com annotation the stack writes exists in annotations.go at v1.6.2', () => {
  const written = new Set(podTemplates().flatMap((t) => Object.keys(t.metadata.annotations ?? {}).filter((k) => k.startsWith('vault.hashicorp.com/'))));
  expect(written.size).toBeGreaterThan(10);
  const unknown = [...written].filter((k) => !ANNOTATIONS.includes(k) && !PER_SECRET_ANNOTATIONS.some((p) => k.startsWith(`${p}-`)));
  expect(unknown).toEqual([]);
  for (const p of PER_SECRET_ANNOTATIONS) expect(ANNOTATIONS).toContain(p);
});
