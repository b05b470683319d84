/**
 * The buckets of `workloads.minio.buckets`, created by a Job `minio-buckets` that Argo CD runs after every sync
 * (PostSync hook; the previous run is deleted first). Every step is idempotent (`mc mb --ignore-existing`,
 * versioning set to the declared state), so a re-run changes nothing when nothing changed. Buckets removed
 * from the config are left alone: deleting data is an operator's decision, not a sync side effect.
 *
 * Credentials: the Vault agent init container renders the root user and password (two lines) before `mc`
 * starts; `mc alias set` reads them from stdin, so they are never on a command line, and its output is
 * suppressed because mc prints an invalid key back in its error message.
 */
import { Construct } from 'constructs';
import type { Site } from '../config/schema';
import { IMAGES, imageOf } from '../config/versions';
import { StackContext } from './lib/context';
import type { Minio } from './minio';
import { MINIO_SECRET_KEYS, MINIO_UID, minioSecretPath } from './minio-identity';
import { goString, sh } from './lib/quote';
import { kvTemplateSecret } from './lib/vault';
import { Workload } from './lib/workload';

/** Argo CD hook annotations: run after each successful sync, replace the previous Job. */
export const BUCKET_JOB_HOOK = {
  'argocd.argoproj.io/hook': 'PostSync',
  'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation',
} as const;

const ALIAS = 'minio';
const KEYS_FILE = '/vault/secrets/mc-keys';

/** The shell script the Job runs (plain `sh`; bucket names are validated to [a-z0-9.-]). */
export function bucketScript(site: Site, apiUrl: string): string {
  const lines = [
    'set -eu',
    '# Keys come on stdin from the Vault-rendered file; mc output is hidden because it can echo them.',
    `if ! mc --no-color alias set ${ALIAS} ${sh(apiUrl)} < ${KEYS_FILE} > /dev/null 2>&1; then`,
    `  echo "minio-buckets: mc alias set ${ALIAS} ${apiUrl} failed (output hidden: it can contain credentials)" >&2`,
    '  exit 1',
    'fi',
  ];
  for (const b of site.workloads.minio.buckets) {
    const target = `${ALIAS}/${b.name}`;
    lines.push(`mc --no-color mb --ignore-existing ${sh(target)}`);
    if (b.versioning) {
      lines.push(`mc --no-color version enable ${sh(target)}`);
    } else {
      // Suspend only a bucket that had versioning on: a never-versioned bucket stays "un-versioned".
      lines.push(`case "$(mc --no-color version info ${sh(target)})" in *"versioning is enabled"*) mc --no-color version suspend ${sh(target)} ;; esac`);
    }
  }
  lines.push(`echo "minio-buckets: ${site.workloads.minio.buckets.length} bucket(s) in place"`);
  return `${lines.join('\n')}\n`;
}

export class MinioBuckets extends Construct {
  readonly workload: Workload;

  constructor(scope: Construct, id: string, ctx: StackContext, minio: Minio) {
    super(scope, id);
    const site = ctx.site;
    const m = site.workloads.minio;
    const secretPath = minioSecretPath(site);
    const apiUrl = `http://${minio.workload.serviceHost}:${minio.api.service?.port ?? minio.api.port.port}`;

    this.workload = new Workload(this, 'job', ctx, {
      name: 'minio-buckets',
      namespace: site.namespaces.storage,
      partOf: 'minio',
      component: 'buckets',
      version: IMAGES.minioClient.tag,
      kind: 'Job',
      jobAnnotations: BUCKET_JOB_HOOK,
      backoffLimit: 6,
      user: { uid: MINIO_UID, gid: MINIO_UID },
      containers: [
        {
          name: 'mc',
          image: imageOf('minioClient'),
          command: ['/bin/sh', '-c', bucketScript(site, apiUrl)],
          // mc keeps its alias config under $HOME/.mc; the image has no home for UID 1000.
          env: { HOME: '/tmp' },
          resources: m.bucketJob.resources,
          writable: ['/tmp'],
        },
      ],
      vault: {
        secrets: [
          kvTemplateSecret(
            'mc-keys',
            secretPath,
            [MINIO_SECRET_KEYS.user, MINIO_SECRET_KEYS.password],
            `{{- with secret ${goString(secretPath)} -}}\n{{ .Data.data.${MINIO_SECRET_KEYS.user} }}\n{{ .Data.data.${MINIO_SECRET_KEYS.password} }}\n{{ end -}}`,
            { errorOnMissingKey: true },
          ),
        ],
        // A Job has no sidecar: the init container renders once and the pod can complete.
        prePopulateOnly: true,
      },
    });
    this.workload.connect(minio.api, 'minio-buckets creates the declared buckets through the S3 API');
  }
}
