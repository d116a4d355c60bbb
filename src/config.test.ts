import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, readGcEnv } from './config.ts';

describe('readGcEnv', () => {
  it('is off by default and reads every 60 s', () => {
    assert.deepEqual(readGcEnv({}), { minFree: null, intervalSeconds: 60 });
  });
  it('reads the floor and the interval', () => {
    assert.deepEqual(readGcEnv({ TRAINYARD_GC_MIN_FREE: '10%', TRAINYARD_GC_INTERVAL_SECONDS: '0.5' }), { minFree: { percent: 10 }, intervalSeconds: 0.5 });
  });
  it('names the variable, what it expected and what came', () => {
    assert.throws(() => readGcEnv({ TRAINYARD_GC_MIN_FREE: '10 percent' }), (e: ConfigError) => e instanceof ConfigError && /^TRAINYARD_GC_MIN_FREE must be a percentage \(10%\) or an amount of bytes .*not "10 percent"$/.test(e.message));
    assert.throws(() => readGcEnv({ TRAINYARD_GC_INTERVAL_SECONDS: '-1' }), { message: 'TRAINYARD_GC_INTERVAL_SECONDS must be a number of seconds above 0, not "-1"' });
  });
});
