/**
 * The collector on a real SQLite store and real files: keep rules with their reasons, every
 * protection, dry runs, missing files, crash leftovers, and disk pressure with an injected
 * free-space reading.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { FreeSpace } from '../core/disk-pressure.ts';
import type { JobSpec } from '../core/types.ts';
import { suiteSpec } from '../store/contract/evaluations-contract.ts';
import { endRun, jobSpec, NEW_RUN, T0 } from '../store/contract/fixtures.ts';
import { createSqliteStore } from '../store/sqlite/sqlite-store.ts';
import type { Store } from '../store/store.ts';
import { registerCheckpointFile } from './checkpoints.ts';
import { createCollector, type Collector, type CollectorDeps } from './gc.ts';
import { PROTECTION_SOURCES, type ProtectionSource } from './protections.ts';

const RESULT = { verdict: 'pass' as const, summary: 'ok', baseline: null, scoreDelta: null, diffs: [], regressions: [] };

describe('gc', () => {
  let store: Store;
  let root: string;
  let lines: string[];
  beforeEach(async () => {
    root = mkdtempSync(join(tmpdir(), 'trainyard-gc-'));
    store = await createSqliteStore(':memory:');
    lines = [];
  });
  afterEach(() => store.close());

  const checkpointDir = (jobId: number) => join(root, 'jobs', String(jobId), 'checkpoints');
  function collector(overrides: Partial<CollectorDeps> = {}): Collector {
    return createCollector({
      store, checkpointDir, now: () => T0 + 1000, log: (line) => lines.push(line),
      freeSpace: async () => ({ free: 100, total: 100 }), minFree: null,
      ...overrides,
    });
  }

  /** A running job whose run writes checkpoint files of 10 bytes each into its directory. */
  async function job(spec: Partial<JobSpec> = {}) {
    const created = await store.createJob(jobSpec(spec), T0);
    const { run } = (await store.claimJob(created.id, NEW_RUN, T0))!;
    mkdirSync(checkpointDir(created.id), { recursive: true });
    const save = async (step: number, metrics: Record<string, number> = {}, path = `step-${step}.pt`) => {
      writeFileSync(join(checkpointDir(created.id), path), '0123456789');
      return registerCheckpointFile(store, checkpointDir(created.id), { jobId: created.id, runId: run.id, path, step, metrics }, T0 + step);
    };
    const end = () => endRun(store, run, 'succeeded');
    return { id: created.id, save, end, run };
  }
  const liveSteps = async (jobId: number) => (await store.listLiveCheckpoints(jobId)).map((c) => c.step).sort((a, b) => a - b);

  it('keeps the newest N after each registration and deletes the rest, with the reason in checkpoint.deleted', async () => {
    const gc = collector();
    const { id, save } = await job({ keepCheckpoints: 2, retention: { keepLatest: 2 } });
    const first = await save(1);
    for (const step of [2, 3]) {
      await save(step);
      await gc.afterCheckpoint(id);
    }
    assert.deepEqual(await liveSteps(id), [2, 3]);
    assert.equal(existsSync(first.path), false);
    const [event] = await store.listEvents({ types: ['checkpoint.deleted'] });
    assert.deepEqual(event.data, { checkpointId: first.id, step: 1, path: first.path, reason: 'step 1: not among the latest 2; nothing protects it' });
  });

  it('keeps the union of latest, best by an evaluation metric and every Nth, and says why for each', async () => {
    const { suite } = await store.saveEvalSuite(suiteSpec({ name: 'heldout' }), T0);
    const { id, save, end } = await job({ retention: { keepLatest: 1, keepBest: { metric: 'heldout/score', goal: 'max', count: 1 }, keepEvery: 200 } });
    const cps = [];
    for (const step of [100, 200, 300, 400]) cps.push(await save(step, { loss: 1 / step }));
    for (const [i, score] of [[0, 5], [2, 9], [3, 1]] as const) {
      const { evaluation } = await store.createEvaluation({ suite, checkpoint: cps[i], trigger: 'manual' }, jobSpec({ name: 'eval' }), T0);
      await store.completeEvaluation(evaluation.id, { ...RESULT, values: { loss: 1 }, score }, T0);
    }
    await end();
    const report = await collector().collect({ dryRun: true });
    const [j] = report.jobs;
    assert.equal(j.policySource, 'job');
    assert.deepEqual(j.kept.map((k) => [k.step, k.reasons]), [
      [400, ['latest 1 of 1', 'step 400 is a multiple of 200']],
      [300, ['best 1 of 1 by heldout/score (max)']],
      [200, ['step 200 is a multiple of 200']],
    ]);
    assert.deepEqual(j.removed.map((r) => [r.step, r.reason, r.bytes]), [
      [100, 'step 100: not among the latest 1, not among the best 1 by heldout/score, step 100 is not a multiple of 200; nothing protects it', 10],
    ]);
    assert.equal(report.bytesFreed, 10);
    assert.deepEqual(await liveSteps(id), [100, 200, 300, 400], 'a dry run deletes nothing');
  });

  it('changes nothing in a dry run: files, records and events stay', async () => {
    const { id, save, end } = await job({ keepCheckpoints: 1 });
    const cps = [await save(1), await save(2), await save(3)];
    await end();
    const before = await store.lastEventId();
    const report = await collector().collect({ dryRun: true, jobId: id });
    assert.deepEqual(report.jobs[0].removed.map((r) => r.step), [1, 2]);
    assert.equal(report.dryRun, true);
    assert.ok(cps.every((c) => existsSync(c.path)));
    assert.equal(await store.lastEventId(), before);
    assert.deepEqual(await liveSteps(id), [1, 2, 3]);

    const real = await collector().collect({ jobId: id });
    assert.deepEqual(real.jobs[0].removed.map((r) => [r.step, r.bytes, r.note]), [[1, 10, null], [2, 10, null]]);
    assert.deepEqual(await liveSteps(id), [3]);
    assert.deepEqual((await collector().collect({ jobId: id })).removed, 0, 'a second collection finds nothing more');
  });

  it('follows the global policy for jobs without their own, the default without either', async () => {
    const own = await job({ keepCheckpoints: 2, retention: { keepLatest: 2 } });
    const plain = await job();
    for (const step of [1, 2, 3, 4]) {
      await own.save(step);
      await plain.save(step);
    }
    await own.end();
    await plain.end();
    const sources = async () => Object.fromEntries((await collector().collect({ dryRun: true })).jobs.map((j) => [j.jobId, [j.policySource, j.removed.length]]));
    assert.deepEqual(await sources(), { [own.id]: ['job', 2], [plain.id]: ['default', 1] }, 'default: the latest keepCheckpoints (3)');
    await store.setRetentionPolicy({ keepEvery: 2 }, 'admin', T0);
    assert.deepEqual(await sources(), { [own.id]: ['job', 2], [plain.id]: ['global', 2] });
  });

  it('never deletes what a model version, an unfinished evaluation, a resume point or the divergence rollback needs', async () => {
    const { suite } = await store.saveEvalSuite(suiteSpec({ name: 'rt' }), T0);
    // Running, asks for evaluations, keeps 1, retries divergence.
    const spec = jobSpec({ evaluate: ['rt'], keepCheckpoints: 1, retention: { keepLatest: 1 }, watchdog: { stuckSeconds: null, divergence: { metric: 'loss', factor: 2, retryWithParams: { lr: 0.1 } } } });
    const { id, save } = await job(spec);
    const c1 = await save(1, { loss: 1 });
    const c2 = await save(2, { loss: 0.5 });
    const c3 = await save(3, { loss: 9 }); // diverged: over 2× its minimum
    await store.createModel({ name: 'gc-chat' }, 'test', T0);
    await store.createModelVersion({ model: 'gc-chat', checkpointId: c1.id }, 'test', T0);
    const { evaluation } = await store.createEvaluation({ suite, checkpoint: c2, trigger: 'checkpoint' }, jobSpec({ name: 'eval' }), T0);

    const reasons = async () => new Map((await collector().collect({ dryRun: true, jobId: id })).jobs[0].kept.map((k) => [k.step, k.reasons]));
    assert.deepEqual(await reasons(), new Map([
      [3, ['evaluation by rt pending', 'resume point of job ' + id + ' (running)', 'latest 1 of 1']],
      [2, [`evaluation ${evaluation.id} by rt running`, `divergence rollback point of job ${id}`]],
      [1, ['model gc-chat v1', 'evaluation by rt pending']],
    ]));
    await collector().collect();
    assert.deepEqual(await liveSteps(id), [1, 2, 3]);
    assert.ok([c1, c2, c3].every((c) => existsSync(c.path)));
  });

  it('protects the checkpoint before a divergence while the job waits to retry from it', async () => {
    const spec = jobSpec({ keepCheckpoints: 1, retention: { keepLatest: 1 }, watchdog: { stuckSeconds: null, divergence: { metric: 'loss', factor: null, retryWithParams: { lr: 0.1 } } } });
    const { id, save, run } = await job(spec);
    await save(10);
    await save(20);
    await save(30);
    await endRun(store, run, 'queued', T0 + 50, { outcome: { kind: 'diverged', detail: 'loss = NaN at step 25', retryable: true, step: 25 } });
    const [j] = (await collector().collect({ dryRun: true, jobId: id })).jobs;
    assert.deepEqual(j.kept.map((k) => [k.step, k.reasons]), [
      [30, [`resume point of job ${id} (queued)`, 'latest 1 of 1']],
      [20, [`divergence rollback point of job ${id}`]],
    ]);
    assert.deepEqual(j.removed.map((r) => r.step), [10]);
  });

  it("protects the checkpoint a queued job's from: starts from, until that job ends", async () => {
    const { id, save, end } = await job({ keepCheckpoints: 1, retention: { keepLatest: 1 } });
    const base = await save(1);
    await save(2);
    await end();
    const dependent = await store.createJob(jobSpec({ name: 'continued', from: { checkpoint: base.id } }), T0 + 10);
    const kept = async () => (await collector().collect({ dryRun: true, jobId: id })).jobs[0].kept.map((k) => [k.step, k.reasons]);
    assert.deepEqual(await kept(), [[2, ['latest 1 of 1']], [1, [`job ${dependent.id} starts from it`]]]);
    await store.failUnstartedJob(dependent.id, { kind: 'config-error', detail: 'gave up', retryable: false }, T0 + 20);
    assert.deepEqual(await kept(), [[2, ['latest 1 of 1']]]);
  });

  it('marks a checkpoint whose file is already gone deleted, noted, without an error (a crash between delete and mark)', async () => {
    const { id, save, end } = await job({ keepCheckpoints: 1 });
    const gone = await save(1);
    await save(2);
    await end();
    rmSync(gone.path);
    const report = await collector().collect();
    assert.deepEqual(report.jobs[0].removed.map((r) => [r.step, r.bytes, r.note]), [[1, 0, 'its file was already gone']]);
    assert.equal(report.failed, 0);
    assert.deepEqual(await liveSteps(id), [2]);
  });

  it('leaves a file outside the checkpoint directory alone and reports it', async () => {
    const { id, save, end } = await job({ keepCheckpoints: 1 });
    const stray = await save(1);
    await save(2);
    await end();
    // The collector is told another directory: the registered path no longer lies inside it.
    const report = await collector({ checkpointDir: (jobId) => (jobId === id ? join(root, 'elsewhere') : checkpointDir(jobId)) }).collect();
    assert.equal(report.failed, 1);
    assert.match(report.jobs[0].failed[0].error, /is not inside job \d+'s checkpoint directory .*elsewhere: left alone/);
    assert.ok(existsSync(stray.path), 'not deleted');
    assert.deepEqual(await liveSteps(id), [1, 2], 'not marked');
  });

  it('checks protections again right before each file goes', async () => {
    const { id, save, end } = await job({ keepCheckpoints: 1 });
    const pinnedLate = await save(1);
    await save(2);
    await end();
    let calls = 0;
    // Nothing protects step 1 when the plan is made; a version appears before its file goes.
    const late: ProtectionSource = async () => (calls++ === 0 ? new Map() : new Map([[pinnedLate.id, ['model late v1']]]));
    const report = await collector({ sources: [...PROTECTION_SOURCES, late] }).collect({ jobId: id });
    assert.equal(report.removed, 0);
    assert.deepEqual(report.jobs[0].kept.find((k) => k.step === 1)?.reasons, ['model late v1']);
    assert.ok(existsSync(pinnedLate.path));
  });

  describe('disk pressure', () => {
    /** A filesystem of 1,000 bytes whose free space grows by what each deletion frees. */
    function disk(free: number) {
      const state = { free };
      const freeSpace = async (): Promise<FreeSpace> => ({ free: state.free, total: 1000 });
      return { state, freeSpace };
    }

    it('frees the oldest unprotected checkpoints of any job first, until free space is above the floor', async () => {
      const a = await job({ keepCheckpoints: 0 });
      const b = await job({ keepCheckpoints: 0 });
      const a1 = await a.save(1); // oldest
      const b2 = await b.save(2);
      const a3 = await a.save(3);
      const b4 = await b.save(4);
      const a5 = await a.save(5);
      await a.end();
      await b.end();
      await store.createModel({ name: 'gc-pressure' }, 'test', T0);
      await store.createModelVersion({ model: 'gc-pressure', checkpointId: a1.id }, 'test', T0);
      const { state, freeSpace } = disk(75);
      const deleted: number[] = [];
      const gc = collector({
        minFree: { percent: 10 },
        freeSpace: async () => {
          const now = await store.listLiveCheckpoints();
          state.free = 75 + 10 * (5 - now.length); // each deletion frees its 10 bytes
          return freeSpace();
        },
      });
      const result = await gc.relievePressure();
      for (const r of result!.removed) deleted.push(r.checkpointId);
      assert.deepEqual(deleted, [b2.id, a3.id, b4.id], 'the oldest first, the protected one skipped, until 105 ≥ 100');
      assert.ok(existsSync(a5.path));
      assert.equal(result!.stillUnder, false);
      assert.ok(existsSync(a1.path));
      assert.match(lines.join('\n'), /disk pressure: 75 B free < 10% \(100 B\): deleted checkpoint \d+ \(job \d+, step 2, 10 B\)/);
    });

    it('deletes what a keep rule keeps, never what is protected, and says when nothing is left', async () => {
      const { id, save } = await job({ keepCheckpoints: 3 });
      await save(1);
      await save(2);
      const latest = await save(3);
      const result = await collector({ minFree: { bytes: 10_000 }, freeSpace: disk(5).freeSpace }).relievePressure();
      assert.equal(result!.removed.length, 2);
      assert.equal(result!.stillUnder, true);
      assert.deepEqual(await liveSteps(id), [3], 'the running job\'s resume point stays');
      assert.ok(existsSync(latest.path));
      assert.match(lines.at(-1)!, /^disk pressure: 5 B free < 9\.8 KiB; no unprotected checkpoint is left to delete$/);
    });

    it('is off without a floor, and does nothing above it', async () => {
      const { id, save, end } = await job({ keepCheckpoints: 0 });
      await save(1);
      await end();
      assert.equal(await collector().relievePressure(), null);
      const above = await collector({ minFree: { percent: 10 }, freeSpace: disk(500).freeSpace }).relievePressure();
      assert.deepEqual(above!.removed, []);
      assert.deepEqual(await liveSteps(id), [1]);
    });
  });
});
