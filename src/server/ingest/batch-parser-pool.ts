/**
 * Parses metric batches: small bodies inline, large ones on worker threads, so a 30 MB batch
 * neither blocks the event loop (SSE, other requests) nor serialises parsing behind storing.
 * JSON.parse is most of the cost of ingestion; with it on another core, the main thread only
 * stores. Workers start on the first large batch and end after a minute idle, so an idle server
 * pays nothing for them.
 */
import { cpus } from 'node:os';
import { Worker } from 'node:worker_threads';
import { InvalidJsonError, PayloadTooLargeError, TrainyardError, ValidationError } from '../../core/errors.ts';
import { parseMetricBatch, type ParsedBatch } from '../../core/metrics/batch.ts';
import type { SeriesPoints } from '../../core/types.ts';
import type { WorkerReply } from './batch-messages.ts';
import { bodyText } from './body-text.ts';

export interface BatchParserPool {
  parse(body: Buffer, now: number): Promise<ParsedBatch>;
  close(): Promise<void>;
}

export interface BatchParserOptions {
  /** Bodies smaller than this are parsed on the main thread. Default: 256 KiB. */
  readonly inlineBelowBytes?: number;
  /** Default: the cores less one, between 1 and 4. */
  readonly workers?: number;
  /** A worker idle this long is ended. Default: 60 s. */
  readonly idleMs?: number;
}

/** Compiled (dist/), the worker itself; from sources, a booter that registers tsx in the worker first. */
const WORKER_URL = new URL(import.meta.url.endsWith('.ts') ? './batch-worker.mjs' : './batch-worker.js', import.meta.url);

interface Slot {
  worker: Worker;
  busy: number;
  idleTimer: NodeJS.Timeout | null;
}

export function createBatchParserPool(options: BatchParserOptions = {}): BatchParserPool {
  const inlineBelow = options.inlineBelowBytes ?? 256 * 1024;
  const size = options.workers ?? Math.max(1, Math.min(4, cpus().length - 1));
  const idleMs = options.idleMs ?? 60_000;
  const slots: Slot[] = [];
  const pending = new Map<number, { resolve: (b: ParsedBatch) => void; reject: (e: Error) => void; slot: Slot }>();
  let nextId = 1;

  function spawnSlot(): Slot {
    const slot: Slot = { worker: new Worker(WORKER_URL), busy: 0, idleTimer: null };
    slot.worker.unref();
    slot.worker.on('message', (reply: WorkerReply) => settle(reply));
    slot.worker.on('error', (error) => failSlot(slot, error));
    slot.worker.on('exit', () => failSlot(slot, new TrainyardError('metric parser worker exited')));
    slots.push(slot);
    return slot;
  }

  function failSlot(slot: Slot, error: Error): void {
    const index = slots.indexOf(slot);
    if (index >= 0) slots.splice(index, 1);
    for (const [id, p] of pending) {
      if (p.slot !== slot) continue;
      pending.delete(id);
      p.reject(error);
    }
  }

  function pick(): Slot {
    const free = slots.find((s) => s.busy === 0);
    if (free) return free;
    if (slots.length < size) return spawnSlot();
    return slots.reduce((a, b) => (b.busy < a.busy ? b : a));
  }

  function settle(reply: WorkerReply): void {
    const p = pending.get(reply.id);
    if (!p) return;
    pending.delete(reply.id);
    p.slot.busy--;
    if (p.slot.busy === 0) {
      p.slot.idleTimer = setTimeout(() => void p.slot.worker.terminate(), idleMs);
      p.slot.idleTimer.unref();
    }
    if (!reply.ok) return p.reject(errorFrom(reply));
    const series = new Map<string, SeriesPoints>(reply.series.map(([key, steps, values, times]) => [key, { steps, values, times }]));
    p.resolve({ batchId: reply.batchId, series, points: reply.points, maxStep: reply.maxStep, latest: reply.latest });
  }

  return {
    parse(body, now) {
      if (body.length < inlineBelow) {
        let json: unknown;
        try {
          json = JSON.parse(bodyText(body));
        } catch (error) {
          return Promise.reject(new InvalidJsonError((error as Error).message));
        }
        try {
          return Promise.resolve(parseMetricBatch(json, now));
        } catch (error) {
          return Promise.reject(error);
        }
      }
      const slot = pick();
      if (slot.idleTimer) clearTimeout(slot.idleTimer);
      slot.idleTimer = null;
      slot.busy++;
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject, slot });
        // A body that owns its whole buffer (large ones do) moves to the worker without a copy.
        const owned = body.byteOffset === 0 && body.byteLength === body.buffer.byteLength;
        slot.worker.postMessage({ id, body, now }, owned ? [body.buffer as ArrayBuffer] : []);
      });
    },
    async close() {
      await Promise.all(slots.map((s) => s.worker.terminate()));
    },
  };
}

function errorFrom(reply: Extract<WorkerReply, { ok: false }>): Error {
  switch (reply.kind) {
    case 'validation':
      return new ValidationError(stripField(reply.message, reply.field), reply.field, { code: reply.code ?? undefined });
    case 'too_large':
      return new PayloadTooLargeError(reply.message);
    case 'json':
      return new InvalidJsonError(reply.message);
    default:
      return new TrainyardError(`metric batch parser failed: ${reply.message}`);
  }
}

/** ValidationError prefixes its message with the field; undo that before rebuilding it. */
function stripField(message: string, field: string | null): string {
  return field && message.startsWith(`${field}: `) ? message.slice(field.length + 2) : message;
}
