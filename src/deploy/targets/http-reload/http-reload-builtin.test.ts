/**
 * http-reload against Trainyard's own serving process (src/serving/), whose `POST /admin/reload`
 * is the convention http-reload targets POST to: the contract suite with a real process and real
 * char-lm checkpoints.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { writeCharLmCheckpoint } from '../../../../test/fixtures/char-lm-checkpoint.ts';
import type { DeployTargetSpec, SmokeCheck } from '../../../core/deployment.ts';
import { DEFAULT_BACKEND } from '../builtin/index.ts';
import { baseUrlOf, ensureAdminSecret, isAlive, startServing } from '../builtin/serving-process.ts';
import { runTargetContract } from '../contract.ts';
import { httpReloadTarget } from './index.ts';

const smoke: SmokeCheck = { prompt: 'The engine ', maxTokens: 12, expect: { minLength: 12 } };
const root = mkdtempSync(join(tmpdir(), 'trainyard-http-reload-builtin-'));
const dir = join(root, 'serving');
const serving = await startServing({
  dir, target: 'reloaded', model: 'chat', host: '127.0.0.1', port: null, backend: DEFAULT_BACKEND,
  keysFile: join(root, 'keys.json'), log: () => {},
}, null, () => {});
after(() => {
  if (isAlive(serving.pid)) process.kill(serving.pid, 'SIGKILL');
  rmSync(root, { recursive: true, force: true });
});
const baseUrl = baseUrlOf('127.0.0.1', serving.port);
const secret = ensureAdminSecret(dir);

const spec: DeployTargetSpec = {
  name: 'reloaded', kind: 'http-reload', model: 'chat', alias: 'production', smoke,
  config: { url: `${baseUrl}/admin/reload`, baseUrl, apiKey: secret },
  watch: { windowSeconds: 0, intervalSeconds: 1, maxErrorRate: 0, maxLatencyMs: null },
};

runTargetContract('http-reload against the builtin serving process', {
  create: (context) => httpReloadTarget.create(spec, context),
  version: async (n, folder) => ({ model: 'chat', version: n, checkpointId: n, path: await writeCharLmCheckpoint(folder, 'model.bin', n), step: 20, metadata: { seed: n } }),
  smoke, servesOnStage: true,
  serving: async () => {
    const health = await fetch(`${baseUrl}/health`).then((r) => r.json() as Promise<{ version: number | null }>);
    return health.version;
  },
  timeoutMs: 60_000,
});
