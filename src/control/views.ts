/** JSON forms of stored records, as the API and the event stream send them. */
import type { Job, Run } from '../core/types.ts';
import { localPid } from '../executors/local/handle.ts';

/** A job: the stored record plus its name at the top, where people look for it. */
export function jobView(job: Job) {
  return { ...job, name: job.spec.name };
}

/**
 * A run: the stored record (its executor `handle` included) plus `pid`, the process id of a
 * local run and null otherwise, kept for clients that show it (the CLI's run table).
 */
export function runView(run: Run) {
  return { ...run, pid: localPid(run.handle) };
}
