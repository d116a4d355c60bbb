/**
 * The entry: starts the page's first requests (prefetch.ts), then loads the app and the current
 * page's code, so the network and the parsing of the code overlap.
 */
import { startPrefetch } from './api/prefetch.ts';
import { preloadPage } from './routes.ts';

startPrefetch();
void import('./mount.tsx');
preloadPage(window.location.pathname);
