/**
 * A run's wrapper killed with SIGKILL (issue 15 §1): its command would live on, unwatched,
 * beside the retry the server starts. The executor kills what is left of the run's process group
 * once the wrapper is gone, whether it watches its own child or a run it adopted.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { decodeLocalHandle } from './handle.ts';
import { createLocalExecutor } from './local-executor.ts';
import { isAlive, readChildren } from './proc.ts';

async function until<T>(check: () => T, what: string, ms = 5_000): Promise<NonNullable<T>> {
  const end = Date.now() + ms;
  for (;;) {
    const value = check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('local executor: a killed wrapper leaves nothing behind', () => {
  const root = mkdtempSync(join(tmpdir(), 'trainyard-leftovers-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  async function startSleeper(name: string) {
    const runDir = join(root, name);
    const executor = createLocalExecutor({ adoptPollMs: 20 });
    const { mkdirSync } = await import('node:fs');
    mkdirSync(runDir);
    const proc = await executor.start({ argv: ['/bin/sleep', '600'], cwd: runDir, env: { PATH: '/usr/bin:/bin' }, logPath: join(runDir, 'log'), runDir, name });
    const wrapper = decodeLocalHandle(proc.handle)!.pid;
    const command = await until(() => readChildren(wrapper)[0], 'the command to start');
    return { proc, wrapper, command, runDir };
  }

  it('kills the command of a wrapper it started', async () => {
    const { proc, wrapper, command } = await startSleeper('own');
    process.kill(wrapper, 'SIGKILL');
    const report = await proc.exited;
    assert.equal(report.signal, 'SIGKILL');
    await until(() => !isAlive(command), `the command ${command} to be gone`, 2_000);
  });

  it('kills the command of a wrapper it adopted after a restart', async () => {
    const { proc, wrapper, command, runDir } = await startSleeper('adopted');
    const adopted = await createLocalExecutor({ adoptPollMs: 20 }).adopt(proc.handle, { runDir, name: 'adopted' });
    assert.equal(adopted.kind, 'alive');
    process.kill(wrapper, 'SIGKILL');
    if (adopted.kind !== 'alive') return;
    const report = await adopted.process.exited;
    assert.equal(report.signal, 'SIGKILL');
    await until(() => !isAlive(command), `the command ${command} to be gone`, 2_000);
    assert.equal(readFileSync(join(runDir, 'pid'), 'utf8').trim(), String(wrapper));
  });
});
