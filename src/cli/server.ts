/** `trainyard server`: runs the server in this process until SIGINT or SIGTERM. */
import type { Command } from 'commander';
import { join } from 'node:path';
import { action, createCommand, type CliContext } from './command.ts';
import { resolveDataDir } from './connect.ts';
import { CliError, EXIT, printJson, UsageError, type Io } from './io.ts';

interface ServerOptions {
  json?: boolean;
  dataDir?: string;
  port?: string;
  host?: string;
  db?: string;
  metricsPublic?: boolean;
}

export function serverCommand(ctx: CliContext): Command {
  return createCommand('server', { dataDir: false })
    .summary('run the server: HTTP API, scheduler, supervised runs')
    .description(
      'Run the Trainyard server for a data directory (one server per directory): the HTTP API, the ' +
        'scheduler and the supervised training processes. It writes server.json (its URL ' +
        'and pid, for the CLI) and, at the first start, the admin token into the data directory. ' +
        'SIGINT or SIGTERM stops it cleanly; runs keep going and the next server on this directory ' +
        're-attaches to them.',
    )
    .option('--data-dir <dir>', 'data directory to serve (default: $TRAINYARD_HOME, else ~/.trainyard)')
    .option('--port <port>', 'TCP port, 0 for any free one (default: 7300)')
    .option('--host <host>', 'address to listen on (default: 127.0.0.1)')
    .option('--db <url>', 'database (default: SQLite in the data directory; PostgreSQL is not supported yet)')
    .option('--metrics-public', 'serve GET /metrics (Prometheus) without a token (default: a read or admin token)')
    .action(action(ctx, (options: ServerOptions) => runServer(ctx.io, options)));
}

function parsePort(text: string): number {
  if (!/^\d+$/.test(text) || Number(text) > 65_535) throw new UsageError(`--port expects 0–65535, got "${text}"`);
  return Number(text);
}

async function runServer(io: Io, options: ServerOptions): Promise<number> {
  const dataDir = resolveDataDir(io, options.dataDir);
  const port = options.port === undefined ? undefined : parsePort(options.port);
  const { startServer } = await import('../server/start.ts');
  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    server = await startServer({ dataDir, host: options.host, port, db: options.db, metricsPublic: options.metricsPublic === true, log: (line) => io.stderr.write(`${new Date().toISOString()} ${line}\n`) });
  } catch (error) {
    // Expected start failures (data dir locked, port taken, bad --db) read best as one line.
    throw new CliError(`cannot start the server: ${error instanceof Error ? error.message : String(error)}`, EXIT.failure, { cause: error, code: 'start_failed' });
  }
  const tokenFile = join(dataDir, 'admin-token');
  if (options.json) {
    printJson(io, { url: server.url, dataDir, pid: process.pid, adminToken: server.adminToken, adminTokenFile: tokenFile });
  } else {
    io.stdout.write(`trainyard server listening on ${server.url}: dashboard at /, API at /api/v1 (data dir ${dataDir}, pid ${process.pid})\n`);
    if (server.adminToken) {
      io.stdout.write(`admin token (shown once, saved to ${tokenFile}):\n  ${server.adminToken}\n`);
    }
  }
  const signal = await untilSignal();
  io.stderr.write(`${signal}: stopping the server…\n`);
  const forced = () => process.exit(EXIT.failure);
  process.once('SIGINT', forced);
  process.once('SIGTERM', forced);
  await server.close();
  process.off('SIGINT', forced);
  process.off('SIGTERM', forced);
  // Runs are our children and keep the event loop open; they go on, to be adopted later.
  setTimeout(() => process.exit(EXIT.ok), 100).unref();
  return EXIT.ok;
}

function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals) => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      resolve(signal);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}
