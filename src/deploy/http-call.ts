/**
 * The narrow slice of HTTP the deploy targets use: one JSON request with a deadline, and words
 * for what went wrong that name the request ("POST http://127.0.0.1:8000/v1/load_lora_adapter:
 * connection refused", "… answered 404: {"error":…}"). Used by probe.ts and targets/*.
 */
import { TrainyardError } from '../core/errors.ts';

export interface HttpCall {
  readonly method: 'GET' | 'POST';
  readonly url: string;
  /** Sent as JSON when given. */
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /** `Authorization: Bearer <apiKey>` when given. */
  readonly apiKey?: string;
  readonly timeoutMs: number;
}

export interface HttpAnswer {
  readonly status: number;
  readonly text: string;
  /** The body parsed as JSON; undefined when it is not JSON. */
  readonly json: unknown;
}

/** A request that got no answer, or an answer that was not 2xx; the message names the request. */
export class HttpCallError extends TrainyardError {
  override readonly code = 'http_call_failed';
  constructor(message: string, readonly status: number | null, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Longest piece of an answer's body quoted in an error. */
const BODY_QUOTE_MAX = 200;

/** Sends one request; any status is an answer. Throws HttpCallError when none came (refused, timed out). */
export async function callHttp(call: HttpCall): Promise<HttpAnswer> {
  const headers: Record<string, string> = { ...(call.headers ?? {}) };
  if (call.body !== undefined) headers['content-type'] = 'application/json';
  if (call.apiKey) headers.authorization = `Bearer ${call.apiKey}`;
  let response: Response;
  let text: string;
  try {
    response = await fetch(call.url, {
      method: call.method, headers, signal: AbortSignal.timeout(call.timeoutMs),
      ...(call.body !== undefined ? { body: JSON.stringify(call.body) } : {}),
    });
    text = await response.text();
  } catch (error) {
    throw new HttpCallError(`${call.method} ${call.url}: ${whyNoAnswer(error, call.timeoutMs)}`, null, { cause: error });
  }
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: response.status, text, json };
}

/** Like callHttp, and a status outside 2xx is an HttpCallError quoting the body. */
export async function callHttpOk(call: HttpCall): Promise<HttpAnswer> {
  const answer = await callHttp(call);
  if (answer.status < 200 || answer.status > 299) {
    throw new HttpCallError(`${call.method} ${call.url} answered ${answer.status}${answer.text ? `: ${clip(answer.text)}` : ''}`, answer.status);
  }
  return answer;
}

/** `baseUrl` without trailing slashes or a trailing `/v1` (OpenAI clients' base URLs end with it), joined to `path`. */
export function serverUrl(baseUrl: string, path: string): string {
  const root = baseUrl.replace(/\/+$/, '').replace(/\/v1$/, '');
  return `${root}${path.startsWith('/') ? '' : '/'}${path}`;
}

function whyNoAnswer(error: unknown, timeoutMs: number): string {
  const e = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  const code = e?.cause?.code;
  const words: Record<string, string> = {
    ECONNREFUSED: 'connection refused (is the server running?)', ENOTFOUND: 'host not found', ECONNRESET: 'connection reset',
    EHOSTUNREACH: 'host unreachable', UND_ERR_SOCKET: 'connection closed', ETIMEDOUT: 'connection timed out',
  };
  if (code && words[code]) return words[code];
  return e?.cause?.message ?? e?.message ?? String(error);
}

function clip(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > BODY_QUOTE_MAX ? `${flat.slice(0, BODY_QUOTE_MAX)}…` : flat;
}
