/**
 * The evaluation service over the control layer's test kit (fake executor, fake clock, real
 * SQLite): each registered checkpoint of a job that asks for a suite gets one evaluation, run
 * as its own job and judged when that job ends; replayed events after a restart create nothing.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { ValidationError } from '../core/errors.ts';
import { createKit, type Kit, type KitOptions } from '../control/test-kit.ts';
import type { Store } from '../store/store.ts';
import { createEvaluator, EVALUATION_SUBSCRIBER, type Evaluator } from './evaluator.ts';

const kits: Kit[] = [];
after(async () => {
  for (const kit of kits) await kit.close().catch(() => {});
});

/** A started kit with an evaluator subscribed before the event log starts reading. */
async function kitWithEvaluator(options: KitOptions = {}, from?: Kit): Promise<{ k: Kit; evaluator: Evaluator }> {
  const k = from ? await from.restart({ recover: false }) : await createKit({ ...options, start: false });
  kits.push(k);
  const evaluator = createEvaluator({ store: k.store, control: k.control, now: k.now, log: (line) => k.lines.push(line) });
  evaluator.subscribe();
  await k.control.recover();
  k.control.start();
  return { k, evaluator };
}

const SUITE = {
  name: 'heldout',
  command: ['python3', 'eval.py'],
  cwd: '/work',
  metrics: [{ name: 'loss', goal: 'min', change: { relative: -0.2 } }, { name: 'accuracy', goal: 'max' }],
  baseline: { label: 'random policy', values: { loss: 1, accuracy: 0 } },
};

function batch(values: Record<string, number>) {
  const series = new Map(Object.entries(values).map(([key, v]) => [key, { steps: [0], values: [v], times: [0] }]));
  return { batchId: null, series, maxStep: 0, latest: Object.fromEntries(Object.entries(values).map(([k, v]) => [k, { step: 0, value: v }])) };
}

/** Registers a checkpoint at `step` for the job's first run. */
async function checkpoint(k: Kit, jobId: number, step: number) {
  k.writeCheckpoint(jobId, `step-${step}.bin`);
  return k.control.intake.checkpoint(await k.ref(jobId, 1), { path: `step-${step}.bin`, step, metrics: {} });
}

async function evaluationOf(k: Kit, checkpointId: number) {
  return k.until(async () => (await k.store.listEvaluations({ checkpointId }))[0], `the evaluation of checkpoint ${checkpointId}`);
}

/** Reports the evaluation's metrics from its run and ends it with `exitCode`. */
async function finish(k: Kit, evalJobId: number, values: Record<string, number>, exitCode = 0) {
  const attempt = (await k.job(evalJobId)).attempts || 1;
  const run = await k.run(evalJobId, attempt);
  await k.control.intake.metrics(await k.ref(evalJobId, attempt), batch(values));
  run.exit({ exitCode });
  return k.until(async () => {
    const e = await k.store.getEvaluationByJob(evalJobId);
    return e?.state === 'done' ? e : null;
  }, `the evaluation run by job ${evalJobId} to be done`);
}

const count = async (store: Store, type: 'evaluation.started' | 'evaluation.done' | 'evaluation.regression') => (await store.listEvents({ types: [type] })).length;

describe('evaluator', () => {
  it('evaluates each checkpoint once, as its own low-priority job, and judges it when that job ends', async () => {
    const { k, evaluator } = await kitWithEvaluator();
    await evaluator.saveSuite(SUITE);
    await assert.rejects(k.control.jobs.submit(k.spec({ evaluate: ['nope'] })), (e: unknown) => e instanceof ValidationError && e.field === 'evaluate.0');
    const job = await k.control.jobs.submit(k.spec({ evaluate: ['heldout'], keepCheckpoints: 0 }));
    await k.run(job.id, 1);

    const c5 = await checkpoint(k, job.id, 5);
    const e5 = await evaluationOf(k, c5.id);
    const evalJob = await k.job(e5.evalJobId);
    assert.deepEqual([evalJob.priority, evalJob.spec.preemptible, evalJob.spec.evaluate], [{ class: 'low', value: -1_000_000 }, true, undefined]);
    const run = await k.run(e5.evalJobId, 1);
    assert.equal(run.request?.env.TRAINYARD_EVAL_CHECKPOINT, c5.path);
    assert.equal(run.request?.env.TRAINYARD_EVAL_SUITE, 'heldout');
    assert.ok(run.request?.env.TRAINYARD_TOKEN, 'a run token of its own');
    const done5 = await finish(k, e5.evalJobId, { loss: 0.5, accuracy: 0.5, other: 1 });
    assert.deepEqual([done5.result?.verdict, done5.result?.score, done5.result?.scoreDelta, done5.result?.regressions], ['pass', 0, 0.5, []]);

    const c10 = await checkpoint(k, job.id, 10);
    const done10 = await finish(k, (await evaluationOf(k, c10.id)).evalJobId, { loss: 0.3, accuracy: 0.7 });
    assert.equal(done10.result?.verdict, 'pass');
    const c15 = await checkpoint(k, job.id, 15);
    const done15 = await finish(k, (await evaluationOf(k, c15.id)).evalJobId, { loss: 0.9, accuracy: 0.1 });
    assert.equal(done15.result?.verdict, 'fail', 'loss changed by -10 %, the bound is -20 %');
    assert.deepEqual(done15.result?.regressions.map((r) => [r.metric, r.best]), [['loss', 0.3], ['accuracy', 0.7]]);
    assert.equal(await count(k.store, 'evaluation.regression'), 1);

    // A failing evaluation is retried once (the suite's maxRetries), then judged `fail` with why.
    const c20 = await checkpoint(k, job.id, 20);
    const e20 = await evaluationOf(k, c20.id);
    (await k.run(e20.evalJobId, 1)).exit({ exitCode: 3 });
    await k.until(async () => (await k.job(e20.evalJobId)).state === 'queued', 'the retry to be queued');
    assert.equal((await k.store.getEvaluation(e20.id))?.state, 'running', 'a retried job is not an ended one');
    k.advance(3_600_000);
    await k.run(e20.evalJobId, 2);
    const failed = await finish(k, e20.evalJobId, {}, 3);
    assert.equal(failed.result?.verdict, 'fail');
    assert.match(failed.result!.summary, /^the evaluation job failed: exit code 3/);

    const manual = await evaluator.run('heldout', c10.id);
    assert.deepEqual([manual.created, manual.evaluation.id], [false, done10.id], 'at most one evaluation of a checkpoint by a suite');
    await assert.rejects(evaluator.override(done10.id, 'ana', 'why not'), /nothing to override/);
    const overridden = await evaluator.override(done15.id, 'ana', 'the eval set changed');
    assert.deepEqual([overridden.override?.by, overridden.override?.reason], ['ana', 'the eval set changed']);
    assert.equal(await count(k.store, 'evaluation.started'), 4);
  });

  it('gives its slot to a training job that needs it, and runs again later', async () => {
    const { k, evaluator } = await kitWithEvaluator(); // two CPU slots
    await evaluator.saveSuite(SUITE);
    const training = await k.control.jobs.submit(k.spec({ evaluate: ['heldout'], keepCheckpoints: 0 }));
    await k.run(training.id, 1);
    const e = await evaluationOf(k, (await checkpoint(k, training.id, 5)).id);
    const first = await k.run(e.evalJobId, 1);
    const other = await k.control.jobs.submit(k.spec({ name: 'other', priority: 'low' }));
    await k.until(() => first.signals.includes('SIGTERM'), 'the evaluation to be preempted');
    await k.run(other.id, 1);
    assert.equal((await k.store.getEvaluation(e.id))?.state, 'running', 'preempted, not ended');
    (await k.run(training.id, 1)).exit({ exitCode: 0 });
    await k.run(e.evalJobId, 2);
    const done = await finish(k, e.evalJobId, { loss: 0.5, accuracy: 0.5 });
    assert.equal(done.result?.verdict, 'pass');
    assert.equal((await k.job(e.evalJobId)).attempts, 2);
  });

  it('creates nothing twice when the events are handled again after a restart', async () => {
    // The first server never moves the subscriber's cursor: as if killed each time right after
    // the handler's transaction committed. The next server reads every event again.
    const lostAcks = (store: Store): Store => ({
      ...store,
      ackEvents: (name, id, now) => (name === EVALUATION_SUBSCRIBER ? Promise.resolve() : store.ackEvents(name, id, now)),
    });
    const first = await kitWithEvaluator({ wrapStore: lostAcks });
    await first.evaluator.saveSuite(SUITE);
    const job = await first.k.control.jobs.submit(first.k.spec({ evaluate: ['heldout'], keepCheckpoints: 0 }));
    await first.k.run(job.id, 1);
    const c5 = await checkpoint(first.k, job.id, 5);
    const done5 = await finish(first.k, (await evaluationOf(first.k, c5.id)).evalJobId, { loss: 0.5, accuracy: 0.5 });
    const c10 = await checkpoint(first.k, job.id, 10);
    const e10 = await evaluationOf(first.k, c10.id);
    await first.k.run(e10.evalJobId, 1); // running when the server goes
    assert.equal(await first.k.store.getEventCursor(EVALUATION_SUBSCRIBER), null);

    const { k } = await kitWithEvaluator({}, first.k);
    const last = await k.store.lastEventId();
    await k.until(async () => ((await k.store.getEventCursor(EVALUATION_SUBSCRIBER)) ?? 0) >= last, 'the subscriber to read every event again');
    assert.deepEqual((await k.store.listEvaluations({ jobId: job.id })).map((e) => e.id), [done5.id, e10.id]);
    assert.equal((await k.store.listJobs({ tags: ['evaluation'] })).length, 2, 'no second evaluation job');
    assert.equal(await count(k.store, 'evaluation.started'), 2);
    assert.equal(await count(k.store, 'evaluation.done'), 1);

    const done10 = await finish(k, e10.evalJobId, { loss: 0.3, accuracy: 0.7 });
    assert.equal((await k.job(e10.evalJobId)).attempts, 1, 'the running evaluation was adopted, not started again');
    assert.equal(done10.result?.verdict, 'pass');
    assert.equal(await count(k.store, 'evaluation.done'), 2);
  });

  it('compares a continued job (from:) with the checkpoint it started from: a worse one raises the alarm', async () => {
    const { k, evaluator } = await kitWithEvaluator();
    await evaluator.saveSuite(SUITE);
    const base = await k.control.jobs.submit(k.spec({ evaluate: ['heldout'], keepCheckpoints: 0 }));
    const baseRun = await k.run(base.id, 1);
    const c100 = await checkpoint(k, base.id, 100);
    await finish(k, (await evaluationOf(k, c100.id)).evalJobId, { loss: 0.3, accuracy: 0.7 });
    baseRun.exit({ exitCode: 0 });

    const continued = await k.control.jobs.submit(k.spec({ evaluate: ['heldout'], keepCheckpoints: 0, from: { checkpoint: c100.id } }));
    await k.run(continued.id, 1);
    const worse = await finish(k, (await evaluationOf(k, (await checkpoint(k, continued.id, 10)).id)).evalJobId, { loss: 0.4, accuracy: 0.7 });
    assert.deepEqual(worse.result?.regressions.map((r) => [r.metric, r.best]), [['loss', 0.3]], 'its first checkpoint is 33 % worse than the one it started from');
    const better = await finish(k, (await evaluationOf(k, (await checkpoint(k, continued.id, 20)).id)).evalJobId, { loss: 0.28, accuracy: 0.72 });
    assert.deepEqual(better.result?.regressions, []);
  });
});
