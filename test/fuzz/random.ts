/**
 * A small seeded generator (sfc32) for the fuzzer: every case draws from its own stream,
 * `caseRandom(seed, index)`, so one case replays alone (`FUZZ_SEED=S FUZZ_ONLY=I`) without the
 * cases before it.
 */

/** Draws from one seeded stream. */
export interface Random {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max]. */
  int(min: number, max: number): number;
  /** True with probability `p`. */
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
}

function sfc32(a: number, b: number, c: number, d: number): () => number {
  return () => {
    a >>>= 0; b >>>= 0; c >>>= 0; d >>>= 0;
    const t = (a + b | 0) + d | 0;
    d = d + 1 | 0;
    a = b ^ (b >>> 9);
    b = c + (c << 3) | 0;
    c = (c << 21) | (c >>> 11);
    c = c + t | 0;
    return (t >>> 0) / 4294967296;
  };
}

export function createRandom(seed: number, stream = 0): Random {
  const next = sfc32(0x9e3779b9, seed | 0, stream | 0, (seed ^ (stream * 0x85ebca6b)) | 0);
  for (let i = 0; i < 12; i++) next(); // mix the seed in
  const random: Random = {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    chance: (p) => next() < p,
    pick: (items) => items[Math.floor(next() * items.length)],
  };
  return random;
}

/** The stream of case `index` of a run seeded `seed`. */
export function caseRandom(seed: number, index: number): Random {
  return createRandom(seed, index + 1);
}
