/**
 * The "Something is wrong" section of the runbook (docs/runbook.md, dist/bootstrap/RUNBOOK.md): from the alert
 * that fired to the log line that explains it (LogQL in Grafana Explore, or logcli) or to the flow Cilium
 * dropped (hubble observe --verdict DROPPED). Built from the deployed workloads and the apps' alert rules, so
 * every namespace, label and name is the site's. Log stream labels are the ones the log agent sets
 * (constructs/log-agent.ts): namespace, pod, container, app (app.kubernetes.io/name), node; the journal is
 * job="node-journal" with unit.
 */
import type { StackContext } from '../constructs/lib/context';
import type { Workload } from '../constructs/lib/workload';

const ERRORS = '|~ "(?i)(error|fail|panic|denied|refused|timeout)"';

/** Whether the stack ships logs somewhere Grafana can query (an app serves a Loki datasource). */
function hasLogs(ctx: StackContext): boolean {
  return ctx.apps.some((a) => (a.datasources?.(ctx.site) ?? []).some((d) => d.type === 'loki'));
}

function workloadRow(w: Workload, logs: boolean, servesLogs: boolean): string[] {
  const ns = w.namespace;
  const sel = `app.kubernetes.io/name=${w.name}`;
  const stream = `{namespace="${ns}", app="${w.name}"}`;
  const vault = w.props.vault !== undefined;
  return [
    `### ${w.name} (${ns})`,
    '',
    '```sh',
    ...(servesLogs ? ['# It stores the logs: while it is down they cannot be queried, so kubectl logs comes first.'] : []),
    ...(logs
      ? [
          `# Log lines (Grafana → Explore → Loki, or logcli against a port-forwarded Loki):`,
          `#   ${stream} ${ERRORS}`,
          `logcli query --since=1h --limit=200 '${stream} ${ERRORS}'`,
          ...(vault ? [`logcli query --since=1h '{namespace="${ns}", app="${w.name}", container="vault-agent"}'  # secrets not rendered?`] : []),
        ]
      : []),
    `kubectl -n ${ns} logs -l ${sel} --all-containers --tail=200 --prefix`,
    `# Dropped flows, to or from it (a missing declaration in constructs/, or a must-deny doing its job):`,
    `hubble observe --namespace ${ns} --label ${sel} --verdict DROPPED --last 50`,
    '```',
    '',
  ];
}

export function renderTriage(ctx: StackContext): string[] {
  const logs = hasLogs(ctx);
  const logServers = new Set(
    ctx.apps.flatMap((a) => (a.datasources?.(ctx.site) ?? []).map((d) => (d.endpoint.peer.kind === 'workload' ? `${d.endpoint.peer.namespace}/${d.endpoint.peer.name}` : ''))),
  );
  const appAlerts = ctx.apps.flatMap((a) => (a.alerts?.(ctx.site) ?? []).map((r) => ({ app: a, rule: r })));
  return [
    '## Something is wrong: from the alert to the log line or the dropped flow',
    '',
    `1. **The alert.** Prometheus → Alerts (\`https://${ctx.host('prometheus')}/alerts\`): its labels say where to look — \`namespace\` + \`workload\` (or \`job\`, which is the workload name) → that workload below; \`pod\`/\`container\` → the same, narrowed to the pod; \`node\`/\`device\` → the node journal; \`CiliumPolicyDrops\` → step 3 directly.`,
    logs
      ? '2. **The log line.** Grafana → Explore → datasource Loki, or `logcli` (`kubectl -n ' +
        `${ctx.site.namespaces.monitoring} port-forward svc/loki 3100:3100 & export LOKI_ADDR=http://127.0.0.1:3100\`). Narrow to the alert's labels, e.g. \`{namespace="<ns>", pod="<pod>", container="<container>"} |~ "(?i)error"\`. ` +
        'A crash loop: the last lines before each restart are in Loki even when `kubectl logs --previous` has rotated. The node: `{job="node-journal", unit="k3s.service"}` (k3s runs the kubelet and containerd in that one unit). ' +
        'If Loki or the agent is the one alerting, fall back to `kubectl logs` (the queries below still show what was shipped before).'
      : '2. **The log line.** No log stack is deployed (workloads.loki disabled): `kubectl logs` below, `journalctl -u k3s` on the node.',
    '3. **The dropped flow.** `hubble observe --verdict DROPPED --last 100` shows what Cilium denied, with source, destination, port and policy; a flow the stack needs but never declared appears here. Declare it in the app file (`workload.connect(...)`), never by hand in dist/.',
    '',
    ...(appAlerts.length
      ? [
          'Alerts the apps declare, and where they point:',
          '',
          '| Alert | App | Namespace | First look |',
          '| --- | --- | --- | --- |',
          ...appAlerts.map(
            ({ app, rule }) =>
              `| ${rule.alert} | ${app.key} | ${ctx.namespaces.find((n) => n.key === app.namespace.key)?.name ?? app.namespace.key} | ${
                logs ? `\`{namespace="${ctx.namespaces.find((n) => n.key === app.namespace.key)?.name ?? app.namespace.key}"} ${ERRORS.replace(/\|/g, '\\|')}\`` : '`kubectl logs`'
              } |`,
          ),
          '',
        ]
      : []),
    ...ctx.workloads.flatMap((w) => workloadRow(w, logs, logServers.has(`${w.namespace}/${w.name}`))),
  ];
}
