/**
 * Contract of EvaluationStore: suite versions, one evaluation per (checkpoint, suite) created
 * with its job in one step, completion and override once each, every change with its event.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EvaluationResult } from '../../core/eval-record.ts';
import type { EvalSuiteSpec } from '../../core/eval-suite.ts';
import { ConflictError, NotFoundError } from '../../core/errors.ts';
import type { Store } from '../store.ts';
import { jobSpec, startRun, type StoreFactory, T0, useStore } from './fixtures.ts';

export function suiteSpec(overrides: Partial<EvalSuiteSpec> = {}): EvalSuiteSpec {
  return {
    name: 'heldout',
    description: null,
    command: ['python3', 'eval.py'],
    shell: false,
    cwd: '/work',
    env: {},
    resources: { gpus: 0, cpus: 1 },
    timeLimitSeconds: null,
    maxRetries: 1,
    metrics: [{ name: 'loss', goal: 'min', change: { relative: 0.05 } }, { name: 'accuracy', goal: 'max', value: { lower: 0.5 }, weight: 2 }],
    baseline: { label: 'random policy', values: { loss: 2.3, accuracy: 0.1 }, model: null },
    regression: { tolerance: 0.15 },
    ...overrides,
  };
}

function result(verdict: EvaluationResult['verdict'], score: number | null, regressed = false): EvaluationResult {
  return {
    verdict,
    summary: verdict === 'fail' ? 'loss 3 changed by +30 %' : 'all 2 metrics within their thresholds',
    values: { loss: 1, accuracy: 0.8 },
    score,
    baseline: { label: 'random policy', values: { loss: 2.3, accuracy: 0.1 }, score: -0.7 },
    scoreDelta: score === null ? null : score + 0.7,
    diffs: [{ metric: 'loss', goal: 'min', value: 1, baseline: 2.3, absolute: -1.3, relative: -1.3 / 2.3, threshold: { change: { relative: 0.05 } }, failed: null }],
    regressions: regressed ? [{ metric: 'loss', value: 1, best: 0.5, worseBy: 1, detail: 'loss 1 is 100.0 % worse than the best 0.5 (tolerance 15 %)' }] : [],
  };
}

/** A job with a registered checkpoint at `step`. */
async function checkpointed(s: Store, step = 10) {
  const { job, run } = await startRun(s);
  const checkpoint = await s.registerCheckpoint({ jobId: job.id, runId: run.id, step, path: `/ckpt/step-${step}.pt`, bytes: 10, metrics: {}, createdAt: T0 + step });
  return { job, run, checkpoint };
}

export function evaluationContract(createStore: StoreFactory): void {
  describe('evaluations', () => {
    const store = useStore(createStore);

    it('saves suite versions: the same definition is a no-op, a changed one needs replace', async () => {
      const s = store();
      const first = await s.saveEvalSuite(suiteSpec(), T0);
      assert.equal(first.created, true);
      assert.deepEqual({ ...first.suite }, { ...suiteSpec(), version: 1, createdAt: T0 });
      const again = await s.saveEvalSuite(suiteSpec(), T0 + 1);
      assert.deepEqual(again, { suite: first.suite, created: false });
      const changed = suiteSpec({ regression: { tolerance: 0.3 } });
      await assert.rejects(s.saveEvalSuite(changed, T0 + 2), (e: unknown) => e instanceof ConflictError && /\(version 1\).*version 2/.test(e.message));
      const second = await s.saveEvalSuite(changed, T0 + 3, { replace: true });
      assert.deepEqual([second.created, second.suite.version, second.suite.regression.tolerance], [true, 2, 0.3]);
      assert.equal((await s.getEvalSuite('heldout'))?.version, 2);
      assert.equal((await s.getEvalSuite('heldout', 1))?.regression.tolerance, 0.15);
      assert.equal(await s.getEvalSuite('heldout', 3), null);
      assert.equal(await s.getEvalSuite('nope'), null);
      await s.saveEvalSuite(suiteSpec({ name: 'a-first' }), T0);
      assert.deepEqual((await s.listEvalSuites()).map((x) => `${x.name}@${x.version}`), ['a-first@1', 'heldout@2']);
      const saved = (await s.listEvents({ types: ['eval_suite.saved'] })).map((e) => e.data);
      assert.deepEqual(saved, [{ name: 'heldout', version: 1 }, { name: 'heldout', version: 2 }, { name: 'a-first', version: 1 }]);
    });

    it('creates an evaluation with its job in one step, at most once per (checkpoint, suite)', async () => {
      const s = store();
      const { suite } = await s.saveEvalSuite(suiteSpec(), T0);
      const { job, checkpoint } = await checkpointed(s);
      const spec = jobSpec({ name: 'eval heldout', tags: ['evaluation'], priority: { class: 'low', value: -1_000_000 } });
      const made = await s.createEvaluation({ suite, checkpoint, trigger: 'checkpoint' }, spec, T0 + 100);
      assert.equal(made.created, true);
      assert.equal(made.job?.state, 'queued');
      assert.equal(made.job?.spec.name, 'eval heldout');
      const e = made.evaluation;
      assert.deepEqual(
        [e.suite, e.suiteVersion, e.jobId, e.checkpointId, e.step, e.checkpointPath, e.evalJobId, e.trigger, e.state, e.createdAt, e.endedAt, e.result, e.override],
        ['heldout', 1, job.id, checkpoint.id, 10, '/ckpt/step-10.pt', made.job!.id, 'checkpoint', 'running', T0 + 100, null, null, null],
      );
      const again = await s.createEvaluation({ suite, checkpoint, trigger: 'manual' }, spec, T0 + 200);
      assert.deepEqual(again, { evaluation: e, job: null, created: false });
      assert.equal((await s.listJobs()).length, 2, 'no second job');
      const started = await s.listEvents({ types: ['evaluation.started'] });
      assert.equal(started.length, 1);
      assert.equal(started[0].jobId, job.id);
      assert.deepEqual(started[0].data, { evaluationId: e.id, suite: 'heldout', checkpointId: checkpoint.id, step: 10, evalJobId: made.job!.id, trigger: 'checkpoint' });
      const submitted = await s.listEvents({ types: ['job.submitted'], jobId: made.job!.id });
      assert.equal(submitted.length, 1, 'the job is submitted in the same step');
      assert.ok(submitted[0].id < started[0].id);

      const other = await s.saveEvalSuite(suiteSpec({ name: 'other' }), T0);
      assert.equal((await s.createEvaluation({ suite: other.suite, checkpoint, trigger: 'checkpoint' }, spec, T0)).created, true, 'another suite on the same checkpoint');
      const later = await s.registerCheckpoint({ ...checkpoint, step: 11, path: '/ckpt/step-11.pt' });
      await assert.rejects(s.createEvaluation({ suite: { name: 'heldout', version: 7 }, checkpoint: later, trigger: 'manual' }, spec, T0), NotFoundError);
      await assert.rejects(s.createEvaluation({ suite: { name: 'ghost', version: 1 }, checkpoint: later, trigger: 'manual' }, spec, T0), NotFoundError);
      assert.equal((await s.listEvaluations({ checkpointId: later.id })).length, 0, 'nothing written by a refused one');
    });

    it('finds evaluations by id, job, suite, checkpoint and state', async () => {
      const s = store();
      const { suite } = await s.saveEvalSuite(suiteSpec(), T0);
      const a = await checkpointed(s, 10);
      const b = await checkpointed(s, 20);
      const c2 = await s.registerCheckpoint({ jobId: a.job.id, runId: a.run.id, step: 30, path: '/ckpt/step-30.pt', bytes: 1, metrics: {}, createdAt: T0 });
      const e1 = (await s.createEvaluation({ suite, checkpoint: a.checkpoint, trigger: 'checkpoint' }, jobSpec(), T0)).evaluation;
      const e2 = (await s.createEvaluation({ suite, checkpoint: b.checkpoint, trigger: 'checkpoint' }, jobSpec(), T0)).evaluation;
      const e3 = (await s.createEvaluation({ suite, checkpoint: c2, trigger: 'manual' }, jobSpec(), T0)).evaluation;
      assert.deepEqual(await s.getEvaluation(e2.id), e2);
      assert.equal(await s.getEvaluation(9999), null);
      assert.deepEqual(await s.getEvaluationByJob(e3.evalJobId), e3);
      assert.equal(await s.getEvaluationByJob(a.job.id), null, 'a training job runs no evaluation');
      assert.deepEqual((await s.listEvaluations({ jobId: a.job.id })).map((e) => e.id), [e1.id, e3.id]);
      assert.deepEqual((await s.listEvaluations({ suite: 'heldout' })).map((e) => e.id), [e1.id, e2.id, e3.id]);
      assert.deepEqual((await s.listEvaluations({ checkpointId: b.checkpoint.id })).map((e) => e.id), [e2.id]);
      assert.deepEqual((await s.listEvaluations({ suite: 'heldout', limit: 2 })).map((e) => e.id), [e1.id, e2.id]);
      await s.completeEvaluation(e1.id, result('pass', 0.3), T0 + 5);
      assert.deepEqual((await s.listEvaluations({ state: 'done' })).map((e) => e.id), [e1.id]);
      assert.deepEqual((await s.listEvaluations({ state: 'running', jobId: a.job.id })).map((e) => e.id), [e3.id]);
    });

    it('completes once, with evaluation.done and, when it regressed, evaluation.regression', async () => {
      const s = store();
      const { suite } = await s.saveEvalSuite(suiteSpec(), T0);
      const { checkpoint } = await checkpointed(s);
      const e = (await s.createEvaluation({ suite, checkpoint, trigger: 'checkpoint' }, jobSpec(), T0)).evaluation;
      const r = result('pass', 0.3, true);
      const done = await s.completeEvaluation(e.id, r, T0 + 9);
      assert.deepEqual([done?.state, done?.endedAt, done?.result], ['done', T0 + 9, r]);
      assert.equal(await s.completeEvaluation(e.id, result('fail', null), T0 + 10), null, 'a second completion writes nothing');
      assert.deepEqual((await s.getEvaluation(e.id))?.result, r);
      const events = await s.listEvents({ types: ['evaluation.done', 'evaluation.regression'] });
      assert.deepEqual(events.map((x) => x.type), ['evaluation.done', 'evaluation.regression']);
      const [doneEvent, regression] = events;
      assert.equal(doneEvent.jobId, e.jobId);
      assert.deepEqual(doneEvent.data, {
        evaluationId: e.id, suite: 'heldout', checkpointId: checkpoint.id, step: 10, evalJobId: e.evalJobId,
        verdict: 'pass', summary: r.summary, score: 0.3, baselineScore: -0.7, diffs: r.diffs, regressed: true,
      });
      assert.equal(regression.type === 'evaluation.regression' && regression.data.regressions[0].metric, 'loss');
      await assert.rejects(s.completeEvaluation(9999, r, T0), NotFoundError);
    });

    it('records one override of a done evaluation, with who and why', async () => {
      const s = store();
      const { suite } = await s.saveEvalSuite(suiteSpec(), T0);
      const { checkpoint } = await checkpointed(s);
      const e = (await s.createEvaluation({ suite, checkpoint, trigger: 'checkpoint' }, jobSpec(), T0)).evaluation;
      await assert.rejects(s.overrideEvaluation(e.id, { by: 'ana', reason: 'known flaky' }, T0), (x: unknown) => x instanceof ConflictError && /running/.test(x.message));
      await s.completeEvaluation(e.id, result('fail', null), T0 + 1);
      const overridden = await s.overrideEvaluation(e.id, { by: 'ana', reason: 'known flaky metric' }, T0 + 2);
      assert.deepEqual(overridden.override, { by: 'ana', reason: 'known flaky metric', at: T0 + 2 });
      await assert.rejects(s.overrideEvaluation(e.id, { by: 'bo', reason: 'again' }, T0 + 3), (x: unknown) => x instanceof ConflictError && /ana/.test(x.message));
      await assert.rejects(s.overrideEvaluation(9999, { by: 'bo', reason: 'x' }, T0), NotFoundError);
      const events = await s.listEvents({ types: ['evaluation.overridden'] });
      assert.deepEqual(events.map((x) => x.data), [{ evaluationId: e.id, suite: 'heldout', checkpointId: checkpoint.id, step: 10, by: 'ana', reason: 'known flaky metric' }]);
    });

    it('finds a checkpoint by id, deleted or not', async () => {
      const s = store();
      const { checkpoint } = await checkpointed(s);
      assert.deepEqual(await s.getCheckpoint(checkpoint.id), checkpoint);
      await s.markCheckpointDeleted(checkpoint.id, T0);
      assert.equal((await s.getCheckpoint(checkpoint.id))?.deleted, true);
      assert.equal(await s.getCheckpoint(9999), null);
    });
  });
}
