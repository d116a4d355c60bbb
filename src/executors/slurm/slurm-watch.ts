/**
 * Watches every Slurm job this executor waits on with ONE `squeue` call per interval, whatever
 * their number; jobs squeue no longer lists (older than slurmctld's `MinJobAge`) are looked up
 * in ONE `sacct` call for all of them. A job neither knows for `VANISHED_AFTER` intervals in a
 * row ended without a trace (the run is `lost`). A failed call (slurmctld down) is retried at
 * the next interval: a job never ends because Slurm could not be asked.
 */
import type { SlurmCli } from './slurm-cli.ts';
import { slurmPhase, type SlurmJobRecord } from './slurm-states.ts';

/** Intervals without squeue or sacct knowing a job before it counts as vanished. */
const VANISHED_AFTER = 3;

export interface SlurmWatch {
  /** Settles with the job's record once it ended, or null once Slurm no longer knows it. Never rejects. */
  ended(id: string): Promise<SlurmJobRecord | null>;
  /** One fresh squeue listing by job id, shared by callers that ask while one is under way. Rejects when squeue fails. */
  list(): Promise<ReadonlyMap<string, SlurmJobRecord>>;
  /** The job's record at the last listing (its queue reason), or undefined. */
  latest(id: string): SlurmJobRecord | undefined;
}

export function createSlurmWatch(cli: SlurmCli, pollMs: number): SlurmWatch {
  const waiters = new Map<string, { resolve: (record: SlurmJobRecord | null) => void; misses: number }[]>();
  let latest: ReadonlyMap<string, SlurmJobRecord> = new Map();
  let inFlight: Promise<ReadonlyMap<string, SlurmJobRecord>> | null = null;
  let timer: NodeJS.Timeout | null = null;

  const list = () => {
    inFlight ??= cli.squeue().then(
      (records) => {
        inFlight = null;
        latest = new Map(records.map((r) => [r.id, r]));
        return latest;
      },
      (error: unknown) => {
        inFlight = null;
        throw error;
      },
    );
    return inFlight;
  };

  const settle = (id: string, record: SlurmJobRecord | null) => {
    for (const w of waiters.get(id) ?? []) w.resolve(record);
    waiters.delete(id);
  };

  const tick = async () => {
    timer = null;
    try {
      const jobs = await list();
      const missing: string[] = [];
      for (const id of waiters.keys()) {
        const record = jobs.get(id);
        if (!record) missing.push(id);
        else if (slurmPhase(record.state) === 'ended') settle(id, record);
      }
      if (missing.length > 0) {
        const finished = new Map((await cli.sacct({ ids: missing }).catch(() => [])).map((r) => [r.id, r]));
        for (const id of missing) {
          const record = finished.get(id);
          if (record && slurmPhase(record.state) === 'ended') settle(id, record);
          else if (!record) for (const w of waiters.get(id) ?? []) if (++w.misses >= VANISHED_AFTER) settle(id, null);
        }
      }
    } catch {
      // slurmctld unreachable: ask again at the next interval.
    }
    schedule();
  };

  const schedule = () => {
    if (timer === null && waiters.size > 0) timer = setTimeout(() => void tick(), pollMs);
  };

  return {
    ended(id) {
      return new Promise((resolve) => {
        waiters.set(id, [...(waiters.get(id) ?? []), { resolve, misses: 0 }]);
        schedule();
      });
    },
    list,
    latest: (id) => latest.get(id),
  };
}
