/**
 * Issue 25, item 5: Vault roles and policies are no wider than the workloads that use them. Each case edits
 * setup.sh or a policy file of the committed dist/ the way a careless or hostile commit would.
 */
import { checkVaultScope, policyLeftover } from '../../verify/checks/vault-scope';
import { cachedLoadDist as loadDist } from '../lib/dist-cache';
import { Context } from '../../verify/types';
import { exampleDist } from './site-context';

// The example's dist/ (test/verify/site-context.ts): the mutations name its objects, whatever the fork enables.
const DIST = exampleDist();
const base = loadDist(DIST);
const SETUP = 'bootstrap/vault/setup.sh';
const GRAFANA = 'bootstrap/vault/policies/monitoring-grafana.hcl';

function run(edit: (files: Map<string, string>) => void): string[] {
  const files = new Map(base.files);
  edit(files);
  const ctx: Context = { docs: base.docs, files, dist: DIST, nodes: [], vault: { cidrs: [], host: 'v', port: 8200 }, gitPath: 'dist' };
  return checkVaultScope(ctx)
    .filter((f) => f.severity === 'error')
    .map((f) => f.message);
}
const replace = (file: string, from: string | RegExp, to: string) => (files: Map<string, string>) => {
  const text = files.get(file)!;
  const next = text.replace(from, to);
  if (next === text) throw new Error(`no ${String(from)} in ${file}`);
  files.set(file, next);
};

test('the committed dist/ binds every role to its workload and grants only what the templates read', () => {
  expect(run(() => undefined)).toEqual([]);
});

test.each<[string, (f: Map<string, string>) => void, RegExp]>([
  ['a policy widened to kv/data/*', replace(GRAFANA, 'kv/data/monitoring/grafana', 'kv/data/*'), /monitoring-grafana\.hcl: path "kv\/data\/\*" is a glob/],
  ['a policy glob with +', replace(GRAFANA, 'kv/data/monitoring/grafana', 'kv/data/+/grafana'), /is a glob/],
  [
    'a second path nobody reads',
    replace(GRAFANA, /$/, '\npath "kv/data/security/wazuh" {\n  capabilities = ["read"]\n}\n'),
    /path "kv\/data\/security\/wazuh" is read by no template/,
  ],
  ['a wider capability', replace(GRAFANA, '["read"]', '["read", "list", "update"]'), /grants list, update besides "read"/],
  ['sudo', replace(GRAFANA, '["read"]', '["sudo"]'), /grants sudo besides "read"/],
  ['a policy in a form verify cannot read', replace(GRAFANA, /$/, '\n{"path": {"kv/*": {"capabilities": ["read"]}}}\n'), /text verify cannot read as path blocks/],
  [
    'a role bound to any ServiceAccount',
    replace(SETUP, 'bound_service_account_names=grafana ', 'bound_service_account_names=* '),
    /role "monitoring-grafana".*bound_service_account_names=\* binds any match/,
  ],
  [
    'a role bound to any namespace',
    replace(SETUP, 'bound_service_account_names=grafana bound_service_account_namespaces=monitoring', 'bound_service_account_names=grafana bound_service_account_namespaces=*'),
    /bound_service_account_namespaces=\* binds any match/,
  ],
  ['a role bound to a glob', replace(SETUP, 'bound_service_account_names=grafana ', 'bound_service_account_names=graf* '), /binds any match/],
  [
    'a role admitting another namespace',
    replace(
      SETUP,
      'bound_service_account_names=grafana bound_service_account_namespaces=monitoring',
      'bound_service_account_names=grafana bound_service_account_namespaces=monitoring,default',
    ),
    /also admits default/,
  ],
  ['a role admitting another ServiceAccount', replace(SETUP, 'bound_service_account_names=grafana ', 'bound_service_account_names=grafana,prometheus '), /also admits prometheus/],
  [
    'a namespace selector',
    replace(SETUP, 'bound_service_account_names=grafana ', "bound_service_account_namespace_selector='{}' bound_service_account_names=grafana "),
    /namespace_selector/,
  ],
  [
    'a role nobody uses',
    replace(SETUP, /$/, '\nvault write auth/k3s-domus/role/spare bound_service_account_names=x bound_service_account_namespaces=y token_policies=monitoring-grafana\n'),
    /role "spare" .* is used by no pod/,
  ],
  ['a policy written from elsewhere', replace(SETUP, '"$HERE/policies/"monitoring-grafana.hcl', '/tmp/p.hcl'), /policy "monitoring-grafana" is written from \/tmp\/p\.hcl/],
])('refused: %s', (_n, edit, msg) => {
  expect(run(edit).join('\n')).toMatch(msg);
});

test('policyLeftover sees only what is not a path block or comment', () => {
  expect(policyLeftover('# c\npath "a" {\n capabilities = ["read"]\n allowed_parameters = {\n "x" = []\n }\n}\n')).toBe('');
  expect(policyLeftover('path "a" { capabilities = ["read"] }\nx = 1')).toBe('x = 1');
});
