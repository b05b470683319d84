/** MinIO's erasure layout rules, used by the schema's cross-field check and by constructs/minio.ts. */
/** Erasure set sizes MinIO chooses from (minio/minio cmd/endpoint-ellipses.go `setSizes`). */
export const MINIO_SET_SIZES: readonly number[] = Array.from({ length: 15 }, (_, i) => i + 2);
/** The stack's floor for distributed mode: below 4 drives the only sets are 2-3 drives at parity 1. */
export const MINIO_MIN_DRIVES = 4;

/**
 * How MinIO lays out `pods` × `drivesPerPod` drives given as `http://minio-{0...N-1}.../data-{0...M-1}` (or
 * `/data-{0...M-1}` for one pod), or why it would refuse to start. Mirrors MinIO's getSetIndexes:
 * 1. the total must be divisible by an erasure set size of 2..16;
 * 2. the set size must be symmetric with the first (host) ellipsis range: it divides the pod count or is a
 *    multiple of it (with one pod the drive range decides), so every set spans the pods evenly;
 * 3. of the sizes left MinIO takes the largest (fewest sets).
 * Every pod has the same drive count by construction, so the pool is always symmetric per node. The stack also
 * refuses fewer than 4 drives: MinIO starts on 2-3, but a 2-drive set stops writes when one pod is down.
 */
export function minioErasureLayout(pods: number, drivesPerPod: number): { setSize: number; sets: number } | { field: 'pods' | 'drivesPerPod'; problem: string } {
  const total = pods * drivesPerPod;
  const shape = `pods × drivesPerPod = ${pods} × ${drivesPerPod} = ${total} drive${total === 1 ? '' : 's'}`;
  if (total < MINIO_MIN_DRIVES) {
    return {
      field: pods > 1 || drivesPerPod === 1 ? 'pods' : 'drivesPerPod',
      problem: `at least ${MINIO_MIN_DRIVES} drives in total in distributed mode (${shape}); e.g. pods: 4 with drivesPerPod: 1, pods: 2 with drivesPerPod: 2, or pods: 1 with drivesPerPod: 4`,
    };
  }
  const divisors = MINIO_SET_SIZES.filter((s) => total % s === 0);
  if (divisors.length === 0) {
    return {
      field: 'pods',
      problem: `a drive count divisible by an erasure set size from 2 to 16 (${shape}, which none divides; MinIO refuses to start): change pods or use drivesPerPod ≥ 2`,
    };
  }
  const rangeLength = pods > 1 ? pods : drivesPerPod;
  const symmetric = divisors.filter((s) => (rangeLength > s ? rangeLength % s === 0 : s % rangeLength === 0));
  if (symmetric.length === 0) {
    return {
      field: 'pods',
      problem: `a pod count MinIO can spread erasure sets over evenly (${shape}: no set size from 2 to 16 divides the total and also divides ${pods} or is a multiple of it; MinIO refuses to start): pick a pod count with a divisor between 2 and 16`,
    };
  }
  const setSize = Math.max(...symmetric);
  return { setSize, sets: total / setSize };
}
