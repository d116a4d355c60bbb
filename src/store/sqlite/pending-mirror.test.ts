import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createPendingMirror } from './pending-mirror.ts';

import type { DecodedPoints } from '../../core/metrics/chunk-codec.ts';

const points = (n: number): DecodedPoints => ({ steps: new Float64Array(n), values: new Float64Array(n), times: new Float64Array(n) });
const row = (n: number) => [['loss', points(n)] as const];

describe('pending mirror', () => {
  it('trusts nothing until reset, then mirrors rows per run', () => {
    const mirror = createPendingMirror();
    mirror.added(1, row(8), 8);
    assert.equal(mirror.rowsOf(1), null, 'not reset yet: read the table');
    mirror.reset();
    assert.deepEqual(mirror.rowsOf(1), [], 'an empty table');
    const a = row(8);
    const b = row(16);
    mirror.added(1, a, 8);
    mirror.added(1, b, 16);
    assert.deepEqual(mirror.rowsOf(1), [a, b]);
    mirror.removed(1);
    assert.deepEqual(mirror.rowsOf(1), []);
  });

  it('forgets everything when a transaction with changes failed', () => {
    const mirror = createPendingMirror();
    mirror.reset();
    const before = mirror.version;
    mirror.added(1, row(8), 8);
    assert.notEqual(mirror.version, before);
    mirror.lost();
    assert.equal(mirror.rowsOf(1), null);
    assert.equal(mirror.rowsOf(2), null);
    mirror.reset();
    assert.deepEqual(mirror.rowsOf(1), []);
  });

  it('leaves a run to the table once the mirror holds its limit', () => {
    const mirror = createPendingMirror(100);
    mirror.reset();
    mirror.added(1, row(60), 60);
    mirror.added(2, row(30), 30);
    mirror.added(2, row(30), 30);
    assert.equal(mirror.rowsOf(2), null, 'past 100 points');
    mirror.added(2, row(1), 1);
    assert.equal(mirror.rowsOf(2), null, 'still: some of its rows are only in the table');
    assert.equal(mirror.rowsOf(1)?.length, 1);
    mirror.removed(2);
    assert.deepEqual(mirror.rowsOf(2), [], 'folded: mirrored again');
  });
});
