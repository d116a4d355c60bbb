/**
 * Checkpoint registrations on their way to the server. `Run.checkpoint()` returns a
 * {@link PendingCheckpoint} at once; the background sender settles it when the server has
 * recorded the checkpoint (right away, or later from the spool), or when it never will be by
 * this process.
 */
import { formatLineValue } from './batch.ts';
import type { CheckpointRequest } from './spool.ts';

/** A registered checkpoint. In `lines` mode `id` and `createdAt` are null (the supervisor
 * registers it from the printed line). */
export interface CheckpointRecord {
  readonly id: number | null;
  /** Absolute. */
  readonly path: string;
  readonly step: number;
  readonly bytes: number | null;
  readonly metrics: Readonly<Record<string, number>>;
  readonly createdAt: number | null;
}

/** What `Run.checkpoint()` returns: the checkpoint, and a promise of its registration. */
export interface PendingCheckpoint {
  /** Absolute. */
  readonly path: string;
  readonly step: number;
  /** The metrics kept with it (non-finite ones dropped). */
  readonly metrics: Readonly<Record<string, number>>;
  /**
   * Settles when the registration is over, and never rejects. Resolves with the server's
   * record once the server has it: at once, or after an outage once the spooled registration
   * is resent (in `lines` mode: once the line is printed, with `id` null). Resolves with null
   * when this process will not register it: the server refused it (a warning says why),
   * reporting is off (`none` mode), the run was already closed, or `close()` gave up with it
   * still spooled (the server then registers it from the spool when the run ends).
   */
  readonly registered: Promise<CheckpointRecord | null>;
}

/** A registration the sender has not finished with. */
export interface Registration {
  readonly body: CheckpointRequest;
  /** The file's size when `checkpoint()` was called (0 for a directory). */
  readonly bytes: number;
  readonly pending: PendingCheckpoint;
  /** Resolves `pending.registered`; later calls do nothing. */
  settle(record: CheckpointRecord | null): void;
}

export function createRegistration(path: string, bytes: number, body: CheckpointRequest): Registration {
  let resolve!: (record: CheckpointRecord | null) => void;
  const registered = new Promise<CheckpointRecord | null>((done) => (resolve = done));
  let settled = false;
  return {
    body,
    bytes,
    pending: { path, step: body.step, metrics: body.metrics, registered },
    settle(record) {
      if (settled) return;
      settled = true;
      resolve(record);
    },
  };
}

/** A checkpoint that will not be registered by this process (reporting off, run closed…). */
export function unregistered(path: string, step: number, metrics: Readonly<Record<string, number>>): PendingCheckpoint {
  return { path, step, metrics, registered: Promise.resolve(null) };
}

/** The line-protocol instruction of a registration. */
export function checkpointLine({ body }: Registration): string {
  const fields = Object.entries(body.metrics).map(([k, v]) => ` ${k}=${formatLineValue(v)}`).join('');
  return `#trainyard checkpoint path=${JSON.stringify(body.path)} step=${body.step}${fields}\n`;
}
