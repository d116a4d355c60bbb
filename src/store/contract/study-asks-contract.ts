/** Contract of StudyStore.askTrial: an external searcher's trial and its job in one transaction, under the caps (core/study-ask.ts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseStudySpec, trialJobSpec } from '../../core/study.ts';
import { NEW_RUN, type StoreFactory, T0, useStore } from './fixtures.ts';

const spec = parseStudySpec({
  name: 'tpe', job: { command: ['python3', 'train.py'], cwd: '/work' }, params: { x: { float: [-10, 10] }, epochs: 3 },
  search: 'external', maxRuns: 3, parallelism: 2, objective: { metric: 'loss', mode: 'min' },
});
const jobSpec = (x: number) => (index: number) => trialJobSpec(spec, { index, params: { x, epochs: 3 }, seed: null, group: index });

export function studyAskContract(createStore: StoreFactory): void {
  describe('study asks (search: external)', () => {
    const store = useStore(createStore);

    it('adds the next trial with its job and job.submitted, under parallelism and maxRuns, only while running', async () => {
      const study = await store().createStudy(spec, [], T0);
      assert.equal(study.trialCount, 0);
      const first = await store().askTrial(study.id, { x: 1.5, epochs: 3 }, jobSpec(1.5), T0 + 1);
      assert.ok('job' in first);
      assert.deepEqual([first.trial.index, first.trial.params, first.trial.state, first.trial.jobId, first.trial.launchedAt], [0, { x: 1.5, epochs: 3 }, 'queued', first.job.id, T0 + 1]);
      assert.deepEqual(first.job.spec.tags, ['study:tpe', 'study-trial:tpe:0']);
      assert.equal(first.job.spec.name, 'tpe-0');
      assert.deepEqual(first.job.spec.params, { x: 1.5, epochs: 3 });
      const second = await store().askTrial(study.id, { x: 2, epochs: 3 }, jobSpec(2), T0 + 2);
      assert.equal('job' in second && second.trial.index, 1);
      assert.deepEqual(await store().askTrial(study.id, { x: 3, epochs: 3 }, jobSpec(3), T0 + 3), { refused: 'parallelism', parallelism: 2, open: [0, 1] });
      assert.equal((await store().getStudy('tpe'))?.trialCount, 2, 'a refused ask writes nothing');
      // The first trial's job ends: its slot frees; the third ask fills the cap.
      const claimed = await store().claimJob(first.job.id, NEW_RUN, T0 + 4);
      const outcome = { kind: 'success' as const, detail: 'exit code 0', retryable: false };
      await store().endRun(claimed!.run.id, { run: { state: 'succeeded', exitCode: 0, signal: null, outcome, endedAt: T0 + 5 }, job: { state: 'succeeded', outcome, endedAt: T0 + 5 } });
      const third = await store().askTrial(study.id, { x: 3, epochs: 3 }, jobSpec(3), T0 + 6);
      assert.equal('job' in third && third.trial.index, 2);
      assert.deepEqual(await store().askTrial(study.id, { x: 4, epochs: 3 }, jobSpec(4), T0 + 7), { refused: 'cap', maxRuns: 3 });
      const trials = await store().listTrials(study.id);
      assert.deepEqual(trials.map((t) => [t.index, t.params.x, t.state]), [[0, 1.5, 'succeeded'], [1, 2, 'queued'], [2, 3, 'queued']]);
      assert.equal((await store().listJobs({ tags: ['study:tpe'] })).length, 3, 'one job per trial');
      assert.equal((await store().listEvents({ types: ['job.submitted'] })).length, 3);
      const s = await store().getStudy('tpe');
      assert.deepEqual([s?.trialCount, s?.counts], [3, { pending: 0, active: 2, held: 0, succeeded: 1, failed: 0, stopped: 0 }]);
    });

    it('refuses an ask of a study that is not running, naming its state and reason', async () => {
      const study = await store().createStudy(spec, [], T0);
      await store().setStudyState(study.id, { to: 'paused', reason: 'paused by a person', by: 'user' }, T0 + 1);
      assert.deepEqual(await store().askTrial(study.id, { x: 1, epochs: 3 }, jobSpec(1), T0 + 2), { refused: 'not-running', state: 'paused', reason: 'paused by a person' });
      assert.equal((await store().listTrials(study.id)).length, 0);
    });
  });
}
