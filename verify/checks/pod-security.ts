/**
 * Pod Security: each pod template against the level its namespace enforces (`restricted` when the namespace
 * is not in dist or has no label), field by field, per the Pod Security Standards v1.28.
 */
import { podSpecOf, Container, PodSpec } from '../load';
import { Context, Finding, finding } from '../types';

type Level = 'privileged' | 'baseline' | 'restricted';
const BASELINE_CAPS = new Set([
  'AUDIT_WRITE',
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'FSETID',
  'KILL',
  'MKNOD',
  'NET_BIND_SERVICE',
  'SETFCAP',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYS_CHROOT',
]);
const SAFE_SYSCTLS = new Set([
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_local_reserved_ports',
]);
const RESTRICTED_VOLUMES = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'];

/** Violations of `level` (empty when the pod passes). */
export function podSecurityViolations(spec: PodSpec, annotations: Record<string, string>, level: Level): string[] {
  if (level === 'privileged') return hostReadOnlyViolations(spec, annotations);
  const v: string[] = [];
  const all: Container[] = [...spec.containers, ...(spec.initContainers ?? []), ...(spec.ephemeralContainers ?? [])];
  // baseline
  if (spec.hostNetwork) v.push('hostNetwork is true');
  if (spec.hostPID) v.push('hostPID is true');
  if (spec.hostIPC) v.push('hostIPC is true');
  if (spec.securityContext?.windowsOptions?.hostProcess) v.push('hostProcess');
  for (const vol of spec.volumes ?? []) if ('hostPath' in vol) v.push(`volume ${vol.name} is a hostPath`);
  for (const s of spec.securityContext?.sysctls ?? []) if (!SAFE_SYSCTLS.has(s.name)) v.push(`sysctl ${s.name} is not in the safe set`);
  if (spec.securityContext?.seccompProfile?.type === 'Unconfined') v.push('pod seccompProfile is Unconfined');
  for (const [k, val] of Object.entries(annotations)) if (k.startsWith('container.apparmor.security.beta.kubernetes.io/') && val === 'unconfined') v.push(`${k} is unconfined`);
  for (const c of all) {
    const sc = c.securityContext ?? {};
    if (sc.privileged) v.push(`${c.name}: privileged`);
    for (const cap of sc.capabilities?.add ?? []) if (!BASELINE_CAPS.has(cap)) v.push(`${c.name}: adds capability ${cap}`);
    for (const p of c.ports ?? []) if (p.hostPort) v.push(`${c.name}: hostPort ${p.hostPort}`);
    if (sc.procMount && sc.procMount !== 'Default') v.push(`${c.name}: procMount ${sc.procMount}`);
    if (sc.seccompProfile?.type === 'Unconfined') v.push(`${c.name}: seccompProfile Unconfined`);
    const se = sc.seLinuxOptions;
    if (se && ((se.type && !['container_t', 'container_init_t', 'container_kvm_t'].includes(se.type)) || se.user || se.role)) v.push(`${c.name}: seLinuxOptions`);
  }
  if (level === 'baseline') return v;
  // restricted
  for (const vol of spec.volumes ?? []) if (!RESTRICTED_VOLUMES.some((t) => t in vol)) v.push(`volume ${vol.name} has a type restricted forbids`);
  const podNonRoot = spec.securityContext?.runAsNonRoot === true;
  const podSeccomp = ['RuntimeDefault', 'Localhost'].includes(spec.securityContext?.seccompProfile?.type ?? '');
  if (spec.securityContext?.runAsUser === 0) v.push('pod runAsUser is 0');
  for (const c of all) {
    const sc = c.securityContext ?? {};
    if (sc.allowPrivilegeEscalation !== false) v.push(`${c.name}: allowPrivilegeEscalation must be false`);
    if (!(sc.runAsNonRoot === true || (podNonRoot && sc.runAsNonRoot !== false))) v.push(`${c.name}: runAsNonRoot must be true`);
    if (sc.runAsUser === 0) v.push(`${c.name}: runAsUser is 0`);
    if (!(podSeccomp || ['RuntimeDefault', 'Localhost'].includes(sc.seccompProfile?.type ?? ''))) v.push(`${c.name}: seccompProfile must be RuntimeDefault or Localhost`);
    if (!(sc.capabilities?.drop ?? []).includes('ALL')) v.push(`${c.name}: capabilities must drop ALL`);
    for (const cap of sc.capabilities?.add ?? []) if (cap !== 'NET_BIND_SERVICE') v.push(`${c.name}: restricted allows adding only NET_BIND_SERVICE, not ${cap}`);
  }
  return v;
}

export function checkPodSecurity(ctx: Context): Finding[] {
  const levels = new Map<string, Level>();
  for (const d of ctx.docs)
    if (d.obj.kind === 'Namespace') levels.set(d.obj.metadata.name, (d.obj.metadata.labels?.['pod-security.kubernetes.io/enforce'] as Level | undefined) ?? 'restricted');
  const out: Finding[] = [];
  for (const d of ctx.docs) {
    const t = podSpecOf(d.obj);
    if (!t) continue;
    const level = levels.get(d.obj.metadata.namespace ?? '') ?? 'restricted';
    // In a `privileged` namespace the API server admits anything: the stack's own bound applies (hostReadOnlyViolations).
    const prefix = level === 'privileged' ? 'privileged namespace' : level;
    for (const msg of podSecurityViolations(t.spec, t.metadata?.annotations ?? {}, level)) out.push(finding('pod-security', 'error', `${prefix}: ${msg}`, d));
  }
  out.push(...sharedClaimFindings(ctx));
  return out;
}

/**
 * A pod that mounts a claim of a StatefulSet it does not belong to (a backup mover, a restore Job) shares the
 * app's files: its fsGroup must be the app's, or the kubelet re-groups the volume (fsGroupChangePolicy
 * OnRootMismatch changes every file once the root's group differs) and the app may lose access to its own data;
 * and only a suspended CronJob (a restore the operator starts with the app stopped) may mount it writable.
 */
export function sharedClaimFindings(ctx: Context): Finding[] {
  const owners = new Map<string, { set: string; fsGroup?: number }>();
  for (const d of ctx.docs) {
    if (d.obj.kind !== 'StatefulSet') continue;
    const spec = d.obj.spec as { replicas?: number; volumeClaimTemplates?: { metadata: { name: string } }[] };
    const fsGroup = podSpecOf(d.obj)?.spec.securityContext?.fsGroup;
    for (const t of spec.volumeClaimTemplates ?? [])
      for (let i = 0; i < (spec.replicas ?? 1); i++)
        owners.set(`${d.obj.metadata.namespace}/${t.metadata.name}-${d.obj.metadata.name}-${i}`, { set: d.obj.metadata.name, ...(fsGroup !== undefined ? { fsGroup } : {}) });
  }
  const out: Finding[] = [];
  for (const d of ctx.docs) {
    if (d.obj.kind === 'StatefulSet') continue;
    const t = podSpecOf(d.obj);
    if (!t) continue;
    const suspended = d.obj.kind === 'CronJob' && (d.obj.spec as { suspend?: boolean }).suspend === true;
    for (const vol of (t.spec.volumes ?? []) as { name: string; persistentVolumeClaim?: { claimName: string; readOnly?: boolean } }[]) {
      const claim = vol.persistentVolumeClaim?.claimName;
      const owner = claim === undefined ? undefined : owners.get(`${d.obj.metadata.namespace}/${claim}`);
      if (!owner) continue;
      const fsGroup = t.spec.securityContext?.fsGroup;
      if (fsGroup !== owner.fsGroup)
        out.push(
          finding(
            'pod-security',
            'error',
            `mounts ${claim} of StatefulSet ${owner.set} with fsGroup ${fsGroup ?? 'unset'}, not the app's ${owner.fsGroup ?? 'unset'}: the kubelet would re-group the app's files`,
            d,
          ),
        );
      const writable = [...t.spec.containers, ...(t.spec.initContainers ?? [])].some((c) => (c.volumeMounts ?? []).some((m) => m.name === vol.name && m.readOnly !== true));
      if (!suspended && writable)
        out.push(finding('pod-security', 'error', `mounts ${claim} of StatefulSet ${owner.set} writable while the app runs (only a suspended restore CronJob may)`, d));
    }
  }
  return out;
}

/**
 * What the stack allows in a namespace that enforces `privileged` (host agents: the log agent, node-exporter):
 * `baseline` except hostPath volumes, each mounted read-only by every container: no privileged container, no
 * host network, PID or IPC, no capability beyond baseline. The API server would admit anything there, so this
 * check is the only bound.
 */
export function hostReadOnlyViolations(spec: PodSpec, annotations: Record<string, string>): string[] {
  const hostPaths = new Set((spec.volumes ?? []).filter((v) => 'hostPath' in v).map((v) => v.name));
  const v = podSecurityViolations(spec, annotations, 'baseline').filter((m) => !/^volume .* is a hostPath$/.test(m));
  for (const c of [...spec.containers, ...(spec.initContainers ?? [])])
    for (const m of c.volumeMounts ?? [])
      if (hostPaths.has(m.name) && m.readOnly !== true) v.push(`${c.name}: hostPath volume ${m.name} is mounted writable at ${m.mountPath} (host access must be read-only)`);
  return v;
}
