/**
 * What every fuzz answer must satisfy: no 5xx, an answer within the bound, the one error shape
 * (`src/server/errors.ts`) with the field named where the input was invalid, and a token's
 * scope honoured (no token or a bad one: never a success; a read token: never a change; a run
 * token: only its run's routes and its job's reads).
 */
import type { FuzzRequest } from './cases.ts';
import type { FuzzResponse } from './send.ts';

const ERROR_KEYS = new Set(['code', 'message', 'field', 'requestId']);

/** Why this answer is wrong, or null. */
export function judge(c: FuzzRequest, r: FuzzResponse): string | null {
  if (r.status === -1) return null; // the client refused to send it: nothing to judge
  if (r.failure && !(c.raw !== null && r.status === 0 && !r.failure.startsWith('no answer'))) return r.failure;
  if (r.status === 0) return c.raw !== null ? null : 'no answer';
  if (r.status >= 500) return `${r.status}: ${r.body.slice(0, 300)}`;
  if (r.status >= 400) {
    const shape = errorShape(r);
    if (shape) return shape;
  }
  // The dashboard answers any path no route claims (`GET /METRICS`) with its page: not the API.
  if (r.status < 300 && !r.contentType.startsWith('text/html')) {
    const op = c.operation;
    if (op.secured && (c.token === 'none' || c.token === 'garbage')) return `${r.status} without a valid token`;
    if (c.token === 'read' && c.method !== 'GET') return `${r.status} for a read token on ${c.method}`;
    if (c.token === 'run' && !(op.path.startsWith('/api/v1/runs/') || (c.method === 'GET' && (op.path.startsWith('/api/v1/jobs/') || op.path === '/api/v1/whoami')) || !op.secured)) {
      return `${r.status} for a run token on ${c.method} ${op.path}`;
    }
  }
  return null;
}

function errorShape(r: FuzzResponse): string | null {
  // Node's HTTP parser answers a request it cannot parse (400, 431) with no body and closes.
  if (r.body === '' && (r.status === 400 || r.status === 431 || r.status === 414)) return null;
  let body: any;
  try {
    body = JSON.parse(r.body);
  } catch {
    return `${r.status} with a body that is not JSON: ${r.body.slice(0, 200)}`;
  }
  const error = body?.error;
  if (!error || typeof error !== 'object' || Object.keys(body).length !== 1) return `${r.status}: not the error shape: ${r.body.slice(0, 200)}`;
  if (typeof error.code !== 'string' || typeof error.message !== 'string' || error.message === '') return `${r.status}: error without code or message: ${r.body.slice(0, 200)}`;
  const extra = Object.keys(error).filter((k) => !ERROR_KEYS.has(k));
  if (extra.length > 0) return `${r.status}: unexpected error keys ${extra.join(', ')}`;
  if (error.code === 'invalid_input' && (typeof error.field !== 'string' || error.field === '')) return `400 invalid_input without the field: ${error.message.slice(0, 200)}`;
  return null;
}
