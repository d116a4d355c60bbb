/**
 * An SSE subscriber in its own process, for bench/events.ts: follows `URL` with `TOKEN` and
 * prints `JOB_ID TIME` for each `job.submitted` event as its bytes arrive, TIME in epoch ms
 * (performance.timeOrigin + performance.now(), comparable across processes on one machine).
 * Prints `ready` once the stream is open. Usage: `sse-client.ts URL TOKEN`.
 */
import { connect } from 'node:net';

const [url, token] = process.argv.slice(2);
const target = new URL(url);
const socket = connect({ host: target.hostname, port: Number(target.port) });
socket.write(`GET ${target.pathname}${target.search} HTTP/1.1\r\nhost: ${target.host}\r\naccept: text/event-stream\r\nauthorization: Bearer ${token}\r\n\r\n`);
let buffer = '';
let ready = false;
socket.on('data', (chunk: Buffer) => {
  const at = performance.timeOrigin + performance.now();
  buffer += chunk.toString('utf8');
  if (!ready && buffer.includes(': connected')) {
    ready = true;
    process.stdout.write('ready\n');
  }
  // The body is chunked: events stay whole within a chunk, so match them in the raw text.
  for (let m = EVENT.exec(buffer); m !== null; m = EVENT.exec(buffer)) {
    process.stdout.write(`${(JSON.parse(m[1]) as { jobId: number }).jobId} ${at}\n`);
    buffer = buffer.slice(m.index + m[0].length);
  }
});
socket.on('close', () => process.exit(0));

const EVENT = /event: job\.submitted\ndata: (.*)\n\n/;
