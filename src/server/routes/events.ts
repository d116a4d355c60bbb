/** The live event stream (Server-Sent Events): job changes, log lines, metrics, checkpoints. */
import { z } from 'zod';
import type { App, AppDeps } from '../app.ts';

/** A comment line this often keeps proxies and idle timeouts from closing the stream. */
const PING_MS = 15_000;

export function registerEventRoutes(app: App, deps: AppDeps): void {
  app.get('/api/v1/events', {
    config: {
      access: (r) => {
        const job = (r.query as { job?: string }).job;
        return job ? { kind: 'job', jobId: Number(job), write: false } : { kind: 'read' };
      },
    },
    schema: {
      summary: 'Server-Sent Events: job, log, metrics and checkpoint events',
      querystring: z.object({ job: z.coerce.number().int().positive().optional() }),
    },
  }, async (request, reply) => {
    const jobFilter = request.query.job ?? null;
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write(': connected\n\n');
    const unsubscribe = deps.bus.subscribe((event) => {
      if (jobFilter !== null && event.jobId !== jobFilter) return;
      res.write(`event: ${event.type}\ndata: ${JSON.stringify(event.data)}\n\n`);
    });
    const ping = setInterval(() => res.write(': ping\n\n'), PING_MS);
    request.raw.on('close', () => {
      unsubscribe();
      clearInterval(ping);
    });
  });
}
