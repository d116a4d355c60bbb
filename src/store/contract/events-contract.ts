/**
 * Contract of the durable event log: every transition verb appends its event in the same
 * transaction, ids are monotonic, filters and cursors behave.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DomainEvent } from '../../core/events.ts';
import { jobSpec, NEW_RUN, startRun, type StoreFactory, T0, useStore } from './fixtures.ts';

const types = (events: readonly DomainEvent[]) => events.map((e) => e.type);

export function eventContract(createStore: StoreFactory): void {
  describe('events', () => {
    const store = useStore(createStore);

    it('appends one event per transition, in order, with monotonic ids', async () => {
      const s = store();
      const job = await s.createJob(jobSpec({ name: 'e' }), T0);
      const claimed = await s.claimJob(job.id, NEW_RUN, T0 + 1);
      assert.ok(claimed);
      await s.requestStop(job.id, T0 + 2, 'stop');
      const ended = await s.endRun(claimed.run.id, {
        run: { state: 'stopped', exitCode: null, signal: 'SIGTERM', outcome: { kind: 'stopped', detail: 'stopped on request (SIGTERM)', retryable: false }, endedAt: T0 + 3 },
        job: { state: 'stopped', endedAt: T0 + 3, outcome: { kind: 'stopped', detail: 'stopped on request (SIGTERM)', retryable: false }, stopReason: null },
      });
      assert.equal(ended?.job.state, 'stopped');
      const events = await s.listEvents();
      assert.deepEqual(types(events), ['job.submitted', 'job.state_changed', 'run.started', 'job.state_changed', 'run.ended', 'job.state_changed']);
      assert.ok(events.every((e, i) => i === 0 || e.id > events[i - 1].id));
      assert.ok(events.every((e) => e.jobId === job.id));
      assert.deepEqual(events.map((e) => e.type === 'job.state_changed' ? `${e.data.from}>${e.data.to}:${e.data.transition}` : null).filter(Boolean),
        ['queued>running:claim', 'running>stopping:request-stop', 'stopping>stopped:run-ended']);
      const runEnded = events.find((e) => e.type === 'run.ended');
      assert.equal(runEnded?.runId, claimed.run.id);
      assert.equal(await s.lastEventId(), events.at(-1)!.id);
    });

    it('ends a run, revokes its tokens and moves its job in one step, once', async () => {
      const s = store();
      const { job, run } = await startRun(s);
      await s.createToken('0123456789abcdef', Buffer.alloc(32), { role: 'run', runId: run.id, jobId: job.id }, T0);
      const end = {
        run: { state: 'failed' as const, exitCode: 3, signal: null, outcome: { kind: 'exit-code' as const, detail: 'exit code 3', retryable: true }, endedAt: T0 + 9 },
        job: { state: 'queued' as const, notBefore: T0 + 2009, outcome: { kind: 'exit-code' as const, detail: 'exit code 3', retryable: true }, stopReason: null },
        progress: { step: 40, total: 100, rate: null, etaSeconds: null },
      };
      const first = await s.endRun(run.id, end);
      assert.equal(first?.run.state, 'failed');
      assert.equal(first?.job.state, 'queued');
      assert.equal(first?.job.progress.step, 40);
      assert.equal(await s.findToken('0123456789abcdef'), null);
      assert.equal(await s.endRun(run.id, end), null, 'a run ends once');
      assert.deepEqual(types(await s.listEvents({ types: ['run.ended'] })), ['run.ended']);
    });

    it('refuses a job change the state machine does not allow, writing nothing', async () => {
      const s = store();
      const { run } = await startRun(s);
      const before = await s.lastEventId();
      await assert.rejects(s.endRun(run.id, {
        run: { state: 'succeeded', exitCode: 0, signal: null, outcome: { kind: 'success', detail: 'exit code 0', retryable: false }, endedAt: T0 + 5 },
        job: { state: 'running' },
      }), /run-ended/);
      assert.equal((await s.getRun(run.id))?.state, 'running');
      assert.equal(await s.lastEventId(), before);
    });

    it('fails a queued job that cannot start, and only a queued one', async () => {
      const s = store();
      const job = await s.createJob(jobSpec(), T0);
      const outcome = { kind: 'dependency-failed' as const, detail: 'dependency job 9 failed', retryable: false };
      const failed = await s.failUnstartedJob(job.id, outcome, T0 + 1);
      assert.equal(failed?.state, 'failed');
      assert.equal(failed?.endedAt, T0 + 1);
      assert.equal(await s.failUnstartedJob(job.id, outcome, T0 + 2), null);
      const last = (await s.listEvents({ types: ['job.state_changed'] })).at(-1);
      assert.equal(last?.type === 'job.state_changed' && last.data.transition, 'fail-unstarted');
    });

    it('records pause, resume, priority and queue moves', async () => {
      const s = store();
      const job = await s.createJob(jobSpec(), T0);
      await s.requestStop(job.id, T0 + 1, 'pause');
      await s.resumeJob(job.id, T0 + 2);
      await s.setPriority(job.id, { class: 'high', value: 2 }, T0 + 3);
      await s.moveToFront(job.id, T0 + 4);
      await s.resumeJob(job.id, T0 + 5); // not paused: no change, no event
      const events = await s.listEvents({ jobId: job.id });
      assert.deepEqual(types(events), ['job.submitted', 'job.state_changed', 'job.state_changed', 'job.priority_changed', 'job.priority_changed']);
    });

    it('records checkpoints registered once and deleted', async () => {
      const s = store();
      const { job, run } = await startRun(s);
      const cp = { jobId: job.id, runId: run.id, step: 10, path: '/c/10', bytes: 5, metrics: { loss: 1 }, createdAt: T0 + 3 };
      const first = await s.registerCheckpoint(cp);
      await s.registerCheckpoint(cp);
      await s.markCheckpointDeleted(first.id, T0 + 4);
      const events = await s.listEvents({ types: ['checkpoint.registered', 'checkpoint.deleted'] });
      assert.deepEqual(types(events), ['checkpoint.registered', 'checkpoint.deleted']);
      assert.equal(events[0].type === 'checkpoint.registered' && events[0].data.id, first.id);
    });

    it('pages by id and filters by type and job', async () => {
      const s = store();
      const a = await s.createJob(jobSpec({ name: 'a' }), T0);
      const b = await s.createJob(jobSpec({ name: 'b' }), T0);
      const all = await s.listEvents();
      assert.equal(all.length, 2);
      assert.deepEqual((await s.listEvents({ after: all[0].id })).map((e) => e.jobId), [b.id]);
      assert.deepEqual((await s.listEvents({ jobId: a.id })).map((e) => e.jobId), [a.id]);
      assert.deepEqual(await s.listEvents({ types: [] }), []);
      assert.deepEqual(await s.listEvents({ types: ['run.started'] }), []);
      assert.equal((await s.listEvents({ limit: 1 })).length, 1);
    });

    it('keeps subscriber cursors that only move forward', async () => {
      const s = store();
      assert.equal(await s.getEventCursor('eval'), null);
      await s.ackEvents('eval', 5, T0);
      await s.ackEvents('eval', 3, T0);
      assert.equal(await s.getEventCursor('eval'), 5);
      await s.ackEvents('eval', 8, T0);
      assert.equal(await s.getEventCursor('eval'), 8);
      assert.equal(await s.getEventCursor('deploy'), null);
    });

    it('tells watchers after a commit that appended events', async () => {
      const s = store();
      let calls = 0;
      const stop = s.watchEvents(() => calls++);
      await s.createJob(jobSpec(), T0);
      assert.ok(calls >= 1);
      stop();
      const seen = calls;
      await s.createJob(jobSpec(), T0);
      assert.equal(calls, seen);
    });
  });
}
