/**
 * MinIO's identity, shared by the server (constructs/minio.ts) and the bucket Job (constructs/minio-buckets.ts)
 * in a module of its own, so that the app declaration in minio.ts can build the Job without an import cycle.
 */
import type { Site } from '../config/schema';
import { kvPath } from './lib/vault';

/** The image has no USER; the upstream chart runs it as 1000:1000 with fsGroup 1000. */
export const MINIO_UID = 1000;

/** KV v2 keys of the MinIO secret (`<kv>/data/storage/minio`). */
export const MINIO_SECRET_KEYS = { user: 'root_user', password: 'root_password' } as const;

/** Vault KV path of the root credentials. */
export function minioSecretPath(site: Site): string {
  return kvPath(site, 'storage/minio');
}
