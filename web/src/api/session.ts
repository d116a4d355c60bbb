/**
 * The dashboard's session: an HttpOnly, SameSite=Strict cookie the browser sends by itself (no
 * script can read it), made by exchanging a one-time sign-in code (`trainyard sign-in`, the
 * link the server and the demo print: `/sign-in#code=…`). Writes also carry the session's CSRF
 * token in `X-CSRF-Token`; it lives in memory and `GET /api/session` hands it again after a
 * reload. No token is kept in this browser, and none ever travels in a URL.
 */
import { ApiError, createTransport, type SessionInfo } from '../../../src/sdk/client.ts';
import { takePrefetched } from './prefetch.ts';

export type { SessionInfo };

export const SIGN_IN_PATH = '/sign-in';
const CODE = /^[A-Za-z0-9_-]{22}$/;

const transport = createTransport({ url: '', fetch: (input, init) => fetch(input, { ...init, cache: 'no-store', credentials: 'same-origin' }) });

/**
 * The code of a sign-in link's fragment (`#code=…`; `?code=…` also works), else null. Also
 * takes a pasted link or a bare code (the sign-in form).
 */
export function codeFrom(text: string): string | null {
  const trimmed = text.trim();
  if (CODE.test(trimmed)) return trimmed;
  const match = /[#?&]code=([A-Za-z0-9_-]{22})(?:$|&)/.exec(trimmed);
  return match ? match[1] : null;
}

/** Takes the code out of this page's URL (replacing the history entry), or null when there is none. */
export function takeCodeFromUrl(): string | null {
  const { hash, search } = window.location;
  const code = codeFrom(hash) ?? codeFrom(search);
  if (hash || /[?&]code=/.test(search)) window.history.replaceState(null, '', SIGN_IN_PATH);
  return code;
}

/** Exchanges a sign-in code for a session (the cookie is set by the answer). */
export async function exchangeCode(code: string): Promise<SessionInfo> {
  return transport.json<SessionInfo>('POST', '/api/session', { body: { code } });
}

/** This browser's session, or null when it has none (or it ended). */
export async function readSession(): Promise<SessionInfo | null> {
  try {
    const prefetched = await takePrefetched('/api/session')?.catch(() => undefined);
    if (prefetched?.ok) return (await prefetched.json()) as SessionInfo;
    return await transport.json<SessionInfo>('GET', '/api/session');
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return null;
    throw e;
  }
}

/** Ends the session on the server and clears the cookie. */
export async function endSession(csrfToken: string): Promise<void> {
  await fetch('/api/session', { method: 'DELETE', headers: { 'x-csrf-token': csrfToken }, credentials: 'same-origin', cache: 'no-store' });
}
