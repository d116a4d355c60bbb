/**
 * Placement: which concrete GPUs a job gets among those it may use now. Packing first: the
 * shortest run of consecutive GPU indices that holds the whole job (best fit, lowest index on
 * ties), so multi-GPU jobs stay contiguous and large free runs stay whole; when no run holds
 * it, the lowest indices. Backfill prefers GPUs that are free only until a reservation (holes)
 * to GPUs nobody has reserved, which stay open for jobs that run longer.
 */

/**
 * The shortest run of consecutive GPU indices among `candidates` (positions into `gpuIds`,
 * ascending) with room for `count`, lowest first: its first `count` positions; null if none.
 */
export function contiguousRun(candidates: readonly number[], gpuIds: readonly number[], count: number): number[] | null {
  let bestStart = -1;
  let bestLength = Infinity;
  let runStart = 0;
  for (let i = 1; i <= candidates.length; i++) {
    if (i < candidates.length && gpuIds[candidates[i]] === gpuIds[candidates[i - 1]] + 1) continue;
    const length = i - runStart;
    if (length >= count && length < bestLength) {
      bestLength = length;
      bestStart = runStart;
    }
    runStart = i;
  }
  return bestStart < 0 ? null : candidates.slice(bestStart, bestStart + count);
}

/**
 * Chooses `count` positions from `candidates` (ascending, at least `count` of them):
 * a contiguous run within `preferred` (a subset), else a contiguous run within all, else the
 * lowest.
 */
export function choosePositions(
  candidates: readonly number[], preferred: readonly number[], gpuIds: readonly number[], count: number,
): number[] {
  if (count === 0) return [];
  return (preferred.length >= count ? contiguousRun(preferred, gpuIds, count) : null)
    ?? contiguousRun(candidates, gpuIds, count)
    ?? candidates.slice(0, count);
}
