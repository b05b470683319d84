/**
 * A chart of the stack: one folder of dist/ (`dist/<name>/<name>.yaml`) and one Argo CD child Application.
 * Objects set their namespace explicitly (cluster-scoped objects must not get one), so the chart has none.
 */
import { Chart } from 'cdk8s';
import { Construct } from 'constructs';

export class StackChart extends Chart {
  constructor(
    scope: Construct,
    readonly chartName: string,
  ) {
    // disableResourceNameHashes: names are explicit everywhere; this guards objects that would forget one.
    super(scope, chartName, { disableResourceNameHashes: true });
  }

  /** Folder of dist/ that holds this chart, relative to dist/. */
  get folder(): string {
    return this.chartName;
  }

  /** The chart's manifest file, relative to dist/. */
  get file(): string {
    return `${this.chartName}/${this.chartName}.yaml`;
  }
}

/** Kinds without a namespace (the ones this stack can emit). */
export const CLUSTER_SCOPED: ReadonlySet<string> = new Set([
  'Namespace',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'CiliumClusterwideNetworkPolicy',
  'MutatingWebhookConfiguration',
  'ValidatingWebhookConfiguration',
  'StorageClass',
  'PriorityClass',
  'IngressClass',
  'CiliumLoadBalancerIPPool',
  'CiliumL2AnnouncementPolicy',
]);
