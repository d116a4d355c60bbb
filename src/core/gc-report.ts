/**
 * What a collection (`trainyard gc`, `POST /api/v1/gc`) did or, in a dry run, would do: per
 * job, each checkpoint kept with every reason that keeps it, each removed with why no rule
 * keeps it, and the bytes freed. Failures are per checkpoint: one that cannot be deleted does
 * not stop the others (the collection is a bulk operation with per-item results).
 */
import type { JobState } from './types.ts';
import type { PolicySource, RetentionPolicy } from './retention.ts';

export interface KeptCheckpoint {
  readonly checkpointId: number;
  readonly step: number;
  readonly bytes: number;
  /** Protections first ("model chat v3 (production)"), then the keep rules that hold it. */
  readonly reasons: readonly string[];
  /** True when a protection keeps it: even disk pressure leaves it. */
  readonly protected: boolean;
  /** Its file is gone although nothing marked it deleted (removed outside Trainyard). */
  readonly fileMissing: boolean;
}

export interface RemovedCheckpoint {
  readonly checkpointId: number;
  readonly step: number;
  readonly path: string;
  /** Bytes freed (a dry run: that would be); 0 when the file was gone already. */
  readonly bytes: number;
  /** Why no rule keeps it and nothing protects it. */
  readonly reason: string;
  /** "its file was already gone": marked deleted all the same. null otherwise. */
  readonly note: string | null;
}

export interface FailedRemoval {
  readonly checkpointId: number;
  readonly step: number;
  /** What went wrong; the checkpoint stays live and the next collection tries again. */
  readonly error: string;
}

export interface GcJobReport {
  readonly jobId: number;
  readonly name: string;
  readonly state: JobState;
  /** The policy it followed, and where that came from. */
  readonly policy: RetentionPolicy;
  readonly policySource: PolicySource;
  readonly kept: readonly KeptCheckpoint[];
  readonly removed: readonly RemovedCheckpoint[];
  readonly failed: readonly FailedRemoval[];
  readonly bytesFreed: number;
}

export interface GcReport {
  /** True: nothing was deleted; `removed` is what would go. */
  readonly dryRun: boolean;
  /** Jobs with live checkpoints, by id. */
  readonly jobs: readonly GcJobReport[];
  /** Totals over the jobs. */
  readonly removed: number;
  readonly failed: number;
  readonly bytesFreed: number;
}
