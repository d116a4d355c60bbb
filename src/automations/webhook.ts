/**
 * The webhook action: POST JSON `{rule, event, firedAt}` signed with HMAC-SHA256 over the exact
 * body (`X-Trainyard-Signature: sha256=<hex>`), retried with exponential backoff, then failed.
 */
import { createHmac } from 'node:crypto';

export const SIGNATURE_HEADER = 'X-Trainyard-Signature';

export interface WebhookRequest {
  readonly url: string;
  readonly body: string;
  /** The HMAC secret; null: unsigned (the rule names no `secretEnv`). */
  readonly secret: string | null;
  /** Tries after the first. */
  readonly retries: number;
  readonly timeoutMs: number;
}

export interface WebhookResult {
  readonly ok: boolean;
  readonly tries: number;
  /** "HTTP 204" or the last failure ("HTTP 500", "connect ECONNREFUSED …"). */
  readonly detail: string;
}

export interface WebhookOptions {
  /** The wait before retry n (from 1). Default: 1 s × 2^(n-1), at most 60 s. */
  readonly backoffMs?: (retry: number) => number;
  /** Default: setTimeout; resolves early (false) when the signal aborts. */
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly signal?: AbortSignal;
}

/** `sha256=<hex>` of the body with the secret: what the header carries. */
export function signBody(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export function defaultBackoffMs(retry: number): number {
  return Math.min(1000 * 2 ** (retry - 1), 60_000);
}

/** Sends until a 2xx answer or the tries run out; never throws. */
export async function sendWebhook(request: WebhookRequest, options: WebhookOptions = {}): Promise<WebhookResult> {
  const backoff = options.backoffMs ?? defaultBackoffMs;
  const sleep = options.sleep ?? defaultSleep;
  const signal = options.signal ?? new AbortController().signal;
  const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'trainyard-automations' };
  if (request.secret !== null) headers[SIGNATURE_HEADER] = signBody(request.body, request.secret);
  let detail = '';
  let tries = 0;
  for (let attempt = 0; attempt <= request.retries; attempt++) {
    if (attempt > 0) {
      await sleep(backoff(attempt), signal);
      if (signal.aborted) return { ok: false, tries, detail: `${detail}; interrupted (server stopping) after ${tries} tr${tries === 1 ? 'y' : 'ies'}` };
    }
    tries++;
    try {
      const response = await fetch(request.url, { method: 'POST', headers, body: request.body, signal: AbortSignal.any([signal, AbortSignal.timeout(request.timeoutMs)]) });
      await response.body?.cancel().catch(() => undefined);
      detail = `HTTP ${response.status}`;
      if (response.ok) return { ok: true, tries, detail };
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      detail = cause?.code ? `${cause.code} ${cause.message ?? ''}`.trim() : (error as Error).message;
    }
  }
  return { ok: false, tries, detail: `${detail} after ${tries} tr${tries === 1 ? 'y' : 'ies'}` };
}

function defaultSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
