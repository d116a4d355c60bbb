/**
 * The one intake for everything a run reports, whatever door it came in by: the HTTP routes
 * (the SDKs), the line protocol in its log (log-lines.ts) and the spool an SDK left behind
 * (spool-intake.ts). Each report is made durable first (one store verb), then its side effects
 * run once, here: progress, the divergence watchdog, live events, checkpoint retention; files a
 * run attaches (artifacts) are copied in here too.
 */
import type { Artifact } from '../core/artifacts.ts';
import type { Checkpoint, SeriesPoints } from '../core/types.ts';
import { NotFoundError } from '../core/errors.ts';
import type { MetricWriteResult, Store } from '../store/store.ts';
import { attachArtifact, type ArtifactFolders, type ArtifactSource, type AttachRequest } from './artifacts.ts';
import { registerCheckpointFile, type CheckpointFile } from './checkpoints.ts';
import type { LiveBus } from './live-bus.ts';
import type { ProgressBook } from './progress-book.ts';

/** The run a report belongs to. */
export interface RunRef {
  readonly runId: number;
  readonly jobId: number;
}

export interface IntakeBatch {
  /** Client-chosen id: a batch seen before is not recorded again. null: none. */
  readonly batchId: string | null;
  readonly series: ReadonlyMap<string, SeriesPoints>;
  /** Highest step in the batch, null when it has no points. */
  readonly maxStep: number | null;
  /** Last value of each key in the batch. */
  readonly latest: Readonly<Record<string, { step: number; value: number }>>;
  /** From the log: the log offset after these lines, saved with the points. */
  readonly logOffset?: number;
}

export interface StatusReport {
  readonly total?: number;
  readonly message?: string;
}

export interface RunIntake {
  /** Records a batch; duplicates (same batch id) change nothing and trigger nothing. */
  metrics(run: RunRef, batch: IntakeBatch): Promise<MetricWriteResult>;
  /** Registers a checkpoint file the run wrote, then applies the job's retention. */
  checkpoint(run: RunRef, file: Omit<CheckpointFile, 'jobId' | 'runId'>): Promise<Checkpoint>;
  /**
   * Copies a file the run attached into the data directory and records it with its event
   * (control/artifacts.ts: where paths may come from, the size cap). Attaching the same bytes
   * under the same name and step again returns the first record.
   */
  artifact(run: RunRef, request: AttachRequest, source: ArtifactSource): Promise<Artifact>;
  /** Progress total and status message; with `heartbeat`, the run also said it is alive. */
  status(run: RunRef, report: StatusReport, heartbeat: boolean): Promise<{ readonly stopRequested: boolean }>;
  /** Points accepted since this intake was made (every door; duplicates not counted): the ingest rate of `/metrics`. */
  ingestedPoints(): number;
  /** Log lines with nothing to apply were read up to `offset`. */
  logRead(run: RunRef, offset: number): Promise<void>;
}

export interface RunIntakeDeps {
  readonly store: Store;
  readonly bus: LiveBus;
  readonly progress: ProgressBook;
  readonly checkpointDir: (jobId: number) => string;
  /** Where artifacts are stored and which folders a run may attach from. */
  readonly artifactFolders: ArtifactFolders;
  readonly now: () => number;
  /** New points of a run: the divergence watchdog looks at them. */
  readonly watch: (run: RunRef, series: ReadonlyMap<string, SeriesPoints>) => void;
  /** A checkpoint was registered: the job's retention, then disk pressure (gc.ts). Never throws. */
  readonly afterCheckpoint?: (jobId: number) => Promise<void>;
}

export function createRunIntake(deps: RunIntakeDeps): RunIntake {
  const { store } = deps;
  let ingested = 0;

  return {
    ingestedPoints: () => ingested,

    async metrics(run, batch) {
      const result = await store.recordMetrics({ runId: run.runId, batchId: batch.batchId, series: batch.series, logOffset: batch.logOffset });
      if (result.duplicate) return result;
      ingested += result.accepted;
      if (batch.maxStep !== null) deps.progress.observe(run.jobId, batch.maxStep);
      deps.bus.publish({ type: 'metrics', jobId: run.jobId, data: { jobId: run.jobId, runId: run.runId, latest: { ...batch.latest } } });
      deps.watch(run, batch.series);
      return result;
    },

    async checkpoint(run, file) {
      const job = await store.getJob(run.jobId);
      if (!job) throw new NotFoundError('job', run.jobId);
      const checkpoint = await registerCheckpointFile(store, deps.checkpointDir(run.jobId), { ...file, jobId: run.jobId, runId: run.runId }, deps.now());
      await deps.afterCheckpoint?.(run.jobId);
      return checkpoint;
    },

    artifact(run, request, source) {
      return attachArtifact({ store, folders: deps.artifactFolders, now: deps.now }, run, request, source);
    },

    async status(run, report, heartbeat) {
      if (heartbeat) await store.recordHeartbeat(run.runId, deps.now());
      if (report.total !== undefined) deps.progress.setTotal(run.jobId, report.total);
      if (report.message !== undefined) deps.progress.setMessage(run.jobId, report.message);
      const [job, current] = await Promise.all([store.getJob(run.jobId), store.getRun(run.runId)]);
      return { stopRequested: Boolean(job?.stopRequested) || current?.state !== 'running' };
    },

    async logRead(run, offset) {
      await store.setLogOffset(run.runId, offset);
    },
  };
}
