import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffRemainingMs, RETRY_BASE_MS, RETRY_CAP_MS, retryDelayMs } from './retry.ts';

describe('retry', () => {
  it('doubles the delay from the base up to the cap', () => {
    assert.deepEqual([1, 2, 3].map((a) => retryDelayMs(a)), [RETRY_BASE_MS, 2 * RETRY_BASE_MS, 4 * RETRY_BASE_MS]);
    assert.equal(retryDelayMs(40), RETRY_CAP_MS);
  });

  it('bounds what is left of a backoff whichever way the wall clock jumped', () => {
    assert.equal(backoffRemainingMs(10_000, 8_000), 2_000);
    assert.equal(backoffRemainingMs(10_000, 12_000), 0, 'past due');
    assert.equal(backoffRemainingMs(10_000, 10_000 - 86_400_000), RETRY_CAP_MS, 'a day back waits at most the cap');
  });
});
