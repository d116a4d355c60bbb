/**
 * A run that ends while its end cannot be written (the disk is full: SQLITE_FULL): the server
 * does not die of it (nothing awaits a supervisor's end), the run stays live with its slots held,
 * and its end is recorded once the store takes writes again.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { Store } from '../store/store.ts';
import { createKit, type Kit } from './test-kit.ts';

/** The store, whose `endRun` fails with SQLITE_FULL while `full.value` is true. */
function fullDisk(full: { value: boolean; refused: number }) {
  return (store: Store): Store => new Proxy(store, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver);
      if (key !== 'endRun') return typeof value === 'function' ? value.bind(target) : value;
      return async (...args: unknown[]) => {
        if (full.value) {
          full.refused++;
          throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
        }
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

describe('a run ending while the disk is full', () => {
  const kits: Kit[] = [];
  after(async () => {
    for (const k of kits) await k.close().catch(() => {});
  });

  it('keeps the run live and records its end once writes work again', async () => {
    const full = { value: false, refused: 0 };
    const k = await createKit({ wrapStore: fullDisk(full) });
    kits.push(k);
    const job = await k.control.jobs.submit(k.spec({ maxRetries: 0 }));
    const run = await k.run(job.id, 1);
    full.value = true;
    run.exit({ exitCode: 3 });
    await k.until(() => full.refused >= 2, 'the end to be tried twice');
    assert.equal((await k.job(job.id)).state, 'running', 'the store still says running; nothing half-written');
    assert.match(k.lines.join('\n'), /the end of its run could not be recorded \(.*database or disk is full\); trying again/);
    full.value = false;
    const ended = await k.until(async () => ((await k.job(job.id)).state === 'failed' ? k.job(job.id) : null), 'the end to be recorded');
    assert.equal(ended.outcome?.detail, 'exit code 3');
    assert.equal((await k.store.listRuns(job.id))[0].state, 'failed');
  });
});
