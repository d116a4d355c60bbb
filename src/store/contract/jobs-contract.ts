/** Contract of JobStore and RunStore. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NotFoundError } from '../../core/errors.ts';
import type { Store } from '../store.ts';
import { endRun, jobSpec, NEW_RUN, startRun, type StoreFactory, T0, useStore } from './fixtures.ts';

export function jobContract(createStore: StoreFactory): void {
  describe('jobs', () => {
    const store = useStore(createStore);

    it('creates a queued job and reads it back', async () => {
      const spec = jobSpec();
      const job = await store().createJob(spec, T0);
      assert.deepEqual(job, {
        id: job.id,
        spec,
        state: 'queued',
        createdAt: T0,
        startedAt: null,
        endedAt: null,
        attempts: 0,
        notBefore: null,
        outcome: null,
        stopRequested: false,
        stopReason: null,
        progress: { step: null, total: null, rate: null, etaSeconds: null, message: null },
        priority: { class: 'normal', value: 0 },
        queuedAt: T0,
        paramsOverride: null,
        initFrom: null,
        createdByToken: null,
      });
      assert.deepEqual(await store().getJob(job.id), job);
      assert.equal(await store().getJob(job.id + 1000), null);
    });

    it('lists newest first, by state, with a limit', async () => {
      const a = await store().createJob(jobSpec({ name: 'a' }), T0);
      const b = await store().createJob(jobSpec({ name: 'b' }), T0);
      const c = await store().createJob(jobSpec({ name: 'c' }), T0 + 1);
      await store().claimJob(b.id, NEW_RUN, T0 + 2);
      assert.deepEqual((await store().listJobs()).map((j) => j.id), [c.id, b.id, a.id]);
      assert.deepEqual((await store().listJobs({ states: ['queued'] })).map((j) => j.id), [c.id, a.id]);
      assert.deepEqual((await store().listJobs({ states: ['running', 'failed'] })).map((j) => j.id), [b.id]);
      assert.deepEqual(await store().listJobs({ states: [] }), []);
      assert.deepEqual((await store().listJobs({ limit: 2 })).map((j) => j.id), [c.id, b.id]);
    });

    it('lists jobs carrying every given tag, and by name prefix', async () => {
      const a = await store().createJob(jobSpec({ name: 'sweep-lr-1', tags: ['sweep', 'lr', 'sweep'] }), T0);
      const b = await store().createJob(jobSpec({ name: 'sweep-lr-2', tags: ['sweep'] }), T0);
      const c = await store().createJob(jobSpec({ name: 'Sweep-big', tags: ['lr', 'a,b'] }), T0);
      const d = await store().createJob(jobSpec({ name: 'sweep_%', tags: [] }), T0);
      const ids = async (filter: Parameters<Store['listJobs']>[0]) => (await store().listJobs(filter)).map((j) => j.id);
      assert.deepEqual(await ids({ tags: ['sweep'] }), [b.id, a.id]);
      assert.deepEqual(await ids({ tags: ['sweep', 'lr'] }), [a.id], 'every tag, not any');
      assert.deepEqual(await ids({ tags: ['lr', 'lr'] }), [c.id, a.id], 'a tag given twice counts once');
      assert.deepEqual(await ids({ tags: ['a,b'] }), [c.id]);
      assert.deepEqual(await ids({ tags: ['nope'] }), []);
      assert.deepEqual(await ids({ tags: [] }), [d.id, c.id, b.id, a.id]);
      assert.deepEqual(await ids({ namePrefix: 'sweep-' }), [b.id, a.id]);
      assert.deepEqual(await ids({ namePrefix: 'Sweep' }), [c.id], 'case-sensitive');
      assert.deepEqual(await ids({ namePrefix: 'sweep_' }), [d.id], '_ and % are plain characters');
      assert.deepEqual(await ids({ namePrefix: 'sweep-lr-1-and-more' }), []);
      assert.deepEqual(await ids({ namePrefix: 'sweep', tags: ['lr'], states: ['queued'] }), [a.id]);
      assert.deepEqual(await ids({ namePrefix: 'sweep', tags: ['sweep'], limit: 1 }), [b.id]);
    });

    it('lists every queued job in scheduling order', async () => {
      const low = await store().createJob(jobSpec({ priority: { class: 'low', value: 9 } }), T0);
      const normalLate = await store().createJob(jobSpec(), T0 + 20);
      const normalEarly = await store().createJob(jobSpec(), T0 + 10);
      const normalHigher = await store().createJob(jobSpec({ priority: { class: 'normal', value: 1 } }), T0 + 30);
      const high = await store().createJob(jobSpec({ priority: { class: 'high', value: -5 } }), T0 + 40);
      const sameTime = await store().createJob(jobSpec(), T0 + 10);
      const running = await store().createJob(jobSpec({ priority: { class: 'high', value: 0 } }), T0);
      await store().claimJob(running.id, NEW_RUN, T0 + 50);
      assert.deepEqual((await store().listQueuedJobs()).map((j) => j.id), [high.id, normalHigher.id, normalEarly.id, sameTime.id, normalLate.id, low.id]);
      const moved = await store().moveToFront(normalLate.id, T0 + 60);
      assert.ok(moved);
      assert.deepEqual((await store().listQueuedJobs()).map((j) => j.id), [high.id, normalHigher.id, normalLate.id, normalEarly.id, sameTime.id, low.id]);
    });

    it('lists the whole queue, past the job list page', async () => {
      // No page: the scheduler's queue once stopped at the newest 10,000 jobs, and the oldest
      // never started (test/queue-depth.test.ts goes past that number with a real server).
      const n = 250;
      const first = await store().createJob(jobSpec({ tags: [] }), T0);
      for (let i = 1; i < n; i++) await store().createJob(jobSpec({ tags: [] }), T0 + i);
      const queue = await store().listQueuedJobs();
      assert.equal(queue.length, n);
      assert.equal(queue[0].id, first.id, 'the oldest job comes first');
    });

    it('lists at most 100 jobs by default', async () => {
      for (let i = 0; i < 105; i++) await store().createJob(jobSpec({ name: `j${i}` }), T0 + i);
      assert.equal((await store().listJobs()).length, 100);
    });

    it('claims a queued job once, numbering attempts', async () => {
      const job = await store().createJob(jobSpec(), T0);
      const first = await store().claimJob(job.id, { logPath: '/l/1', resumedFrom: null, resumeStep: null }, T0 + 5);
      assert.ok(first);
      assert.equal(first.job.state, 'running');
      assert.equal(first.job.attempts, 1);
      assert.equal(first.job.startedAt, T0 + 5);
      assert.equal(first.run.jobId, job.id);
      assert.equal(first.run.attempt, 1);
      assert.equal(first.run.state, 'running');
      assert.equal(first.run.startedAt, T0 + 5);
      assert.equal(first.run.logPath, '/l/1');
      assert.equal(await store().claimJob(job.id, NEW_RUN, T0 + 6), null);

      await endRun(store(), first.run, 'queued', T0 + 8);
      const second = await store().claimJob(job.id, { logPath: '/l/2', resumedFrom: 7, resumeStep: 700 }, T0 + 9);
      assert.ok(second);
      assert.equal(second.job.attempts, 2);
      assert.equal(second.job.startedAt, T0 + 5, 'startedAt keeps the first start');
      assert.equal(second.run.attempt, 2);
      assert.equal(second.run.resumedFrom, 7);
      assert.equal(second.run.resumeStep, 700);
      assert.deepEqual(await store().getRun(second.run.id), second.run);
    });

    it('lets only one of concurrent claims win', async () => {
      const job = await store().createJob(jobSpec(), T0);
      const results = await Promise.all([1, 2, 3, 4].map((i) => store().claimJob(job.id, NEW_RUN, T0 + i)));
      assert.equal(results.filter((r) => r !== null).length, 1);
      assert.equal((await store().listRuns(job.id)).length, 1);
    });

    it('claims nothing for a missing or finished job', async () => {
      assert.equal(await store().claimJob(12345, NEW_RUN, T0), null);
      const job = await store().createJob(jobSpec(), T0);
      await store().failUnstartedJob(job.id, { kind: 'dependency-failed', detail: 'dependency job 1 failed', retryable: false }, T0);
      assert.equal(await store().claimJob(job.id, NEW_RUN, T0), null);
    });

    it('stops a queued job at once', async () => {
      const job = await store().createJob(jobSpec(), T0);
      const stopped = await store().requestStop(job.id, T0 + 3);
      assert.ok(stopped);
      assert.equal(stopped.state, 'stopped');
      assert.equal(stopped.endedAt, T0 + 3);
      assert.equal(stopped.stopRequested, true);
      assert.equal(await store().claimJob(job.id, NEW_RUN, T0 + 4), null);
    });

    it('asks a running job to stop, and a new claim clears the request', async () => {
      const { job, run } = await startRun(store());
      const stopping = await store().requestStop(job.id, T0 + 3);
      assert.equal(stopping?.state, 'stopping');
      assert.equal(stopping?.stopRequested, true);
      assert.equal(stopping?.endedAt, null);
      assert.deepEqual(await store().requestStop(job.id, T0 + 4), stopping);
      await endRun(store(), run, 'queued', T0 + 4);
      const again = await store().claimJob(job.id, NEW_RUN, T0 + 5);
      assert.equal(again?.job.stopRequested, false);
    });

    it('leaves a finished job alone on stop, and returns null for a missing one', async () => {
      const { job, run } = await startRun(store());
      const { job: done } = await endRun(store(), run, 'succeeded', T0 + 9);
      assert.deepEqual(await store().requestStop(job.id, T0 + 10), done);
      assert.equal(await store().requestStop(job.id + 1000, T0), null);
    });

    it('ends a run setting the given job fields only, null clearing them', async () => {
      const { run } = await startRun(store());
      const outcome = { kind: 'exit-code', detail: 'exit code 3', retryable: true } as const;
      const { job: retried } = await endRun(store(), run, 'queued', T0 + 5, { notBefore: T0 + 60_000, outcome, paramsOverride: { lr: 0.01 } });
      assert.equal(retried.state, 'queued');
      assert.equal(retried.notBefore, T0 + 60_000);
      assert.deepEqual(retried.outcome, outcome);
      assert.deepEqual(retried.paramsOverride, { lr: 0.01 });
      assert.equal(retried.endedAt, null);
      const second = await store().claimJob(retried.id, NEW_RUN, T0 + 60_000);
      const { job: done } = await endRun(store(), second!.run, 'succeeded', T0 + 70_000, { notBefore: null, paramsOverride: null });
      assert.equal(done.notBefore, null);
      assert.equal(done.paramsOverride, null);
      assert.equal(done.endedAt, T0 + 70_000);
      assert.equal(done.startedAt, T0 + 1);
    });

    it('merges partial progress', async () => {
      const job = await store().createJob(jobSpec(), T0);
      await store().setProgress(job.id, { step: 10, total: 100 });
      await store().setProgress(job.id, { rate: 2.5, etaSeconds: 36 });
      await store().setProgress(job.id, { step: 20 });
      assert.deepEqual((await store().getJob(job.id))?.progress, { step: 20, total: 100, rate: 2.5, etaSeconds: 36, message: null });
      await store().setProgress(job.id, { rate: null });
      assert.equal((await store().getJob(job.id))?.progress.rate, null);
      await store().setProgress(job.id, { message: 'Training epoch 2/3' });
      await store().setProgress(job.id, { step: 30 });
      assert.deepEqual((await store().getJob(job.id))?.progress, { step: 30, total: 100, rate: null, etaSeconds: 36, message: 'Training epoch 2/3' });
      await store().setProgress(job.id, { message: null });
      assert.equal((await store().getJob(job.id))?.progress.message, null);
      await assert.rejects(store().setProgress(job.id + 1000, { step: 1 }), NotFoundError);
    });
  });

  describe('pause, resume, priority and order', () => {
    const store = useStore(createStore);

    it('pauses a queued job in place and a running one through pausing', async () => {
      const queued = await store().createJob(jobSpec(), T0);
      const paused = await store().requestStop(queued.id, T0 + 1, 'pause');
      assert.equal(paused?.state, 'paused');
      const resumed = await store().resumeJob(queued.id, T0 + 2);
      assert.equal(resumed?.state, 'queued');
      assert.equal(resumed?.stopReason, null);
      await store().claimJob(queued.id, NEW_RUN, T0 + 2);
      const pausing = await store().requestStop(queued.id, T0 + 3, 'pause');
      assert.deepEqual([pausing?.state, pausing?.stopReason, pausing?.stopRequested], ['pausing', 'pause', true]);
      const stopping = await store().requestStop(queued.id, T0 + 4, 'stop');
      assert.deepEqual([stopping?.state, stopping?.stopReason], ['stopping', 'stop'], 'a stop overrides a pause');
      const still = await store().requestStop(queued.id, T0 + 5, 'pause');
      assert.equal(still?.stopReason, 'stop', 'nothing overrides a stop');
    });

    it('stops a paused job, and resumes only paused ones', async () => {
      const job = await store().createJob(jobSpec(), T0);
      await store().requestStop(job.id, T0, 'pause');
      assert.equal((await store().requestStop(job.id, T0 + 1))?.state, 'stopped');
      assert.equal((await store().resumeJob(job.id, T0 + 2))?.state, 'stopped');
    });

    it('changes priority and moves a queued job to the front', async () => {
      const a = await store().createJob(jobSpec({ priority: { class: 'low', value: 0 } }), T0);
      const b = await store().createJob(jobSpec(), T0 + 10);
      assert.deepEqual(a.priority, { class: 'low', value: 0 });
      assert.deepEqual((await store().setPriority(a.id, { class: 'high', value: 7 }, T0 + 11))?.priority, { class: 'high', value: 7 });
      const moved = await store().moveToFront(b.id, T0 + 12);
      assert.ok(moved!.queuedAt < a.queuedAt);
      assert.equal(await store().setPriority(9999, { class: 'high', value: 0 }, T0), null);
    });

    it('records the slots a run holds and finds runs by time window', async () => {
      const job = await store().createJob(jobSpec(), T0);
      const claimed = await store().claimJob(job.id, { ...NEW_RUN, gpus: [2, 3], cpus: 1 }, T0 + 100);
      assert.deepEqual([claimed!.run.gpus, claimed!.run.cpus], [[2, 3], 1]);
      assert.deepEqual((await store().listRunsBetween(T0, T0 + 200)).map((r) => r.id), [claimed!.run.id]);
      assert.deepEqual(await store().listRunsBetween(T0, T0 + 50), []);
      await endRun(store(), claimed!.run, 'succeeded', T0 + 150);
      assert.deepEqual(await store().listRunsBetween(T0 + 160, T0 + 300), []);
      assert.equal((await store().listRunsBetween(T0 + 120, T0 + 300)).length, 1);
    });
  });

  describe('runs', () => {
    const store = useStore(createStore);

    it('lists a job runs by attempt, and the live ones', async () => {
      const { job, run } = await startRun(store());
      const other = await startRun(store());
      assert.deepEqual(await store().listRuns(job.id), [run]);
      const liveIds = async () => (await store().listLiveRuns()).map((r) => r.id).sort((a, b) => a - b);
      assert.deepEqual(await liveIds(), [run.id, other.run.id].sort((a, b) => a - b));
      assert.equal(await store().getRun(run.id + 1000), null);
      await endRun(store(), run, 'queued', T0 + 50);
      const second = await store().claimJob(job.id, NEW_RUN, T0 + 60);
      assert.deepEqual((await store().listRuns(job.id)).map((r) => r.attempt), [1, 2]);
      assert.ok(second);
      assert.deepEqual(await liveIds(), [other.run.id, second.run.id].sort((a, b) => a - b));
    });

    it('records start, heartbeat and end', async () => {
      const { run } = await startRun(store());
      assert.equal(run.handle, null);
      await store().markRunStarted(run.id, { executor: 'local', externalId: '4242@987654' });
      await store().recordHeartbeat(run.id, T0 + 10);
      const outcome = { kind: 'signal', detail: 'SIGSEGV', retryable: true } as const;
      const ended = (await store().endRun(run.id, {
        run: { state: 'failed', exitCode: null, signal: 'SIGSEGV', outcome, endedAt: T0 + 20 },
        job: { state: 'failed', endedAt: T0 + 20, outcome },
      }))?.run;
      assert.deepEqual(ended, {
        ...run,
        handle: { executor: 'local', externalId: '4242@987654' },
        lastHeartbeatAt: T0 + 10,
        state: 'failed',
        exitCode: null,
        signal: 'SIGSEGV',
        outcome,
        endedAt: T0 + 20,
      });
      assert.deepEqual(await store().getRun(run.id), ended);
      const handle = { executor: 'slurm', externalId: '1234567_3 on cluster "a b"' };
      await store().markRunStarted(run.id, handle);
      assert.deepEqual((await store().getRun(run.id))?.handle, handle);
    });

    it('lists the runs of several jobs in one read, as listRuns of each gives them', async () => {
      const a = await startRun(store());
      const b = await startRun(store());
      const idle = await store().createJob(jobSpec(), T0);
      await endRun(store(), a.run, 'queued', T0 + 50);
      await store().claimJob(a.job.id, NEW_RUN, T0 + 60);
      const ids = [b.job.id, a.job.id, idle.id, 9999, a.job.id];
      const got = await store().listRunsOfJobs(ids);
      assert.deepEqual([...got.keys()], [b.job.id, a.job.id, idle.id, 9999], 'every id once, in the order asked');
      for (const id of ids) assert.deepEqual(got.get(id), await store().listRuns(id));
      assert.deepEqual(got.get(a.job.id)!.map((r) => r.attempt), [1, 2]);
      assert.equal((await store().listRunsOfJobs([])).size, 0);
      // More ids than one SQL statement may bind (SQLite: 32,766), the asked jobs among them.
      const many = Array.from({ length: 40_000 }, (_, i) => 100_000 + i);
      many.splice(35_000, 0, a.job.id);
      many.splice(3, 0, b.job.id);
      const wide = await store().listRunsOfJobs(many);
      assert.equal(wide.size, 40_002);
      assert.deepEqual([wide.get(a.job.id), wide.get(b.job.id), wide.get(139_999)], [got.get(a.job.id), got.get(b.job.id), []]);
    });

        it('keeps a log offset per run, 0 by default', async () => {
      const { run } = await startRun(store());
      assert.equal(await store().getLogOffset(run.id), 0);
      await store().setLogOffset(run.id, 123_456_789_012);
      assert.equal(await store().getLogOffset(run.id), 123_456_789_012);
    });

    it('rejects writes to a missing run', async () => {
      const outcome = { kind: 'lost', detail: 'gone', retryable: true } as const;
      assert.equal(await store().endRun(999, { run: { state: 'lost', exitCode: null, signal: null, outcome, endedAt: T0 }, job: { state: 'queued' } }), null);
      await assert.rejects(store().markRunStarted(999, { executor: 'local', externalId: '2' }), NotFoundError);
      await assert.rejects(store().setLogOffset(999, 1), NotFoundError);
    });
  });
}
