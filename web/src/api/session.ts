/**
 * Where the dashboard keeps its token: localStorage, so a reload stays signed in. A `?token=`
 * in the URL (the link the demo prints) is taken once, saved, and removed from the address bar
 * so it does not linger in history or screenshots.
 */

const KEY = 'trainyard.token';
const TOKEN = /^ty_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/;

export function isWellFormedToken(token: string): boolean {
  return TOKEN.test(token.trim());
}

/** The token from the URL (then saved and stripped), else the saved one, else null. */
export function takeToken(): string | null {
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    url.searchParams.delete('token');
    window.history.replaceState(window.history.state, '', url.pathname + url.search + url.hash);
    if (isWellFormedToken(fromUrl)) saveToken(fromUrl);
  }
  return readToken();
}

export function readToken(): string | null {
  try {
    return window.localStorage.getItem(KEY);
  } catch {
    return null;
  }
}

export function saveToken(token: string): void {
  window.localStorage.setItem(KEY, token.trim());
}

export function clearToken(): void {
  window.localStorage.removeItem(KEY);
}
