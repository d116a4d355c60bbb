/**
 * StudyStore over Kysely; no dialect-specific SQL. A trial's launch creates its job through the
 * job store's own `createJob` inside the study's transaction (as the inbox does), so the job, its
 * `job.submitted` and the trial's `job_id` commit together or not at all.
 */
import { sql, type Selectable, type Transaction } from 'kysely';
import { ConflictError, NotFoundError } from '../../core/errors.ts';
import type { NewDomainEvent } from '../../core/events.ts';
import { ACTIVE_JOB_STATES, trialState, type Study, type StudyState, type Trial, type TrialCounts, type TrialDecision } from '../../core/study-record.ts';
import type { StudySpec } from '../../core/study.ts';
import type { JobState, RunOutcome } from '../../core/types.ts';
import type { StudyStateChange, StudyStore, StudyWidening } from '../study-store.ts';
import { appendEvents, type EventNotifier } from './events.ts';
import { createJobStore } from './jobs.ts';
import type { StoreDb, StoreSchema } from './schema.ts';
import type { StudySchema, StudyTable, StudyTrialTable } from './study-schema.ts';

/** Trials inserted per statement (SQLite's limit on bound variables is far above 500 × 6). */
const INSERT_CHUNK = 500;

/** Which state changes lead where (the store refuses the others by returning null). */
const STUDY_MOVES: Readonly<Record<StudyState, readonly StudyState[]>> = {
  running: ['paused', 'completed', 'stopped'],
  paused: ['running', 'stopped'],
  completed: [],
  stopped: [],
};

type TrialRow = Selectable<StudyTrialTable> & { job_state: string | null; job_outcome: string | null; job_ended_at: number | null };

function trialFromRow(row: TrialRow): Trial {
  return {
    studyId: row.study_id,
    index: row.idx,
    params: JSON.parse(row.params) as Record<string, unknown>,
    seed: row.seed,
    group: row.grp,
    jobId: row.job_id,
    launchedAt: row.launched_at,
    state: trialState(row.job_state as JobState | null),
    outcome: row.job_outcome === null ? null : (JSON.parse(row.job_outcome) as RunOutcome),
    endedAt: row.job_ended_at,
    decision: row.decision === null ? null : (JSON.parse(row.decision) as TrialDecision),
  };
}

export function createStudyStore(storeDb: StoreDb, notifier: EventNotifier): StudyStore {
  const db = storeDb.withTables<StudySchema>();
  type Db = typeof db;
  type Trx = Transaction<StoreSchema & StudySchema>;
  const append = (trx: Trx, events: NewDomainEvent[], now: number) => appendEvents(trx as unknown as StoreDb, events, now);

  async function counts(from: Db | Trx, studyIds: readonly number[]): Promise<Map<number, TrialCounts>> {
    const out = new Map<number, { pending: number; active: number; held: number; succeeded: number; failed: number; stopped: number }>();
    if (studyIds.length === 0) return out;
    const rows = await from
      .selectFrom('study_trials as t')
      .leftJoin('jobs as j', 'j.id', 't.job_id')
      .select(['t.study_id', 'j.state', 't.held', (eb) => eb.fn.countAll<number>().as('n')])
      .where('t.study_id', 'in', studyIds)
      .groupBy(['t.study_id', 'j.state', 't.held'])
      .execute();
    for (const id of studyIds) out.set(id, { pending: 0, active: 0, held: 0, succeeded: 0, failed: 0, stopped: 0 });
    for (const row of rows) {
      const c = out.get(row.study_id)!;
      const n = Number(row.n);
      const state = row.state as JobState | null;
      if (state === null) c.pending += n;
      else if (state === 'paused' && row.held === 1) c.held += n;
      else if (ACTIVE_JOB_STATES.includes(state)) c.active += n;
      else c[state as 'succeeded' | 'failed' | 'stopped'] += n;
    }
    return out;
  }

  async function studiesFrom(from: Db | Trx, rows: Selectable<StudyTable>[]): Promise<Study[]> {
    const byId = await counts(from, rows.map((r) => r.id));
    return rows.map((row) => ({
      id: row.id,
      name: row.name,
      spec: JSON.parse(row.spec) as StudySpec,
      state: row.state as StudyState,
      reason: row.reason,
      trialCount: row.trial_count,
      counts: byId.get(row.id)!,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      breakerSince: row.breaker_since,
    }));
  }

  async function studyById(from: Db | Trx, id: number): Promise<Study | null> {
    const row = await from.selectFrom('studies').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? (await studiesFrom(from, [row]))[0] : null;
  }

  function trialQuery(from: Db | Trx) {
    return from
      .selectFrom('study_trials as t')
      .leftJoin('jobs as j', 'j.id', 't.job_id')
      .selectAll('t')
      .select(['j.state as job_state', 'j.outcome as job_outcome', 'j.ended_at as job_ended_at']);
  }

  return {
    async createStudy(spec, variants, now) {
      const study = await db.transaction().execute(async (trx) => {
        const taken = await trx.selectFrom('studies').select('id').where('name', '=', spec.name).executeTakeFirst();
        if (taken) throw new ConflictError(`study ${JSON.stringify(spec.name)} exists: pick another name (studies keep their trials and jobs)`);
        const row = await trx
          .insertInto('studies')
          .values({ name: spec.name, spec: JSON.stringify(spec), state: 'running', reason: null, trial_count: variants.length, parallelism: spec.parallelism, breaker_since: now, created_at: now, updated_at: now })
          .returningAll()
          .executeTakeFirstOrThrow();
        for (let i = 0; i < variants.length; i += INSERT_CHUNK) {
          await trx.insertInto('study_trials').values(variants.slice(i, i + INSERT_CHUNK).map((v) => ({
            study_id: row.id, idx: v.index, params: JSON.stringify(v.params), seed: v.seed, grp: v.group,
            job_id: null, launched_at: null, decision: null, decision_step: null, held: 0,
          }))).execute();
        }
        await append(trx, [{ type: 'study.created', jobId: null, runId: null, data: { study: spec.name, trials: variants.length, parallelism: spec.parallelism, search: spec.search.kind } }], now);
        return (await studiesFrom(trx, [row]))[0];
      });
      notifier.notify();
      return study;
    },

    async getStudy(name) {
      const row = await db.selectFrom('studies').selectAll().where('name', '=', name).executeTakeFirst();
      return row ? (await studiesFrom(db, [row]))[0] : null;
    },

    async listStudies() {
      return studiesFrom(db, await db.selectFrom('studies').selectAll().orderBy('id', 'desc').execute());
    },

    async listTrials(studyId) {
      return (await trialQuery(db).where('t.study_id', '=', studyId).orderBy('t.idx').execute()).map((r) => trialFromRow(r as TrialRow));
    },

    async trialOfJob(jobId) {
      const row = await db
        .selectFrom('study_trials as t')
        .innerJoin('studies as s', 's.id', 't.study_id')
        .select(['s.name', 't.study_id', 't.idx'])
        .where('t.job_id', '=', jobId)
        .executeTakeFirst();
      return row ? { study: row.name, studyId: row.study_id, index: row.idx } : null;
    },

    async launchTrial(studyId, index, spec, now) {
      const launched = await db.transaction().execute(async (trx) => {
        const study = await trx.selectFrom('studies').select(['state', 'parallelism']).where('id', '=', studyId).executeTakeFirst();
        if (!study || study.state !== 'running') return null;
        const trial = await trx.selectFrom('study_trials').select('job_id').where('study_id', '=', studyId).where('idx', '=', index).executeTakeFirst();
        if (!trial || trial.job_id !== null) return null;
        const active = await trx
          .selectFrom('study_trials as t')
          .innerJoin('jobs as j', 'j.id', 't.job_id')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('t.study_id', '=', studyId)
          .where('j.state', 'in', ACTIVE_JOB_STATES)
          // A trial early stopping paused holds no slot while it stays paused.
          .where((eb) => eb.not(eb.and([eb('j.state', '=', 'paused'), eb('t.held', '=', 1)])))
          .executeTakeFirstOrThrow();
        if (Number(active.n) >= study.parallelism) return null;
        // The job store's own verb, inside this transaction: the job and `job.submitted` as for any job.
        const job = await createJobStore(trx as unknown as StoreDb, notifier).createJob(spec, now);
        await trx.updateTable('study_trials').set({ job_id: job.id, launched_at: now }).where('study_id', '=', studyId).where('idx', '=', index).where('job_id', 'is', null).execute();
        const row = await trialQuery(trx).where('t.study_id', '=', studyId).where('t.idx', '=', index).executeTakeFirstOrThrow();
        return { trial: trialFromRow(row as TrialRow), job };
      });
      if (launched) notifier.notify();
      return launched;
    },

    async askTrial(studyId, params, jobSpec, now) {
      const asked = await db.transaction().execute(async (trx) => {
        const study = await trx.selectFrom('studies').select(['state', 'reason', 'spec', 'parallelism', 'trial_count']).where('id', '=', studyId).executeTakeFirst();
        if (!study) throw new NotFoundError('study', studyId);
        if (study.state !== 'running') return { refused: 'not-running' as const, state: study.state as StudyState, reason: study.reason };
        const maxRuns = (JSON.parse(study.spec) as StudySpec).maxRuns ?? study.trial_count;
        if (study.trial_count >= maxRuns) return { refused: 'cap' as const, maxRuns };
        const open = await trx
          .selectFrom('study_trials as t')
          .innerJoin('jobs as j', 'j.id', 't.job_id')
          .select('t.idx')
          .where('t.study_id', '=', studyId)
          .where('j.state', 'in', ACTIVE_JOB_STATES)
          .where((eb) => eb.not(eb.and([eb('j.state', '=', 'paused'), eb('t.held', '=', 1)])))
          .orderBy('t.idx')
          .execute();
        if (open.length >= study.parallelism) return { refused: 'parallelism' as const, parallelism: study.parallelism, open: open.map((r) => r.idx) };
        const index = study.trial_count;
        const job = await createJobStore(trx as unknown as StoreDb, notifier).createJob(jobSpec(index), now);
        await trx.insertInto('study_trials').values({
          study_id: studyId, idx: index, params: JSON.stringify(params), seed: typeof params.seed === 'number' ? params.seed : null, grp: index,
          job_id: job.id, launched_at: now, decision: null, decision_step: null, held: 0,
        }).execute();
        await trx.updateTable('studies').set({ trial_count: index + 1, updated_at: now }).where('id', '=', studyId).where('trial_count', '=', index).execute();
        const row = await trialQuery(trx).where('t.study_id', '=', studyId).where('t.idx', '=', index).executeTakeFirstOrThrow();
        return { trial: trialFromRow(row as TrialRow), job };
      });
      if ('job' in asked) notifier.notify();
      return asked;
    },

    async setStudyState(studyId, change: StudyStateChange, now) {
      const changed = await db.transaction().execute(async (trx) => {
        const row = await trx.selectFrom('studies').select(['name', 'state']).where('id', '=', studyId).executeTakeFirst();
        if (!row) throw new NotFoundError('study', studyId);
        const from = row.state as StudyState;
        if (!STUDY_MOVES[from].includes(change.to)) return null;
        await trx
          .updateTable('studies')
          .set({
            state: change.to,
            reason: change.to === 'running' || change.to === 'completed' ? null : change.reason,
            updated_at: now,
            // After a resume the breaker counts afresh: the failures that tripped it are behind it.
            ...(change.to === 'running' ? { breaker_since: now } : {}),
          })
          .where('id', '=', studyId)
          .where('state', '=', from)
          .execute();
        const study = (await studyById(trx, studyId))!;
        const base = { study: row.name, by: change.by };
        const event: NewDomainEvent =
          change.to === 'paused' ? { type: 'study.paused', jobId: null, runId: null, data: { ...base, reason: change.reason } }
          : change.to === 'running' ? { type: 'study.resumed', jobId: null, runId: null, data: base }
          : change.to === 'stopped' ? { type: 'study.stopped', jobId: null, runId: null, data: { ...base, reason: change.reason } }
          : { type: 'study.completed', jobId: null, runId: null, data: { study: row.name, trials: study.trialCount, succeeded: study.counts.succeeded, failed: study.counts.failed, stopped: study.counts.stopped } };
        await append(trx, [event], now);
        return study;
      });
      if (changed) notifier.notify();
      return changed;
    },

    async recordTrialDecision(studyId, index, decision, now) {
      const recorded = await db.transaction().execute(async (trx) => {
        const row = await trx
          .selectFrom('study_trials as t')
          .innerJoin('studies as s', 's.id', 't.study_id')
          .select(['s.name', 't.job_id', 't.decision_step'])
          .where('t.study_id', '=', studyId)
          .where('t.idx', '=', index)
          .executeTakeFirst();
        if (!row) throw new NotFoundError('trial', `${studyId}:${index}`);
        if (row.decision_step !== null && decision.step <= row.decision_step) return false;
        await trx
          .updateTable('study_trials')
          .set({ decision: JSON.stringify(decision), decision_step: decision.step, held: decision.carriedOut === 'pause' ? 1 : 0 })
          .where('study_id', '=', studyId)
          .where('idx', '=', index)
          .where(sql<boolean>`coalesce(decision_step, -1) < ${decision.step}`)
          .execute();
        if (decision.carriedOut === 'stop' || decision.carriedOut === 'pause') {
          await append(trx, [{
            type: 'study.trial_stopped', jobId: row.job_id, runId: null,
            data: {
              study: row.name, index, action: decision.carriedOut, policy: decision.policy, step: decision.step,
              value: decision.value, cutoff: decision.cutoff, rank: decision.rank, of: decision.of, reason: decision.reason,
            },
          }], now);
        }
        return true;
      });
      if (recorded) notifier.notify();
      return recorded;
    },

    async widenStudy(studyId, widening: StudyWidening, now) {
      const study = await db.transaction().execute(async (trx) => {
        const row = await trx.selectFrom('studies').select(['name', 'state', 'trial_count']).where('id', '=', studyId).executeTakeFirst();
        if (!row) throw new NotFoundError('study', studyId);
        if (row.state === 'stopped') throw new ConflictError(`study ${row.name} was stopped: a stopped study does not reopen`);
        if (row.trial_count !== widening.trialCount) throw new ConflictError(`study ${row.name} has ${row.trial_count} trials now, not ${widening.trialCount}: it changed meanwhile, widen it again`);
        const reopened = row.state === 'completed';
        const trialCount = widening.trialCount + widening.added.length;
        await trx
          .updateTable('studies')
          .set({
            spec: JSON.stringify(widening.spec), trial_count: trialCount, updated_at: now,
            ...(reopened ? { state: 'running', reason: null, breaker_since: now } : {}),
          })
          .where('id', '=', studyId)
          .execute();
        for (let i = 0; i < widening.added.length; i += INSERT_CHUNK) {
          await trx.insertInto('study_trials').values(widening.added.slice(i, i + INSERT_CHUNK).map((v) => ({
            study_id: studyId, idx: v.index, params: JSON.stringify(v.params), seed: v.seed, grp: v.group,
            job_id: null, launched_at: null, decision: null, decision_step: null, held: 0,
          }))).execute();
        }
        for (const { index, decision } of widening.resumed) {
          const done = await trx
            .updateTable('study_trials')
            .set({ decision: JSON.stringify(decision), decision_step: decision.step, held: 0 })
            .where('study_id', '=', studyId)
            .where('idx', '=', index)
            .where('held', '=', 1)
            .executeTakeFirst();
          if (Number(done.numUpdatedRows) !== 1) throw new ConflictError(`trial ${index} of study ${row.name} is not paused by early stopping now: widen it again`);
        }
        await append(trx, [{
          type: 'study.widened', jobId: null, runId: null,
          data: {
            study: row.name, maxRuns: widening.spec.maxRuns ?? trialCount, previousMaxRuns: widening.previousMaxRuns,
            added: widening.added.length, resumed: widening.resumed.map((r) => r.index), reopened,
          },
        }], now);
        return (await studyById(trx, studyId))!;
      });
      notifier.notify();
      return study;
    },
  };
}
