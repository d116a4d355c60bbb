/**
 * The durable event log through a real server: the JSON page, the SSE stream with its ids,
 * resuming after a disconnect with Last-Event-ID without a gap, filters, and a subscriber's
 * view across kill -9 of the server.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createSseParser } from '../src/sdk/client.ts';
import { REPO, useServer, waitFor, waitForJob, type TestServer } from './harness.ts';

interface StreamedEvent {
  readonly id: number | null;
  readonly event: string;
  readonly data: any;
}

/** Opens the SSE stream and collects what it sends until `close()`. */
async function openStream(server: TestServer, query: string, lastEventId?: number) {
  const controller = new AbortController();
  const response = await fetch(`${server.url}/api/v1/events${query}`, {
    headers: {
      authorization: `Bearer ${server.adminToken}`,
      accept: 'text/event-stream',
      ...(lastEventId === undefined ? {} : { 'last-event-id': String(lastEventId) }),
    },
    signal: controller.signal,
  });
  assert.equal(response.status, 200);
  const events: StreamedEvent[] = [];
  const reading = (async () => {
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    const parser = createSseParser();
    let pendingId: number | null = null;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        const text = decoder.decode(value, { stream: true });
        // The SDK's parser drops ids; read them off the raw text, in order.
        const ids = [...text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
        for (const message of parser.push(text)) {
          const durable = message.event.includes('.');
          pendingId = durable ? ids.shift() ?? null : null;
          events.push({ id: pendingId, event: message.event, data: JSON.parse(message.data) });
        }
      }
    } catch {
      // aborted
    }
  })();
  return {
    events,
    async close() {
      controller.abort();
      await reading;
    },
  };
}

const command = (script: string) => ({ command: [process.execPath, '-e', script], cwd: REPO });

describe('event log over HTTP', () => {
  const server = useServer();

  it('lists every transition of a job, in order, after an id', async () => {
    const { body: job } = await server().api('/api/v1/jobs', { body: { name: 'ev', ...command('console.log("#trainyard metrics step=1 loss=0.5")') } });
    await waitForJob(server(), job.id, ['succeeded']);
    const { status, body } = await server().api(`/api/v1/events?job=${job.id}&after=0`);
    assert.equal(status, 200);
    const types = body.events.map((e: any) => e.type);
    assert.deepEqual(types, ['job.submitted', 'job.state_changed', 'run.started', 'run.ended', 'job.state_changed']);
    const [, claim, , ended, done] = body.events;
    assert.deepEqual([claim.data.from, claim.data.to, claim.data.transition], ['queued', 'running', 'claim']);
    assert.deepEqual([ended.data.state, ended.data.outcome.kind, ended.data.exitCode], ['succeeded', 'success', 0]);
    assert.deepEqual([done.data.from, done.data.to, done.data.transition], ['running', 'succeeded', 'run-ended']);
    assert.ok(body.events.every((e: any, i: number) => i === 0 || e.id > body.events[i - 1].id));
    assert.equal(body.lastEventId, body.events.at(-1).id);
    const page = await server().api(`/api/v1/events?job=${job.id}&after=${claim.id}&types=run.ended,run.started&limit=1`);
    assert.deepEqual(page.body.events.map((e: any) => e.type), ['run.started']);
  });

  it('refuses an unknown event type, naming it', async () => {
    const { status, body } = await server().api('/api/v1/events?types=job.exploded');
    assert.equal(status, 400);
    assert.match(body.error.message, /unknown event type 'job\.exploded'/);
    assert.equal(body.error.field, 'querystring.types');
  });

  it('streams durable events with ids, and resumes after a disconnect without a gap', async () => {
    const first = await openStream(server(), '?types=job.submitted,job.state_changed');
    const submit = async (name: string) => (await server().api('/api/v1/jobs', { body: { name, ...command('setTimeout(() => {}, 60000)') } })).body.id as number;
    const a = await submit('a');
    await waitFor(() => first.events.some((e) => e.event === 'job.state_changed' && e.data.jobId === a), { what: 'a to start on the stream' });
    await first.close();
    const lastSeen = first.events.at(-1)!.id!;
    assert.ok(first.events.every((e) => e.id !== null && ['job.submitted', 'job.state_changed'].includes(e.event)));

    // While nobody listens: b is submitted, a is stopped.
    const b = await submit('b');
    await server().api(`/api/v1/jobs/${a}/stop`, { method: 'POST' });
    await waitForJob(server(), a, ['stopped']);
    const missed = (await server().api(`/api/v1/events?after=${lastSeen}&types=job.submitted,job.state_changed`)).body.events;
    assert.ok(missed.length >= 3, JSON.stringify(missed));

    const second = await openStream(server(), '?types=job.submitted,job.state_changed', lastSeen);
    await waitFor(() => second.events.length >= missed.length, { what: 'the missed events' });
    await second.close();
    assert.deepEqual(second.events.slice(0, missed.length).map((e) => e.id), missed.map((e: any) => e.id));
    assert.ok(second.events.some((e) => e.event === 'job.submitted' && e.data.jobId === b));
    await server().api(`/api/v1/jobs/${b}/stop`, { method: 'POST' });
  });

  it('sends live job, log and metrics events beside the durable ones, filtered by job', async () => {
    const { body: job } = await server().api('/api/v1/jobs', {
      body: { name: 'live', ...command('setTimeout(() => { for (let i = 1; i <= 3; i++) console.log(`#trainyard metrics step=${i} loss=${1 / i}`); }, 1500)') },
    });
    const stream = await openStream(server(), `?job=${job.id}&after=0`);
    await waitForJob(server(), job.id, ['succeeded']);
    await waitFor(() => stream.events.some((e) => e.event === 'job.state_changed' && e.data.data.to === 'succeeded'), { what: 'the end on the stream' });
    await stream.close();
    const kinds = new Set(stream.events.map((e) => e.event));
    for (const kind of ['job', 'log', 'metrics', 'run.started', 'run.ended', 'job.state_changed']) assert.ok(kinds.has(kind), `${kind} in ${[...kinds]}`);
    assert.ok(stream.events.every((e) => (e.event.includes('.') ? e.data.jobId : e.data.id ?? e.data.jobId) === job.id));
    assert.ok(stream.events.filter((e) => !e.event.includes('.')).every((e) => e.id === null), 'live events carry no id');
  });
});
