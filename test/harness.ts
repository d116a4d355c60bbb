/**
 * Test harness: a real `trainyard server` as a child process on a free loopback port, with a
 * throwaway data directory, plus small helpers to call its API, run its CLI and wait for conditions.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before } from 'node:test';
import { SERVER_NODE_FLAGS } from '../src/cli/node-flags.ts';

export const REPO = resolve(import.meta.dirname, '..');
export const BIN = join(REPO, 'bin', 'trainyard.js');

export interface TestServer {
  readonly url: string;
  readonly port: number;
  readonly adminToken: string;
  readonly dataDir: string;
  readonly pid: number;
  /** Everything the server printed so far. */
  output(): string;
  /** SIGTERM, then wait for it to exit. */
  stop(): Promise<void>;
  /** SIGKILL, as a crash would: runs keep going, the lock and server.json stay behind. */
  kill9(): Promise<void>;
  /** A new server on the same data directory and port. */
  restart(): Promise<TestServer>;
  /** Calls the API with the admin token (or `token`). */
  api<T = any>(path: string, init?: { method?: string; body?: unknown; token?: string | null }): Promise<{ status: number; body: T; headers: Headers }>;
}

export interface StartOptions {
  readonly dataDir?: string;
  readonly port?: number;
  readonly env?: Record<string, string>;
  /** How long it may take to answer `/health`. Default: 30 s. */
  readonly startTimeoutMs?: number;
}

const started = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of started) child.kill('SIGKILL');
});

export function tempDir(prefix = 'trainyard-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

export async function startServer(options: StartOptions = {}): Promise<TestServer> {
  const dataDir = options.dataDir ?? tempDir();
  const port = options.port ?? (await freePort());
  const child = spawn(process.execPath, [...SERVER_NODE_FLAGS, BIN, 'server', '--data-dir', dataDir, '--port', String(port)], {
    cwd: REPO,
    env: { ...process.env, TRAINYARD_CPU_SLOTS: '4', TRAINYARD_GPUS: 'none', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.add(child);
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<void>((done) => child.once('exit', () => {
    started.delete(child);
    done();
  }));
  const url = `http://127.0.0.1:${port}`;
  await waitFor(async () => {
    if (child.exitCode !== null) return true;
    try {
      return (await fetch(`${url}/health`)).ok;
    } catch {
      return false;
    }
  }, { timeoutMs: options.startTimeoutMs ?? 30_000, what: `server on ${url}` }).catch((error: Error) => {
    child.kill('SIGKILL');
    throw new Error(`${error.message}; it printed:\n${output}`);
  });
  if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${output}`);
  const adminToken = readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();

  const server: TestServer = {
    url, port, adminToken, dataDir, pid: child.pid!,
    output: () => output,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
    async kill9() {
      child.kill('SIGKILL');
      await exited;
    },
    restart: () => startServer({ ...options, dataDir, port }),
    async api(path, init = {}) {
      const token = init.token === undefined ? adminToken : init.token;
      const response = await fetch(url + path, {
        method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body),
      });
      const text = await response.text();
      let body: any = text;
      try {
        body = JSON.parse(text);
      } catch {
        // plain text (logs)
      }
      return { status: response.status, body, headers: response.headers };
    },
  };
  return server;
}

/** What one `trainyard` CLI process did. */
export interface CliResult {
  /** The arguments it was given, `--data-dir DIR` included. */
  readonly args: readonly string[];
  /** Its exit code; null when a signal ended it. */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliOptions {
  /** Appended as `--data-dir DIR` (before a `--`): the CLI finds the server through that directory. */
  readonly dataDir?: string;
  /** Set as TRAINYARD_HOME. Default: the one inherited, if any. */
  readonly home?: string;
  /** Default: the repository root. */
  readonly cwd?: string;
  /** Set last, over everything else (TRAINYARD_URL and TRAINYARD_TOKEN included). */
  readonly env?: Record<string, string>;
}

/** `args` with `options` placed before the first `--` (what follows it is a job's command), or at the end. */
export function withOptions(args: readonly string[], ...options: string[]): string[] {
  const dashes = args.indexOf('--');
  const at = dashes === -1 ? args.length : dashes;
  return [...args.slice(0, at), ...options, ...args.slice(at)];
}

/**
 * Runs `trainyard ARGS` as its own process and collects what it printed. TRAINYARD_URL and
 * TRAINYARD_TOKEN are dropped from the inherited environment, so the CLI only reaches a server
 * through `dataDir`, `home` or what `env` sets. Never rejects: a failing command is a result.
 */
export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  const env: Record<string, string | undefined> = { ...process.env };
  delete env.TRAINYARD_URL;
  delete env.TRAINYARD_TOKEN;
  if (options.home !== undefined) env.TRAINYARD_HOME = options.home;
  Object.assign(env, options.env);
  const argv = options.dataDir === undefined ? [...args] : withOptions(args, '--data-dir', options.dataDir);
  return new Promise((done) => {
    const child = spawn(process.execPath, [BIN, ...argv], { cwd: options.cwd ?? REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => done({ args: argv, code, stdout, stderr }));
  });
}

/** Asserts that the command exited 0 (its stderr in the message if not) and parses its stdout as JSON. */
export function cliJson(result: CliResult): any {
  assert.equal(result.code, 0, `trainyard ${result.args.join(' ')}: exit code 0 expected; stderr: ${result.stderr}${result.stdout}`);
  return JSON.parse(result.stdout);
}

/** Polls `check` until it returns a truthy value, which is returned. */
export async function waitFor<T>(check: () => Promise<T> | T, options: { timeoutMs?: number; intervalMs?: number; what?: string } = {}): Promise<NonNullable<T>> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${options.what ?? 'condition'}${last ? `: ${String(last)}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 100));
  }
}

/** Waits until job `id` is in one of `states`; returns the job. */
export async function waitForJob(server: TestServer, id: number, states: string[], timeoutMs = 90_000): Promise<any> {
  return waitFor(async () => {
    const { body } = await server.api(`/api/v1/jobs/${id}`);
    return states.includes(body.state) ? body : null;
  }, { timeoutMs, what: `job ${id} to be ${states.join('/')}` });
}

/**
 * Kills the process groups of runs started for `dataDir` (found by the checkpoint directory in
 * their environment), for cleanup after tests that crash the server on purpose.
 */
export function killRuns(dataDir: string): void {
  const marker = `TRAINYARD_CHECKPOINT_DIR=${join(dataDir, 'jobs')}`;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (!readFileSync(`/proc/${entry}/environ`, 'utf8').includes(marker)) continue;
      process.kill(-Number(entry), 'SIGKILL');
    } catch {
      // gone, or not a group leader
    }
  }
}

/** True when /usr/bin/python3 can import torch and sklearn (Debian's python3-torch, python3-sklearn). */
export function hasTorch(): boolean {
  return spawnSync('/usr/bin/python3', ['-c', 'import torch, sklearn'], { stdio: 'ignore' }).status === 0;
}

/**
 * One server for a whole `describe` block: started in `before`, its runs killed and the server
 * stopped in `after`. Returns a getter, valid inside the block's tests.
 */
export function useServer(options: StartOptions = {}): () => TestServer {
  let server: TestServer | null = null;
  before(async () => {
    server = await startServer(options);
  });
  after(async () => {
    if (!server) return;
    killRuns(server.dataDir);
    await server.stop();
  });
  return () => {
    if (!server) throw new Error('the server is only running inside the describe block');
    return server;
  };
}

/** Skips (or, under TRAINYARD_REQUIRE_ALL=1, fails) when a component is missing. */
export function requireOrSkip(available: boolean, what: string): string | false {
  if (available) return false;
  if (process.env.TRAINYARD_REQUIRE_ALL === '1') throw new Error(`${what} is required (TRAINYARD_REQUIRE_ALL=1) but missing`);
  return `${what} is not installed`;
}
