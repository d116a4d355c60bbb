/** Job dependencies (`after: [ids]`): start when all succeeded, fail fast when one cannot. Pure. */
import type { JobState } from './types.ts';

export type DependencyStatus =
  | { readonly kind: 'ready' }
  | { readonly kind: 'waiting' }
  | { readonly kind: 'failed'; readonly detail: string };

/** `states` maps each dependency to its state, or undefined when no such job exists. */
export function dependencyStatus(after: readonly number[], states: ReadonlyMap<number, JobState | undefined>): DependencyStatus {
  let waiting = false;
  for (const id of after) {
    const state = states.get(id);
    if (state === undefined) return { kind: 'failed', detail: `dependency job ${id} does not exist` };
    if (state === 'failed' || state === 'stopped') return { kind: 'failed', detail: `dependency job ${id} ${state}` };
    if (state !== 'succeeded') waiting = true;
  }
  return waiting ? { kind: 'waiting' } : { kind: 'ready' };
}
