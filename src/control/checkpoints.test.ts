/** Checkpoint registration and retention, on a real SQLite store and real files. */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { JobSpec } from '../core/types.ts';
import { suiteSpec } from '../store/contract/evaluations-contract.ts';
import { jobSpec, NEW_RUN, T0 } from '../store/contract/fixtures.ts';
import { createSqliteStore } from '../store/sqlite/sqlite-store.ts';
import type { Store } from '../store/store.ts';
import { planJobRetention, registerCheckpointFile } from './checkpoints.ts';

describe('checkpoint retention', () => {
  let store: Store;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'trainyard-retention-'));
    store = await createSqliteStore(':memory:');
  });
  after(() => store.close());

  /** A running job whose run writes checkpoint files into its own folder under `dir`. */
  async function job(overrides: Partial<JobSpec> = {}) {
    const created = await store.createJob(jobSpec(overrides), T0);
    const { run } = (await store.claimJob(created.id, NEW_RUN, T0))!;
    const checkpointDir = mkdtempSync(join(dir, 'job-'));
    const save = async (step: number, keep: number, path = `step-${step}.pt`) => {
      writeFileSync(join(checkpointDir, path), String(step));
      return registerCheckpointFile(store, checkpointDir, { jobId: created.id, runId: run.id, path, step, metrics: {} }, { keep, evaluate: created.spec.evaluate }, T0 + step);
    };
    return { id: created.id, save };
  }

  it('deletes all but the newest `keep`', async () => {
    const { save } = await job();
    const first = (await save(1, 1)).checkpoint;
    const { deleted } = await save(2, 1);
    assert.deepEqual(deleted.map((c) => c.id), [first.id]);
    assert.equal(existsSync(first.path), false);
  });

  it('never deletes a checkpoint a model version references, nor a file it shares', async () => {
    const { id, save } = await job();
    const pinned = (await save(1, 1)).checkpoint;
    await store.createModel({ name: 'retention-chat' }, 'test', T0);
    await store.createModelVersion({ model: 'retention-chat', checkpointId: pinned.id }, 'test', T0);
    const second = (await save(2, 1)).checkpoint;
    const third = await save(3, 1);
    assert.deepEqual(third.deleted.map((c) => c.step), [2], 'the newest is kept by the rule, the first by its version');
    assert.equal(existsSync(pinned.path), true, 'the version pins its file');
    assert.equal(existsSync(second.path), false);
    assert.deepEqual((await store.listCheckpoints(id)).map((c) => [c.step, c.deleted]), [[1, false], [2, true], [3, false]]);

    // A later, unpinned record of the same file (same path, another step) must not take the file with it.
    await save(4, 1, 'step-1.pt');
    await save(5, 1);
    assert.equal(existsSync(pinned.path), true);
  });

  it('keeps a checkpoint until each suite its job asks for has evaluated it: pending, then running', async () => {
    const { suite } = await store.saveEvalSuite(suiteSpec({ name: 'retention-suite' }), T0);
    const { id, save } = await job({ evaluate: ['retention-suite'] });
    const first = (await save(1, 1)).checkpoint;
    const second = await save(2, 1);
    assert.deepEqual(second.deleted, [], 'the first is not evaluated yet');
    const reasons = async () => (await planJobRetention(store, id, { keep: 1, evaluate: ['retention-suite'] })).plan;
    assert.deepEqual((await reasons()).keep.find((k) => k.id === first.id)?.reasons, ['evaluation by retention-suite pending']);

    const started = await store.createEvaluation({ suite, checkpoint: first, trigger: 'checkpoint' }, jobSpec({ name: 'eval' }), T0 + 3);
    assert.deepEqual((await save(3, 1)).deleted, [], 'its evaluation runs');
    assert.deepEqual((await reasons()).keep.find((k) => k.id === first.id)?.reasons, [`evaluation ${started.evaluation.id} by retention-suite running`]);
    assert.equal(existsSync(first.path), true);

    const result = { verdict: 'pass' as const, summary: 'ok', values: { loss: 1 }, score: -1, baseline: null, scoreDelta: null, diffs: [], regressions: [] };
    await store.completeEvaluation(started.evaluation.id, result, T0 + 4);
    const plan = await reasons();
    assert.match(plan.remove.find((r) => r.id === first.id)?.reason ?? '', /^step 1: not among the latest 1; nothing protects it$/);
    const fourth = await save(4, 1);
    assert.deepEqual(fourth.deleted.map((c) => c.step), [1], 'evaluated, then deleted; steps 2 and 3 wait for theirs');
    assert.equal(existsSync(first.path), false);
  });
});
