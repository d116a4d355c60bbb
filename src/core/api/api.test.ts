/**
 * The response schemas are the JSON forms of the domain types: the same fields at every level
 * (checked by the compiler below, so a field added to `core/types.ts` without its schema fails
 * `tsc`), every domain value fits its schema, and real records survive JSON and parse.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import type { DatasetSummary, DatasetVersion, StoredFormat, ValidationRecord, ValidationReport } from '../datasets.ts';
import type { DomainEvent } from '../events.ts';
import type { Evaluation } from '../eval-record.ts';
import type { EvalSuite } from '../eval-suite.ts';
import type { MetricDiff } from '../evaluation.ts';
import type { AliasMove, Model, ModelAlias, ModelSummary, ModelVersion } from '../registry.ts';
import type { Timeline } from '../timeline.ts';
import type { Checkpoint, Job, JobState, Run, SeriesInfo } from '../types.ts';
import * as datasets from './datasets.ts';
import { errorResponses, errorSchema } from './errors.ts';
import type { ApiKey } from '../api-keys.ts';
import * as apiKeys from './api-keys.ts';
import * as evaluations from './evaluations.ts';
import * as events from './events.ts';
import * as registry from './registry.ts';
import * as retention from './retention.ts';
import type { GcReport } from '../gc-report.ts';
import type { GlobalRetention } from '../retention.ts';
import * as jobs from './jobs.ts';
import * as metrics from './metrics.ts';
import * as timeline from './timeline.ts';
import * as deployments from './deployments.ts';
import * as inbox from './inbox.ts';
import type { InboxListing } from '../inbox-listing.ts';
import type { Deployment, DeployTargetState } from '../deployment.ts';
import type { DeepReadonly, Wire } from './wire.ts';

/** Every field name at every level, each required; leaves (numbers, strings, null…) are alike. */
type Fields<T> = T extends readonly (infer U)[] ? Fields<U>[] : T extends object ? { [K in keyof T]-?: Fields<T[K]> } : 'leaf';
type SameFields<A, B> = [Fields<A>] extends [Fields<B>] ? ([Fields<B>] extends [Fields<A>] ? true : false) : false;
/** `Domain` has the fields of the schema, and each of its values fits the schema's type. */
type Matches<S extends z.ZodType, Domain> = SameFields<z.output<S>, Domain> extends true
  ? DeepReadonly<Domain> extends Wire<S> ? true : 'a domain value does not fit the schema'
  : 'the fields differ';
const matches = <T extends true>(): T => true as T;

// A failure here reads "Type 'true' does not satisfy the constraint 'the fields differ'".
matches<Matches<typeof jobs.jobSchema, Job & { readonly name: string }>>();
matches<Matches<typeof jobs.runSchema, Run & { readonly pid: number | null; readonly executorState?: { readonly state: string; readonly reason: string | null } | null }>>();
matches<Matches<typeof jobs.checkpointSchema, Checkpoint>>();
matches<Matches<typeof jobs.jobSpecSchema, Job['spec']>>();
matches<Matches<typeof metrics.seriesInfoSchema, SeriesInfo>>();
matches<Matches<typeof events.domainEventSchema, DomainEvent>>();
matches<Matches<typeof retention.gcReportSchema, GcReport>>();
matches<Matches<typeof inbox.inboxListingSchema, InboxListing>>();
matches<Matches<typeof retention.globalRetentionSchema, GlobalRetention>>();
matches<Matches<ReturnType<typeof timeline.timelineSchema.omit<{ slots: true }>>, Timeline>>();
matches<Matches<typeof datasets.datasetVersionSchema, DatasetVersion>>();
matches<Matches<typeof datasets.datasetSummarySchema, DatasetSummary>>();
matches<Matches<typeof datasets.validationRecordSchema, ValidationRecord>>();
matches<Matches<typeof datasets.validationReportSchema, ValidationReport>>();
matches<Matches<typeof datasets.storedFormatSchema, StoredFormat & { readonly builtin: false }>>();
matches<Matches<typeof evaluations.evalSuiteSchema, EvalSuite>>();
matches<Matches<typeof evaluations.evaluationSchema, Evaluation & { readonly evalJobState: JobState | null; readonly regressed: boolean; readonly promotable: boolean }>>();
matches<Matches<typeof evaluations.metricDiffSchema, MetricDiff>>();
matches<Matches<typeof registry.modelSchema, Model>>();
matches<Matches<typeof registry.modelSummarySchema, ModelSummary>>();
matches<Matches<typeof registry.modelVersionSchema, ModelVersion>>();
matches<Matches<typeof registry.modelAliasSchema, ModelAlias>>();
matches<Matches<typeof registry.aliasMoveSchema, AliasMove>>();
matches<Matches<typeof deployments.deploymentSchema, Deployment>>();
matches<Matches<typeof deployments.deployTargetSchema, DeployTargetState>>();
matches<Matches<typeof apiKeys.apiKeySchema, ApiKey>>();

const job: Job = {
  id: 1,
  spec: {
    name: 'lm', command: ['python3', 'train.py'], shell: false, cwd: '/w', env: { SEED: '1' }, params: { lr: 0.1, layers: [1, 2] },
    resources: { gpus: 0, cpus: 1 }, maxRetries: 3, keepCheckpoints: 3, stopGraceSeconds: 30, tags: ['a'],
    priority: { class: 'normal', value: 0 }, preemptible: false, after: [], timeLimitSeconds: null, owner: null,
    watchdog: { stuckSeconds: 3600, divergence: { metric: 'loss', factor: null, retryWithParams: null } },
    datasets: { train: 'chat@1' }, datasetLevel: 'standard',
    remedies: { cudaOom: { patch: { batch_size: { multiply: 0.5, min: 1, round: true } }, maxTimes: 3 } },
    stopWhen: { metric: 'val_loss', below: 0.45 },
  },
  state: 'failed', createdAt: 1, startedAt: 2, endedAt: 3, attempts: 1, notBefore: null,
  outcome: { kind: 'diverged', detail: 'loss is NaN', retryable: false, step: 7 },
  stopRequested: false, stopReason: null,
  progress: { step: 7, total: 100, rate: 1.5, etaSeconds: null, message: 'epoch 1' },
  priority: { class: 'high', value: 2 }, queuedAt: 1, paramsOverride: null, initFrom: null, createdByToken: 'abcdef0123456789',
};
const run: Run = {
  id: 4, jobId: 1, attempt: 1, state: 'failed', startedAt: 2, endedAt: 3, handle: { executor: 'local', externalId: '12@34' },
  exitCode: null, signal: 'SIGTERM', outcome: job.outcome, resumedFrom: null, resumeStep: null, logPath: '/d/1.log',
  lastHeartbeatAt: 2, gpus: [0, 1], cpus: 0, params: { lr: 0.1 }, peakGpuMemoryMiB: 1234,
};

/** What a client reads: the record through JSON (NaN and infinities become null). */
const overJson = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

describe('API response schemas', () => {
  it('read real records back from their JSON, NaN metrics and optional fields included', () => {
    const detail = { ...job, name: job.spec.name, runs: [{ ...run, pid: 12 }], latest: { loss: { step: 7, value: NaN } } };
    assert.deepEqual(jobs.jobDetailSchema.parse(overJson(detail)), overJson(detail));
    const { datasets: _d, datasetLevel: _l, ...bare } = job.spec;
    assert.ok(jobs.jobSchema.safeParse(overJson({ ...job, spec: bare, outcome: null, name: 'lm' })).success, 'a spec without datasets');
    const info: SeriesInfo = { key: 'loss', count: 2, firstStep: 0, lastStep: 1, lastValue: NaN, min: Infinity, max: -Infinity };
    assert.ok(metrics.seriesInfoSchema.safeParse(overJson(info)).success);
    const checkpoint: Checkpoint = { id: 1, jobId: 1, runId: 4, step: 7, path: '/c/s7.pt', bytes: 10, metrics: { loss: NaN }, createdAt: 5, deleted: false };
    const event: DomainEvent = { id: 9, at: 5, type: 'checkpoint.registered', jobId: 1, runId: 4, data: checkpoint };
    assert.ok(events.eventsPageSchema.safeParse(overJson({ events: [event], lastEventId: 9 })).success);
    assert.ok(metrics.seriesSchema.safeParse({ key: 'loss', steps: [1, 2], values: [0.5, 'NaN'], times: [1, 2] }).success);
  });

  it('refuses what the contract does not say: an unknown event type, a missing field', () => {
    assert.equal(events.domainEventSchema.safeParse({ id: 1, at: 1, type: 'job.renamed', jobId: 1, runId: null, data: {} }).success, false);
    const { state: _s, ...stateless } = { ...job, name: 'lm' };
    assert.equal(jobs.jobSchema.safeParse(overJson(stateless)).success, false);
  });

  it('documents each error status with the one error shape', () => {
    const answers = errorResponses({ 400: true, 404: 'no job with this id' });
    assert.deepEqual(Object.keys(answers), ['400', '404', '500']);
    assert.equal(answers[404].description, 'no job with this id');
    assert.equal(answers[500].content['application/json'].schema, errorSchema);
    assert.ok(errorSchema.safeParse({ error: { code: 'not_found', message: 'job 3 not found' } }).success);
  });

  it('converts to OpenAPI 3.0 schemas', () => {
    for (const schema of [jobs.jobDetailSchema, events.eventsPageSchema, datasets.datasetDetailSchema, metrics.seriesSchema, timeline.timelineSchema]) {
      const json = z.toJSONSchema(schema, { target: 'openapi-3.0', io: 'output' });
      assert.equal(typeof json, 'object');
    }
  });
});
