// The corpus as token ids: a character vocabulary, a train/held-out split, and batches of
// (context window → next character) examples.
import { readFileSync } from 'node:fs';
import type { Rng } from './rng.ts';

export class Vocab {
  readonly chars: string[];
  private readonly index = new Map<string, number>();

  constructor(chars: readonly string[]) {
    this.chars = [...chars];
    this.chars.forEach((c, i) => this.index.set(c, i));
  }

  /** Every distinct character of the text, sorted by code point. */
  static fromText(text: string): Vocab {
    return new Vocab([...new Set(Array.from(text))].sort());
  }

  has(char: string): boolean {
    return this.index.has(char);
  }

  get size(): number {
    return this.chars.length;
  }

  encode(text: string): Int32Array {
    const chars = Array.from(text);
    const ids = new Int32Array(chars.length);
    chars.forEach((c, i) => {
      const id = this.index.get(c);
      if (id === undefined) throw new Error(`character ${JSON.stringify(c)} is not in the vocabulary`);
      ids[i] = id;
    });
    return ids;
  }

  decode(ids: ArrayLike<number>): string {
    let out = '';
    for (let i = 0; i < ids.length; i++) out += this.chars[ids[i]];
    return out;
  }
}

export interface Corpus {
  vocab: Vocab;
  train: Int32Array;
  /** Held-out text: the last `valFraction` of the corpus, never trained on. */
  val: Int32Array;
  /** Characters of the text not in a given vocabulary, left out: how many, and which (sorted). */
  dropped: { count: number; chars: string[] };
}

/** Reads and splits a corpus; with `vocab` (a checkpoint's), its characters outside it are dropped. */
export function loadCorpus(path: string, valFraction: number, vocab?: Vocab): Corpus {
  return splitCorpus(readFileSync(path, 'utf8'), valFraction, vocab);
}

export function splitCorpus(raw: string, valFraction: number, given?: Vocab): Corpus {
  const vocab = given ?? Vocab.fromText(raw);
  const dropped = new Map<string, number>();
  const text = given ? Array.from(raw).filter((c) => given.has(c) || (dropped.set(c, (dropped.get(c) ?? 0) + 1), false)).join('') : raw;
  const ids = vocab.encode(text);
  // Cut at a paragraph boundary near the requested fraction, so the held-out part starts cleanly.
  let cut = Math.floor(ids.length * (1 - valFraction));
  const para = text.indexOf('\n\n', cut);
  if (para > 0 && para < ids.length - 1000) cut = para + 2;
  const count = [...dropped.values()].reduce((a, b) => a + b, 0);
  return { vocab, train: ids.subarray(0, cut), val: ids.subarray(cut), dropped: { count, chars: [...dropped.keys()].sort() } };
}

/** A batch of examples: `context[b*C .. b*C+C)` precedes `target[b]` in the text. */
export interface Batch {
  size: number;
  context: Int32Array;
  target: Int32Array;
}

export function allocBatch(size: number, contextLen: number): Batch {
  return { size, context: new Int32Array(size * contextLen), target: new Int32Array(size) };
}

/** Fills `out` with the examples ending at the given positions of `ids`. */
export function fillBatch(ids: Int32Array, contextLen: number, positions: ArrayLike<number>, out: Batch): Batch {
  out.size = positions.length;
  for (let b = 0; b < positions.length; b++) {
    const pos = positions[b];
    out.context.set(ids.subarray(pos - contextLen, pos), b * contextLen);
    out.target[b] = ids[pos];
  }
  return out;
}

/** A batch of uniformly random examples, drawn with `rng` (whose state a checkpoint saves). */
export function randomBatch(ids: Int32Array, contextLen: number, rng: Rng, out: Batch): Batch {
  const positions = new Int32Array(out.target.length);
  for (let b = 0; b < positions.length; b++) positions[b] = contextLen + rng.int(ids.length - contextLen);
  return fillBatch(ids, contextLen, positions, out);
}

/** `count` evenly spaced positions of `ids` (all of them when count ≥ the text): a fixed eval set. */
export function evalPositions(ids: Int32Array, contextLen: number, count: number): Int32Array {
  const available = ids.length - contextLen;
  const n = Math.min(count, available);
  const positions = new Int32Array(n);
  for (let i = 0; i < n; i++) positions[i] = contextLen + Math.floor((i * available) / n);
  return positions;
}
