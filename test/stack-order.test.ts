/**
 * One finalize phase: the charts only declare, StackContext.finalize renders once, so the order the charts
 * are built in cannot change dist/. Before it, building storage after monitoring dropped MinIO's scrape job
 * while its flow stayed.
 */
import { validateSite } from '../config/load';
import { synthesize } from '../charts/synth';
import { chartNames } from '../charts/stack';
import { StackContext } from '../constructs/lib/context';
import { tcp, workloadPeer } from '../constructs/lib/network';
import { kvValueSecret } from '../constructs/lib/vault';
import { synth } from './helpers';

const names = chartNames();
const orders: [string, string[]][] = [
  ['reversed', [...names].reverse()],
  ['monitoring first, storage last', ['monitoring', ...names.filter((n) => n !== 'monitoring' && n !== 'storage'), 'storage']],
  ['platform last', [...names.filter((n) => n !== 'platform'), 'platform']],
];

describe('chart order does not change the output', () => {
  const reference = synth();
  test.each(orders)('%s: every file of dist/ is byte-identical', (_, buildOrder) => {
    const other = synthesize(validateSite({}, 'test'), { buildOrder });
    expect([...other.files.keys()]).toEqual([...reference.files.keys()]);
    for (const [path, text] of reference.files) expect({ path, text: other.files.get(path) }).toEqual({ path, text });
  });

  test('MinIO keeps its scrape job when storage is built after monitoring', () => {
    const late = synthesize(validateSite({}, 'test'), { buildOrder: orders[1]![1] });
    const config = late.charts.find((c) => c.name === 'monitoring')!.objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'prometheus-config') as unknown as {
      data: Record<string, string>;
    };
    expect(config.data['prometheus.yml']).toContain('job_name: minio');
  });

  test('a build order must name every chart once', () => {
    expect(() => synthesize(validateSite({}, 'test'), { buildOrder: ['platform'] })).toThrow(/must name each chart once/);
  });
});

describe('after finalize every registry refuses additions', () => {
  const finalized = () => {
    const ctx = new StackContext(validateSite({}, 'test'));
    ctx.finalize(() => undefined);
    return ctx;
  };
  const peer = workloadPeer('monitoring', 'late');
  test.each([
    [
      'a scrape target',
      (ctx: StackContext) => ctx.metrics.declare({ job: 'late', endpoint: { peer, port: tcp(9090) } }),
      /scrape job late was declared after the stack was finalized/,
    ],
    ['a flow', (ctx: StackContext) => ctx.net.allowPorts(peer, peer, [tcp(80)], 'late'), /flows were added after the network policies were emitted/],
    [
      'a Vault binding',
      (ctx: StackContext) => ctx.vault.annotate({ secrets: [kvValueSecret('x', 'kv/data/x', 'x')] }, 'monitoring', 'late', 1000),
      /vault binding for monitoring\/late was declared after/,
    ],
    [
      'a route',
      (ctx: StackContext) => ctx.addRoute({ host: 'late.domus.lan', namespace: 'monitoring', backend: peer, service: 'late', servicePort: 80, podPort: 80, middlewares: [] }),
      /route late.domus.lan was declared after/,
    ],
    ['a file', (ctx: StackContext) => ctx.addFile('late.txt', () => ''), /dist\/late.txt was added after the stack was finalized/],
    ['a second finalize', (ctx: StackContext) => ctx.finalize(() => undefined), /finalized once/],
  ])('%s', (_, add, message) => {
    expect(() => add(finalized())).toThrow(message);
  });
});
