/**
 * What a checkpoint is still needed for, gathered in one place: retention (`gc`, disk pressure)
 * never deletes a checkpoint any source names, and says why it kept it. Each source is one
 * function from a job and its live checkpoints to the checkpoints it protects, each with a
 * reason a person can read ("model chat v3 (production)"); adding a source is one line in
 * `PROTECTION_SOURCES`.
 */
import { isTerminal } from '../core/job-machine.ts';
import type { Checkpoint, Job } from '../core/types.ts';
import { rollbackPoint } from '../core/watchdog.ts';
import type { Store } from '../store/store.ts';
import { storedDivergence } from './watchdogs.ts';

/** What a source looks at: the job (as it is now) and its checkpoints whose file was not deleted. */
export interface ProtectionInput {
  readonly job: Job;
  readonly live: readonly Checkpoint[];
}

/** The checkpoints (by id) a source protects, each with why. */
export type ProtectionSource = (store: Store, input: ProtectionInput) => Promise<ReadonlyMap<number, readonly string[]>>;

/** A model version (and its aliases) made from the checkpoint. */
export const modelVersions: ProtectionSource = (store, { job }) => store.checkpointProtections(job.id);

/**
 * An evaluation that has not finished: running ("evaluation 7 by heldout running"), or pending
 * ("evaluation by heldout pending": the job asks for the suite and the evaluation subscriber
 * has not created it yet).
 */
export const evaluationsNotDone: ProtectionSource = async (store, { job, live }) => {
  const found = new Map<number, string[]>();
  const add = (id: number, why: string) => found.set(id, [...(found.get(id) ?? []), why]);
  const evaluations = await store.listEvaluations({ jobId: job.id, limit: 1_000_000 });
  for (const e of evaluations) if (e.state === 'running') add(e.checkpointId, `evaluation ${e.id} by ${e.suite} running`);
  const wanted = job.spec.evaluate ?? [];
  if (wanted.length === 0) return found;
  const made = new Set(evaluations.map((e) => `${e.checkpointId}\0${e.suite}`));
  for (const c of live) for (const suite of wanted) if (!made.has(`${c.id}\0${suite}`)) add(c.id, `evaluation by ${suite} pending`);
  return found;
};

/** The newest checkpoint of a job that has not ended: the next run resumes from it. */
export const resumePoint: ProtectionSource = async (_store, { job, live }) => {
  if (isTerminal(job.state) || live.length === 0) return new Map();
  const newest = live.reduce((a, b) => (b.step > a.step || (b.step === a.step && b.id > a.id) ? b : a));
  return new Map([[newest.id, [`resume point of job ${job.id} (${job.state})`]]]);
};

/**
 * The checkpoint the divergence watchdog would roll back to (core/watchdog.ts `rollbackPoint`),
 * for a job that has not ended and whose spec retries a divergence (`retryWithParams`): before
 * the divergence its last run ended with, or, while the diverged run is being stopped (and saves
 * a checkpoint past the divergence), before the divergence its stored points show.
 */
export const divergenceRollback: ProtectionSource = async (store, { job, live }) => {
  const divergence = job.spec.watchdog.divergence;
  if (isTerminal(job.state) || !divergence || divergence.retryWithParams === null) return new Map();
  const divergedAt = job.stopReason === 'diverged' ? (await storedDivergence(store, job))?.step
    : job.outcome?.kind === 'diverged' ? job.outcome.step : undefined;
  const point = rollbackPoint(divergence, live, divergedAt);
  return point ? new Map([[point.id, [`divergence rollback point of job ${job.id}`]]]) : new Map();
};

/** A job that has not ended and starts from the checkpoint (its `from:`): "job 14 starts from it". */
export const dependentJobs: ProtectionSource = (store, { job }) => store.initFromProtections(job.id);

/** A deploy target serving the checkpoint, a deployment staging it, or one that may revert to it. */
export const deployments: ProtectionSource = (store, { job }) => store.deploymentProtections(job.id);

/** Every source, in the order their reasons are listed. */
export const PROTECTION_SOURCES: readonly ProtectionSource[] = [
  modelVersions,
  evaluationsNotDone,
  resumePoint,
  divergenceRollback,
  dependentJobs,
  deployments,
];

/** Every protection of a job's live checkpoints, merged: checkpoint id → reasons. */
export async function gatherProtections(store: Store, input: ProtectionInput, sources: readonly ProtectionSource[] = PROTECTION_SOURCES): Promise<Map<number, string[]>> {
  const merged = new Map<number, string[]>();
  for (const source of sources) {
    for (const [id, reasons] of await source(store, input)) merged.set(id, [...(merged.get(id) ?? []), ...reasons]);
  }
  return merged;
}
