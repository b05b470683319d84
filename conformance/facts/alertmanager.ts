/**
 * Alertmanager v0.28.1, read at the tag's commit (not mirrored under ../shared/upstream, so no check): image
 * user and port, flags, health endpoints, the configuration keys the stack writes, and its own metric.
 */
import { factTable } from '../upstream';

export const ALERTMANAGER_FACTS = factTable('alertmanager', {
  image: {
    fact: 'the image runs /bin/alertmanager as USER nobody, EXPOSEs 9093, keeps data in /alertmanager (VOLUME, WORKDIR) and passes --config.file and --storage.path in CMD',
    value: { uid: 65534, port: 9093, storage: '/alertmanager' },
    upstream: 'alertmanager',
    path: 'Dockerfile',
  },
  flags: {
    fact: '--config.file, --storage.path, and --cluster.listen-address (default 0.0.0.0:9094; an empty string disables HA mode); the web listen address defaults to :9093',
    value: { config: '--config.file', storage: '--storage.path', cluster: '--cluster.listen-address', clusterDefault: '0.0.0.0:9094', listen: ':9093' },
    upstream: 'alertmanager',
    path: 'cmd/alertmanager/main.go',
  },
  health: {
    fact: 'GET /-/healthy and /-/ready, and /metrics, on the web port',
    value: { healthy: '/-/healthy', ready: '/-/ready', metrics: '/metrics' },
    upstream: 'alertmanager',
    path: 'ui/web.go',
  },
  webhookUrlFile: {
    fact: 'a webhook_config reads its URL from url_file (one of url or url_file is required)',
    value: 'url_file',
    upstream: 'alertmanager',
    path: 'config/notifiers.go',
  },
  emailKeys: {
    fact: 'an email_config has to, from, smarthost (host:port), auth_username, auth_password_file and require_tls',
    value: ['to', 'from', 'smarthost', 'auth_username', 'auth_password_file', 'require_tls'],
    upstream: 'alertmanager',
    path: 'config/notifiers.go',
  },
  inhibitKeys: {
    fact: 'an inhibit rule has source_matchers, target_matchers and equal',
    value: ['source_matchers', 'target_matchers', 'equal'],
    upstream: 'alertmanager',
    path: 'config/config.go',
  },
  rootRoute: {
    fact: 'the root route must name a default receiver and have no matchers; every receiver a route names must be defined',
    value: { receiver: 'required', matchers: 'none' },
    upstream: 'alertmanager',
    path: 'config/config.go',
  },
  externalUrl: {
    fact: "--web.external-url is the URL links back to Alertmanager are built from (.ExternalURL in templates); --web.route-prefix defaults to that URL's path and prefixes every HTTP endpoint, so a URL with a path needs --web.route-prefix=/ to keep the API and /-/healthy at the root",
    value: { externalUrl: '--web.external-url', routePrefix: '--web.route-prefix', prefixDefault: 'path of --web.external-url' },
    upstream: 'alertmanager',
    path: 'cmd/alertmanager/main.go',
  },
  linkTemplate: {
    fact: 'default.tmpl defines __alertmanagerURL as .ExternalURL + "/#/alerts?receiver=…" (Alertmanager\'s own UI), used by the e-mail and chat templates; user templates (`templates:` globs) are parsed after default.tmpl and email.tmpl, so a file may redefine it',
    value: { name: '__alertmanagerURL', defaults: ['default.tmpl', 'email.tmpl'], key: 'templates' },
    upstream: 'alertmanager',
    path: 'template/template.go',
  },
  emailTls: {
    fact: 'an email_config has tls_config (prometheus/common TLSConfig, v0.61.0: ca_file is a PEM bundle read from disk); the notifier builds its STARTTLS (and implicit TLS) client from it, setting ServerName to the smarthost host when empty',
    value: { key: 'tls_config', caFile: 'ca_file' },
    upstream: 'alertmanager',
    path: 'notify/email/email.go',
  },
  childRoutes: {
    fact: 'a route has routes (children), matchers, receiver, group_wait, group_interval and repeat_interval; group_interval and repeat_interval may not be zero; an alert goes to the first matching child (continue false)',
    value: ['routes', 'matchers', 'receiver', 'group_wait', 'group_interval', 'repeat_interval'],
    upstream: 'alertmanager',
    path: 'config/config.go',
  },
  repeatDedup: {
    fact: 'at each group_interval flush, the dedup stage re-sends an unchanged firing group only if the last notification is older than now − repeat_interval (DedupStage.needsUpdate): a repeat_interval equal to the group_interval skips every other tick',
    value: { resendWhen: 'last send before now - repeat_interval', checkedAt: 'group_interval tick' },
    upstream: 'alertmanager',
    path: 'notify/notify.go',
  },
  metrics: {
    fact: 'alertmanager_notifications_failed_total{integration} counts failed notifications (notify/notify.go, namespace alertmanager)',
    value: ['alertmanager_notifications_failed_total'],
    upstream: 'alertmanager',
    path: 'notify/notify.go',
  },
});
