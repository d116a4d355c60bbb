/**
 * `GET /api/v1/events`: the durable event log, as a JSON page (`?after=ID`) or, with
 * `Accept: text/event-stream`, as Server-Sent Events.
 *
 * The stream carries two kinds of event:
 * - durable ones (`job.state_changed`, `checkpoint.registered`, … of core/events.ts), each with
 *   an `id:` line, so a client that reconnects with `Last-Event-ID` (or `?after=`) gets every
 *   event after it, without a gap;
 * - live ones (`job` views as progress moves, `log` lines, latest `metrics`), without an id:
 *   they are not kept, and a client that missed some reads the current state instead.
 * `types=` selects kinds of either; by default all are sent.
 */
import { z } from 'zod';
import { DOMAIN_EVENT_TYPES, isDomainEventType, type DomainEvent, type DomainEventType } from '../../core/events.ts';
import { ValidationError } from '../../core/errors.ts';
import { LIVE_EVENT_TYPES, type LiveEventType } from '../../control/live-bus.ts';
import type { App, AppDeps } from '../app.ts';
import { AUTH, errorResponses } from '../../core/api/errors.ts';
import { eventsPageSchema } from '../../core/api/events.ts';
import { csvList } from './schemas.ts';

/** A comment line this often keeps proxies and idle timeouts from closing the stream. */
const PING_MS = 15_000;

const ALL_TYPES: readonly string[] = [...DOMAIN_EVENT_TYPES, ...LIVE_EVENT_TYPES];

export function registerEventRoutes(app: App, deps: AppDeps): void {
  app.get('/api/v1/events', {
    config: {
      access: (r) => {
        const job = (r.query as { job?: string }).job;
        return job ? { kind: 'job', jobId: Number(job), write: false } : { kind: 'read' };
      },
    },
    schema: {
      summary: 'The event log: a page of durable events after an id, or (Accept: text/event-stream) a live stream',
      querystring: z.object({
        job: z.coerce.number().int().positive().optional().describe('only events of this job'),
        types: csvList.optional().describe(`comma list of event types: ${ALL_TYPES.join(', ')}; default: all`),
        after: z.coerce.number().int().min(0).optional()
          .describe('only events with a larger id (for the stream, Last-Event-ID wins); default: the first (page) or now (stream)'),
        limit: z.coerce.number().int().min(1).max(10_000).default(1_000).describe('page size'),
      }),
      response: {
        200: {
          description: 'A page of durable events (JSON), or with Accept: text/event-stream a stream: each durable event as '
            + '`id: ID`, `event: TYPE`, `data: <the event as JSON>`; live events (job, log, metrics) without an id; `: ping` comments',
          content: {
            'application/json': { schema: eventsPageSchema },
            'text/event-stream': { schema: z.string() },
          },
        },
        ...errorResponses({ 400: 'a query that is not valid, or an unknown event type', ...AUTH }),
      },
    },
  }, async (request, reply) => {
    const { job, after, limit } = request.query;
    const types = parseTypes(request.query.types);
    const durable = types === null ? undefined : types.filter(isDomainEventType);
    if (!String(request.headers.accept ?? '').includes('text/event-stream')) {
      const events = await deps.store.listEvents({ after, types: durable, jobId: job, limit });
      return { events, lastEventId: events.at(-1)?.id ?? after ?? 0 };
    }

    const lastEventId = Number(request.headers['last-event-id']);
    const from = Number.isInteger(lastEventId) && lastEventId >= 0 ? lastEventId : after ?? (await deps.store.lastEventId());
    const live = new Set<string>(types === null ? LIVE_EVENT_TYPES : types.filter((t) => (LIVE_EVENT_TYPES as readonly string[]).includes(t)));
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write(': connected\n\n');
    // Node holds a response's writes until its next tick; a long chain of promise callbacks
    // (a job submission starting a scheduling pass) delayed events by 10-40 ms. Send now.
    const send = (text: string) => {
      res.write(text);
      res.socket?.uncork();
    };
    const endTail = durable?.length === 0 ? () => {} : deps.control.events.tail({ after: from, types: durable, jobId: job }, (event: DomainEvent) => {
      send(`id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
    });
    const unsubscribe = live.size === 0 ? () => {} : deps.control.bus.subscribe((event) => {
      if (!live.has(event.type) || (job !== undefined && event.jobId !== job)) return;
      send(`event: ${event.type}\ndata: ${JSON.stringify(event.data)}\n\n`);
    });
    const ping = setInterval(() => res.write(': ping\n\n'), PING_MS);
    request.raw.on('close', () => {
      endTail();
      unsubscribe();
      clearInterval(ping);
    });
  });
}

/** null: all types. Throws a ValidationError naming an unknown type. */
function parseTypes(types: readonly string[] | undefined): Array<DomainEventType | LiveEventType> | null {
  if (types === undefined || types.length === 0) return null;
  for (const type of types) {
    if (!ALL_TYPES.includes(type)) throw new ValidationError(`unknown event type '${type}'; known: ${ALL_TYPES.join(', ')}`, 'querystring.types');
  }
  return types as Array<DomainEventType | LiveEventType>;
}
