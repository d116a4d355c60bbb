/**
 * Words of a text as 32-bit hashes, for shingles (near-duplicates), n-grams (contamination) and
 * word sequences (leakage). A word is a run of ASCII letters and digits or of non-ASCII
 * characters other than spaces and punctuation; case is folded. One pass, no strings made.
 */

export interface WordBuffer {
  /** Word hashes; valid up to `length`. */
  hashes: Int32Array;
  /** Character offset of each word's start and end in the text it came from. */
  starts: Int32Array;
  ends: Int32Array;
  /** Which text (part) each word came from. */
  parts: Int32Array;
  length: number;
}

export function createWordBuffer(capacity = 4096): WordBuffer {
  return {
    hashes: new Int32Array(capacity),
    starts: new Int32Array(capacity),
    ends: new Int32Array(capacity),
    parts: new Int32Array(capacity),
    length: 0,
  };
}

function grow(w: WordBuffer): void {
  const size = w.hashes.length * 2;
  for (const key of ['hashes', 'starts', 'ends', 'parts'] as const) {
    const next = new Int32Array(size);
    next.set(w[key]);
    w[key] = next;
  }
}

/** Whether UTF-16 unit `c` belongs to a word. */
export function isWordChar(c: number): boolean {
  if (c < 128) return (c >= 48 && c <= 57) || (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
  // Non-ASCII: everything but spaces and punctuation blocks.
  return !(
    c === 0xa0 || (c >= 0xa1 && c <= 0xbf && c !== 0xaa && c !== 0xb5 && c !== 0xba) || c === 0xd7 || c === 0xf7 ||
    (c >= 0x2000 && c <= 0x206f) || (c >= 0x3000 && c <= 0x303f) || (c >= 0xff00 && c <= 0xff0f) ||
    (c >= 0xff1a && c <= 0xff20) || c === 0xfeff || (c >= 0xfe10 && c <= 0xfe6f)
  );
}

/** Per UTF-16 unit: 1 for a word character (tables: one load instead of a chain of tests). */
const WORD = new Uint8Array(65536);
/** Per UTF-16 unit: its case-folded form. */
const FOLD = new Uint16Array(65536);
for (let c = 0; c < 65536; c++) {
  WORD[c] = isWordChar(c) ? 1 : 0;
  FOLD[c] = c >= 65 && c <= 90 ? c + 32 : c >= 128 ? foldCase(c) : c;
}

/** Appends the words of `text` (tagged with `part`) to `w`. */
export function scanWords(text: string, part: number, w: WordBuffer): void {
  const n = text.length;
  let i = 0;
  while (i < n) {
    let c = text.charCodeAt(i);
    if (WORD[c] === 0) {
      i++;
      continue;
    }
    const start = i;
    let h = 0x811c9dc5 | 0;
    for (;;) {
      h = Math.imul(h ^ FOLD[c], 0x01000193);
      if (++i >= n) break;
      c = text.charCodeAt(i);
      if (WORD[c] === 0) break;
    }
    if (w.length === w.hashes.length) grow(w);
    const k = w.length++;
    w.hashes[k] = fmix32(h);
    w.starts[k] = start;
    w.ends[k] = i;
    w.parts[k] = part;
  }
}

/** Lower-cases Latin-1, Latin Extended-A, Greek and Cyrillic capitals; others unchanged. */
function foldCase(c: number): number {
  if ((c >= 0xc0 && c <= 0xde && c !== 0xd7)) return c + 32;
  if (c >= 0x100 && c <= 0x17f) return c | 1;
  if (c >= 0x391 && c <= 0x3ab) return c + 32;
  if (c >= 0x410 && c <= 0x42f) return c + 32;
  if (c >= 0x400 && c <= 0x40f) return c + 80;
  return c;
}

/** MurmurHash3's finaliser: spreads every input bit over the output. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}
