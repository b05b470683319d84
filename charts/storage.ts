/**
 * Chart `storage`: MinIO (StatefulSet, Services, routes s3.<domain> and minio.<domain>) and the bucket Job.
 * The namespace, its default deny and DNS come from the platform chart.
 */
import { Construct } from 'constructs';
import { StackContext } from '../constructs/lib/context';
import { Minio } from '../constructs/minio';
import { MinioBuckets } from '../constructs/minio-buckets';
import { StackChart } from './stack-chart';

export function buildStorageChart(scope: Construct, ctx: StackContext): StackChart | undefined {
  if (!ctx.site.workloads.minio.enabled) return undefined;
  const chart = new StackChart(scope, 'storage');
  const minio = new Minio(chart, 'minio', ctx);
  if (ctx.site.workloads.minio.buckets.length > 0) new MinioBuckets(chart, 'buckets', ctx, minio);
  return chart;
}
