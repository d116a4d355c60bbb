import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createEventHub } from './events.ts';
import type { Api } from './http.ts';

/** An Api whose event stream is a ReadableStream the test writes to. */
function fakeApi() {
  const streams: Array<ReadableStreamDefaultController<Uint8Array>> = [];
  const encoder = new TextEncoder();
  const api = {
    stream: async (_path: string, signal: AbortSignal) => {
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          streams.push(controller);
          signal.addEventListener('abort', () => controller.error(new Error('aborted')));
        },
      });
      return new Response(body);
    },
  } as unknown as Api;
  const send = (text: string) => streams[streams.length - 1].enqueue(encoder.encode(text));
  return { api, streams, send };
}

const tick = (ms = 20) => new Promise((r) => setTimeout(r, ms));

describe('event hub', () => {
  it('parses events for their listeners and says when it resyncs', async () => {
    const { api, send } = fakeApi();
    const hub = createEventHub(api);
    const seen: string[] = [];
    hub.on('resync', () => seen.push('resync'));
    hub.on('metrics', (m) => seen.push(`metrics ${m.jobId} ${m.latest.loss.value}`));
    hub.on('job', (j) => seen.push(`job ${j.id}`));
    hub.on('domain', (e) => seen.push(`domain ${e.type} ${String(e.data.model)}`));
    await hub.ready(1000);
    assert.equal(hub.state, 'open');
    send(': connected\n\nevent: metrics\ndata: {"jobId":3,"runId":1,"latest":{"loss":{"step":1,"value":0.5}}}\n\nevent: job\nda');
    send('ta: {"id":3}\n\nevent: other\ndata: {}\n\nevent: job\ndata: not json\n\n');
    send('id: 9\nevent: model.alias_moved\ndata: {"id":9,"type":"model.alias_moved","jobId":null,"data":{"model":"chat"}}\n\n');
    await tick();
    assert.deepEqual(seen, ['resync', 'metrics 3 0.5', 'job 3', 'domain model.alias_moved chat']);
    hub.close();
  });

  it('reconnects after the stream ends, and lets it go while inactive', async () => {
    const { api, streams } = fakeApi();
    const hub = createEventHub(api);
    let resyncs = 0;
    hub.on('resync', () => resyncs++);
    await hub.ready(1000);
    streams[0].close();
    await tick(700); // first retry after 500 ms
    assert.equal(streams.length, 2);
    assert.equal(resyncs, 2);
    hub.setActive(false);
    await tick();
    assert.equal(hub.state, 'retrying');
    await tick(700);
    assert.equal(streams.length, 2, 'no reconnect while inactive');
    hub.setActive(true);
    await tick();
    assert.equal(streams.length, 3);
    assert.equal(hub.state, 'open');
    hub.close();
  });
});
