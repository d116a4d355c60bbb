/**
 * Worker thread body: parses and validates metric batches off the server's main thread and
 * hands back typed arrays by transfer (no copy). See `batch-parser-pool.ts`.
 */
import { parentPort } from 'node:worker_threads';
import { PayloadTooLargeError, ValidationError } from '../../core/errors.ts';
import { parseMetricBatch } from '../../core/metrics/batch.ts';
import type { WorkerReply, WorkerRequest } from './batch-messages.ts';
import { bodyText } from './body-text.ts';

parentPort!.on('message', (request: WorkerRequest) => {
  let reply: WorkerReply;
  const transfer: ArrayBuffer[] = [];
  try {
    const batch = parseMetricBatch(JSON.parse(bodyText(request.body)), request.now);
    const series: Array<[string, Float64Array, Float64Array, Float64Array]> = [];
    // Columns share buffers (one per batch in the columnar form): each is transferred once.
    const buffers = new Set<ArrayBuffer>();
    for (const [key, points] of batch.series) {
      const columns = [points.steps, points.values, points.times] as Float64Array[];
      series.push([key, columns[0], columns[1], columns[2]]);
      for (const column of columns) buffers.add(column.buffer as ArrayBuffer);
    }
    transfer.push(...buffers);
    reply = { id: request.id, ok: true, batchId: batch.batchId, series, points: batch.points, maxStep: batch.maxStep, latest: batch.latest };
  } catch (error) {
    const e = error as Error;
    const kind = error instanceof ValidationError ? 'validation' : error instanceof PayloadTooLargeError ? 'too_large' : error instanceof SyntaxError ? 'json' : 'internal';
    reply = { id: request.id, ok: false, kind, message: e.message, field: error instanceof ValidationError ? error.field : null, code: (error as ValidationError).code ?? null };
  }
  parentPort!.postMessage(reply, transfer);
});
