/**
 * A lean HTTP/1.1 load client for benchmarks: one keep-alive connection per simulated client,
 * requests written as prepared bytes, responses read by their Content-Length. Node's own
 * client spends ~300 µs of CPU a request on a small machine, which would leave the server
 * under test less than it needs; this one spends a small fraction of that, as wrk or autocannon
 * would. It speaks only what the benchmarks need: no chunked replies, no redirects.
 */
import { connect, type Socket } from 'node:net';

export interface LoadConnection {
  /** Sends a request made by `buildPost`; resolves with the reply's status and body. */
  send(request: Buffer): Promise<{ status: number; body: string }>;
  close(): void;
}

/** A POST of a JSON body as bytes, built ahead so that sending it costs one write. */
export function buildPost(url: string, path: string, body: string, headers: Readonly<Record<string, string>> = {}): Buffer {
  const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  const head = `POST ${path} HTTP/1.1\r\nhost: ${new URL(url).host}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n${extra}\r\n`;
  return Buffer.from(head + body);
}

const HEAD_END = Buffer.from('\r\n\r\n');

export async function openLoadConnection(url: string): Promise<LoadConnection> {
  const { hostname, port } = new URL(url);
  const socket: Socket = await new Promise((done, fail) => {
    const s = connect({ host: hostname, port: Number(port) }, () => done(s));
    s.once('error', fail);
  });
  socket.setNoDelay(true);
  let buffered: Buffer = Buffer.alloc(0);
  let waiting: { resolve: (r: { status: number; body: string }) => void; reject: (e: Error) => void } | null = null;

  socket.on('data', (chunk: Buffer) => {
    buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
    const end = buffered.indexOf(HEAD_END);
    if (end < 0 || waiting === null) return;
    const head = buffered.toString('latin1', 0, end);
    const length = /\r\ncontent-length: *(\d+)/i.exec(head);
    if (length === null) return fail(new Error(`reply without Content-Length: ${head.split('\r\n')[0]}`));
    const total = end + 4 + Number(length[1]);
    if (buffered.length < total) return;
    const status = Number(head.slice(9, 12));
    const body = buffered.toString('utf8', end + 4, total);
    buffered = buffered.subarray(total);
    const w = waiting;
    waiting = null;
    w.resolve({ status, body });
  });
  const fail = (error: Error) => {
    const w = waiting;
    waiting = null;
    w?.reject(error);
  };
  socket.on('error', fail);
  socket.on('close', () => fail(new Error('connection closed')));

  return {
    send(request) {
      if (waiting !== null) return Promise.reject(new Error('one request at a time per connection'));
      return new Promise((resolve, reject) => {
        waiting = { resolve, reject };
        socket.write(request);
      });
    },
    close() {
      socket.destroy();
    },
  };
}
