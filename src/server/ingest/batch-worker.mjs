// Boots a metric batch parser worker: worker threads do not inherit the tsx loader that the
// server registered, so register it here (resolved from this file, whatever the cwd).
import { register } from 'tsx/esm/api';

register();
await import('./batch-worker.ts');
