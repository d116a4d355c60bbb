/** `GET /api/v1/inbox`: the inbox's files, waiting to failed, newest first (docs/inbox.md). */
import { z } from 'zod';
import { AUTH, errorResponses } from '../../core/api/errors.ts';
import { inboxListingSchema } from '../../core/api/inbox.ts';
import { INBOX_LIST_STATES, INBOX_PAGE, type InboxListState } from '../../core/inbox-listing.ts';
import { listInbox } from '../../inbox/listing.ts';
import type { App, AppDeps } from '../app.ts';
import { csvList } from './schemas.ts';

export function registerInboxRoutes(app: App, deps: AppDeps): void {
  app.get('/api/v1/inbox', {
    config: { access: () => ({ kind: 'read' }) as const },
    schema: {
      summary: 'Files dropped into the inbox: waiting, processing, done and failed (with the reason), the job and dataset version each became',
      querystring: z.object({
        state: csvList.pipe(z.array(z.enum(INBOX_LIST_STATES))).optional().describe(`comma list of ${INBOX_LIST_STATES.join(', ')}; default: all`),
        limit: z.coerce.number().int().min(1).max(INBOX_PAGE.max).default(INBOX_PAGE.default).describe('page size'),
        offset: z.coerce.number().int().min(0).default(0).describe('files to skip: the previous page\'s nextOffset'),
      }),
      response: { 200: inboxListingSchema, ...errorResponses({ 400: 'a query that is not valid: an unknown state', ...AUTH }) },
    },
  }, async (request) => {
    const { state, limit, offset } = request.query;
    return listInbox({ store: deps.store, layout: deps.layout }, { states: state as InboxListState[] | undefined, limit, offset });
  });
}
