/**
 * verify's S3-users rule (issue 18, item 13): with Loki on MinIO, the bucket Job creates Loki's user from the
 * KV path Loki reads; a Job that does not (the output before issue 18) is an error naming Loki and the path.
 */
import { validateSite } from '../../config/load';
import { checkS3Users } from '../../verify/checks/s3-users';
import { podSpecOf } from '../../verify/load';
import { Context, KubeObj } from '../../verify/types';
import { cachedSynthesis } from '../synth-cache';
import { siteContext } from './site-context';

const site = validateSite({ workloads: { loki: { storage: { backend: 'minio' } } } }, 'test');
const base = siteContext(site, cachedSynthesis(site).files);
const context = (mutate?: (objs: KubeObj[]) => void): Context => {
  const objs = base.docs.map((d) => structuredClone(d.obj));
  mutate?.(objs);
  return { ...base, docs: objs.map((obj, i) => ({ obj, file: base.docs[i]!.file, line: base.docs[i]!.line })) };
};
const errors = (c: Context) => checkS3Users(c).map((f) => `${f.object}: ${f.message}`);
const annotations = (objs: KubeObj[], kind: string, name: string) => podSpecOf(objs.find((o) => o.kind === kind && o.metadata.name === name)!)!.metadata.annotations!;

test('Loki on MinIO as synthesized: its user is created from its keys', () => {
  expect(
    annotations(
      base.docs.map((d) => d.obj),
      'Job',
      'minio-buckets',
    )['vault.hashicorp.com/agent-inject-secret-s3-user-loki'],
  ).toBe('kv/data/monitoring/loki');
  expect(errors(context())).toEqual([]);
});

test("a bucket Job that does not read Loki's keys (the output before issue 18) is an error", () => {
  const found = errors(
    context((objs) => {
      const a = annotations(objs, 'Job', 'minio-buckets');
      for (const k of Object.keys(a)) if (k.endsWith('-s3-user-loki')) delete a[k];
    }),
  );
  expect(found).toEqual([
    expect.stringMatching(
      /^StatefulSet monitoring\/loki: monitoring\/loki talks to MinIO storage\/minio with keys from Vault \(kv\/data\/monitoring\/loki\), but no MinIO user is created from them/,
    ),
  ]);
});

test('no bucket Job at all is an error too; a client without Vault keys (Prometheus scraping) is none', () => {
  const found = errors(
    context((objs) => {
      objs.splice(
        objs.findIndex((o) => o.kind === 'Job' && o.metadata.name === 'minio-buckets'),
        1,
      );
    }),
  );
  expect(found).toHaveLength(1);
  expect(found.join('\n')).not.toMatch(/prometheus|traefik/);
});
