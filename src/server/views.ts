/** JSON forms of stored records, as the API and the event stream send them. */
import type { Job } from '../core/types.ts';

/** A job: the stored record plus its name at the top, where people look for it. */
export function jobView(job: Job) {
  return { ...job, name: job.spec.name };
}
