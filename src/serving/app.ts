/**
 * The serving program's HTTP routes (Fastify), built without listening so tests can inject:
 *
 * | route | who | what |
 * |---|---|---|
 * | `POST /v1/completions` | API key | OpenAI-style completion by `NAME` (the serving version) or `NAME@vN` (a loaded one) |
 * | `GET /v1/models` | API key | `NAME` and every loaded `NAME@vN` |
 * | `GET /health` | anyone | `{status, model, version}` |
 * | `GET /metrics` | anyone | requests, errors, latency median and p95 since start |
 * | `POST /admin/stage` `{version, path, model?}` | admin secret | load a version without serving it (422: the checkpoint cannot be loaded) |
 * | `POST /admin/switch` `{version}` | admin secret | `NAME` serves it from now on |
 * | `POST /admin/reload` `{version, path}` | admin secret | stage, then switch |
 * | `POST /admin/unload` `{version}` | admin secret | drop a version that does not serve |
 *
 * The admin secret is also accepted on `/v1/*` (the deploy target's probes use it). Errors have
 * Trainyard's one shape, `{error: {code, message, field?}}`.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ConflictError, TrainyardError } from '../core/errors.ts';
import type { Keyring } from './keyring.ts';
import { LoadError, type LoadedVersion, type ModelSlots, UnknownModelError } from './model-slots.ts';
import type { Traffic } from './traffic.ts';

export interface ServingDeps {
  readonly slots: ModelSlots;
  readonly keyring: Keyring;
  readonly traffic: Traffic;
  readonly adminSecret: string;
  /** The serving program's version (package.json's), for /health. */
  readonly programVersion: string;
  /** Called after every switch (main.ts writes state.json). */
  readonly onSwitch?: (serving: LoadedVersion) => void;
  readonly log: (line: string) => void;
  readonly now?: () => number;
}

const MAX_TOKENS_LIMIT = 4096;

const completionSchema = z.object({
  model: z.string().min(1),
  prompt: z.union([z.string(), z.array(z.string()).length(1)]),
  max_tokens: z.number().int().min(0).max(MAX_TOKENS_LIMIT).default(16),
  temperature: z.number().min(0).max(2).default(1),
  seed: z.number().int().optional(),
  stream: z.literal(false).optional(),
  n: z.literal(1).optional(),
});
// Other fields (step, metadata: what an http-reload target sends) are ignored; `model`, when
// given, must be the one this process serves.
const stageSchema = z.object({ version: z.number().int().min(1), path: z.string().min(1), model: z.string().optional() });
const versionSchema = z.strictObject({ version: z.number().int().min(1) });

class BadRequestError extends TrainyardError {
  override readonly code = 'invalid_input';
  constructor(message: string, readonly field?: string) {
    super(message);
  }
}

class KeyError extends TrainyardError {
  override readonly code = 'unauthorized';
}

/** HTTP status of each error a route throws; anything else is a 500. */
function statusOf(error: unknown): number {
  if (error instanceof BadRequestError) return 400;
  if (error instanceof KeyError) return 401;
  if (error instanceof UnknownModelError) return 404;
  if (error instanceof ConflictError) return 409;
  if (error instanceof LoadError) return 422;
  const status = (error as { statusCode?: number }).statusCode;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : 500;
}

function parse<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const parsed = schema.safeParse(body ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue.path.join('.');
  throw new BadRequestError(`${field || 'body'}: ${issue.message}`, field || undefined);
}

export async function buildServingApp(deps: ServingDeps): Promise<FastifyInstance> {
  const { slots, keyring, traffic } = deps;
  const now = deps.now ?? Date.now;
  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
  const isAdmin = (request: FastifyRequest) => {
    const given = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')?.[1];
    return given !== undefined && given.length === deps.adminSecret.length && timingSafeEqual(Buffer.from(given), Buffer.from(deps.adminSecret));
  };

  app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const status = statusOf(error);
    const message = status === 500 ? `the serving process failed: ${(error as Error)?.message ?? String(error)}` : (error as Error).message;
    if (status === 500) deps.log(`${request.method} ${request.url} failed: ${(error as Error)?.stack ?? String(error)}`);
    const field = (error as { field?: string }).field;
    const code = error instanceof TrainyardError ? error.code : status === 400 ? 'invalid_input' : status === 500 ? 'internal' : 'error';
    return reply.status(status).send({ error: { code, message, ...(field ? { field } : {}) } });
  });
  app.setNotFoundHandler((request, reply) => reply.status(404).send({ error: { code: 'not_found', message: `no route ${request.method} ${request.url}` } }));

  app.addHook('onRequest', async (request) => {
    if (request.url.startsWith('/v1/')) {
      if (isAdmin(request)) return;
      const decision = keyring.decide(request.headers.authorization);
      if (!decision.ok) throw new KeyError(decision.reason);
    } else if (request.url.startsWith('/admin/')) {
      if (!isAdmin(request)) throw new KeyError('the admin routes need the admin secret: Authorization: Bearer <the admin-secret file of the serving directory>');
    }
  });
  // Counts every completion request, refused ones included, with its time.
  app.addHook('onResponse', async (request, reply) => {
    if (request.routeOptions.url === '/v1/completions') traffic.record(reply.statusCode, reply.elapsedTime);
  });

  app.post('/v1/completions', async (request) => {
    const body = parse(completionSchema, request.body);
    const loaded = slots.resolve(body.model);
    const prompt = typeof body.prompt === 'string' ? body.prompt : body.prompt[0];
    const text = await loaded.servable.generate(prompt, {
      maxTokens: body.max_tokens, temperature: body.temperature, ...(body.seed !== undefined ? { seed: body.seed } : {}),
    });
    const promptTokens = Array.from(prompt).length;
    const completionTokens = Array.from(text).length;
    return {
      id: `cmpl-${randomBytes(12).toString('hex')}`,
      object: 'text_completion',
      created: Math.floor(now() / 1000),
      model: body.model,
      system_fingerprint: `${slots.model}@v${loaded.version}`,
      choices: [{ index: 0, text, finish_reason: 'length', logprobs: null }],
      usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
    };
  });

  app.get('/v1/models', async () => {
    const serving = slots.serving();
    const entry = (id: string, loaded: LoadedVersion) => ({ id, object: 'model', created: Math.floor(loaded.loadedAt / 1000), owned_by: 'trainyard', version: loaded.version });
    return {
      object: 'list',
      data: [...(serving ? [entry(slots.model, serving)] : []), ...slots.loaded().map((loaded) => entry(`${slots.model}@v${loaded.version}`, loaded))],
    };
  });

  app.get('/health', async () => ({
    status: slots.serving() ? 'ok' : 'idle',
    model: slots.model,
    version: slots.serving()?.version ?? null,
    staged: slots.loaded().map((l) => l.version),
    programVersion: deps.programVersion,
    pid: process.pid,
  }));

  app.get('/metrics', async () => traffic.report());

  async function stage(version: number, path: string): Promise<LoadedVersion> {
    const started = now();
    const loaded = await slots.stage(version, path);
    if (loaded.loadedAt >= started) deps.log(`staged ${slots.model}@v${version} from ${path} (${now() - started} ms)`);
    return loaded;
  }
  function switchTo(version: number): LoadedVersion {
    const before = slots.serving()?.version ?? null;
    const serving = slots.switch(version);
    deps.log(`switched ${slots.model}: v${before ?? '-'} → v${version}`);
    deps.onSwitch?.(serving);
    return serving;
  }
  const describe = (loaded: LoadedVersion) => ({ model: slots.model, version: loaded.version, path: loaded.path, serving: slots.serving()?.version ?? null });

  function parseStage(body: unknown): { version: number; path: string } {
    const { version, path, model } = parse(stageSchema, body);
    if (model !== undefined && model !== slots.model) throw new BadRequestError(`model: this process serves ${JSON.stringify(slots.model)}, not ${JSON.stringify(model)}`, 'model');
    return { version, path };
  }

  app.post('/admin/stage', async (request) => {
    const { version, path } = parseStage(request.body);
    return describe(await stage(version, path));
  });
  app.post('/admin/switch', async (request) => describe(switchTo(parse(versionSchema, request.body).version)));
  app.post('/admin/reload', async (request) => {
    const { version, path } = parseStage(request.body);
    await stage(version, path);
    return describe(switchTo(version));
  });
  app.post('/admin/unload', async (request) => {
    const { version } = parse(versionSchema, request.body);
    const unloaded = slots.unload(version);
    if (unloaded) deps.log(`unloaded ${slots.model}@v${version}`);
    return { model: slots.model, version, unloaded, serving: slots.serving()?.version ?? null };
  });

  return app;
}
