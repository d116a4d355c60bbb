/**
 * For tests: a process standing for the Trainyard server that opens a builtin target and keeps
 * supervising it until it is killed. Prints `serving <pid>` once the target is open.
 *
 *   node --import tsx open-target.fixture.ts DATA_DIR TARGET_NAME MODEL
 */
import { join } from 'node:path';
import { builtinTarget } from './index.ts';
import { readServingState } from './serving-process.ts';

const [dataDir, name, model] = process.argv.slice(2);
const dir = join(dataDir, 'deploy', name);
const target = builtinTarget.create(
  { name, kind: 'builtin', model, alias: 'production', config: builtinTarget.parseConfig({}), smoke: null, watch: { windowSeconds: 0, intervalSeconds: 1, maxErrorRate: 0, maxLatencyMs: null } },
  { dir, dataDir, log: (line) => console.error(line) },
);
await target.open();
console.log(`serving ${readServingState(dir)?.pid}`);
setInterval(() => undefined, 60_000);
