/**
 * Train/eval contamination: every word n-gram (n = 13 by default) of the eval rows goes into a
 * 64-bit hash set; a training row is contaminated when one of its n-grams is in the set. An eval
 * row shorter than n words but of at least `MIN_SHORT_WORDS` goes in whole (a training row
 * holding all its words in order is contaminated), as GPT-3's decontamination did. An n-gram
 * found in more than `TEMPLATE_NGRAM_ROWS` eval rows is instruction boilerplate shared by the
 * eval set and ignored. Rolling polynomial hashes (two 32-bit halves) make each n-gram cost
 * O(1) whatever n; a bit filter of ~16 bits per eval n-gram, small enough to stay in cache,
 * answers most lookups of training n-grams (nearly all absent) before the table is touched.
 */
import { TEMPLATE_NGRAM_ROWS } from '../settings.ts';
import { U64Table } from './u64-table.ts';
import { fmix32, type WordBuffer } from './words.ts';

/** Eval rows shorter than this are not evidence of anything: skipped. */
export const MIN_SHORT_WORDS = 8;

const B1 = 0x01000193;
const B2 = 0x5bd1e995;
const SALT = 0x27d4eb2f;

/** n-gram hashes of a word range: `a[k]`, `b[k]` for the n-gram starting at word `from + k`. */
export interface NgramBuffer {
  a: Int32Array;
  b: Int32Array;
  length: number;
}

export function createNgramBuffer(capacity = 1024): NgramBuffer {
  return { a: new Int32Array(capacity), b: new Int32Array(capacity), length: 0 };
}

/**
 * Fills `out` with the n-gram hashes of words [from, to) (none when fewer than n words). A loop
 * over typed arrays, not a callback: per-row closures cost more than the hashing here.
 */
export function computeNgrams(hashes: Int32Array, from: number, to: number, n: number, out: NgramBuffer): void {
  const count = to - from - n + 1;
  out.length = 0;
  if (count <= 0) return;
  if (out.a.length < count) {
    let size = out.a.length * 2;
    while (size < count) size *= 2;
    out.a = new Int32Array(size);
    out.b = new Int32Array(size);
  }
  let p1 = 1;
  let p2 = 1;
  for (let k = 1; k < n; k++) {
    p1 = Math.imul(p1, B1);
    p2 = Math.imul(p2, B2);
  }
  let h1 = 0;
  let h2 = 0;
  for (let i = from; i < from + n; i++) {
    h1 = (Math.imul(h1, B1) + hashes[i]) | 0;
    h2 = (Math.imul(h2, B2) + fmix32(hashes[i] ^ SALT)) | 0;
  }
  const a = out.a;
  const b = out.b;
  a[0] = h1;
  b[0] = h2;
  for (let i = from + n, k = 1; i < to; i++, k++) {
    const old = hashes[i - n];
    h1 = (Math.imul((h1 - Math.imul(old, p1)) | 0, B1) + hashes[i]) | 0;
    h2 = (Math.imul((h2 - Math.imul(fmix32(old ^ SALT), p2)) | 0, B2) + fmix32(hashes[i] ^ SALT)) | 0;
    a[k] = h1;
    b[k] = h2;
  }
  out.length = count;
}

/** Calls `fn(a, b, i)` for each n-gram of words [from, to), `i` its first word (tests, benchmarks). */
export function forEachNgram(hashes: Int32Array, from: number, to: number, n: number, fn: (a: number, b: number, i: number) => void): void {
  const out = createNgramBuffer();
  computeNgrams(hashes, from, to, n, out);
  for (let k = 0; k < out.length; k++) fn(out.a[k], out.b[k], from + k);
}

export interface NgramHit {
  /** n-grams of the row found in the eval set. */
  readonly matches: number;
  /** The eval row of the first match, the row's word where that match starts, and its length in words. */
  readonly evalRow: number;
  readonly word: number;
  readonly length: number;
  /** Eval sets (indices) the row matched. */
  readonly sets: readonly number[];
}

export class NgramIndex {
  private readonly table = new U64Table(1 << 16);
  private readonly rowSet: number[] = [];
  private readonly rowLine: number[] = [];
  /** Lengths of the eval rows shorter than n that went in whole. */
  private shortLengths: number[] = [];
  /** Bit filter over the table's keys; built at the first lookup after the last insert. */
  private bits: Int32Array | null = null;
  private bitMask = 0;
  private readonly grams = createNgramBuffer();

  constructor(readonly n: number) {}

  /** Eval rows indexed so far. */
  get rows(): number {
    return this.rowSet.length;
  }

  get ngrams(): number {
    return this.table.size;
  }

  /** Adds the n-grams of eval words [from, to) as a row of eval set `set` at `line`. */
  addEvalRow(w: WordBuffer, from: number, to: number, set: number, line: number): void {
    const row = this.rowSet.length;
    this.rowSet.push(set);
    this.rowLine.push(line);
    const table = this.table;
    this.bits = null;
    const length = to - from >= this.n ? this.n : to - from;
    if (length < MIN_SHORT_WORDS) return;
    if (length < this.n && !this.shortLengths.includes(length)) this.shortLengths = [...this.shortLengths, length].sort((a, b) => b - a);
    const grams = this.grams;
    computeNgrams(w.hashes, from, to, length, grams);
    for (let k = 0; k < grams.length; k++) {
      const slot = table.insert(grams.a[k], grams.b[k], row);
      if (!table.inserted && table.value(slot) !== row) table.bump(slot);
    }
  }

  /** Which eval set and line an eval row came from. */
  evalRow(row: number): { set: number; line: number } {
    return { set: this.rowSet[row], line: this.rowLine[row] };
  }

  /** The training words [from, to) against the index; null when no n-gram matches. */
  lookup(w: WordBuffer, from: number, to: number): NgramHit | null {
    let matches = 0;
    let evalRow = -1;
    let word = -1;
    let length = 0;
    let sets: number[] | null = null;
    const table = this.table;
    const bits = this.bits ?? this.buildBits();
    const bitMask = this.bitMask;
    const grams = this.grams;
    for (let L = -1; L < this.shortLengths.length; L++) {
      const n = L === -1 ? this.n : this.shortLengths[L];
      computeNgrams(w.hashes, from, to, n, grams);
      const ga = grams.a;
      const gb = grams.b;
      for (let k = 0; k < grams.length; k++) {
        const a = ga[k];
        const b = gb[k];
        const bit = (Math.imul(a, 0x9e3779b1) ^ b) & bitMask;
        if ((bits[bit >>> 5] & (1 << (bit & 31))) === 0) continue;
        const slot = table.find(a, b);
        if (slot === -1 || table.count(slot) >= TEMPLATE_NGRAM_ROWS) continue;
        const row = table.value(slot);
        matches++;
        if (evalRow === -1) {
          evalRow = row;
          word = from + k;
          length = n;
        }
        const set = this.rowSet[row];
        sets ??= [];
        if (!sets.includes(set)) sets.push(set);
      }
    }
    return matches === 0 ? null : { matches, evalRow, word, length, sets: sets ?? [] };
  }

  private buildBits(): Int32Array {
    let size = 1 << 16;
    while (size < this.table.size * 16 && size < 1 << 27) size *= 2;
    const bits = new Int32Array(size >>> 5);
    const mask = size - 1;
    this.table.forEachKey((a, b) => {
      const bit = (Math.imul(a, 0x9e3779b1) ^ b) & mask;
      bits[bit >>> 5] |= 1 << (bit & 31);
    });
    this.bits = bits;
    this.bitMask = mask;
    return bits;
  }
}

/** The eval sets a validation checks against, indexed. */
export interface EvalIndex {
  readonly index: NgramIndex;
  readonly sets: ReadonlyArray<{
    /** `name@version`, or the path. */
    readonly ref: string;
    readonly sha256: string | null;
    /** The file examples point at. */
    readonly file: string;
    readonly rows: number;
  }>;
}
