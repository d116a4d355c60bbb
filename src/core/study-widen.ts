/**
 * Widening a study (docs/studies.md, "Widening a study"): more budget for a study without
 * starting over. A larger `maxRuns` lets a random search draw more variants (the same PRNG, so
 * the trials it has stay as they are) and an external searcher ask for more trials; with
 * `resumePaused`, the trials ASHA paused (`action: pause`) that now rank among the best at their
 * rung, given every value known there, are resumed. Pure: the caller reads the store (the
 * objective's value of each trial at each paused trial's rung) and writes the plan in one store
 * transaction (`widenStudy`).
 */
import { ashaPromotable } from './early-stopping.ts';
import { ConflictError, ValidationError } from './errors.ts';
import { ACTIVE_JOB_STATES, type Study, type Trial } from './study-record.ts';
import { expandVariants } from './study-variants.ts';
import { STUDY_DEFAULTS, type StudySpec, type Variant } from './study.ts';

/** What a person asks for (at least one of the two). */
export interface WidenRequest {
  /** The new exact cap on the study's trials: at least the trials it has and its current maxRuns. */
  readonly maxRuns?: number;
  /** Resume the trials ASHA paused that now rank in at their rung. Default: false. */
  readonly resumePaused?: boolean;
}

/** A paused trial's standing at its rung, now. */
export interface HeldTrial {
  readonly index: number;
  readonly rung: number;
  readonly value: number | null;
  /** Its rank among the values now known at the rung (1 = best), and how many there are. */
  readonly rank: number | null;
  readonly of: number;
  /** How many continue at the rung now: max(1, ⌊of/η⌋). */
  readonly keep: number;
  /** The worst value that continues at the rung now; null without values. */
  readonly cutoff: number | null;
  /** It ranks in now (`ashaPromotable`); it may still stay paused for want of a free slot. */
  readonly promotable: boolean;
}

/** The widened spec and the trials it adds, before any promotion. */
export interface WidenedSearch {
  readonly spec: StudySpec;
  /** New trials, indexed after the study's last one; empty for an external search (the searcher asks). */
  readonly added: readonly Variant[];
}

/** The study's current cap: its spec's `maxRuns`, else the trials it has. */
export function currentMaxRuns(study: Pick<Study, 'spec' | 'trialCount'>): number {
  return study.spec.maxRuns ?? study.trialCount;
}

/**
 * Refuses what cannot be widened, naming why: a stopped study (it does not reopen), a paused
 * one asked to resume trials (resume the study first), a request that asks for nothing, a
 * `maxRuns` below the trials made or the current cap, or `resumePaused` without ASHA
 * `action: pause`.
 */
export function checkWiden(study: Pick<Study, 'name' | 'state' | 'spec' | 'trialCount'>, request: WidenRequest): void {
  if (request.maxRuns === undefined && !request.resumePaused) {
    throw new ValidationError('nothing to widen: give maxRuns (a larger cap) or resumePaused: true', null, { code: 'invalid_widen' });
  }
  if (study.state === 'stopped') {
    throw new ConflictError(`study ${study.name} was stopped: a stopped study does not reopen (submit a new study with another name)`);
  }
  if (request.resumePaused && study.state === 'paused') {
    throw new ConflictError(`study ${study.name} is paused: resume it first (trainyard study resume ${study.name}), then widen it with --resume-paused`);
  }
  if (request.resumePaused) {
    const es = study.spec.earlyStopping;
    if (!es || !('asha' in es) || es.asha.action !== 'pause') {
      throw new ValidationError(`study ${study.name} has no ASHA early stopping with action: pause, so no trial of it was paused to be resumed`, 'resumePaused', { code: 'invalid_widen' });
    }
  }
  const max = request.maxRuns;
  if (max === undefined) return;
  const current = currentMaxRuns(study);
  if (max < study.trialCount) {
    throw new ValidationError(`${max} is below the ${study.trialCount} trials study ${study.name} has made already: a widened study keeps its trials (give at least ${Math.max(study.trialCount, current)})`, 'maxRuns', { code: 'invalid_widen' });
  }
  if (max < current) {
    throw new ValidationError(`${max} is below the study's maxRuns ${current}: widening raises the cap, it never lowers it`, 'maxRuns', { code: 'invalid_widen' });
  }
  if (max > STUDY_DEFAULTS.maxVariants) {
    throw new ValidationError(`${max} is more than a study holds (${STUDY_DEFAULTS.maxVariants})`, 'maxRuns', { code: 'invalid_widen' });
  }
  const kind = study.spec.search.kind;
  if ((kind === 'grid' || kind === 'list') && max > current) {
    throw new ConflictError(`study ${study.name} searches by ${kind}: its ${study.trialCount} trials are every variant it has, so a larger maxRuns adds none (widen a random or external search, or submit a new study with more variants)`);
  }
}

/**
 * The spec and new trials for `maxRuns` (after `checkWiden`). Random: the count grows to
 * ⌊maxRuns / seeds⌋ and the new variants are the draws the study does not have yet, in the
 * order the same PRNG gives them (over a float domain the first draws are the study's own, so
 * the new ones are the next draws). External: only the cap grows. ValidationError (field
 * `maxRuns`) when the random space has too few distinct points.
 */
export function widenSearch(study: Pick<Study, 'spec' | 'trialCount'>, trials: readonly Pick<Trial, 'params' | 'group'>[], maxRuns: number): WidenedSearch {
  const spec = study.spec;
  if (spec.search.kind !== 'random') return { spec: { ...spec, maxRuns }, added: [] };
  const seeds = spec.seeds ?? 1;
  const count = Math.floor(maxRuns / seeds);
  const widened: StudySpec = { ...spec, maxRuns, search: { ...spec.search, count: Math.max(count, spec.search.count) } };
  if (count <= spec.search.count) return { spec: widened, added: [] };
  let all: Variant[];
  try {
    all = expandVariants(widened);
  } catch (error) {
    if (error instanceof ValidationError) throw new ValidationError(`widening to ${maxRuns} runs needs ${count} random variants: ${error.message}`, 'maxRuns', { code: 'invalid_widen', cause: error });
    throw error;
  }
  const have = new Set(trials.map((t) => JSON.stringify(t.params)));
  let group = trials.reduce((g, t) => Math.max(g, t.group + 1), 0);
  const added: Variant[] = [];
  const wanted = (count - spec.search.count) * seeds;
  // Variant-major: a variant's seeds are adjacent; a group is new when none of its trials exists.
  for (let i = 0; i < all.length && added.length < wanted; i += seeds) {
    const runs = all.slice(i, i + seeds);
    if (runs.some((v) => have.has(JSON.stringify(v.params)))) continue;
    for (const v of runs) added.push({ index: study.trialCount + added.length, params: v.params, seed: v.seed, group });
    group++;
  }
  return { spec: widened, added };
}

/** The trials ASHA paused (their job paused, their decision `pause`), each with its rung. */
export function heldTrials(trials: readonly Trial[]): Trial[] {
  return trials.filter((t) => t.jobId !== null && t.state === 'paused' && t.decision?.carriedOut === 'pause' && t.decision.policy === 'asha');
}

/**
 * Which held trials to resume, best first, at most `freeSlots` of them (the parallelism cap
 * holds), and the standing of every held trial at its rung now. `valuesAt(rung)` is every
 * trial's value at that rung (trial index → value; the held trial's own included).
 */
export function planPromotions(
  spec: StudySpec,
  held: readonly Trial[],
  valuesAt: (rung: number) => ReadonlyMap<number, number>,
  freeSlots: number,
): { readonly resume: readonly HeldTrial[]; readonly stay: readonly HeldTrial[] } {
  const es = spec.earlyStopping;
  if (!es || !('asha' in es)) return { resume: [], stay: [] };
  const cfg = es.asha;
  const promotable: HeldTrial[] = [];
  const stay: HeldTrial[] = [];
  const byRung = new Map<number, Trial[]>();
  for (const t of held) byRung.set(t.decision!.step, [...(byRung.get(t.decision!.step) ?? []), t]);
  for (const [rung, trials] of [...byRung].sort(([a], [b]) => a - b)) {
    const values = valuesAt(rung);
    const ranked = [...values.values()].filter((v) => !Number.isNaN(v));
    const keep = Math.max(1, Math.floor(ranked.length / cfg.reductionFactor));
    const cutoff = [...ranked].sort((a, b) => (cfg.mode === 'min' ? a - b : b - a))[keep - 1] ?? null;
    const up = new Set(ashaPromotable(cfg, values, trials.map((t) => t.index)));
    for (const t of trials) {
      const value = values.get(t.index);
      const known = value !== undefined && !Number.isNaN(value);
      const rank = known ? 1 + ranked.filter((v) => (cfg.mode === 'min' ? v < value : v > value)).length : null;
      const standing: HeldTrial = { index: t.index, rung, value: known ? value : null, rank, of: ranked.length, keep, cutoff, promotable: up.has(t.index) };
      (standing.promotable ? promotable : stay).push(standing);
    }
  }
  promotable.sort((a, b) => a.rank! / a.keep - b.rank! / b.keep || a.index - b.index);
  const slots = Math.max(0, freeSlots);
  return { resume: promotable.slice(0, slots), stay: [...promotable.slice(slots), ...stay].sort((a, b) => a.index - b.index) };
}

/** Trials that hold a parallelism slot (launched, not ended, not held by early stopping). */
export function openTrials(trials: readonly Trial[]): number {
  return trials.filter((t) => ACTIVE_JOB_STATES.includes(t.state as never) && t.decision?.carriedOut !== 'pause').length;
}

/** The line a resumed trial's decision says, and a held trial's standing, for people. */
export function standingReason(metric: string, h: HeldTrial, resumed: boolean): string {
  const where = `at rung ${h.rung}`;
  if (h.rank === null) return `${metric} has no value ${where}: stays paused`;
  const rule = `the top ${h.keep} of ${h.of} continue, cutoff ${h.cutoff}`;
  const ranks = `${metric} ${h.value} ranks ${h.rank} of ${h.of} ${where}; ${rule}`;
  if (resumed) return `widened: ${ranks}: resumed`;
  return h.promotable ? `${ranks}, but every parallelism slot is taken: stays paused (widen with resumePaused again when a trial ends)` : `${ranks}: stays paused`;
}
