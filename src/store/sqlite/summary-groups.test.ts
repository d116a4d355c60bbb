import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChunkSummary } from '../../core/metrics/chunk-codec.ts';
import { applySlotChanges, ENTRY_FIELDS, entrySummary, GROUP_SLOTS, groupEntries, groupOfSlot } from './summary-groups.ts';

const summary = (firstStep: number, lastStep: number, extra: Partial<ChunkSummary> = {}): ChunkSummary => ({
  count: lastStep - firstStep + 1,
  firstStep,
  lastStep,
  min: -1,
  max: 1,
  lastValue: 0.5,
  ...extra,
});

describe('summary-groups', () => {
  it('maps slots to groups', () => {
    assert.equal(groupOfSlot(0), 0);
    assert.equal(groupOfSlot(GROUP_SLOTS - 1), 0);
    assert.equal(groupOfSlot(GROUP_SLOTS), 1);
  });

  it('packs entries by slot and reports the live step range', () => {
    const a = applySlotChanges(null, [
      { slot: 2, chunkId: 7, summary: summary(100, 199, { min: NaN, max: NaN, lastValue: NaN }) },
      { slot: 0, chunkId: 5, summary: summary(0, 99) },
    ]);
    assert.ok(a);
    assert.equal(a.data.length, 3 * ENTRY_FIELDS * 8);
    assert.deepEqual([a.firstStep, a.lastStep], [0, 199]);
    const f = groupEntries(a.data);
    assert.deepEqual(entrySummary(f, 0), summary(0, 99));
    assert.equal(f[1 * ENTRY_FIELDS + 3], 0, 'slot 1 is free');
    assert.ok(Number.isNaN(entrySummary(f, 2).min));
    assert.equal(f[2 * ENTRY_FIELDS], 7);
  });

  it('frees entries, trims the end, and returns null when none is left', () => {
    const a = applySlotChanges(null, [
      { slot: GROUP_SLOTS + 0, chunkId: 1, summary: summary(0, 9) },
      { slot: GROUP_SLOTS + 1, chunkId: 2, summary: summary(10, 19) },
    ]);
    assert.ok(a);
    const b = applySlotChanges(a.data, [{ slot: GROUP_SLOTS + 1, chunkId: 2, summary: null }]);
    assert.ok(b);
    assert.equal(b.data.length, ENTRY_FIELDS * 8);
    assert.deepEqual([b.firstStep, b.lastStep], [0, 9]);
    assert.equal(applySlotChanges(b.data, [{ slot: GROUP_SLOTS, chunkId: 1, summary: null }]), null);
  });

  it('reads unaligned blobs', () => {
    const a = applySlotChanges(null, [{ slot: 0, chunkId: 3, summary: summary(1, 2) }]);
    assert.ok(a);
    const shifted = Buffer.alloc(a.data.length + 1);
    a.data.copy(shifted, 1);
    assert.deepEqual(entrySummary(groupEntries(shifted.subarray(1)), 0), summary(1, 2));
  });
});
