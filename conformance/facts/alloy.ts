/**
 * Grafana Alloy v1.18.1 (docker.io/grafana/alloy:v1.18.1), read in grafana/alloy at the tag v1.18.1 (commit
 * 6012ec4ac6a5): the image (Dockerfile), the `alloy run` flags (internal/alloycli/cmd_run.go), the HTTP
 * service (internal/service/http/http.go) and the journal source. Not mirrored in ../shared/upstream: no `check`.
 */
import { factTable } from '../upstream';

export const ALLOY_FACTS = factTable('alloy', {
  user: {
    fact: 'the image creates user alloy (473) but does not switch to it: it runs as root unless told otherwise ("non-root support ... experimental")',
    value: { imageUser: 0, alloyUid: 473 },
    upstream: 'alloy',
    path: 'Dockerfile',
  },
  entrypoint: {
    fact: 'ENTRYPOINT /bin/alloy; CMD run /etc/alloy/config.alloy --storage.path=/var/lib/alloy/data (the args replace the CMD)',
    value: { entrypoint: '/bin/alloy', subcommand: 'run', storagePath: '/var/lib/alloy/data' },
    upstream: 'alloy',
    path: 'Dockerfile',
  },
  journalBuild: {
    fact: 'the image is built with GO_TAGS promtail_journal_enabled and installs libsystemd0, so loki.source.journal works in it',
    value: 'promtail_journal_enabled',
    upstream: 'alloy',
    path: 'Dockerfile',
  },
  flags: {
    fact: '`alloy run` flags: --server.http.listen-addr (default 127.0.0.1:12345), --storage.path, --stability.level, --disable-reporting',
    value: { listenAddrFlag: '--server.http.listen-addr', defaultListen: '127.0.0.1:12345', others: ['--storage.path', '--stability.level', '--disable-reporting'] },
    upstream: 'alloy',
    path: 'internal/alloycli/cmd_run.go',
  },
  probes: {
    fact: 'the HTTP service serves GET /-/healthy and /-/ready (and /metrics)',
    value: { healthy: '/-/healthy', ready: '/-/ready' },
    upstream: 'alloy',
    path: 'internal/service/http/http.go',
  },
  journalDefault: {
    fact: 'loki.source.journal without `path` opens the local journal (sdjournal.NewJournal: /var/log/journal and /run/log/journal); with a path, only that folder (sdjournal.NewJournalFromDir), which fails when the folder is missing: the stack sets none',
    value: ['/var/log/journal', '/run/log/journal'],
    upstream: 'alloy',
    path: 'internal/component/loki/source/journal/tailer.go',
  },
  journalFolders: {
    fact: "journald writes to /run/log/journal (created if needed) at every boot until the flush to persistent storage, and always with Storage=volatile (or auto without /var/log/journal); /var/log/journal holds the journal only when persistent. libsystemd's sd_journal_open searches /run/log/journal and /var/log/journal and ignores a folder that is not there (src/libsystemd/sd-journal/sd-journal.c add_search_paths, missing_ok): a source without `path` reads whichever the host has",
    value: { always: '/run/log/journal', persistent: '/var/log/journal', missingOk: true },
    upstream: 'systemd-stored',
    path: 'man/journald.conf.xml',
  },
  journalLocalOnly: {
    fact: "sdjournal.NewJournal (go-systemd v22.7.0, the version alloy's go.mod pins) opens the journal with SD_JOURNAL_LOCAL_ONLY; with that flag libsystemd's add_directory skips every journal folder not named after the machine ID read from /etc/machine-id (sd_id128_get_machine), except under /run: a container without the host's /etc/machine-id reads /run/log/journal only, never the persistent /var/log/journal/<id>",
    value: { flag: 'SD_JOURNAL_LOCAL_ONLY', machineIdFile: '/etc/machine-id', exemptPrefix: '/run' },
    upstream: 'systemd-stored',
    path: 'src/libsystemd/sd-journal/sd-journal.c',
  },
  filePathLabel: {
    fact: 'loki.source.file reads the files named by the __path__ label of its targets',
    value: '__path__',
    upstream: 'alloy',
    path: 'internal/component/loki/source/file/file.go',
  },
});
