/**
 * The checks of `npm run verify`, in the order the CLI prints them. A finding's `check` must be one of these
 * names (test/verify/package.test.ts scans the sources): the text report prints findings per name, so a
 * finding under an unlisted name would fail the run without being shown.
 */
export const CHECK_NAMES = [
  'load',
  'schema',
  'pod-security',
  'network',
  'flows',
  'loadbalancer',
  'rbac',
  'secrets',
  'credentials',
  'vault',
  'gitops',
  'argocd',
  'exposure',
  'traefik',
  'images',
  'resources',
  'capacity',
  'wazuh',
  'switches',
  'namespaces',
  'routes',
  'services',
  'alerting',
] as const;
export type CheckName = (typeof CHECK_NAMES)[number];
