/**
 * The hardened workload builder. Every pod of the stack is built here, so the security defaults live once:
 *
 * - Pod Security `restricted`: runAsNonRoot with the image's numeric UID/GID, seccomp RuntimeDefault on the
 *   pod (covers injected Vault agents) and every container, drop ALL, no privilege escalation, read-only
 *   root filesystem with explicit writable emptyDirs. Exceptions are explicit fields with a reason.
 * - Explicit requests and limits, liveness and readiness probes, `imagePullPolicy: IfNotPresent`.
 * - Stable explicit names (no hashes), app.kubernetes.io/* labels, selector = app.kubernetes.io/name.
 * - No API token unless the ServiceAccount has RBAC rules; Vault agents get a projected token of their own.
 * - Replicas from config; with more than one replica: pod anti-affinity, topology spread and a PDB with
 *   maxUnavailable 1 (never blocks a drain).
 *
 * It uses the Kubernetes 1.28 L1 API exported by cdk8s-plus-28 (`k8s`): the L2 classes carry defaults that
 * clash with this stack (2 replicas, 1 CPU requests, UID 25000, no seccomp, no dropped capabilities).
 */
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import type { Resources } from '../../config/fields';
import { StackContext } from './context';
import { AppIdentity, appLabels, selectorLabels } from './labels';
import { Endpoint, Peer, PortRef, Protocol, workloadPeer, WorkloadPeer } from './network';
import { ResourceRule, Rule, ServiceAccountWithRbac } from './rbac';
import { ScrapeTarget } from './metrics';
import { VAULT_TOKEN_VOLUME, VaultSpec } from './vault';

/**
 * A container port. `P` is the union of the workload's port names: TypeScript infers it from the `ports` of
 * the containers, and probes, scrape targets, `endpoint()` and `allowFrom()` accept only those names
 * (NoInfer: they check against the declared names, never widen them). Runtime checks cover what types cannot.
 */
export interface PortSpec<P extends string = string> {
  /** IANA-style port name (≤ 15 chars), used by probes, Services and flows. */
  readonly name: P;
  readonly port: number;
  /** @default 'TCP' */
  readonly protocol?: Protocol;
  /** Port on the Services. @default port */
  readonly servicePort?: number;
  /** Whether the ClusterIP Service exposes it. @default true */
  readonly expose?: boolean;
}

export interface ProbeTiming {
  readonly initialDelaySeconds?: number;
  readonly periodSeconds?: number;
  readonly timeoutSeconds?: number;
  readonly failureThreshold?: number;
}
export type ProbeSpec<P extends string = string> =
  | ({ readonly http: { readonly path: string; readonly port: P | number; readonly scheme?: 'HTTP' | 'HTTPS' } } & ProbeTiming)
  | ({ readonly tcp: { readonly port: P | number } } & ProbeTiming)
  | ({ readonly exec: { readonly command: readonly string[] } } & ProbeTiming);

export interface MountSpec {
  readonly volume: string;
  readonly path: string;
  readonly readOnly?: boolean;
  readonly subPath?: string;
  /** HostToContainer (rslave): mounts made or removed on the host after the pod started reach it (hostPath of a host tree). */
  readonly propagation?: 'HostToContainer';
}

/** Deviations from the hardened container defaults. Each one needs a reason, kept next to it in the output. */
export interface SecurityException {
  readonly reason: string;
  readonly runAsUser?: number;
  readonly runAsGroup?: number;
  readonly runAsNonRoot?: boolean;
  readonly readOnlyRootFilesystem?: boolean;
  readonly addCapabilities?: readonly string[];
}

export interface ContainerSpec<P extends string = string> {
  readonly name: string;
  readonly image: string;
  readonly command?: readonly string[];
  readonly args?: readonly string[];
  /** Plain settings only: credentials come from Vault-rendered files, never env literals. */
  readonly env?: Readonly<Record<string, string>>;
  /** Env vars from the downward API (`metadata.name`, `status.podIP`, ...). */
  readonly envFromField?: Readonly<Record<string, string>>;
  /** Env vars from a key of a Secret created at runtime (never from git), e.g. upstream's generated redis password. */
  readonly envFromSecret?: Readonly<Record<string, { readonly secret: string; readonly key: string }>>;
  readonly ports?: readonly PortSpec<P>[];
  readonly resources: Resources;
  /** Required for app containers; init containers have none. A named port must be one of this container's. */
  readonly liveness?: ProbeSpec<NoInfer<P>>;
  readonly readiness?: ProbeSpec<NoInfer<P>>;
  readonly startup?: ProbeSpec<NoInfer<P>>;
  readonly mounts?: readonly MountSpec[];
  /** Paths that must be writable: each gets its own emptyDir so the root filesystem can stay read-only. */
  readonly writable?: readonly string[];
  readonly security?: SecurityException;
  readonly workingDir?: string;
}

/**
 * A PersistentVolumeClaim of a StatefulSet (volumeClaimTemplates). A container mounts it by name:
 * `mounts: [{ volume: <name>, path }]`; a claim no container mounts is refused (its data would go nowhere).
 */
export interface ClaimSpec {
  readonly name: string;
  readonly size: string;
}

export interface WorkloadProps<P extends string = string> extends AppIdentity {
  /**
   * `Job`: a run-to-completion task (restartPolicy OnFailure, no probes required); `CronJob`: the same task
   * started on `cron.schedule`.
   */
  readonly kind: 'Deployment' | 'StatefulSet' | 'DaemonSet' | 'Job' | 'CronJob';
  /**
   * CronJob only: its schedule (five cron fields, the controller's time zone: UTC on k3s unless `timeZone`);
   * `suspend` keeps a Job template in git that only an operator starts (`kubectl create job --from=cronjob/…`).
   * Runs never overlap (concurrencyPolicy Forbid); the last 3 successful and 3 failed Jobs are kept, so
   * kube-state-metrics still reports the last outcome.
   */
  readonly cron?: { readonly schedule: string; readonly suspend?: boolean; readonly timeZone?: string };
  /** Job only: annotations on the Job object (e.g. Argo CD hook annotations). */
  readonly jobAnnotations?: Readonly<Record<string, string>>;
  /** Job only. @default 6 */
  readonly backoffLimit?: number;
  /** @default 1 */
  readonly replicas?: number;
  /** The image's numeric user and group; fsGroup defaults to the group. */
  readonly user: { readonly uid: number; readonly gid: number; readonly fsGroup?: number };
  readonly containers: readonly ContainerSpec<P>[];
  readonly initContainers?: readonly ContainerSpec<P>[];
  /** Extra pod volumes (ConfigMaps, PVCs); emptyDirs for `writable` paths are added automatically. */
  readonly volumes?: readonly k8s.Volume[];
  /** StatefulSet data, retained when the set is scaled down or deleted. */
  readonly claims?: readonly ClaimSpec[];
  /** @default 'OrderedReady' */
  readonly podManagementPolicy?: 'OrderedReady' | 'Parallel';
  /** Service options. A ClusterIP Service `<name>` is created when a port is exposed. */
  readonly service?: {
    readonly type?: 'ClusterIP' | 'LoadBalancer';
    readonly loadBalancerIP?: string;
    readonly externalTrafficPolicy?: 'Cluster' | 'Local';
    readonly annotations?: Readonly<Record<string, string>>;
    /** Also create `<name>-headless` (always for StatefulSets). */
    readonly headless?: boolean;
    /** Name of the headless Service. @default `<name>-headless` */
    readonly headlessName?: string;
  };
  /** RBAC of the workload's ServiceAccount (`<name>`). Pods mount an API token only when this grants something. */
  readonly rules?: readonly ResourceRule[];
  readonly clusterRules?: readonly Rule[];
  readonly rulesIn?: Readonly<Record<string, readonly ResourceRule[]>>;
  /** Mount an API token although no RBAC is granted here (e.g. rights bound elsewhere). @default false */
  readonly apiToken?: boolean;
  readonly vault?: VaultSpec;
  readonly podAnnotations?: Readonly<Record<string, string>>;
  readonly terminationGracePeriodSeconds?: number;
  /** Scrape endpoints: each becomes a Prometheus job and a Prometheus → pod flow. */
  readonly metrics?: readonly (Omit<ScrapeTarget, 'endpoint' | 'job'> & { readonly port: NoInfer<P>; readonly job?: string })[];
  /** Pod labels beyond the recommended ones. */
  readonly extraLabels?: Readonly<Record<string, string>>;
}

const DEFAULT_PROBE: Required<ProbeTiming> = { initialDelaySeconds: 10, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 6 };

export class Workload<P extends string = string> extends Construct {
  readonly name: string;
  readonly namespace: string;
  readonly peer: WorkloadPeer;
  readonly serviceAccountName: string;
  /** Whether its pods mount an API token (RBAC granted here, or `apiToken`): such a workload needs a flow to the API server (StackContext.finalize). */
  readonly mountsApiToken: boolean;
  /** The ClusterIP Service, when a port is exposed. */
  readonly serviceName?: string;
  readonly headlessServiceName?: string;
  readonly replicas: number;
  readonly labels: Record<string, string>;
  /** The props the workload was built from (read by the runbook and the tests). */
  readonly props: WorkloadProps<P>;
  private readonly ports = new Map<string, PortSpec<P>>();

  constructor(
    scope: Construct,
    id: string,
    private readonly ctx: StackContext,
    props: WorkloadProps<P>,
  ) {
    super(scope, id);
    this.name = props.name;
    this.namespace = props.namespace;
    this.peer = workloadPeer(props.namespace, props.name);
    this.serviceAccountName = props.name;
    this.replicas = props.kind === 'DaemonSet' ? ctx.site.nodes.length : props.kind === 'Job' || props.kind === 'CronJob' ? 1 : (props.replicas ?? 1);
    if ((props.kind === 'CronJob') !== (props.cron !== undefined)) throw new Error(`${props.namespace}/${props.name}: a schedule (cron) is given exactly for a CronJob`);
    this.props = props;
    this.labels = { ...appLabels(props), ...(props.extraLabels ?? {}) };
    const selector = selectorLabels(props);
    ctx.net.register(scope, this.peer);
    ctx.addWorkload(this);

    for (const c of props.containers) {
      if (props.kind !== 'Job' && props.kind !== 'CronJob' && (!c.liveness || !c.readiness))
        throw new Error(`${props.namespace}/${props.name}: container ${c.name} needs liveness and readiness probes`);
      for (const p of c.ports ?? []) {
        if (this.ports.has(p.name)) throw new Error(`${props.namespace}/${props.name}: port name ${p.name} is used twice`);
        if (p.name.length > 15) throw new Error(`${props.namespace}/${props.name}: port name ${p.name} is longer than 15 characters`);
        this.ports.set(p.name, p);
      }
      // The kubelet resolves a named probe port among the container's own ports only.
      const own = new Set((c.ports ?? []).map((p) => p.name as string));
      for (const [kind, spec] of [
        ['liveness', c.liveness],
        ['readiness', c.readiness],
        ['startup', c.startup],
      ] as const) {
        const named = spec && 'http' in spec ? spec.http.port : spec && 'tcp' in spec ? spec.tcp.port : undefined;
        if (typeof named === 'string' && !own.has(named))
          throw new Error(
            `${props.namespace}/${props.name}: the ${kind} probe of container ${c.name} names port ${named}, which the container does not declare (has: ${[...own].join(', ') || 'none'})`,
          );
      }
    }

    // Claims are volumeClaimTemplates, which only a StatefulSet has; each must be mounted where the data lives
    // (issue 21: the guide's `mountPath` was never rendered, and claims on a Deployment were dropped silently).
    if (props.claims?.length && props.kind !== 'StatefulSet')
      throw new Error(`${props.namespace}/${props.name}: claims need kind StatefulSet (a ${props.kind} has no volumeClaimTemplates)`);
    for (const claim of props.claims ?? []) {
      if (![...(props.initContainers ?? []), ...props.containers].some((c) => (c.mounts ?? []).some((m) => m.volume === claim.name)))
        throw new Error(`${props.namespace}/${props.name}: claim ${claim.name} is mounted by no container (add mounts: [{ volume: '${claim.name}', path }])`);
    }

    // --- identity -----------------------------------------------------------------------------------------
    const rbac = { rules: props.rules, clusterRules: props.clusterRules, rulesIn: props.rulesIn };
    new ServiceAccountWithRbac(this, 'sa', { name: this.serviceAccountName, namespace: this.namespace, labels: this.labels, ...rbac });
    const mountApiToken = props.apiToken === true || ServiceAccountWithRbac.needsApi(rbac);
    this.mountsApiToken = mountApiToken;

    // --- volumes --------------------------------------------------------------------------------------------
    const volumes: k8s.Volume[] = [...(props.volumes ?? [])];
    const writableVolumes = new Map<string, string>();
    const allContainers = [...(props.initContainers ?? []), ...props.containers];
    for (const c of allContainers) {
      for (const path of c.writable ?? []) {
        if (!writableVolumes.has(path)) {
          const vol = `rw${path.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}`.replace(/-+$/, '').slice(0, 63);
          writableVolumes.set(path, vol);
          volumes.push({ name: vol, emptyDir: {} });
        }
      }
    }
    let annotations: Record<string, string> = { ...(props.podAnnotations ?? {}) };
    if (props.vault) {
      // vault-k8s (annotations.go runAsSameID) runs the agent as containers[0]'s own runAsUser, not the pod's.
      const firstUid = props.containers[0]?.security?.runAsUser ?? props.user.uid;
      annotations = { ...annotations, ...ctx.vault.annotate(props.vault, this.namespace, this.serviceAccountName, firstUid) };
      volumes.push({
        name: VAULT_TOKEN_VOLUME,
        projected: { sources: [{ serviceAccountToken: { path: 'token', expirationSeconds: 3600 } }] },
      });
      ctx.net.allowPorts(this.peer, ctx.vaultPeer, [ctx.vaultPort], `Vault agent of ${this.name} logs in and renders secrets`);
    }
    const exceptions = allContainers.filter((c) => c.security).map((c) => `${c.name}: ${c.security!.reason}`);
    if (exceptions.length > 0) annotations['domus.dev/security-exceptions'] = exceptions.join('; ');

    const container = (c: ContainerSpec, init: boolean): k8s.Container => {
      const s = c.security;
      const mounts: k8s.VolumeMount[] = [
        ...(c.mounts ?? []).map((m) => ({
          name: m.volume,
          mountPath: m.path,
          ...(m.readOnly ? { readOnly: true } : {}),
          ...(m.subPath ? { subPath: m.subPath } : {}),
          ...(m.propagation ? { mountPropagation: m.propagation } : {}),
        })),
        ...(c.writable ?? []).map((p) => ({ name: writableVolumes.get(p)!, mountPath: p })),
      ];
      const env: k8s.EnvVar[] = [
        ...Object.entries(c.env ?? {}).map(([name, value]) => ({ name, value })),
        ...Object.entries(c.envFromField ?? {}).map(([name, fieldPath]) => ({ name, valueFrom: { fieldRef: { fieldPath } } })),
        ...Object.entries(c.envFromSecret ?? {}).map(([name, ref]) => ({ name, valueFrom: { secretKeyRef: { name: ref.secret, key: ref.key } } })),
      ];
      return {
        name: c.name,
        image: c.image,
        imagePullPolicy: 'IfNotPresent',
        ...(c.command ? { command: [...c.command] } : {}),
        ...(c.args ? { args: [...c.args] } : {}),
        ...(env.length ? { env } : {}),
        ...(c.workingDir ? { workingDir: c.workingDir } : {}),
        ...(c.ports?.length ? { ports: c.ports.map((p) => ({ name: p.name, containerPort: p.port, protocol: p.protocol ?? 'TCP' })) } : {}),
        resources: {
          requests: { cpu: k8s.Quantity.fromString(c.resources.requests.cpu), memory: k8s.Quantity.fromString(c.resources.requests.memory) },
          limits: { cpu: k8s.Quantity.fromString(c.resources.limits.cpu), memory: k8s.Quantity.fromString(c.resources.limits.memory) },
        },
        ...(!init && c.liveness ? { livenessProbe: probe(c.liveness) } : {}),
        ...(!init && c.readiness ? { readinessProbe: probe(c.readiness) } : {}),
        ...(!init && c.startup ? { startupProbe: probe(c.startup) } : {}),
        ...(mounts.length ? { volumeMounts: mounts } : {}),
        securityContext: {
          runAsUser: s?.runAsUser ?? props.user.uid,
          runAsGroup: s?.runAsGroup ?? props.user.gid,
          runAsNonRoot: s?.runAsNonRoot ?? true,
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: s?.readOnlyRootFilesystem ?? true,
          privileged: false,
          capabilities: { drop: ['ALL'], ...(s?.addCapabilities?.length ? { add: [...s.addCapabilities] } : {}) },
          seccompProfile: { type: 'RuntimeDefault' },
        },
        terminationMessagePolicy: 'FallbackToLogsOnError',
      };
    };

    const runsAsRoot = allContainers.some((c) => c.security?.runAsNonRoot === false);
    const podSpec: k8s.PodSpec = {
      serviceAccountName: this.serviceAccountName,
      automountServiceAccountToken: mountApiToken,
      enableServiceLinks: false,
      securityContext: {
        ...(runsAsRoot ? {} : { runAsNonRoot: true, runAsUser: props.user.uid, runAsGroup: props.user.gid }),
        fsGroup: props.user.fsGroup ?? props.user.gid,
        fsGroupChangePolicy: 'OnRootMismatch',
        seccompProfile: { type: 'RuntimeDefault' },
      },
      ...(props.terminationGracePeriodSeconds !== undefined ? { terminationGracePeriodSeconds: props.terminationGracePeriodSeconds } : {}),
      ...(props.initContainers?.length ? { initContainers: props.initContainers.map((c) => container(c, true)) } : {}),
      containers: props.containers.map((c) => container(c, false)),
      ...(volumes.length ? { volumes: volumes.sort((a, b) => (a.name < b.name ? -1 : 1)) } : {}),
      ...this.placement(selector, props.kind),
    };
    const template: k8s.PodTemplateSpec = {
      metadata: { labels: this.labels, ...(Object.keys(annotations).length ? { annotations } : {}) },
      spec: podSpec,
    };
    const metadata = { name: this.name, namespace: this.namespace, labels: this.labels };

    // --- controller -------------------------------------------------------------------------------------------
    const headlessName = props.service?.headlessName ?? `${this.name}-headless`;
    if (props.kind === 'Deployment') {
      new k8s.KubeDeployment(this, 'deployment', {
        metadata,
        spec: {
          replicas: this.replicas,
          revisionHistoryLimit: 3,
          selector: { matchLabels: selector },
          // A ReadWriteOnce claim cannot be held by the old and the new pod at once: recreate pods that hold one.
          strategy: props.volumes?.some((v) => v.persistentVolumeClaim)
            ? { type: 'Recreate' }
            : { type: 'RollingUpdate', rollingUpdate: { maxSurge: k8s.IntOrString.fromNumber(1), maxUnavailable: k8s.IntOrString.fromNumber(0) } },
          template,
        },
      });
    } else if (props.kind === 'StatefulSet') {
      new k8s.KubeStatefulSet(this, 'statefulset', {
        metadata,
        spec: {
          replicas: this.replicas,
          revisionHistoryLimit: 3,
          serviceName: headlessName,
          podManagementPolicy: props.podManagementPolicy ?? 'OrderedReady',
          selector: { matchLabels: selector },
          updateStrategy: { type: 'RollingUpdate' },
          persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
          template,
          ...(props.claims?.length
            ? {
                volumeClaimTemplates: props.claims.map((c) => ({
                  metadata: { name: c.name, labels: selector },
                  spec: {
                    accessModes: ['ReadWriteOnce'],
                    storageClassName: ctx.site.storage.storageClass,
                    resources: { requests: { storage: k8s.Quantity.fromString(c.size) } },
                  },
                })),
              }
            : {}),
        },
      });
    } else if (props.kind === 'Job') {
      new k8s.KubeJob(this, 'job', {
        metadata: { ...metadata, ...(props.jobAnnotations ? { annotations: { ...props.jobAnnotations } } : {}) },
        spec: {
          backoffLimit: props.backoffLimit ?? 6,
          template: { ...template, spec: { ...podSpec, restartPolicy: 'OnFailure' } },
        },
      });
    } else if (props.kind === 'CronJob') {
      const cron = props.cron!;
      new k8s.KubeCronJob(this, 'cronjob', {
        metadata,
        spec: {
          schedule: cron.schedule,
          ...(cron.timeZone ? { timeZone: cron.timeZone } : {}),
          ...(cron.suspend ? { suspend: true } : {}),
          concurrencyPolicy: 'Forbid',
          // A run missed by more than an hour (node down) is skipped, not started late on top of the next.
          startingDeadlineSeconds: 3600,
          successfulJobsHistoryLimit: 3,
          failedJobsHistoryLimit: 3,
          jobTemplate: {
            metadata: { labels: this.labels },
            spec: { backoffLimit: props.backoffLimit ?? 2, template: { ...template, spec: { ...podSpec, restartPolicy: 'Never' } } },
          },
        },
      });
    } else {
      new k8s.KubeDaemonSet(this, 'daemonset', {
        metadata,
        spec: {
          revisionHistoryLimit: 3,
          selector: { matchLabels: selector },
          // Surge: the new pod is ready before the old one stops, so a node never goes without (no hostPorts here).
          updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: k8s.IntOrString.fromNumber(1), maxUnavailable: k8s.IntOrString.fromNumber(0) } },
          template,
        },
      });
    }

    // --- services -----------------------------------------------------------------------------------------------
    const exposed = [...this.ports.values()].filter((p) => p.expose !== false);
    const svcPorts = (list: PortSpec[]): k8s.ServicePort[] =>
      list.map((p) => ({ name: p.name, port: p.servicePort ?? p.port, targetPort: k8s.IntOrString.fromString(p.name), protocol: p.protocol ?? 'TCP' }));
    if (exposed.length > 0) {
      this.serviceName = this.name;
      const type = props.service?.type ?? 'ClusterIP';
      new k8s.KubeService(this, 'service', {
        metadata: { ...metadata, ...(props.service?.annotations ? { annotations: { ...props.service.annotations } } : {}) },
        spec: {
          type,
          selector,
          ports: svcPorts(exposed),
          ...(props.service?.loadBalancerIP ? { loadBalancerIP: props.service.loadBalancerIP } : {}),
          ...(type === 'LoadBalancer' ? { externalTrafficPolicy: props.service?.externalTrafficPolicy ?? 'Local' } : {}),
        },
      });
    }
    if (props.kind === 'StatefulSet' || props.service?.headless) {
      this.headlessServiceName = headlessName;
      new k8s.KubeService(this, 'headless', {
        metadata: { ...metadata, name: headlessName },
        spec: {
          clusterIp: 'None',
          selector,
          // Peers must find each other before they are ready (cluster formation).
          publishNotReadyAddresses: true,
          ports: svcPorts([...this.ports.values()]),
        },
      });
    }

    // --- availability ---------------------------------------------------------------------------------------------
    if ((props.kind === 'Deployment' || props.kind === 'StatefulSet') && this.replicas > 1) {
      new k8s.KubePodDisruptionBudget(this, 'pdb', {
        metadata,
        spec: { maxUnavailable: k8s.IntOrString.fromNumber(1), selector: { matchLabels: selector } },
      });
    }

    // --- metrics --------------------------------------------------------------------------------------------------
    for (const m of props.metrics ?? []) {
      const { port, job, ...rest } = m;
      ctx.metrics.declare({ ...rest, job: job ?? this.name, endpoint: this.endpoint(port) });
    }
  }

  private placement(selector: Record<string, string>, kind: WorkloadProps['kind']): Partial<k8s.PodSpec> {
    if (kind === 'DaemonSet' || kind === 'Job' || kind === 'CronJob' || this.replicas <= 1) return {};
    const term: k8s.PodAffinityTerm = { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: selector } };
    const required = this.ctx.site.cluster.antiAffinity === 'required';
    return {
      affinity: {
        podAntiAffinity: required
          ? { requiredDuringSchedulingIgnoredDuringExecution: [term] }
          : { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: term }] },
      },
      topologySpreadConstraints: [
        { maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: required ? 'DoNotSchedule' : 'ScheduleAnyway', labelSelector: { matchLabels: selector } },
      ],
    };
  }

  /** A declared port of this workload, for flows, routes and scrape targets. */
  endpoint(portName: P): Endpoint {
    const p = this.ports.get(portName);
    if (!p) throw new Error(`${this.namespace}/${this.name} has no port named ${portName} (has: ${[...this.ports.keys()].join(', ')})`);
    const port: PortRef = { port: p.port, protocol: p.protocol ?? 'TCP' };
    return {
      peer: this.peer,
      port,
      name: p.name,
      ...(this.serviceName && p.expose !== false ? { service: { name: this.serviceName, port: p.servicePort ?? p.port } } : {}),
    };
  }

  /** This workload may open connections to the endpoints. */
  connect(to: Endpoint | readonly Endpoint[], why: string): void {
    this.ctx.net.allow(this.peer, to, why);
  }

  /** This workload may open connections to a peer without declared endpoints. */
  connectPorts(to: Peer, ports: readonly PortRef[], why: string): void {
    this.ctx.net.allowPorts(this.peer, to, ports, why);
  }

  /** `from` may open connections to this workload's named ports. */
  allowFrom(from: Peer, portNames: readonly P[], why: string): void {
    this.ctx.net.allow(
      from,
      portNames.map((n) => this.endpoint(n)),
      why,
    );
  }

  /** Declared ports by name. */
  get portSpecs(): readonly PortSpec<P>[] {
    return [...this.ports.values()];
  }

  /** In-cluster DNS name of the ClusterIP Service. */
  get serviceHost(): string {
    if (!this.serviceName) throw new Error(`${this.namespace}/${this.name} has no Service`);
    return `${this.serviceName}.${this.namespace}.svc`;
  }
}

function probe(p: ProbeSpec): k8s.Probe {
  const timing = {
    initialDelaySeconds: p.initialDelaySeconds ?? DEFAULT_PROBE.initialDelaySeconds,
    periodSeconds: p.periodSeconds ?? DEFAULT_PROBE.periodSeconds,
    timeoutSeconds: p.timeoutSeconds ?? DEFAULT_PROBE.timeoutSeconds,
    failureThreshold: p.failureThreshold ?? DEFAULT_PROBE.failureThreshold,
  };
  const port = (v: string | number) => (typeof v === 'number' ? k8s.IntOrString.fromNumber(v) : k8s.IntOrString.fromString(v));
  if ('http' in p) return { httpGet: { path: p.http.path, port: port(p.http.port), scheme: p.http.scheme ?? 'HTTP' }, ...timing };
  if ('tcp' in p) return { tcpSocket: { port: port(p.tcp.port) }, ...timing };
  return { exec: { command: [...p.exec.command] }, ...timing };
}
