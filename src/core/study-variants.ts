/**
 * A study's variants (docs/studies.md): grid, random or list search over typed domains, repeated
 * over seeds, under the exact cap `maxRuns`. Deterministic: the same spec gives the same variants
 * in the same order. Pure.
 *
 * - grid: every combination, params in the order written, the last one varying fastest. A float
 *   range has no grid (use choice or random).
 * - random: `count` draws from a PRNG seeded with `seed` (mulberry32). Over a finite space (only
 *   choice and int domains) the draws are without replacement: points of the space are drawn by
 *   index (Floyd's algorithm), so no variant repeats and a count above the space's size is refused.
 *   With a float domain the space is infinite; a repeated draw (vanishingly rare) is drawn again.
 * - list: the entries as written, each merged over the fixed params.
 *
 * A search larger than `maxRuns` is refused with its sizes named, never cut silently.
 */
import { ValidationError } from './errors.ts';
import { STUDY_DEFAULTS, type Domain, type StudySpec, type Variant } from './study.ts';

/** How many variants (before seeds) a grid has: the product of the domain sizes. */
function domainSize(domain: Domain): number {
  switch (domain.kind) {
    case 'choice': return domain.values.length;
    case 'int': return Math.floor((domain.hi - domain.lo) / domain.step) + 1;
    case 'fixed': return 1;
    case 'float': return domain.lo === domain.hi ? 1 : Number.POSITIVE_INFINITY;
  }
}

function domainValue(domain: Domain, i: number): unknown {
  switch (domain.kind) {
    case 'choice': return domain.values[i];
    case 'int': return domain.lo + i * domain.step;
    case 'fixed': return domain.value;
    case 'float': return domain.lo; // only a one-point range is indexed
  }
}

/** The size of the search before seeds, and how it was counted ("4 × 3 × 5"), for messages. */
export function searchSize(spec: Pick<StudySpec, 'params' | 'search'>): { readonly variants: number; readonly how: string } {
  const search = spec.search;
  if (search.kind === 'external') return { variants: 0, how: 'asked by an external searcher' };
  if (search.kind === 'list') return { variants: search.entries.length, how: `${search.entries.length} listed` };
  if (search.kind === 'random') return { variants: search.count, how: `random count ${search.count}` };
  const sizes = Object.values(spec.params).map(domainSize);
  const variants = sizes.reduce((a, b) => a * b, 1);
  return { variants, how: sizes.length === 0 ? '1 (no params)' : `grid of ${sizes.join(' × ')}` };
}

/**
 * Every variant of a study, in launch order (variant-major: a variant's seeds are adjacent).
 * Throws ValidationError when the search cannot be expanded (a float range in a grid, a random
 * count above a finite space) or is larger than `maxRuns` (field `maxRuns`, the sizes named).
 */
export function expandVariants(spec: StudySpec): Variant[] {
  // An external search has no variants at submit: each trial is asked for (core/study-ask.ts).
  if (spec.search.kind === 'external') return [];
  const seeds = spec.seeds ?? 1;
  const { variants, how } = searchSize(spec);
  if (spec.search.kind === 'grid') {
    const float = Object.entries(spec.params).find(([, d]) => !Number.isFinite(domainSize(d)));
    if (float) throw new ValidationError(`a grid needs finite domains: params.${float[0]} is a float range (give a choice of values, or search: {random: {count}})`, `params.${float[0]}`, { code: 'invalid_study' });
  }
  const runs = variants * seeds;
  const cap = spec.maxRuns ?? STUDY_DEFAULTS.maxVariants;
  if (runs > cap) {
    const total = seeds > 1 ? `${how} = ${variants} variants × ${seeds} seeds = ${runs} runs` : `${how} = ${runs} runs`;
    const why = spec.maxRuns === null ? `more than a study holds (${STUDY_DEFAULTS.maxVariants})` : `exceeds maxRuns ${spec.maxRuns}`;
    throw new ValidationError(`${total} ${why}: raise maxRuns or narrow the search (nothing is cut silently)`, spec.maxRuns === null ? 'search' : 'maxRuns', { code: 'invalid_study' });
  }
  const base = baseVariants(spec);
  const out: Variant[] = [];
  for (const [group, params] of base.entries()) {
    for (let s = 0; s < seeds; s++) {
      const withSeed = spec.seeds === null ? params : { ...params, seed: s };
      const seed = typeof withSeed.seed === 'number' ? withSeed.seed : null;
      out.push({ index: out.length, params: withSeed, seed, group });
    }
  }
  return out;
}

function baseVariants(spec: StudySpec): Record<string, unknown>[] {
  const names = Object.keys(spec.params);
  const domains = names.map((n) => spec.params[n]);
  const search = spec.search;
  if (search.kind === 'external') return [];
  if (search.kind === 'list') {
    const fixed = Object.fromEntries(names.map((n, i) => [n, domainValue(domains[i], 0)]));
    return search.entries.map((entry) => ({ ...fixed, ...entry }));
  }
  const sizes = domains.map(domainSize);
  const decode = (index: number) => {
    const params: Record<string, unknown> = {};
    for (let i = names.length - 1; i >= 0; i--) {
      params[names[i]] = domainValue(domains[i], index % sizes[i]);
      index = Math.floor(index / sizes[i]);
    }
    return Object.fromEntries(names.map((n) => [n, params[n]]));
  };
  const total = sizes.reduce((a, b) => a * b, 1);
  if (search.kind === 'grid') return Array.from({ length: total }, (_, i) => decode(i));
  const random = mulberry32(search.seed);
  if (Number.isFinite(total)) {
    if (search.count > total) {
      throw new ValidationError(`random count ${search.count} is more than the ${total} distinct points of the space (${sizes.join(' × ')}); draws are without replacement: lower count, or use search: grid`, 'search.random.count', { code: 'invalid_study' });
    }
    return sampleIndices(total, search.count, random).map(decode);
  }
  const seen = new Set<string>();
  const out: Record<string, unknown>[] = [];
  while (out.length < search.count) {
    const params = Object.fromEntries(names.map((n, i) => [n, draw(domains[i], random)]));
    const key = JSON.stringify(params);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(params);
  }
  return out;
}

function draw(domain: Domain, random: () => number): unknown {
  switch (domain.kind) {
    case 'choice': return domain.values[Math.floor(random() * domain.values.length)];
    case 'int': return domain.lo + Math.floor(random() * domainSize(domain)) * domain.step;
    case 'fixed': return domain.value;
    case 'float': {
      const u = random();
      if (!domain.log) return domain.lo + u * (domain.hi - domain.lo);
      return Math.exp(Math.log(domain.lo) + u * (Math.log(domain.hi) - Math.log(domain.lo)));
    }
  }
}

/** `count` distinct indices of [0, total), uniformly, in random order (Floyd's algorithm, then a shuffle). */
function sampleIndices(total: number, count: number, random: () => number): number[] {
  const chosen = new Set<number>();
  const order: number[] = [];
  for (let j = total - count; j < total; j++) {
    const t = Math.floor(random() * (j + 1));
    const pick = chosen.has(t) ? j : t;
    chosen.add(pick);
    order.push(pick);
  }
  for (let i = order.length - 1; i > 0; i--) {
    const k = Math.floor(random() * (i + 1));
    [order[i], order[k]] = [order[k], order[i]];
  }
  return order;
}

/** A small seeded PRNG (mulberry32): uniform in [0, 1), the same sequence for the same seed. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
