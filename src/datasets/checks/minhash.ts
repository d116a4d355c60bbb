/**
 * Near-duplicate detection: MinHash signatures of word shingles with LSH banding.
 *
 * Signature: one-permutation hashing into `BINS` bins (each shingle hashed once, not once per
 * permutation), empty bins filled by rotation densification; values kept as 16 bits. The share
 * of equal signature values estimates the Jaccard similarity of two rows' shingle sets.
 *
 * Index: `BANDS` bands of `ROWS_PER_BAND` values; two rows sharing a band's values become a
 * candidate (probability 1 - (1 - J^4)^12: 0.998 at J = 0.8, 0.12 at J = 0.3), and a candidate
 * is reported when its estimated similarity reaches the threshold. Each row is compared with
 * the first earlier row of each band bucket, so a row is reported against the first of its
 * near-duplicates. Memory: about 300 bytes a row (signature 96, band buckets ~190).
 */
import { fmix32, type WordBuffer } from './words.ts';
import { U32Map } from './u32-map.ts';

export const BINS = 48;
export const BANDS = 12;
export const ROWS_PER_BAND = 4;

const SEED = 0x2545f491;
const ROTATION = 0x9e3779b1;

/**
 * The signature of the shingles of words [from, to) of `w` (32-bit values into `out`); false when
 * there are fewer than `shingle` words.
 */
export function signature(w: WordBuffer, from: number, to: number, shingle: number, out: Uint32Array): boolean {
  const n = to - from;
  if (n < shingle || n <= 0) return false;
  out.fill(0xffffffff);
  const filled = new Uint8Array(BINS);
  const hashes = w.hashes;
  for (let i = from; i + shingle <= to; i++) {
    let h = 0;
    for (let k = 0; k < shingle; k++) h = Math.imul(h ^ hashes[i + k], 0x01000193) + k;
    h = fmix32(h);
    const bin = Math.floor(((h >>> 0) * BINS) / 4294967296);
    const value = fmix32(h ^ SEED) >>> 0;
    if (value < out[bin]) out[bin] = value;
    filled[bin] = 1;
  }
  // Rotation densification: an empty bin borrows from the next filled bin to its right.
  for (let bin = 0; bin < BINS; bin++) {
    if (filled[bin]) continue;
    for (let t = 1; t < BINS; t++) {
      const j = (bin + t) % BINS;
      if (filled[j]) {
        out[bin] = (out[j] + Math.imul(t, ROTATION)) >>> 0;
        break;
      }
    }
  }
  return true;
}

/** Estimated Jaccard similarity of two 16-bit signatures. */
export function similarity(a: Uint16Array, aAt: number, b: Uint16Array, bAt: number): number {
  let same = 0;
  for (let i = 0; i < BINS; i++) if (a[aAt + i] === b[bAt + i]) same++;
  return same / BINS;
}

export interface NearDuplicateIndex {
  /**
   * Adds a row's signature; returns the `where` of an earlier row at or above the threshold
   * (the most similar candidate) with its estimated similarity, or null.
   */
  add(sig: Uint32Array, where: number): { where: number; similarity: number } | null;
  readonly rows: number;
}

export function createNearDuplicateIndex(threshold: number): NearDuplicateIndex {
  let sigs = new Uint16Array(BINS * 1024);
  let wheres = new Float64Array(1024);
  let rows = 0;
  const bands = Array.from({ length: BANDS }, () => new U32Map(1024));
  /** Earlier rows already compared with the current one (at most one per band). */
  const checked = new Int32Array(BANDS);

  return {
    add(sig, where) {
      if (rows === wheres.length) {
        const s = new Uint16Array(sigs.length * 2);
        s.set(sigs);
        sigs = s;
        const w = new Float64Array(wheres.length * 2);
        w.set(wheres);
        wheres = w;
      }
      const at = rows * BINS;
      for (let i = 0; i < BINS; i++) sigs[at + i] = sig[i] >>> 16;
      wheres[rows] = where;
      let best: { where: number; similarity: number } | null = null;
      let nChecked = 0;
      for (let band = 0; band < BANDS; band++) {
        let key = band;
        for (let r = 0; r < ROWS_PER_BAND; r++) key = fmix32(Math.imul(key ^ sig[band * ROWS_PER_BAND + r], 0x01000193));
        // A 32-bit bucket key: a collision only makes a candidate, which the signature rejects.
        const other = bands[band].getOrSet(key, rows);
        if (other === -1 || checked.subarray(0, nChecked).includes(other)) continue;
        checked[nChecked++] = other;
        const s = similarity(sigs, at, sigs, other * BINS);
        if (s >= threshold && (best === null || s > best.similarity)) best = { where: wheres[other], similarity: s };
      }
      rows++;
      return best;
    },
    get rows() {
      return rows;
    },
  };
}
