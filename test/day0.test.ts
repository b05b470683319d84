/**
 * DAY0 as a script (issue 18 #15): DAY0.md is parsed back into its steps and each block is checked the way
 * an operator would run it. bash parses every block; every command that talks to the cluster runs with
 * KUBECONFIG set in its own block; every step says what it prints; no placeholder stands in for a command;
 * the KV values are prompted and never reach an argument or a file; tools are installed (pinned, checksummed)
 * before they are used; the wave list names only the Applications the site deploys.
 */
import { spawnSync } from 'node:child_process';
import { appWaves } from '../charts/apps';
import { VERSIONS } from '../config/versions';
import { day0Steps, kvSecretsOf, withAppSteps } from '../day0/bootstrap';
import type { AppDay0Step } from '../constructs/lib/day0';
import { findAll, synth } from './helpers';
import type { Synthesis } from '../charts/synth';
import { ARGOCD_FACTS as F } from '../conformance/facts/argocd';

interface Block {
  readonly title: string;
  readonly where: string;
  /** Shell lines (notes and expectations removed). */
  readonly commands: string[];
  /** `# →` lines: what the command above prints. */
  readonly expects: string[];
  /** Each command with the expectation that follows it, if any. */
  readonly pairs: { run: string; expect?: string }[];
}

/** The numbered steps of DAY0.md, read back from the Markdown. */
function parseDay0(md: string): Block[] {
  const out: Block[] = [];
  const lines = md.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const head = /^(\d+)\. \*\*(.+?)\*\*(?: \((.+)\))?$/.exec(lines[i]!);
    if (!head) continue;
    const start = lines.findIndex((l, j) => j > i && /^\s+```sh$/.test(l));
    const end = lines.findIndex((l, j) => j > start && /^\s+```$/.test(l));
    const body = lines.slice(start + 1, end).map((l) => l.trim());
    const pairs: { run: string; expect?: string }[] = [];
    for (const l of body) {
      if (l.startsWith('# → ')) pairs[pairs.length - 1] = { ...pairs[pairs.length - 1]!, expect: l.slice(4) };
      else if (!l.startsWith('#')) pairs.push({ run: l });
    }
    out.push({ title: head[2]!, where: head[3] ?? '', commands: pairs.map((p) => p.run), expects: body.filter((l) => l.startsWith('# → ')), pairs });
  }
  return out;
}

const s = synth();
const day0 = s.files.get('bootstrap/DAY0.md')!;
const blocks = parseDay0(day0);

test('DAY0.md reads back as the steps day0Steps declares', () => {
  expect(blocks.map((b) => b.title)).toEqual(day0Steps(s.stack.ctx).map((x) => x.title));
  expect(blocks.length).toBeGreaterThan(10);
});

test('bash parses every block', () => {
  for (const b of blocks) {
    const r = spawnSync('bash', ['-n'], { input: b.commands.join('\n'), encoding: 'utf8' });
    expect({ step: b.title, stderr: r.stderr, status: r.status }).toEqual({ step: b.title, stderr: '', status: 0 });
  }
});

test('every step says what its commands print, and each command that reports something has its expected output', () => {
  for (const b of blocks) expect({ step: b.title, expects: b.expects.length > 0 }).toEqual({ step: b.title, expects: true });
  // Commands whose output is how the operator knows the step worked.
  const reporting =
    /^(kubectl (get|apply|-n \S+ (rollout|get|create|label|delete))|cilium (status|version)|argocd (login|app|repocreds|version|admin)|vault (login|read|kv|version)|helm (show|repo add|version)|sha256sum|grep -c|openssl|getent|git (ls-remote|push|status)|curl .*-w)/;
  const unexplained = blocks.flatMap((b) =>
    b.pairs.filter((p) => reporting.test(p.run.replace(/^\S+ \| /, '').replace(/^read .* \| /, '')) && !p.expect).map((p) => `${b.title}: ${p.run}`),
  );
  expect(unexplained).toEqual([]);
});

test('every command that talks to the cluster runs with KUBECONFIG set in its own block: root on the server, 0600 copy on the workstation', () => {
  const cluster = /(^|[|&;(] *)(kubectl|cilium status|argocd (app|login|admin|repocreds|account))\b/;
  for (const b of blocks) {
    b.commands.forEach((c, i) => {
      if (!cluster.test(c) || /--client\b/.test(c)) return;
      const set = b.commands.slice(0, i).find((x) => x.startsWith('export KUBECONFIG='));
      expect({ step: b.title, command: c, kubeconfig: set !== undefined }).toEqual({ step: b.title, command: c, kubeconfig: true });
      // k3s writes its kubeconfig 0600 (write-kubeconfig-mode): only a root shell reads it on the node.
      if (set === 'export KUBECONFIG=/etc/rancher/k3s/k3s.yaml') expect(b.where).toContain('root shell');
    });
  }
  expect(day0).toContain('chmod 0600 "$HOME/.kube/"domus.yaml');
  const k3s = s.files.get('bootstrap/k3s/config-node-01.yaml')!;
  expect(k3s).toContain('write-kubeconfig-mode: "0600"');
});

test('no placeholder stands in for a command', () => {
  for (const b of blocks)
    for (const c of b.commands) expect({ step: b.title, c, placeholder: /…|\.\.\.|\(the keys|<[a-z-]+>|TODO|FIXME/i.test(c) }).toEqual({ step: b.title, c, placeholder: false });
});

test('the KV values: one prompt per declared key (the list setup.sh prints), sent on stdin, never in argv or a file', () => {
  const kvLines = blocks.flatMap((b) => b.commands.filter((c) => / vault kv (put|patch) /.test(c)));
  const declared = kvSecretsOf(s.stack.ctx).flatMap(([path, keys]) => keys.map((k) => `${path} ${k}`));
  const prompted = kvLines.map((l) => {
    const m = /vault kv (?:put|patch) -mount=\S+ -field=version (\S+) (\S+)=-$/.exec(l);
    expect({ line: l, shape: m !== null }).toEqual({ line: l, shape: true });
    // The value is read at a hidden prompt and piped by printf (a builtin: no process has it in argv).
    expect(l).toMatch(/^read -rs -p .+ v && echo && printf '%s' "\$v" \| vault kv /);
    return `${m![1]} ${m![2]}`;
  });
  expect(prompted).toEqual(declared);
  // Each path starts with put (replacing it), then patches the other keys in.
  for (const [path] of kvSecretsOf(s.stack.ctx)) expect(kvLines.find((l) => l.includes(` ${path} `))).toContain('vault kv put');
  // setup.sh lists the same keys.
  const setup = s.files.get('bootstrap/vault/setup.sh')!;
  for (const [path, keys] of kvSecretsOf(s.stack.ctx)) expect(setup).toContain(`vault kv put kv/${path} ${keys.map((k) => `${k}=...`).join(' ')}`);
});

test('tools are installed, pinned and checksummed, before they are used; the Cilium chart is fetched at the pinned version before it is installed', () => {
  const all = blocks.flatMap((b) => b.commands);
  const at = (re: RegExp) => all.findIndex((c) => re.test(c));
  expect(at(/cilium-cli\/releases\/download\/v0\.16\.24\//)).toBeGreaterThanOrEqual(0);
  expect(at(/sha256sum --check cilium-linux/)).toBeLessThan(at(/-C \/usr\/local\/bin cilium/));
  expect(at(/-C \/usr\/local\/bin cilium/)).toBeLessThan(at(/^cilium status/));
  expect(at(new RegExp(`argo-cd/releases/download/${VERSIONS.argocd}/argocd-linux`))).toBeLessThan(at(/sha256sum --check$/));
  expect(at(/sha256sum --check$/)).toBeLessThan(at(/install -m 0755 argocd-linux/));
  expect(at(/install -m 0755 argocd-linux/)).toBeLessThan(at(/^argocd (login|admin)/));
  expect(at(new RegExp(`^helm pull cilium/cilium --version ${VERSIONS.cilium}$`))).toBeGreaterThanOrEqual(0);
  expect(at(/^helm pull cilium/)).toBeLessThan(at(new RegExp(`scp .*cilium-${VERSIONS.cilium}\\.tgz`)));
  expect(at(new RegExp(`scp .*cilium-${VERSIONS.cilium}\\.tgz`))).toBeLessThan(
    at(new RegExp(`^install -m 0644 cilium-${VERSIONS.cilium}\\.tgz /var/lib/rancher/k3s/server/static/charts/`)),
  );
  // Logged in before anything asks the API server of Argo CD; the repository pushed before the root app.
  expect(at(/^argocd login --username admin/)).toBeLessThan(at(/^argocd repocreds list/));
  expect(at(/^argocd login \S+ --grpc-web/)).toBeLessThan(at(/^argocd app wait -l/));
  expect(at(/^git push \S+ HEAD:refs\/heads\//)).toBeLessThan(at(/dist\/apps\/apps\.yaml/));
});

test('every file a command names exists in dist/ (workstation paths) or in the copied bootstrap folder (server paths)', () => {
  for (const b of blocks) {
    for (const c of b.commands) {
      for (const m of c.matchAll(/(?:^|\s)dist\/([\w./-]+)/g)) {
        const p = m[1]!.replace(/\/$/, '');
        expect({ step: b.title, path: p, exists: [...s.files.keys()].some((f) => f === p || f.startsWith(`${p}/`)) }).toEqual({ step: b.title, path: p, exists: true });
      }
      if (!b.where.includes('root shell')) continue;
      for (const m of c.matchAll(/install -m 0\d{3} ((?:k3s|sysctl|manifests)\/[\w./-]+)/g)) expect(s.files.has(`bootstrap/${m[1]}`)).toBe(true);
    }
  }
});

test('the DNS and CA-trust steps come before the login through Traefik', () => {
  const titles = blocks.map((b) => b.title);
  const idx = (re: RegExp) => titles.findIndex((t) => re.test(t));
  expect(idx(/^Point \*\./)).toBeGreaterThan(idx(/root Application/));
  expect(idx(/^Trust the stack's CA/)).toBeGreaterThan(idx(/^Point \*\./));
  expect(idx(/through Traefik/)).toBeGreaterThan(idx(/^Trust the stack's CA/));
});

/** The wave note of a DAY0: `w:name` pairs. */
const waveList = (md: string) =>
  /waves of the root \(ADR-0023\): (.+)$/m
    .exec(md)![1]!
    .split(' → ')
    .map((x) => x.slice(x.indexOf(':') + 1));

test('the wave list names exactly the Applications of the site, disabled apps absent', () => {
  const same = (x: Synthesis) => {
    const names = findAllIn(x).sort();
    expect(waveList(x.files.get('bootstrap/DAY0.md')!).sort()).toEqual(names.filter((n) => n !== 'root'));
  };
  same(s);
  const lean = synth({ workloads: { wazuh: { enabled: false }, traefik: { enabled: false } } });
  same(lean);
  const lw = waveList(lean.files.get('bootstrap/DAY0.md')!);
  expect(lw).not.toContain('security');
  expect(lw).not.toContain('traefik-crds');
  expect(lw).not.toContain('ingress');
  // Without Traefik nothing is published: no DNS or CA-trust step, the CLI stays on the port-forward.
  const leanDay0 = lean.files.get('bootstrap/DAY0.md')!;
  expect(leanDay0).not.toContain('Point *.');
  expect(leanDay0).not.toContain('--grpc-web');
  // The list follows the root's waves (the same function renders both).
  expect(waveList(day0)).toEqual(
    Object.entries(appWaves(s.stack.ctx.apps))
      .sort(([a, x], [b, y]) => x - y || (a < b ? -1 : 1))
      .map(([n]) => n),
  );
});

function findAllIn(x: Synthesis): string[] {
  return x === s
    ? findAll('Application').map((a) => a.metadata.name)
    : x.charts
        .flatMap((c) => [...c.objects])
        .filter((o) => o.kind === 'Application')
        .map((o) => o.metadata.name);
}

test("an app's own DAY0 step follows the core step it names; an unknown anchor is refused", () => {
  const core = day0Steps(s.stack.ctx);
  const receiver: AppDay0Step = {
    id: 'receiver',
    title: 'Check an alert reaches you',
    where: 'workstation',
    after: 'root',
    commands: [{ run: 'true', expect: 'nothing' }],
    done: 'a test alert arrived',
  };
  const ids = withAppSteps(core, [receiver]).map((x) => x.id);
  expect(ids.indexOf('receiver')).toBe(ids.indexOf('root') + 1);
  expect(() => withAppSteps(core, [{ ...receiver, after: 'nope' }])).toThrow(/follows nope, which is not a step of DAY0/);
});

test('the CLI commands use what the pinned CLIs define (conformance/facts/argocd.ts)', () => {
  const all = blocks.flatMap((b) => b.commands).join('\n');
  expect(all).toContain(`/${F.cliReleaseAssets.value.checksums}`);
  expect(all).toContain(`/${F.cliReleaseAssets.value.binary}"$ARCH"`);
  expect(all).toContain(`/${F.ciliumCliAssets.value.archive}"$ARCH".tar.gz{,.sha256sum}`);
  const opts = /export ARGOCD_OPTS='([^']+)'/
    .exec(all)![1]!
    .split(' ')
    .filter((x) => x.startsWith('--'));
  for (const o of opts) expect(F.cliFlags.value).toContain(o);
  for (const l of all.split('\n').filter((x) => x.startsWith('argocd app wait')))
    for (const f of l.split(' ').filter((x) => x.startsWith('--'))) expect(F.cliAppWait.value).toContain(f);
  expect(day0).toContain(F.ciliumCliOutput.value.version);
  for (const l of all.split('\n').filter((x) => / vault kv /.test(x))) expect(l.endsWith('=-')).toBe(true);
});

test('argocd-secret exists, empty and labelled as upstream ships it, before argocd-server first starts (conformance/facts/argocd.ts argocdSecret)', () => {
  // Fails on the old DAY0: nothing created argocd-secret, and argocd-server v2.14.21 exits without it.
  const all = blocks.flatMap((b) => b.commands);
  const at = (re: RegExp) => all.findIndex((c) => re.test(c));
  const ns = s.stack.ctx.site.namespaces.argocd;
  const create = at(new RegExp(`^kubectl -n ${ns} create secret generic ${F.argocdSecret.value.name}$`));
  expect(create).toBeGreaterThanOrEqual(0);
  expect(create).toBeLessThan(at(/^kubectl apply --server-side -f dist\/argocd\/$/));
  expect(all[create + 1]).toBe(
    `kubectl -n ${ns} label secret ${F.argocdSecret.value.name} app.kubernetes.io/name=argocd-secret app.kubernetes.io/part-of=${F.argocdSecret.value.partOf}`,
  );
  // Never with data: the server writes server.secretkey itself, and no key may pass through DAY0.
  expect(F.argocdSecret.value.hasData).toBe(false);
});
