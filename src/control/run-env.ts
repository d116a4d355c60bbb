/** The environment a run starts with: the contract of docs/training-contract.md. */
import { effectiveParams } from '../core/remedies.ts';
import type { Checkpoint, Job, Run } from '../core/types.ts';
import type { CheckpointStore } from '../store/store.ts';

export interface RunEnvInput {
  readonly job: Job;
  readonly run: Run;
  readonly baseEnv: Readonly<Record<string, string>>;
  readonly serverUrl: string;
  readonly token: string;
  readonly checkpointDir: string;
  readonly spoolDir: string;
  readonly resume: Checkpoint | null;
  /** The checkpoint `spec.from` resolved to at submit (`Job.initFrom`); null without one. */
  readonly initFrom: Checkpoint | null;
  readonly gpus: readonly number[];
  /** Upstream job id → path of its latest registered checkpoint (see `upstreamCheckpoints`). */
  readonly upstreamCheckpoints: Readonly<Record<string, string>>;
}

export function runEnv(input: RunEnvInput): Record<string, string> {
  const { job, run, resume } = input;
  // The params the run recorded when it was claimed: what it gets is what `show` says it had.
  const params = run.params ?? effectiveParams(job);
  return {
    ...input.baseEnv,
    PYTHONUNBUFFERED: '1',
    ...job.spec.env,
    TRAINYARD_URL: input.serverUrl,
    TRAINYARD_TOKEN: input.token,
    TRAINYARD_JOB_ID: String(job.id),
    TRAINYARD_RUN_ID: String(run.id),
    TRAINYARD_ATTEMPT: String(run.attempt),
    TRAINYARD_CHECKPOINT_DIR: input.checkpointDir,
    TRAINYARD_RESUME_FROM: resume?.path ?? '',
    TRAINYARD_RESUME_STEP: resume ? String(resume.step) : '',
    // The job's starting weights: every attempt gets them; a script prefers RESUME_FROM when set.
    TRAINYARD_INIT_FROM: input.initFrom?.path ?? '',
    TRAINYARD_INIT_FROM_ID: input.initFrom ? String(input.initFrom.id) : '',
    TRAINYARD_PARAMS: JSON.stringify(params),
    TRAINYARD_SPOOL_DIR: input.spoolDir,
    TRAINYARD_UPSTREAM_CHECKPOINTS: JSON.stringify(input.upstreamCheckpoints),
    CUDA_VISIBLE_DEVICES: input.gpus.join(','),
  };
}

/**
 * For `TRAINYARD_UPSTREAM_CHECKPOINTS`: each upstream job (`spec.after`) → the absolute path of
 * its latest registered checkpoint whose file was not deleted. Upstream jobs without one are
 * left out, so a job with none (or no `after`) gets `{}`.
 */
export async function upstreamCheckpoints(store: Pick<CheckpointStore, 'latestCheckpoint'>, after: readonly number[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const jobId of after) {
    const latest = await store.latestCheckpoint(jobId);
    if (latest !== null) out[String(jobId)] = latest.path;
  }
  return out;
}
