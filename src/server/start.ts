/**
 * `trainyard server`: takes the data directory's lock, opens the store, makes the admin token
 * at first start, re-attaches to runs a previous server left behind, and serves the API.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { readGcEnv, readRetentionEnv, readServerEnv, readSlurmEnv } from '../config.ts';
import { createControl } from '../control/control.ts';
import { issueToken } from '../control/tokens.ts';
import { issueSignInCode } from '../control/sign-in.ts';
import { readSignInEnv } from '../config.ts';
import { readAccessEnv, type AccessConfig } from '../config.ts';
import { keysFilePath, subscribeKeysFile, writeKeysFile } from '../control/keys-file.ts';
import { TrainyardError } from '../core/errors.ts';
import { datasetsForRun } from '../datasets/job-datasets.ts';
import { removeDatasetLeftovers } from '../datasets/leftovers.ts';
import { createExecutor, EXECUTOR_NAMES } from '../executors/executors.ts';
import { createCurricula } from '../curriculum/curricula.ts';
import { createStudies } from '../studies/studies.ts';
import { createInbox } from '../inbox/inbox.ts';
import { createSqliteStore } from '../store/sqlite/sqlite-store.ts';
import { createRetention } from '../operations/retention.ts';
import type { Store } from '../store/store.ts';
import { subscribeAfterTraining, subscribeDeployer } from './after-training.ts';
import { subscribeAutomations } from './automations.ts';
import { buildApp, VERSION } from './app.ts';
import { createDataDirLayout } from '../control/data-dir.ts';
import { createBatchParserPool } from './ingest/batch-parser-pool.ts';
import { acquireLock } from './lock.ts';

export interface StartOptions {
  readonly dataDir: string;
  /** Default: 127.0.0.1. */
  readonly host?: string;
  /** Default: 7300; 0 picks a free port. */
  readonly port?: number;
  /** Database URL. Default: SQLite in the data directory. */
  readonly db?: string;
  readonly log?: (line: string) => void;
  /** Default: process.env. */
  readonly env?: NodeJS.ProcessEnv;
  /** Which executor runs the jobs (executors/executors.ts). Default: TRAINYARD_EXECUTOR, else `local`. */
  readonly executor?: string;
  /** `GET /metrics` without a token (docs/operations.md). Default: false. */
  readonly metricsPublic?: boolean;
  /** `--secure-cookies`: the dashboard's session cookie is always Secure (behind a TLS proxy). Default: false. */
  readonly secureCookies?: boolean;
  /** Rate limits, audit retention, the proxy to trust (docs/audit.md): flags over TRAINYARD_* variables. */
  readonly access?: { readonly rateLimits?: Partial<AccessConfig['rateLimits']>; readonly auditRetentionDays?: number; readonly trustProxy?: boolean | string };
}

export interface RunningServer {
  readonly url: string;
  /** The admin token, only when it was created by this start (print it once). */
  readonly adminToken: string | null;
  readonly adminTokenPath: string;
  /** A one-time dashboard sign-in link (admin), made by this start: `<url>/sign-in#code=…`. */
  readonly signInUrl: string;
  /** When `signInUrl`'s code expires, epoch ms. */
  readonly signInExpiresAt: number;
  close(): Promise<void>;
}

/** The port a server uses when none is given. */
export const DEFAULT_PORT = 7300;

export class StartError extends TrainyardError {
  override readonly code = 'start_failed';
}

export async function startServer(options: StartOptions): Promise<RunningServer> {
  const log = options.log ?? ((line: string) => console.log(`${new Date().toISOString()} ${line}`));
  const env = options.env ?? process.env;
  const dataDir = resolve(options.dataDir);
  const layout = createDataDirLayout(dataDir);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const lock = acquireLock(layout.lock, dataDir);
  let store: Store | null = null;
  try {
    const opened = await openStore(options.db, layout.database);
    store = opened;
    const adminToken = await ensureAdminToken(store, layout.adminToken);
    await removeDatasetLeftovers(store, layout.datasetDir, log);
    const serverEnv = readServerEnv(env);
    const gcEnv = readGcEnv(env);
    const signInPolicy = readSignInEnv(env);
    const retentionEnv = readRetentionEnv(env);
    const accessEnv = readAccessEnv(env);
    const access = {
      rateLimits: { ...accessEnv.rateLimits, ...options.access?.rateLimits },
      auditRetentionDays: options.access?.auditRetentionDays ?? accessEnv.auditRetentionDays,
      trustProxy: options.access?.trustProxy ?? accessEnv.trustProxy,
    };
    const executorName = options.executor ?? serverEnv.executor;
    const executor = createExecutor(executorName, { ...serverEnv, env, ...(executorName === 'slurm' ? { slurm: readSlurmEnv(env) } : {}) });
    if (!executor) throw new StartError(`executor "${executorName}" (TRAINYARD_EXECUTOR) is not known: expected one of ${EXECUTOR_NAMES.join(', ')}`);
    const slots = await executor.capacity();
    const now = () => Date.now();
    let url = '';
    const baseEnv = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined && !e[0].startsWith('TRAINYARD_')));
    const control = createControl({
      store, layout, slots, now, log,
      executor,
      datasetsForRun: (job, runId) => datasetsForRun(opened, layout.datasetDir, job, runId, now()),
      gc: { minFree: gcEnv.minFree, intervalMs: gcEnv.intervalSeconds * 1000 },
      serverUrl: () => url,
      baseEnv,
    });
    const batchParser = createBatchParserPool();
    const evaluator = subscribeAfterTraining({ store, control, now, log });
    const deployer = subscribeDeployer({ store, control, now, log, dataDir, baseEnv });
    // The API keys the serving processes read (docs/deployment.md, builtin): now, then on each change.
    await writeKeysFile(store, keysFilePath(dataDir));
    subscribeKeysFile({ store, events: control.events, path: keysFilePath(dataDir) });
    // Curricula (docs/curriculum.md): evaluations of a level's jobs move its level.
    const curricula = createCurricula({ store, control, now, log });
    curricula.subscribe();
    // Studies (docs/studies.md): trials launched as slots free up; a pass over every running study at start.
    const studies = createStudies({ store, control, now, log });
    studies.subscribe();
    const automations = subscribeAutomations({ store, control, evaluator, deployer, curricula, dataDir, now, log, env });
    let started = false; // `/readyz` says "starting" until recovery is done and the loops run
    const app = await buildApp({ store, control, layout, now, batchParser, slots, log, evaluator, deployer, automations, curricula, studies, started: () => started, metricsPublic: options.metricsPublic, signIn: signInPolicy, secureCookies: options.secureCookies, ...access });
    const host = options.host ?? '127.0.0.1';
    try {
      await app.listen({ host, port: options.port ?? DEFAULT_PORT });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE') throw new StartError(`port ${options.port ?? DEFAULT_PORT} on ${host} is in use; pick another with --port`);
      throw error;
    }
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : options.port;
    url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
    writeFileSync(layout.serverInfo, JSON.stringify({ url, pid: process.pid, version: VERSION, startedAt: now() }, null, 2));
    await control.recover();
    control.start();
    // Opens the targets (the builtin serving process starts or is adopted) and runs what a crash left in flight.
    deployer.start().catch((error: unknown) => log(`deployer: start failed: ${String((error as Error)?.stack ?? error)}`));
    // Ends the firings a crash cut, loads <data>/automations.yaml (a broken file is logged, never fatal).
    await automations.start();
    await studies.start();
    // Old events every subscriber handled, and old logs when asked (docs/operations.md#retention).
    const retention = createRetention({ store, settings: retentionEnv, subscribers: () => control.events.subscribers(), now, log });
    retention.start();
    const inbox = createInbox({ store, control, layout, now, log });
    inbox.start();
    started = true;
    const signIn = await issueSignInCode(store, 'admin', now(), signInPolicy.codeTtlMs);
    log(`trainyard ${VERSION} serving ${url} (data ${dataDir}; ${slots.gpus.length} GPU${slots.gpus.length === 1 ? '' : 's'}, ${slots.cpuSlots} CPU slots)`);

    const openStoreRef = store;
    let closing: Promise<void> | null = null;
    return {
      url,
      adminToken,
      adminTokenPath: layout.adminToken,
      signInUrl: `${url}/sign-in#code=${signIn.code}`,
      signInExpiresAt: signIn.expiresAt,
      close() {
        closing ??= (async () => {
          await inbox.close();
          await retention.close();
          await automations.close();
          await studies.close();
          await deployer.close();
          await control.close();
          await app.close();
          await batchParser.close();
          await openStoreRef.close();
          rmSync(layout.serverInfo, { force: true });
          lock.release();
        })();
        return closing;
      },
    };
  } catch (error) {
    await store?.close();
    lock.release();
    throw error;
  }
}

async function openStore(db: string | undefined, sqlitePath: string): Promise<Store> {
  if (db === undefined || db === '' || db.startsWith('sqlite:') || db.endsWith('.db')) {
    return createSqliteStore(db ? db.replace(/^sqlite:(\/\/)?/, '') : sqlitePath);
  }
  throw new StartError(`database ${db.replace(/\/\/[^@]*@/, '//…@')} is not supported yet: use the embedded SQLite (omit --db)`);
}

/** Creates the admin token at first start and writes it to a 0600 file; null afterwards. */
async function ensureAdminToken(store: Store, path: string): Promise<string | null> {
  if (existsSync(path)) return null;
  const { token } = await issueToken(store, { role: 'admin', runId: null, jobId: null }, Date.now());
  writeFileSync(path, `${token}\n`, { mode: 0o600, flag: 'wx' });
  return token;
}
