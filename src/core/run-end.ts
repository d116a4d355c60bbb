/**
 * What a job becomes when a run ends: the run's final state and outcome (a stop the server
 * asked for names its reason) and the job's next state (done, retried with backoff, paused,
 * requeued after preemption, retried with patched params by a remedy), always one the
 * `run-ended` transition of job-machine.ts allows. Pure.
 */
import { effectiveParams, planCudaOomRetry } from './remedies.ts';
import { retryDelayMs, shouldRetry } from './retry.ts';
import type { Job, JobState, RunOutcome, RunState, StopReason } from './types.ts';

/** The job fields a transition may set besides its state. */
export interface JobChange {
  readonly state?: JobState;
  readonly startedAt?: number | null;
  readonly endedAt?: number | null;
  readonly notBefore?: number | null;
  readonly outcome?: RunOutcome | null;
  readonly stopReason?: StopReason | null;
  readonly paramsOverride?: Readonly<Record<string, unknown>> | null;
}

const BY_REASON: Record<StopReason, { kind: RunOutcome['kind']; retryable: boolean; verb: string }> = {
  stop: { kind: 'stopped', retryable: false, verb: 'stopped on request' },
  pause: { kind: 'paused', retryable: false, verb: 'paused on request' },
  preempt: { kind: 'preempted', retryable: false, verb: 'preempted for a higher-priority job' },
  stuck: { kind: 'stuck', retryable: true, verb: 'stuck: no new step within the window' },
  diverged: { kind: 'diverged', retryable: false, verb: 'diverged' },
  'time-limit': { kind: 'time-limit', retryable: false, verb: 'ran past its time limit' },
  'target-reached': { kind: 'success', retryable: false, verb: 'stopWhen: its target was reached' },
};

export interface RunEndFacts {
  readonly job: Job;
  readonly attempt: number;
  /** As classified from the exit alone. */
  readonly outcome: RunOutcome;
  readonly now: number;
  /** For `diverged`: what the watchdog saw. */
  readonly divergence?: { readonly step: number; readonly detail: string };
  /** For `target-reached`: the point that reached the `stopWhen` target. */
  readonly target?: { readonly step: number; readonly detail: string };
  /** For `cuda-oom`: the job's earlier runs that ended `cuda-oom` (each was a patched retry). Default: 0. */
  readonly cudaOomRetries?: number;
}

export function decideRunEnd(facts: RunEndFacts): { runState: Exclude<RunState, 'running'>; outcome: RunOutcome; job: JobChange & { readonly state: JobState } } {
  const { job, now } = facts;
  let outcome = facts.outcome;
  const reason = job.stopReason;
  if (reason === 'target-reached' && outcome.kind !== 'config-error') {
    // Reached: however the script ended after SIGTERM, the job did what it was for.
    outcome = facts.target
      ? { kind: 'success', detail: facts.target.detail, retryable: false, step: facts.target.step }
      : { kind: 'success', detail: targetText(job.spec.stopWhen) ?? BY_REASON[reason].verb, retryable: false };
  } else if (reason !== null && outcome.kind !== 'success' && outcome.kind !== 'config-error') {
    const r = BY_REASON[reason];
    const how = outcome.kind === 'stopped' ? outcome.detail.replace(/^stopped on request /, '') : `(${outcome.detail})`;
    const retryable = reason === 'diverged' ? job.spec.watchdog.divergence?.retryWithParams != null : r.retryable;
    outcome = {
      kind: r.kind,
      detail: reason === 'diverged' && facts.divergence ? `diverged: ${facts.divergence.detail}` : `${r.verb} ${how}`,
      retryable,
      ...(reason === 'diverged' && facts.divergence ? { step: facts.divergence.step } : {}),
    };
  }
  const runState: Exclude<RunState, 'running'> = outcome.kind === 'success' ? 'succeeded'
    : outcome.kind === 'stopped' || outcome.kind === 'paused' || outcome.kind === 'preempted' ? 'stopped'
    : outcome.kind === 'lost' ? 'lost'
    : 'failed';
  const clear = { stopReason: null } as const;
  let change: JobChange & { readonly state: JobState };
  if (outcome.kind === 'success') change = { state: 'succeeded', endedAt: now, outcome, ...clear };
  else if (outcome.kind === 'stopped') change = { state: 'stopped', endedAt: now, outcome, ...clear };
  else if (outcome.kind === 'paused') change = { state: 'paused', outcome, ...clear };
  else if (outcome.kind === 'preempted') change = { state: 'queued', notBefore: null, outcome, ...clear };
  else if (outcome.kind === 'cuda-oom' && job.spec.remedies?.cudaOom && shouldRetry(outcome, facts.attempt, job.spec.maxRetries)) {
    const plan = planCudaOomRetry(job.spec.remedies.cudaOom, effectiveParams(job), facts.cudaOomRetries ?? 0);
    if (plan.retry) {
      // From the latest checkpoint at once: the params changed, so waiting would not help.
      change = { state: 'queued', notBefore: now, outcome, ...clear, paramsOverride: { ...(job.paramsOverride ?? {}), ...plan.params } };
    } else {
      outcome = { ...outcome, detail: `${plan.reason} (last: ${outcome.detail})`, retryable: false };
      change = { state: 'failed', endedAt: now, outcome, ...clear };
    }
  } else if (shouldRetry(outcome, facts.attempt, job.spec.maxRetries)) {
    const retryParams = outcome.kind === 'diverged' ? job.spec.watchdog.divergence?.retryWithParams : null;
    change = {
      state: 'queued',
      notBefore: outcome.kind === 'diverged' ? now : now + retryDelayMs(facts.attempt),
      outcome,
      ...clear,
      ...(retryParams ? { paramsOverride: { ...(job.paramsOverride ?? {}), ...retryParams } } : {}),
    };
  } else change = { state: 'failed', endedAt: now, outcome, ...clear };
  return { runState, outcome, job: change };
}

/** "stopWhen: val_loss went below 0.45", for a run that ended after a server restart lost the point. */
function targetText(spec: Job['spec']['stopWhen']): string | null {
  if (!spec) return null;
  return `stopWhen: ${spec.metric} went ${spec.below !== undefined ? `below ${spec.below}` : `above ${spec.above}`}`;
}
