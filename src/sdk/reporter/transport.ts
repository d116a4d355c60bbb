/**
 * POSTs JSON (or an artifact's bytes) to a run's routes with the global `fetch` and classifies the outcome, so callers
 * decide between done, retry later (spool) and give up without parsing errors themselves.
 */
import { retryAfter } from '../retry-after.ts';

export type SendOutcome =
  | { readonly kind: 'ok'; readonly reply: unknown }
  /**
   * Unreachable, timed out, 408, 429 or 5xx: keep the request and try again later; not before
   * `retryAfterMs` when the server said so (a 429's or 503's Retry-After).
   */
  | { readonly kind: 'transient'; readonly reason: string; readonly retryAfterMs?: number }
  /** Any other 4xx: the server will never accept this request. */
  | { readonly kind: 'permanent'; readonly status: number; readonly reason: string };

export interface Transport {
  post(path: string, body: unknown): Promise<SendOutcome>;
  /** POSTs raw bytes (an artifact's content) as `application/octet-stream`. */
  postBytes(path: string, bytes: Uint8Array): Promise<SendOutcome>;
}

export interface TransportOptions {
  readonly url: string;
  readonly token: string;
  /** Per request. */
  readonly timeoutMs: number;
  readonly userAgent: string;
}

export function createTransport(options: TransportOptions): Transport {
  const base = options.url.replace(/\/+$/, '');
  async function send(path: string, body: string | Uint8Array, contentType: string, timeoutMs: number): Promise<SendOutcome> {
    let response: Response;
    try {
      response = await fetch(base + path, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${options.token}`,
          'content-type': contentType,
          'user-agent': options.userAgent,
        },
        body,
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      return { kind: 'transient', reason: describe(error) };
    }
    let text = '';
    try {
      text = await response.text();
    } catch (error) {
      if (response.ok) return { kind: 'transient', reason: `reading the reply: ${describe(error)}` };
    }
    if (response.ok) return { kind: 'ok', reply: parseJson(text) };
    const reason = `HTTP ${response.status}${errorMessage(text)}`;
    if (response.status === 408 || response.status === 429 || response.status >= 500) {
      const retryAfterMs = retryAfter(response.headers.get('retry-after'), Date.now());
      return retryAfterMs === null ? { kind: 'transient', reason } : { kind: 'transient', reason, retryAfterMs };
    }
    return { kind: 'permanent', status: response.status, reason };
  }

  return {
    post: (path, body) => send(path, JSON.stringify(body), 'application/json', options.timeoutMs),
    // An upload of up to 64 MiB gets a minute on top of the usual limit.
    postBytes: (path, bytes) => send(path, bytes, 'application/octet-stream', options.timeoutMs + 60_000),
  };
}

function parseJson(text: string): unknown {
  try {
    return text === '' ? {} : (JSON.parse(text) as unknown);
  } catch {
    return {};
  }
}

function errorMessage(text: string): string {
  const reply = parseJson(text) as { error?: { message?: unknown } } | null;
  const message = reply?.error?.message;
  return typeof message === 'string' ? `: ${message}` : '';
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as Error & { cause?: unknown }).cause;
    const code = cause instanceof Error ? ((cause as NodeJS.ErrnoException).code ?? cause.message) : undefined;
    return code ? `${error.message} (${code})` : error.message;
  }
  return String(error);
}
