/**
 * WAL checkpoints off the main thread. SQLite checkpoints from the connection that commits
 * (every 1,000 WAL pages by default): it copies the pages into the database file and, with
 * synchronous=NORMAL, waits for two fsyncs, all on the server's only thread. Under a steady
 * metric load that was a fifth of its time (README.md has the figures). Here the store's
 * connection checkpoints only past `fallbackPages` (if this worker stopped keeping up), and a
 * worker thread with its own connection runs PASSIVE checkpoints after writes: at most one
 * every `intervalMs`, never blocking the writer.
 *
 * The worker starts on the first write and ends after `idleMs` without writes, so an idle
 * server holds no thread for it. If it fails, the store's connection goes back to SQLite's
 * default and a process warning says why.
 */
import { Worker } from 'node:worker_threads';

export interface WalCheckpointerOptions {
  /** Least time between two checkpoints. Default: 200 ms. */
  readonly intervalMs?: number;
  /** The worker ends after this long without writes. Default: 30 s. */
  readonly idleMs?: number;
  /** What the store's own connection checkpoints at, while the worker runs. Default: 16,000 pages. */
  readonly fallbackPages?: number;
  /** Told of each checkpoint the worker ran: pages in the WAL, pages copied. Default: nothing. */
  readonly checkpointed?: (walPages: number, copied: number) => void;
}

export interface WalCheckpointer {
  /** Something was committed: a checkpoint will follow within `intervalMs`. */
  written(): void;
  /** Ends the worker; resolves once its connection is closed. */
  close(): Promise<void>;
}

/** SQLite's default `wal_autocheckpoint`. */
const SQLITE_DEFAULT_PAGES = 1000;

const WORKER_URL = new URL('./wal-checkpoint-worker.mjs', import.meta.url);

/**
 * `setAutocheckpoint` sets `wal_autocheckpoint` on the store's connection. Not for in-memory
 * databases (they have no WAL).
 */
export function createWalCheckpointer(path: string, setAutocheckpoint: (pages: number) => void, options: WalCheckpointerOptions = {}): WalCheckpointer {
  const intervalMs = options.intervalMs ?? 200;
  const idleMs = options.idleMs ?? 30_000;
  const fallbackPages = options.fallbackPages ?? 16_000;
  let worker: Worker | null = null;
  let failed = false;
  let closed = false;
  /** Writes since the last checkpoint was asked for. */
  let dirty = false;
  /** A checkpoint was asked for and has not answered. */
  let inFlight = false;
  let timer: NodeJS.Timeout | null = null;
  let idleTimer: NodeJS.Timeout | null = null;

  function fail(reason: string): void {
    if (failed) return;
    failed = true;
    setAutocheckpoint(SQLITE_DEFAULT_PAGES);
    process.emitWarning(`store: WAL checkpoints are back on the main thread: ${reason}`);
    void stop();
  }

  function start(): Worker {
    const w = new Worker(WORKER_URL, { workerData: { path } });
    w.unref();
    w.on('message', (reply: { ok: boolean; message?: string; walFrames?: number; checkpointed?: number }) => {
      inFlight = false;
      if (!reply.ok) return fail(reply.message ?? 'checkpoint failed');
      options.checkpointed?.(reply.walFrames ?? 0, reply.checkpointed ?? 0);
      if (dirty) schedule();
      else armIdle();
    });
    w.on('error', (error) => fail(error.message));
    w.on('exit', () => {
      if (worker === w) {
        worker = null;
        inFlight = false;
        setAutocheckpoint(SQLITE_DEFAULT_PAGES);
      }
    });
    setAutocheckpoint(fallbackPages);
    return w;
  }

  function schedule(): void {
    if (timer !== null || inFlight || closed || failed) return;
    timer = setTimeout(() => {
      timer = null;
      if (!dirty || closed || failed) return;
      dirty = false;
      worker ??= start();
      inFlight = true;
      worker.postMessage('checkpoint');
    }, intervalMs);
    timer.unref();
  }

  /** Ends the worker once `idleMs` pass with nothing written (each write re-arms it). */
  function armIdle(): void {
    if (idleTimer !== null) {
      idleTimer.refresh();
      return;
    }
    idleTimer = setTimeout(() => {
      idleTimer = null;
      if (dirty || inFlight) armIdle();
      else void stop();
    }, idleMs);
    idleTimer.unref();
  }

  async function stop(): Promise<void> {
    if (timer) clearTimeout(timer);
    if (idleTimer) clearTimeout(idleTimer);
    timer = null;
    idleTimer = null;
    const w = worker;
    worker = null;
    if (w === null) return;
    const exited = new Promise<void>((done) => w.once('exit', () => done()));
    // Held until it has closed its connection, so the process waits for that.
    w.ref();
    w.postMessage('close');
    await exited;
    setAutocheckpoint(SQLITE_DEFAULT_PAGES);
  }

  return {
    written() {
      if (closed || failed) return;
      dirty = true;
      schedule();
      armIdle();
    },
    async close() {
      closed = true;
      await stop();
    },
  };
}
