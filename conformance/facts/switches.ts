/**
 * The switches that turn a protection off (issue 25, item 2), behind verify/checks/switches.ts. Argo CD and
 * Traefik facts are confirmed in the mirrored files; Cilium's was read in its documentation (the repository
 * is not mirrored: docs.cilium.io, security/policy/intro, same text for 1.16), the others at the tags named.
 */
import { factTable } from '../upstream';

export const SWITCH_FACTS = factTable('switches', {
  ciliumEnforcement: {
    fact: 'Cilium has three policy enforcement modes (Helm value policyEnforcementMode, agent flag enable-policy): default (an endpoint is default-deny per direction once a policy selects it), always (every endpoint enforced) and never (no enforcement even when rules select the endpoint)',
    value: ['default', 'always', 'never'],
    upstream: 'cilium-stored',
    path: 'Documentation/security/policy/intro.rst',
  },
  argocdPolicyDefault: {
    fact: 'argocd-rbac-cm policy.default is the role every authenticated user falls back to; omitted or empty grants nothing; the example sets role:readonly',
    value: 'role:readonly',
    upstream: 'argo-cd',
    path: 'docs/operator-manual/argocd-rbac-cm.yaml',
  },
  argocdAnonymous: {
    fact: 'argocd-cm users.anonymous.enabled: "true" lets unauthenticated users in with the policy.default role (docs/operator-manual/argocd-cm.yaml)',
    value: 'users.anonymous.enabled',
    upstream: 'argo-cd',
    path: 'docs/operator-manual/argocd-cm.yaml',
  },
  traefikApiInsecure: {
    fact: '--api.insecure activates the API (and dashboard) directly on the entry point named traefik, without a router; default false',
    value: false,
    upstream: 'traefik',
    path: 'docs/content/reference/static-configuration/cli-ref.md',
    check: { contains: 'Activate API directly on the entryPoint named traefik. (Default: ```false```)' },
  },
  prometheusAdminApi: {
    fact: '--web.enable-admin-api (kingpin boolean, default false) registers the TSDB admin endpoints under /api/v1/admin/tsdb (delete_series, clean_tombstones, snapshot)',
    value: false,
    upstream: 'prometheus',
    path: 'cmd/prometheus/main.go',
  },
  grafanaAnonymous: {
    fact: '[auth.anonymous] enabled (env GF_AUTH_ANONYMOUS_ENABLED) lets requests without a session in with org_role (GF_AUTH_ANONYMOUS_ORG_ROLE, default Viewer)',
    value: 'auth.anonymous',
    upstream: 'grafana-run-sh',
    path: 'conf/defaults.ini',
    at: '07754534fbafa7e7e18e7272e552c166f1afae28',
  },
});
