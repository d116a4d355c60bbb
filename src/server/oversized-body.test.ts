import assert from 'node:assert/strict';
import { createServer, request, type IncomingMessage } from 'node:http';
import { describe, it } from 'node:test';
import { bodyTooLarge, discardBody, type DiscardOutcome, formatBytes, shouldDiscard } from './oversized-body.ts';

/** A server whose one request's body is discarded with `limit`; resolves the outcome. */
async function discardOne(limit: number, send: (port: number) => void): Promise<DiscardOutcome> {
  let seen!: (outcome: DiscardOutcome) => void;
  const outcome = new Promise<DiscardOutcome>((done) => (seen = done));
  const server = createServer((req: IncomingMessage, res) => {
    void discardBody(req, limit).then((o) => {
      seen(o);
      res.setHeader('connection', 'close');
      res.end();
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  send((server.address() as { port: number }).port);
  try {
    return await outcome;
  } finally {
    server.close();
  }
}

function post(port: number, body: Buffer, chunked: boolean): void {
  const req = request({ port, host: '127.0.0.1', method: 'POST', headers: chunked ? {} : { 'content-length': body.length } });
  req.on('error', () => {}); // the server may close before all is sent
  req.on('response', (res) => res.resume());
  for (let i = 0; i < body.length; i += 1024) req.write(body.subarray(i, i + 1024));
  req.end();
}

describe('oversized bodies', () => {
  it('reads a body to its end, with or without a content-length', async () => {
    assert.equal(await discardOne(10_000, (port) => post(port, Buffer.alloc(8000), false)), 'read');
    assert.equal(await discardOne(10_000, (port) => post(port, Buffer.alloc(8000), true)), 'read');
  });

  it('stops past its bound', async () => {
    assert.equal(await discardOne(4096, (port) => post(port, Buffer.alloc(64 * 1024), true)), 'over-limit');
  });

  it('reads only bodies announced within the bound', () => {
    const raw = (length?: number) => ({ complete: false, readableEnded: false, destroyed: false, headers: length === undefined ? {} : { 'content-length': String(length) } }) as unknown as IncomingMessage;
    assert.equal(shouldDiscard(raw(1000), 2000), true);
    assert.equal(shouldDiscard(raw(3000), 2000), false);
    assert.equal(shouldDiscard(raw(), 2000), true, 'chunked: read up to the bound');
    assert.equal(shouldDiscard({ ...raw(1000), complete: true } as IncomingMessage, 2000), false);
  });

  it('names the limit and the size in bytes and MiB', () => {
    assert.equal(formatBytes(1 << 20), '1,048,576 bytes (1 MiB)');
    assert.equal(formatBytes(34_800_011), '34,800,011 bytes (33.2 MiB)');
    assert.equal(formatBytes(2000), '2,000 bytes (2 KiB)');
    assert.equal(bodyTooLarge('POST /api/v1/jobs', 1 << 20, null).message, 'request body is over the limit of 1,048,576 bytes (1 MiB) for POST /api/v1/jobs');
  });
});
