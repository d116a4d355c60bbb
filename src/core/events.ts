/**
 * Domain events: the durable log of what happened, one row per change, appended by the store in
 * the same transaction as the change it reports. Ids are monotonic, so a reader that remembers
 * the last id it handled (a subscriber's cursor, an SSE client's Last-Event-ID) never misses one.
 *
 * Delivery to subscribers is at-least-once: a handler may see an event again after a crash, so
 * handlers are idempotent (they check what they would create before creating it).
 *
 * Live events (`log`, `metrics`, `progress`) are not in this log: they are many and short-lived,
 * and the data they carry is in the store already (the log file, metric chunks, job progress).
 */
import type { Checkpoint, JobState, Priority, RunOutcome, RunState, StopReason } from './types.ts';
import type { JobTransition } from './job-machine.ts';
import type { MetricDiff, Regression, Verdict } from './evaluation.ts';
import type { EvaluationTrigger } from './eval-record.ts';
import type { RetentionPolicy } from './retention.ts';
import type { DeploymentState } from './deployment.ts';
import type { ArtifactKind } from './artifacts.ts';

/** Each durable event type with the data it carries. */
export interface DomainEventData {
  'job.submitted': { readonly name: string; readonly state: JobState; readonly tags: readonly string[] };
  'job.state_changed': {
    readonly from: JobState;
    readonly to: JobState;
    readonly transition: JobTransition;
    /** Why a stop or pause was asked for, when it was. */
    readonly reason?: StopReason;
    /** The outcome the job ended or was retried with, when a run ended or it failed unstarted. */
    readonly outcome?: RunOutcome | null;
  };
  'job.priority_changed': { readonly priority: Priority; readonly queuedAt: number };
  'run.started': { readonly attempt: number; readonly gpus: readonly number[]; readonly cpus: number; readonly resumedFrom: number | null; readonly resumeStep: number | null };
  'run.ended': {
    readonly attempt: number;
    readonly state: Exclude<RunState, 'running'>;
    readonly outcome: RunOutcome;
    readonly exitCode: number | null;
    readonly signal: string | null;
    /** Remedies (issue 11): the most GPU memory (MiB) it held, when measured; absent in events before 0028. */
    readonly peakGpuMemoryMiB?: number | null;
  };
  'checkpoint.registered': Checkpoint;
  /** Its file was deleted (or found gone); `reason`: why retention let it go (absent in events before 0023). */
  'checkpoint.deleted': { readonly checkpointId: number; readonly step: number; readonly path: string; readonly reason?: string };
  'dataset.version_added': { readonly versionId: number; readonly name: string; readonly version: number; readonly sha256: string; readonly format: string };
  // The model registry (core/registry.ts). `by`: a token's name (or role and id), or `system`.
  'model.created': { readonly model: string; readonly description: string | null; readonly tags: readonly string[]; readonly by: string };
  /** A model's or a version's description, notes, tags or promotion rule were edited. */
  'model.updated': { readonly model: string; readonly version: number | null; readonly fields: readonly string[]; readonly by: string };
  'model.version_created': { readonly model: string; readonly version: number; readonly checkpointId: number; readonly step: number; readonly by: string };
  /** An alias was set, moved or deleted (`to` null); the same move is in the alias history. */
  'model.alias_moved': { readonly model: string; readonly alias: string; readonly from: number | null; readonly to: number | null; readonly by: string; readonly reason: string | null; readonly moveId: number };
  // Evaluation (src/evaluation, docs/evaluation.md). `jobId` of `evaluation.*` is the evaluated job.
  'eval_suite.saved': { readonly name: string; readonly version: number };
  'evaluation.started': EvaluationRef & { readonly evalJobId: number; readonly trigger: EvaluationTrigger };
  'evaluation.done': EvaluationRef & {
    readonly evalJobId: number;
    readonly verdict: Verdict;
    readonly summary: string;
    readonly score: number | null;
    readonly baselineScore: number | null;
    readonly diffs: readonly MetricDiff[];
    readonly regressed: boolean;
  };
  'evaluation.regression': EvaluationRef & { readonly regressions: readonly Regression[] };
  'evaluation.overridden': EvaluationRef & { readonly by: string; readonly reason: string };
  // Retention (docs/retention.md). `policy` null: the global policy was removed.
  'retention.policy_changed': { readonly policy: RetentionPolicy | null; readonly by: string };
  // Deployment (src/deploy, docs/deployment.md). `by`: a token's name, or `system`.
  'deploy_target.saved': { readonly name: string; readonly kind: string; readonly model: string; readonly alias: string; readonly by: string };
  'deploy_target.removed': { readonly name: string; readonly by: string };
  'deployment.requested': DeploymentRef & { readonly previousVersion: number | null; readonly by: string; readonly cause: string | null };
  /** A deployment entered a step (`staging`, `checking`, `switching`, `watching`); again after a restart. */
  'deployment.progressed': DeploymentRef & { readonly step: DeploymentState };
  'deployment.finished': DeploymentRef & { readonly state: DeploymentState; readonly reason: string | null; readonly failedStep: string | null };
  // API keys of the serving endpoints (core/api-keys.ts). `target` null: every target.
  'api_key.created': { readonly id: string; readonly name: string; readonly target: string | null; readonly by: string };
  'api_key.revoked': { readonly id: string; readonly name: string; readonly target: string | null; readonly by: string };
  // Automations (src/automations, docs/automations.md): a rule's firing started, and ended.
  'automation.fired': AutomationFiringRef;
  'automation.finished': AutomationFiringRef & { readonly state: 'succeeded' | 'failed' | 'refused' | 'skipped'; readonly detail: string | null; readonly durationMs: number };
  // Curricula (src/curriculum, docs/curriculum.md): a spec applied, a level moved, the last level passed.
  'curriculum.updated': { readonly curriculum: string; readonly version: number; readonly created: boolean; readonly levels: readonly string[]; readonly by: string };
  'curriculum.level_changed': {
    readonly curriculum: string;
    readonly from: number;
    readonly to: number;
    readonly fromLevel: string;
    readonly toLevel: string;
    readonly direction: 'promote' | 'demote' | 'set';
    readonly reason: string;
    readonly values: readonly number[];
    readonly historyId: number;
  };
  'curriculum.completed': { readonly curriculum: string; readonly level: number; readonly levelName: string; readonly reason: string; readonly values: readonly number[]; readonly historyId: number };
  // Artifacts (issue 12 §4, core/artifacts.ts): a run attached a file (plot, table, report).
  'artifact.attached': { readonly artifactId: number; readonly name: string; readonly kind: ArtifactKind; readonly step: number | null; readonly mediaType: string; readonly bytes: number; readonly sha256: string };
  // Studies (src/studies, docs/studies.md): a study submitted, paused (by a person or its circuit breaker), resumed, ended; a trial stopped early.
  'study.created': { readonly study: string; readonly trials: number; readonly parallelism: number; readonly search: 'grid' | 'random' | 'list' | 'external' };
  'study.paused': { readonly study: string; readonly reason: string | null; readonly by: 'user' | 'circuit-breaker' | 'runner' };
  'study.resumed': { readonly study: string; readonly by: 'user' | 'circuit-breaker' | 'runner' };
  'study.completed': { readonly study: string; readonly trials: number; readonly succeeded: number; readonly failed: number; readonly stopped: number };
  'study.stopped': { readonly study: string; readonly reason: string | null; readonly by: 'user' | 'circuit-breaker' | 'runner' };
  /** Early stopping stopped (or paused) a trial: the decision and the numbers behind it. `jobId`: the trial's job. */
  'study.trial_stopped': { readonly study: string; readonly index: number; readonly action: 'stop' | 'pause'; readonly policy: 'asha' | 'median' | 'external'; readonly step: number; readonly value: number | null; readonly cutoff: number | null; readonly rank: number | null; readonly of: number | null; readonly reason: string };
  // Studies: widening (core/study-widen.ts)
  /** A study was widened: its cap raised (`added` new trials), the trials ASHA paused that rank in resumed (`resumed`), a completed one reopened. */
  'study.widened': { readonly study: string; readonly maxRuns: number; readonly previousMaxRuns: number; readonly added: number; readonly resumed: readonly number[]; readonly reopened: boolean };
}

/** Which firing an `automation.*` event is about; `depth`: its cause chain (core/automation.ts). */
export interface AutomationFiringRef {
  readonly firingId: number;
  readonly rule: string;
  readonly action: string;
  readonly eventId: number | null;
  readonly scheduledAt: number | null;
  readonly depth: number;
}

/** Which deployment a `deployment.*` event is about. */
export interface DeploymentRef {
  readonly deploymentId: number;
  readonly target: string;
  readonly model: string;
  readonly version: number;
}

/** Which evaluation an `evaluation.*` event is about. */
export interface EvaluationRef {
  readonly evaluationId: number;
  readonly suite: string;
  readonly checkpointId: number;
  readonly step: number;
}

export type DomainEventType = keyof DomainEventData;

export const DOMAIN_EVENT_TYPES = [
  'job.submitted',
  'job.state_changed',
  'job.priority_changed',
  'run.started',
  'run.ended',
  'checkpoint.registered',
  'checkpoint.deleted',
  'dataset.version_added',
  'model.created',
  'model.updated',
  'model.version_created',
  'model.alias_moved',
  'eval_suite.saved',
  'evaluation.started',
  'evaluation.done',
  'evaluation.regression',
  'evaluation.overridden',
  'retention.policy_changed',
  'deploy_target.saved',
  'deploy_target.removed',
  'deployment.requested',
  'deployment.progressed',
  'deployment.finished',
  'api_key.created',
  'api_key.revoked',
  // Automations
  'automation.fired',
  'automation.finished',
  // Curricula
  'curriculum.updated',
  'curriculum.level_changed',
  'curriculum.completed',
  // Artifacts
  'artifact.attached',
  // Studies
  'study.created',
  'study.paused',
  'study.resumed',
  'study.completed',
  'study.stopped',
  'study.trial_stopped',
  'study.widened',
] as const satisfies readonly DomainEventType[];

/** An event as a store verb hands it over to be appended. */
export type NewDomainEvent = {
  [T in DomainEventType]: {
    readonly type: T;
    readonly jobId: number | null;
    readonly runId: number | null;
    readonly data: DomainEventData[T];
  };
}[DomainEventType];

/** An event as stored: with its id (monotonic) and the time it was appended (epoch ms). */
export type DomainEvent = NewDomainEvent & { readonly id: number; readonly at: number };

export function isDomainEventType(type: string): type is DomainEventType {
  return (DOMAIN_EVENT_TYPES as readonly string[]).includes(type);
}
