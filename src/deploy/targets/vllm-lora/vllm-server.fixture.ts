/**
 * For tests: the slice of vLLM's OpenAI-compatible server that the vllm-lora target uses, with
 * vLLM's answers (as of v0.8–0.11, `VLLM_ALLOW_RUNTIME_LORA_UPDATING=True`): `POST
 * /v1/load_lora_adapter {lora_name, lora_path}` (400 when the name is loaded already, 404 when
 * the path holds no adapter), `POST /v1/unload_lora_adapter {lora_name}` (404 when not loaded),
 * `GET /v1/models` (the base model and each adapter, `parent` naming the base), `GET /health`,
 * and `POST /v1/completions`, whose answer depends on the adapter: an adapter answers with its
 * file's text, the base model with `base: <prompt>`. `simulateStale(true)` makes adapters answer
 * like the base model (vllm#42125: an adapter served stale). Real HTTP on 127.0.0.1.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody } from '../http-reload/reload-server.fixture.ts';

export interface VllmServerOptions {
  /** vLLM's `--model`. Default "base". */
  readonly baseModel?: string;
  /** vLLM's `--api-key`: every `/v1/*` request must carry it. */
  readonly apiKey?: string;
}

export interface VllmServer {
  readonly baseUrl: string;
  /** Loaded adapters: name → path. */
  adapters(): ReadonlyMap<string, string>;
  /** Every completion request's `model`, in order. */
  readonly completions: string[];
  /** true: adapters answer like the base model. */
  simulateStale(stale: boolean): void;
  close(): Promise<void>;
}

export async function startVllmServer(options: VllmServerOptions = {}): Promise<VllmServer> {
  const base = options.baseModel ?? 'base';
  const adapters = new Map<string, { path: string; text: string }>();
  const completions: string[] = [];
  let stale = false;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    const error = (status: number, type: string, message: string) => send(status, { object: 'error', message, type, param: null, code: status });
    if (req.url === '/health' && req.method === 'GET') return send(200, '');
    if (options.apiKey && req.headers.authorization !== `Bearer ${options.apiKey}`) return send(401, { error: 'Unauthorized' });
    const body = req.method === 'POST' ? JSON.parse((await readBody(req)) || '{}') : undefined;
    if (req.method === 'GET' && req.url === '/v1/models') {
      const data = [{ id: base, object: 'model', root: base, parent: null },
        ...[...adapters].map(([id, a]) => ({ id, object: 'model', root: a.path, parent: base }))];
      return send(200, { object: 'list', data });
    }
    if (req.method === 'POST' && req.url === '/v1/load_lora_adapter') {
      const { lora_name: name, lora_path: path } = body;
      if (!name || !path) return error(400, 'BadRequestError', "Both 'lora_name' and 'lora_path' must be provided.");
      if (adapters.has(name)) return error(400, 'InvalidUserInput', `The lora adapter '${name}' has already been loaded.`);
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch {
        return error(404, 'NotFoundError', `Loading lora ${name} failed: No adapter found for ${path}`);
      }
      adapters.set(name, { path, text });
      return send(200, `Success: LoRA adapter '${name}' added successfully.`);
    }
    if (req.method === 'POST' && req.url === '/v1/unload_lora_adapter') {
      const name = body.lora_name;
      if (!adapters.delete(name)) return error(404, 'NotFoundError', `The lora adapter '${name}' cannot be found.`);
      return send(200, `Success: LoRA adapter '${name}' removed successfully.`);
    }
    if (req.method === 'POST' && req.url === '/v1/completions') {
      completions.push(body.model);
      const adapter = adapters.get(body.model);
      if (body.model !== base && !adapter) return error(404, 'NotFoundError', `The model \`${body.model}\` does not exist.`);
      const text = !adapter || stale ? `base: ${body.prompt}` : adapter.text;
      return send(200, { object: 'text_completion', model: body.model, choices: [{ index: 0, text, finish_reason: 'length' }] });
    }
    error(404, 'NotFoundError', 'Not Found');
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((e) => res.writeHead(500).end(String(e)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    adapters: () => new Map([...adapters].map(([name, a]) => [name, a.path])),
    completions,
    simulateStale: (value) => { stale = value; },
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
