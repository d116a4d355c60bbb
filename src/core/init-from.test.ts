import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromRef, parseFromText, pickCheckpoint } from './init-from.ts';
import type { Checkpoint } from './types.ts';

const cp = (id: number, step: number, metrics: Record<string, number>, deleted = false): Checkpoint =>
  ({ id, jobId: 1, runId: 1, step, path: `/c/${id}`, bytes: 1, metrics, createdAt: id, deleted });

describe('from: references', () => {
  it('reads every string form', () => {
    assert.deepEqual(parseFromText('job:12'), { kind: 'job', jobId: 12, pick: 'latest', metric: 'loss', goal: 'min' });
    assert.deepEqual(parseFromText('job:12:best:acc:max'), { kind: 'job', jobId: 12, pick: 'best', metric: 'acc', goal: 'max' });
    assert.deepEqual(parseFromText('checkpoint:345'), { kind: 'checkpoint', checkpointId: 345 });
    assert.deepEqual(parseFromText('model:chat@production'), { kind: 'model', model: 'chat', ref: 'production' });
    assert.deepEqual(parseFromText('model:chat:3'), { kind: 'model', model: 'chat', ref: 3 });
    assert.deepEqual(parseFromText('model:chat@3'), { kind: 'model', model: 'chat', ref: 3 });
    assert.deepEqual(parseFromText('model:chat'), { kind: 'model', model: 'chat', ref: 'latest' });
    for (const bad of ['job:0', 'job:x', 'checkpoint:', 'chat@production', 'model:', 'model:chat@', 'model:chat@9x!', 'model:-x', 'job:1:worst']) {
      assert.equal(parseFromText(bad), null, bad);
    }
  });

  it('fills the defaults of {job}', () => {
    assert.deepEqual(fromRef({ job: 4 }), { kind: 'job', jobId: 4, pick: 'latest', metric: 'loss', goal: 'min' });
    assert.deepEqual(fromRef({ job: 4, pick: 'best', goal: 'max' }), { kind: 'job', jobId: 4, pick: 'best', metric: 'loss', goal: 'max' });
    assert.deepEqual(fromRef({ checkpoint: 9 }), { kind: 'checkpoint', checkpointId: 9 });
  });
});

describe('pickCheckpoint', () => {
  const latest = { kind: 'job', jobId: 1, pick: 'latest', metric: 'loss', goal: 'min' } as const;
  const best = { ...latest, pick: 'best' } as const;

  it('picks the highest live step for latest, the newest of equal steps', () => {
    const list = [cp(1, 10, {}), cp(2, 30, {}, true), cp(3, 20, {}), cp(4, 20, {})];
    assert.equal((pickCheckpoint(list, latest) as { checkpoint: Checkpoint }).checkpoint.id, 4);
  });

  it('picks the best finite value in the goal direction, ties to the later step', () => {
    const list = [cp(1, 10, { loss: 0.5, acc: 0.7 }), cp(2, 20, { loss: 0.2 }, true), cp(3, 30, { loss: 0.3, acc: 0.9 }), cp(4, 40, { loss: 0.3, acc: NaN })];
    assert.equal((pickCheckpoint(list, best) as { checkpoint: Checkpoint }).checkpoint.id, 4);
    assert.equal((pickCheckpoint(list, { ...best, metric: 'acc', goal: 'max' }) as { checkpoint: Checkpoint }).checkpoint.id, 3);
    assert.equal((pickCheckpoint(list, { ...best, metric: 'acc', goal: 'min' }) as { checkpoint: Checkpoint }).checkpoint.id, 1);
  });

  it('says why nothing can be picked', () => {
    assert.deepEqual(pickCheckpoint([], latest), { problem: { kind: 'none-live', deleted: 0 } });
    assert.deepEqual(pickCheckpoint([cp(1, 1, {}, true)], latest), { problem: { kind: 'none-live', deleted: 1 } });
    assert.deepEqual(pickCheckpoint([cp(1, 1, { acc: 1 })], best), { problem: { kind: 'no-metric', metric: 'loss', live: 1 } });
  });
});
