/**
 * The entry: starts the page's first requests (prefetch.ts), and loads the app and the current
 * page's code at once, so the network and the parsing of the code overlap; renders when both
 * are in (so the first render never waits behind a Suspense fallback).
 */
import { startPrefetch } from './api/prefetch.ts';

startPrefetch();
const path = window.location.pathname;
void Promise.all([import('./mount.tsx'), import('./routes.tsx').then((r) => r.pageFor(path)?.preload().catch(() => {}))])
  .then(([m]) => m.mount());
