/**
 * Vault Agent Injector (hashicorp/vault-k8s v1.6.2, as vault-helm v0.30.0 deploys it): what the injector
 * reads, serves and needs, and the annotations it understands. The stack writes the injector itself
 * (docs/adr/0060-vault-injector.md), so each of these is a claim test/conformance/vault.test.ts checks the
 * synthesized objects against.
 */
import { factTable } from '../upstream';

/**
 * Environment variables the injector reads. subcommand/injector/flags.go processes its Specification with
 * envconfig under the prefix `agent_inject`: a `split_words` field becomes AGENT_INJECT_<FIELD_IN_SNAKE_CASE>,
 * a field with an explicit `envconfig:"x"` tag is looked up as AGENT_INJECT_X and then as x itself (so
 * AGENT_INJECT_VAULT_CACERT_BYTES is read as written). flags_test.go exercises these names.
 */
export const INJECTOR_ENV = [
  'AGENT_INJECT_LISTEN',
  'AGENT_INJECT_LOG_LEVEL',
  'AGENT_INJECT_LOG_FORMAT',
  'AGENT_INJECT_TEMPLATE_CONFIG_EXIT_ON_RETRY_FAILURE',
  'AGENT_INJECT_TEMPLATE_STATIC_SECRET_RENDER_INTERVAL',
  'AGENT_INJECT_TEMPLATE_MAX_CONNECTIONS_PER_HOST',
  'AGENT_INJECT_TLS_AUTO',
  'AGENT_INJECT_TLS_AUTO_HOSTS',
  'AGENT_INJECT_TLS_CA_CERT_FILE',
  'AGENT_INJECT_TLS_CERT_FILE',
  'AGENT_INJECT_TLS_KEY_FILE',
  'AGENT_INJECT_VAULT_ADDR',
  'AGENT_INJECT_VAULT_CACERT_BYTES',
  'AGENT_INJECT_PROXY_ADDR',
  'AGENT_INJECT_VAULT_IMAGE',
  'AGENT_INJECT_VAULT_AUTH_TYPE',
  'AGENT_INJECT_VAULT_AUTH_PATH',
  'AGENT_INJECT_VAULT_NAMESPACE',
  'AGENT_INJECT_REVOKE_ON_SHUTDOWN',
  'AGENT_INJECT_RUN_AS_USER',
  'AGENT_INJECT_RUN_AS_GROUP',
  'AGENT_INJECT_RUN_AS_SAME_USER',
  'AGENT_INJECT_SET_SECURITY_CONTEXT',
  'AGENT_INJECT_TELEMETRY_PATH',
  'AGENT_INJECT_USE_LEADER_ELECTOR',
  'AGENT_INJECT_DEFAULT_TEMPLATE',
  'AGENT_INJECT_CPU_REQUEST',
  'AGENT_INJECT_MEM_REQUEST',
  'AGENT_INJECT_EPHEMERAL_REQUEST',
  'AGENT_INJECT_CPU_LIMIT',
  'AGENT_INJECT_MEM_LIMIT',
  'AGENT_INJECT_EPHEMERAL_LIMIT',
  'AGENT_INJECT_TLS_MIN_VERSION',
  'AGENT_INJECT_TLS_CIPHER_SUITES',
  'AGENT_INJECT_AUTH_MIN_BACKOFF',
  'AGENT_INJECT_AUTH_MAX_BACKOFF',
  'AGENT_INJECT_DISABLE_IDLE_CONNECTIONS',
  'AGENT_INJECT_DISABLE_KEEP_ALIVES',
] as const;

/** Pod annotations agent-inject/agent/annotations.go defines (the constants' values). */
export const ANNOTATIONS = [
  'agent-inject', 'agent-inject-status', 'agent-inject-secret', 'agent-inject-file', 'agent-inject-perms', 'agent-inject-template',
  'agent-inject-containers', 'agent-inject-default-template', 'agent-inject-template-file', 'agent-template-left-delim',
  'agent-template-right-delim', 'agent-inject-token', 'agent-inject-command', 'agent-image', 'agent-request-namespace',
  'agent-init-first', 'agent-pre-populate', 'agent-pre-populate-only', 'agent-configmap', 'agent-extra-secret',
  'agent-limits-cpu', 'agent-limits-mem', 'agent-limits-ephemeral', 'agent-requests-cpu', 'agent-requests-mem',
  'agent-requests-ephemeral', 'agent-revoke-on-shutdown', 'agent-revoke-grace', 'namespace', 'agent-run-as-user',
  'agent-run-as-group', 'agent-run-as-same-user', 'agent-share-process-namespace', 'agent-set-security-context',
  'agent-service-account-token-volume-name', 'service', 'proxy-address', 'tls-skip-verify', 'tls-secret', 'tls-server-name',
  'ca-cert', 'ca-key', 'client-cert', 'client-key', 'client-max-retries', 'client-timeout', 'go-max-procs', 'log-level',
  'log-format', 'role', 'auth-type', 'auth-path', 'auth-config', 'secret-volume-path', 'preserve-secret-case',
  'agent-cache-enable', 'agent-cache-use-auto-auth-token', 'agent-cache-listener-port', 'agent-cache-exit-on-err',
  'agent-copy-volume-mounts', 'template-config-exit-on-retry-failure', 'template-static-secret-render-interval',
  'template-max-connections-per-host', 'agent-enable-quit', 'auth-min-backoff', 'auth-max-backoff',
  'agent-disable-idle-connections', 'agent-disable-keep-alives', 'agent-json-patch', 'agent-init-json-patch',
  'agent-auto-auth-exit-on-err', 'agent-telemetry', 'error-on-missing-key',
].map((a) => `vault.hashicorp.com/${a}`);

/**
 * Annotations that take a per-file suffix `-<name>` (Agent.secrets() reads them with annotationsSecretValue:
 * `<annotation>-<raw name>`).
 */
export const PER_SECRET_ANNOTATIONS = ['agent-inject-secret', 'agent-inject-template', 'agent-inject-file', 'agent-inject-perms', 'agent-inject-command', 'agent-inject-template-file', 'secret-volume-path', 'error-on-missing-key'].map((a) => `vault.hashicorp.com/${a}`);

export const VAULT_FACTS = factTable('vault', {
  listen: {
    fact: 'the injector listens where AGENT_INJECT_LISTEN says; the upstream manifest uses :8080 (HTTPS, its own certificate)',
    value: ':8080',
    upstream: 'vault-k8s',
    path: 'deploy/injector-deployment.yaml',
    check: { matches: /name: AGENT_INJECT_LISTEN\n\s+value: ":8080"/ },
  },
  healthPath: {
    fact: 'readiness is GET /health/ready over HTTPS on the listen port (command.go registers it; 204 once TLS is served)',
    value: { path: '/health/ready', scheme: 'HTTPS' },
    upstream: 'vault-helm',
    path: 'templates/injector-deployment.yaml',
    check: { matches: /readinessProbe:\n\s+httpGet:\n\s+path: \/health\/ready\n\s+port: \{\{ \.Values\.injector\.port \}\}\n\s+scheme: HTTPS/ },
  },
  mutatePath: {
    fact: 'the webhook is served at /mutate; the API server sends AdmissionReview v1 or v1beta1, pods CREATE only',
    value: { path: '/mutate', admissionReviewVersions: ['v1', 'v1beta1'], operations: ['CREATE'], resources: ['pods'] },
    upstream: 'vault-helm',
    path: 'templates/injector-mutating-webhook.yaml',
    check: { matches: /admissionReviewVersions: \["v1", "v1beta1"\][\s\S]*path: "\/mutate"[\s\S]*operations: \["CREATE"\][\s\S]*resources: \["pods"\]/ },
  },
  args: {
    fact: 'the image runs the injector with the argument agent-inject',
    value: 'agent-inject',
    upstream: 'vault-helm',
    path: 'templates/injector-deployment.yaml',
    check: { matches: /args:\n\s+- agent-inject/ },
  },
  user: {
    fact: 'vault-helm runs the injector as uid 100, gid 1000 (the image USER vault is uid 100 in the UBI variant)',
    value: { uid: 100, gid: 1000 },
    upstream: 'vault-helm',
    path: 'values.yaml',
    check: { matches: /runAsGroup: \{\{ \.Values\.injector\.gid \| default 1000 \}\}\n\s+#\s+runAsUser: \{\{ \.Values\.injector\.uid \| default 100 \}\}/ },
  },
  env: {
    fact: 'the environment variables the injector reads (envconfig prefix agent_inject over the Specification of flags.go)',
    value: INJECTOR_ENV,
    upstream: 'vault-k8s',
    path: 'subcommand/injector/flags.go',
  },
  caCertBytes: {
    fact: 'AGENT_INJECT_VAULT_CACERT_BYTES is handed to every injected agent (init and sidecar) as VAULT_CACERT_BYTES (handler.go sets Vault.CACertBytes; container_env.go adds the env; base64 is decoded)',
    value: { injector: 'AGENT_INJECT_VAULT_CACERT_BYTES', agent: 'VAULT_CACERT_BYTES' },
    upstream: 'vault-k8s',
    path: 'agent-inject/agent/container_env.go',
  },
  caCertAnnotation: {
    fact: 'vault.hashicorp.com/ca-cert is the PATH of a CA file inside the agent container (VAULT_CACERT / ca_cert), not PEM text; it takes precedence over CACertBytes',
    value: 'vault.hashicorp.com/ca-cert',
    upstream: 'vault-k8s',
    path: 'agent-inject/agent/agent.go',
  },
  skipVerify: {
    fact: 'TLS verification is skipped only by the tls-skip-verify annotation (default false, VAULT_SKIP_VERIFY)',
    value: { annotation: 'vault.hashicorp.com/tls-skip-verify', default: false },
    upstream: 'vault-k8s',
    path: 'agent-inject/agent/annotations.go',
  },
  agentUser: {
    fact: 'injected agents default to uid 100, gid 1000; default auth path auth/kubernetes',
    value: { uid: 100, gid: 1000, authPath: 'auth/kubernetes' },
    upstream: 'vault-k8s',
    path: 'agent-inject/agent/agent.go',
  },
  annotations: {
    fact: 'the pod annotations the injector understands',
    value: ANNOTATIONS,
    upstream: 'vault-k8s',
    path: 'agent-inject/agent/annotations.go',
  },
  clusterRole: {
    fact: 'the injector ClusterRole upstream: get/list/watch/patch on mutatingwebhookconfigurations, and nodes get (kustomize deploy)',
    value: [
      { apiGroups: ['admissionregistration.k8s.io'], resources: ['mutatingwebhookconfigurations'], verbs: ['get', 'list', 'watch', 'patch'] },
      { apiGroups: [''], resources: ['nodes'], verbs: ['get'] },
    ],
    upstream: 'vault-k8s',
    path: 'deploy/injector-rbac.yaml',
    check: { yaml: (docs) => (docs as { kind?: string; rules?: unknown }[]).find((d) => d?.kind === 'ClusterRole')?.rules },
  },
  nodesOnlyForLeaderElection: {
    fact: 'vault-helm grants nodes get only when the leader elector is on and replicas > 1; no injector Go code reads nodes',
    value: true,
    upstream: 'vault-helm',
    path: 'templates/injector-clusterrole.yaml',
    check: { matches: /\{\{- if and \(eq \(\.Values\.injector\.leaderElector\.enabled \| toString\) "true"\) \(gt \(\.Values\.injector\.replicas \| int\) 1\) \}\}\n- apiGroups: \[""\]\n {2}resources: \["nodes"\]/ },
  },
  caBundlePatch: {
    fact: 'auto TLS lists/watches all mutatingwebhookconfigurations (informer), gets and JSON-patches /webhooks/0/clientConfig/caBundle of the one named by AGENT_INJECT_TLS_AUTO',
    value: { patchPath: '/webhooks/0/clientConfig/caBundle' },
    upstream: 'vault-k8s',
    path: 'subcommand/injector/command.go',
  },
});
