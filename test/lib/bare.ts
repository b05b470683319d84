/**
 * A bare chart for unit tests of the shared mechanisms (constructs/lib), the way aws-cdk tests a construct:
 * one App, one Chart, one StackContext on a tiny site, and only the constructs the test adds. No stack.
 */
import { Chart, Testing } from 'cdk8s';
import { validateSite } from '../../config/load';
import { SiteInput } from '../../config/schema';
import { StackContext } from '../../constructs/lib/context';
import { WorkloadProps } from '../../constructs/lib/workload';

export interface KubeObj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
  [k: string]: unknown;
}

export interface Bare {
  readonly ctx: StackContext;
  readonly chart: Chart;
  /** Runs the network emit (the context's finalize step for flows) and returns every object of the chart. */
  synth(): KubeObj[];
}

/** The smallest site that validates: the schema's defaults, plus what the test overrides. */
export function bare(site: SiteInput = {}): Bare {
  const ctx = new StackContext(validateSite(site, 'bare'));
  const chart = new Chart(Testing.app(), 'bare');
  let emitted = false;
  return {
    ctx,
    chart,
    synth() {
      if (!emitted) ctx.net.emit();
      emitted = true;
      return Testing.synth(chart) as KubeObj[];
    },
  };
}

export const RES = { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '100m', memory: '64Mi' } };

/** A minimal compliant Deployment: one container, one `http` port, probes on it. */
export function app(name: string, namespace = 'web', extra: Partial<WorkloadProps> = {}): WorkloadProps {
  return {
    kind: 'Deployment',
    name,
    namespace,
    partOf: name,
    user: { uid: 1000, gid: 1000 },
    containers: [
      {
        name,
        image: `example.org/${name}:1.0.0`,
        ports: [{ name: 'http', port: 8080, servicePort: 80 }],
        resources: RES,
        liveness: { http: { path: '/', port: 'http' } },
        readiness: { tcp: { port: 'http' } },
      },
    ],
    ...extra,
  };
}

export const find = (objs: readonly KubeObj[], kind: string, name: string) => {
  const o = objs.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`no ${kind} ${name} among ${objs.map((x) => `${x.kind}/${x.metadata.name}`).join(', ')}`);
  return o;
};
export const kinds = (objs: readonly KubeObj[]) => objs.map((o) => `${o.kind}/${o.metadata.name}`).sort();
