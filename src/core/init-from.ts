/**
 * `from:` of a job spec: the checkpoint a new job starts from (its weights; the job's own
 * `TRAINYARD_RESUME_FROM` stays its resume point). Pure: the declared forms, their reading, and
 * the choice among a job's checkpoints. The store resolves a reference to one checkpoint id in
 * the transaction that creates the job (store/sqlite/init-from.ts), so a later alias move does
 * not change a submitted job.
 *
 * Declared forms (docs/training-contract.md):
 * - `{job: 12}` or `job:12`: job 12's latest live checkpoint; `{job: 12, pick: best}` (or
 *   `job:12:best`) its best by `metric` (default `loss`) in direction `goal` (default `min`),
 *   among the checkpoints whose metrics carry it.
 * - `{checkpoint: 345}` or `checkpoint:345`: that checkpoint.
 * - `model:chat@production` (an alias), `model:chat:3` or `model:chat@3` (a version),
 *   `model:chat` (its latest version): the version's checkpoint.
 */
import { z } from 'zod';
import { LATEST, parseModelRef, type VersionRef } from './registry.ts';
import type { Checkpoint } from './types.ts';

/** `pick` of `{job: N}`. Default: latest. */
export const FROM_PICKS = ['latest', 'best'] as const;
export type FromPick = (typeof FROM_PICKS)[number];

/** Defaults of `{job: N, pick: best}`, each with its reason. */
export const FROM_DEFAULTS = Object.freeze({
  /** A training loss is what every trainer we know reports with its checkpoints. */
  metric: 'loss',
  /** Lower loss is better. */
  goal: 'min' as const,
});

/** `from:` as the user declared it (kept so in the stored spec). */
export type FromSpec =
  | string
  | { readonly job: number; readonly pick?: FromPick; readonly metric?: string; readonly goal?: 'min' | 'max' }
  | { readonly checkpoint: number };

/** A declared `from:` read into one of three kinds. */
export type FromRef =
  | { readonly kind: 'job'; readonly jobId: number; readonly pick: FromPick; readonly metric: string; readonly goal: 'min' | 'max' }
  | { readonly kind: 'checkpoint'; readonly checkpointId: number }
  | { readonly kind: 'model'; readonly model: string; readonly ref: VersionRef };

/** What a `from:` resolved to at submit; stored on the job (`Job.initFrom`). */
export interface InitFrom {
  readonly checkpointId: number;
  /** The job that wrote the checkpoint. */
  readonly jobId: number;
  readonly step: number;
  /** The model version the reference named, when `from:` was a model reference; else null. */
  readonly model: { readonly name: string; readonly version: number } | null;
}

const ID = '[1-9][0-9]{0,14}';
const JOB_TEXT = new RegExp(`^job:(${ID})(?::(latest|best)(?::([^:]{1,200})(?::(min|max))?)?)?$`);
const CHECKPOINT_TEXT = new RegExp(`^checkpoint:(${ID})$`);

/** The forms a string `from:` may take, for messages. */
export const FROM_TEXT_FORMS = 'model:NAME@ALIAS, model:NAME:VERSION, model:NAME, job:N[:best] or checkpoint:N';

/** Reads a string `from:`, or null when it is none of `FROM_TEXT_FORMS`. */
export function parseFromText(text: string): FromRef | null {
  const job = JOB_TEXT.exec(text);
  if (job) return jobRef({ job: Number(job[1]), pick: job[2] as FromPick | undefined, metric: job[3], goal: job[4] as 'min' | 'max' | undefined });
  const checkpoint = CHECKPOINT_TEXT.exec(text);
  if (checkpoint) return { kind: 'checkpoint', checkpointId: Number(checkpoint[1]) };
  if (!text.startsWith('model:')) return null;
  const body = text.slice('model:'.length);
  // `chat:3` is version 3; `chat@production`, `chat@3` and `chat` are parseModelRef's.
  const colon = /^(.+):([1-9][0-9]{0,8})$/.exec(body);
  const parsed = parseModelRef(colon ? `${colon[1]}@${colon[2]}` : body);
  return parsed ? { kind: 'model', model: parsed.model, ref: parsed.ref } : null;
}

function jobRef(spec: { job: number; pick?: FromPick; metric?: string; goal?: 'min' | 'max' }): FromRef {
  return { kind: 'job', jobId: spec.job, pick: spec.pick ?? 'latest', metric: spec.metric ?? FROM_DEFAULTS.metric, goal: spec.goal ?? FROM_DEFAULTS.goal };
}

/** A declared `from:` (already checked by `fromInput`) read into its kind. */
export function fromRef(spec: FromSpec): FromRef {
  if (typeof spec === 'string') {
    const ref = parseFromText(spec);
    if (!ref) throw new TypeError(`from: not a reference: ${spec}`);
    return ref;
  }
  return 'checkpoint' in spec ? { kind: 'checkpoint', checkpointId: spec.checkpoint } : jobRef(spec);
}

/** A reference as people write it: `job 12 (best by loss, min)`, `model chat@production`. */
export function describeFromRef(ref: FromRef): string {
  switch (ref.kind) {
    case 'job':
      return ref.pick === 'latest' ? `job ${ref.jobId} (latest checkpoint)` : `job ${ref.jobId} (best checkpoint by ${ref.metric}, ${ref.goal})`;
    case 'checkpoint':
      return `checkpoint ${ref.checkpointId}`;
    case 'model':
      return `model ${ref.model}@${ref.ref === LATEST ? LATEST : ref.ref}`;
  }
}

const positiveId = z.number().int().positive();

/** `from:` in a job spec (job-spec.ts): a reference string, `{job, pick?, metric?, goal?}` or `{checkpoint}`. */
export const fromInput = z.union([
  z.string().refine((text) => parseFromText(text) !== null, `expected ${FROM_TEXT_FORMS}`),
  z
    .strictObject({
      job: positiveId,
      pick: z.enum(FROM_PICKS).optional(),
      metric: z.string().min(1).max(200).optional(),
      goal: z.enum(['min', 'max']).optional(),
    })
    .refine((spec) => spec.pick === 'best' || (spec.metric === undefined && spec.goal === undefined), {
      message: 'metric and goal choose the best checkpoint: they need pick: best',
      path: ['pick'],
    }),
  z.strictObject({ checkpoint: positiveId }),
]);

/** Why no checkpoint could be picked from a job's (non-empty list of) checkpoints. */
export type PickProblem = { readonly kind: 'none-live'; readonly deleted: number } | { readonly kind: 'no-metric'; readonly metric: string; readonly live: number };

/**
 * The checkpoint `{job: N, pick}` means among job N's checkpoints: deleted ones never count;
 * `latest` is the highest step (then the newest id); `best` the lowest (`min`) or highest
 * (`max`) finite value of `metric` (ties: the later step, then the newer id).
 */
export function pickCheckpoint(
  checkpoints: readonly Checkpoint[],
  ref: Extract<FromRef, { kind: 'job' }>,
): { readonly checkpoint: Checkpoint } | { readonly problem: PickProblem } {
  const live = checkpoints.filter((c) => !c.deleted);
  if (live.length === 0) return { problem: { kind: 'none-live', deleted: checkpoints.length } };
  const later = (a: Checkpoint, b: Checkpoint) => a.step > b.step || (a.step === b.step && a.id > b.id);
  if (ref.pick === 'latest') return { checkpoint: live.reduce((best, c) => (later(c, best) ? c : best)) };
  const scored = live.filter((c) => Number.isFinite(c.metrics[ref.metric]));
  if (scored.length === 0) return { problem: { kind: 'no-metric', metric: ref.metric, live: live.length } };
  const sign = ref.goal === 'min' ? 1 : -1;
  const best = scored.reduce((best, c) => {
    const d = sign * (c.metrics[ref.metric] - best.metrics[ref.metric]);
    return d < 0 || (d === 0 && later(c, best)) ? c : best;
  });
  return { checkpoint: best };
}

/**
 * `from:` as a model version's lineage records it (core/registry.ts `VersionLineage.job.from`):
 * what the job declared, what it resolved to, and the model versions that pinned that
 * checkpoint when the version was made (each has its own lineage: the chain goes on there).
 */
export interface LineageFrom extends InitFrom {
  readonly declared: FromSpec;
  readonly checkpointVersions: readonly { readonly model: string; readonly version: number }[];
}
