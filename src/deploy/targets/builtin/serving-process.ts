/**
 * The builtin target's serving process (src/serving/main.ts) as the server sees it: adopted when
 * one is running for the target's directory, otherwise started detached (its own process group,
 * stdio to serve.log), so that it outlives a `kill -9` of the server; it ends only by its PID.
 *
 * Files in the target's directory: `state.json` (written by the process: {pid, port, model,
 * version, path}), `admin-secret` (0600), `port` (the port chosen once when the config names
 * none), `serve.log`.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { ensureAdminSecret } from '../../../serving/files.ts';
import { fileURLToPath } from 'node:url';
import { TrainyardError } from '../../../core/errors.ts';
import { callHttp } from '../../http-call.ts';

/** DIR/state.json as the serving program writes it (src/serving/main.ts `ServingState`). */
export interface ServingState {
  readonly pid: number;
  readonly port: number;
  readonly model: string;
  readonly version: number | null;
  readonly path: string | null;
  readonly startedAt: number;
}

export interface ServingProcessOptions {
  readonly dir: string;
  /** The deploy target's name: the serving process accepts the keys made for it (and for all). */
  readonly target: string;
  readonly model: string;
  readonly host: string;
  /** null: a free port, chosen once and kept in DIR/port. */
  readonly port: number | null;
  /** The backend module (absolute). */
  readonly backend: string;
  /** The server's key file. */
  readonly keysFile: string;
  readonly log: (line: string) => void;
  /** How long a start may take before it is a failure. Default 30 s. */
  readonly startTimeoutMs?: number;
}

/** The serving process could not be started, or did not come up. */
export class ServingStartError extends TrainyardError {
  override readonly code = 'serving_start_failed';
}

const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
/** src/serving/main.ts in a clone, dist/serving/main.js in the package. */
const SERVING_MAIN = fileURLToPath(new URL(`../../../serving/main${ext}`, import.meta.url));

export function readServingState(dir: string): ServingState | null {
  try {
    return JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as ServingState;
  } catch {
    return null;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}


export function baseUrlOf(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** The pid `/health` reports, or null when nothing answers there. */
export async function healthPid(baseUrl: string, timeoutMs = 2_000): Promise<number | null> {
  try {
    const answer = await callHttp({ method: 'GET', url: `${baseUrl}/health`, timeoutMs });
    const pid = (answer.json as { pid?: unknown } | undefined)?.pid;
    return answer.status === 200 && typeof pid === 'number' ? pid : null;
  } catch {
    return null;
  }
}

/** The running serving process of DIR (pid alive and answering /health as that pid), or null. */
export async function findRunning(dir: string, host: string): Promise<ServingState | null> {
  const state = readServingState(dir);
  if (!state || !isAlive(state.pid)) return null;
  return (await healthPid(baseUrlOf(host, state.port))) === state.pid ? state : null;
}

/** The port to serve on: the configured one, else the one kept in DIR/port, else a free one (kept). */
async function portFor(options: ServingProcessOptions): Promise<number> {
  if (options.port !== null) return options.port;
  const kept = join(options.dir, 'port');
  const text = existsSync(kept) ? readFileSync(kept, 'utf8').trim() : '';
  if (/^\d+$/.test(text)) return Number(text);
  const port = await freePort(options.host);
  writeFileSync(kept, `${port}\n`);
  return port;
}

function freePort(host: string): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, host, () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

/**
 * Starts a serving process (serving `initial` when given) and waits until it answers /health
 * as itself. `onExit` is told when a process this call started exits.
 */
export async function startServing(
  options: ServingProcessOptions,
  initial: { readonly version: number; readonly path: string } | null,
  onExit: (pid: number) => void,
): Promise<ServingState> {
  mkdirSync(options.dir, { recursive: true, mode: 0o700 });
  ensureAdminSecret(options.dir);
  if (!existsSync(options.backend)) {
    throw new ServingStartError(`config.backend: the serving backend ${options.backend} does not exist (the char-lm one is examples/char-lm/serve-backend.ts in a clone of Trainyard; set config.backend to your own module)`);
  }
  const port = await portFor(options);
  const args = [
    ...(ext === '.ts' ? ['--import', import.meta.resolve('tsx')] : []),
    SERVING_MAIN, '--dir', options.dir, '--host', options.host, '--port', String(port), '--model', options.model,
    '--backend', options.backend, '--keys', options.keysFile, '--target', options.target,
    ...(initial ? ['--version', String(initial.version), '--path', initial.path] : []),
  ];
  const logPath = join(options.dir, 'serve.log');
  const logFd = openSync(logPath, 'a');
  let child;
  try {
    child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', logFd, logFd] });
  } finally {
    closeSync(logFd);
  }
  const pid = child.pid;
  if (pid === undefined) throw new ServingStartError(`could not start ${process.execPath} ${SERVING_MAIN} (see ${logPath})`);
  let exited: number | null = null;
  child.once('exit', (code, signal) => {
    exited = code ?? 128;
    options.log(`serving process ${pid} exited (${signal ?? `code ${code}`})`);
    onExit(pid);
  });
  child.unref();
  options.log(`started serving process ${pid} on port ${port}${initial ? ` with v${initial.version}` : ''}`);

  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
  const baseUrl = baseUrlOf(options.host, port);
  while (Date.now() < deadline) {
    if (exited !== null) throw new ServingStartError(`the serving process exited with ${exited} at start: ${tail(logPath)}`);
    const state = readServingState(options.dir);
    if (state?.pid === pid && (await healthPid(baseUrl, 1_000)) === pid) return state;
    await new Promise((done) => setTimeout(done, 100));
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone already
  }
  throw new ServingStartError(`the serving process ${pid} did not answer ${baseUrl}/health within ${(options.startTimeoutMs ?? 30_000) / 1000} s: ${tail(logPath)}`);
}

/** The last lines of serve.log, for an error message. */
function tail(path: string): string {
  try {
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    return `${lines.slice(-5).join(' | ')} (${path})`;
  } catch {
    return `(no ${path})`;
  }
}

export { ensureAdminSecret };
