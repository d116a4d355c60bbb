import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diskFullCode, diskFullMessage } from './disk-full.ts';

describe('disk full', () => {
  it('finds ENOSPC, EDQUOT and SQLITE_FULL along the cause chain', () => {
    const enospc = Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
    assert.equal(diskFullCode(enospc), 'ENOSPC');
    assert.equal(diskFullCode(new Error('wrapped', { cause: Object.assign(new Error('x'), { code: 'SQLITE_FULL' }) })), 'SQLITE_FULL');
    assert.equal(diskFullCode(Object.assign(new Error('quota'), { code: 'EDQUOT' })), 'EDQUOT');
  });

  it('is null for other failures', () => {
    assert.equal(diskFullCode(Object.assign(new Error('gone'), { code: 'ENOENT' })), null);
    assert.equal(diskFullCode(new Error('plain')), null);
    assert.equal(diskFullCode('a string'), null);
    assert.equal(diskFullCode(null), null);
  });

  it('says what happened and what to do', () => {
    assert.match(diskFullMessage('ENOSPC'), /disk .* is full \(ENOSPC\).*reads still work.*free space/);
  });
});
