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
  secureCookies?: boolean;
  rateLimitIngest?: string;
  rateLimitControl?: string;
  rateLimitRead?: string;
  rateLimitWindow?: string;
  auditRetentionDays?: string;
  trustProxy?: string;
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
    .option('--secure-cookies', "mark the dashboard's session cookie Secure even over plain HTTP (behind a TLS proxy; default: only when the request came over HTTPS)")
    .option('--rate-limit-ingest <n>', "a run's reporting requests (metrics, heartbeats, checkpoints, artifacts) a minute per run token; 0: no limit (default: $TRAINYARD_RATE_LIMIT_INGEST, else 6000)")
    .option('--rate-limit-control <n>', 'changes (submit, stop, promote, deploy, …) a minute per token; 0: no limit (default: $TRAINYARD_RATE_LIMIT_CONTROL, else 1200)')
    .option('--rate-limit-read <n>', 'reads (GET) a minute per token; 0: no limit (default: $TRAINYARD_RATE_LIMIT_READ, else 0)')
    .option('--rate-limit-window <seconds>', 'the window the rate limits count in, seconds (default: $TRAINYARD_RATE_LIMIT_WINDOW_SECONDS, else 60)')
    .option('--audit-retention-days <n>', 'days the audit log keeps (default: $TRAINYARD_AUDIT_RETENTION_DAYS, else 90)')
    .option('--trust-proxy <addresses>', "trust X-Forwarded-For from these proxies (a comma list of addresses or CIDRs, or 'true' for any) for the client IP of the audit log and rate limits (default: $TRAINYARD_TRUST_PROXY, else none)")
    .action(action(ctx, (options: ServerOptions) => runServer(ctx.io, options)));
}

function parsePort(text: string): number {
  if (!/^\d+$/.test(text) || Number(text) > 65_535) throw new UsageError(`--port expects 0–65535, got "${text}"`);
  return Number(text);
}

/** The access flags (docs/audit.md), each over its TRAINYARD_* variable. */
function accessOptions(options: ServerOptions) {
  const count = (text: string | undefined, flag: string) => {
    if (text === undefined) return undefined;
    if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) throw new UsageError(`${flag} expects a whole number ≥ 0, got "${text}"`);
    return Number(text);
  };
  const retention = count(options.auditRetentionDays, '--audit-retention-days');
  if (retention === 0) throw new UsageError('--audit-retention-days expects a whole number ≥ 1, got "0"');
  const window = count(options.rateLimitWindow, '--rate-limit-window');
  if (window === 0) throw new UsageError('--rate-limit-window expects a whole number of seconds ≥ 1, got "0"');
  const limits = {
    windowMs: window === undefined ? undefined : window * 1000,
    ingest: count(options.rateLimitIngest, '--rate-limit-ingest'),
    control: count(options.rateLimitControl, '--rate-limit-control'),
    read: count(options.rateLimitRead, '--rate-limit-read'),
  };
  const proxy = options.trustProxy?.trim();
  return {
    rateLimits: Object.fromEntries(Object.entries(limits).filter(([, n]) => n !== undefined)) as Partial<Record<keyof typeof limits, number>>,
    auditRetentionDays: retention,
    trustProxy: proxy === undefined || proxy === '' ? undefined : proxy === 'true' ? true : proxy === 'false' ? false : proxy,
  };
}

async function runServer(io: Io, options: ServerOptions): Promise<number> {
  const dataDir = resolveDataDir(io, options.dataDir);
  const port = options.port === undefined ? undefined : parsePort(options.port);
  const access = accessOptions(options);
  const { startServer } = await import('../server/start.ts');
  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    server = await startServer({ dataDir, host: options.host, port, db: options.db, metricsPublic: options.metricsPublic === true, secureCookies: options.secureCookies === true, access, log: (line) => io.stderr.write(`${new Date().toISOString()} ${line}\n`) });
  } catch (error) {
    // Expected start failures (data dir locked, port taken, bad --db) read best as one line.
    throw new CliError(`cannot start the server: ${error instanceof Error ? error.message : String(error)}`, EXIT.failure, { cause: error, code: 'start_failed' });
  }
  const tokenFile = join(dataDir, 'admin-token');
  if (options.json) {
    printJson(io, { url: server.url, dataDir, pid: process.pid, adminToken: server.adminToken, adminTokenFile: tokenFile, signInUrl: server.signInUrl });
  } else {
    io.stdout.write(`trainyard server listening on ${server.url}: dashboard at /, API at /api/v1 (data dir ${dataDir}, pid ${process.pid})\n`);
    io.stdout.write(`dashboard sign-in (one use, ${Math.round((server.signInExpiresAt - Date.now()) / 60_000)} minutes; later: trainyard sign-in):\n  ${server.signInUrl}\n`);
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
