/**
 * Exponential moving average for smoothing noisy curves, debiased like TensorBoard's so the
 * start of a curve is not pulled towards zero. Gaps (null, NaN, ±∞) stay gaps and do not
 * disturb the average.
 */

/**
 * Smooths `values` with weight `weight` in [0, 1): 0 returns the values unchanged, 0.99 is very
 * smooth. Returns a new array of the same length.
 */
export function ema(values: ArrayLike<number | null>, weight: number): (number | null)[] {
  const out: (number | null)[] = new Array(values.length);
  if (!(weight > 0)) {
    for (let i = 0; i < values.length; i++) out[i] = finiteOrNull(values[i]);
    return out;
  }
  const w = Math.min(weight, 0.9999);
  let last = 0;
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = finiteOrNull(values[i]);
    if (v === null) {
      out[i] = null;
      continue;
    }
    last = last * w + (1 - w) * v;
    n++;
    out[i] = last / (1 - w ** n);
  }
  return out;
}

function finiteOrNull(v: number | null | undefined): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}
