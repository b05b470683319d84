/**
 * Uptime Kuma 1.23.16, the example of docs/adding-an-app.md's "Real apps" section (not an app of the stack),
 * read at the tag's commit (not mirrored under ../shared/upstream, so no check). The guide's advice for an
 * image that starts as root, for storage and for a scrape behind Basic auth rests on these; the example
 * app of test/scrape-auth.test.ts is built from them.
 */
import { factTable } from '../upstream';

export const KUMA_FACTS = factTable('uptime-kuma', {
  startsAsRoot: {
    fact: 'the release image sets no USER (it runs as root) and starts through ENTRYPOINT dumb-init -- extra/entrypoint.sh, with CMD node server/server.js (docker/debian-base.dockerfile installs dumb-init)',
    value: { entrypoint: ['/usr/bin/dumb-init', '--', 'extra/entrypoint.sh'], cmd: ['node', 'server/server.js'] },
    upstream: 'uptime-kuma',
    path: 'docker/dockerfile',
  },
  entrypointNeedsRoot: {
    fact: 'extra/entrypoint.sh (set -e) chowns /app/data to PUID:PGID (default 0:0) and then execs setpriv --reuid/--regid --clear-groups: both need root, so as a non-root user the entrypoint exits before the server starts; the server itself needs neither',
    value: { chown: '/app/data', dropsPrivilegesWith: 'setpriv' },
    upstream: 'uptime-kuma',
    path: 'extra/entrypoint.sh',
  },
  dataDir: {
    fact: 'the SQLite database and uploads live in DATA_DIR (--data-dir), default ./data/ from WORKDIR /app, i.e. /app/data (the image declares VOLUME /app/data)',
    value: '/app/data',
    upstream: 'uptime-kuma',
    path: 'server/database.js',
  },
  port: {
    fact: 'the server listens on --port, UPTIME_KUMA_PORT or PORT, default 3001 (the image EXPOSEs 3001)',
    value: 3001,
    upstream: 'uptime-kuma',
    path: 'server/config.js',
  },
  metricsAuth: {
    fact: "GET /metrics is behind apiAuth: HTTP Basic auth, where with API keys enabled the password is an API key and the username is ignored (apiAuthorizer), otherwise a Kuma user's login; API-key checks are rate-limited (apiRateLimiter, 60 per minute)",
    value: { path: '/metrics', scheme: 'basic', usernameIgnoredWithApiKeys: true },
    upstream: 'uptime-kuma',
    path: 'server/auth.js',
  },
});
