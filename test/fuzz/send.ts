/**
 * Sends a fuzz case to 127.0.0.1 only, within a time bound: through `node:http` on kept-alive
 * connections, or as raw bytes on a socket of its own (`FuzzRequest.raw`).
 */
import { Agent, request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import type { FuzzRequest } from './cases.ts';

export interface FuzzResponse {
  /** 0 when no answer came (the server closed the connection: allowed for raw bytes only). */
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
  /** Set when the bound passed or the client failed before an answer. */
  readonly failure: string | null;
  readonly ms: number;
}

export function createSender(port: number, timeoutMs: number) {
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });

  function viaHttp(c: FuzzRequest): Promise<FuzzResponse> {
    const started = performance.now();
    return new Promise((done) => {
      let settled = false;
      const finish = (r: Omit<FuzzResponse, 'ms'>) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        done({ ...r, ms: performance.now() - started });
      };
      let req: ReturnType<typeof httpRequest>;
      try {
        req = httpRequest({ host: '127.0.0.1', port, method: c.method, path: c.url, headers: { ...c.headers, ...(c.body ? { 'content-length': String(c.body.length) } : {}) }, agent }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (d: Buffer) => chunks.push(d));
          res.on('end', () => finish({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), body: Buffer.concat(chunks).toString('utf8'), failure: null }));
          res.on('error', (e) => finish({ status: res.statusCode ?? 0, contentType: '', body: '', failure: `response: ${e.message}` }));
        });
      } catch (error) {
        // The client itself refused (a header value it will not send): nothing reached the server.
        done({ status: -1, contentType: '', body: String(error), failure: null, ms: 0 });
        return;
      }
      const timer = setTimeout(() => {
        finish({ status: 0, contentType: '', body: '', failure: `no answer within ${timeoutMs} ms` });
        req.destroy();
      }, timeoutMs);
      // A server that answers before reading a large body and closes: the answer still counts.
      req.on('error', (e) => setTimeout(() => finish({ status: 0, contentType: '', body: '', failure: `request: ${e.message}` }), 50));
      req.end(c.body ?? undefined);
    });
  }

  function viaSocket(c: FuzzRequest): Promise<FuzzResponse> {
    const started = performance.now();
    return new Promise((done) => {
      const socket = connect(port, '127.0.0.1');
      const chunks: Buffer[] = [];
      let settled = false;
      const finish = (failure: string | null) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.destroy();
        const text = Buffer.concat(chunks).toString('utf8');
        const [head, ...rest] = text.split('\r\n\r\n');
        const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0);
        const contentType = /\r\ncontent-type: ([^\r\n]*)/i.exec(head)?.[1] ?? '';
        let body = rest.join('\r\n\r\n');
        // The first answer only (a request the parser refuses after the route answered gets a second).
        const length = /\r\ncontent-length: (\d+)/i.exec(head)?.[1];
        if (length !== undefined) body = Buffer.from(body).subarray(0, Number(length)).toString('utf8');
        else if (/\r\ntransfer-encoding: chunked/i.test(head)) body = body.replace(/^[0-9a-f]+\r\n/i, '').replace(/\r\n0\r\n\r\n[\s\S]*$/, '');
        done({ status, contentType, body, failure, ms: performance.now() - started });
      };
      const timer = setTimeout(() => finish(`no answer within ${timeoutMs} ms`), timeoutMs);
      socket.on('data', (d: Buffer) => chunks.push(d));
      socket.on('close', () => finish(null));
      socket.on('error', () => finish(null));
      socket.end(Buffer.from(c.raw!, 'latin1'));
    });
  }

  return {
    send: (c: FuzzRequest) => (c.raw !== null ? viaSocket(c) : viaHttp(c)),
    close: () => agent.destroy(),
  };
}
