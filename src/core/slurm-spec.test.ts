import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseJobSpec } from './job-spec.ts';
import { slurmNice, slurmTimeFor } from './slurm-options.ts';

const spec = (slurm: unknown) => parseJobSpec({ command: ['python3', 'train.py'], cwd: '/work', slurm });

describe('slurm block of a job spec', () => {
  it('keeps what it names, numbers as sbatch strings', () => {
    assert.deepEqual(spec({ partition: 'gpu', account: 'lab', qos: 'high', memory: 16000, time: 90, gpuFlag: 'gpus', extraArgs: ['--constraint=a100'] }).slurm, {
      partition: 'gpu', account: 'lab', qos: 'high', memory: '16000', time: '90', gpuFlag: 'gpus', extraArgs: ['--constraint=a100'],
    });
    assert.equal(parseJobSpec({ command: ['x'], cwd: '/w' }).slurm, undefined);
    assert.equal(spec({ time: '1-12:00:00', memory: '64G' }).slurm?.time, '1-12:00:00');
  });

  it('refuses a bad field, naming it and what was expected', () => {
    assert.throws(() => spec({ memory: '16 GB' }), /slurm\.memory.*16G/);
    assert.throws(() => spec({ time: 'an hour' }), /slurm\.time.*H:MM:SS/);
    assert.throws(() => spec({ partition: 'gpu;rm' }), /slurm\.partition/);
    assert.throws(() => spec({ extraArgs: ['--output=/tmp/x'] }), /slurm\.extraArgs\.0.*Trainyard does not set itself/);
    assert.throws(() => spec({ partiton: 'gpu' }), /slurm.*partiton/);
  });

  it('maps priority to non-negative --nice bands, high first', () => {
    assert.equal(slurmNice({ class: 'high', value: 0 }), 500);
    assert.equal(slurmNice({ class: 'normal', value: 0 }), 1500);
    assert.equal(slurmNice({ class: 'low', value: 0 }), 2500);
    assert.equal(slurmNice({ class: 'normal', value: 10 }), 1490);
    assert.equal(slurmNice({ class: 'high', value: 1_000_000 }), 0);
    assert.equal(slurmNice({ class: 'low', value: -1_000_000 }), 3000);
    assert.ok(slurmNice({ class: 'high', value: -500 }) <= slurmNice({ class: 'normal', value: 500 }));
  });

  it('derives --time from the job\'s own limit plus its grace, in whole minutes', () => {
    assert.equal(slurmTimeFor(3600, 30), '61');
    assert.equal(slurmTimeFor(null, 30), null);
  });
});
