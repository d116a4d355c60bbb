import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cutPage, listStateOf, recordStatesOf } from './inbox-listing.ts';

describe('inbox listing', () => {
  it('shows record states as processing, done or failed', () => {
    assert.deepEqual(['arriving', 'processing', 'queued', 'leaving', 'done', 'failed'].map((s) => listStateOf(s as never)),
      ['processing', 'processing', 'processing', 'processing', 'done', 'failed']);
    assert.deepEqual(recordStatesOf(['waiting']), []);
    assert.deepEqual(recordStatesOf(['processing', 'failed']), ['arriving', 'processing', 'queued', 'leaving', 'failed']);
  });

  it('cuts pages across waiting files, then records', () => {
    assert.deepEqual(cutPage(3, 0, 2), { waiting: { from: 0, to: 2 }, records: { offset: 0, limit: 0 } });
    assert.deepEqual(cutPage(3, 2, 2), { waiting: { from: 2, to: 3 }, records: { offset: 0, limit: 1 } });
    assert.deepEqual(cutPage(3, 5, 2), { waiting: { from: 3, to: 3 }, records: { offset: 2, limit: 2 } });
    assert.deepEqual(cutPage(0, 4, 10), { waiting: { from: 0, to: 0 }, records: { offset: 4, limit: 10 } });
  });
});
