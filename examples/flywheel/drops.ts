/**
 * The two data files the flywheel drops into the inbox, one after the other:
 *
 * - `day-1.txt`: more text of the kind the model learnt (examples/char-lm/data/make-corpus.ts
 *   with another seed). Training on it improves the held-out score: the registry promotes it.
 * - `day-2.txt`: a bad drop, the same kind of text with the letters of every word shuffled.
 *   It passes the text format's validation (it is text), but training on it unlearns spelling:
 *   the held-out score falls and the registry refuses it; production stays where it was.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeCorpus } from '../../src/cli/loop-kit.ts';
import { Rng } from '../char-lm/rng.ts';

export interface Drop {
  readonly name: string;
  readonly path: string;
  /** What it is, in words. */
  readonly what: string;
}

/** Writes the two files into `dir`; the same bytes every time. */
export function makeDrops(repoRoot: string, dir: string, bytes = 60_000): Drop[] {
  const good = join(dir, 'day-1.txt');
  makeCorpus(repoRoot, good, { bytes, seed: 8 });
  const bad = join(dir, 'day-2.txt');
  makeCorpus(repoRoot, bad, { bytes, seed: 9 });
  writeFileSync(bad, scrambleWords(readFileSync(bad, 'utf8'), new Rng(9)));
  return [
    { name: 'day-1.txt', path: good, what: 'more stories of the yard (new text of the kind it learnt)' },
    { name: 'day-2.txt', path: bad, what: 'a bad drop: the letters of every word shuffled' },
  ];
}

/** Shuffles the letters inside each word; spaces, punctuation and line breaks stay. */
export function scrambleWords(text: string, rng: Rng): string {
  return text.replace(/[A-Za-z]{2,}/g, (word) => {
    const letters = [...word];
    for (let i = letters.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [letters[i], letters[j]] = [letters[j], letters[i]];
    }
    return letters.join('');
  });
}
