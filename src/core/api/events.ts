/**
 * The durable event log as the API sends it (`GET /api/v1/events`, and each durable event of
 * the stream): one schema per type of `core/events.ts`.
 */
import { z } from 'zod';
import { JOB_TRANSITIONS, type JobTransition } from '../job-machine.ts';
import { checkpointSchema, jobStateSchema, latestPointSchema, prioritySchema, runOutcomeSchema, stopReasonSchema } from './jobs.ts';
import { deploymentStateSchema } from './deployments.ts';
import { metricDiffSchema, regressionSchema, verdictSchema } from './evaluations.ts';
import { retentionPolicySchema } from './retention.ts';
import { jsonNumber, type Wire } from './wire.ts';
import { artifactKindSchema } from './artifacts.ts';

const transitions = Object.keys(JOB_TRANSITIONS) as [JobTransition, ...JobTransition[]];

/** Which evaluation an `evaluation.*` event is about. */
const evaluationRef = z.object({ evaluationId: z.number().int(), suite: z.string(), checkpointId: z.number().int(), step: z.number() });

/** Which deployment a `deployment.*` event is about. */
const deploymentRef = z.object({ deploymentId: z.number().int(), target: z.string(), model: z.string(), version: z.number().int() });

/** Which firing an `automation.*` event is about. */
const firingRef = z.object({
  firingId: z.number().int(),
  rule: z.string(),
  action: z.string(),
  eventId: z.number().int().nullable().describe('the event that caused it; null for a schedule'),
  scheduledAt: z.number().nullable().describe('the scheduled time of a schedule\'s firing'),
  depth: z.number().int().describe('firings in its cause chain, itself included'),
});

/** What each type carries in `data`. */
const DATA = {
  'job.submitted': z.object({ name: z.string(), state: jobStateSchema, tags: z.array(z.string()) }),
  'job.state_changed': z.object({
    from: jobStateSchema,
    to: jobStateSchema,
    transition: z.enum(transitions),
    reason: stopReasonSchema.optional().describe('why a stop or pause was asked for, when it was'),
    outcome: runOutcomeSchema.nullable().optional().describe('the outcome the job ended or was retried with'),
  }),
  'job.priority_changed': z.object({ priority: prioritySchema, queuedAt: z.number() }),
  'run.started': z.object({
    attempt: z.number().int(),
    gpus: z.array(z.number().int()),
    cpus: z.number().int(),
    resumedFrom: z.number().int().nullable(),
    resumeStep: z.number().nullable(),
  }),
  'run.ended': z.object({
    attempt: z.number().int(),
    state: z.enum(['succeeded', 'failed', 'stopped', 'lost']),
    outcome: runOutcomeSchema,
    exitCode: z.number().int().nullable(),
    signal: z.string().nullable(),
    peakGpuMemoryMiB: z.number().nullable().optional().describe('the most GPU memory (MiB) it held, when measured'),
  }),
  'checkpoint.registered': checkpointSchema,
  'checkpoint.deleted': z.object({ checkpointId: z.number().int(), step: z.number(), path: z.string(), reason: z.string().optional().describe('why retention let it go') }),
  'dataset.version_added': z.object({ versionId: z.number().int(), name: z.string(), version: z.number().int(), sha256: z.string(), format: z.string() }),
  'model.created': z.object({ model: z.string(), description: z.string().nullable(), tags: z.array(z.string()), by: z.string() }),
  'model.updated': z.object({ model: z.string(), version: z.number().int().nullable().describe('null: the model itself'), fields: z.array(z.string()), by: z.string() }),
  'model.version_created': z.object({ model: z.string(), version: z.number().int(), checkpointId: z.number().int(), step: z.number(), by: z.string() }),
  'model.alias_moved': z.object({
    model: z.string(),
    alias: z.string(),
    from: z.number().int().nullable().describe('null: the alias is new'),
    to: z.number().int().nullable().describe('null: the alias was deleted'),
    by: z.string(),
    reason: z.string().nullable(),
    moveId: z.number().int().describe('its entry in the alias history'),
  }),
  'eval_suite.saved': z.object({ name: z.string(), version: z.number().int() }),
  'evaluation.started': evaluationRef.extend({ evalJobId: z.number().int(), trigger: z.enum(['checkpoint', 'manual']) }),
  'evaluation.done': evaluationRef.extend({
    evalJobId: z.number().int(),
    verdict: verdictSchema,
    summary: z.string(),
    score: jsonNumber,
    baselineScore: jsonNumber,
    diffs: z.array(metricDiffSchema),
    regressed: z.boolean(),
  }),
  'evaluation.regression': evaluationRef.extend({ regressions: z.array(regressionSchema) }),
  'evaluation.overridden': evaluationRef.extend({ by: z.string(), reason: z.string() }),
  'retention.policy_changed': z.object({ policy: retentionPolicySchema.nullable().describe('null: removed'), by: z.string() }),
  'deploy_target.saved': z.object({ name: z.string(), kind: z.string(), model: z.string(), alias: z.string(), by: z.string() }),
  'deploy_target.removed': z.object({ name: z.string(), by: z.string() }),
  'deployment.requested': deploymentRef.extend({ previousVersion: z.number().int().nullable().describe('what the target served: a failure reverts to it'), by: z.string(), cause: z.string().nullable() }),
  'deployment.progressed': deploymentRef.extend({ step: deploymentStateSchema }),
  'deployment.finished': deploymentRef.extend({ state: deploymentStateSchema, reason: z.string().nullable(), failedStep: z.string().nullable() }),
  'api_key.created': z.object({ id: z.string(), name: z.string(), target: z.string().nullable().describe('null: every target'), by: z.string() }),
  'api_key.revoked': z.object({ id: z.string(), name: z.string(), target: z.string().nullable(), by: z.string() }),
  // Automations (docs/automations.md)
  'automation.fired': firingRef,
  'automation.finished': firingRef.extend({ state: z.enum(['succeeded', 'failed', 'refused', 'skipped']), detail: z.string().nullable(), durationMs: z.number() }),
  // Curricula (docs/curriculum.md)
  'curriculum.updated': z.object({ curriculum: z.string(), version: z.number().int(), created: z.boolean(), levels: z.array(z.string()).describe('level names, in order'), by: z.string() }),
  'curriculum.level_changed': z.object({
    curriculum: z.string(),
    from: z.number().int(),
    to: z.number().int(),
    fromLevel: z.string(),
    toLevel: z.string(),
    direction: z.enum(['promote', 'demote', 'set']),
    reason: z.string().describe('with the numbers'),
    values: z.array(jsonNumber).describe('the values behind it (smoothed where ema is given); empty for a manual move'),
    historyId: z.number().int(),
  }),
  'curriculum.completed': z.object({ curriculum: z.string(), level: z.number().int(), levelName: z.string(), reason: z.string(), values: z.array(jsonNumber), historyId: z.number().int() }),
  // Artifacts (core/artifacts.ts)
  'artifact.attached': z.object({
    artifactId: z.number().int(),
    name: z.string(),
    kind: artifactKindSchema,
    step: z.number().nullable(),
    mediaType: z.string(),
    bytes: z.number().int(),
    sha256: z.string(),
  }),
  // Studies (docs/studies.md)
  'study.created': z.object({ study: z.string(), trials: z.number().int(), parallelism: z.number().int(), search: z.enum(['grid', 'random', 'list', 'external']) }),
  'study.paused': z.object({ study: z.string(), reason: z.string().nullable(), by: z.enum(['user', 'circuit-breaker', 'runner']) }),
  'study.resumed': z.object({ study: z.string(), by: z.enum(['user', 'circuit-breaker', 'runner']) }),
  'study.completed': z.object({ study: z.string(), trials: z.number().int(), succeeded: z.number().int(), failed: z.number().int(), stopped: z.number().int() }),
  'study.stopped': z.object({ study: z.string(), reason: z.string().nullable(), by: z.enum(['user', 'circuit-breaker', 'runner']) }),
  'study.trial_stopped': z.object({
    study: z.string(), index: z.number().int(), action: z.enum(['stop', 'pause']), policy: z.enum(['asha', 'median', 'external']), step: z.number(),
    value: jsonNumber.nullable(), cutoff: jsonNumber.nullable(), rank: z.number().int().nullable(), of: z.number().int().nullable(), reason: z.string(),
  }),
  'study.widened': z.object({
    study: z.string(), maxRuns: z.number().int(), previousMaxRuns: z.number().int(), added: z.number().int().describe('trials added'),
    resumed: z.array(z.number().int()).describe('indices of the trials ASHA paused that were resumed'), reopened: z.boolean().describe('a completed study runs again'),
  }),
} as const;

type EventType = keyof typeof DATA;

function eventOf<T extends EventType>(type: T) {
  return z
    .object({
      id: z.number().int().describe('monotonic: resume after it with ?after= or Last-Event-ID'),
      at: z.number().describe('epoch ms it was appended'),
      type: z.literal(type),
      jobId: z.number().int().nullable(),
      runId: z.number().int().nullable(),
      data: DATA[type],
    })
    .meta({ id: `${type.split(/[._]/).map((w) => w[0].toUpperCase() + w.slice(1)).join('')}Event` });
}

export const domainEventSchema = z
  .discriminatedUnion('type', [
    eventOf('job.submitted'),
    eventOf('job.state_changed'),
    eventOf('job.priority_changed'),
    eventOf('run.started'),
    eventOf('run.ended'),
    eventOf('checkpoint.registered'),
    eventOf('checkpoint.deleted'),
    eventOf('dataset.version_added'),
    eventOf('model.created'),
    eventOf('model.updated'),
    eventOf('model.version_created'),
    eventOf('model.alias_moved'),
    eventOf('eval_suite.saved'),
    eventOf('evaluation.started'),
    eventOf('evaluation.done'),
    eventOf('evaluation.regression'),
    eventOf('evaluation.overridden'),
    eventOf('retention.policy_changed'),
    eventOf('deploy_target.saved'),
    eventOf('deploy_target.removed'),
    eventOf('deployment.requested'),
    eventOf('deployment.progressed'),
    eventOf('deployment.finished'),
    eventOf('api_key.created'),
    eventOf('api_key.revoked'),
    eventOf('automation.fired'),
    eventOf('automation.finished'),
    eventOf('curriculum.updated'),
    eventOf('curriculum.level_changed'),
    eventOf('curriculum.completed'),
    eventOf('artifact.attached'),
    eventOf('study.created'),
    eventOf('study.paused'),
    eventOf('study.resumed'),
    eventOf('study.completed'),
    eventOf('study.stopped'),
    eventOf('study.trial_stopped'),
    eventOf('study.widened'),
  ])
  .meta({ id: 'DomainEvent', description: 'A durable event (docs/events.md)' });

export const eventsPageSchema = z
  .object({
    events: z.array(domainEventSchema).describe('oldest first'),
    lastEventId: z.number().int().describe('the last id of this page (or `after` when empty): pass it as `after` to read on'),
  })
  .meta({ id: 'EventsPage' });

export type ApiDomainEvent = Wire<typeof domainEventSchema>;
export type EventsPage = Wire<typeof eventsPageSchema>;

/**
 * Live events of the stream (not kept, without an id): `job` carries a Job; these two carry
 * what follows.
 */
export const liveLogSchema = z.object({
  jobId: z.number().int(),
  runId: z.number().int(),
  offset: z.number().int().describe("the byte offset just after `text` in the run's log"),
  text: z.string().describe('complete lines'),
});

export const liveMetricsSchema = z.object({
  jobId: z.number().int(),
  runId: z.number().int(),
  latest: z.record(z.string(), latestPointSchema),
});

export type LogEvent = Wire<typeof liveLogSchema>;
export type MetricsEvent = Wire<typeof liveMetricsSchema>;
