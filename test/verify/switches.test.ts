/**
 * Issue 25, item 2: every switch that turns a protection off is an error of the `switches` check. Each case edits
 * the committed dist/ (a bootstrap file or an object) the way a careless or hostile commit would.
 */
import { parse, stringify } from 'yaml';
import { checkSwitches, CILIUM_VALUES, parseIni, PSA_FILE } from '../../verify/checks/switches';
import { cachedLoadDist as loadDist } from '../lib/dist-cache';
import { Context, KubeObj } from '../../verify/types';
import { exampleDist } from './site-context';

// The example's dist/ (test/verify/site-context.ts): the mutations name its objects, whatever the fork enables.
const DIST = exampleDist();
const base = loadDist(DIST);
type Obj = KubeObj & Record<string, unknown>;

function run(edit: { objs?: (objs: Obj[]) => void; files?: (files: Map<string, string>) => void }): string[] {
  const objs = base.docs.map((d) => structuredClone(d.obj) as Obj);
  edit.objs?.(objs);
  const files = new Map(base.files);
  edit.files?.(files);
  const ctx: Context = {
    docs: objs.map((obj, i) => ({ obj, file: base.docs[i]?.file ?? 'x.yaml', line: base.docs[i]?.line ?? 1 })),
    files,
    dist: DIST,
    nodes: [],
    vault: { cidrs: [], host: 'v', port: 8200 },
    gitPath: 'dist',
  };
  return checkSwitches(ctx)
    .filter((f) => f.severity === 'error')
    .map((f) => `${f.object ?? f.file ?? ''}: ${f.message}`);
}
const get = (objs: Obj[], kind: string, name: string) => {
  const o = objs.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`no ${kind} ${name}`);
  return o;
};
const yamlEdit = (path: string, f: (v: Record<string, unknown>) => void) => (files: Map<string, string>) => {
  const v = parse(files.get(path)!) as Record<string, unknown>;
  f(v);
  files.set(path, stringify(v));
};
const k3sConfig = [...base.files.keys()].find((f) => /^bootstrap\/k3s\/config-.*\.yaml$/.test(f))!;
const psaConf = (v: Record<string, unknown>) => (v.plugins as { configuration: Record<string, Record<string, unknown>> }[])[0]!.configuration;
const containerOf = (o: Obj) => (o.spec as { template: { spec: { containers: { args?: string[]; env?: { name: string; value: string }[] }[] } } }).template.spec.containers[0]!;
const cmData = (objs: Obj[], name: string) => get(objs, 'ConfigMap', name).data as Record<string, string>;

test('the committed dist/ turns no protection off', () => {
  expect(run({})).toEqual([]);
});

test.each<[string, Parameters<typeof run>[0], RegExp]>([
  [
    'Cilium policyEnforcementMode never in the values',
    { files: yamlEdit(CILIUM_VALUES, (v) => (v.policyEnforcementMode = 'never')) },
    /cilium-values\.yaml: policyEnforcementMode "never"/,
  ],
  [
    'Cilium policyEnforcementMode never in the HelmChart',
    {
      objs: (o) => {
        const h = get(o, 'HelmChart', 'cilium').spec as { valuesContent: string };
        h.valuesContent = h.valuesContent.replace('policyEnforcementMode: default', 'policyEnforcementMode: never');
      },
    },
    /HelmChart cilium spec\.valuesContent: policyEnforcementMode "never"/,
  ],
  ['the Cilium values removed', {}, /.*/],
  ['PSA default privileged', { files: yamlEdit(PSA_FILE, (v) => (psaConf(v).defaults!.enforce = 'privileged')) }, /defaults\.enforce "privileged"/],
  ['PSA version latest', { files: yamlEdit(PSA_FILE, (v) => (psaConf(v).defaults!['enforce-version'] = 'latest')) }, /enforce-version "latest"/],
  [
    'PSA exempts a user',
    { files: yamlEdit(PSA_FILE, (v) => (psaConf(v).exemptions!.usernames = ['system:serviceaccount:argocd:argocd-application-controller'])) },
    /exemptions\.usernames/,
  ],
  ['PSA exempts a namespace', { files: yamlEdit(PSA_FILE, (v) => (psaConf(v).exemptions!.namespaces = ['kube-system', 'monitoring'])) }, /exemptions\.namespaces \["monitoring"\]/],
  ['PSA plugin removed', { files: yamlEdit(PSA_FILE, (v) => (v.plugins = [])) }, /no PodSecurity plugin/],
  ['the API server not given the PSA file', { files: yamlEdit(k3sConfig, (v) => delete v['kube-apiserver-arg']) }, /must load the Pod Security configuration/],
  ['anonymous-auth=true', { files: yamlEdit(k3sConfig, (v) => (v['kube-apiserver-arg'] as string[]).push('anonymous-auth=true')) }, /kube-apiserver-arg "anonymous-auth=true"/],
  ['kubelet anonymous-auth', { files: yamlEdit(k3sConfig, (v) => (v['kubelet-arg'] = ['--anonymous-auth'])) }, /kubelet-arg "anonymous-auth"/],
  ['AlwaysAllow', { files: yamlEdit(k3sConfig, (v) => (v['kube-apiserver-arg'] as string[]).push('authorization-mode=Node,AlwaysAllow')) }, /AlwaysAllow/],
  [
    'a webhook to an outside URL',
    {
      objs: (o) => {
        const w = (get(o, 'MutatingWebhookConfiguration', 'vault-agent-injector-cfg').webhooks as { clientConfig: Record<string, unknown> }[])[0]!;
        w.clientConfig = { url: 'https://evil.example/mutate' };
      },
    },
    /clientConfig\.url/,
  ],
  [
    'a webhook to a Service dist/ does not define',
    {
      objs: (o) =>
        ((get(o, 'MutatingWebhookConfiguration', 'vault-agent-injector-cfg').webhooks as { clientConfig: { service: { name: string } } }[])[0]!.clientConfig.service.name =
          'other'),
    },
    /vault\/other is not a Service of dist/,
  ],
  [
    'AppProject cluster whitelist */*',
    { objs: (o) => ((get(o, 'AppProject', 'homelab').spec as Record<string, unknown>).clusterResourceWhitelist = [{ group: '*', kind: '*' }]) },
    /clusterResourceWhitelist\[0\] "\*\/\*"/,
  ],
  [
    'AppProject namespace whitelist kind *',
    { objs: (o) => (get(o, 'AppProject', 'homelab').spec as { namespaceResourceWhitelist: unknown[] }).namespaceResourceWhitelist.push({ group: 'apps', kind: '*' }) },
    /namespaceResourceWhitelist/,
  ],
  [
    'AppProject destination *',
    { objs: (o) => ((get(o, 'AppProject', 'homelab').spec as { destinations: { namespace: string }[] }).destinations[0]!.namespace = '*') },
    /destinations\[0\]\.namespace "\*"/,
  ],
  ['Argo CD policy.default role:admin', { objs: (o) => (cmData(o, 'argocd-rbac-cm')['policy.default'] = 'role:admin') }, /policy\.default" "role:admin"/],
  ['Argo CD anonymous users', { objs: (o) => (cmData(o, 'argocd-cm')['users.anonymous.enabled'] = 'true') }, /users\.anonymous\.enabled/],
  [
    'Grafana anonymous Admin (ini)',
    {
      objs: (o) =>
        (cmData(o, 'grafana-config')['grafana.ini'] = cmData(o, 'grafana-config')['grafana.ini']!.replace(
          '[auth.anonymous]\nenabled = false',
          '[auth.anonymous]\nenabled = true\norg_role = Admin',
        )),
    },
    /\[auth\.anonymous\] enabled.*Admin/,
  ],
  [
    'Grafana anonymous (env)',
    { objs: (o) => (containerOf(get(o, 'Deployment', 'grafana')).env ??= []).push({ name: 'GF_AUTH_ANONYMOUS_ENABLED', value: 'true' }) },
    /GF_AUTH_ANONYMOUS_ENABLED/,
  ],
  ['Prometheus --web.enable-admin-api', { objs: (o) => containerOf(get(o, 'StatefulSet', 'prometheus')).args!.push('--web.enable-admin-api') }, /"--web\.enable-admin-api" opens/],
  ['Traefik --api.insecure', { objs: (o) => containerOf(get(o, 'DaemonSet', 'traefik')).args!.push('--api.insecure=true') }, /"--api\.insecure=true"/],
  ['Traefik --api.insecure (bare)', { objs: (o) => containerOf(get(o, 'DaemonSet', 'traefik')).args!.push('--api.insecure') }, /"--api\.insecure" serves/],
])('refused: %s', (name, edit, msg) => {
  if (name === 'the Cilium values removed') {
    // The HelmChart is what k3s applies: removing the values file (a copy for reading) is not an error, removing the chart is.
    expect(run({ files: (f) => f.delete(CILIUM_VALUES) })).toEqual([]);
    expect(run({ objs: (o) => o.splice(o.indexOf(get(o, 'HelmChart', 'cilium')), 1) }).join('\n')).toMatch(/no Cilium HelmChart/);
    return;
  }
  expect(run(edit).join('\n')).toMatch(msg);
});

test('switches that keep the protection on are not errors', () => {
  expect(run({ files: yamlEdit(CILIUM_VALUES, (v) => (v.policyEnforcementMode = 'always')) })).toEqual([]);
  expect(run({ files: yamlEdit(k3sConfig, (v) => (v['kube-apiserver-arg'] as string[]).push('anonymous-auth=false')) })).toEqual([]);
  expect(run({ objs: (o) => containerOf(get(o, 'StatefulSet', 'prometheus')).args!.push('--web.enable-admin-api=false') })).toEqual([]);
  expect(run({ objs: (o) => (cmData(o, 'argocd-rbac-cm')['policy.default'] = '') })).toEqual([]);
});

test('ini reading', () => {
  const ini = parseIni('[a]\nx = 1\n; c\n[Auth.Anonymous]\nEnabled = true\n');
  expect(ini.get('auth.anonymous')?.get('enabled')).toBe('true');
  expect(ini.get('a')?.get('x')).toBe('1');
});
