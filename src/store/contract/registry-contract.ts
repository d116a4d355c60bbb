/** Contract of RegistryStore: models, versions with lineage, aliases with history, protections. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConflictError, NotFoundError, ValidationError } from '../../core/errors.ts';
import type { Checkpoint } from '../../core/types.ts';
import { fakeReport } from './datasets-contract.ts';
import { suiteSpec } from './evaluations-contract.ts';
import { endRun, startRun, type StoreFactory, T0, useStore } from './fixtures.ts';

export function registryContract(createStore: StoreFactory): void {
  describe('model registry', () => {
    const store = useStore(createStore);

    /** A job with a run that registered checkpoints at these steps. */
    async function checkpoints(...steps: number[]): Promise<Checkpoint[]> {
      const { job, run } = await startRun(store());
      const out: Checkpoint[] = [];
      for (const step of steps) {
        out.push(await store().registerCheckpoint({ jobId: job.id, runId: run.id, step, path: `/ckpt/${job.id}/step-${step}.pt`, bytes: 100 + step, metrics: { loss: 1 / step }, createdAt: T0 + step }));
      }
      return out;
    }

    it('creates models once, lists them by name and edits them with an event', async () => {
      const chat = await store().createModel({ name: 'chat', description: 'assistant', tags: ['llm'] }, 'ci', T0);
      assert.deepEqual({ ...chat, id: 0 }, { id: 0, name: 'chat', description: 'assistant', tags: ['llm'], promotionRule: null, createdAt: T0, createdBy: 'ci', updatedAt: T0 });
      await store().createModel({ name: 'a-model' }, 'ci', T0);
      await assert.rejects(store().createModel({ name: 'chat' }, 'ci', T0), ConflictError);
      assert.deepEqual((await store().listModels()).map((m) => [m.name, m.latest, m.versions, m.aliases]), [['a-model', null, 0, {}], ['chat', null, 0, {}]]);

      const rule = { alias: 'production', margin: 0.1, relative: false };
      const edited = await store().updateModel('chat', { tags: ['llm', 'v2'], promotionRule: rule }, 'ci', T0 + 5);
      assert.deepEqual([edited.tags, edited.promotionRule, edited.description, edited.updatedAt], [['llm', 'v2'], rule, 'assistant', T0 + 5]);
      const unchanged = await store().updateModel('chat', { tags: ['llm', 'v2'] }, 'ci', T0 + 9);
      assert.equal(unchanged.updatedAt, T0 + 5, 'a patch that changes nothing writes nothing');
      await assert.rejects(store().updateModel('nope', { tags: [] }, 'ci', T0), NotFoundError);

      const events = await store().listEvents({ types: ['model.created', 'model.updated'] });
      assert.deepEqual(events.map((e) => [e.type, e.data]), [
        ['model.created', { model: 'chat', description: 'assistant', tags: ['llm'], by: 'ci' }],
        ['model.created', { model: 'a-model', description: null, tags: [], by: 'ci' }],
        ['model.updated', { model: 'chat', version: null, fields: ['tags', 'promotionRule'], by: 'ci' }],
      ]);
    });

    it('numbers versions 1, 2, … per model with their lineage, once per checkpoint', async () => {
      const [c1, c2] = await checkpoints(10, 20);
      const [d1] = await checkpoints(5);
      const job = (await store().getJob(c1.jobId))!;
      const data = await store().registerDatasetVersion({ name: 'chat-data', sha256: 'a'.repeat(64), format: 'chat', bytes: 10, files: 1, source: '/d', path: 'x/d' }, fakeReport(), T0);
      await store().recordDatasetUses([{ versionId: data.version.id, jobId: c1.jobId, runId: c1.runId, role: 'train' }], T0);
      await store().createModel({ name: 'chat' }, 'ci', T0);
      await store().createModel({ name: 'other' }, 'ci', T0);

      const v1 = await store().createModelVersion({ model: 'chat', checkpointId: c1.id, notes: 'first', tags: ['a'] }, 'ci', T0 + 1);
      assert.equal(v1.created, true);
      assert.deepEqual([v1.version.model, v1.version.version, v1.version.checkpointId, v1.version.notes, v1.version.tags, v1.version.aliases, v1.version.createdBy], ['chat', 1, c1.id, 'first', ['a'], [], 'ci']);
      assert.deepEqual(v1.version.lineage, {
        checkpoint: { id: c1.id, step: 10, path: c1.path, bytes: 110, metrics: { loss: 0.1 }, createdAt: T0 + 10 },
        job: { id: job.id, name: 'train', params: { lr: 0.1, layers: [2, 3] }, paramsOverride: null, from: null },
        run: { id: c1.runId, attempt: 1 },
        datasets: [{ role: 'train', name: 'chat-data', version: 1, versionId: data.version.id, sha256: 'a'.repeat(64) }],
        evaluations: [],
      });
      const v2 = await store().createModelVersion({ model: 'chat', checkpointId: c2.id }, 'ci', T0 + 2);
      const o1 = await store().createModelVersion({ model: 'other', checkpointId: d1.id }, 'ci', T0 + 2);
      assert.deepEqual([v2.version.version, v2.version.notes, v2.version.tags, o1.version.version], [2, null, [], 1]);

      const again = await store().createModelVersion({ model: 'chat', checkpointId: c1.id, notes: 'ignored' }, 'ci', T0 + 3);
      assert.deepEqual(again, { version: v1.version, created: false });
      assert.deepEqual((await store().listModelVersions('chat')).map((v) => v.version), [1, 2]);
      assert.deepEqual(await store().listModelVersions('unknown'), []);
      assert.deepEqual((await store().listModels()).map((m) => [m.name, m.latest, m.versions]), [['chat', 2, 2], ['other', 1, 1]]);

      const created = await store().listEvents({ types: ['model.version_created'] });
      assert.deepEqual(created.map((e) => [e.jobId, e.runId, e.data]), [
        [c1.jobId, c1.runId, { model: 'chat', version: 1, checkpointId: c1.id, step: 10, by: 'ci' }],
        [c2.jobId, c2.runId, { model: 'chat', version: 2, checkpointId: c2.id, step: 20, by: 'ci' }],
        [d1.jobId, d1.runId, { model: 'other', version: 1, checkpointId: d1.id, step: 5, by: 'ci' }],
      ], 'the repeated checkpoint wrote no event');
    });

    it('refuses a version of an unknown model or checkpoint, or of a deleted checkpoint', async () => {
      const [c1] = await checkpoints(10);
      await store().createModel({ name: 'chat' }, 'ci', T0);
      await assert.rejects(store().createModelVersion({ model: 'nope', checkpointId: c1.id }, 'ci', T0), NotFoundError);
      await assert.rejects(store().createModelVersion({ model: 'chat', checkpointId: 999_999 }, 'ci', T0), NotFoundError);
      await store().markCheckpointDeleted(c1.id, T0);
      await assert.rejects(store().createModelVersion({ model: 'chat', checkpointId: c1.id }, 'ci', T0), (e: Error) => e instanceof ConflictError && /deleted by retention/.test(e.message));
      assert.deepEqual(await store().listModelVersions('chat'), []);
    });

    it('resolves versions by number, latest (computed) and alias', async () => {
      const [c1, c2, c3] = await checkpoints(1, 2, 3);
      await store().createModel({ name: 'chat' }, 'ci', T0);
      assert.equal(await store().getModelVersion('chat', 'latest'), null);
      for (const c of [c1, c2, c3]) await store().createModelVersion({ model: 'chat', checkpointId: c.id }, 'ci', T0);
      await store().moveAlias({ model: 'chat', alias: 'production', version: 2, by: 'ann', reason: null }, T0);
      assert.equal((await store().getModelVersion('chat', 3))?.checkpointId, c3.id);
      assert.equal((await store().getModelVersion('chat', 'latest'))?.version, 3);
      const production = await store().getModelVersion('chat', 'production');
      assert.deepEqual([production?.version, production?.aliases], [2, ['production']]);
      assert.equal(await store().getModelVersion('chat', 'staging'), null);
      assert.equal(await store().getModelVersion('chat', 9), null);
      assert.equal(await store().getModelVersion('nope', 'latest'), null);
      assert.deepEqual((await store().listAliases('chat')).map((a) => a.alias), ['production'], 'latest is never stored');

      const c4 = await store().registerCheckpoint({ ...c3, step: 4, path: '/ckpt/4.pt' });
      await store().createModelVersion({ model: 'chat', checkpointId: c4.id }, 'ci', T0);
      assert.equal((await store().getModelVersion('chat', 'latest'))?.version, 4, 'latest follows the newest version');
    });

    it('moves an alias atomically, with its history and event, and never sets latest', async () => {
      const [c1, c2] = await checkpoints(1, 2);
      await store().createModel({ name: 'chat' }, 'ci', T0);
      await store().createModelVersion({ model: 'chat', checkpointId: c1.id }, 'ci', T0);
      await store().createModelVersion({ model: 'chat', checkpointId: c2.id }, 'ci', T0);

      const first = await store().moveAlias({ model: 'chat', alias: 'production', version: 1, by: 'ann', reason: 'first release' }, T0 + 10);
      assert.deepEqual(first.alias, { alias: 'production', version: 1, movedAt: T0 + 10, movedBy: 'ann', reason: 'first release' });
      assert.deepEqual({ ...first.move!, id: 0 }, { id: 0, model: 'chat', alias: 'production', from: null, to: 1, by: 'ann', reason: 'first release', at: T0 + 10 });
      const second = await store().moveAlias({ model: 'chat', alias: 'production', version: 2, by: 'system', reason: 'score 0.9 beats 0.8', expectedFrom: 1 }, T0 + 20);
      assert.deepEqual([second.move?.from, second.move?.to], [1, 2]);
      const same = await store().moveAlias({ model: 'chat', alias: 'production', version: 2, by: 'bob', reason: 'again' }, T0 + 25);
      assert.deepEqual(same, { alias: second.alias, move: null }, 'a move to where it points writes nothing');

      await assert.rejects(store().moveAlias({ model: 'chat', alias: 'production', version: 1, by: 'bob', reason: null, expectedFrom: 1 }, T0 + 30), ConflictError);
      await assert.rejects(store().moveAlias({ model: 'chat', alias: 'latest', version: 1, by: 'bob', reason: null }, T0), (e: Error) => e instanceof ValidationError && /latest is computed/.test(e.message));
      await assert.rejects(store().moveAlias({ model: 'chat', alias: 'staging', version: 7, by: 'bob', reason: null }, T0), NotFoundError);
      await assert.rejects(store().moveAlias({ model: 'nope', alias: 'staging', version: 1, by: 'bob', reason: null }, T0), NotFoundError);
      assert.equal((await store().getModelVersion('chat', 'production'))?.version, 2, 'failed moves changed nothing');

      await store().moveAlias({ model: 'chat', alias: 'staging', version: 1, by: 'bob', reason: 'try' }, T0 + 40);
      const deleted = await store().moveAlias({ model: 'chat', alias: 'staging', version: null, by: 'bob', reason: 'done' }, T0 + 50);
      assert.deepEqual([deleted.alias, deleted.move?.from, deleted.move?.to], [null, 1, null]);
      assert.deepEqual((await store().moveAlias({ model: 'chat', alias: 'staging', version: null, by: 'bob', reason: null }, T0 + 60)).move, null);

      const history = await store().listAliasMoves('chat', 'production');
      assert.deepEqual(history.map((m) => [m.from, m.to, m.by, m.reason, m.at]), [[null, 1, 'ann', 'first release', T0 + 10], [1, 2, 'system', 'score 0.9 beats 0.8', T0 + 20]]);
      assert.deepEqual((await store().listAliasMoves('chat')).map((m) => `${m.alias}:${m.from}->${m.to}`), ['production:null->1', 'production:1->2', 'staging:null->1', 'staging:1->null']);
      const events = await store().listEvents({ types: ['model.alias_moved'] });
      assert.deepEqual(events.map((e) => e.data), (await store().listAliasMoves('chat')).map((m) => ({ model: 'chat', alias: m.alias, from: m.from, to: m.to, by: m.by, reason: m.reason, moveId: m.id })), 'one event per history entry');
      assert.deepEqual((await store().listModels())[0].aliases, { production: 2 });
    });

    it('edits a version\'s notes and tags with an event', async () => {
      const [c1] = await checkpoints(1);
      await store().createModel({ name: 'chat' }, 'ci', T0);
      await store().createModelVersion({ model: 'chat', checkpointId: c1.id }, 'ci', T0);
      const edited = await store().updateModelVersion('chat', 1, { notes: 'good on math' }, 'ann', T0 + 3);
      assert.deepEqual([edited.notes, edited.tags, edited.updatedAt], ['good on math', [], T0 + 3]);
      await assert.rejects(store().updateModelVersion('chat', 2, { notes: 'x' }, 'ann', T0), NotFoundError);
      const events = await store().listEvents({ types: ['model.updated'] });
      assert.deepEqual(events.map((e) => e.data), [{ model: 'chat', version: 1, fields: ['notes'], by: 'ann' }]);
    });

    it('names the checkpoints versions pin, per job, with their models and aliases', async () => {
      const [c1, c2, c3] = await checkpoints(1, 2, 3);
      const [other] = await checkpoints(1);
      await store().createModel({ name: 'chat' }, 'ci', T0);
      await store().createModel({ name: 'base' }, 'ci', T0);
      assert.deepEqual(await store().checkpointProtections(c1.jobId), new Map());
      await store().createModelVersion({ model: 'chat', checkpointId: c1.id }, 'ci', T0);
      await store().createModelVersion({ model: 'chat', checkpointId: c3.id }, 'ci', T0);
      await store().createModelVersion({ model: 'base', checkpointId: c1.id }, 'ci', T0);
      await store().createModelVersion({ model: 'base', checkpointId: other.id }, 'ci', T0);
      await store().moveAlias({ model: 'chat', alias: 'staging', version: 2, by: 'ann', reason: null }, T0);
      await store().moveAlias({ model: 'chat', alias: 'production', version: 2, by: 'ann', reason: null }, T0);
      assert.deepEqual(await store().checkpointProtections(c1.jobId), new Map([
        [c1.id, ['model base v1', 'model chat v1']],
        [c3.id, ['model chat v2 (production, staging)']],
      ]));
      assert.equal((await store().checkpointProtections(c1.jobId)).has(c2.id), false);
      assert.deepEqual(await store().checkpointProtections(other.jobId), new Map([[other.id, ['model base v2']]]));
    });

    it("records the checkpoint's evaluations in the lineage, as they were when the version was made", async () => {
      const [cp] = await checkpoints(30);
      const { suite: heldout } = await store().saveEvalSuite(suiteSpec({ name: 'lineage-heldout' }), T0);
      const { suite: slow } = await store().saveEvalSuite(suiteSpec({ name: 'lineage-slow' }), T0);
      const done = await store().createEvaluation({ suite: heldout, checkpoint: cp, trigger: 'checkpoint' }, { ...(await store().getJob(cp.jobId))!.spec, name: 'eval' }, T0 + 1);
      const running = await store().createEvaluation({ suite: slow, checkpoint: cp, trigger: 'manual' }, { ...(await store().getJob(cp.jobId))!.spec, name: 'eval 2' }, T0 + 1);
      const regressions = [{ metric: 'loss', value: 2, best: 1, worseBy: 1, detail: 'loss 2 is 100.0 % worse than the best 1 (tolerance 15 %)' }];
      await store().completeEvaluation(done.evaluation.id, { verdict: 'pass', summary: 'ok', values: { loss: 2, accuracy: 0.9 }, score: 0.4, baseline: null, scoreDelta: null, diffs: [], regressions }, T0 + 2);
      await store().overrideEvaluation(done.evaluation.id, { by: 'ana', reason: 'noisy' }, T0 + 3);
      await store().createModel({ name: 'evaluated' }, 'ci', T0);
      const made = await store().createModelVersion({ model: 'evaluated', checkpointId: cp.id }, 'ci', T0 + 4);
      const expected = [
        { id: done.evaluation.id, suite: 'lineage-heldout', suiteVersion: 1, state: 'done', verdict: 'pass', score: 0.4, values: { loss: 2, accuracy: 0.9 }, regressed: true, override: { by: 'ana', reason: 'noisy' }, endedAt: T0 + 2 },
        { id: running.evaluation.id, suite: 'lineage-slow', suiteVersion: 1, state: 'running', verdict: null, score: null, values: {}, regressed: false, override: null, endedAt: null },
      ];
      assert.deepEqual(made.version.lineage.evaluations, expected);
      assert.deepEqual((await store().getModelVersion('evaluated', 1))?.lineage.evaluations, expected, 'read back as written');
    });

    it('keeps versions of a job that ended', async () => {
      const { job, run } = await startRun(store());
      const cp = await store().registerCheckpoint({ jobId: job.id, runId: run.id, step: 1, path: '/ckpt/x.pt', bytes: 1, metrics: {}, createdAt: T0 });
      await endRun(store(), run, 'succeeded');
      await store().createModel({ name: 'chat' }, 'ci', T0);
      const made = await store().createModelVersion({ model: 'chat', checkpointId: cp.id }, 'ci', T0);
      assert.equal(made.version.lineage.run.attempt, 1);
    });
  });
}
