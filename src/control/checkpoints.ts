/**
 * Registering a checkpoint file a run wrote, and retention. A checkpoint must lie inside its
 * job's checkpoint directory (after resolving `..` and symlinks); retention deletes only files
 * there, and only registered checkpoints that the plan (`core/retention.ts` `planRetention`)
 * removes: older than the newest `keep`, and protected by nothing (a model version, an
 * evaluation pending or running).
 */
import { existsSync, lstatSync, readdirSync, realpathSync, rmSync } from 'node:fs';
import { isAbsolute, join, resolve, sep } from 'node:path';
import { ValidationError } from '../core/errors.ts';
import { planRetention, type RetentionPlan } from '../core/retention.ts';
import type { Checkpoint } from '../core/types.ts';
import type { CheckpointStore, EvaluationStore, RegistryStore } from '../store/store.ts';

/** What registration and retention read and write. */
export type RetentionStore = CheckpointStore & Pick<RegistryStore, 'checkpointProtections'> & Pick<EvaluationStore, 'listEvaluations'>;

/** A job's retention settings, from its spec. */
export interface CheckpointRetention {
  /** Keep the newest N by step (`keepCheckpoints`); 0 keeps every checkpoint. */
  readonly keep: number;
  /** The suites that evaluate each checkpoint (`evaluate`). Default: none. */
  readonly evaluate?: readonly string[];
}

export interface CheckpointFile {
  readonly jobId: number;
  readonly runId: number;
  /** Relative to the checkpoint directory, or absolute inside it. */
  readonly path: string;
  readonly step: number;
  readonly metrics: Readonly<Record<string, number>>;
}

/** Resolves and checks the path; throws ValidationError (field `path`) when it is refused. */
export function resolveCheckpointPath(checkpointDir: string, path: string): string {
  if (path.includes('\0')) throw invalid('contains a NUL byte');
  const root = realpathSync(checkpointDir);
  const candidate = isAbsolute(path) ? resolve(path) : resolve(root, path);
  if (!inside(root, candidate) && !inside(resolve(checkpointDir), candidate)) {
    throw invalid(`must be inside the checkpoint directory ${checkpointDir}`);
  }
  if (!existsSync(candidate)) throw invalid(`${path} does not exist (write the file before registering it)`);
  const real = realpathSync(candidate);
  if (!inside(root, real)) throw invalid('resolves (through a symlink) outside the checkpoint directory');
  return real;
}

export async function registerCheckpointFile(
  store: RetentionStore,
  checkpointDir: string,
  request: CheckpointFile,
  retention: CheckpointRetention,
  now: number,
): Promise<{ checkpoint: Checkpoint; deleted: Checkpoint[] }> {
  if (!Number.isFinite(request.step)) throw new ValidationError('must be a finite number', 'step');
  const path = resolveCheckpointPath(checkpointDir, request.path);
  const checkpoint = await store.registerCheckpoint({
    jobId: request.jobId,
    runId: request.runId,
    step: request.step,
    path,
    bytes: sizeOf(path),
    metrics: request.metrics,
    createdAt: now,
  });
  const deleted = retention.keep > 0 ? await applyRetention(store, checkpointDir, request.jobId, retention, now) : [];
  return { checkpoint, deleted };
}

/**
 * What protects a job's checkpoints from retention, each with why: a model version
 * (`checkpointProtections`: "model chat v3 (production)"), and an evaluation that has not run
 * yet: running ("evaluation 7 by heldout running"), or pending ("evaluation by heldout
 * pending": the job asks for the suite and the evaluation subscriber has not created it yet).
 */
export async function checkpointProtections(store: RetentionStore, jobId: number, live: readonly Checkpoint[], evaluate: readonly string[]): Promise<Map<number, string[]>> {
  const protections = await store.checkpointProtections(jobId);
  const add = (id: number, why: string) => protections.set(id, [...(protections.get(id) ?? []), why]);
  for (const e of await store.listEvaluations({ jobId, state: 'running', limit: 100_000 })) add(e.checkpointId, `evaluation ${e.id} by ${e.suite} running`);
  if (evaluate.length === 0) return protections;
  for (const c of live) {
    const made = new Set((await store.listEvaluations({ checkpointId: c.id })).map((e) => e.suite));
    for (const suite of evaluate) if (!made.has(suite)) add(c.id, `evaluation by ${suite} pending`);
  }
  return protections;
}

/** The retention plan of a job's live checkpoints, with every reason (`gc --dry-run`). */
export async function planJobRetention(store: RetentionStore, jobId: number, retention: CheckpointRetention): Promise<{ plan: RetentionPlan; live: Checkpoint[] }> {
  const live = (await store.listCheckpoints(jobId)).filter((c) => !c.deleted);
  const protections = await checkpointProtections(store, jobId, live, retention.evaluate ?? []);
  const plan = planRetention(live.map((c) => ({ id: c.id, step: c.step, metrics: c.metrics })), { keepLatest: retention.keep }, protections);
  return { plan, live };
}

/**
 * Deletes the files of the checkpoints the plan removes (beyond the newest `keep` by step,
 * protected by nothing), except any file a kept one shares.
 */
async function applyRetention(store: RetentionStore, checkpointDir: string, jobId: number, retention: CheckpointRetention, now: number): Promise<Checkpoint[]> {
  const { plan, live } = await planJobRetention(store, jobId, retention);
  const root = realpathSync(checkpointDir);
  const removed = new Set(plan.remove.map((r) => r.id));
  const kept = live.filter((c) => !removed.has(c.id));
  const doomed = live.filter((c) => removed.has(c.id) && !kept.some((k) => k.path === c.path));
  for (const c of doomed) {
    if (inside(root, c.path)) rmSync(c.path, { recursive: true, force: true });
    await store.markCheckpointDeleted(c.id, now);
  }
  return doomed;
}

function inside(root: string, path: string): boolean {
  return path.startsWith(root.endsWith(sep) ? root : root + sep);
}

/** Bytes of a file, or of every file under a directory (Hugging Face checkpoints are folders). */
function sizeOf(path: string): number {
  const stat = lstatSync(path);
  if (!stat.isDirectory()) return stat.size;
  return readdirSync(path).reduce((sum, name) => sum + sizeOf(join(path, name)), 0);
}

function invalid(message: string): ValidationError {
  return new ValidationError(message, 'path', { code: 'invalid_checkpoint' });
}

