/**
 * The scheduling loop: at each pass (every tickMs, and soon after any change) it runs the
 * watchdogs' limits, settles dependencies, hands a read-only snapshot to the pure scheduler,
 * and carries out its plan (preempt, start, refuse). Passes never overlap.
 */
import { dependencyStatus } from '../core/dependencies.ts';
import { backoffRemainingMs } from '../core/retry.ts';
import type { Checkpoint, Job, JobState } from '../core/types.ts';
import { schedule } from '../scheduler/scheduler.ts';
import type { ControlContext } from './context.ts';
import type { JobControl } from './job-control.ts';
import { launch } from './launch.ts';
import { queuedView, runningView } from './snapshot.ts';
import type { Watchdogs } from './watchdogs.ts';

export interface Dispatcher {
  /** Runs a pass soon (one at a time; a poke during a pass runs another after it). */
  poke(): void;
  start(tickMs: number): void;
  /** Stops the loop; resolves after the pass in flight. */
  close(): Promise<void>;
}

export function createDispatcher(ctx: ControlContext, jobs: Pick<JobControl, 'requestStop'>, watchdogs: Watchdogs): Dispatcher {
  const { store } = ctx;
  let timer: NodeJS.Timeout | null = null;
  let ticking: Promise<void> | null = null;
  let again = false;
  let closed = false;
  /**
   * Each waiting retry's end on the monotonic clock, set when this server first saw its
   * `notBefore` (core/retry.ts `backoffRemainingMs`): a wall-clock jump neither cuts the wait
   * short nor makes it last until the clock catches up.
   */
  const backoffs = new Map<number, { readonly notBefore: number; readonly due: number }>();

  /** The job's `notBefore` for the scheduler, as `now` plus what the monotonic clock says is left. */
  function notBeforeOf(job: Job, now: number): number | null {
    if (job.notBefore === null) return null;
    let wait = backoffs.get(job.id);
    if (wait?.notBefore !== job.notBefore) {
      wait = { notBefore: job.notBefore, due: ctx.monotonic() + backoffRemainingMs(job.notBefore, now) };
      backoffs.set(job.id, wait);
    }
    const left = wait.due - ctx.monotonic();
    return left <= 0 ? null : now + left;
  }

  async function pass(): Promise<void> {
    await watchdogs.checkLimits();
    const queued = await store.listQueuedJobs();
    if (queued.length === 0) return;
    const ready: Job[] = [];
    for (const job of queued) {
      const deps = await dependencies(job);
      if (deps.kind === 'ready') ready.push(job);
      else if (deps.kind === 'failed') await failUnstarted(job.id, 'dependency-failed', deps.detail);
    }
    const now = ctx.now();
    const running = [];
    for (const entry of ctx.live.values()) {
      const job = await store.getJob(entry.jobId);
      if (!job) continue;
      const checkpoint: Checkpoint | null = await store.latestCheckpoint(job.id);
      running.push(runningView(entry, job, checkpoint, now));
    }
    for (const id of backoffs.keys()) if (!ready.some((job) => job.id === id)) backoffs.delete(id);
    const queue = ready.map((job) => ({ ...queuedView(job), notBefore: notBeforeOf(job, now) }));
    const plan = schedule({ now, slots: ctx.slots, running, queue });
    for (const { jobId, forJobId } of plan.preempt) {
      ctx.log(`job ${jobId}: preempted for job ${forJobId}`);
      await jobs.requestStop(jobId, 'preempt');
    }
    for (const placement of plan.start) await launch(ctx, placement);
    for (const { jobId, reason } of plan.unschedulable) await failUnstarted(jobId, 'config-error', reason);
  }

  async function dependencies(job: Job) {
    if (job.spec.after.length === 0) return { kind: 'ready' } as const;
    const states = new Map<number, JobState | undefined>();
    for (const id of job.spec.after) states.set(id, (await store.getJob(id))?.state);
    return dependencyStatus(job.spec.after, states);
  }

  async function failUnstarted(jobId: number, kind: 'dependency-failed' | 'config-error', detail: string): Promise<void> {
    const job = await store.failUnstartedJob(jobId, { kind, detail, retryable: false }, ctx.now());
    if (job) ctx.publishJob(job);
  }

  function poke(): void {
    if (closed) return;
    if (ticking) {
      again = true;
      return;
    }
    ticking = pass()
      .catch((error) => ctx.log(`dispatcher: ${String(error?.stack ?? error)}`))
      .finally(() => {
        ticking = null;
        if (again) {
          again = false;
          poke();
        }
      });
  }

  return {
    poke,
    start(tickMs) {
      timer = setInterval(poke, tickMs);
      timer.unref();
      poke();
    },
    async close() {
      closed = true;
      if (timer) clearInterval(timer);
      await ticking;
    },
  };
}
