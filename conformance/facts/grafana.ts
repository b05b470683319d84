/**
 * Grafana 12.3.1 (docker.io/grafana/grafana:12.3.1).
 *
 * No copy of grafana/grafana at the v12.3.1 tag could be obtained (the repository snapshot is 3.2 GB), so each
 * fact names the commit it was read at (`at`) and says why it holds for 12.3.1:
 * - packaging/docker/run.sh at 07754534fbaf is the POSIX-sh rewrite, newer than 12.3.1 (which still ran the
 *   bash version). An older bash copy (7a86cb53b2e1, still `exec grafana-server`) has the same GF_PATHS_*
 *   checks, the same __FILE loop (same grep, same "both set" exit 1) and the same cfg:default.* arguments:
 *   a copy older and a copy newer than 12.3.1 agree, so 12.3.1 behaves the same (only `grafana server` vs
 *   `grafana-server` differs, and the stack passes no command).
 * - the root Dockerfile at 78515af65f03 is from the 12.0 line; USER 472 (GF_UID), GF_GID 0, EXPOSE 3000,
 *   ENTRYPOINT /run.sh and the GF_PATHS_* values have not changed through 12.x.
 * - conf/defaults.ini at d6b850778553 is older (10.x era): the keys the stack writes that exist there have
 *   existed since; the [plugins] preinstall keys are newer and are read in pkg/setting/setting_plugins.go at
 *   0a8a924c187b (a 12.x commit: it has the preinstall list with grafana-advisor-app); [news] and the
 *   absence of __FILE handling in pkg/setting/setting.go, and /api/health in pkg/api/http_server.go, were
 *   read in 12.x-era copies whose commit the index did not name (`at` says so).
 */
import { factTable } from '../upstream';

const RUN_SH = '07754534fbafa7e7e18e7272e552c166f1afae28';
const DEFAULTS_INI = 'd6b8507785537dfee49671e76444b02643d02f53';
const SETTING_PLUGINS = '0a8a924c187bd8d51ce56a9d7fcdd89d28a122ca';
/** Read in the code index without a commit to pin: a 12.x-era copy (has the plugin API restriction settings). */
const UNPINNED = 'an unpinned 12.x-era copy';

export const GRAFANA_FACTS = factTable('grafana', {
  user: {
    fact: 'the image runs as USER 472 (GF_UID) whose primary group is GF_GID 0; the GF_PATHS_* directories are chmod 777',
    value: { uid: 472, gid: 0 },
    upstream: 'grafana-dockerfile',
    path: 'Dockerfile',
  },
  entrypoint: {
    fact: 'ENTRYPOINT is /run.sh (no CMD); it must not be overridden, or the GF_PATHS_* defaults and the __FILE expansion are lost',
    value: '/run.sh',
    upstream: 'grafana-dockerfile',
    path: 'Dockerfile',
  },
  port: {
    fact: 'EXPOSE 3000; [server] http_port defaults to 3000 on all interfaces',
    value: 3000,
    upstream: 'grafana-dockerfile',
    path: 'Dockerfile',
  },
  paths: {
    fact: 'image environment: where run.sh and the server look for the config, data, home, logs, plugins and provisioning',
    value: {
      GF_PATHS_CONFIG: '/etc/grafana/grafana.ini',
      GF_PATHS_DATA: '/var/lib/grafana',
      GF_PATHS_HOME: '/usr/share/grafana',
      GF_PATHS_LOGS: '/var/log/grafana',
      GF_PATHS_PLUGINS: '/var/lib/grafana/plugins',
      GF_PATHS_PROVISIONING: '/etc/grafana/provisioning',
    },
    upstream: 'grafana-dockerfile',
    path: 'Dockerfile',
  },
  startChecks: {
    fact: 'run.sh warns when GF_PATHS_CONFIG is unreadable or GF_PATHS_DATA unwritable, and mkdirs GF_PATHS_PLUGINS (set -e: a failed mkdir stops the container)',
    value: { writable: ['GF_PATHS_DATA'], mkdir: 'GF_PATHS_PLUGINS' },
    upstream: 'grafana-run-sh',
    path: 'packaging/docker/run.sh',
    at: RUN_SH,
  },
  fileEnv: {
    fact: 'run.sh turns every GF_<NAME>__FILE=<path> into GF_<NAME>=$(cat <path>) and exits 1 when GF_<NAME> is set as well; pkg/setting itself has no __FILE support (applyEnvVariableOverrides reads GF_<SECTION>_<KEY> only)',
    value: { pattern: /^GF_[^=]+__FILE$/, suffix: '__FILE' },
    upstream: 'grafana-run-sh',
    path: 'packaging/docker/run.sh',
    at: RUN_SH,
  },
  serverArgs: {
    fact: 'run.sh execs `grafana server --homepath=$GF_PATHS_HOME --config=$GF_PATHS_CONFIG --packaging=docker` with cfg:default.paths.* from GF_PATHS_*; cfg:default.* are defaults, so [paths] in the config file wins',
    value: { config: 'GF_PATHS_CONFIG', defaults: ['log.mode', 'paths.data', 'paths.logs', 'paths.plugins', 'paths.provisioning'] },
    upstream: 'grafana-run-sh',
    path: 'packaging/docker/run.sh',
    at: RUN_SH,
  },
  provisioningDirs: {
    fact: 'the image creates <provisioning>/datasources and <provisioning>/dashboards (and notifiers, plugins, access-control, alerting); provisioning reads the YAML files in them',
    value: ['datasources', 'dashboards'],
    upstream: 'grafana-dockerfile',
    path: 'Dockerfile',
  },
  health: {
    fact: 'GET/HEAD /api/health (apiHealthHandler, checks the database) and /healthz answer on the HTTP port without authentication',
    value: { api: '/api/health', liveness: '/healthz' },
    upstream: 'grafana-dockerfile',
    path: 'pkg/api/http_server.go',
    at: UNPINNED,
  },
  metrics: {
    fact: 'GET /metrics on the HTTP port, on by default ([metrics] enabled = true, no basic auth); grafana_http_request_duration_seconds{handler,status_code,method} (pkg/middleware/request_metrics.go) and grafana_stat_active_users (pkg/infra/metrics/metrics.go)',
    value: { path: '/metrics', names: ['grafana_http_request_duration_seconds', 'grafana_stat_active_users'], histograms: ['grafana_http_request_duration_seconds'] },
    upstream: 'grafana-run-sh',
    path: 'pkg/middleware/request_metrics.go',
    // grafana_stat_active_users: pkg/infra/metrics/metrics.go in unpinned copies (namespace "grafana").
    at: '001f3709aec64917af66d6437a7f7618cda801b6',
  },
  iniKeys: {
    fact: 'keys of conf/defaults.ini (section → keys) that the stack sets in grafana.ini',
    value: {
      server: ['root_url'],
      paths: ['data', 'logs', 'plugins', 'provisioning'],
      log: ['mode'],
      analytics: ['reporting_enabled', 'check_for_updates', 'check_for_plugin_updates', 'feedback_links_enabled'],
      snapshots: ['external_enabled'],
      users: ['allow_sign_up'],
      'auth.anonymous': ['enabled'],
      security: ['cookie_secure', 'disable_gravatar'],
    } as Readonly<Record<string, readonly string[]>>,
    upstream: 'grafana-run-sh',
    path: 'conf/defaults.ini',
    at: DEFAULTS_INI,
  },
  pluginKeys: {
    fact: '[plugins] preinstall_disabled (skips the default preinstall list that Grafana 12 fetches from grafana.com) and public_key_retrieval_disabled are read by readPluginSettings',
    value: { plugins: ['preinstall_disabled', 'public_key_retrieval_disabled'] } as Readonly<Record<string, readonly string[]>>,
    upstream: 'grafana-run-sh',
    path: 'pkg/setting/setting_plugins.go',
    at: SETTING_PLUGINS,
  },
  newsKey: {
    fact: '[news] news_feed_enabled is read into cfg.NewsFeedEnabled (default true)',
    value: { news: ['news_feed_enabled'] } as Readonly<Record<string, readonly string[]>>,
    upstream: 'grafana-run-sh',
    path: 'pkg/setting/setting.go',
    at: UNPINNED,
  },
});

/** Where the stack runs Grafana differently from the image, and why (asserted in test/conformance/grafana.test.ts). */
export const GRAFANA_EXCEPTIONS = {
  gid: 'runs as group 472, not the image group 0: no process of the stack runs with the root group; the paths Grafana writes are emptyDirs owned through fsGroup 472',
} as const;
