/**
 * A baseline for the HTTP ingestion benchmarks: a bare node:http server that reads each POST
 * body, `JSON.parse`s it and answers `{"accepted":…,"duplicate":false}`, storing nothing. What
 * the same load reaches against it is the most any Node server could on the same machine at
 * the same time. Prints its port on stdout, then serves until killed.
 */
import { createServer } from 'node:http';

const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { series?: Record<string, { steps: unknown[] }> };
    let accepted = 0;
    for (const column of Object.values(body.series ?? {})) accepted += column.steps.length;
    const reply = JSON.stringify({ accepted, duplicate: false });
    response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(reply) });
    response.end(reply);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`${typeof address === 'object' && address ? address.port : 0}\n`);
});
