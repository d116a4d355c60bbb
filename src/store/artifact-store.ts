/** Artifacts' part of the Store (see store.ts for the rules every verb keeps; core/artifacts.ts). */
import type { Artifact, ArtifactKind } from '../core/artifacts.ts';

/** An artifact to record; its bytes are already stored (control/artifacts.ts). */
export type NewArtifact = Omit<Artifact, 'id' | 'createdAt'>;

/** Which of a job's artifacts to list; every field narrows. Default: all of them. */
export interface ArtifactFilter {
  readonly kind?: ArtifactKind;
  readonly step?: number;
  readonly runId?: number;
  readonly name?: string;
}

/** Files runs attached. Records are never changed; they go with their job. */
export interface ArtifactStore {
  /**
   * Records an attached file and appends `artifact.attached`, in one transaction. Idempotent
   * on (run, name, step, sha256): the same file attached again (a log line applied twice after
   * a crash, an SDK's retry) returns the first record with `created: false`, and writes nothing.
   * Throws NotFoundError when the run does not exist or is not of `jobId`.
   */
  attachArtifact(artifact: NewArtifact, now: number): Promise<{ artifact: Artifact; created: boolean }>;
  /** An artifact by id, or null. */
  getArtifact(id: number): Promise<Artifact | null>;
  /** A job's artifacts matching `filter`, in the order they were attached (by id). */
  listArtifacts(jobId: number, filter?: ArtifactFilter): Promise<Artifact[]>;
  /**
   * `listArtifacts` (unfiltered) of several jobs in one read (a study report): every id of
   * `jobIds` maps to its artifacts in attach order, empty when it has none or does not exist.
   */
  listArtifactsOfJobs(jobIds: readonly number[]): Promise<Map<number, Artifact[]>>;
}
