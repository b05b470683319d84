/**
 * The buckets of `workloads.minio.buckets`, created by a Job `minio-buckets` that Argo CD runs after every sync
 * (PostSync hook; the previous run is deleted first). Every step is idempotent (`mc mb --ignore-existing`,
 * versioning set to the declared state), so a re-run changes nothing when nothing changed. Buckets removed
 * from the config are left alone: deleting data is an operator's decision, not a sync side effect.
 *
 * Credentials: the Vault agent init container renders the root user and password (two lines) before `mc`
 * starts; `mc alias set` reads them from stdin, so they are never on a command line, and its output is
 * suppressed because mc prints an invalid key back in its error message.
 *
 * Users (issue 18, item 13): an app that keeps its data on this MinIO declares its S3 user (`objectStoreUsers`,
 * e.g. Loki with the keys of kv/monitoring/loki). The Job renders those same keys, creates the user with them
 * (`mc admin user add ALIAS` reads the access and secret key from stdin, like `alias set`), writes a policy
 * allowing that one bucket, and attaches it (`mc admin policy attach`; an association already in place is not
 * an error, and `user add` of an existing user sets its secret again): every run converges to the Vault keys.
 */
import { Construct } from 'constructs';
import type { Site } from '../config/schema';
import { IMAGES, imageOf } from '../config/versions';
import type { ObjectStoreUser } from './lib/app';
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
/** The Vault-rendered keys of an app's S3 user: access key, then secret key, one per line. */
export const userKeysFile = (u: ObjectStoreUser) => `/vault/secrets/s3-user-${u.name}`;
/** The MinIO policy of an app's user. */
export const userPolicyName = (u: ObjectStoreUser) => `domus-${u.name}`;

/**
 * The IAM policy of an app's user: list its bucket, read, write and delete its objects (Loki's compactor deletes
 * chunks past retention), multipart uploads; nothing on any other bucket, no admin action.
 */
export function userPolicy(u: ObjectStoreUser): Record<string, unknown> {
  return {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'], Resource: [`arn:aws:s3:::${u.bucket}`] },
      {
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
        Resource: [`arn:aws:s3:::${u.bucket}/*`],
      },
    ],
  };
}

const USER_NAME = /^[a-z][a-z0-9-]{0,30}$/;

/** The shell script the Job runs (plain `sh`; bucket names are validated to [a-z0-9.-]). */
export function bucketScript(site: Site, apiUrl: string, users: readonly ObjectStoreUser[] = []): string {
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
      // Suspend only a bucket that had versioning on: a never-versioned bucket stays "un-versioned". The state is
      // read in an assignment: a failing command substitution in a `case` word does not trip `set -e`.
      lines.push(`versioning="$(mc --no-color version info ${sh(target)})"`);
      lines.push(`case "$versioning" in *"versioning is enabled"*) mc --no-color version suspend ${sh(target)} ;; esac`);
    }
  }
  for (const u of users) {
    if (!USER_NAME.test(u.name)) throw new Error(`object store user ${JSON.stringify(u.name)}: lower-case letters, digits and -, starting with a letter`);
    if (!site.workloads.minio.buckets.some((b) => b.name === u.bucket)) throw new Error(`object store user ${u.name}: bucket ${u.bucket} is not one of workloads.minio.buckets`);
    const keys = userKeysFile(u);
    const policy = userPolicyName(u);
    const policyFile = `/tmp/${policy}.json`;
    lines.push(
      `# user ${u.name}: the keys of ${u.path} (${u.keys.accessKey}, ${u.keys.secretKey}), read-write on bucket ${u.bucket} only`,
      `if ! mc --no-color admin user add ${ALIAS} < ${keys} > /dev/null 2>&1; then`,
      `  echo "minio-buckets: mc admin user add ${ALIAS} (user ${u.name}) failed (output hidden: it can contain credentials)" >&2`,
      '  exit 1',
      'fi',
      `printf '%s\n' ${sh(JSON.stringify(userPolicy(u)))} > ${policyFile}`,
      `mc --no-color admin policy create ${ALIAS} ${policy} ${policyFile}`,
      // The access key names the user (not a secret); the secret key stays in the file.
      `IFS= read -r access_key < ${keys}`,
      `mc --no-color admin policy attach ${ALIAS} ${policy} --user "$access_key"`,
    );
  }
  lines.push(`echo "minio-buckets: ${site.workloads.minio.buckets.length} bucket(s)${users.length ? `, ${users.length} user(s)` : ''} in place"`);
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
    const users = ctx.apps.flatMap((a) => a.objectStoreUsers?.(site) ?? []);

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
          command: ['/bin/sh', '-c', bucketScript(site, apiUrl, users)],
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
          ...users.map((u) =>
            kvTemplateSecret(
              userKeysFile(u).slice('/vault/secrets/'.length),
              u.path,
              [u.keys.accessKey, u.keys.secretKey],
              `{{- with secret ${goString(u.path)} -}}\n{{ .Data.data.${u.keys.accessKey} }}\n{{ .Data.data.${u.keys.secretKey} }}\n{{ end -}}`,
              { errorOnMissingKey: true },
            ),
          ),
        ],
        // A Job has no sidecar: the init container renders once and the pod can complete.
        prePopulateOnly: true,
      },
    });
    this.workload.connect(minio.api, 'minio-buckets creates the declared buckets through the S3 API');
  }
}
