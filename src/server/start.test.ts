import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { StartError, startServer } from './start.ts';

describe('startServer', () => {
  const dir = mkdtempSync(join(tmpdir(), 'trainyard-start-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses an executor it does not know, naming the ones it does, and frees the data directory', async () => {
    const dataDir = join(dir, 'data');
    const options = { dataDir, port: 0, log: () => {}, env: { TRAINYARD_EXECUTOR: 'kubernetes' } };
    await assert.rejects(startServer(options), (error: unknown) => {
      assert.ok(error instanceof StartError);
      assert.equal(error.message, 'executor "kubernetes" (TRAINYARD_EXECUTOR) is not known: expected one of local, slurm');
      return true;
    });
    const server = await startServer({ ...options, env: { TRAINYARD_GPUS: 'none', TRAINYARD_CPU_SLOTS: '2' } });
    await server.close();
  });
});
