/**
 * A `trainyard server` process started by another command on a data directory of its own (the
 * demo, examples/flywheel/run.ts): started detached with its log in `<data>/server.log`, ready
 * once it answers /health, stopped by its pid; and the builtin serving processes it left behind,
 * found and stopped by the pids in their state files.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from '../sdk/client.ts';
import { isProcessAlive, readServerInfo } from './connect.ts';
import { CliError } from './io.ts';
import { SERVER_NODE_FLAGS } from './node-flags.ts';
import { sleep } from './watch.ts';

const BIN = fileURLToPath(new URL('../../bin/trainyard.js', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** How long a fresh server may take to answer /health (first start migrates the database). */
const START_TIMEOUT_MS = 60_000;

export interface LocalServer {
  readonly url: string;
  readonly pid: number;
  /** True when this process started it (false: reused). */
  readonly started: boolean;
  /** Whether it is known to have exited (only known for a server this process started). */
  readonly exited: () => boolean;
}

export interface StartServerOptions {
  /** Default: 0 (any free port). */
  readonly port?: number;
  /** Added to this process's environment (secrets a rules file names with `secretEnv`). */
  readonly env?: Readonly<Record<string, string>>;
  /** What the messages call it. Default: "server". */
  readonly label?: string;
}

/** Starts `trainyard server` detached on `dataDir` and resolves once it answers /health. */
export async function startDetachedServer(dataDir: string, say: (text: string) => void, options: StartServerOptions = {}): Promise<LocalServer> {
  const label = options.label ?? 'server';
  mkdirSync(dataDir, { recursive: true });
  const logPath = join(dataDir, 'server.log');
  const log = openSync(logPath, 'a');
  const child = spawn(process.execPath, [...SERVER_NODE_FLAGS, BIN, 'server', '--data-dir', dataDir, '--port', String(options.port ?? 0)], {
    detached: true,
    stdio: ['ignore', log, log],
    cwd: REPO_ROOT,
    env: { ...process.env, ...options.env },
  });
  closeSync(log);
  child.unref();
  let exited: string | null = null;
  child.on('exit', (code, signal) => {
    exited = signal ?? `exit code ${code}`;
  });
  child.on('error', (error) => {
    exited = error.message;
  });
  say(`starting a ${label} (data dir ${dataDir}, log ${logPath})…\n`);
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (exited !== null) throw new CliError(`the ${label} exited (${exited}) before it was ready; its log:\n${tail(logPath)}`);
    const info = readServerInfo(dataDir);
    if (info && info.pid === child.pid && (await isHealthy(info.url))) {
      say(`${label} ready at ${info.url} (pid ${info.pid})\n`);
      return { url: info.url, pid: info.pid, started: true, exited: () => exited !== null };
    }
    await sleep(100);
  }
  if (child.pid) await stopProcess(child.pid, () => exited !== null);
  throw new CliError(`the ${label} did not answer within ${START_TIMEOUT_MS / 1000}s; its log:\n${tail(logPath)}`);
}

export async function isHealthy(url: string): Promise<boolean> {
  try {
    return (await createClient({ url }).health()).ok === true;
  } catch {
    return false;
  }
}

export function isPortFree(port: number): Promise<boolean> {
  return new Promise((done) => {
    const probe = createServer();
    probe.once('error', () => done(false));
    probe.listen({ port, host: '127.0.0.1', exclusive: true }, () => probe.close(() => done(true)));
  });
}

/** A port free on 127.0.0.1 now. */
export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.once('error', fail);
    probe.listen({ port: 0, host: '127.0.0.1' }, () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => done(port));
    });
  });
}

/** SIGTERM, then wait for the process to exit (SIGKILL after 30 s). */
export async function stopProcess(pid: number, exited: () => boolean = () => false): Promise<void> {
  const gone = () => exited() || !isProcessAlive(pid);
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + 30_000;
  while (!gone() && Date.now() < deadline) await sleep(100);
  if (!gone()) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

/**
 * Serving processes of builtin deploy targets outlive the server on purpose (a restarted server
 * adopts them): the pids alive in `<data>/deploy/<target>/state.json`.
 */
export function servingPids(dataDir: string): number[] {
  const root = join(dataDir, 'deploy');
  if (!existsSync(root)) return [];
  const pids: number[] = [];
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    try {
      const { pid } = JSON.parse(readFileSync(join(root, entry.name, 'state.json'), 'utf8')) as { pid?: unknown };
      if (typeof pid === 'number' && Number.isInteger(pid) && pid > 1 && isProcessAlive(pid)) pids.push(pid);
    } catch {
      // No state file, or a torn one: nothing runs there that we know of.
    }
  }
  return pids;
}

/** Stops the serving processes of `dataDir`'s builtin targets, each by its pid; returns the pids. */
export async function stopServingProcesses(dataDir: string): Promise<number[]> {
  const pids = servingPids(dataDir);
  for (const pid of pids) await stopProcess(pid);
  return pids;
}

export function tail(path: string, lines = 20): string {
  try {
    return readFileSync(path, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
