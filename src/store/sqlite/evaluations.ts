/**
 * EvaluationStore over Kysely; no dialect-specific SQL. An evaluation and the job that runs it
 * are created in one transaction (with `job.submitted` and `evaluation.started`), guarded by the
 * unique (checkpoint, suite) pair, so an event handled twice never makes a second evaluation.
 */
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { Evaluation, EvaluationOverride, EvaluationResult, EvaluationState, EvaluationTrigger } from '../../core/eval-record.ts';
import { canonicalJson, type EvalSuite, type EvalSuiteSpec } from '../../core/eval-suite.ts';
import { ConflictError, NotFoundError } from '../../core/errors.ts';
import type { EvaluationRef, NewDomainEvent } from '../../core/events.ts';
import type { EvaluationStore } from '../store.ts';
import type { EvalSuiteTable, EvaluationSchema, EvaluationTable } from './evaluation-schema.ts';
import { appendEvents, type EventNotifier } from './events.ts';
import { createJobStore } from './jobs.ts';
import type { StoreDb, StoreSchema } from './schema.ts';

type Schema = StoreSchema & EvaluationSchema;
type Db = Kysely<Schema> | Transaction<Schema>;
type EvaluationRow = Selectable<EvaluationTable>;

/** Default of `EvaluationFilter.limit`. */
const DEFAULT_LIST_LIMIT = 1_000;

export function createEvaluationStore(storeDb: StoreDb, notifier: EventNotifier): EvaluationStore {
  const db = storeDb.withTables<EvaluationSchema>();

  /** Runs `work` in a transaction and tells event readers after it committed. */
  async function change<T>(work: (trx: Transaction<Schema>) => Promise<T>): Promise<T> {
    const result = await db.transaction().execute(work);
    notifier.notify();
    return result;
  }

  const append = (trx: Transaction<Schema>, events: readonly NewDomainEvent[], now: number) => appendEvents(trx as unknown as StoreDb, events, now);

  async function latestSuite(trx: Db, name: string): Promise<Selectable<EvalSuiteTable> | undefined> {
    return trx.selectFrom('eval_suites').selectAll().where('name', '=', name).orderBy('version', 'desc').limit(1).executeTakeFirst();
  }

  async function evaluationRow(trx: Db, id: number): Promise<EvaluationRow> {
    const row = await trx.selectFrom('evaluations').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new NotFoundError('evaluation', id);
    return row;
  }

  return {
    async saveEvalSuite(spec, now, options = {}) {
      return change(async (trx) => {
        const text = canonicalJson(spec);
        const latest = await latestSuite(trx, spec.name);
        if (latest && latest.spec === text) return { suite: suiteFromRow(latest), created: false };
        if (latest && !options.replace) {
          throw new ConflictError(`eval suite ${spec.name} exists (version ${latest.version}) with another definition: replace it to save version ${latest.version + 1}`);
        }
        const version = (latest?.version ?? 0) + 1;
        const row = await trx.insertInto('eval_suites').values({ name: spec.name, version, spec: text, created_at: now }).returningAll().executeTakeFirstOrThrow();
        await append(trx, [{ type: 'eval_suite.saved', jobId: null, runId: null, data: { name: spec.name, version } }], now);
        return { suite: suiteFromRow(row), created: true };
      });
    },

    async getEvalSuite(name, version) {
      const row = version === undefined
        ? await latestSuite(db, name)
        : await db.selectFrom('eval_suites').selectAll().where('name', '=', name).where('version', '=', version).executeTakeFirst();
      return row ? suiteFromRow(row) : null;
    },

    async listEvalSuites() {
      const rows = await db
        .selectFrom('eval_suites as s')
        .selectAll('s')
        .where('s.version', '=', (eb) => eb.selectFrom('eval_suites as t').select((t) => t.fn.max('t.version').as('v')).whereRef('t.name', '=', 's.name'))
        .orderBy('s.name')
        .execute();
      return rows.map(suiteFromRow);
    },

    async createEvaluation(evaluation, spec, now) {
      const { suite, checkpoint, trigger } = evaluation;
      const found = await db
        .selectFrom('evaluations').selectAll()
        .where('checkpoint_id', '=', checkpoint.id).where('suite', '=', suite.name)
        .executeTakeFirst();
      if (found) return { evaluation: evaluationFromRow(found), job: null, created: false };
      return change(async (trx) => {
        // Checked again inside the transaction: the unique pair is the guard, this the answer.
        const existing = await trx
          .selectFrom('evaluations').selectAll()
          .where('checkpoint_id', '=', checkpoint.id).where('suite', '=', suite.name)
          .executeTakeFirst();
        if (existing) return { evaluation: evaluationFromRow(existing), job: null, created: false };
        const version = await trx.selectFrom('eval_suites').select('version').where('name', '=', suite.name).where('version', '=', suite.version).executeTakeFirst();
        if (!version) throw new NotFoundError('eval suite', `${suite.name} version ${suite.version}`);
        // The same code path as every other submission (and its event), inside this transaction.
        const job = await createJobStore(trx as unknown as StoreDb, notifier).createJob(spec, now);
        const row = await trx
          .insertInto('evaluations')
          .values({
            suite: suite.name,
            suite_version: suite.version,
            job_id: checkpoint.jobId,
            checkpoint_id: checkpoint.id,
            step: checkpoint.step,
            checkpoint_path: checkpoint.path,
            eval_job_id: job.id,
            trigger,
            state: 'running',
            created_at: now,
            ended_at: null,
            result: null,
            score: null,
            override: null,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        const created = evaluationFromRow(row);
        await append(trx, [{ type: 'evaluation.started', jobId: created.jobId, runId: null, data: { ...refOf(created), evalJobId: job.id, trigger } }], now);
        return { evaluation: created, job, created: true };
      });
    },

    async getEvaluation(id) {
      const row = await db.selectFrom('evaluations').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? evaluationFromRow(row) : null;
    },

    async getEvaluationByJob(evalJobId) {
      const row = await db.selectFrom('evaluations').selectAll().where('eval_job_id', '=', evalJobId).executeTakeFirst();
      return row ? evaluationFromRow(row) : null;
    },

    async listEvaluations(filter = {}) {
      let query = db.selectFrom('evaluations').selectAll().orderBy('id').limit(filter.limit ?? DEFAULT_LIST_LIMIT);
      if (filter.jobId !== undefined) query = query.where('job_id', '=', filter.jobId);
      if (filter.suite !== undefined) query = query.where('suite', '=', filter.suite);
      if (filter.checkpointId !== undefined) query = query.where('checkpoint_id', '=', filter.checkpointId);
      if (filter.state !== undefined) query = query.where('state', '=', filter.state);
      return (await query.execute()).map(evaluationFromRow);
    },

    async completeEvaluation(id, result, now) {
      return change(async (trx) => {
        await evaluationRow(trx, id);
        const row = await trx
          .updateTable('evaluations')
          .set({ state: 'done', ended_at: now, result: JSON.stringify(result), score: result.score })
          .where('id', '=', id)
          .where('state', '=', 'running')
          .returningAll()
          .executeTakeFirst();
        if (!row) return null;
        const done = evaluationFromRow(row);
        const ref = refOf(done);
        const events: NewDomainEvent[] = [{
          type: 'evaluation.done',
          jobId: done.jobId,
          runId: null,
          data: {
            ...ref,
            evalJobId: done.evalJobId,
            verdict: result.verdict,
            summary: result.summary,
            score: result.score,
            baselineScore: result.baseline?.score ?? null,
            diffs: result.diffs,
            regressed: result.regressions.length > 0,
          },
        }];
        if (result.regressions.length > 0) events.push({ type: 'evaluation.regression', jobId: done.jobId, runId: null, data: { ...ref, regressions: result.regressions } });
        await append(trx, events, now);
        return done;
      });
    },

    async overrideEvaluation(id, override, now) {
      return change(async (trx) => {
        const current = evaluationFromRow(await evaluationRow(trx, id));
        if (current.state !== 'done') throw new ConflictError(`evaluation ${id} is still running: override it once it has a verdict`);
        if (current.override) {
          throw new ConflictError(`evaluation ${id} was overridden already, by ${current.override.by}: ${current.override.reason}`);
        }
        const recorded: EvaluationOverride = { by: override.by, reason: override.reason, at: now };
        const row = await trx.updateTable('evaluations').set({ override: JSON.stringify(recorded) }).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
        await append(trx, [{ type: 'evaluation.overridden', jobId: current.jobId, runId: null, data: { ...refOf(current), by: override.by, reason: override.reason } }], now);
        return evaluationFromRow(row);
      });
    },
  };
}

function suiteFromRow(row: Selectable<EvalSuiteTable>): EvalSuite {
  return { ...(JSON.parse(row.spec) as EvalSuiteSpec), version: row.version, createdAt: row.created_at };
}

/** Shared with the registry, whose version lineage records a checkpoint's evaluations. */
export function evaluationFromRow(row: EvaluationRow): Evaluation {
  return {
    id: row.id,
    suite: row.suite,
    suiteVersion: row.suite_version,
    jobId: row.job_id,
    checkpointId: row.checkpoint_id,
    step: row.step,
    checkpointPath: row.checkpoint_path,
    evalJobId: row.eval_job_id,
    trigger: row.trigger as EvaluationTrigger,
    state: row.state as EvaluationState,
    createdAt: row.created_at,
    endedAt: row.ended_at,
    result: row.result === null ? null : (JSON.parse(row.result) as EvaluationResult),
    override: row.override === null ? null : (JSON.parse(row.override) as EvaluationOverride),
  };
}

function refOf(e: Evaluation): EvaluationRef {
  return { evaluationId: e.id, suite: e.suite, checkpointId: e.checkpointId, step: e.step };
}
