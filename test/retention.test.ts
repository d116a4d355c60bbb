/**
 * Retention through a real server (docs/retention.md): the global policy and `trainyard gc`
 * (a dry run changes nothing), disk-pressure mode (`TRAINYARD_GC_MIN_FREE=100%`: always under
 * pressure) and a collection killed with SIGKILL half-way. The checkpoints are prepared in the
 * data directory before the server starts (store and files, as runs would have left them), so
 * each case starts from a known state in milliseconds.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { createDataDirLayout } from '../src/control/data-dir.ts';
import type { Checkpoint, JobSpec } from '../src/core/types.ts';
import { endRun, jobSpec, NEW_RUN } from '../src/store/contract/fixtures.ts';
import { createSqliteStore } from '../src/store/sqlite/sqlite-store.ts';
import { REPO, runCli, startServer, tempDir, waitFor, type TestServer } from './harness.ts';

interface PreparedJob {
  readonly id: number;
  readonly checkpoints: Checkpoint[];
}

interface JobPlan {
  readonly state: 'succeeded' | 'paused';
  readonly steps: readonly number[];
  readonly spec?: Partial<JobSpec>;
  /** Files per checkpoint: > 0 makes each a folder of that many files (slower to delete). */
  readonly files?: number;
  /** Indexes (into steps) of checkpoints made versions of model `pinned`. */
  readonly pin?: readonly number[];
}

/** A data directory holding jobs with registered checkpoint files, and model versions. */
async function prepare(plans: readonly JobPlan[]): Promise<{ dataDir: string; jobs: PreparedJob[] }> {
  const dataDir = tempDir('trainyard-retention-');
  const layout = createDataDirLayout(dataDir);
  const store = await createSqliteStore(layout.database);
  const jobs: PreparedJob[] = [];
  try {
    await store.createModel({ name: 'pinned' }, 'test', Date.now());
    for (const plan of plans) {
      const now = Date.now();
      const job = await store.createJob(jobSpec({ cwd: REPO, ...plan.spec }), now);
      const { run } = (await store.claimJob(job.id, NEW_RUN, now))!;
      const dir = layout.checkpointDir(job.id);
      mkdirSync(dir, { recursive: true });
      const checkpoints: Checkpoint[] = [];
      for (const [i, step] of plan.steps.entries()) {
        const path = join(realpathSync(dir), `step-${step}`);
        if (plan.files) {
          mkdirSync(path);
          for (let f = 0; f < plan.files; f++) writeFileSync(join(path, `shard-${f}.bin`), 'x'.repeat(64));
        } else {
          writeFileSync(path, 'x'.repeat(100));
        }
        const bytes = plan.files ? plan.files * 64 : 100;
        checkpoints.push(await store.registerCheckpoint({ jobId: job.id, runId: run.id, step, path, bytes, metrics: { loss: 1 / step }, createdAt: now + i }));
      }
      for (const i of plan.pin ?? []) await store.createModelVersion({ model: 'pinned', checkpointId: checkpoints[i].id }, 'test', now);
      await endRun(store, run, plan.state, now + 1);
      jobs.push({ id: job.id, checkpoints });
    }
  } finally {
    await store.close();
  }
  return { dataDir, jobs };
}

/** Live (not deleted) checkpoint ids, read from the database beside a running server. */
function liveIds(dataDir: string): Set<number> {
  const db = new Database(join(dataDir, 'trainyard.db'), { readonly: true, fileMustExist: true });
  try {
    return new Set((db.prepare('SELECT id FROM checkpoints WHERE deleted = 0').all() as Array<{ id: number }>).map((r) => r.id));
  } finally {
    db.close();
  }
}

/** Runs the CLI against `dataDir` (the admin token of the server there). */
const cli = (args: string[], dataDir: string) => runCli(args, { dataDir });

describe('retention through a real server', () => {
  const servers: TestServer[] = [];
  after(async () => {
    for (const s of servers) await s.stop().catch(() => {});
  });
  async function serve(dataDir: string, env: Record<string, string> = {}): Promise<TestServer> {
    const server = await startServer({ dataDir, env });
    servers.push(server);
    return server;
  }

  it('sets the global policy, shows what gc would delete without deleting it, then deletes exactly that', async () => {
    const { dataDir, jobs } = await prepare([
      { state: 'succeeded', steps: [100, 200, 300, 400, 500], pin: [0] }, // follows the global policy
      { state: 'succeeded', steps: [100, 200, 300], spec: { keepCheckpoints: 1, retention: { keepLatest: 1 } } },
    ]);
    const [plain, own] = jobs;
    const server = await serve(dataDir);

    const set = await cli(['gc', 'policy', 'set', '--keep-latest', '1', '--keep-every', '200', '--json'], dataDir);
    assert.equal(set.code, 0, set.stderr);
    assert.deepEqual(JSON.parse(set.stdout).policy, { keepLatest: 1, keepEvery: 200 });
    const shown = await cli(['gc', 'policy'], dataDir);
    assert.match(shown.stdout, /^global retention policy: latest 1, every 200th step\nset by admin/);
    const events = await server.api('/api/v1/events?types=retention.policy_changed');
    assert.deepEqual(events.body.events.map((e: any) => e.data.policy), [{ keepLatest: 1, keepEvery: 200 }]);

    const files = () => [...plain.checkpoints, ...own.checkpoints].filter((c) => existsSync(c.path)).length;
    const dry = await cli(['gc', '--dry-run', '--json'], dataDir);
    assert.equal(dry.code, 0, dry.stderr);
    const report = JSON.parse(dry.stdout);
    assert.equal(report.dryRun, true);
    const byJob = new Map(report.jobs.map((j: any) => [j.jobId, j]));
    const p: any = byJob.get(plain.id);
    assert.equal(p.policySource, 'global');
    assert.deepEqual(p.removed.map((r: any) => [r.step, r.reason]), [[300, 'step 300: not among the latest 1, step 300 is not a multiple of 200; nothing protects it']]);
    assert.deepEqual(p.kept.map((k: any) => [k.step, k.reasons, k.protected]), [
      [500, ['latest 1 of 1'], false],
      [400, ['step 400 is a multiple of 200'], false],
      [200, ['step 200 is a multiple of 200'], false],
      [100, ['model pinned v1'], true],
    ]);
    const o: any = byJob.get(own.id);
    assert.equal(o.policySource, 'job');
    assert.deepEqual(o.removed.map((r: any) => r.step), [100, 200]);
    assert.equal(report.bytesFreed, 300);
    assert.equal(files(), 8, 'a dry run deletes no file');
    assert.equal(liveIds(dataDir).size, 8, 'and marks nothing');
    const text = await cli(['gc', '--dry-run'], dataDir);
    assert.match(text.stdout, /would delete +\d+ +300 +100 B +step 300: not among the latest 1/);
    assert.match(text.stdout, /dry run: would delete 3 checkpoints and free 300 B; nothing was deleted/);

    const real = await cli(['gc', '--json'], dataDir);
    assert.equal(real.code, 0, real.stderr);
    const done = JSON.parse(real.stdout);
    assert.deepEqual([done.removed, done.failed, done.bytesFreed], [3, 0, 300]);
    assert.equal(files(), 5);
    const deleted = await server.api('/api/v1/events?types=checkpoint.deleted');
    assert.deepEqual(deleted.body.events.filter((e: any) => e.jobId === own.id).map((e: any) => e.data.reason), ['step 100: not among the latest 1; nothing protects it', 'step 200: not among the latest 1; nothing protects it']);
    assert.equal(JSON.parse((await cli(['gc', '--json', '--job', String(own.id)], dataDir)).stdout).removed, 0, 'again: nothing more');

    const bad = await server.api('/api/v1/retention', { method: 'PUT', body: { policy: { keepBest: { metric: 'loss', goal: 'lowest', count: 1 } } } });
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.message, /policy\.keepBest\.goal/);
    assert.equal((await server.api('/api/v1/gc', { body: { jobId: 999_999 } })).status, 404);
    const cleared = await cli(['gc', 'policy', 'set', '--clear'], dataDir);
    assert.match(cleared.stdout, /^no global retention policy \(removed by admin/);
  });

  it('under disk pressure (TRAINYARD_GC_MIN_FREE=100%) deletes every unprotected checkpoint and none that is protected', async () => {
    const { dataDir, jobs } = await prepare([
      { state: 'succeeded', steps: [1, 2, 3, 4], pin: [1], spec: { keepCheckpoints: 10, retention: { keepLatest: 10 } } },
      { state: 'paused', steps: [1, 2, 3] }, // its newest is the resume point
    ]);
    const [done, paused] = jobs;
    const protectedIds = new Set([done.checkpoints[1].id, paused.checkpoints[2].id]);
    const server = await serve(dataDir, { TRAINYARD_GC_MIN_FREE: '100%', TRAINYARD_GC_INTERVAL_SECONDS: '1' });
    await waitFor(() => /no unprotected checkpoint is left to delete/.test(server.output()), { what: 'disk pressure to run out of checkpoints', timeoutMs: 30_000 });
    assert.deepEqual([...liveIds(dataDir)].sort(), [...protectedIds].sort());
    for (const c of [...done.checkpoints, ...paused.checkpoints]) assert.equal(existsSync(c.path), protectedIds.has(c.id), `checkpoint ${c.id} step ${c.step}`);
    assert.match(server.output(), /disk pressure: .* free < 100% \(.*\): deleted checkpoint \d+ \(job \d+, step 1, 100 B\)/);
    const events = await server.api('/api/v1/events?types=checkpoint.deleted');
    assert.equal(events.body.events.length, 5);
    assert.ok(events.body.events.every((e: any) => /^disk pressure: .* free < 100%/.test(e.data.reason)));
  });

  it('after SIGKILL during a collection: nothing protected is gone, nothing marked deleted has a file, and gc finishes the job', async (t) => {
    const steps = Array.from({ length: 300 }, (_, i) => i + 1);
    const { dataDir, jobs } = await prepare([
      { state: 'succeeded', steps, files: 20, pin: [0, 150, 299], spec: { keepCheckpoints: 1, retention: { keepLatest: 1 } } },
      { state: 'paused', steps: [1, 2, 3, 4], files: 2, spec: { keepCheckpoints: 1, retention: { keepLatest: 1 } } },
    ]);
    const all = jobs.flatMap((j) => j.checkpoints);
    const keptIds = new Set([jobs[0].checkpoints[0].id, jobs[0].checkpoints[150].id, jobs[0].checkpoints[299].id, jobs[1].checkpoints[3].id]);
    const first = await serve(dataDir);
    const collecting = first.api('/api/v1/gc', { body: {} }).catch(() => null);
    await waitFor(() => liveIds(dataDir).size < all.length - 3, { intervalMs: 2, what: 'the collection under way' });
    await first.kill9();
    await collecting;

    const live = liveIds(dataDir);
    t.diagnostic(`killed with ${all.length - live.size} of ${all.length - keptIds.size} deletions done`);
    for (const c of all) {
      if (keptIds.has(c.id)) assert.ok(live.has(c.id) && existsSync(c.path), `protected checkpoint ${c.id} (step ${c.step}) is there`);
      if (!live.has(c.id)) assert.equal(existsSync(c.path), false, `checkpoint ${c.id} (step ${c.step}) is marked deleted: its file is gone`);
    }
    // What a kill between the file's deletion and the mark leaves: a live record without a file.
    const leftover = all.find((c) => live.has(c.id) && !keptIds.has(c.id));
    if (leftover) rmSync(leftover.path, { recursive: true, force: true }); // force: the kill may have come between its deletion and its mark

    const second = await serve(dataDir);
    const { status, body } = await second.api('/api/v1/gc', { body: {} });
    assert.equal(status, 200);
    assert.equal(body.failed, 0);
    if (leftover) {
      const entry = body.jobs.flatMap((j: any) => j.removed).find((r: any) => r.checkpointId === leftover.id);
      assert.deepEqual([entry?.bytes, entry?.note], [0, 'its file was already gone']);
    }
    assert.deepEqual([...liveIds(dataDir)].sort((a, b) => a - b), [...keptIds].sort((a, b) => a - b));
    for (const c of all) assert.equal(existsSync(c.path), keptIds.has(c.id), `checkpoint ${c.id} (step ${c.step})`);
    assert.equal((await second.api('/api/v1/gc', { body: {} })).body.removed, 0);
  });
});
