/**
 * Refusing a body over a route's size limit so that ordinary clients read the refusal.
 *
 * Node's `fetch`, Python's urllib and most HTTP clients send the whole body before they read
 * the answer. A server that answers 413 and closes the socket at once leaves such a client
 * writing into a closed socket (EPIPE / ECONNRESET): it never sees the 413. So the rest of the
 * body is read and thrown away first (no memory kept), up to `DISCARD_LIMIT_BYTES`, and the
 * answer sent after it; past that bound the answer is sent and the connection closed.
 */
import type { IncomingMessage } from 'node:http';
import { PayloadTooLargeError } from '../core/errors.ts';

/**
 * Most body bytes read and thrown away after a refusal. Default: 128 MiB: twice the largest
 * route limit (artifact uploads, 64 MiB), so a client that overshot any limit by up to 2× reads
 * its 413; a body announced larger than this is not read at all and the connection is closed.
 */
export const DISCARD_LIMIT_BYTES = 128 << 20;

export type DiscardOutcome = 'read' | 'over-limit' | 'aborted';

/** "33,600,037 bytes (32.0 MiB)", "1,048,576 bytes (1 MiB)". */
export function formatBytes(bytes: number): string {
  const mib = bytes / (1 << 20);
  const short = mib >= 1 ? `${Number.isInteger(mib) ? mib : mib.toFixed(1)} MiB` : `${Math.ceil(bytes / 1024)} KiB`;
  return `${bytes.toLocaleString('en-US')} bytes (${short})`;
}

/** The refusal of a body over `limitBytes`; `announcedBytes` is its content-length when sent. */
export function bodyTooLarge(route: string, limitBytes: number, announcedBytes: number | null): PayloadTooLargeError {
  const size = announcedBytes === null ? 'request body is over' : `request body is ${formatBytes(announcedBytes)}, over`;
  return new PayloadTooLargeError(`${size} the limit of ${formatBytes(limitBytes)} for ${route}`);
}

/** The body's declared length, or null when it is sent in chunks. */
export function announcedLength(raw: IncomingMessage): number | null {
  const header = raw.headers['content-length'];
  const n = header === undefined ? NaN : Number(header);
  return Number.isSafeInteger(n) && n >= 0 ? n : null;
}

/** True when the rest of the body is worth reading so that the client sees the answer. */
export function shouldDiscard(raw: IncomingMessage, limitBytes = DISCARD_LIMIT_BYTES): boolean {
  if (raw.complete || raw.readableEnded || raw.destroyed) return false;
  const announced = announcedLength(raw);
  return announced === null || announced <= limitBytes;
}

/**
 * Reads what is left of a request body and drops it. Resolves `read` at its end,
 * `over-limit` once more than `limitBytes` came (reading stops; the caller closes the
 * connection), `aborted` when the client went away.
 */
export function discardBody(raw: IncomingMessage, limitBytes = DISCARD_LIMIT_BYTES): Promise<DiscardOutcome> {
  if (raw.complete || raw.readableEnded) return Promise.resolve('read');
  return new Promise((resolve) => {
    let seen = 0;
    const finish = (outcome: DiscardOutcome) => {
      raw.off('data', onData).off('end', onEnd).off('close', onClose).off('error', onClose);
      resolve(outcome);
    };
    const onData = (chunk: Buffer) => {
      seen += chunk.length;
      if (seen > limitBytes) {
        raw.pause();
        finish('over-limit');
      }
    };
    const onEnd = () => finish('read');
    const onClose = () => finish(raw.complete ? 'read' : 'aborted');
    raw.on('data', onData).on('end', onEnd).on('close', onClose).on('error', onClose);
    raw.resume();
  });
}
