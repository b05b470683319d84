/**
 * The log agent (Grafana Alloy v1.18.1) against upstream facts (conformance/facts/alloy.ts) and its host access:
 * the image's entrypoint and flags, probes on the HTTP service it serves, root only to read root-owned files
 * (every capability dropped, every host folder read-only), pod discovery with list/watch on pods and nothing
 * else, and the only flows out are Loki's push API and the API server. The verify mutations show a careless
 * edit of the agent's host access, namespace or Loki's isolation fails `npm run verify` with a clear message.
 */
import { ALLOY_FACTS as F } from '../../conformance/facts/alloy';
import { LOKI_FACTS } from '../../conformance/facts/loki';
import { ALLOY_IMAGE, HOST_MACHINE_ID, alloyConfig, hostLogPaths } from '../../constructs/log-agent';
import { validateSite } from '../../config/load';
import { peerKey } from '../../constructs/lib/network';
import { runChecks } from '../../verify/cli';
import { ProbedContainer, findResource, podTemplate, rulesOf, synth } from '../helpers';
import { cachedSynthesis } from '../synth-cache';
import { siteContext } from '../verify/site-context';

type Container = ProbedContainer;
const pod = () => podTemplate('DaemonSet', 'alloy', 'log-agent');
const alloy = () => pod().spec.containers[0] as Container;

test('the image entrypoint with `run`, our config, and the flags alloy run knows', () => {
  const c = alloy();
  expect(c.image).toBe(`${ALLOY_IMAGE.repository}:${ALLOY_IMAGE.tag}`);
  expect(c.command).toBeUndefined();
  expect(c.args![0]).toBe(F.entrypoint.value.subcommand);
  const flags = c.args!.filter((a) => a.startsWith('--')).map((a) => a.split('=')[0]);
  expect(flags.filter((f) => f !== F.flags.value.listenAddrFlag && !F.flags.value.others.includes(f!))).toEqual([]);
  expect(c.args).toContain(`--storage.path=${F.entrypoint.value.storagePath}`);
  // Upstream listens on loopback: the kubelet and Prometheus need the pod address.
  expect(c.args).toContain('--server.http.listen-addr=0.0.0.0:12345');
  expect([c.readinessProbe?.httpGet?.path, c.livenessProbe?.httpGet?.path]).toEqual([F.probes.value.ready, F.probes.value.healthy]);
});

test('root to read root-owned log files, and nothing more: no capability, read-only host folders and root filesystem', () => {
  const c = alloy();
  const sc = c.securityContext as Record<string, unknown>;
  expect(sc).toMatchObject({
    runAsUser: 0,
    runAsNonRoot: false,
    allowPrivilegeEscalation: false,
    privileged: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ['ALL'] },
  });
  expect((sc.capabilities as { add?: string[] }).add).toBeUndefined();
  const spec = pod().spec as { hostNetwork?: boolean; hostPID?: boolean; volumes?: { name: string; hostPath?: { path: string } }[] };
  expect([spec.hostNetwork, spec.hostPID]).toEqual([undefined, undefined]);
  // The host folders, plus the host's machine ID (a single file, see the journal test below).
  const hostVols = (spec.volumes ?? []).filter((v) => v.hostPath && v.hostPath.path !== HOST_MACHINE_ID);
  expect(hostVols.map((v) => v.hostPath!.path).sort()).toEqual(
    hostLogPaths()
      .map((h) => h.path)
      .sort(),
  );
  // Issue 18, item 14: the parents of both journal folders (present on every systemd host), not /var/log/journal
  // itself (absent with a volatile journal: a `type: Directory` volume there kept the pod from starting).
  expect(hostVols.map((v) => v.hostPath!.path).sort()).toEqual(['/run/log', '/var/log']);
  expect(F.journalFolders.value.always).toBe('/run/log/journal');
  // Type Directory: the kubelet never creates a folder on the node (journald would start persisting to it).
  for (const v of hostVols) expect((v.hostPath as { type?: string }).type).toBe('Directory');
  for (const v of hostVols) expect(c.volumeMounts!.find((m) => m.name === v.name)).toMatchObject({ mountPath: v.hostPath!.path, readOnly: true });
  // The journal source has no path: libsystemd opens both standard folders, each inside a mount, and skips a missing one.
  const cfg = alloyConfig(validateSite({}, 'test'));
  const journal = /loki\.source\.journal "node" \{([^}]*)\}/.exec(cfg)![1]!;
  expect(journal).not.toMatch(/\bpath\s*=/);
  for (const folder of F.journalDefault.value) expect(hostVols.some((v) => folder.startsWith(`${v.hostPath!.path}/`))).toBe(true);
  expect([...F.journalDefault.value].sort()).toEqual(['/run/log/journal', '/var/log/journal']);
  // Pod logs are read under the /var/log mount.
  expect(cfg).toContain('"/var/log/pods/*$1/*.log"');
  expect(hostVols.some((v) => '/var/log/pods'.startsWith(`${v.hostPath!.path}/`))).toBe(true);
  // The old site setting is gone (a site naming it is told, not silently ignored).
  expect(() => validateSite({ workloads: { logAgent: { journal: '/run/log/journal' } } } as never, 'test')).toThrow(/journal/);
  const ns = findResource('Namespace', 'log-agent');
  expect(ns.metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('privileged');
  expect(ns.metadata.annotations?.['domus.dev/pod-security-reason']).toMatch(/hostPath/);
});

test('the persistent journal is read: the host machine ID is mounted where libsystemd looks for it (independent review, issue 18)', () => {
  // Without a path the source opens the journal LOCAL_ONLY (go-systemd NewJournal); libsystemd then reads
  // /var/log/journal/<id> only when <id> is the machine ID of /etc/machine-id in the container, and the
  // image has none of the host's: every host with a persistent journal would ship no journal line at all.
  expect(F.journalLocalOnly.value).toEqual({ flag: 'SD_JOURNAL_LOCAL_ONLY', machineIdFile: '/etc/machine-id', exemptPrefix: '/run' });
  const c = alloy();
  const spec = pod().spec as { volumes?: { name: string; hostPath?: { path: string; type?: string } }[] };
  const vol = (spec.volumes ?? []).find((v) => v.hostPath?.path === F.journalLocalOnly.value.machineIdFile);
  expect(vol?.hostPath?.type).toBe('File');
  expect(c.volumeMounts!.find((m) => m.name === vol!.name)).toMatchObject({ mountPath: F.journalLocalOnly.value.machineIdFile, readOnly: true });
  // Only while the journal source is there.
  expect(alloyConfig(validateSite({}, 'test'))).toContain('loki.source.journal "node"');
});

test('RBAC: list and watch pods cluster-wide (the field selector narrows to its node), nothing else', () => {
  const role = findResource('ClusterRole', 'log-agent-alloy');
  expect(rulesOf(role)).toEqual([{ apiGroups: [''], resources: ['pods'], verbs: ['list', 'watch'] }]);
  expect(alloyConfig(validateSite({}, 'test'))).toContain('field = "spec.nodeName=" + sys.env("NODE_NAME")');
});

test('ships to the push API of Loki, labels from the pod, path from the kubelet layout', () => {
  const cfg = alloyConfig(validateSite({}, 'test'));
  expect(cfg).toContain(`url = "http://loki.monitoring.svc:${LOKI_FACTS.ports.value.http}${LOKI_FACTS.pushPath.value}"`);
  expect(cfg).toContain(`target_label  = "${F.filePathLabel.value}"`);
  expect(cfg).toContain('replacement   = "/var/log/pods/*$1/*.log"');
  // A cluster name is a DNS label; it is still quoted as an Alloy string.
  expect(cfg).toContain('external_labels = { cluster = "domus" }');
});

test('flows out: Loki 3100 and the API server only', () => {
  const out = synth()
    .stack.ctx.net.effectiveFlows()
    .filter((f) => peerKey(f.from) === 'workload:log-agent/alloy')
    .map((f) => `${peerKey(f.to)}:${f.port.port}`)
    .sort();
  expect(out).toEqual(['entity:kube-apiserver:6443', 'workload:monitoring/loki:3100']);
});

test('without Loki there is no agent (nowhere to ship)', () => {
  expect(() => findResource('DaemonSet', 'alloy', 'log-agent', synth({ workloads: { loki: { enabled: false } } }))).toThrow();
});

describe('verify catches careless edits of the logging stack', () => {
  const site = validateSite({}, 'test');
  const s = cachedSynthesis(site);
  const errors = (mutate: (ctx: ReturnType<typeof siteContext>) => void) => {
    const ctx = siteContext(site, s.files);
    mutate(ctx);
    return runChecks(ctx, { maxShare: 0.8 })
      .findings.filter((f) => f.severity === 'error')
      .map((f) => `${f.check}: ${f.message}`);
  };
  const doc = (ctx: ReturnType<typeof siteContext>, kind: string, name: string) => ctx.docs.find((d) => d.obj.kind === kind && d.obj.metadata.name === name)!.obj;
  type PodObj = {
    spec: { template: { spec: { containers: { volumeMounts: { name: string; readOnly?: boolean }[]; securityContext: Record<string, unknown> }[]; hostNetwork?: boolean } } };
  };

  test('as shipped: no error', () => {
    expect(errors(() => undefined)).toEqual([]);
  });
  test('a host folder mounted writable', () => {
    const found = errors((ctx) => {
      const m = (doc(ctx, 'DaemonSet', 'alloy') as unknown as PodObj).spec.template.spec.containers[0]!.volumeMounts.find((v) => v.name === 'var-log')!;
      delete m.readOnly;
    });
    expect(found).toContainEqual(
      expect.stringContaining('pod-security: privileged namespace: alloy: hostPath volume var-log is mounted writable at /var/log (host access must be read-only)'),
    );
  });
  test('the agent made a privileged container, or put on the host network', () => {
    const found = errors((ctx) => {
      const p = (doc(ctx, 'DaemonSet', 'alloy') as unknown as PodObj).spec.template.spec;
      p.containers[0]!.securityContext.privileged = true;
      p.hostNetwork = true;
    });
    expect(found).toContainEqual(expect.stringContaining('pod-security: privileged namespace: alloy: privileged'));
    expect(found).toContainEqual(expect.stringContaining('pod-security: privileged namespace: hostNetwork is true'));
  });
  test('the privileged namespace without its written reason', () => {
    const found = errors((ctx) => {
      delete doc(ctx, 'Namespace', 'log-agent').metadata.annotations!['domus.dev/pod-security-reason'];
    });
    expect(found).toContainEqual(expect.stringContaining('enforces privileged without a written reason'));
  });
  test('Loki opened to the world', () => {
    const found = errors((ctx) => {
      const cnp = ctx.docs.find((d) => d.obj.kind === 'CiliumNetworkPolicy' && d.obj.metadata.namespace === 'monitoring' && d.obj.metadata.name === 'loki')!;
      (cnp.obj.spec as { ingress: unknown[] }).ingress.push({ fromEntities: ['world'], toPorts: [{ ports: [{ port: '3100', protocol: 'TCP' }] }] });
    });
    expect(found).toContainEqual(expect.stringMatching(/^network: must-deny flow is allowed: world → monitoring\/loki:3100 \(Loki has no auth/));
  });
});
