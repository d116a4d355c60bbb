/**
 * The inbox as a listing (`GET /api/v1/inbox`, `trainyard inbox ls`, the dashboard's Inbox
 * page): files waiting in the priority folders (on disk, not yet recorded), then the recorded
 * ones, newest first. Pure: the states a user sees, and one page cut across both sources.
 *
 *   waiting     in inbox/high|normal|low, not taken yet (maybe still being written)
 *   processing  taken: arriving, validated/registered, queued or running, or being moved out
 *   done        its job succeeded (in done/)
 *   failed      in failed/, with its reason
 */
import type { PriorityClass } from './types.ts';

export const INBOX_LIST_STATES = ['waiting', 'processing', 'done', 'failed'] as const;
export type InboxListState = (typeof INBOX_LIST_STATES)[number];

/** The inbox store's record states (store.ts `InboxFileState`), as named here. */
export const INBOX_RECORD_STATES = ['arriving', 'processing', 'queued', 'leaving', 'done', 'failed'] as const;
export type InboxRecordState = (typeof INBOX_RECORD_STATES)[number];

/** Default and largest page of a listing. */
export const INBOX_PAGE = Object.freeze({ default: 50, max: 1000 });

/** One file of the listing. */
export interface InboxEntry {
  readonly state: InboxListState;
  /** The record's own state (`queued`, `leaving`, …); null while waiting. */
  readonly step: InboxRecordState | null;
  /** The record's id; null while waiting. */
  readonly id: number | null;
  /** The name it was dropped with. */
  readonly name: string;
  readonly priority: PriorityClass;
  /** Where it is, relative to the inbox folder; null once it vanished. */
  readonly path: string | null;
  /** Size on disk while waiting; null once taken. */
  readonly bytes: number | null;
  /** Null while waiting (hashed when taken). */
  readonly sha256: string | null;
  readonly jobId: number | null;
  /** The dataset version it became (a template with `dataset:`). */
  readonly dataset: { readonly name: string; readonly version: number } | null;
  /** The earlier file this one duplicates. */
  readonly duplicateOf: number | null;
  /** Why it failed, one line. */
  readonly reason: string | null;
  /** Epoch ms: when it was taken, or its mtime while waiting. */
  readonly droppedAt: number;
  readonly updatedAt: number;
}

/** Whether the inbox is on: inbox.yaml absent (off), valid (on) or not (invalid, with why). */
export interface InboxConfigState {
  readonly state: 'off' | 'on' | 'invalid';
  readonly message: string | null;
}

export interface InboxListing {
  readonly config: InboxConfigState;
  /** Files in every state, whatever the filter. */
  readonly counts: Readonly<Record<InboxListState, number>>;
  readonly files: readonly InboxEntry[];
  /** Files matching the filter, across pages. */
  readonly total: number;
  /** Pass as `offset` for the next page; null on the last. */
  readonly nextOffset: number | null;
}

/** What a user sees of a record state. */
export function listStateOf(state: InboxRecordState): InboxListState {
  return state === 'done' || state === 'failed' ? state : 'processing';
}

/** The record states behind listed states (none for `waiting`, which is on disk only). */
export function recordStatesOf(states: readonly InboxListState[]): InboxRecordState[] {
  return INBOX_RECORD_STATES.filter((s) => states.includes(listStateOf(s)));
}

/**
 * One page over waiting files (first, as given) and then records: which waiting files it
 * holds, and the offset and limit of the records to read after them.
 */
export function cutPage(waiting: number, offset: number, limit: number): { readonly waiting: { readonly from: number; readonly to: number }; readonly records: { readonly offset: number; readonly limit: number } } {
  const from = Math.min(offset, waiting);
  const to = Math.min(offset + limit, waiting);
  return { waiting: { from, to }, records: { offset: Math.max(0, offset - waiting), limit: limit - (to - from) } };
}
