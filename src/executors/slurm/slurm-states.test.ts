import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { baseState, decodeWaitStatus, parseSacctExitCode, slurmExitReport, slurmPhase } from './slurm-states.ts';

const ok = { exitCode: 0, signal: null };

describe('Slurm states', () => {
  it('tells queued, running and ended states apart; an unknown state is running', () => {
    for (const s of ['PENDING', 'CONFIGURING', 'REQUEUE_HOLD']) assert.equal(slurmPhase(s), 'queued', s);
    for (const s of ['RUNNING', 'COMPLETING', 'SUSPENDED', 'SOMETHING_NEW']) assert.equal(slurmPhase(s), 'running', s);
    for (const s of ['COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT', 'OUT_OF_MEMORY', 'NODE_FAIL', 'PREEMPTED', 'REQUEUED', 'BOOT_FAIL', 'DEADLINE']) assert.equal(slurmPhase(s), 'ended', s);
  });

  it('reads the base state from squeue and sacct spellings', () => {
    assert.equal(baseState('CANCELLED by 0'), 'CANCELLED');
    assert.equal(baseState(['PENDING']), 'PENDING');
    assert.equal(baseState('running+'), 'RUNNING');
    assert.equal(baseState(undefined), 'UNKNOWN');
  });

  it('decodes wait statuses and sacct exit codes, undoing a shell\'s 128 + N', () => {
    assert.deepEqual(decodeWaitStatus(768), { exitCode: 3, signal: null });
    assert.deepEqual(decodeWaitStatus(9), { exitCode: null, signal: 'SIGKILL' });
    assert.deepEqual(decodeWaitStatus(143 << 8), { exitCode: null, signal: 'SIGTERM' });
    assert.deepEqual(parseSacctExitCode('3:0'), { exitCode: 3, signal: null });
    assert.deepEqual(parseSacctExitCode('0:9'), { exitCode: null, signal: 'SIGKILL' });
    assert.deepEqual(parseSacctExitCode('137:0'), { exitCode: null, signal: 'SIGKILL' });
    assert.equal(parseSacctExitCode(''), null);
  });

  it('classifies COMPLETED and FAILED from the exit alone, as a local run', () => {
    assert.deepEqual(slurmExitReport({ state: 'COMPLETED', exit: ok }, null), { exitCode: 0, signal: null, oomKilled: false });
    assert.deepEqual(slurmExitReport({ state: 'FAILED', exit: { exitCode: 3, signal: null } }, null), { exitCode: 3, signal: null, oomKilled: false });
  });

  it('calls a job cancelled outside Trainyard stopped, and one Trainyard signalled by its signal alone', () => {
    const outside = slurmExitReport({ state: 'CANCELLED', exit: { exitCode: null, signal: 'SIGTERM' } }, null);
    assert.equal(outside.outcome?.kind, 'stopped');
    assert.equal(outside.outcome?.retryable, false);
    assert.match(outside.outcome?.detail ?? '', /scancel/);
    assert.deepEqual(slurmExitReport({ state: 'CANCELLED', exit: ok }, 'SIGTERM'), { exitCode: null, signal: 'SIGTERM', oomKilled: false });
    assert.deepEqual(slurmExitReport({ state: 'CANCELLED', exit: { exitCode: null, signal: 'SIGKILL' } }, 'SIGKILL'), { exitCode: null, signal: 'SIGKILL', oomKilled: false });
    // Slurm's kill is a cancel: SIGTERM first; the run was killed as asked.
    assert.deepEqual(slurmExitReport({ state: 'CANCELLED', exit: { exitCode: null, signal: 'SIGTERM' } }, 'SIGKILL'), { exitCode: null, signal: 'SIGKILL', oomKilled: false });
  });

  it('maps the states Slurm decides to attempt classifications', () => {
    const kind = (state: string) => {
      const report = slurmExitReport({ state, exit: null }, null);
      return [report.outcome?.kind, report.outcome?.retryable];
    };
    assert.deepEqual(kind('TIMEOUT'), ['time-limit', false]);
    assert.deepEqual(kind('DEADLINE'), ['time-limit', false]);
    assert.deepEqual(kind('OUT_OF_MEMORY'), ['oom-killed', true]);
    assert.deepEqual(kind('NODE_FAIL'), ['lost', true]);
    assert.deepEqual(kind('BOOT_FAIL'), ['lost', true]);
    assert.deepEqual(kind('PREEMPTED'), ['preempted', true]);
    assert.deepEqual(kind('REQUEUED'), ['preempted', true]);
    assert.deepEqual(kind('COMPLETED'), [undefined, undefined]);
    const oom = slurmExitReport({ state: 'OUT_OF_MEMORY', exit: ok }, null);
    assert.equal(oom.oomKilled, true);
    assert.equal(oom.signal, 'SIGKILL');
    assert.equal(slurmExitReport({ state: 'TIMEOUT', exit: null }, null).signal, 'SIGTERM');
  });
});
