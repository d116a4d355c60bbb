/**
 * For tests: a user's serving endpoint that http-reload drives. `POST /reload {model, version,
 * path, step}` reads the file at `path` (the "weights": its text is what the model answers) and
 * serves it from then on; a file that cannot be read is refused (422) and the loaded version
 * keeps serving. `GET /health` reports the version when `reportVersion` is set;
 * `POST /v1/completions` answers the loaded file's text. Real HTTP on 127.0.0.1.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReloadServerOptions {
  /** Requests must carry `Authorization: Bearer <apiKey>`. */
  readonly apiKey?: string;
  /** `/health` answers `{status, version}` (default: `{status}` only). */
  readonly reportVersion?: boolean;
}

export interface ReloadServer {
  /** The reload endpoint: `<baseUrl>/reload`. */
  readonly url: string;
  readonly baseUrl: string;
  /** Every reload body received, in order. */
  readonly reloads: unknown[];
  /** The headers of each reload request, in order. */
  readonly reloadHeaders: IncomingMessage['headers'][];
  /** What serves now. */
  loaded(): { readonly version: number; readonly text: string } | null;
  /** false: `/health` answers 503. */
  setHealthy(healthy: boolean): void;
  close(): Promise<void>;
}

export async function startReloadServer(options: ReloadServerOptions = {}): Promise<ReloadServer> {
  const reloads: unknown[] = [];
  const reloadHeaders: IncomingMessage['headers'][] = [];
  let loaded: { version: number; text: string } | null = null;
  let healthy = true;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    if (options.apiKey && req.headers.authorization !== `Bearer ${options.apiKey}`) return send(401, { error: 'bad api key' });
    const body = req.method === 'POST' ? JSON.parse(await readBody(req) || '{}') : undefined;
    if (req.method === 'GET' && req.url === '/health') {
      if (!healthy) return send(503, { status: 'unhealthy' });
      return send(200, { status: 'ok', ...(options.reportVersion && loaded ? { version: loaded.version } : {}) });
    }
    if (req.method === 'POST' && req.url === '/reload') {
      reloads.push(body);
      reloadHeaders.push(req.headers);
      try {
        loaded = { version: body.version, text: await readFile(body.path, 'utf8') };
      } catch (error) {
        return send(422, { error: `cannot load ${body.path}: ${(error as Error).message}` });
      }
      return send(200, { loaded: body.version });
    }
    if (req.method === 'POST' && req.url === '/v1/completions') {
      if (!loaded) return send(503, { error: 'no model loaded' });
      return send(200, { object: 'text_completion', model: body.model, choices: [{ index: 0, text: loaded.text, finish_reason: 'length' }] });
    }
    send(404, { error: `no route ${req.method} ${req.url}` });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error) => res.writeHead(500).end(String(error)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `${baseUrl}/reload`, baseUrl, reloads, reloadHeaders,
    loaded: () => loaded,
    setHealthy: (value) => { healthy = value; },
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => { text += chunk; });
    req.on('end', () => resolve(text));
    req.on('error', reject);
  });
}
