/**
 * `npm run verify` wazuh check: the committed dist/ passes (with Wazuh on or off: a fork may turn it off);
 * each careless edit of the example's YAML that brings back a defect of issue 11 is rejected with a message
 * a reviewer understands. The mutations run on the example site's synthesis (test/verify/site-context.ts), so
 * they hold whatever the operator's site.yaml enables (issue 21).
 */
import { join } from 'node:path';
import { checkWazuh } from '../../verify/checks/wazuh';
import { cachedLoadDist as loadDist } from '../lib/dist-cache';
import { Context, Doc, KubeObj } from '../../verify/types';
import { exampleDist } from './site-context';

const COMMITTED = join(__dirname, '..', '..', 'dist');
const EXAMPLE = join(exampleDist(), 'security');

interface C {
  name: string;
  command?: string[];
  env?: { name: string; value?: string }[];
  volumeMounts: { name: string; mountPath: string; subPath?: string }[];
  livenessProbe?: unknown;
}
interface Pod {
  metadata: { annotations: Record<string, string> };
  spec: { containers: C[]; volumes: { name: string }[] };
}

function context(mutate?: (objs: KubeObj[]) => void, DIST = EXAMPLE): Context {
  const { docs, files } = loadDist(DIST);
  const objs = docs.map((d) => structuredClone(d.obj));
  mutate?.(objs);
  const mutated: Doc[] = objs.map((obj, i) => ({ obj, file: docs[i]!.file, line: docs[i]!.line }));
  return { docs: mutated, files, dist: DIST, nodes: [], vault: { cidrs: [], host: 'vault', port: 8200 }, gitPath: 'dist' };
}
const pod = (objs: KubeObj[], name: string) => (objs.find((o) => o.metadata.name === name && ['StatefulSet', 'Deployment'].includes(o.kind))!.spec as { template: Pod }).template;
const data = (objs: KubeObj[], name: string) => objs.find((o) => o.kind === 'ConfigMap' && o.metadata.name === name)!.data as Record<string, string>;
const errors = (c: Context) =>
  checkWazuh(c)
    .filter((f) => f.severity === 'error')
    .map((f) => `${f.object}: ${f.message}`);
const INDEXER = '/usr/share/wazuh-indexer';

test('the committed dist/ passes (whatever the site enables)', () => {
  expect(errors(context(undefined, COMMITTED))).toEqual([]);
});

test("the example's dist/security passes, and it is what the mutations below start from", () => {
  expect(errors(context())).toEqual([]);
  expect(context().docs.some((d) => d.obj.kind === 'StatefulSet' && d.obj.metadata.name === 'wazuh-indexer')).toBe(true);
});

test.each<[string, (objs: KubeObj[]) => void, RegExp]>([
  [
    'opensearch.yml mounted beside config/ (the entrypoint forces OPENSEARCH_PATH_CONF)',
    (o) => void (pod(o, 'wazuh-indexer').spec.containers[0]!.volumeMounts.find((m) => m.subPath === 'opensearch.yml')!.mountPath = `${INDEXER}/opensearch.yml`),
    /StatefulSet security\/wazuh-indexer: wazuh-indexer: opensearch.yml is mounted at \/usr\/share\/wazuh-indexer\/opensearch.yml, but the image entrypoint sets OPENSEARCH_PATH_CONF=\/usr\/share\/wazuh-indexer\/config .*demo configuration/,
  ],
  [
    'a pod OPENSEARCH_PATH_CONF the entrypoint overrides',
    (o) => void pod(o, 'wazuh-indexer').spec.containers[0]!.env!.push({ name: 'OPENSEARCH_PATH_CONF', value: INDEXER }),
    /env OPENSEARCH_PATH_CONF=\/usr\/share\/wazuh-indexer is overridden/,
  ],
  [
    'a volume over config/opensearch-security',
    (o) => {
      const p = pod(o, 'wazuh-indexer');
      p.spec.volumes.push({ name: 'security', emptyDir: {} } as { name: string });
      p.spec.containers[0]!.volumeMounts.push({ name: 'security', mountPath: `${INDEXER}/config/opensearch-security` });
    },
    /volume security at .*opensearch-security hides the image's/,
  ],
  [
    'a certificate path outside the rendered folder',
    (o) =>
      void (data(o, 'wazuh-indexer-config')['opensearch.yml'] = data(o, 'wazuh-indexer-config')['opensearch.yml']!.replace(
        'http.pemcert_filepath: /usr/share/wazuh-indexer/config/certs/node.pem',
        'http.pemcert_filepath: /usr/share/wazuh-indexer/certs/node.pem',
      )),
    /opensearch.yml reads \/usr\/share\/wazuh-indexer\/certs\/node.pem, but neither Vault nor the start script puts node.pem into \/usr\/share\/wazuh-indexer\/certs/,
  ],
  [
    'a start script that no longer splits the node bundle',
    (o) => void (data(o, 'wazuh-scripts')['indexer-start.sh'] = data(o, 'wazuh-scripts')['indexer-start.sh']!.replace(/^split \S*node\.bundle\.pem.*$/m, '')),
    /opensearch.yml reads \/usr\/share\/wazuh-indexer\/config\/certs\/node.pem, but neither Vault nor the start script puts node.pem/,
  ],
  [
    'a certificate issued with secret (a new one at every render: a restart at every Vault re-login)',
    (o) => {
      const a = pod(o, 'wazuh-manager-worker').metadata.annotations;
      a['vault.hashicorp.com/agent-inject-template-filebeat.bundle.pem'] = a['vault.hashicorp.com/agent-inject-template-filebeat.bundle.pem']!.replace(
        'with pkiCert ',
        'with secret ',
      );
    },
    /StatefulSet security\/wazuh-manager-worker: filebeat.bundle.pem: issues its certificate with "secret", which requests a new one at every render/,
  ],
  [
    "an indexer key in Vault's default PKCS#1/SEC1 format",
    (o) => {
      const a = pod(o, 'wazuh-indexer').metadata.annotations;
      a['vault.hashicorp.com/agent-inject-template-node.bundle.pem'] = a['vault.hashicorp.com/agent-inject-template-node.bundle.pem']!.replace(' "private_key_format=pkcs8"', '');
    },
    /node.bundle.pem is requested without private_key_format=pkcs8/,
  ],
  [
    'the issuing CA alone as trust anchor',
    (o) => {
      const a = pod(o, 'wazuh-dashboard').metadata.annotations;
      // The mount's own CA certificate (cert/ca) instead of its chain: the issuing CA alone.
      a['vault.hashicorp.com/agent-inject-template-root-ca.pem'] = a['vault.hashicorp.com/agent-inject-template-root-ca.pem']!.replace('/cert/ca_chain"', '/cert/ca"');
    },
    /Deployment security\/wazuh-dashboard: wazuh-dashboard: root-ca.pem renders certificate, not the full CA chain/,
  ],
  [
    'the worker probed on the master-only cluster port',
    (o) => void (pod(o, 'wazuh-manager-worker').spec.containers[0]!.livenessProbe = { tcpSocket: { port: 1516 } }),
    /StatefulSet security\/wazuh-manager-worker: .*liveness probes 1516, the cluster port only the master listens on/,
  ],
  [
    'a shell-style node name',
    (o) => void (data(o, 'wazuh-manager-config')['worker.conf'] = data(o, 'wazuh-manager-config')['worker.conf']!.replace('to_be_replaced_by_hostname', '${HOSTNAME}')),
    /ossec.conf contains \$\{HOSTNAME\}, which nothing substitutes/,
  ],
  [
    'ossec.conf without the user-defined rules',
    (o) => void (data(o, 'wazuh-manager-config')['master.conf'] = data(o, 'wazuh-manager-config')['master.conf']!.replace('<rule_dir>etc/rules</rule_dir>', '')),
    /StatefulSet security\/wazuh-manager-master: .*ossec.conf lacks <rule_dir>etc\/rules<\/rule_dir>/,
  ],
  [
    'credentials sourced into the shell',
    (o) => void (pod(o, 'wazuh-dashboard').spec.containers[0]!.command = ['/bin/sh', '-c', 'set -a; . /vault/env/dashboard.env; set +a; exec /entrypoint.sh']),
    /sources a Vault-rendered file into the shell/,
  ],
])('%s is rejected', (_name, mutate, expected) => {
  const found = errors(context(mutate));
  expect(found.some((m) => expected.test(m))).toBe(true);
});
