import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, readGcEnv, readRetentionEnv, readSlurmEnv } from './config.ts';

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

describe('readRetentionEnv', () => {
  it('keeps events 30 days and logs whole, and runs hourly, by default', () => {
    assert.deepEqual(readRetentionEnv({}), { eventMaxAgeMs: 30 * 86_400_000, logMaxAgeMs: null, logKeepBytes: 65_536, intervalMs: 3_600_000 });
  });
  it('reads ages and off', () => {
    assert.deepEqual(readRetentionEnv({ TRAINYARD_EVENT_RETENTION: 'off', TRAINYARD_LOG_RETENTION: '90d', TRAINYARD_RETENTION_INTERVAL: '5s' }), { eventMaxAgeMs: null, logMaxAgeMs: 90 * 86_400_000, logKeepBytes: 65_536, intervalMs: 5_000 });
  });
  it('names the variable, what it expected and what came', () => {
    assert.throws(() => readRetentionEnv({ TRAINYARD_EVENT_RETENTION: '30 days' }), { message: 'TRAINYARD_EVENT_RETENTION must be an age like 30d, 12h, 90m or 45s, or off, not "30 days"' });
    assert.throws(() => readRetentionEnv({ TRAINYARD_RETENTION_INTERVAL: 'off' }), { message: 'TRAINYARD_RETENTION_INTERVAL must be an interval like 1h or 30m (to keep everything, set TRAINYARD_EVENT_RETENTION=off), not "off"' });
  });
});

describe('readSlurmEnv', () => {
  it('has no defaults of its own and polls every 2 s', () => {
    assert.deepEqual(readSlurmEnv({}), { defaults: {}, pollMs: 2000 });
  });
  it('reads the defaults every run gets', () => {
    const env = { TRAINYARD_SLURM_PARTITION: 'gpu', TRAINYARD_SLURM_ACCOUNT: 'lab', TRAINYARD_SLURM_QOS: 'normal', TRAINYARD_SLURM_MEMORY: '16G', TRAINYARD_SLURM_TIME: '1-00:00:00', TRAINYARD_SLURM_GPU_FLAG: 'gpus', TRAINYARD_SLURM_EXTRA_ARGS: ' --exclusive  --constraint=a100 ', TRAINYARD_SLURM_POLL_SECONDS: '0.5' };
    assert.deepEqual(readSlurmEnv(env), { defaults: { partition: 'gpu', account: 'lab', qos: 'normal', memory: '16G', time: '1-00:00:00', gpuFlag: 'gpus', extraArgs: ['--exclusive', '--constraint=a100'] }, pollMs: 500 });
  });
  it('names the variable, what it expected and what came', () => {
    assert.throws(() => readSlurmEnv({ TRAINYARD_SLURM_MEMORY: '16 GB' }), (e: unknown) => e instanceof ConfigError && /^TRAINYARD_SLURM_MEMORY must be memory as sbatch --mem takes it.*"16 GB"/.test(e.message));
    assert.throws(() => readSlurmEnv({ TRAINYARD_SLURM_GPU_FLAG: 'cuda' }), /TRAINYARD_SLURM_GPU_FLAG must be/);
    assert.throws(() => readSlurmEnv({ TRAINYARD_SLURM_POLL_SECONDS: '0' }), /TRAINYARD_SLURM_POLL_SECONDS must be a number of seconds above 0, not "0"/);
  });
});
