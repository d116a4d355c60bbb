/**
 * The `builtin` deploy target: Trainyard's own serving process (src/serving/) for one model,
 * started and supervised by the server (docs/deployment.md, "builtin").
 *
 * - `open` adopts the process running for the target's directory (its state.json names a live
 *   pid that answers /health as itself) or starts one, detached, serving the version it served
 *   last; then checks every second that it lives and restarts it, with the version it served,
 *   when it died.
 * - `stage` loads the version beside the serving one (`POST /admin/stage`); `check` probes it by
 *   its versioned name `MODEL@vN`; `switch` makes it the one `MODEL` serves (hot: requests in
 *   flight finish on the old weights); `retire` unloads it.
 * - `close` stops supervising; the process keeps serving, and the next server adopts it.
 *
 * Config: `{port?, backend?, host?}`: the port (default: a free one, chosen once and kept in the
 * target's directory), the backend module (default: examples/char-lm/serve-backend.ts), the
 * address it listens on (default 127.0.0.1).
 */
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { API_KEYS_FILE } from '../../../core/api-keys.ts';
import type { DeployTargetSpec } from '../../../core/deployment.ts';
import { TrainyardError } from '../../../core/errors.ts';
import { callHttp, HttpCallError } from '../../http-call.ts';
import { probeCompletions } from '../../probe.ts';
import type { DeployTarget, DeployVersion, TargetContext, TargetKind } from '../../target.ts';
import { parseTargetConfig } from '../config.ts';
import { baseUrlOf, ensureAdminSecret, findRunning, isAlive, readServingState, type ServingState, startServing } from './serving-process.ts';

/** The char-lm backend, where a clone of Trainyard has it. */
export const DEFAULT_BACKEND = fileURLToPath(new URL('../../../../examples/char-lm/serve-backend.ts', import.meta.url));

/** How often the supervisor checks that the process lives. Default 1 s. */
const SUPERVISE_MS = 1_000;
/** Deadline of an admin or probe request; loading a version may take longer. */
const REQUEST_TIMEOUT_MS = 10_000;
const STAGE_TIMEOUT_MS = 120_000;

export const builtinConfigSchema = z.strictObject({
  port: z.number().int().min(1).max(65535).optional().describe('default: a free port, chosen once and kept in the target directory'),
  backend: z.string().min(1).optional().describe('the serving backend module; default: the char-lm one'),
  host: z.string().min(1).default('127.0.0.1').describe('the address it listens on; default 127.0.0.1'),
});

export type BuiltinConfig = z.output<typeof builtinConfigSchema>;

/** The serving process refused an admin request (a checkpoint it cannot load: 422). */
export class BuiltinServingError extends TrainyardError {
  override readonly code = 'serving_refused';
  constructor(message: string, readonly status: number | null, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export const builtinTarget: TargetKind = {
  kind: 'builtin',
  parseConfig: (config) => parseTargetConfig(builtinConfigSchema, config),
  create: (spec, context) => createBuiltinTarget(spec, context),
};

export function createBuiltinTarget(spec: DeployTargetSpec, context: TargetContext): DeployTarget {
  const config = parseTargetConfig(builtinConfigSchema, spec.config);
  const options = {
    dir: context.dir,
    target: spec.name,
    model: spec.model,
    host: config.host,
    port: config.port ?? null,
    backend: resolve(config.backend ?? DEFAULT_BACKEND),
    keysFile: join(context.dataDir, ...API_KEYS_FILE),
    log: (line: string) => context.log(`target ${spec.name}: ${line}`),
  };
  let running: ServingState | null = null;
  let timer: NodeJS.Timeout | null = null;
  let opening: Promise<ServingState> | null = null;

  const baseUrl = () => baseUrlOf(options.host, running!.port);
  const secret = () => ensureAdminSecret(options.dir);

  /** Adopts or starts the process; one at a time. */
  function ensureRunning(): Promise<ServingState> {
    if (running && isAlive(running.pid)) return Promise.resolve(running);
    opening ??= (async () => {
      const adopted = await findRunning(options.dir, options.host);
      if (adopted) {
        if (running?.pid !== adopted.pid) options.log(`adopted serving process ${adopted.pid} on port ${adopted.port}${adopted.version ? ` (v${adopted.version})` : ''}`);
        return adopted;
      }
      const last = readServingState(options.dir);
      if (last && running === null && !isAlive(last.pid)) options.log(`serving process ${last.pid} is gone; starting another${last.version ? ` with v${last.version}` : ''}`);
      const initial = last?.version && last.path ? { version: last.version, path: last.path } : null;
      return startServing(options, initial, () => {
        if (timer) void supervise();
      });
    })()
      .then((state) => (running = state))
      .finally(() => (opening = null));
    return opening;
  }

  /** After a failed restart the next try waits twice as long, up to a minute. */
  let retryAt = 0;
  let retryMs = SUPERVISE_MS;

  async function supervise(): Promise<void> {
    if (opening || (running && isAlive(running.pid)) || Date.now() < retryAt) return;
    try {
      if (running) options.log(`serving process ${running.pid} died; restarting it`);
      await ensureRunning();
      retryMs = SUPERVISE_MS;
    } catch (error) {
      options.log(`could not restart the serving process (next try in ${retryMs / 1000} s): ${(error as Error).message}`);
      retryAt = Date.now() + retryMs;
      retryMs = Math.min(retryMs * 2, 60_000);
    }
  }

  async function admin(path: string, body: unknown, timeoutMs = REQUEST_TIMEOUT_MS): Promise<unknown> {
    await ensureRunning();
    const answer = await callHttp({ method: 'POST', url: `${baseUrl()}${path}`, body, apiKey: secret(), timeoutMs });
    if (answer.status >= 200 && answer.status < 300) return answer.json;
    const message = (answer.json as { error?: { message?: string } } | undefined)?.error?.message ?? answer.text.slice(0, 200);
    throw new BuiltinServingError(`builtin target ${spec.name}: POST ${path} answered ${answer.status}: ${message}`, answer.status);
  }

  async function getJson(path: string): Promise<unknown> {
    await ensureRunning();
    const answer = await callHttp({ method: 'GET', url: `${baseUrl()}${path}`, apiKey: secret(), timeoutMs: REQUEST_TIMEOUT_MS });
    if (answer.status !== 200) throw new HttpCallError(`GET ${baseUrl()}${path} answered ${answer.status}`, answer.status);
    return answer.json;
  }

  const stageBody = (version: DeployVersion) => ({ version: version.version, path: version.path });

  async function current(): Promise<{ model: string; version: number } | null> {
    try {
      const health = (await getJson('/health')) as { model: string; version: number | null };
      return health.version === null ? null : { model: health.model, version: health.version };
    } catch {
      return null;
    }
  }

  return {
    spec,
    async open() {
      await ensureRunning();
      timer ??= setInterval(() => void supervise(), SUPERVISE_MS);
      timer.unref();
    },
    async stage(version) {
      await admin('/admin/stage', stageBody(version), STAGE_TIMEOUT_MS);
    },
    async check(version, smoke) {
      await ensureRunning();
      return probeCompletions({ baseUrl: baseUrl(), model: `${spec.model}@v${version.version}`, smoke, apiKey: secret(), timeoutMs: REQUEST_TIMEOUT_MS });
    },
    async switch(version) {
      // reload = stage (a no-op when it is loaded from that path) + switch: a process restarted
      // between stage and switch loads it again.
      await admin('/admin/reload', stageBody(version), STAGE_TIMEOUT_MS);
    },
    async probe(smoke) {
      try {
        await ensureRunning();
      } catch (error) {
        return { ok: false, latencyMs: 0, detail: `health: ${(error as Error).message}` };
      }
      const result = await probeCompletions({ baseUrl: baseUrl(), model: spec.model, smoke, apiKey: secret(), timeoutMs: REQUEST_TIMEOUT_MS });
      if (!result.ok || smoke !== null) return result;
      const serving = await current();
      return serving ? result : { ok: false, latencyMs: result.latencyMs, detail: `health: no version of ${spec.model} serves` };
    },
    async traffic() {
      const report = (await getJson('/metrics')) as { requests: number; errors: number };
      return { requests: report.requests, errors: report.errors };
    },
    current,
    async retire(version) {
      try {
        await admin('/admin/unload', { version: version.version });
      } catch (error) {
        options.log(`retire v${version.version}: ${(error as Error).message}`);
      }
    },
    async close() {
      if (timer) clearInterval(timer);
      timer = null;
      await opening?.catch(() => undefined);
    },
  };
}
