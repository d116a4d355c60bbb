/**
 * The entry: starts the page's first requests (prefetch.ts), then loads the app itself, so the
 * network and the parsing of the app's code overlap.
 */
import { startPrefetch } from './api/prefetch.ts';

startPrefetch();
void import('./mount.tsx');
