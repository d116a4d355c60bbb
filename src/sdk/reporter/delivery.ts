/**
 * A run's requests on their way to the server (`http` mode), in the order they were made: each
 * is sent, or written to the spool behind older undelivered ones while the server is
 * unreachable; the spool is resent oldest first, with backoff. One `Delivery` per `Run`, and
 * every async call runs inside the run's serializing chain, so two never interleave.
 *
 * The spool has a size cap (`spoolMaxBytes`): a metric batch that would take it past the cap is
 * dropped, with one warning when dropping starts and one with the count when there is room
 * again. Checkpoint registrations are small and a lost one loses a resume point: they are
 * spooled whatever the cap.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CheckpointRecord, Registration } from './pending-checkpoint.ts';
import { adoptEntry, createSpool, DEFAULT_SPOOL_MAX_MB, hasSpoolFiles, spoolFileName, SPOOL_VERSION, type Spool, type SpoolEntry } from './spool.ts';
import type { Transport } from './transport.ts';

/** Backoff between attempts to resend the spool: first and largest wait. */
const RETRY_FIRST_MS = 500;
const RETRY_MAX_MS = 5_000;

export interface DeliverySettings {
  /** Null outside `http` mode: nothing is sent, only the exit-time spool is written. */
  readonly transport: Transport | null;
  readonly jobId: string | null;
  readonly runId: string | null;
  readonly resumeStep: number | null;
  readonly spoolDir: string;
  /** The spool's size cap, bytes. Default: `DEFAULT_SPOOL_MAX_MB` MiB. */
  readonly spoolMaxBytes?: number;
  readonly warn: (message: string) => void;
}

type MetricsBody = Extract<SpoolEntry, { kind: 'metrics' }>['body'];

export class Delivery {
  readonly #settings: DeliverySettings;
  readonly #spool: Spool;
  readonly #session = randomUUID().replaceAll('-', '');
  #seq = 0;
  /** True while the spool holds files: new requests queue behind them. */
  #pending: boolean;
  #retryAt = 0;
  /** The server asked not to be sent to before this (a 429's Retry-After), epoch ms. */
  #notBefore = 0;
  #retryWaitMs = RETRY_FIRST_MS;
  #downWarned = false;
  readonly #badFilesWarned = new Set<string>();
  /** Registrations waiting in the spool, by spool file path: settled when the file is sent. */
  readonly #spooled = new Map<string, Registration>();
  /** Metric batches (and their points) dropped since the spool was last found full. */
  #dropped = { batches: 0, points: 0 };

  constructor(settings: DeliverySettings) {
    this.#settings = settings;
    this.#spool = createSpool(settings.spoolDir, settings.warn, settings.spoolMaxBytes ?? DEFAULT_SPOOL_MAX_MB * 2 ** 20);
    // Files an earlier process left (it ended while the server was unreachable) go out first.
    this.#pending = settings.transport !== null && hasSpoolFiles(settings.spoolDir);
  }

  /** True while undelivered requests wait in the spool. */
  get pending(): boolean {
    return this.#pending;
  }

  /** True when the spool holds requests and the backoff has passed. */
  retryDue(): boolean {
    return this.#pending && Date.now() >= this.#retryAt;
  }

  /** The server answered another request (a heartbeat): resend the spool at the next chance. */
  serverAnswered(): void {
    if (this.#pending) this.#retryAt = this.#notBefore > Date.now() ? this.#notBefore : 0;
  }

  /** Sends one batch of metric series, or spools it. */
  async metrics(series: MetricsBody['series']): Promise<void> {
    const seq = ++this.#seq;
    const entry = this.#entry('metrics', { batchId: `${this.#session}-${seq}`, series });
    const name = spoolFileName(this.#session, seq, Date.now());
    if (this.#pending) {
      await this.#spoolMetrics(name, entry);
      return;
    }
    const outcome = await this.#send(entry);
    if (outcome.kind === 'transient') {
      this.#serverDown(outcome.reason, outcome.retryAfterMs);
      if (await this.#spoolMetrics(name, entry)) this.#pending = true;
    } else if (outcome.kind === 'permanent') {
      this.#settings.warn(`the server refused a ${entry.kind} request, dropped: ${outcome.reason}`);
    }
  }

  /** Sends one checkpoint registration and settles it, or spools it to be resent (settled then). */
  async checkpoint(registration: Registration): Promise<void> {
    const entry = this.#entry('checkpoint', registration.body);
    if (!this.#pending) {
      const outcome = await this.#send(entry);
      if (outcome.kind === 'ok') {
        this.#serverUp();
        registration.settle(outcome.reply as CheckpointRecord);
        return;
      }
      if (outcome.kind === 'permanent') {
        this.#settings.warn(`the server refused checkpoint '${registration.body.path}': ${outcome.reason}`);
        registration.settle(null);
        return;
      }
      this.#serverDown(outcome.reason, outcome.retryAfterMs);
    }
    const path = await this.#spool.write(spoolFileName(this.#session, ++this.#seq, Date.now()), entry);
    if (path === null || path === 'full') {
      registration.settle(null);
      return;
    }
    this.#pending = true;
    this.#spooled.set(path, registration);
    this.#settings.warn(`checkpoint '${registration.body.path}' not registered yet (server unreachable); spooled, sent when it answers`);
  }

  /**
   * Resends spooled requests oldest first, deleting each after a 2xx; stops at the first
   * transient failure, or keeps retrying until `deadline` (epoch ms) when one is given.
   */
  async drain(deadline?: number): Promise<void> {
    for (;;) {
      if (await this.#drainOnce()) {
        this.#pending = false;
        this.#serverUp();
        this.#roomAgain();
        return;
      }
      if (deadline === undefined || Date.now() >= deadline) return;
      await sleep(Math.max(0, Math.min(this.#retryAt, deadline) - Date.now()));
    }
  }

  /** Gives up on the spooled registrations (settled null); returns how many files stay spooled. */
  async abandon(): Promise<number> {
    for (const registration of this.#spooled.values()) registration.settle(null);
    this.#spooled.clear();
    return (await this.#spool.files()).length;
  }

  /** On `process.exit()`: writes a batch of metric series to the spool synchronously. */
  metricsSync(series: MetricsBody['series']): boolean {
    const seq = ++this.#seq;
    const entry = this.#entry('metrics', { batchId: `${this.#session}-${seq}`, series });
    const path = this.#spool.writeSync(spoolFileName(this.#session, seq, Date.now()), entry, true);
    if (path === 'full') this.#dropMetrics(entry);
    return typeof path === 'string' && path !== 'full';
  }

  /** On `process.exit()`: writes a checkpoint registration to the spool synchronously. */
  checkpointSync(registration: Registration): boolean {
    return this.#writeSync(++this.#seq, this.#entry('checkpoint', registration.body));
  }

  /** One pass over the spool; true when it emptied. */
  async #drainOnce(): Promise<boolean> {
    for (const path of await this.#spool.files()) {
      const entry = await this.#spool.read(path);
      if (entry === null) {
        if (!this.#badFilesWarned.has(path)) this.#settings.warn(`ignoring unreadable spool file ${path}`);
        this.#badFilesWarned.add(path);
        continue;
      }
      if (entry.jobId !== this.#settings.jobId) continue;
      const request = adoptEntry(entry, this.#settings.runId, this.#settings.resumeStep);
      let reply: unknown = null;
      if (request !== null) {
        const outcome = await this.#send(request);
        if (outcome.kind === 'transient') {
          this.#serverDown(outcome.reason, outcome.retryAfterMs);
          return false;
        }
        if (outcome.kind === 'permanent') {
          this.#settings.warn(`the server refused a spooled ${entry.kind} request, dropped: ${outcome.reason}`);
        } else {
          reply = outcome.reply;
        }
      }
      await this.#spool.remove(path);
      this.#spooled.get(path)?.settle(reply as CheckpointRecord | null);
      this.#spooled.delete(path);
    }
    return true;
  }

  #writeSync(seq: number, entry: SpoolEntry): boolean {
    const path = this.#spool.writeSync(spoolFileName(this.#session, seq, Date.now()), entry);
    return path !== null && path !== 'full';
  }

  /** Spools a metric batch under the cap; false when it was dropped or could not be written. */
  async #spoolMetrics(name: string, entry: SpoolEntry): Promise<boolean> {
    const path = await this.#spool.write(name, entry, true);
    if (path === 'full') {
      this.#dropMetrics(entry);
      return false;
    }
    if (path !== null) this.#roomAgain();
    return path !== null;
  }

  #dropMetrics(entry: SpoolEntry): void {
    if (this.#dropped.batches === 0) {
      const cap = `${+(this.#spool.maxBytes / 2 ** 20).toFixed(2)} MiB`;
      this.#settings.warn(`the spool in ${this.#spool.dir} is full (its cap: ${cap}, TRAINYARD_SPOOL_MAX_MB): metric points are dropped until the server takes the spool in; checkpoint registrations are still kept`);
    }
    this.#dropped.batches += 1;
    if (entry.kind === 'metrics') this.#dropped.points += Object.values(entry.body.series).reduce((n, s) => n + s.steps.length, 0);
  }

  /** The spool took a batch again (or emptied): says what was dropped while it was full. */
  #roomAgain(): void {
    if (this.#dropped.batches === 0) return;
    this.#settings.warn(`the spool has room again: ${this.#dropped.batches} metric batch(es), ${this.#dropped.points} point(s) were dropped while it was full`);
    this.#dropped = { batches: 0, points: 0 };
  }

  #entry(kind: SpoolEntry['kind'], body: SpoolEntry['body']): SpoolEntry {
    return { v: SPOOL_VERSION, jobId: this.#settings.jobId, runId: this.#settings.runId, kind, body } as SpoolEntry;
  }

  #send(entry: SpoolEntry): ReturnType<Transport['post']> {
    const route = entry.kind === 'metrics' ? 'metrics' : 'checkpoints';
    return this.#settings.transport!.post(`/api/v1/runs/${this.#settings.runId}/${route}`, entry.body);
  }

  /**
   * Backs off before the next resend: the doubling backoff, or the server's Retry-After when
   * it gave one and that is longer (a 429: the run's ingest budget is spent; heartbeats that
   * get through do not cut that wait short).
   */
  #serverDown(reason: string, retryAfterMs?: number): void {
    this.#retryAt = Date.now() + Math.max(this.#retryWaitMs, retryAfterMs ?? 0);
    if (retryAfterMs !== undefined) this.#notBefore = this.#retryAt;
    this.#retryWaitMs = Math.min(this.#retryWaitMs * 2, RETRY_MAX_MS);
    if (!this.#downWarned) {
      this.#settings.warn(retryAfterMs === undefined
        ? `the server is unreachable (${reason}); spooling to ${this.#settings.spoolDir}`
        : `the server asks to wait ${Math.ceil(retryAfterMs / 1000)} s (${reason}); spooling to ${this.#settings.spoolDir} and resending then`);
    }
    this.#downWarned = true;
  }

  #serverUp(): void {
    this.#downWarned = false;
    this.#retryWaitMs = RETRY_FIRST_MS;
    this.#retryAt = 0;
  }
}
