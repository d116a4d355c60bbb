import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseEvalSuite } from '../core/eval-suite.ts';
import type { Checkpoint } from '../core/types.ts';
import { EVALUATION_PRIORITY, evaluationJobSpec } from './eval-job.ts';
import { priorityInput } from '../core/job-spec.ts';

const suite = { ...parseEvalSuite({ name: 'heldout', command: ['python3', 'eval.py'], cwd: '/work', env: { SEED: 1 }, datasets: { eval: 'held@2' }, timeLimitSeconds: 600, metrics: [{ name: 'loss', goal: 'min' }] }), version: 3, createdAt: 0 };
const checkpoint: Checkpoint = { id: 12, jobId: 4, runId: 7, step: 1500, path: '/data/jobs/4/checkpoints/step-1500.pt', bytes: 1, metrics: {}, createdAt: 0, deleted: false };

describe('evaluationJobSpec', () => {
  it('runs the suite on the checkpoint, with its path, suite and datasets in the environment', () => {
    const spec = evaluationJobSpec(suite, checkpoint, { id: 4, spec: { name: 'char-lm' } as never });
    assert.deepEqual([spec.command, spec.shell, spec.cwd, spec.timeLimitSeconds, spec.maxRetries], [['python3', 'eval.py'], false, '/work', 600, 1]);
    assert.deepEqual(spec.env, {
      SEED: '1',
      TRAINYARD_EVAL_CHECKPOINT: '/data/jobs/4/checkpoints/step-1500.pt',
      TRAINYARD_EVAL_CHECKPOINT_ID: '12',
      TRAINYARD_EVAL_STEP: '1500',
      TRAINYARD_EVAL_JOB_ID: '4',
      TRAINYARD_EVAL_SUITE: 'heldout',
      TRAINYARD_EVAL_SUITE_VERSION: '3',
    });
    assert.deepEqual(spec.datasets, { eval: 'held@2' });
    assert.equal(spec.name, 'eval heldout · char-lm (job 4) step 1500');
    assert.deepEqual(spec.tags, ['evaluation', 'suite:heldout', 'evaluates:4']);
    assert.equal(spec.evaluate, undefined, 'an evaluation is never evaluated');
  });

  it('never takes a slot from training: lowest priority, preemptible, no owner, no stuck or divergence watchdog', () => {
    const spec = evaluationJobSpec(suite, checkpoint, null);
    assert.deepEqual(spec.priority, { class: 'low', value: -1_000_000 });
    assert.throws(() => priorityInput.parse({ class: 'low', value: EVALUATION_PRIORITY.value - 1 }), 'no job can be given a lower priority');
    assert.equal(spec.preemptible, true);
    assert.equal(spec.owner, null);
    assert.deepEqual(spec.watchdog, { stuckSeconds: null, divergence: null });
    assert.equal(spec.name, 'eval heldout · job 4 step 1500');
  });
});
