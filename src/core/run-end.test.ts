import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allows } from './job-machine.ts';
import { parseJobSpec } from './job-spec.ts';
import { RETRY_BASE_MS } from './retry.ts';
import { decideRunEnd } from './run-end.ts';
import type { Job, JobState, RunOutcome, RunOutcomeKind, StopReason } from './types.ts';

const T = 1_700_000_000_000;

function job(state: JobState, stopReason: StopReason | null, over: Partial<Job['spec']> = {}): Job {
  const spec = { ...parseJobSpec({ name: 'j', command: ['true'], cwd: '/', maxRetries: 2 }), ...over };
  return {
    id: 1, spec, state, createdAt: T, startedAt: T, endedAt: null, attempts: 1, notBefore: null, outcome: null,
    stopRequested: stopReason !== null, stopReason, progress: { step: null, total: null, rate: null, etaSeconds: null, message: null },
    priority: spec.priority, queuedAt: T, paramsOverride: null, initFrom: null, createdByToken: null,
  };
}

const KINDS: readonly RunOutcomeKind[] = ['success', 'exit-code', 'signal', 'oom-killed', 'cuda-oom', 'stopped', 'lost', 'config-error'];
const outcome = (kind: RunOutcomeKind): RunOutcome => ({ kind, detail: kind, retryable: !['success', 'stopped', 'config-error'].includes(kind) });

/** The state a job is in while its run ends, for each stop reason (null: no stop asked). */
const LIVE: ReadonlyArray<[JobState, StopReason | null]> = [
  ['running', null],
  ['stopping', 'stop'], ['stopping', 'stuck'], ['stopping', 'diverged'], ['stopping', 'time-limit'], ['stopping', 'target-reached'],
  ['pausing', 'pause'], ['pausing', 'preempt'],
];

describe('decideRunEnd', () => {
  it('always picks a next state the run-ended transition allows', () => {
    for (const [state, reason] of LIVE) {
      for (const kind of KINDS) {
        for (const attempt of [1, 2, 3, 4]) {
          const end = decideRunEnd({ job: job(state, reason), attempt, outcome: outcome(kind), now: T + 5 });
          assert.ok(allows('run-ended', state, end.job.state), `${state}/${reason}/${kind}/#${attempt} → ${end.job.state}`);
          assert.equal(end.job.stopReason, null, 'the request belonged to the run that ended');
          const done = ['succeeded', 'failed', 'stopped'].includes(end.job.state);
          assert.equal(end.job.endedAt !== undefined, done, 'endedAt is set exactly when the job ends');
        }
      }
    }
  });

  it('retries a retryable failure with backoff until retries run out', () => {
    const first = decideRunEnd({ job: job('running', null), attempt: 1, outcome: outcome('exit-code'), now: T });
    assert.deepEqual([first.job.state, first.job.notBefore], ['queued', T + RETRY_BASE_MS]);
    const last = decideRunEnd({ job: job('running', null), attempt: 3, outcome: outcome('exit-code'), now: T });
    assert.equal(last.job.state, 'failed');
  });

  it('names the reason a stop was asked for', () => {
    const paused = decideRunEnd({ job: job('pausing', 'pause'), attempt: 1, outcome: outcome('stopped'), now: T });
    assert.deepEqual([paused.job.state, paused.outcome.kind, paused.runState], ['paused', 'paused', 'stopped']);
    const preempted = decideRunEnd({ job: job('pausing', 'preempt'), attempt: 1, outcome: outcome('stopped'), now: T });
    assert.deepEqual([preempted.job.state, preempted.outcome.kind], ['queued', 'preempted']);
    const limit = decideRunEnd({ job: job('stopping', 'time-limit'), attempt: 1, outcome: outcome('stopped'), now: T });
    assert.deepEqual([limit.job.state, limit.outcome.kind], ['failed', 'time-limit']);
    const success = decideRunEnd({ job: job('stopping', 'stop'), attempt: 1, outcome: outcome('success'), now: T });
    assert.equal(success.job.state, 'succeeded', 'a run that finished anyway succeeded');
  });

  it('retries a divergence from before it, with the params asked for', () => {
    const spec = { watchdog: { stuckSeconds: null, divergence: { metric: 'loss', factor: 3, retryWithParams: { lr: 0.001 } } } };
    const end = decideRunEnd({ job: job('stopping', 'diverged', spec), attempt: 1, outcome: outcome('stopped'), now: T, divergence: { step: 40, detail: 'loss 9 > 3 × 1' } });
    assert.deepEqual([end.job.state, end.outcome.step, end.job.paramsOverride], ['queued', 40, { lr: 0.001 }]);
  });

  it('retries a cuda-oom at once with the declared patch over the current params, keeping other overrides', () => {
    const over = { params: { batch_size: 16, grad_accum: 2, lr: 0.1 }, remedies: { cudaOom: { patch: { batch_size: { multiply: 0.5, min: 1, round: true } }, maxTimes: 3 } } };
    const oomed = { ...job('running', null, over), paramsOverride: { batch_size: 8, lr: 0.01 } };
    const end = decideRunEnd({ job: oomed, attempt: 2, outcome: outcome('cuda-oom'), now: T, cudaOomRetries: 1 });
    assert.deepEqual([end.job.state, end.job.notBefore, end.runState], ['queued', T, 'failed']);
    assert.deepEqual(end.job.paramsOverride, { batch_size: 4, lr: 0.01 });
  });

  it('fails a cuda-oom with the reason once the remedy cannot help, and plainly without one', () => {
    const over = { params: { batch_size: 2 }, maxRetries: 10, remedies: { cudaOom: { patch: { batch_size: { multiply: 0.5, min: 1, round: true } }, maxTimes: 5 } } };
    const oomed = { ...job('running', null, over), paramsOverride: { batch_size: 1 } };
    const end = decideRunEnd({ job: oomed, attempt: 2, outcome: { kind: 'cuda-oom', detail: 'CUDA out of memory', retryable: true }, now: T, cudaOomRetries: 1 });
    assert.deepEqual([end.job.state, end.outcome.retryable], ['failed', false]);
    assert.equal(end.outcome.detail, 'cuda-oom: batch_size would go below its min 1 (1 → 0.5, rounded 1) after 1 patched retry (last: CUDA out of memory)');
    const plain = decideRunEnd({ job: job('running', null), attempt: 1, outcome: outcome('cuda-oom'), now: T });
    assert.deepEqual([plain.job.state, plain.job.paramsOverride, plain.job.notBefore], ['queued', undefined, T + RETRY_BASE_MS]);
    const spent = decideRunEnd({ job: job('running', null, over), attempt: 11, outcome: outcome('cuda-oom'), now: T });
    assert.equal(spent.job.state, 'failed', 'maxRetries still caps the attempts');
  });

  it('ends a job stopped at its stopWhen target succeeded, with the point, however the script exited', () => {
    const over = { stopWhen: { metric: 'val_loss', below: 0.45 } };
    const target = { step: 1200, detail: 'stopWhen: val_loss 0.43 < 0.45 at step 1200' };
    for (const exit of [outcome('stopped'), outcome('exit-code'), outcome('success')]) {
      const end = decideRunEnd({ job: job('stopping', 'target-reached', over), attempt: 1, outcome: exit, now: T, target });
      assert.deepEqual([end.job.state, end.runState, end.outcome], ['succeeded', 'succeeded', { kind: 'success', detail: target.detail, retryable: false, step: 1200 }]);
    }
    const restarted = decideRunEnd({ job: job('stopping', 'target-reached', over), attempt: 1, outcome: outcome('stopped'), now: T });
    assert.equal(restarted.outcome.detail, 'stopWhen: val_loss went below 0.45', 'the point was lost with a server restart');
  });
});
