/**
 * The collector: the one place that deletes checkpoint files (docs/retention.md).
 *
 * | verb | when | what |
 * |---|---|---|
 * | `collect` | `trainyard gc` (`POST /api/v1/gc`) | each job's plan (gc-plan.ts); deletes what it removes, or only reports (dry run) |
 * | `afterCheckpoint` | each checkpoint registration | that job's plan, then disk pressure |
 * | `relievePressure` | every `TRAINYARD_GC_INTERVAL_SECONDS`, and after each registration | gc-pressure.ts |
 *
 * One collection runs at a time (an in-process queue), and each deletion is checked against the
 * protections again just before the file goes, so a model version made meanwhile still holds.
 * Crash safety is per checkpoint (gc-files.ts): a collection killed half-way is finished by
 * the next one.
 */
import type { FailedRemoval, GcJobReport, GcReport, KeptCheckpoint, RemovedCheckpoint } from '../core/gc-report.ts';
import { NotFoundError } from '../core/errors.ts';
import { describePressure, type FreeSpace, type FreeSpaceFloor } from '../core/disk-pressure.ts';
import type { Job } from '../core/types.ts';
import type { Store } from '../store/store.ts';
import { ALREADY_GONE, fileMissing, removeCheckpoint } from './gc-files.ts';
import { planJob } from './gc-plan.ts';
import { relievePressure, type PressureResult } from './gc-pressure.ts';
import { gatherProtections, PROTECTION_SOURCES, type ProtectionSource } from './protections.ts';

export interface CollectorDeps {
  readonly store: Store;
  readonly checkpointDir: (jobId: number) => string;
  readonly now: () => number;
  readonly log: (line: string) => void;
  /** Free and total bytes of the data directory's filesystem (statfs; a fake in tests). */
  readonly freeSpace: () => Promise<FreeSpace>;
  /** `TRAINYARD_GC_MIN_FREE`; null: no disk-pressure mode. */
  readonly minFree: FreeSpaceFloor | null;
  /** How often free space is read. Default: 60,000 ms (`TRAINYARD_GC_INTERVAL_SECONDS`). */
  readonly intervalMs?: number;
  /** What protects checkpoints. Default: PROTECTION_SOURCES. */
  readonly sources?: readonly ProtectionSource[];
}

export interface CollectOptions {
  /** Report only; delete nothing. Default: false. */
  readonly dryRun?: boolean;
  /** One job; default: every job with live checkpoints. Throws NotFoundError for an unknown job. */
  readonly jobId?: number;
}

export interface Collector {
  collect(options?: CollectOptions): Promise<GcReport>;
  /** A checkpoint of `jobId` was registered: its job's policy, then disk pressure. Never throws. */
  afterCheckpoint(jobId: number): Promise<void>;
  /** Frees the oldest unprotected checkpoints while free space is under `minFree`. */
  relievePressure(): Promise<PressureResult | null>;
  /** Starts reading free space every interval (when `minFree` is set). */
  start(): void;
  /** Stops the timer and waits for the collection under way. */
  close(): Promise<void>;
}

export function createCollector(deps: CollectorDeps): Collector {
  const { store } = deps;
  const sources = deps.sources ?? PROTECTION_SOURCES;
  let queue: Promise<unknown> = Promise.resolve();
  let timer: NodeJS.Timeout | null = null;
  const pressureState = { lastLine: null as string | null };

  /** Runs `work` after every collection queued before it. */
  function exclusive<T>(work: () => Promise<T>): Promise<T> {
    const next = queue.then(work, work);
    queue = next.catch(() => {});
    return next;
  }

  async function collectJob(job: Job, dryRun: boolean): Promise<GcJobReport> {
    const { policy: global } = await store.getRetentionPolicy();
    const plan = await planJob(store, job, global, sources);
    const kept: KeptCheckpoint[] = [...plan.kept];
    const removed: RemovedCheckpoint[] = [];
    const failed: FailedRemoval[] = [];
    const freed = new Map<string, number>();
    for (const { checkpoint: c, reason } of plan.remove) {
      const sharedWith = freed.get(c.path);
      if (dryRun) {
        const missing = fileMissing(c.path);
        removed.push({ checkpointId: c.id, step: c.step, path: c.path, reason, bytes: missing || sharedWith ? 0 : c.bytes, note: missing ? ALREADY_GONE : null });
        freed.set(c.path, c.id);
        continue;
      }
      // Again, just before the file goes: a model version or an evaluation may have come since.
      const fresh = (await store.getJob(job.id)) ?? job;
      const protections = await gatherProtections(store, { job: fresh, live: await store.listLiveCheckpoints(job.id) }, sources);
      const now = protections.get(c.id);
      if (now) {
        kept.push({ checkpointId: c.id, step: c.step, bytes: c.bytes, reasons: now, protected: true, fileMissing: fileMissing(c.path) });
        continue;
      }
      const result = await removeCheckpoint(store, deps.checkpointDir(job.id), c, reason, deps.now());
      if (!result.ok) {
        failed.push({ checkpointId: c.id, step: c.step, error: result.error });
        deps.log(`gc: job ${job.id}: checkpoint ${c.id} (step ${c.step}): ${result.error}`);
        continue;
      }
      const note = sharedWith !== undefined && result.note === ALREADY_GONE ? `its file went with checkpoint ${sharedWith}` : result.note;
      removed.push({ checkpointId: c.id, step: c.step, path: c.path, reason, bytes: result.bytes, note });
      freed.set(c.path, c.id);
    }
    const bytesFreed = removed.reduce((sum, r) => sum + r.bytes, 0);
    return { jobId: job.id, name: job.spec.name, state: job.state, policy: plan.policy, policySource: plan.policySource, kept, removed, failed, bytesFreed };
  }

  async function jobsToCollect(jobId: number | undefined): Promise<Job[]> {
    if (jobId !== undefined) {
      const job = await store.getJob(jobId);
      if (!job) throw new NotFoundError('job', jobId);
      return [job];
    }
    const ids = [...new Set((await store.listLiveCheckpoints()).map((c) => c.jobId))].sort((a, b) => a - b);
    const jobs: Job[] = [];
    for (const id of ids) {
      const job = await store.getJob(id);
      if (job) jobs.push(job);
    }
    return jobs;
  }

  const pressure = () => relievePressure({ ...deps, sources, state: pressureState });

  return {
    collect(options = {}) {
      return exclusive(async () => {
        const dryRun = options.dryRun ?? false;
        const jobs: GcJobReport[] = [];
        for (const job of await jobsToCollect(options.jobId)) jobs.push(await collectJob(job, dryRun));
        const total = (f: (j: GcJobReport) => number) => jobs.reduce((sum, j) => sum + f(j), 0);
        if (!dryRun && total((j) => j.removed.length) > 0) deps.log(`gc: deleted ${total((j) => j.removed.length)} checkpoint(s), freed ${total((j) => j.bytesFreed)} bytes`);
        return { dryRun, jobs, removed: total((j) => j.removed.length), failed: total((j) => j.failed.length), bytesFreed: total((j) => j.bytesFreed) };
      });
    },

    async afterCheckpoint(jobId) {
      try {
        await exclusive(async () => {
          const job = await store.getJob(jobId);
          if (job) await collectJob(job, false);
        });
      } catch (error) {
        deps.log(`gc: job ${jobId}: retention failed: ${(error as Error).message}`);
      }
      if (deps.minFree) void exclusive(pressure).catch((error) => deps.log(`gc: disk pressure: ${(error as Error).message}`));
    },

    relievePressure: () => exclusive(pressure),

    start() {
      if (!deps.minFree || timer) return;
      const floor = deps.minFree;
      void deps.freeSpace().then((space) => deps.log(`gc: disk-pressure mode on: ${describePressure(space, floor)}`), () => {});
      const tick = () => void exclusive(pressure).catch((error) => deps.log(`gc: disk pressure: ${(error as Error).message}`));
      tick();
      timer = setInterval(tick, deps.intervalMs ?? 60_000);
      timer.unref();
    },

    async close() {
      if (timer) clearInterval(timer);
      timer = null;
      await queue;
    },
  };
}
