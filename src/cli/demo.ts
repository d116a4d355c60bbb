/**
 * `trainyard demo` (what `npm run demo` runs): starts a server for `.trainyard-demo` as a
 * detached process (or reuses a running one), submits examples/char-lm/job.yaml, follows it
 * with the progress bar, then says where everything is. Without a terminal (CI) it stops the
 * server it started and exits with the job's status; on a terminal it leaves the server running.
 */
import type { Command } from 'commander';
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from '../sdk/client.ts';
import { action, createCommand, type CliContext, type CommonOptions } from './command.ts';
import { findLocalServer, isProcessAlive, readAdminToken, readServerInfo } from './connect.ts';
import { describeCheckpoint, describeOutcome, followJob, latestCheckpoint } from './follow.ts';
import { CliError, EXIT, printJson, type Io } from './io.ts';
import { applyFlags } from './spec-args.ts';
import { sleep } from './watch.ts';
import { SERVER_NODE_FLAGS } from './node-flags.ts';
import type { LoopResult } from './demo-loop.ts';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(REPO_ROOT, 'bin', 'trainyard.js');
const JOB_FILE = join(REPO_ROOT, 'examples', 'char-lm', 'job.yaml');
/** The demo server's port when it is free; any free port otherwise. */
const DEMO_PORT = 7300;
/** How long a fresh server may take to answer /health (first start migrates the database). */
const START_TIMEOUT_MS = 60_000;

export function demoCommand(ctx: CliContext): Command {
  return createCommand('demo', { dataDir: false })
    .summary('train the bundled example on a local server')
    .description(
      'Start a server for the demo data directory as a background process (port 7300, or any free ' +
        'port if taken; a server already running there is reused), submit examples/char-lm/job.yaml, ' +
        'follow it with a progress bar, and print the checkpoint it registered and what to try next. ' +
        'On a terminal the server keeps running afterwards. Without one (CI), the server this command ' +
        "started is stopped and the exit code is the job's: 0 only if it succeeded.",
    )
    .option('--data-dir <dir>', 'demo data directory (default: .trainyard-demo in the repository root)')
    .option(
      '--loop',
      'the whole loop after training: evaluate every checkpoint, promote the best, deploy it to the builtin serving ' +
        'process and ask it for a completion; continue from production on more text; roll back a broken version',
    )
    .action(action(ctx, (options: DemoOptions) => demo(ctx.io, options)));
}

interface DemoOptions extends CommonOptions {
  loop?: boolean;
}

async function demo(io: Io, options: DemoOptions): Promise<number> {
  const json = Boolean(options.json);
  const say = (text: string) => (json ? io.stderr : io.stdout).write(text);
  const dataDir = resolve(io.cwd, options.dataDir ?? join(REPO_ROOT, '.trainyard-demo'));
  if (!existsSync(JOB_FILE)) throw new CliError(`the example job file is missing: ${JOB_FILE}`);
  const server = await ensureServer(dataDir, say);
  const interactive = Boolean(io.stdout.isTTY) && !json;
  const leftRunning = interactive || !server.started;
  let exitCode: number = EXIT.failure;
  try {
    const token = readAdminToken(dataDir);
    if (!token) throw new CliError(`no admin token in ${join(dataDir, 'admin-token')}; remove ${dataDir} to start the demo afresh`);
    const client = createClient({ url: server.url, token });
    const { loadJobFile } = await import('./job-file.ts'); // yaml loads only here, not at every CLI start
    const file = loadJobFile(JOB_FILE, io.cwd);
    const spec = applyFlags(file.spec, {}, io.cwd);
    let jobId: number;
    let detached = false;
    let loop: LoopResult | null = null;
    if (options.loop) {
      const { runLoop } = await import('./demo-loop.ts');
      const withOverrides = (overrides: Record<string, unknown>) => ({
        ...spec, ...overrides, params: { ...(spec.params ?? {}), ...((overrides.params as object | undefined) ?? {}) },
      });
      loop = await runLoop(io, client, { url: server.url, token }, { repoRoot: REPO_ROOT, dataDir }, say, withOverrides);
      jobId = loop.jobs[0];
    } else {
      const submitted = await client.submitJob(spec);
      say(`submitted job ${submitted.id} (${submitted.name ?? submitted.spec.name}): ${submitted.spec.command.join(' ')}\n`);
      const followed = await followJob(client, submitted.id, io, { out: json ? io.stderr : io.stdout });
      jobId = followed.job.id;
      detached = followed.detached;
      if (!detached) say(`\n${describeOutcome(followed.job, null)}`);
    }
    const job = await client.getJob(jobId);
    const checkpoint = latestCheckpoint(await client.listCheckpoints(job.id));
    const home = displayPath(io.cwd, dataDir);
    const env = home === '.trainyard-demo' ? 'TRAINYARD_HOME=.trainyard-demo' : `TRAINYARD_HOME=${home}`;
    // The dashboard signs in from ?token= once and then drops it from the address bar.
    const dashboard = (await hasDashboard(server.url)) ? `Dashboard: ${server.url}/?token=${encodeURIComponent(token)}\n` : '';
    say(
      `\n${dashboard}API: ${server.url}/api/v1   (its document: ${server.url}/openapi.json)\n` +
        `Admin token: ${join(home, 'admin-token')}   Server log: ${join(home, 'server.log')}\n` +
        `Checkpoint: ${checkpoint ? describeCheckpoint(checkpoint) : 'none registered'}\n` +
        (loop?.servingUrl ? `Serving: ${loop.servingUrl}/v1/completions (API key: ${loop.apiKey})\n` : '') +
        (leftRunning ? '\nTry next:\n' : `\nTry next, after starting the server again with: npx trainyard server --data-dir ${home}\n`) +
        `  ${env} npx trainyard ls\n` +
        `  ${env} npx trainyard show ${job.id}\n` +
        `  ${env} npx trainyard metrics ${job.id} loss\n` +
        `  ${env} npx trainyard logs ${job.id}\n` +
        `  ${env} npx trainyard checkpoints ${job.id}\n` +
        (loop ? `  ${env} npx trainyard model show char-lm; ${env} npx trainyard deployments\n` : '  npm run demo -- --loop   # evaluate, promote, deploy and serve, roll back a broken version\n'),
    );
    exitCode = interactive ? EXIT.ok : detached ? EXIT.interrupted : job.state === 'succeeded' ? EXIT.ok : EXIT.failure;
    if (json) printJson(io, { url: server.url, pid: server.pid, dataDir, adminTokenFile: join(dataDir, 'admin-token'), job, checkpoint, serverLeftRunning: leftRunning, loop });
  } finally {
    if (leftRunning) {
      const serving = servingPids(dataDir);
      say(`\nThe server keeps running (pid ${server.pid}); stop it with: kill ${server.pid}\n`);
      if (serving.length > 0) say(`The serving process keeps running too; stop it with: kill ${serving.join(' ')}\n`);
    } else {
      await stopServer(server.pid, server.exited);
      say(`\nStopped the demo server (pid ${server.pid}).\n`);
      for (const pid of await stopServingProcesses(dataDir)) say(`Stopped the serving process (pid ${pid}).\n`);
    }
  }
  return exitCode;
}

interface DemoServer {
  readonly url: string;
  readonly pid: number;
  /** True when this command started it (false: reused). */
  readonly started: boolean;
  /** Whether it is known to have exited (only known for a server this command started). */
  readonly exited: () => boolean;
}

/** The data dir's running server, or a new detached one once it answers /health. */
async function ensureServer(dataDir: string, say: (text: string) => void): Promise<DemoServer> {
  const running = findLocalServer(dataDir);
  if (running && (await isHealthy(running.url))) {
    say(`using the demo server at ${running.url} (pid ${running.pid})\n`);
    return { url: running.url, pid: running.pid, started: false, exited: () => false };
  }
  mkdirSync(dataDir, { recursive: true });
  const port = (await isPortFree(DEMO_PORT)) ? DEMO_PORT : 0;
  const logPath = join(dataDir, 'server.log');
  const log = openSync(logPath, 'a');
  const child = spawn(process.execPath, [...SERVER_NODE_FLAGS, BIN, 'server', '--data-dir', dataDir, '--port', String(port)], {
    detached: true,
    stdio: ['ignore', log, log],
    cwd: REPO_ROOT,
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
  say(`starting a demo server (data dir ${dataDir}, log ${logPath})…\n`);
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (exited !== null) throw new CliError(`the demo server exited (${exited}) before it was ready; its log:\n${tail(logPath)}`);
    const info = readServerInfo(dataDir);
    if (info && info.pid === child.pid && (await isHealthy(info.url))) {
      say(`demo server ready at ${info.url} (pid ${info.pid})\n`);
      return { url: info.url, pid: info.pid, started: true, exited: () => exited !== null };
    }
    await sleep(100);
  }
  if (child.pid) await stopServer(child.pid, () => exited !== null);
  throw new CliError(`the demo server did not answer within ${START_TIMEOUT_MS / 1000}s; its log:\n${tail(logPath)}`);
}

async function isHealthy(url: string): Promise<boolean> {
  try {
    return (await createClient({ url }).health()).ok === true;
  } catch {
    return false;
  }
}

/** Whether the server serves the web dashboard at `/` (it is optional in a build). */
async function hasDashboard(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/`);
    await response.body?.cancel();
    return response.ok && (response.headers.get('content-type') ?? '').includes('text/html');
  } catch {
    return false;
  }
}

function isPortFree(port: number): Promise<boolean> {
  return new Promise((done) => {
    const probe = createServer();
    probe.once('error', () => done(false));
    probe.listen({ port, host: '127.0.0.1', exclusive: true }, () => probe.close(() => done(true)));
  });
}

/** SIGTERM, then wait for the process to exit (SIGKILL after 30 s). */
async function stopServer(pid: number, exited: () => boolean): Promise<void> {
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
function servingPids(dataDir: string): number[] {
  const root = join(dataDir, 'deploy');
  if (!existsSync(root)) return [];
  const pids: number[] = [];
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    try {
      const { pid } = JSON.parse(readFileSync(join(root, entry.name, 'state.json'), 'utf8')) as { pid?: unknown };
      if (typeof pid === 'number' && Number.isInteger(pid) && pid > 1 && isProcessAlive(pid)) pids.push(pid);
    } catch {
      // No state file, or a torn one: nothing runs there that the demo knows of.
    }
  }
  return pids;
}

/** The demo that stops its server stops their serving processes too, each by its pid. */
async function stopServingProcesses(dataDir: string): Promise<number[]> {
  const pids = servingPids(dataDir);
  for (const pid of pids) await stopServer(pid, () => false);
  return pids;
}

function tail(path: string): string {
  try {
    return readFileSync(path, 'utf8').split('\n').slice(-20).join('\n');
  } catch {
    return '(no log)';
  }
}

function displayPath(cwd: string, path: string): string {
  const rel = relative(cwd, path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}
