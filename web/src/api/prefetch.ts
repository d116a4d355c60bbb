/**
 * Starts the first requests of a page load (whoami, the OpenAPI document, the view's data)
 * from the small entry chunk, while the browser is still loading and parsing the app's code;
 * the app then picks each answer up instead of asking again. Each answer is used once.
 */
import { firstRequests } from './requests.ts';
import { takeToken } from './session.ts';

const pending = new Map<string, Promise<Response>>();

export function startPrefetch(): void {
  const token = takeToken();
  if (!token) return;
  const urls = ['/api/v1/whoami', '/openapi.json', ...firstRequests(window.location.pathname, window.location.search)];
  for (const url of urls) {
    const request = fetch(url, { headers: { authorization: `Bearer ${token}`, accept: 'application/json' }, cache: 'no-store' });
    request.catch(() => {}); // a failure is seen (and retried) by whoever takes it
    pending.set(`${token} ${url}`, request);
  }
  // Anything not taken within a few seconds is stale.
  setTimeout(() => pending.clear(), 5000);
}

/** The prefetched response for this token and URL, once; else undefined. */
export function takePrefetched(token: string, url: string): Promise<Response> | undefined {
  const key = `${token} ${url}`;
  const request = pending.get(key);
  pending.delete(key);
  return request;
}
