/**
 * Backups (constructs/backup.ts, docs/adr/0170-backups-restic-off-node.md): what restic 0.18.1 does with the
 * files, variables and exit codes the movers rely on, and what the compared systems (VolSync, Velero, k8up)
 * and the stack's storage (local-path-provisioner) do at their tags. Read from the Go modules at the tags
 * (`go mod download -json <module>@<tag>`); not mirrored, so no check.
 */
import { factTable } from '../upstream';

export const BACKUP_FACTS = factTable('backup', {
  resticImage: {
    fact: 'the restic image is alpine with ca-certificates, fuse, openssh-client, tzdata and jq added, /usr/bin/restic as ENTRYPOINT and no USER (root unless the pod says otherwise): /bin/sh and jq are there for the scripts',
    value: { shell: '/bin/sh', jq: true, entrypoint: '/usr/bin/restic' },
    upstream: 'restic',
    path: 'docker/Dockerfile',
  },
  resticEnv: {
    fact: 'restic reads the repository from RESTIC_REPOSITORY, the password from the file RESTIC_PASSWORD_FILE names, extra CA certificates from RESTIC_CACERT (comma-separated files), and its cache folder from RESTIC_CACHE_DIR',
    value: ['RESTIC_REPOSITORY', 'RESTIC_PASSWORD_FILE', 'RESTIC_CACERT', 'RESTIC_CACHE_DIR'],
    upstream: 'restic',
    path: 'cmd/restic/global.go',
  },
  resticS3Credentials: {
    fact: 'the S3 backend chains credentials: AWS env, static, MinIO env, the AWS credentials file (AWS_SHARED_CREDENTIALS_FILE), the MinIO client file, then IAM; the region comes from AWS_DEFAULT_REGION',
    value: { file: 'AWS_SHARED_CREDENTIALS_FILE', region: 'AWS_DEFAULT_REGION' },
    upstream: 'restic',
    path: 'internal/backend/s3/s3.go',
  },
  credentialsFile: {
    fact: "minio-go's FileAWSCredentials reads the file AWS_SHARED_CREDENTIALS_FILE names, profile AWS_PROFILE or else `default` (aws_access_key_id, aws_secret_access_key)",
    value: { profile: 'default', keys: ['aws_access_key_id', 'aws_secret_access_key'] },
    upstream: 'minio-go',
    path: 'pkg/credentials/file_aws_credentials.go',
  },
  resticExitCodes: {
    fact: 'restic exits 0 on success, 1 on an error, 3 when some source files could not be read, 10 when the repository does not exist, 11 when it is locked, 12 on a wrong password',
    value: { ok: 0, error: 1, incomplete: 3, noRepository: 10, locked: 11, wrongPassword: 12 },
    upstream: 'restic',
    path: 'cmd/restic/main.go',
  },
  resticRestore: {
    fact: 'restore takes `latest` and the `snapshotID:subfolder` form, with --target, --delete (remove files not in the snapshot), --verify; --host narrows `latest` to one host',
    value: ['latest:/data', '--target', '--delete', '--verify', '--host'],
    upstream: 'restic',
    path: 'cmd/restic/cmd_restore.go',
  },
  resticForget: {
    fact: 'forget keeps --keep-daily/--keep-weekly/--keep-monthly snapshots (per host and paths; the oldest snapshot too while a bucket has counts left: "oldest daily snapshot", internal/restic/snapshot_policy.go) and --prune removes the data no snapshot references; test/real/restic.test.ts runs it',
    value: ['--keep-daily', '--keep-weekly', '--keep-monthly', '--prune'],
    upstream: 'restic',
    path: 'cmd/restic/cmd_forget.go',
  },
  resticNonRootRestore: {
    fact: 'a restore run by a non-root user ignores permission errors when it restores ownership and modes (the drill restores as nobody)',
    value: 'os.Geteuid() > 0 && errors.Is(err, os.ErrPermission)',
    upstream: 'restic',
    path: 'internal/fs/node.go',
  },
  localPathHostPath: {
    fact: 'local-path provisions hostPath PersistentVolumes unless the StorageClass annotation defaultVolumeType (or the claim annotation volumeType) says local',
    value: { default: 'hostPath', storageClassAnnotation: 'defaultVolumeType', claimAnnotation: 'volumeType' },
    upstream: 'local-path-provisioner',
    path: 'provisioner.go',
  },
  veleroSkipsHostPath: {
    fact: "Velero's file-system backup skips a volume whose PersistentVolume is hostPath ('not supported for pod volume backup')",
    value: 'isHostPathVolume',
    upstream: 'velero',
    path: 'pkg/podvolume/backupper.go',
  },
  veleroNodeAgent: {
    fact: "Velero's node-agent DaemonSet mounts the kubelet's pods folder by hostPath (volume host-pods)",
    value: 'host-pods',
    upstream: 'velero',
    path: 'pkg/install/daemonset.go',
  },
  veleroClusterAdmin: {
    fact: "Velero's install binds its ServiceAccount to the ClusterRole cluster-admin",
    value: 'cluster-admin',
    upstream: 'velero',
    path: 'pkg/install/resources.go',
  },
  volsyncManagerRbac: {
    fact: "VolSync's manager ClusterRole creates, reads and deletes Secrets, ServiceAccounts, Jobs, Deployments, Roles and RoleBindings in every namespace",
    value: ['secrets', 'serviceaccounts', 'jobs', 'deployments', 'roles', 'rolebindings'],
    upstream: 'volsync',
    path: 'config/rbac/role.yaml',
  },
  volsyncResticSecret: {
    fact: "VolSync's restic mover takes RESTIC_REPOSITORY, RESTIC_PASSWORD and the AWS_* keys from the repository Secret as env; AWS_SHARED_CREDENTIALS_FILE is marked 'not implementing'",
    value: { required: ['RESTIC_REPOSITORY', 'RESTIC_PASSWORD'], file: false },
    upstream: 'volsync',
    path: 'internal/controller/mover/restic/mover.go',
  },
  volsyncDirect: {
    fact: 'a ReplicationSource copies with copyMethod Direct (the live PVC, no snapshot) and takes a moverSecurityContext; root movers need the namespace annotation volsync.backube/privileged-movers',
    value: { copyMethod: 'Direct', field: 'moverSecurityContext' },
    upstream: 'volsync',
    path: 'config/crd/bases/volsync.backube_replicationsources.yaml',
  },
  k8upRbac: {
    fact: "k8up's manager ClusterRole creates Jobs and RoleBindings in every namespace and may bind its executor ClusterRole",
    value: ['jobs', 'rolebindings', 'bind k8up-executor'],
    upstream: 'k8up',
    path: 'config/rbac/role.yaml',
  },
  vaultAgentRenewal: {
    fact: "the Vault agent's template engine re-renders a non-renewable secret (a PKI certificate) at 85-95 % of its lifetime (VaultLeaseRenewalThreshold 0.9 ± 0.05): a 720h certificate is replaced with 36-108 h left, so less than 24 h left means renewal failed",
    value: { threshold: 0.9, jitter: 0.05 },
    upstream: 'consul-template',
    path: 'dependency/vault_common.go',
  },
});
