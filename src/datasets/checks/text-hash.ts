/**
 * The exact-duplicate key of a row: a 64-bit hash of its text parts, each normalised by
 * lower-casing and trimming, with its field label, in row order. Rows up to `SHORT_ROW_CHARS`
 * characters are hashed in JavaScript (two multiplicative hashes), where a native call would cost
 * more than the hashing; longer ones with sha1 (64 bits kept), natively. Lower-casing and trimming
 * run natively too. Collapsing inner whitespace would need a per-character loop at a third of
 * the speed; near-duplicate detection (depth deep) catches whitespace variants anyway.
 */
import { hash } from 'node:crypto';
import type { TextPart } from '../formats/format.ts';

export interface TextHasher {
  /** The key of a row's parts as two uint32 halves. */
  hashParts(parts: readonly TextPart[]): [number, number];
  /** The key of one string (unique-key values). */
  hashString(text: string): [number, number];
}

/** Below this many characters a row is hashed in JavaScript. */
const SHORT_ROW_CHARS = 512;

export function createTextHasher(): TextHasher {
  let scratch = Buffer.allocUnsafe(1 << 16);

  function ensure(bytes: number, used: number): void {
    if (used + bytes <= scratch.length) return;
    let size = scratch.length * 2;
    while (size < used + bytes) size *= 2;
    const next = Buffer.allocUnsafe(size);
    scratch.copy(next, 0, 0, used);
    scratch = next;
  }

  function digest(used: number): [number, number] {
    const d = hash('sha1', scratch.subarray(0, used), 'buffer') as unknown as Buffer;
    // Even second half: a long key never equals a short one (whose second half is odd).
    return [d.readUInt32LE(0), (d.readUInt32LE(4) & ~1) >>> 0];
  }

  return {
    hashParts(parts) {
      let chars = 0;
      for (let i = 0; i < parts.length; i++) chars += parts[i].text.length + parts[i].field.length;
      if (chars <= SHORT_ROW_CHARS) return hashShort(parts);
      let used = 0;
      for (let i = 0; i < parts.length; i++) {
        const p = parts[i];
        const text = p.text.trim().toLowerCase();
        // UTF-8 needs at most 3 bytes per UTF-16 unit.
        ensure(p.field.length * 3 + text.length * 3 + 2, used);
        used += scratch.write(p.field, used, 'utf8');
        scratch[used++] = 0x1f;
        used += scratch.write(text, used, 'utf8');
        scratch[used++] = 0x1e;
      }
      return digest(used);
    },

    hashString(text) {
      ensure(text.length * 3, 0);
      return digest(scratch.write(text, 0, 'utf8'));
    },
  };
}

/** Two independent 32-bit hashes over the normalised parts (the same text as the long path). */
function hashShort(parts: readonly TextPart[]): [number, number] {
  // Written out without a helper closure: tsx wraps closures made per call in a naming helper.
  let h1 = 0x811c9dc5 | 0;
  let h2 = 0x2545f491 | 0;
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    const field = p.field;
    for (let k = 0; k <= field.length; k++) {
      const c = k < field.length ? field.charCodeAt(k) : 0x1f;
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 + c, 0x5bd1e995) ^ (h2 >>> 15);
    }
    const text = p.text.trim().toLowerCase();
    for (let k = 0; k <= text.length; k++) {
      const c = k < text.length ? text.charCodeAt(k) : 0x1e;
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 + c, 0x5bd1e995) ^ (h2 >>> 15);
    }
  }
  // A last avalanche, and an odd second half: a short key never equals a long one.
  h1 = Math.imul(h1 ^ (h1 >>> 16), 0x85ebca6b);
  h2 = Math.imul(h2 ^ (h2 >>> 13), 0xc2b2ae35);
  return [(h1 ^ (h1 >>> 16)) >>> 0, ((h2 ^ (h2 >>> 16)) | 1) >>> 0];
}
