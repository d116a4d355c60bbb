/**
 * The inbox as the API lists it: waiting files read from the priority folders, then the
 * store's records, newest first, one page at a time (core/inbox-listing.ts has the states and
 * the page cut). Read-only: it works whether the inbox is on or off.
 */
import { cutPage, INBOX_LIST_STATES, listStateOf, recordStatesOf, type InboxEntry, type InboxListing, type InboxListState } from '../core/inbox-listing.ts';
import type { InboxFile, Store } from '../store/store.ts';
import { loadInboxConfig } from './config.ts';
import { listWaiting, type WaitingFile } from './watcher.ts';

export interface ListInboxDeps {
  readonly store: Pick<Store, 'listInboxFiles' | 'countInboxFiles'>;
  /** `<dataDir>/inbox` and `<dataDir>/inbox.yaml`. */
  readonly layout: { readonly inbox: string; readonly inboxConfig: string };
}

export interface InboxListQuery {
  /** Default: every state. */
  readonly states?: readonly InboxListState[];
  readonly limit: number;
  /** Default: 0. */
  readonly offset?: number;
}

export async function listInbox(deps: ListInboxDeps, query: InboxListQuery): Promise<InboxListing> {
  const states = query.states ?? INBOX_LIST_STATES;
  const offset = query.offset ?? 0;
  const [loaded, onDisk, recordCounts] = await Promise.all([
    loadInboxConfig(deps.layout.inboxConfig),
    listWaiting(deps.layout.inbox),
    deps.store.countInboxFiles(),
  ]);
  const waiting = states.includes('waiting') ? [...onDisk].sort((a, b) => b.mtimeMs - a.mtimeMs || (a.name < b.name ? -1 : 1)) : [];
  const page = cutPage(waiting.length, offset, query.limit);
  const recordStates = recordStatesOf(states);
  const records = recordStates.length === 0
    ? { files: [], total: 0 }
    : await deps.store.listInboxFiles({ states: recordStates, offset: page.records.offset, limit: page.records.limit });
  const files = [...waiting.slice(page.waiting.from, page.waiting.to).map(waitingEntry), ...records.files.map(recordEntry)];
  const total = waiting.length + records.total;

  const counts: Record<InboxListState, number> = { waiting: onDisk.length, processing: 0, done: 0, failed: 0 };
  for (const [state, n] of Object.entries(recordCounts)) counts[listStateOf(state as InboxFile['state'])] += n ?? 0;
  const config = loaded.kind === 'ok' ? { state: 'on' as const, message: null }
    : loaded.kind === 'absent' ? { state: 'off' as const, message: `no ${deps.layout.inboxConfig}` }
    : { state: 'invalid' as const, message: loaded.message };
  return { config, counts, files, total, nextOffset: offset + files.length < total && files.length > 0 ? offset + files.length : null };
}

function waitingEntry(file: WaitingFile): InboxEntry {
  return {
    state: 'waiting', step: null, id: null, name: file.name, priority: file.priority, path: `${file.priority}/${file.name}`,
    bytes: file.size, sha256: null, jobId: null, dataset: null, duplicateOf: null, reason: null,
    droppedAt: Math.round(file.mtimeMs), updatedAt: Math.round(file.mtimeMs),
  };
}

function recordEntry(file: InboxFile): InboxEntry {
  return {
    state: listStateOf(file.state), step: file.state, id: file.id, name: file.name, priority: file.priority,
    path: file.path, bytes: null, sha256: file.sha256, jobId: file.jobId,
    dataset: file.dataset && { name: file.dataset.name, version: file.dataset.version },
    duplicateOf: file.duplicateOf, reason: file.reason, droppedAt: file.createdAt, updatedAt: file.updatedAt,
  };
}
