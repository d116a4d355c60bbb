/**
 * The suggest interface (search: external) over the control layer's test kit (fake executor,
 * fake clock, real SQLite): ask under the caps, tell a prune, finish, and a restart between an
 * ask and the next, and between a tell's record and its stop.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createKit, type Kit } from '../control/test-kit.ts';
import { ConflictError, ValidationError } from '../core/errors.ts';
import { createStudies, type Studies } from './studies.ts';

const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
});

async function rig(kit?: Kit): Promise<{ kit: Kit; studies: Studies }> {
  const k = kit ?? (await createKit());
  const studies = createStudies({ store: k.store, control: k.control, now: k.now, log: (line) => k.lines.push(line), earlyStopPollMs: 60_000 });
  studies.subscribe();
  await studies.start();
  cleanups.push(async () => {
    await studies.close();
    await k.close();
  });
  return { kit: k, studies };
}

const spec = (kit: Kit, over: Record<string, unknown> = {}) => ({
  name: 'tpe', job: { command: ['python3', 'train.py'], cwd: kit.layout.root, maxRetries: 0 }, search: 'external',
  params: { x: { float: [-10, 10] }, steps: 20 }, maxRuns: 3, parallelism: 2, objective: { metric: 'loss', mode: 'min' }, ...over,
});

async function rejects(promise: Promise<unknown>, type: new (...args: never[]) => Error, message: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => error instanceof type && message.test((error as Error).message));
}

/** Ends the job's first run with exit 0 after it reported `loss` at steps 1..3. */
async function runToEnd(r: { kit: Kit }, jobId: number, loss: number): Promise<void> {
  await r.kit.run(jobId, 1);
  const ref = await r.kit.ref(jobId, 1);
  const steps = [1, 2, 3];
  await r.kit.control.intake.metrics(ref, { batchId: null, series: new Map([['loss', { steps, values: steps.map(() => loss), times: steps.map(() => 0) }]]), maxStep: 3, latest: { loss: { step: 3, value: loss } } });
  r.kit.advance(1_000);
  (await r.kit.run(jobId, 1)).exit({ exitCode: 0 });
  await r.kit.until(async () => (await r.kit.job(jobId)).state === 'succeeded', `job ${jobId} to succeed`);
}

describe('suggest: ask → run → tell', () => {
  it('asks launch trials as jobs under parallelism and maxRuns; the study completes at the cap, not before', async () => {
    const r = await rig();
    const submitted = await r.studies.submit(spec(r.kit));
    assert.equal('dryRun' in submitted ? null : submitted.state, 'running', 'no trial yet: the study waits for asks');
    const t0 = await r.studies.ask('tpe', { x: 2.5 });
    assert.deepEqual([t0.index, t0.params, t0.state], [0, { x: 2.5, steps: 20 }, 'queued']);
    const job0 = await r.kit.job(t0.jobId!);
    assert.deepEqual([job0.spec.name, job0.spec.params, job0.spec.tags], ['tpe-0', { x: 2.5, steps: 20 }, ['study:tpe', 'study-trial:tpe:0']]);
    await rejects(r.studies.ask('tpe', { x: 11 }), ValidationError, /params\.x: expected a number in \[-10, 10\], got 11/);
    const t1 = await r.studies.ask('tpe', { x: -1 });
    await rejects(r.studies.ask('tpe', { x: 0 }), ConflictError, /full: 2 of parallelism 2 trials open \(trials 0, 1\)/);
    await runToEnd(r, t0.jobId!, 0.25);
    const t2 = await r.kit.until(async () => r.studies.ask('tpe', { x: 3 }).catch(() => null), 'a slot to free');
    assert.equal(t2.index, 2);
    await rejects(r.studies.ask('tpe', { x: 4 }), ConflictError, /asked all 3 trials of maxRuns 3/);
    const read = await r.studies.trial('tpe', 0);
    assert.deepEqual([read.state, read.objective], ['succeeded', { step: 3, value: 0.25 }]);
    assert.equal((await r.studies.show('tpe')).state, 'running', 'trials 1 and 2 are open');
    await runToEnd(r, t1.jobId!, 16);
    await runToEnd(r, t2.jobId!, 0.01);
    await r.kit.until(async () => (await r.studies.show('tpe')).state === 'completed', 'the study to complete at its cap');
    const study = await r.studies.show('tpe');
    assert.deepEqual([study.trialCount, study.maxRuns, study.best?.index, study.counts.succeeded], [3, 3, 2, 3]);
    assert.equal((await r.kit.store.listJobs({ tags: ['study:tpe'] })).length, 3);
  });

  it('a tell of a prune records the decision and stops the job, once; an ended trial is not told; finish completes', async () => {
    const r = await rig();
    await r.studies.submit(spec(r.kit, { maxRuns: 10 }));
    const t0 = await r.studies.ask('tpe', { x: 9 });
    await r.kit.run(t0.jobId!, 1);
    const ref = await r.kit.ref(t0.jobId!, 1);
    await r.kit.control.intake.metrics(ref, { batchId: null, series: new Map([['loss', { steps: [1, 2], values: [40, 36], times: [0, 0] }]]), maxStep: 2, latest: { loss: { step: 2, value: 36 } } });
    await rejects(r.studies.tell('tpe', 0, { value: 36 }), ValidationError, /not told/);
    await rejects(r.studies.finish('tpe'), ConflictError, /1 open trials \(0\)/);
    const told = await r.studies.tell('tpe', 0, { state: 'pruned' });
    assert.deepEqual([told.decision?.policy, told.decision?.action, told.decision?.step, told.decision?.value], ['external', 'stop', 2, 36]);
    assert.match(told.decision!.reason, /pruned by the searcher at step 2 \(loss 36\)/);
    assert.equal((await r.kit.job(t0.jobId!)).state, 'stopping');
    await r.studies.tell('tpe', 0, { state: 'pruned' }); // a repeated tell changes nothing
    assert.equal((await r.kit.store.listEvents({ types: ['study.trial_stopped'] })).length, 1);
    (await r.kit.run(t0.jobId!, 1)).exit({ exitCode: null, signal: 'SIGTERM' });
    await r.kit.until(async () => (await r.studies.trial('tpe', 0)).state === 'stopped', 'the pruned trial to stop');
    const t1 = await r.studies.ask('tpe', { x: 3 });
    await runToEnd(r, t1.jobId!, 0);
    await rejects(r.studies.tell('tpe', 1, { state: 'pruned' }), ConflictError, /ended \(succeeded\) before the tell: its result stands/);
    const done = await r.studies.finish('tpe');
    assert.deepEqual([done.state, done.trialCount, done.counts.stopped, done.counts.succeeded], ['completed', 2, 1, 1]);
    await rejects(r.studies.ask('tpe', { x: 1 }), ConflictError, /is completed: only a running study launches trials/);
  });

  it('a grid study refuses asks and tells; finish is only for external searches', async () => {
    const r = await rig();
    await r.studies.submit({ ...spec(r.kit), search: 'grid', params: { x: { choice: [1, 2] } }, maxRuns: undefined });
    await rejects(r.studies.ask('tpe', { x: 1 }), ConflictError, /searches by grid: its trials launch themselves/);
    await rejects(r.studies.tell('tpe', 0, { state: 'pruned' }), ConflictError, /searches by grid/);
    await rejects(r.studies.finish('tpe'), ConflictError, /searches by grid/);
  });

  it('after a restart, asks go on from the stored trials (none twice), and a recorded prune is carried out', async () => {
    const first = await rig();
    await first.studies.submit(spec(first.kit, { maxRuns: 4 }));
    const t0 = await first.studies.ask('tpe', { x: 1 });
    const t1 = await first.studies.ask('tpe', { x: 2 });
    await first.kit.run(t1.jobId!, 1);
    // The server dies between recording a tell's prune and stopping the job: only the record is there.
    const decision = { policy: 'external' as const, action: 'stop' as const, carriedOut: 'stop' as const, trialId: 1, step: 0, value: null, cutoff: null, rank: null, of: null, reason: 'pruned by the searcher at step 0', decidedAt: first.kit.now() };
    assert.ok(await first.kit.store.recordTrialDecision((await first.kit.store.getStudy('tpe'))!.id, 1, decision, first.kit.now()));
    await first.studies.close();
    const second = await rig(await first.kit.restart());
    await second.kit.until(async () => ['stopping', 'stopped'].includes((await second.kit.job(t1.jobId!)).state), 'the pruned trial\'s job to be stopped after the restart');
    await second.studies.idle();
    (await second.kit.run(t1.jobId!, 1)).exit({ exitCode: null, signal: 'SIGTERM' });
    await second.kit.until(async () => (await second.studies.trial('tpe', 1)).state === 'stopped', 'the pruned trial to stop');
    const t2 = await second.studies.ask('tpe', { x: 3 });
    assert.equal(t2.index, 2);
    const jobs = await second.kit.store.listJobs({ tags: ['study:tpe'] });
    assert.deepEqual(jobs.map((j) => j.spec.name).sort(), ['tpe-0', 'tpe-1', 'tpe-2']);
    assert.equal((await second.studies.trial('tpe', 0)).jobId, t0.jobId);
  });
});
