/**
 * A typed client of the inbox listing (docs/inbox.md, docs/http-api.md "Inbox"), on the same
 * transport as `client.ts` (so the same errors: `ApiError`, `ApiConnectionError`).
 */
import type { InboxListingWire } from '../core/api/inbox.ts';
import type { InboxListState } from '../core/inbox-listing.ts';
import { createTransport, type ClientOptions } from './client.ts';

export type { InboxEntryWire, InboxListingWire } from '../core/api/inbox.ts';

export type InboxClient = ReturnType<typeof createInboxClient>;

export interface InboxListFilter {
  /** Default: every state. */
  readonly states?: readonly InboxListState[];
  /** Server default: 50. */
  readonly limit?: number;
  readonly offset?: number;
}

export function createInboxClient(options: ClientOptions) {
  const { url, json } = createTransport(options);
  return {
    url,
    /** One page of the inbox's files: waiting first, then the others, newest first; with counts per state. */
    list: (filter: InboxListFilter = {}) => json<InboxListingWire>('GET', '/api/v1/inbox', {
      query: { state: filter.states?.length ? filter.states.join(',') : undefined, limit: filter.limit, offset: filter.offset },
    }),
  };
}
