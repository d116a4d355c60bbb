/**
 * The TypeScript reporter SDK for training scripts: the same calls as the Python SDK
 * (`sdk/python/trainyard.py`). It imports nothing from the rest of Trainyard.
 *
 * ```ts
 * import { init } from 'trainyard/sdk';
 * const run = init();
 * run.setTotal(1000);
 * for (let step = (run.resumeStep ?? -1) + 1; step < 1000 && !run.shouldStop(); step++) {
 *   run.log({ loss: trainStep() }, step);                 // returns at once, never throws
 *   if (step % 100 === 99) {
 *     await run.atomicPath(`step-${step}.json`, (tmp) => writeFile(tmp, state()));
 *     run.checkpoint(`step-${step}.json`, step, { loss });  // returns at once, like log()
 *   }
 * }
 * await run.close();
 * ```
 *
 * Pipeline (`http` mode, when `TRAINYARD_URL` is set):
 * ```
 * log() ─► in-memory queue ─► every 500 ms (or 5,000 calls): one columnar batch, batchId
 *          <session>-<seq> ─► POST /runs/:id/metrics ─► 2xx: done; 4xx: dropped with a warning
 *                                  │ unreachable, timeout, 408, 429, 5xx
 *                                  ▼
 *          spool dir, one file per batch ─► resent oldest first once the server answers
 *          (the server ignores a batchId it already has, so resending never duplicates)
 *          The spool is capped (`spoolMaxMB`, TRAINYARD_SPOOL_MAX_MB, default 512 MiB): past it,
 *          metric batches are dropped with a warning (checkpoint registrations are kept)
 *
 * checkpoint() ─► the same order, after the points logged before it ─► POST /runs/:id/checkpoints
 *          (or the spool); `.registered` resolves with the record once the server has it
 * ```
 * artifact() ─► POST /runs/:id/artifacts with the file's bytes (reporter/artifacts.ts; not spooled)
 *
 * A heartbeat (`POST /runs/:id/status`, with the total) goes every 5 s and reads
 * `stopRequested`. Without `TRAINYARD_URL` the same calls print the stdout line protocol
 * (`lines` mode), or nothing with `offline: 'none'`. In a distributed job only `RANK` 0 reports.
 * Timers are `unref()`ed: the reporter never keeps a process alive.
 */
import { join, resolve } from 'node:path';
import { readRunEnvironment, type Env } from './reporter/env.ts';
import { Run, type ReportMode } from './reporter/run.ts';
import { DEFAULT_SPOOL_MAX_MB } from './reporter/spool.ts';
import { createTransport } from './reporter/transport.ts';

export { Run, type CheckpointRecord, type PendingCheckpoint, type ReportMode } from './reporter/run.ts';
export type { ArtifactKind, ArtifactOptions, ArtifactRecord } from './reporter/artifacts.ts';
export { CheckpointNotFoundError, CheckpointPathError, ReporterError } from './reporter/errors.ts';

export const REPORTER_VERSION = '0.1.0';

/** Options of {@link init}; each defaults to the `TRAINYARD_*` variable of the same meaning. */
export interface InitOptions {
  /** `TRAINYARD_URL`. */
  readonly url?: string;
  /** `TRAINYARD_TOKEN`. */
  readonly token?: string;
  /** `TRAINYARD_RUN_ID`. */
  readonly runId?: string;
  /** `TRAINYARD_CHECKPOINT_DIR`. Default: `./checkpoints`. */
  readonly checkpointDir?: string;
  /** `TRAINYARD_SPOOL_DIR`. Default: `<checkpointDir>/.spool`. */
  readonly spoolDir?: string;
  /**
   * `TRAINYARD_SPOOL_MAX_MB`: the spool's size cap, MiB. Past it, metric batches are dropped
   * (one warning when dropping starts, one with the count when there is room again);
   * checkpoint registrations are spooled whatever the cap. Default: 512.
   */
  readonly spoolMaxMB?: number;
  /** Without a server: print the line protocol (`lines`) or nothing (`none`). Default: `lines`. */
  readonly offline?: 'lines' | 'none';
  /** Listen for SIGTERM and make `shouldStop()` true. Default: true. */
  readonly catchSigterm?: boolean;
  /** Default: 500. */
  readonly flushIntervalMs?: number;
  /** Queued `log()` calls that trigger a send before the interval ends. Default: 5000. */
  readonly flushRows?: number;
  /** Default: 5000, as the contract documents. */
  readonly heartbeatIntervalMs?: number;
  /** One request's limit before the server counts as unreachable. Default: 5000. */
  readonly requestTimeoutMs?: number;
  /** @deprecated Ignored: `checkpoint()` no longer waits; it registers in the background. */
  readonly checkpointRetryMs?: number;
  /** How long `close()` tries to empty the spool. Default: 10000. */
  readonly closeTimeoutMs?: number;
  /** Where the `TRAINYARD_*` variables are read. Default: `process.env`. */
  readonly env?: Env;
  /** Receives warnings. Default: a `trainyard: warning: …` line on stderr. */
  readonly warn?: (message: string) => void;
  /** Receives line-protocol output in `lines` mode. Default: `process.stdout.write`. */
  readonly stdout?: (text: string) => void;
}

/**
 * Starts reporting and returns the {@link Run}. Each call makes a new run object; a script
 * calls it once.
 */
export function init(options: InitOptions = {}): Run {
  const warn = options.warn ?? ((message: string) => void process.stderr.write(`trainyard: warning: ${message}\n`));
  const env = readRunEnvironment(options.env ?? process.env, warn);
  const url = options.url ?? env.url;
  const runId = options.runId ?? env.runId;
  const offline: ReportMode = options.offline === 'none' ? 'none' : 'lines';
  let mode: ReportMode = url ? 'http' : offline;
  if (mode === 'http' && !runId) {
    warn('TRAINYARD_URL is set but TRAINYARD_RUN_ID is not: reporting on stdout instead');
    mode = offline;
  }
  if (env.rank !== 0) mode = 'none';
  const checkpointDir = options.checkpointDir ? resolve(options.checkpointDir) : env.checkpointDir;
  return new Run({
    mode,
    transport:
      mode === 'http' && url
        ? createTransport({
            url,
            token: options.token ?? env.token ?? '',
            timeoutMs: options.requestTimeoutMs ?? 5_000,
            userAgent: `trainyard-typescript/${REPORTER_VERSION}`,
          })
        : null,
    jobId: env.jobId,
    runId,
    attempt: env.attempt,
    checkpointDir,
    spoolDir: resolve(options.spoolDir ?? env.spoolDir ?? join(checkpointDir, '.spool')),
    spoolMaxBytes: (options.spoolMaxMB ?? env.spoolMaxMB ?? DEFAULT_SPOOL_MAX_MB) * 2 ** 20,
    resumeFrom: env.resumeFrom,
    resumeStep: env.resumeStep,
    initFrom: env.initFrom,
    initFromId: env.initFromId,
    params: env.params,
    flushIntervalMs: options.flushIntervalMs ?? 500,
    flushRows: options.flushRows ?? 5_000,
    heartbeatIntervalMs: options.heartbeatIntervalMs ?? 5_000,
    closeTimeoutMs: options.closeTimeoutMs ?? 10_000,
    catchSigterm: options.catchSigterm ?? true,
    warn,
    stdout: options.stdout ?? ((text: string) => void process.stdout.write(text)),
  });
}
