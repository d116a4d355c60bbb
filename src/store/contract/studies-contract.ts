/** Contract of StudyStore: a study with its trials, each launched at most once with its job, state moves with events. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConflictError } from '../../core/errors.ts';
import { parseStudySpec, trialJobSpec } from '../../core/study.ts';
import type { TrialDecision } from '../../core/study-record.ts';
import { expandVariants } from '../../core/study-variants.ts';
import { NEW_RUN, type StoreFactory, T0, useStore } from './fixtures.ts';

const spec = (over: Record<string, unknown> = {}) => parseStudySpec({
  name: 'sweep', job: { command: ['python3', 'train.py'], cwd: '/work' }, params: { lr: { choice: [0.1, 0.2, 0.3] } }, parallelism: 2, ...over,
});

const decision = (step: number, carriedOut: TrialDecision['carriedOut']): TrialDecision => ({
  policy: 'asha', action: carriedOut === 'continue' ? 'continue' : 'stop', trialId: 0, step, value: 0.9, cutoff: 0.5, rank: 3, of: 4,
  reason: 'loss 0.9 ranks 3 of 4', carriedOut, decidedAt: T0,
});

export function studyContract(createStore: StoreFactory): void {
  describe('studies', () => {
    const store = useStore(createStore);

    async function created(over: Record<string, unknown> = {}) {
      const s = spec(over);
      return { spec: s, study: await store().createStudy(s, expandVariants(s), T0) };
    }

    it('creates a running study with a pending trial per variant and study.created; a name once', async () => {
      const { study } = await created();
      assert.equal(study.state, 'running');
      assert.equal(study.trialCount, 3);
      assert.deepEqual(study.counts, { pending: 3, active: 0, held: 0, succeeded: 0, failed: 0, stopped: 0 });
      const trials = await store().listTrials(study.id);
      assert.deepEqual(trials.map((t) => [t.index, t.params.lr, t.state, t.jobId]), [[0, 0.1, 'pending', null], [1, 0.2, 'pending', null], [2, 0.3, 'pending', null]]);
      await assert.rejects(store().createStudy(spec(), expandVariants(spec()), T0), ConflictError);
      const events = await store().listEvents({ types: ['study.created'] });
      assert.deepEqual(events.map((e) => e.data), [{ study: 'sweep', trials: 3, parallelism: 2, search: 'grid' }]);
      assert.deepEqual((await store().listStudies()).map((s) => s.name), ['sweep']);
      assert.equal((await store().getStudy('sweep'))?.id, study.id);
      assert.equal(await store().getStudy('nope'), null);
    });

    it('launches a trial once, with its job, under the parallelism cap and only while running', async () => {
      const { spec: s, study } = await created();
      const variants = expandVariants(s);
      const first = await store().launchTrial(study.id, 0, trialJobSpec(s, variants[0]), T0 + 1);
      assert.ok(first);
      assert.equal(first.trial.jobId, first.job.id);
      assert.equal(first.trial.state, 'queued');
      assert.deepEqual(first.job.spec.tags, ['study:sweep', 'study-trial:sweep:0']);
      assert.equal(await store().launchTrial(study.id, 0, trialJobSpec(s, variants[0]), T0 + 2), null, 'never twice');
      assert.ok(await store().launchTrial(study.id, 1, trialJobSpec(s, variants[1]), T0 + 2));
      assert.equal(await store().launchTrial(study.id, 2, trialJobSpec(s, variants[2]), T0 + 3), null, 'parallelism 2 is full');
      assert.equal((await store().listJobs({ tags: ['study:sweep'] })).length, 2);
      assert.deepEqual(await store().trialOfJob(first.job.id), { study: 'sweep', studyId: study.id, index: 0 });
      assert.equal(await store().trialOfJob(9999), null);
      // A trial's state is its job's: the job ends, the slot frees.
      const claimed = await store().claimJob(first.job.id, NEW_RUN, T0 + 4);
      const outcome = { kind: 'cuda-oom' as const, detail: 'CUDA out of memory', retryable: false };
      await store().endRun(claimed!.run.id, { run: { state: 'failed', exitCode: 1, signal: null, outcome, endedAt: T0 + 5 }, job: { state: 'failed', outcome, endedAt: T0 + 5 } });
      const trials = await store().listTrials(study.id);
      assert.equal(trials[0].state, 'failed');
      assert.equal(trials[0].outcome?.kind, 'cuda-oom');
      assert.equal(trials[0].endedAt, T0 + 5);
      assert.deepEqual((await store().getStudy('sweep'))?.counts, { pending: 1, active: 1, held: 0, succeeded: 0, failed: 1, stopped: 0 });
      assert.equal((await store().setStudyState(study.id, { to: 'paused', reason: 'breaker', by: 'circuit-breaker' }, T0 + 6))?.state, 'paused');
      assert.equal(await store().launchTrial(study.id, 2, trialJobSpec(s, variants[2]), T0 + 7), null, 'a paused study launches nothing');
    });

    it('a trial early stopping paused holds no parallelism slot', async () => {
      const { spec: s, study } = await created({ parallelism: 1 });
      const variants = expandVariants(s);
      const first = await store().launchTrial(study.id, 0, trialJobSpec(s, variants[0]), T0 + 1);
      await store().requestStop(first!.job.id, T0 + 2, 'pause'); // queued → paused
      assert.equal(await store().launchTrial(study.id, 1, trialJobSpec(s, variants[1]), T0 + 3), null, 'a paused trial holds its slot');
      await store().recordTrialDecision(study.id, 0, decision(10, 'pause'), T0 + 4);
      assert.deepEqual((await store().getStudy('sweep'))?.counts, { pending: 2, active: 0, held: 1, succeeded: 0, failed: 0, stopped: 0 });
      assert.ok(await store().launchTrial(study.id, 1, trialJobSpec(s, variants[1]), T0 + 5), 'held by early stopping: the slot is free');
    });

    it('moves the state along its machine with one event each; a refused move writes nothing', async () => {
      const { study } = await created();
      const paused = await store().setStudyState(study.id, { to: 'paused', reason: '3 consecutive cuda-oom', by: 'circuit-breaker' }, T0 + 1);
      assert.equal(paused?.reason, '3 consecutive cuda-oom');
      assert.equal(await store().setStudyState(study.id, { to: 'paused', reason: 'again', by: 'user' }, T0 + 2), null);
      const resumed = await store().setStudyState(study.id, { to: 'running', reason: null, by: 'user' }, T0 + 3);
      assert.equal(resumed?.reason, null);
      assert.equal(resumed?.breakerSince, T0 + 3, 'the breaker counts afresh');
      assert.equal((await store().setStudyState(study.id, { to: 'stopped', reason: 'enough', by: 'user' }, T0 + 4))?.state, 'stopped');
      assert.equal(await store().setStudyState(study.id, { to: 'running', reason: null, by: 'user' }, T0 + 5), null, 'stopped is final');
      const events = await store().listEvents({ types: ['study.paused', 'study.resumed', 'study.stopped', 'study.completed'] });
      assert.deepEqual(events.map((e) => e.type), ['study.paused', 'study.resumed', 'study.stopped']);
      assert.deepEqual(events[0].data, { study: 'sweep', by: 'circuit-breaker', reason: '3 consecutive cuda-oom' });
    });

    it('records a decision once per step, with study.trial_stopped when it stops the trial', async () => {
      const { study } = await created();
      assert.equal(await store().recordTrialDecision(study.id, 0, decision(4, 'continue'), T0), true);
      assert.equal(await store().recordTrialDecision(study.id, 0, decision(4, 'stop'), T0), false, 'the same rung is decided once');
      assert.equal(await store().recordTrialDecision(study.id, 0, decision(16, 'stop'), T0 + 1), true);
      const [trial] = await store().listTrials(study.id);
      assert.equal(trial.decision?.step, 16);
      assert.equal(trial.decision?.carriedOut, 'stop');
      const events = await store().listEvents({ types: ['study.trial_stopped'] });
      assert.equal(events.length, 1);
      assert.equal((events[0].data as { reason: string }).reason, 'loss 0.9 ranks 3 of 4');
    });

    it('widens a study in one transaction: its spec, new trials, resumed decisions, a completed one reopened', async () => {
      const { spec: s, study } = await created({ params: { lr: { float: [0.01, 1] } }, search: { random: { count: 2, seed: 1 } }, parallelism: 4 });
      const variants = expandVariants(s);
      const jobs = [];
      for (const v of variants) jobs.push((await store().launchTrial(study.id, v.index, trialJobSpec(s, v), T0 + 1))!.job);
      // Trial 0 succeeds; early stopping pauses trial 1 (its queued job moves straight to paused).
      const claimed = await store().claimJob(jobs[0].id, NEW_RUN, T0 + 2);
      const ok = { kind: 'success' as const, detail: '', retryable: false };
      await store().endRun(claimed!.run.id, { run: { state: 'succeeded', exitCode: 0, signal: null, outcome: ok, endedAt: T0 + 3 }, job: { state: 'succeeded', outcome: ok, endedAt: T0 + 3 } });
      await store().recordTrialDecision(study.id, 1, decision(4, 'pause'), T0 + 3);
      await store().requestStop(jobs[1].id, T0 + 3, 'pause');
      assert.ok(await store().setStudyState(study.id, { to: 'completed', reason: null, by: 'runner' }, T0 + 4));
      assert.equal((await store().getStudy('sweep'))?.counts.held, 1);

      const widened = { ...s, maxRuns: 3, search: { kind: 'random' as const, count: 3, seed: 1 } };
      const added = [{ index: 2, params: { lr: 0.5 }, seed: null, group: 2 }];
      const resume = { ...decision(4, 'resume'), action: 'continue' as const, reason: 'widened: resumed' };
      // Made against another trial count: refused, nothing written.
      await assert.rejects(store().widenStudy(study.id, { spec: widened, previousMaxRuns: 2, trialCount: 1, added, resumed: [] }, T0 + 5), ConflictError);
      await assert.rejects(store().widenStudy(study.id, { spec: widened, previousMaxRuns: 2, trialCount: 2, added, resumed: [{ index: 0, decision: resume }] }, T0 + 5), ConflictError, 'trial 0 is not held');
      assert.equal((await store().getStudy('sweep'))?.trialCount, 2, 'nothing written');

      const after = await store().widenStudy(study.id, { spec: widened, previousMaxRuns: 2, trialCount: 2, added, resumed: [{ index: 1, decision: resume }] }, T0 + 6);
      assert.equal(after.state, 'running', 'a completed study reopens');
      assert.equal(after.trialCount, 3);
      assert.equal(after.breakerSince, T0 + 6);
      assert.deepEqual(after.spec.maxRuns, 3);
      assert.deepEqual(after.counts, { pending: 1, active: 1, held: 0, succeeded: 1, failed: 0, stopped: 0 }, 'the resumed trial holds a slot again');
      const trials = await store().listTrials(study.id);
      assert.deepEqual(trials.map((t) => [t.index, t.state, t.decision?.carriedOut ?? null]), [[0, 'succeeded', null], [1, 'paused', 'resume'], [2, 'pending', null]]);
      assert.deepEqual(trials[2].params, { lr: 0.5 });
      const events = await store().listEvents({ types: ['study.widened'] });
      assert.deepEqual(events.map((e) => e.data), [{ study: 'sweep', maxRuns: 3, previousMaxRuns: 2, added: 1, resumed: [1], reopened: true }]);
      // The new trial launches as any other.
      assert.ok(await store().launchTrial(study.id, 2, trialJobSpec(widened, added[0]), T0 + 7));

      assert.ok(await store().setStudyState(study.id, { to: 'stopped', reason: 'enough', by: 'user' }, T0 + 8));
      await assert.rejects(store().widenStudy(study.id, { spec: { ...widened, maxRuns: 4 }, previousMaxRuns: 3, trialCount: 3, added: [], resumed: [] }, T0 + 9), /stopped/);
    });

    it('stores a 1,000-variant study in one go', async () => {
      const s = spec({ params: { lr: { float: [1e-5, 1e-1], log: true } }, search: { random: { count: 1000, seed: 3 } } });
      const study = await store().createStudy(s, expandVariants(s), T0);
      assert.equal(study.counts.pending, 1000);
      assert.equal((await store().listTrials(study.id)).length, 1000);
    });
  });
}
