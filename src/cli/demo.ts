/**
 * `trainyard demo` (what `npm run demo` runs): starts a server for `.trainyard-demo` as a
 * detached process (or reuses a running one), submits examples/char-lm/job.yaml, follows it
 * with the progress bar, then says where everything is. Without a terminal (CI) it stops the
 * server it started and exits with the job's status; on a terminal it leaves the server running.
 */
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from '../sdk/client.ts';
import { action, createCommand, type CliContext, type CommonOptions } from './command.ts';
import { findLocalServer, readAdminToken } from './connect.ts';
import { describeCheckpoint, describeOutcome, followJob, latestCheckpoint } from './follow.ts';
import { CliError, EXIT, printJson, type Io } from './io.ts';
import { applyFlags } from './spec-args.ts';
import { isHealthy, isPortFree, servingPids, startDetachedServer, stopProcess, stopServingProcesses, type LocalServer } from './local-server.ts';
import type { LoopResult } from './demo-loop.ts';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const JOB_FILE = join(REPO_ROOT, 'examples', 'char-lm', 'job.yaml');
/** The demo server's port when it is free; any free port otherwise. */
const DEMO_PORT = 7300;

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
    // A one-time sign-in link, never the token: the code is spent on first use and expires in minutes.
    const dashboard = (await hasDashboard(server.url)) ? `Dashboard: ${server.url}${(await client.createSignInCode({ role: 'admin' })).path}\n  (a sign-in link: it works once, within 5 minutes; make another with: ${env} npx trainyard sign-in)\n` : '';
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
      await stopProcess(server.pid, server.exited);
      say(`\nStopped the demo server (pid ${server.pid}).\n`);
      for (const pid of await stopServingProcesses(dataDir)) say(`Stopped the serving process (pid ${pid}).\n`);
    }
  }
  return exitCode;
}

/** The data dir's running server, or a new detached one once it answers /health. */
async function ensureServer(dataDir: string, say: (text: string) => void): Promise<LocalServer> {
  const running = findLocalServer(dataDir);
  if (running && (await isHealthy(running.url))) {
    say(`using the demo server at ${running.url} (pid ${running.pid})\n`);
    return { url: running.url, pid: running.pid, started: false, exited: () => false };
  }
  const port = (await isPortFree(DEMO_PORT)) ? DEMO_PORT : 0;
  return startDetachedServer(dataDir, say, { port, label: 'demo server' });
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

function displayPath(cwd: string, path: string): string {
  const rel = relative(cwd, path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}
