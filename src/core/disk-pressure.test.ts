import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describePressure, parseFreeSpaceFloor, underPressure } from './disk-pressure.ts';

describe('disk pressure', () => {
  it('reads a percentage or an amount with a unit', () => {
    assert.deepEqual(parseFreeSpaceFloor('10%'), { percent: 10 });
    assert.deepEqual(parseFreeSpaceFloor(' 100 % '), { percent: 100 });
    assert.deepEqual(parseFreeSpaceFloor('20GiB'), { bytes: 20 * 2 ** 30 });
    assert.deepEqual(parseFreeSpaceFloor('500MB'), { bytes: 500e6 });
    assert.deepEqual(parseFreeSpaceFloor('1.5 tib'), { bytes: 1.5 * 2 ** 40 });
    assert.deepEqual(parseFreeSpaceFloor('4096'), { bytes: 4096 });
  });

  it('says what it expected when it cannot read the value', () => {
    assert.match(parseFreeSpaceFloor('150%') as string, /at most 100, not "150%"/);
    assert.match(parseFreeSpaceFloor('lots') as string, /a percentage \(10%\) or an amount of bytes .*not "lots"/);
    assert.match(parseFreeSpaceFloor('20 parsecs') as string, /not "20 parsecs"/);
    assert.equal(typeof parseFreeSpaceFloor('0%'), 'string');
  });

  it('is under pressure below the floor, and says so for the log', () => {
    const space = { free: 5 * 2 ** 30, total: 100 * 2 ** 30 };
    assert.equal(underPressure(space, { percent: 10 }), true);
    assert.equal(underPressure(space, { percent: 5 }), false);
    assert.equal(underPressure(space, { bytes: 6 * 2 ** 30 }), true);
    assert.equal(underPressure(space, { percent: 100 }), true, '100%: always under');
    assert.equal(describePressure(space, { percent: 10 }), '5.0 GiB free < 10% (10.0 GiB)');
    assert.equal(describePressure(space, { bytes: 2 ** 30 }), '5.0 GiB free >= 1.0 GiB');
  });
});
