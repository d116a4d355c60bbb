/**
 * The inbox as the API lists it (`GET /api/v1/inbox`): the JSON form of
 * `core/inbox-listing.ts` (docs/inbox.md).
 */
import { z } from 'zod';
import { INBOX_LIST_STATES, INBOX_RECORD_STATES } from '../inbox-listing.ts';
import { epochMs, type Wire } from './wire.ts';

export const inboxEntrySchema = z
  .object({
    state: z.enum(INBOX_LIST_STATES),
    step: z.enum(INBOX_RECORD_STATES).nullable().describe("the record's own state (queued, leaving, …); null while waiting"),
    id: z.number().int().nullable().describe('null while waiting'),
    name: z.string().describe('the name it was dropped with'),
    priority: z.enum(['high', 'normal', 'low']).describe('the folder it was dropped into'),
    path: z.string().nullable().describe('where it is, relative to the inbox folder; null once it vanished'),
    bytes: z.number().int().nullable().describe('size while waiting; null once taken'),
    sha256: z.string().nullable().describe('null while waiting'),
    jobId: z.number().int().nullable().describe('the job it became'),
    dataset: z.object({ name: z.string(), version: z.number().int() }).nullable().describe('the dataset version it became (a template with dataset:)'),
    duplicateOf: z.number().int().nullable().describe('the id of the earlier file it duplicates'),
    reason: z.string().nullable().describe('why it failed, one line'),
    droppedAt: epochMs.describe('when it was taken (epoch ms), or its mtime while waiting'),
    updatedAt: epochMs,
  })
  .meta({ id: 'InboxFile', description: 'A file dropped into the inbox: waiting, processing, done or failed' });

export const inboxListingSchema = z.object({
  config: z.object({
    state: z.enum(['off', 'on', 'invalid']).describe('inbox.yaml absent, valid, or not'),
    message: z.string().nullable().describe('why it is off or invalid'),
  }),
  counts: z.object({ waiting: z.number().int(), processing: z.number().int(), done: z.number().int(), failed: z.number().int() })
    .describe('files in each state, whatever the filter'),
  files: z.array(inboxEntrySchema).describe('waiting files first (newest mtime first), then the others, newest first'),
  total: z.number().int().describe('files matching the filter, across pages'),
  nextOffset: z.number().int().nullable().describe('pass as offset for the next page; null on the last'),
});

export type InboxEntryWire = Wire<typeof inboxEntrySchema>;
export type InboxListingWire = Wire<typeof inboxListingSchema>;
