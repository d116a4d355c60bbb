/**
 * Starts the first requests of a page load (the session, the OpenAPI document, the view's data)
 * from the small entry chunk, while the browser is still loading and parsing the app's code;
 * the app then picks each answer up instead of asking again. Each answer is used once. The
 * session cookie goes with them by itself; without one they fail with 401 and the app shows
 * the sign-in page. The /sign-in page itself prefetches nothing (its code comes first).
 */
import { firstRequests } from './requests.ts';

const pending = new Map<string, Promise<Response>>();

export function startPrefetch(): void {
  if (window.location.pathname === '/sign-in') return;
  const urls = ['/api/session', '/openapi.json', ...firstRequests(window.location.pathname, window.location.search)];
  for (const url of urls) {
    const request = fetch(url, { headers: { accept: 'application/json' }, cache: 'no-store', credentials: 'same-origin' });
    request.catch(() => {}); // a failure is seen (and retried) by whoever takes it
    pending.set(url, request);
  }
  // Anything not taken within a few seconds is stale.
  setTimeout(() => pending.clear(), 5000);
}

/** The prefetched response for this URL, once; else undefined. */
export function takePrefetched(url: string): Promise<Response> | undefined {
  const request = pending.get(url);
  pending.delete(url);
  return request;
}
