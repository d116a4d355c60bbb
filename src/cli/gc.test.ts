import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseKeepBest, renderReport } from './gc.ts';
import { UsageError } from './io.ts';

describe('trainyard gc', () => {
  it('reads --keep-best METRIC:GOAL:COUNT, the metric with colons of its own', () => {
    assert.deepEqual(parseKeepBest('heldout/score:max:2'), { metric: 'heldout/score', goal: 'max', count: 2 });
    assert.deepEqual(parseKeepBest('a:b:min:1'), { metric: 'a:b', goal: 'min', count: 1 });
    assert.throws(() => parseKeepBest('loss:lowest:2'), (e: UsageError) => e instanceof UsageError && /METRIC:GOAL:COUNT.*not "loss:lowest:2"/.test(e.message));
    assert.throws(() => parseKeepBest('loss:min:0'), /positive/);
  });

  it('prints per job what goes and what stays, with why, and the totals', () => {
    const text = renderReport({
      dryRun: true, removed: 1, failed: 0, bytesFreed: 2048,
      jobs: [{
        jobId: 7, name: 'lm', state: 'succeeded', policy: { keepLatest: 1 }, policySource: 'global', bytesFreed: 2048, failed: [],
        removed: [{ checkpointId: 1, step: 100, path: '/x/1', bytes: 2048, reason: 'step 100: not among the latest 1; nothing protects it', note: null }],
        kept: [{ checkpointId: 2, step: 200, bytes: 10, reasons: ['model chat v1 (production)', 'latest 1 of 1'], protected: true, fileMissing: false }],
      }],
    });
    assert.match(text, /^job 7 lm \(succeeded\) · latest 1 \(the global policy\)$/m);
    assert.match(text, /would delete +1 +100 +2\.0 KiB +step 100: not among the latest 1; nothing protects it/);
    assert.match(text, /keep \(protected\) +2 +200 +10 B +model chat v1 \(production\); latest 1 of 1/);
    assert.match(text, /dry run: would delete 1 checkpoint and free 2\.0 KiB; nothing was deleted\n$/);
  });
});
