/**
 * Vault Agent Injector (namespace `vault`) for the external Vault, written with the workload builder rather
 * than the vault-helm chart: the same hardened defaults, policies and RBAC helpers as every other pod, and no
 * Helm release for Argo CD to fight over (docs/adr/0060-vault-injector.md).
 *
 * The injector never talks to Vault; only the injected agents do. The API server calls its webhook on 8080
 * (from the node: `host`/`kube-apiserver`); it patches the webhook's caBundle itself (auto TLS), which the
 * `vault` Application ignores in its diff.
 */
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { imageOf, IMAGES } from '../config/versions';
import { StackContext } from './lib/context';
import { entity } from './lib/network';
import { Workload } from './lib/workload';
import { type AppDefinition, defineApp } from './lib/app';

export const INJECTOR_NAME = 'vault-agent-injector';
export const WEBHOOK_NAME = 'vault-agent-injector-cfg';

export class VaultInjector extends Construct {
  readonly workload: Workload;

  constructor(scope: Construct, id: string, ctx: StackContext, props: { readonly namespaces: readonly string[] }) {
    super(scope, id);
    const site = ctx.site;
    const ns = site.namespaces.vault;
    const env: Record<string, string> = {
      AGENT_INJECT_LISTEN: ':8080',
      AGENT_INJECT_LOG_LEVEL: 'info',
      AGENT_INJECT_LOG_FORMAT: 'json',
      AGENT_INJECT_VAULT_ADDR: site.vault.address,
      AGENT_INJECT_VAULT_AUTH_PATH: `auth/${site.vault.authMount}`,
      AGENT_INJECT_VAULT_IMAGE: imageOf('vaultAgent'),
      AGENT_INJECT_TLS_AUTO: WEBHOOK_NAME,
      AGENT_INJECT_TLS_AUTO_HOSTS: `${INJECTOR_NAME},${INJECTOR_NAME}.${ns},${INJECTOR_NAME}.${ns}.svc`,
      AGENT_INJECT_USE_LEADER_ELECTOR: 'false',
      AGENT_INJECT_DEFAULT_TEMPLATE: 'map',
      AGENT_INJECT_TEMPLATE_CONFIG_EXIT_ON_RETRY_FAILURE: 'true',
      AGENT_INJECT_SET_SECURITY_CONTEXT: 'true',
      AGENT_INJECT_RUN_AS_USER: '100',
      AGENT_INJECT_RUN_AS_GROUP: '1000',
      AGENT_INJECT_CPU_REQUEST: '10m',
      AGENT_INJECT_CPU_LIMIT: '100m',
      AGENT_INJECT_MEM_REQUEST: '32Mi',
      AGENT_INJECT_MEM_LIMIT: '64Mi',
      AGENT_INJECT_TELEMETRY_PATH: '/metrics',
      // Every injected agent (init and sidecar) gets it as VAULT_CACERT_BYTES (vault-k8s handler.go, container_env.go).
      ...(site.vault.caCert ? { AGENT_INJECT_VAULT_CACERT_BYTES: site.vault.caCert } : {}),
    };
    this.workload = new Workload(this, 'injector', ctx, {
      name: INJECTOR_NAME,
      namespace: ns,
      partOf: 'vault',
      component: 'webhook',
      version: IMAGES.vaultInjector.tag,
      kind: 'Deployment',
      replicas: 1,
      user: { uid: 100, gid: 1000 },
      containers: [
        {
          name: 'sidecar-injector',
          image: imageOf('vaultInjector'),
          args: ['agent-inject'],
          env,
          envFromField: { NAMESPACE: 'metadata.namespace' },
          ports: [{ name: 'https', port: 8080, servicePort: 443 }],
          resources: { requests: { cpu: '20m', memory: '32Mi' }, limits: { cpu: '200m', memory: '128Mi' } },
          liveness: { http: { path: '/health/ready', port: 'https', scheme: 'HTTPS' }, initialDelaySeconds: 5 },
          readiness: { http: { path: '/health/ready', port: 'https', scheme: 'HTTPS' }, initialDelaySeconds: 5 },
        },
      ],
      // Auto TLS watches webhook configurations and patches the caBundle of its own only. No `nodes get`:
      // vault-helm grants it only with the leader elector on (off here, one replica); see conformance/facts/vault.ts.
      clusterRules: [
        { apiGroups: ['admissionregistration.k8s.io'], resources: ['mutatingwebhookconfigurations'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: ['admissionregistration.k8s.io'], resources: ['mutatingwebhookconfigurations'], verbs: ['patch'], resourceNames: [WEBHOOK_NAME] },
      ],
      metrics: [{ port: 'https', scheme: 'https', insecureSkipVerify: true, job: 'vault-agent-injector' }],
    });
    // The API server (k3s process on the node) calls the webhook.
    const callers = ctx.multiNode ? (['host', 'kube-apiserver', 'remote-node'] as const) : (['host', 'kube-apiserver'] as const);
    for (const e of callers) this.workload.allowFrom(entity(e), ['https'], 'the API server calls the mutating webhook');
    ctx.allowApiServer(this.workload.peer, 'the injector patches its webhook caBundle');

    new k8s.KubeMutatingWebhookConfiguration(this, 'webhook', {
      metadata: { name: WEBHOOK_NAME, labels: this.workload.labels },
      webhooks: [
        {
          name: 'vault.hashicorp.com',
          admissionReviewVersions: ['v1', 'v1beta1'],
          sideEffects: 'None',
          // Ignore: a down injector must not block every pod of the cluster (kube-system included). A pod that
          // needs secrets then starts without them and fails its own startup, which is visible and retried.
          failurePolicy: 'Ignore',
          timeoutSeconds: 10,
          clientConfig: { service: { name: INJECTOR_NAME, namespace: ns, path: '/mutate', port: 443 } },
          rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], scope: 'Namespaced' }],
          namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: [...props.namespaces].sort() }] },
          objectSelector: { matchExpressions: [{ key: 'app.kubernetes.io/name', operator: 'NotIn', values: [INJECTOR_NAME] }] },
        },
      ],
    });
  }
}

/** The Vault Agent Injector and Vault's TokenReview identity: chart `vault`, always deployed. */
// Annotated: the registry's type (and with it the Site type) must not depend on this body.
export const vaultInjectorApp: AppDefinition = defineApp({
  key: 'vault-injector',
  namespace: { key: 'vault', podSecurity: 'restricted' },
  chart: 'vault',
  wave: -4,
  images: ['vaultInjector', 'vaultAgent'],
  enabled: () => true,
  routed: false,
  build: (chart, ctx) => {
    const site = ctx.site;
    // The webhook is limited to the namespaces of the stack's apps.
    const namespaces = ctx.namespaces.filter((n) => n.key !== 'vault').map((n) => n.name);
    new VaultInjector(chart, 'injector', ctx, { namespaces });
    // The identity Vault uses for TokenReview of pod tokens (system:auth-delegator). Its non-expiring token
    // Secret is applied once at day 0 (dist/bootstrap/vault/reviewer-token.yaml), outside Argo CD, so Argo CD
    // needs no access to Secrets (docs/adr/0061-vault-reviewer-token.md).
    const labels = { 'app.kubernetes.io/name': 'vault-auth', 'app.kubernetes.io/part-of': 'vault', 'app.kubernetes.io/managed-by': 'cdk8s' };
    new k8s.KubeServiceAccount(chart, 'reviewer', { metadata: { name: 'vault-auth', namespace: site.namespaces.vault, labels }, automountServiceAccountToken: false });
    new k8s.KubeClusterRoleBinding(chart, 'reviewer-binding', {
      metadata: { name: `${site.namespaces.vault}-vault-auth-delegator`, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:auth-delegator' },
      subjects: [{ kind: 'ServiceAccount', name: 'vault-auth', namespace: site.namespaces.vault }],
    });
  },
  // vault-k8s documents no metric names of its own.
  dashboards: (site) => {
    const ns = site.namespaces;
    return [
      {
        uid: 'domus-vault-injector',
        title: 'Vault Agent Injector',
        panels: [
          { title: 'Injector scrape up', expr: 'up{job="vault-agent-injector"}' },
          { title: 'CPU', expr: `sum by (pod) (rate(container_cpu_usage_seconds_total{namespace="${ns.vault}", container!=""}[5m]))` },
          { title: 'Memory', expr: `sum by (pod) (container_memory_working_set_bytes{namespace="${ns.vault}", container!=""})`, unit: 'bytes' },
        ],
      },
    ];
  },
  mustDeny: [{ from: 'world', to: 'vault/vault-agent-injector', port: 8080, why: 'only the API server calls the webhook' }],
});
