/**
 * The exact-duplicate key of a row: sha1 (64 bits kept) of its text parts, each normalised by
 * lower-casing and trimming, with its field label, in row order. Lower-casing and trimming run
 * natively, as does the hash, so this costs about as much as JSON.parse of the row; collapsing
 * inner whitespace would need a per-character loop at a third of the speed, and near-duplicate
 * detection (depth deep) catches whitespace variants anyway.
 */
import { hash } from 'node:crypto';
import type { TextPart } from '../formats/format.ts';

export interface TextHasher {
  /** The key of a row's parts as two uint32 halves. */
  hashParts(parts: readonly TextPart[]): [number, number];
  /** The key of one string (unique-key values). */
  hashString(text: string): [number, number];
}

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
    return [d.readUInt32LE(0), d.readUInt32LE(4)];
  }

  return {
    hashParts(parts) {
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
