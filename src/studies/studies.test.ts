/**
 * The study runner over the control layer's test kit (fake executor, fake clock, real SQLite):
 * the parallelism cap, the exact cap on runs, the circuit breaker, trial states from their jobs,
 * a restart mid-study, and early stopping of a loser.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createKit, type Kit } from '../control/test-kit.ts';
import type { Store } from '../store/store.ts';
import { createStudies, type Studies } from './studies.ts';
import type { StudyView } from './views.ts';

const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
});

interface Rig {
  readonly kit: Kit;
  readonly studies: Studies;
}

async function rig(kit?: Kit): Promise<Rig> {
  const k = kit ?? (await createKit()); // two CPU slots
  const studies = createStudies({ store: k.store, control: k.control, now: k.now, log: (line) => k.lines.push(line), earlyStopPollMs: 60_000 });
  studies.subscribe();
  await studies.start();
  cleanups.push(async () => {
    await studies.close();
    await k.close();
  });
  return { kit: k, studies };
}

function studyInput(kit: Kit, over: Record<string, unknown> = {}) {
  return { name: 'sweep', job: { command: ['python3', 'train.py'], cwd: kit.layout.root, maxRetries: 0 }, params: { lr: { choice: [1, 2, 3, 4, 5] } }, parallelism: 2, ...over };
}

async function show(r: Rig, name = 'sweep'): Promise<StudyView> {
  return r.studies.show(name);
}

/** Jobs of the study that are launched and not ended, read from the store (not from the runner). */
async function activeJobs(store: Store): Promise<number> {
  return (await store.listJobs({ tags: ['study:sweep'], states: ['queued', 'running', 'stopping', 'pausing', 'paused'] })).length;
}

/** Ends the running run of each given job with `exit` (default: success). */
async function finish(r: Rig, jobId: number, exit: { exitCode?: number; oomKilled?: boolean } = {}): Promise<void> {
  r.kit.advance(1_000);
  const job = await r.kit.job(jobId);
  const run = await r.kit.run(jobId, Math.max(job.attempts, 1));
  run.exit({ exitCode: 0, ...exit });
  await r.kit.until(async () => ['succeeded', 'failed', 'stopped'].includes((await r.kit.job(jobId)).state), `job ${jobId} to end`);
}

async function launchedTrials(r: Rig): Promise<number[]> {
  return (await show(r)).trials.flatMap((t) => (t.jobId !== null && t.state !== 'pending' ? [t.jobId] : []));
}

describe('study runner', () => {
  it('keeps at most `parallelism` trials launched and unfinished, launches each trial once, and completes', async () => {
    const r = await rig();
    await r.studies.submit(studyInput(r.kit));
    const finished = new Set<number>();
    while (finished.size < 5) {
      const open = await r.kit.until(async () => {
        await r.studies.idle();
        const ids = (await launchedTrials(r)).filter((id) => !finished.has(id));
        return ids.length > 0 ? ids : null;
      }, 'a trial to be launched');
      assert.ok((await activeJobs(r.kit.store)) <= 2, 'never more than parallelism 2 trial jobs open');
      await finish(r, open[0]);
      finished.add(open[0]);
    }
    await r.kit.until(async () => (await show(r)).state === 'completed', 'the study to complete');
    const study = await show(r);
    assert.equal((await r.kit.store.listJobs({ tags: ['study:sweep'] })).length, 5, 'exactly the 5 trials, no more');
    assert.deepEqual(study.counts, { pending: 0, active: 0, held: 0, succeeded: 5, failed: 0, stopped: 0 });
    assert.deepEqual(study.trials.map((t) => t.params.lr), [1, 2, 3, 4, 5]);
    const events = await r.kit.store.listEvents({ types: ['study.created', 'study.completed'] });
    assert.deepEqual(events.map((e) => e.type), ['study.created', 'study.completed']);
  });

  it("pauses the study when the circuit breaker trips, says why, and a failed trial's state is its job's", async () => {
    const r = await rig();
    await r.studies.submit(studyInput(r.kit, { circuitBreaker: { consecutive: 2, classification: 'exit-code' } }));
    const [a, b] = await r.kit.until(async () => ((await launchedTrials(r)).length === 2 ? launchedTrials(r) : null), 'two launches');
    await finish(r, a, { exitCode: 3 });
    await r.kit.until(async () => (await launchedTrials(r)).length === 3, 'a third launch after one failure');
    await finish(r, b, { exitCode: 3 });
    const paused = await r.kit.until(async () => {
      const s = await show(r);
      return s.state === 'paused' ? s : null;
    }, 'the breaker to pause the study');
    assert.match(paused.reason ?? '', /2 consecutive trials failed with exit-code/);
    assert.equal(paused.trials[0].state, 'failed');
    assert.equal(paused.trials[0].outcome?.kind, 'exit-code');
    // The trial launched before the trip is held, and nothing more is launched.
    await r.kit.until(async () => (await show(r)).trials[2].state === 'paused', 'the open trial to be paused');
    assert.equal((await show(r)).counts.pending, 2);
    const [event] = await r.kit.store.listEvents({ types: ['study.paused'] });
    assert.equal((event.data as { by: string }).by, 'circuit-breaker');
    // A resume counts afresh: its paused trial goes back to the queue and launches continue.
    await r.studies.resume('sweep');
    await r.kit.until(async () => (await show(r)).trials[2].state === 'running', `the held trial to run again: ${JSON.stringify((await show(r)).trials.map((t) => t.state))}`);
  });

  it('after a restart mid-study, launches nothing twice and loses nothing; the cap holds exactly', async () => {
    const first = await rig();
    await first.studies.submit(studyInput(first.kit, { parallelism: 3 }));
    const launched = await first.kit.until(async () => ((await launchedTrials(first)).length === 3 ? launchedTrials(first) : null), 'three launches');
    await finish(first, launched[0]);
    await first.studies.idle();
    // The server goes away mid-study and a new one starts on the same data and runs.
    await first.studies.close();
    const kit2 = await first.kit.restart();
    const second = await rig(kit2);
    const done = new Set<number>([launched[0]]);
    while (done.size < 5) {
      const open = await second.kit.until(async () => {
        await second.studies.idle();
        const ids = (await launchedTrials(second)).filter((id) => !done.has(id));
        return ids.length > 0 ? ids : null;
      }, 'a trial to run');
      await finish(second, open[0]);
      done.add(open[0]);
    }
    await second.kit.until(async () => (await show(second)).state === 'completed', 'completion after the restart');
    const jobs = await second.kit.store.listJobs({ tags: ['study:sweep'] });
    assert.equal(jobs.length, 5, 'one job per trial');
    const perTrial = jobs.map((j) => j.spec.tags.find((t) => t.startsWith('study-trial:'))).sort();
    assert.deepEqual(perTrial, [0, 1, 2, 3, 4].map((i) => `study-trial:sweep:${i}`), 'every trial once');
  });

  it('early stopping (ASHA) stops a loser at its rung and records the decision with its numbers', async () => {
    const r = await rig();
    await r.studies.submit(studyInput(r.kit, {
      params: { lr: { choice: [1, 2, 3, 4] } }, parallelism: 2,
      objective: { metric: 'loss', mode: 'min' },
      earlyStopping: { asha: { minResource: 10, maxResource: 100, reductionFactor: 2 } },
    }));
    // Trial i reports loss i + 1 at steps 5, 10, 15: trial 0 is the best, trial 3 the worst.
    // The kit has two slots: trials 0 and 1 run to the end first, then 2 and 3 report.
    async function report(jobId: number, i: number): Promise<void> {
      await r.kit.run(jobId, 1);
      const ref = await r.kit.ref(jobId, 1);
      const series = new Map([['loss', { steps: [5, 10, 15], values: [i + 1, i + 1, i + 1], times: [0, 0, 0] }]]);
      await r.kit.control.intake.metrics(ref, { batchId: null, series, maxStep: 15, latest: { loss: { step: 15, value: i + 1 } } });
    }
    const firstTwo = await r.kit.until(async () => ((await launchedTrials(r)).length === 2 ? launchedTrials(r) : null), 'two launches');
    for (const [i, jobId] of firstTwo.entries()) await report(jobId, i);
    for (const jobId of firstTwo) await finish(r, jobId);
    const jobs = await r.kit.until(async () => ((await launchedTrials(r)).length === 4 ? launchedTrials(r) : null), 'four launches');
    for (const i of [2, 3]) await report(jobs[i], i);
    await r.studies.checkEarlyStopping();
    const study = await show(r);
    // At rung 10, 4 values and η = 2: the best 2 continue, so trials 2 and 3 (values 3, 4) rank
    // 3 and 4 of 4 and stop. Trials 0 and 1 had ended: nothing to decide for them.
    const decisions = study.trials.map((t) => t.decision && [t.decision.action, t.decision.step, t.decision.rank, t.decision.of]);
    assert.deepEqual(decisions, [null, null, ['stop', 10, 3, 4], ['stop', 10, 4, 4]]);
    assert.equal(study.trials[3].decision?.cutoff, 2);
    await r.kit.until(async () => (await r.kit.job(jobs[3])).state === 'stopping' || (await r.kit.job(jobs[3])).state === 'stopped', 'the loser to be stopped');
    const events = await r.kit.store.listEvents({ types: ['study.trial_stopped'] });
    assert.deepEqual(events.map((e) => (e.data as { index: number }).index), [2, 3]);
    // A second pass decides nothing again.
    await r.studies.checkEarlyStopping();
    assert.equal((await r.kit.store.listEvents({ types: ['study.trial_stopped'] })).length, 2);
  });
});

describe('study runner: median stopping and a person', () => {
  it('median stopping stops a trial worse than the median of the completed ones', async () => {
    const r = await rig();
    await r.studies.submit(studyInput(r.kit, {
      params: { lr: { choice: [1, 5] } }, parallelism: 1,
      objective: { metric: 'loss', mode: 'min' },
      earlyStopping: { median: { startupTrials: 1 } },
    }));
    const report = async (jobId: number, value: number) => {
      await r.kit.run(jobId, 1);
      const ref = await r.kit.ref(jobId, 1);
      const steps = [1, 2, 3, 4];
      await r.kit.control.intake.metrics(ref, { batchId: null, series: new Map([['loss', { steps, values: steps.map(() => value), times: steps.map(() => 0) }]]), maxStep: 4, latest: { loss: { step: 4, value } } });
    };
    const [first] = await r.kit.until(async () => ((await launchedTrials(r)).length === 1 ? launchedTrials(r) : null), 'the first launch');
    await report(first, 1);
    await r.studies.checkEarlyStopping();
    assert.equal((await show(r)).trials[0].decision, null, 'no completed trial yet: nothing is stopped');
    await finish(r, first);
    const [, second] = await r.kit.until(async () => ((await launchedTrials(r)).length === 2 ? launchedTrials(r) : null), 'the second launch');
    await report(second, 5);
    await r.studies.checkEarlyStopping();
    const decision = (await show(r)).trials[1].decision;
    assert.equal(decision?.action, 'stop');
    assert.equal(decision?.policy, 'median');
    assert.equal(decision?.cutoff, 1);
    assert.match(decision?.reason ?? '', /worse than the median 1/);
    await r.kit.until(async () => ['stopping', 'stopped'].includes((await r.kit.job(second)).state), 'the trial to be stopped');
    await r.kit.until(async () => (await show(r)).state === 'completed', 'the study to complete');
    assert.deepEqual((await show(r)).counts, { pending: 0, active: 0, held: 0, succeeded: 1, failed: 0, stopped: 1 });
  });

  it('carries out a stop that was recorded but not done (the server died in between)', async () => {
    const r = await rig();
    await r.studies.submit(studyInput(r.kit, { parallelism: 1, objective: { metric: 'loss', mode: 'min' }, earlyStopping: { asha: { minResource: 10, maxResource: 100 } } }));
    const [jobId] = await r.kit.until(async () => ((await launchedTrials(r)).length === 1 ? launchedTrials(r) : null), 'a launch');
    await r.kit.run(jobId, 1);
    await r.kit.until(async () => (await r.kit.job(jobId)).state === 'running', 'the trial to run');
    const study = (await r.kit.store.getStudy('sweep'))!;
    await r.kit.store.recordTrialDecision(study.id, 0, {
      policy: 'asha', action: 'stop', trialId: 0, step: 10, value: 9, cutoff: 1, rank: 2, of: 2, reason: 'recorded before the crash', carriedOut: 'stop', decidedAt: r.kit.now(),
    }, r.kit.now());
    assert.equal((await r.kit.job(jobId)).state, 'running');
    await r.studies.checkEarlyStopping();
    await r.kit.until(async () => ['stopping', 'stopped'].includes((await r.kit.job(jobId)).state), 'the recorded stop to be carried out');
  });

  it('resumes the trials a widening decided from its event (the server died between the commit and the resume)', async () => {
    const r = await rig();
    await r.studies.submit(studyInput(r.kit, { parallelism: 1, objective: { metric: 'loss', mode: 'min' }, earlyStopping: { asha: { minResource: 10, maxResource: 100, action: 'pause' } } }));
    const [jobId] = await r.kit.until(async () => ((await launchedTrials(r)).length === 1 ? launchedTrials(r) : null), 'a launch');
    await r.kit.run(jobId, 1);
    await r.kit.until(async () => (await r.kit.job(jobId)).state === 'running', 'the trial to run');
    // Early stopping paused trial 0 at rung 10.
    const study = (await r.kit.store.getStudy('sweep'))!;
    const paused = { policy: 'asha' as const, action: 'stop' as const, trialId: 0, step: 10, value: 9, cutoff: 1, rank: 2, of: 2, reason: 'paused at rung 10', decidedAt: r.kit.now() };
    await r.kit.store.recordTrialDecision(study.id, 0, { ...paused, carriedOut: 'pause' }, r.kit.now());
    await r.kit.control.jobs.pause(jobId);
    await r.kit.until(async () => (await r.kit.job(jobId)).state === 'paused', 'the trial to be paused');
    // The widening's transaction alone, as if the server died before resuming the job.
    await r.kit.store.widenStudy(study.id, { spec: study.spec, previousMaxRuns: 5, trialCount: 5, added: [], resumed: [{ index: 0, decision: { ...paused, action: 'continue', carriedOut: 'resume', reason: 'widened' } }] }, r.kit.now());
    await r.kit.until(async () => ['queued', 'running'].includes((await r.kit.job(jobId)).state), 'the subscriber to resume the job');
    assert.equal((await show(r)).trials[0].decision?.action, 'resume');
  });

  it('a person pauses (its open trials held, nothing launched), resumes and stops a study', async () => {
    const r = await rig();
    await r.studies.submit(studyInput(r.kit));
    await r.kit.until(async () => ((await show(r)).trials.filter((t) => t.state === 'running').length === 2 ? true : null), 'two running trials');
    const paused = await r.studies.pause('sweep');
    assert.equal(paused.state, 'paused');
    await r.kit.until(async () => ((await show(r)).trials.filter((t) => t.state === 'paused').length === 2 ? true : null), 'both trials paused');
    await assert.rejects(r.studies.pause('nope'), /study nope not found/);
    assert.equal((await r.studies.resume('sweep')).state, 'running');
    await r.kit.until(async () => ((await show(r)).trials.filter((t) => t.state === 'running').length === 2 ? true : null), 'both running again');
    assert.equal((await r.studies.stop('sweep')).state, 'stopped');
    await r.kit.until(async () => ((await show(r)).counts.active === 0 ? true : null), 'the open trials stopped');
    const study = await show(r);
    assert.deepEqual([study.counts.stopped, study.counts.pending], [2, 3]);
    await assert.rejects(r.studies.resume('sweep'), /is stopped: only a paused study can be resumed/);
  });
});
