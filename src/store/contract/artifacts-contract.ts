/** Contract of ArtifactStore: one record and one event per attach, idempotent, filtered lists. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NotFoundError } from '../../core/errors.ts';
import type { NewArtifact } from '../artifact-store.ts';
import { type StoreFactory, startRun, T0, useStore } from './fixtures.ts';

export function artifactContract(createStore: StoreFactory): void {
  describe('artifacts', () => {
    const store = useStore(createStore);
    const sha = (c: string) => c.repeat(64);

    function artifact(jobId: number, runId: number, fields: Partial<NewArtifact> = {}): NewArtifact {
      return { jobId, runId, name: 'loss.png', kind: 'image', step: 10, mediaType: 'image/png', bytes: 68, sha256: sha('a'), ...fields };
    }

    it('records an artifact with its event, once for the same file, name and step', async () => {
      const { job, run } = await startRun(store());
      const first = await store().attachArtifact(artifact(job.id, run.id), T0 + 5);
      assert.equal(first.created, true);
      assert.deepEqual(first.artifact, {
        id: first.artifact.id, jobId: job.id, runId: run.id, name: 'loss.png', kind: 'image', step: 10,
        mediaType: 'image/png', bytes: 68, sha256: sha('a'), createdAt: T0 + 5,
      });
      const again = await store().attachArtifact(artifact(job.id, run.id), T0 + 9);
      assert.deepEqual(again, { artifact: first.artifact, created: false });
      // Another step, other content, or no step: new records.
      const other = await store().attachArtifact(artifact(job.id, run.id, { step: 20 }), T0 + 10);
      const changed = await store().attachArtifact(artifact(job.id, run.id, { sha256: sha('b') }), T0 + 11);
      const stepless = await store().attachArtifact(artifact(job.id, run.id, { step: null }), T0 + 12);
      assert.equal((await store().attachArtifact(artifact(job.id, run.id, { step: null }), T0 + 13)).created, false);
      assert.deepEqual([other.created, changed.created, stepless.created], [true, true, true]);
      assert.equal(stepless.artifact.step, null);
      assert.deepEqual(await store().getArtifact(first.artifact.id), first.artifact);
      assert.equal(await store().getArtifact(first.artifact.id + 1000), null);

      const events = await store().listEvents({ types: ['artifact.attached'] });
      assert.equal(events.length, 4);
      assert.deepEqual(events[0], {
        id: events[0].id, at: T0 + 5, type: 'artifact.attached', jobId: job.id, runId: run.id,
        data: { artifactId: first.artifact.id, name: 'loss.png', kind: 'image', step: 10, mediaType: 'image/png', bytes: 68, sha256: sha('a') },
      });
    });

    it('lists a job\'s artifacts in attach order, by kind, step, run and name', async () => {
      const a = await startRun(store());
      const b = await startRun(store());
      await store().attachArtifact(artifact(a.job.id, a.run.id, { step: 1 }), T0);
      await store().attachArtifact(artifact(a.job.id, a.run.id, { name: 'results.csv', kind: 'table', mediaType: 'text/csv', step: 1 }), T0);
      await store().attachArtifact(artifact(a.job.id, a.run.id, { step: 2 }), T0);
      await store().attachArtifact(artifact(b.job.id, b.run.id, { step: 1 }), T0);
      const all = await store().listArtifacts(a.job.id);
      assert.deepEqual(all.map((x) => [x.name, x.step]), [['loss.png', 1], ['results.csv', 1], ['loss.png', 2]]);
      assert.deepEqual((await store().listArtifacts(a.job.id, { kind: 'image' })).map((x) => x.step), [1, 2]);
      assert.deepEqual((await store().listArtifacts(a.job.id, { step: 1 })).map((x) => x.name), ['loss.png', 'results.csv']);
      assert.deepEqual((await store().listArtifacts(a.job.id, { kind: 'table', step: 2 })), []);
      assert.equal((await store().listArtifacts(a.job.id, { runId: b.run.id })).length, 0);
      assert.equal((await store().listArtifacts(a.job.id, { name: 'results.csv' })).length, 1);
      assert.deepEqual(await store().listArtifacts(9999), []);
    });

    it('lists the artifacts of several jobs in one read, as listArtifacts of each gives them', async () => {
      const a = await startRun(store());
      const b = await startRun(store());
      const none = await startRun(store());
      await store().attachArtifact(artifact(a.job.id, a.run.id, { step: 2 }), T0);
      await store().attachArtifact(artifact(b.job.id, b.run.id, { step: 1 }), T0);
      await store().attachArtifact(artifact(a.job.id, a.run.id, { name: 'results.csv', kind: 'table', mediaType: 'text/csv', step: 1 }), T0);
      await store().attachArtifact(artifact(a.job.id, a.run.id, { step: null }), T0);
      const ids = [b.job.id, none.job.id, a.job.id, 9999, a.job.id];
      const got = await store().listArtifactsOfJobs(ids);
      assert.deepEqual([...got.keys()], [b.job.id, none.job.id, a.job.id, 9999], 'every id once, in the order asked');
      for (const id of ids) assert.deepEqual(got.get(id), await store().listArtifacts(id));
      assert.deepEqual(got.get(a.job.id)!.map((x) => [x.name, x.step]), [['loss.png', 2], ['results.csv', 1], ['loss.png', null]]);
      assert.equal((await store().listArtifactsOfJobs([])).size, 0);
    });

        it('refuses a run that does not exist or is not of the job, writing nothing', async () => {
      const { job, run } = await startRun(store());
      await assert.rejects(store().attachArtifact(artifact(job.id, run.id + 100), T0), NotFoundError);
      await assert.rejects(store().attachArtifact(artifact(job.id + 1, run.id), T0), NotFoundError);
      assert.deepEqual(await store().listEvents({ types: ['artifact.attached'] }), []);
    });
  });
}
