/**
 * `Run`: what a training script holds after `init()`. See `../reporter.ts` for the pipeline.
 */
import { writeSync } from 'node:fs';
import { chunkRows, formatLineValue, METRIC_KEY, toColumnar, type Row } from './batch.ts';
import {
  checkExistingCheckpoint,
  relativeCheckpointPath,
  resolveCheckpointPath,
  writeAtomically,
} from './checkpoint-files.ts';
import { createArtifactSender, type ArtifactOptions, type ArtifactRecord, type ArtifactSender } from './artifacts.ts';
import { Delivery } from './delivery.ts';
import { checkpointLine, createRegistration, unregistered, type PendingCheckpoint, type Registration } from './pending-checkpoint.ts';
import type { Transport } from './transport.ts';

/** `http`: reports to the server; `lines`: prints the stdout line protocol; `none`: reports nothing. */
export type ReportMode = 'http' | 'lines' | 'none';

export type { CheckpointRecord, PendingCheckpoint } from './pending-checkpoint.ts';

/** Everything a `Run` is built from; `init()` fills it from options and the environment. */
export interface RunSettings {
  readonly mode: ReportMode;
  readonly transport: Transport | null;
  readonly jobId: string | null;
  readonly runId: string | null;
  readonly attempt: number;
  readonly checkpointDir: string;
  readonly spoolDir: string;
  /** The spool's size cap, bytes (delivery.ts). Default: 512 MiB. */
  readonly spoolMaxBytes?: number;
  readonly resumeFrom: string | null;
  readonly resumeStep: number | null;
  /** Default: null. */
  readonly initFrom?: string | null;
  /** Default: null. */
  readonly initFromId?: number | null;
  readonly params: Readonly<Record<string, unknown>>;
  readonly flushIntervalMs: number;
  readonly flushRows: number;
  readonly heartbeatIntervalMs: number;
  readonly closeTimeoutMs: number;
  readonly catchSigterm: boolean;
  readonly warn: (message: string) => void;
  readonly stdout: (text: string) => void;
}

/** Longest status message the server takes; longer ones are cut. */
const MAX_MESSAGE_CHARS = 1_000;

export class Run {
  /** Absolute path of the checkpoint to resume from; null on a fresh start. */
  readonly resumeFrom: string | null;
  /** That checkpoint's step; null on a fresh start. */
  readonly resumeStep: number | null;
  /**
   * Absolute path of the checkpoint the job starts from (its `from:`, `TRAINYARD_INIT_FROM`);
   * null when it starts fresh. Every attempt gets it: load it only when `resumeFrom` is null.
   */
  readonly initFrom: string | null;
  /** That checkpoint's id; null when none. */
  readonly initFromId: number | null;
  /** The job's params (`TRAINYARD_PARAMS`); `{}` when none. */
  readonly params: Readonly<Record<string, unknown>>;
  /** The job's checkpoint directory, absolute. */
  readonly checkpointDir: string;
  /** Which attempt of the job this is, from 1. */
  readonly attempt: number;
  readonly jobId: string | null;
  readonly runId: string | null;
  readonly mode: ReportMode;
  /** Where undelivered requests wait in `http` mode. */
  readonly spoolDir: string;

  readonly #settings: RunSettings;
  readonly #delivery: Delivery;
  readonly #artifacts: ArtifactSender;
  #queue: Row[] = [];
  #nextStep: number;
  /** Tail of the chain that serializes every send and spool write, keeping their order. */
  #io: Promise<void> = Promise.resolve();
  #ticking = false;
  #heartbeatAt = 0;
  #total: number | null = null;
  #message: string | null = null;
  #stopRequested = false;
  #sigterms = 0;
  #closing: Promise<void> | null = null;
  /** Registrations handed over by `checkpoint()` and not yet sent or spooled, oldest first. */
  readonly #registrations: Registration[] = [];
  readonly #warned = new Set<string>();
  readonly #validKeys = new Set<string>();
  readonly #timer: NodeJS.Timeout | null;
  readonly #onSigterm = (): void => this.#sigterm();
  readonly #onBeforeExit = (): void => void this.close();
  readonly #onExit = (): void => this.#exitSync();

  constructor(settings: RunSettings) {
    this.#settings = settings;
    this.mode = settings.mode;
    this.resumeFrom = settings.resumeFrom;
    this.resumeStep = settings.resumeStep;
    this.initFrom = settings.initFrom ?? null;
    this.initFromId = settings.initFromId ?? null;
    this.params = settings.params;
    this.checkpointDir = settings.checkpointDir;
    this.attempt = settings.attempt;
    this.jobId = settings.jobId;
    this.runId = settings.runId;
    this.spoolDir = settings.spoolDir;
    this.#nextStep = settings.resumeStep === null ? 0 : settings.resumeStep + 1;
    this.#delivery = new Delivery(settings);
    this.#artifacts = createArtifactSender(settings);
    if (settings.catchSigterm) process.on('SIGTERM', this.#onSigterm);
    if (settings.mode === 'none') {
      this.#timer = null;
      return;
    }
    this.#timer = setInterval(() => void this.#tick(), settings.flushIntervalMs);
    this.#timer.unref();
    process.on('beforeExit', this.#onBeforeExit);
    process.on('exit', this.#onExit);
    setImmediate(() => void this.#tick()).unref();
  }

  /**
   * Records `metrics` at `step`. Returns at once (the points are sent in the background) and
   * never throws: values that are not numbers (bigints are converted) and keys outside
   * `[A-Za-z0-9_.\-/]{1,200}` are dropped with one warning each. NaN and ±Infinity are kept.
   * @param step Default: the previous step + 1 (the first is `resumeStep + 1` on a resumed
   *   run, else 0).
   */
  log(metrics: Readonly<Record<string, number>>, step?: number): void {
    try {
      if (this.mode === 'none' || this.#closing !== null) return;
      let at: number;
      if (step === undefined) at = this.#nextStep;
      else if (typeof step === 'number' && Number.isFinite(step)) at = step;
      else {
        this.#warnOnce('step', `dropping points with a bad step ${String(step)}`);
        return;
      }
      this.#nextStep = at + 1;
      const row: Record<string, number> = {};
      let count = 0;
      for (const key of Object.keys(metrics)) {
        const value: unknown = metrics[key];
        if (typeof value === 'number') row[key] = value;
        else if (typeof value === 'bigint') row[key] = Number(value);
        else {
          this.#warnOnce(`value:${key}`, `dropping metric '${key}': ${String(value).slice(0, 60)} is not a number`);
          continue;
        }
        count++;
      }
      if (count === 0) return;
      this.#queue.push({ step: at, time: Date.now(), metrics: row });
      if (this.#queue.length === this.#settings.flushRows) void this.#tick();
    } catch (error) {
      this.#warnOnce('log', `log() ignored a call: ${String(error)}`);
    }
  }

  /** Sets the total number of steps (progress bar, ETA) and a status message; sent with the
   * next heartbeat, which this call brings forward. Never throws. */
  setTotal(total: number, message?: string): void {
    if (!Number.isFinite(total) || total < 0) {
      this.#warnOnce('total', `setTotal() ignored: total must be a finite number >= 0, got ${total}`);
      return;
    }
    this.#total = total;
    if (message !== undefined) this.#message = String(message).slice(0, MAX_MESSAGE_CHARS);
    if (this.mode === 'lines') {
      const text = message === undefined ? '' : ` message=${JSON.stringify(this.#message)}`;
      this.#settings.stdout(`#trainyard progress total=${total}${text}\n`);
    }
    this.#heartbeatAt = 0;
    if (this.mode === 'http') void this.#tick();
  }

  /** True once a stop was asked for: SIGTERM arrived, or a heartbeat reply said
   * `stopRequested`. The script should then checkpoint and exit. */
  shouldStop(): boolean {
    return this.#stopRequested;
  }

  /**
   * The absolute path `name` has in the checkpoint directory.
   * @throws CheckpointPathError when it is empty or leaves the directory.
   */
  checkpointPath(name: string): string {
    return resolveCheckpointPath(this.checkpointDir, name);
  }

  /**
   * Writes checkpoint `name` atomically: `write(tmp)` writes a temporary path in the same
   * directory, which is then flushed to disk and renamed to `name`. When `write` rejects, the
   * temporary file is removed and the error propagates. Register the result with `checkpoint()`.
   * @returns the final absolute path.
   * @throws CheckpointPathError, CheckpointNotFoundError (nothing was written at `tmp`).
   */
  async atomicPath(
    name: string,
    write: (tmpPath: string) => Promise<void>,
    options: { readonly fsync?: boolean } = {},
  ): Promise<string> {
    const final = this.checkpointPath(name);
    await writeAtomically(final, write, { fsync: options.fsync ?? true });
    return final;
  }

  /**
   * Registers a checkpoint file the script wrote, and returns at once: like `log()`'s points,
   * the registration goes out in the background (after every point logged before this call),
   * is spooled while the server is unreachable and resent when it answers. Only registered
   * checkpoints are resumed from or deployed. To wait for it:
   * `await run.checkpoint(name, step).registered` (the server's record, or null: see
   * {@link PendingCheckpoint}); `await run.flush()` waits until everything handed over so far
   * is sent or spooled, and `close()` (also run when the event loop empties) waits for it too.
   * @param path relative to `checkpointDir`, or absolute inside it.
   * @param metrics numbers kept with it; non-finite ones are dropped (JSON cannot carry them).
   * @throws CheckpointPathError, CheckpointNotFoundError: checked before it returns.
   */
  checkpoint(path: string, step: number, metrics: Readonly<Record<string, number>> = {}): PendingCheckpoint {
    const absolute = this.checkpointPath(path);
    const bytes = checkExistingCheckpoint(this.checkpointDir, path, absolute);
    const clean = this.#checkpointMetrics(metrics);
    if (!Number.isFinite(step)) {
      this.#settings.warn(`checkpoint '${path}' not registered: step ${step} is not a finite number`);
      return unregistered(absolute, step, clean);
    }
    const relative = relativeCheckpointPath(this.checkpointDir, absolute);
    if (this.mode === 'none') return unregistered(absolute, step, clean);
    if (this.#closing !== null) {
      this.#settings.warn(`checkpoint '${relative}' not registered: the run was closed`);
      return unregistered(absolute, step, clean);
    }
    const registration = createRegistration(absolute, bytes, { path: relative, step, metrics: clean });
    this.#registrations.push(registration);
    void this.#serialize(() => this.#registerNext());
    return registration.pending;
  }

  /** Attaches a file (plot, table, report) to the run; never throws, resolves null when it was not
   * attached (a warning says why) and in `lines`/`none` mode. See `./artifacts.ts`. */
  artifact(path: string, options?: ArtifactOptions): Promise<ArtifactRecord | null> {
    return this.#closing === null ? this.#artifacts.attach(path, options) : Promise.resolve(null);
  }

  /** Sends (or spools) every point logged and every checkpoint handed over so far. Resolves
   * true when the spool is empty. */
  flush(): Promise<boolean> {
    if (this.mode === 'none') return Promise.resolve(true);
    return this.#serialize(async () => {
      await this.#flushQueue();
      if (this.mode === 'http' && this.#delivery.pending) await this.#delivery.drain();
      return !this.#delivery.pending;
    });
  }

  /**
   * Flushes everything, sends a last heartbeat and stops the timers. Runs by itself when the
   * event loop empties (`beforeExit`); on `process.exit()` the queued points are spooled
   * synchronously instead. When the server is still unreachable after `closeTimeoutMs`, the
   * undelivered requests stay in the spool (a warning prints where): the server takes them in
   * when it sees the run end, and a later attempt of the job sends any it finds.
   * Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    if (this.#timer !== null) clearInterval(this.#timer);
    process.removeListener('SIGTERM', this.#onSigterm);
    process.removeListener('beforeExit', this.#onBeforeExit);
    if (this.mode === 'none') return;
    await this.#artifacts.settled();
    await this.#serialize(async () => {
      await this.#flushQueue();
      if (this.mode !== 'http') return;
      if (this.#delivery.pending) await this.#delivery.drain(Date.now() + this.#settings.closeTimeoutMs);
      if (!this.#delivery.pending) await this.#heartbeat();
      else {
        const files = await this.#delivery.abandon();
        this.#settings.warn(
          `the server is unreachable; ${files} undelivered request(s) are kept in ${this.spoolDir} ` +
            'the server takes them in when this run ends',
        );
      }
    });
    process.removeListener('exit', this.#onExit);
  }

  // ---------------------------------------------------------------- background work

  #serialize<T>(work: () => Promise<T>): Promise<T> {
    const result = this.#io.then(work);
    this.#io = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  async #tick(): Promise<void> {
    if (this.#ticking || this.#closing !== null) return;
    this.#ticking = true;
    try {
      await this.#serialize(async () => {
        await this.#flushQueue();
        if (this.mode !== 'http') return;
        if (this.#delivery.retryDue()) await this.#delivery.drain();
        if (Date.now() >= this.#heartbeatAt) await this.#heartbeat();
      });
    } catch (error) {
      this.#warnOnce('tick', `background reporter error: ${String(error)}`);
    } finally {
      this.#ticking = false;
    }
  }

  #takeQueue(): Row[] {
    const rows = this.#queue;
    this.#queue = [];
    return rows;
  }

  #flushQueueToStdout(): void {
    const lines: string[] = [];
    for (const row of this.#takeQueue()) {
      const fields = Object.entries(row.metrics)
        .filter(([key]) => this.#keyOk(key))
        .map(([key, value]) => ` ${key}=${formatLineValue(value)}`)
        .join('');
      if (fields !== '') lines.push(`#trainyard metrics step=${row.step}${fields}\n`);
    }
    if (lines.length > 0) this.#settings.stdout(lines.join(''));
  }

  /** Moves every queued point out: printed, sent or spooled. Inside `#serialize`. */
  async #flushQueue(): Promise<void> {
    if (this.mode === 'lines') return this.#flushQueueToStdout();
    for (const rows of chunkRows(this.#takeQueue())) {
      for (const series of toColumnar(rows, (key) => this.#keyOk(key))) await this.#delivery.metrics(series);
    }
  }

  /** POST /status with the total and message; reads `stopRequested`. */
  async #heartbeat(): Promise<void> {
    this.#heartbeatAt = Date.now() + this.#settings.heartbeatIntervalMs;
    const body: { total?: number; message?: string } = {};
    if (this.#total !== null) body.total = this.#total;
    if (this.#message !== null) body.message = this.#message;
    const outcome = await this.#settings.transport!.post(`/api/v1/runs/${this.runId}/status`, body);
    if (outcome.kind === 'ok') {
      if ((outcome.reply as { stopRequested?: unknown } | null)?.stopRequested === true) this.#stopRequested = true;
      this.#delivery.serverAnswered();
    } else if (outcome.kind === 'permanent') {
      this.#warnOnce('status', `the server refused the heartbeat: ${outcome.reason}`);
    }
  }

  /** Sends the oldest registration after the points logged before it; inside `#serialize`,
   * once per `checkpoint()` call. Never throws: the registration is settled whatever happens. */
  async #registerNext(): Promise<void> {
    const registration = this.#registrations[0];
    if (registration === undefined) return;
    try {
      if (this.mode === 'lines') {
        this.#flushQueueToStdout();
        this.#settings.stdout(checkpointLine(registration));
        const { path, step, metrics } = registration.pending;
        registration.settle({ id: null, path, step, bytes: registration.bytes, metrics, createdAt: null });
      } else {
        await this.#flushQueue();
        await this.#delivery.checkpoint(registration);
      }
    } catch (error) {
      this.#warnOnce('checkpoint', `background reporter error registering '${registration.body.path}': ${String(error)}`);
      registration.settle(null);
    } finally {
      this.#registrations.shift();
    }
  }

  // ---------------------------------------------------------------- helpers

  #keyOk(key: string): boolean {
    if (this.#validKeys.has(key)) return true;
    if (METRIC_KEY.test(key)) {
      this.#validKeys.add(key);
      return true;
    }
    this.#warnOnce(`key:${key}`, `dropping metric '${key}': names match [A-Za-z0-9_.\\-/]{1,200}`);
    return false;
  }

  #checkpointMetrics(metrics: Readonly<Record<string, number>>): Record<string, number> {
    const clean: Record<string, number> = {};
    for (const [key, value] of Object.entries(metrics)) {
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        this.#warnOnce(`ckpt:${key}`, `checkpoint metric '${key}' is ${String(value)}: not recorded`);
      } else if (this.#keyOk(key)) {
        clean[key] = value;
      }
    }
    return clean;
  }

  #warnOnce(what: string, message: string): void {
    if (this.#warned.has(what)) return;
    this.#warned.add(what);
    this.#settings.warn(message);
  }

  #sigterm(): void {
    this.#sigterms++;
    this.#stopRequested = true;
    if (this.#sigterms > 1) {
      process.removeListener('SIGTERM', this.#onSigterm);
      if (process.listenerCount('SIGTERM') === 0) process.kill(process.pid, 'SIGTERM');
      return;
    }
    this.#settings.warn('SIGTERM received; shouldStop() is now true (a second SIGTERM ends the process)');
  }

  /** On `process.exit()`: nothing async runs any more, so queued points and checkpoint
   * registrations not sent yet are spooled (or printed) synchronously; the server takes the
   * spool in when it sees the run end. (A registration sent twice is recorded once.) */
  #exitSync(): void {
    if (this.#closing !== null || (this.#queue.length === 0 && this.#registrations.length === 0)) return;
    try {
      if (this.mode === 'lines') {
        this.#flushQueueToStdout();
        for (const registration of this.#registrations) this.#settings.stdout(checkpointLine(registration));
        return;
      }
      let written = 0;
      for (const rows of chunkRows(this.#takeQueue())) {
        for (const series of toColumnar(rows, (key) => this.#keyOk(key))) if (this.#delivery.metricsSync(series)) written++;
      }
      for (const registration of this.#registrations.splice(0)) if (this.#delivery.checkpointSync(registration)) written++;
      if (written > 0) {
        writeSync(2, `trainyard: warning: the process exited before close(); ${written} request(s) spooled in ${this.spoolDir}\n`);
      }
    } catch {
      // Exiting: nothing more can be done.
    }
  }
}
