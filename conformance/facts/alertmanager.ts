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
  metrics: {
    fact: 'alertmanager_notifications_failed_total{integration} counts failed notifications (notify/notify.go, namespace alertmanager)',
    value: ['alertmanager_notifications_failed_total'],
    upstream: 'alertmanager',
    path: 'notify/notify.go',
  },
});
