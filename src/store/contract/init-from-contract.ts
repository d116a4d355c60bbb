/**
 * Contract of `from:` in the store: resolved to one checkpoint when the job is created (and
 * refused, writing nothing, when it names none), the retention protections it implies, and the
 * lineage a model version records of it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ValidationError } from '../../core/errors.ts';
import type { FromSpec } from '../../core/init-from.ts';
import type { Checkpoint, Job } from '../../core/types.ts';
import { endRun, jobSpec, NEW_RUN, type StoreFactory, T0, useStore } from './fixtures.ts';

export function initFromContract(createStore: StoreFactory): void {
  describe('from: (continue from a checkpoint)', () => {
    const store = useStore(createStore);

    /** A job that ran and registered a checkpoint per `[step, loss, acc]`. */
    async function trained(...points: Array<[number, number, number?]>): Promise<{ job: Job; checkpoints: Checkpoint[] }> {
      const job = await store().createJob(jobSpec({ name: 'base' }), T0);
      const { run } = (await store().claimJob(job.id, NEW_RUN, T0 + 1))!;
      const checkpoints: Checkpoint[] = [];
      for (const [step, loss, acc] of points) {
        const metrics: Record<string, number> = acc === undefined ? { loss } : { loss, acc };
        checkpoints.push(await store().registerCheckpoint({ jobId: job.id, runId: run.id, step, path: `/ckpt/${job.id}/step-${step}.pt`, bytes: 10, metrics, createdAt: T0 + step }));
      }
      return { job, checkpoints };
    }

    const submit = (from: FromSpec, now = T0 + 1000) => store().createJob(jobSpec({ name: 'continued', from }), now);

    /** The refusal `createJob` gives for `from`, after checking that it wrote nothing. */
    async function refusal(from: FromSpec): Promise<ValidationError> {
      const before = (await store().listJobs()).length;
      const error = await submit(from).then(() => assert.fail(`from ${JSON.stringify(from)} was accepted`), (e: unknown) => e);
      assert.ok(error instanceof ValidationError, String(error));
      assert.equal(error.field, 'from');
      assert.equal(error.code, 'invalid_from');
      assert.equal((await store().listJobs()).length, before, 'no job is created');
      return error;
    }

    it('resolves {job} to its latest live checkpoint, or its best by a metric, and stores it with the declared form', async () => {
      const { job, checkpoints: [c10, c20, c30] } = await trained([10, 0.5, 0.6], [20, 0.3, 0.9], [30, 0.4, 0.7]);
      const latest = await submit({ job: job.id });
      assert.deepEqual(latest.initFrom, { checkpointId: c30.id, jobId: job.id, step: 30, model: null });
      assert.deepEqual(latest.spec.from, { job: job.id }, 'the spec keeps what was declared');
      assert.deepEqual((await store().getJob(latest.id))!.initFrom, latest.initFrom);
      assert.deepEqual((await store().listJobs({ limit: 1 }))[0].initFrom, latest.initFrom);

      assert.equal((await submit({ job: job.id, pick: 'best' })).initFrom?.checkpointId, c20.id, 'lowest loss by default');
      assert.equal((await submit({ job: job.id, pick: 'best', metric: 'acc', goal: 'max' })).initFrom?.checkpointId, c20.id);
      assert.equal((await submit({ job: job.id, pick: 'best', metric: 'acc', goal: 'min' })).initFrom?.checkpointId, c10.id);
      assert.equal((await submit(`job:${job.id}`)).initFrom?.checkpointId, c30.id);
      assert.equal((await submit(`job:${job.id}:best`)).initFrom?.checkpointId, c20.id);

      await store().markCheckpointDeleted(c30.id, T0 + 50);
      assert.equal((await submit({ job: job.id })).initFrom?.checkpointId, c20.id, 'a deleted checkpoint is never picked');
    });

    it('resolves {checkpoint} and model references, and a later alias move does not change a submitted job', async () => {
      const { job, checkpoints: [c1, c2] } = await trained([100, 0.5], [200, 0.4]);
      assert.deepEqual((await submit({ checkpoint: c1.id })).initFrom, { checkpointId: c1.id, jobId: job.id, step: 100, model: null });
      assert.equal((await submit(`checkpoint:${c2.id}`)).initFrom?.checkpointId, c2.id);

      await store().createModel({ name: 'chat' }, 'ci', T0);
      await store().createModelVersion({ model: 'chat', checkpointId: c1.id }, 'ci', T0);
      await store().createModelVersion({ model: 'chat', checkpointId: c2.id }, 'ci', T0);
      await store().moveAlias({ model: 'chat', alias: 'production', version: 1, by: 'ci', reason: null }, T0);

      const fromAlias = await submit('model:chat@production');
      assert.deepEqual(fromAlias.initFrom, { checkpointId: c1.id, jobId: job.id, step: 100, model: { name: 'chat', version: 1 } });
      assert.equal(fromAlias.spec.from, 'model:chat@production');
      assert.deepEqual((await submit('model:chat:2')).initFrom?.model, { name: 'chat', version: 2 });
      assert.deepEqual((await submit('model:chat@1')).initFrom?.model, { name: 'chat', version: 1 });
      assert.deepEqual((await submit('model:chat')).initFrom?.model, { name: 'chat', version: 2 }, 'the latest version');

      await store().moveAlias({ model: 'chat', alias: 'production', version: 2, by: 'ci', reason: 'better' }, T0 + 5);
      assert.equal((await store().getJob(fromAlias.id))!.initFrom?.checkpointId, c1.id, 'resolved once, at submit');
      assert.equal((await submit('model:chat@production')).initFrom?.checkpointId, c2.id);
    });

    it('refuses what names no live checkpoint, naming from and what is wrong', async () => {
      const { job, checkpoints: [c1] } = await trained([100, 0.5]);
      const empty = await store().createJob(jobSpec({ name: 'empty' }), T0);
      await store().createModel({ name: 'chat' }, 'ci', T0);
      assert.match((await refusal({ job: 999 })).message, /^from: job 999 \(latest checkpoint\): no such job/);
      assert.match((await refusal({ job: empty.id })).message, /has no checkpoint \(yet\)/);
      assert.match((await refusal({ job: job.id, pick: 'best', metric: 'bleu' })).message, /none of its 1 live checkpoints carries the metric "bleu"/);
      assert.match((await refusal({ checkpoint: 999 })).message, /^from: checkpoint 999: no such checkpoint/);
      assert.match((await refusal('model:nope@production')).message, /^from: model nope@production: no such model/);
      assert.match((await refusal('model:chat')).message, /model chat has no version yet/);
      await store().createModelVersion({ model: 'chat', checkpointId: c1.id }, 'ci', T0);
      await store().moveAlias({ model: 'chat', alias: 'staging', version: 1, by: 'ci', reason: null }, T0);
      assert.match((await refusal('model:chat:7')).message, /model chat has no version 7/);
      assert.match((await refusal('model:chat@production')).message, /model chat has no alias production \(its aliases: staging\)/);

      const { checkpoints: [gone] } = await trained([5, 1]);
      await store().markCheckpointDeleted(gone.id, T0 + 10);
      assert.match((await refusal({ checkpoint: gone.id })).message, new RegExp(`checkpoint ${gone.id} \\(job ${gone.jobId}, step 5\\) was deleted by retention`));
      assert.match((await refusal({ job: gone.jobId })).message, /all its 1 checkpoints were deleted by retention/);
    });

    it('protects the checkpoints a job not yet ended starts from, with why', async () => {
      const { job, checkpoints: [c1, c2] } = await trained([100, 0.5], [200, 0.4]);
      assert.deepEqual(await store().initFromProtections(job.id), new Map());
      const a = await submit({ checkpoint: c1.id });
      const b = await submit({ checkpoint: c1.id });
      const c = await submit({ job: job.id });
      assert.deepEqual(await store().initFromProtections(job.id), new Map([[c1.id, [`job ${a.id} starts from it`, `job ${b.id} starts from it`]], [c2.id, [`job ${c.id} starts from it`]]]));
      assert.deepEqual(await store().initFromProtections(a.id), new Map(), 'only checkpoints of the job asked about');

      // A running job still needs it (a retry starts from it again); an ended one does not.
      const { run } = (await store().claimJob(a.id, NEW_RUN, T0 + 2000))!;
      await endRun(store(), run, 'succeeded', T0 + 3000);
      await store().requestStop(c.id, T0 + 3000);
      assert.deepEqual(await store().initFromProtections(job.id), new Map([[c1.id, [`job ${b.id} starts from it`]]]));
    });

    it("records the from chain in a model version's lineage", async () => {
      const { checkpoints: [base] } = await trained([100, 0.5]);
      await store().createModel({ name: 'chat' }, 'ci', T0);
      await store().createModelVersion({ model: 'chat', checkpointId: base.id }, 'ci', T0);
      await store().moveAlias({ model: 'chat', alias: 'production', version: 1, by: 'ci', reason: null }, T0);
      const continued = await submit('model:chat@production');
      const { run } = (await store().claimJob(continued.id, NEW_RUN, T0 + 2000))!;
      const next = await store().registerCheckpoint({ jobId: continued.id, runId: run.id, step: 50, path: '/ckpt/next.pt', bytes: 10, metrics: { loss: 0.2 }, createdAt: T0 + 2001 });
      const { version } = await store().createModelVersion({ model: 'chat', checkpointId: next.id }, 'ci', T0 + 2002);
      assert.deepEqual(version.lineage.job.from, {
        declared: 'model:chat@production',
        checkpointId: base.id,
        jobId: base.jobId,
        step: 100,
        model: { name: 'chat', version: 1 },
        checkpointVersions: [{ model: 'chat', version: 1 }],
      });
      const { version: first } = await store().createModelVersion({ model: 'chat', checkpointId: base.id }, 'ci', T0 + 2003);
      assert.equal(first.lineage.job.from, null, 'a job that started fresh');
    });
  });
}
