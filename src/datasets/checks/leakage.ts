/**
 * Answer leakage: an answer whose whole word sequence already appears, contiguously, in a
 * prompt (or system) part before it. Answers shorter than `minWords` words are not judged: a
 * "yes" or "B" is in most prompts by chance. Compares word hashes, so case and punctuation do
 * not matter. Pure.
 */
import type { TextPart } from '../formats/format.ts';
import type { WordBuffer } from './words.ts';

export interface Leak {
  /** Index in the row's parts of the answer, and of the prompt that holds it. */
  readonly answer: number;
  readonly prompt: number;
  readonly words: number;
}

/**
 * `ranges[p]` is the [start, end) of part p's words in `w`. Returns the first leak, or null.
 */
export function findLeak(parts: readonly TextPart[], w: WordBuffer, ranges: Int32Array, minWords: number): Leak | null {
  const hashes = w.hashes;
  for (let a = 0; a < parts.length; a++) {
    if (parts[a].kind !== 'answer') continue;
    const as = ranges[2 * a];
    const m = ranges[2 * a + 1] - as;
    if (m < minWords) continue;
    for (let p = 0; p < a; p++) {
      const kind = parts[p].kind;
      if (kind !== 'prompt' && kind !== 'system') continue;
      const ps = ranges[2 * p];
      const pe = ranges[2 * p + 1];
      for (let i = ps; i + m <= pe; i++) {
        if (hashes[i] !== hashes[as]) continue;
        let k = 1;
        while (k < m && hashes[i + k] === hashes[as + k]) k++;
        if (k === m) return { answer: a, prompt: p, words: m };
      }
    }
  }
  return null;
}
