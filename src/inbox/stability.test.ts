import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { changedSince, isStable, observe } from './stability.ts';

describe('inbox stability', () => {
  it('is stable once size and mtime stayed the same for stableMs', () => {
    let seen = observe(undefined, { size: 10, mtimeMs: 5 }, 1000);
    assert.equal(isStable(seen, 1000, 2000), false, 'never on first sight');
    seen = observe(seen, { size: 10, mtimeMs: 5 }, 2500);
    assert.equal(isStable(seen, 2500, 2000), false, 'too soon');
    seen = observe(seen, { size: 10, mtimeMs: 5 }, 3000);
    assert.equal(isStable(seen, 3000, 2000), true);
  });

  it('starts over when the size or the mtime changes', () => {
    let seen = observe(undefined, { size: 10, mtimeMs: 5 }, 0);
    seen = observe(seen, { size: 20, mtimeMs: 5 }, 1900);
    assert.equal(isStable(seen, 3000, 2000), false);
    seen = observe(seen, { size: 20, mtimeMs: 6 }, 3000);
    assert.equal(seen.since, 3000);
    assert.equal(isStable(observe(seen, { size: 20, mtimeMs: 6 }, 5000), 5000, 2000), true);
  });

  it('with stableMs 0, a file is taken on first sight', () => {
    assert.equal(isStable(observe(undefined, { size: 1, mtimeMs: 1 }, 7), 7, 0), true);
  });

  it('notices a change after hashing', () => {
    assert.equal(changedSince({ size: 1, mtimeMs: 1 }, { size: 1, mtimeMs: 1 }), false);
    assert.equal(changedSince({ size: 1, mtimeMs: 1 }, { size: 2, mtimeMs: 1 }), true);
    assert.equal(changedSince({ size: 1, mtimeMs: 1 }, { size: 1, mtimeMs: 2 }), true);
  });
});
