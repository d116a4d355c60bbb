/**
 * The jobs page's filter box and sort order. A query is words; `state:running`, `tag:nightly`
 * and `id:12` match fields, other words match the name (case-insensitive); all must match.
 */
import type { JobState } from '../../../src/core/types.ts';

export interface FilterableJob {
  readonly id: number;
  readonly name: string;
  readonly state: string;
  readonly createdAt: number;
  readonly spec: { readonly tags: readonly string[] };
  readonly progress: { readonly step: number | null; readonly total: number | null; readonly etaSeconds: number | null };
}

export type SortKey = 'id' | 'name' | 'state' | 'progress' | 'loss' | 'age';

export interface SortOrder {
  readonly key: SortKey;
  readonly descending: boolean;
}

/** Order of states when sorting by state: what needs attention first. */
const STATE_RANK: Readonly<Record<JobState, number>> = { running: 0, stopping: 1, pausing: 2, queued: 3, paused: 4, failed: 5, stopped: 6, succeeded: 7 };

export function parseQuery(query: string): (job: FilterableJob) => boolean {
  const terms = query.toLowerCase().split(/\s+/).filter(Boolean).map((word) => {
    const colon = word.indexOf(':');
    return colon > 0 ? { field: word.slice(0, colon), value: word.slice(colon + 1) } : { field: '', value: word };
  });
  return (job) => terms.every(({ field, value }) => {
    if (field === 'state' || field === 'is') return value.split(',').includes(job.state);
    if (field === 'tag') return job.spec.tags.some((t) => t.toLowerCase().includes(value));
    if (field === 'id') return String(job.id) === value;
    return job.name.toLowerCase().includes(value) || String(job.id) === value;
  });
}

/** A comparator for `order`; `loss` looks the value up (missing values sort last). */
export function compareJobs(order: SortOrder, loss: (jobId: number) => number | null): (a: FilterableJob, b: FilterableJob) => number {
  const sign = order.descending ? -1 : 1;
  const key = (job: FilterableJob): number | string | null => {
    switch (order.key) {
      case 'id': return job.id;
      case 'name': return job.name.toLowerCase();
      case 'state': return STATE_RANK[job.state as JobState] ?? 99;
      case 'progress': return job.progress.total ? (job.progress.step ?? 0) / job.progress.total : null;
      case 'loss': return loss(job.id);
      case 'age': return -job.createdAt;
    }
  };
  return (a, b) => {
    const ka = key(a);
    const kb = key(b);
    if (ka === null || kb === null) return ka === kb ? b.id - a.id : ka === null ? 1 : -1;
    if (ka < kb) return -sign;
    if (ka > kb) return sign;
    return b.id - a.id;
  };
}
