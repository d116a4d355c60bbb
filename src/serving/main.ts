/**
 * The builtin serving program (docs/deployment.md, "builtin"): one model's versions behind an
 * OpenAI-style HTTP API. Started by the `builtin` deploy target (src/deploy/targets/builtin),
 * detached, so it keeps serving when the Trainyard server stops or crashes; it ends by its PID.
 *
 *   node --import tsx src/serving/main.ts --dir DIR --port P --model NAME --backend MODULE   (a clone)
 *   node dist/serving/main.js --dir DIR …                                                    (the package)
 *
 * Options: --host (default 127.0.0.1), --keys FILE (default DIR/../keys.json, the server's key
 * file), --target NAME (the deploy target whose keys it accepts; default DIR's name), and
 * --version N --path FILE (a version to load and serve at start: how the target restarts it).
 *
 * Files in DIR: `admin-secret` (0600; made at first start when absent), `state.json` ({pid, port,
 * model, version, path}, rewritten atomically at start and after every switch), `serve.log`.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { buildServingApp } from './app.ts';
import { createKeyring } from './keyring.ts';
import { createModelSlots, type LoadedVersion, type ServingBackend } from './model-slots.ts';
import { createTraffic } from './traffic.ts';
import { ensureAdminSecret, SERVING_FILES } from './files.ts';

/** What the serving program writes to DIR/state.json. */
export interface ServingState {
  readonly pid: number;
  readonly port: number;
  readonly model: string;
  /** The version `NAME` serves; null: none yet. */
  readonly version: number | null;
  /** Its checkpoint file. */
  readonly path: string | null;
  readonly startedAt: number;
}


class UsageError extends Error {}

function options(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      dir: { type: 'string' }, port: { type: 'string' }, host: { type: 'string' }, model: { type: 'string' },
      backend: { type: 'string' }, keys: { type: 'string' }, target: { type: 'string' }, version: { type: 'string' }, path: { type: 'string' },
    },
  });
  const need = (name: 'dir' | 'model' | 'backend') => {
    const value = values[name];
    if (!value) throw new UsageError(`--${name} is required`);
    return value;
  };
  const dir = resolve(need('dir'));
  const port = Number(values.port ?? 0);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a port number (0-65535), not ${values.port}`);
  const version = values.version === undefined ? null : Number(values.version);
  if (version !== null && !(Number.isInteger(version) && version >= 1)) throw new UsageError(`--version must be a version number (1, 2, …), not ${values.version}`);
  if ((version === null) !== (values.path === undefined)) throw new UsageError('--version and --path go together');
  return {
    dir, port, host: values.host ?? '127.0.0.1', model: need('model'), backend: resolve(need('backend')),
    keys: resolve(values.keys ?? join(dirname(dir), 'keys.json')), target: values.target ?? basename(dir),
    initial: version === null ? null : { version, path: resolve(values.path!) },
  };
}


async function loadBackend(path: string): Promise<ServingBackend> {
  // From the package (dist/, plain JavaScript) a TypeScript backend needs tsx's loader.
  if (/\.[cm]?ts$/.test(path) && !import.meta.url.endsWith('.ts')) {
    const { register } = await import('tsx/esm/api');
    register();
  }
  const module = (await import(pathToFileURL(path).href)) as Partial<ServingBackend>;
  if (typeof module.load !== 'function') throw new UsageError(`--backend ${path} does not export load(path): a serving backend exports load(path) → {generate(prompt, options)}`);
  return module as ServingBackend;
}

function writeState(dir: string, state: ServingState): void {
  const path = join(dir, SERVING_FILES.state);
  writeFileSync(`${path}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(`${path}.tmp`, path);
}

function programVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

export async function main(argv: string[]): Promise<void> {
  const opts = options(argv);
  mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
  const logPath = join(opts.dir, SERVING_FILES.log);
  const log = (line: string) => appendFileSync(logPath, `${new Date().toISOString()} [${process.pid}] ${line}\n`);
  const backend = await loadBackend(opts.backend);
  const slots = createModelSlots(opts.model, backend);
  const keyring = createKeyring({ path: opts.keys, target: opts.target, log });
  const startedAt = Date.now();
  let port = opts.port;
  const state = (serving: LoadedVersion | null): ServingState => ({
    pid: process.pid, port, model: opts.model, version: serving?.version ?? null, path: serving?.path ?? null, startedAt,
  });
  if (opts.initial) {
    try {
      await slots.stage(opts.initial.version, opts.initial.path);
      slots.switch(opts.initial.version);
    } catch (error) {
      log(`could not load ${opts.model}@v${opts.initial.version} at start: ${(error as Error).message}; serving nothing until a version is staged and switched`);
    }
  }
  const app = await buildServingApp({
    slots, keyring, traffic: createTraffic(), adminSecret: ensureAdminSecret(opts.dir), programVersion: programVersion(), log,
    onSwitch: (serving) => writeState(opts.dir, state(serving)),
  });
  await app.listen({ host: opts.host, port: opts.port });
  const address = app.server.address();
  port = typeof address === 'object' && address ? address.port : opts.port;
  writeState(opts.dir, state(slots.serving()));
  log(`serving ${opts.model}${slots.serving() ? `@v${slots.serving()!.version}` : ' (no version yet)'} on http://${opts.host}:${port} (backend ${opts.backend}, keys ${opts.keys}, target ${opts.target})`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping`);
    keyring.close();
    void app.close().finally(() => process.exit(0));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(`trainyard serving: ${error instanceof UsageError ? error.message : ((error as Error)?.stack ?? String(error))}`);
    process.exit(error instanceof UsageError ? 64 : 1);
  });
}
