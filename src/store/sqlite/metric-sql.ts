/**
 * The metric tables' queries as better-sqlite3 prepared statements, run synchronously.
 *
 * The metric hot path bypasses Kysely: a batch of SDK size runs ~8 small statements per key,
 * and Kysely's build-and-compile step costs more than SQLite running them (measured: an SDK
 * batch of 10 keys × 50 points took several ms through Kysely with statement caching). The
 * callers in this folder run these inside `exclusive()` so they never interleave with a
 * Kysely transaction on the same connection.
 */
import type { Database } from 'better-sqlite3';
import { TrainyardError } from '../../core/errors.ts';

export interface SeriesRow {
  readonly id: number;
  readonly count: number;
  readonly first_step: number;
  readonly last_step: number;
  readonly last_value: number | null;
  readonly min: number | null;
  readonly max: number | null;
  readonly next_slot: number;
}

export interface ChunkRef {
  readonly id: number;
  readonly slot: number;
  readonly count: number;
  readonly last_step: number;
}

/** Column values of a chunk's or series' summary, NaN already mapped to null. */
export interface SummaryColumns {
  readonly count: number;
  readonly first_step: number;
  readonly last_step: number;
  readonly last_value: number | null;
  readonly min: number | null;
  readonly max: number | null;
}

export type MetricSql = ReturnType<typeof createMetricSql>;

/** Blobs fetched per statement by `forEachChunkData` (one statement, unused slots padded). */
const BLOB_BATCH = 128;

/** Runs synchronous database work while holding the store's only connection. */
export type Exclusive = <T>(work: () => T) => Promise<T>;

export function createMetricSql(db: Database) {
  const q = {
    runJob: db.prepare<[number], { job_id: number }>('select job_id from runs where id = ?'),
    insertBatch: db.prepare<[number, string]>('insert into metric_batches (run_id, batch_id) values (?, ?) on conflict do nothing'),
    setLogOffset: db.prepare<[number, number]>('update runs set log_offset = ? where id = ?'),

    series: db.prepare<[number, string], SeriesRow>(
      'select id, count, first_step, last_step, last_value, min, max, next_slot from metric_series where job_id = ? and key = ?',
    ),
    seriesOfJob: db.prepare<[number], SeriesRow & { key: string }>(
      'select id, key, count, first_step, last_step, last_value, min, max, next_slot from metric_series where job_id = ? order by key',
    ),
    latestOfJobs: db.prepare<[string], { job_id: number; key: string; last_step: number; last_value: number | null }>(
      `select job_id, key, last_step, last_value from metric_series
       where job_id in (select value from json_each(?)) order by job_id, key`,
    ),
    insertSeries: db.prepare<[number, string, number, number, number, number | null, number | null, number | null, number]>(
      `insert into metric_series (job_id, key, count, first_step, last_step, last_value, min, max, next_slot)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    updateSeries: db.prepare<[number, number, number, number | null, number | null, number | null, number, number]>(
      `update metric_series set count = ?, first_step = ?, last_step = ?, last_value = ?, min = ?, max = ?, next_slot = ?
       where id = ?`,
    ),
    deleteSeries: db.prepare<[number]>('delete from metric_series where id = ?'),
    aggregateChunks: db.prepare<[number], { chunks: number; count: number | null; first_step: number | null; last_step: number | null; min: number | null; max: number | null }>(
      `select count(*) as chunks, sum(count) as count, min(first_step) as first_step, max(last_step) as last_step,
              min(min) as min, max(max) as max
       from metric_chunks where series_id = ?`,
    ),
    lastChunkValue: db.prepare<[number], { last_value: number | null }>(
      'select last_value from metric_chunks where series_id = ? order by last_step desc, id desc limit 1',
    ),

    runTail: db.prepare<[number, number], ChunkRef>(
      `select id, slot, count, last_step from metric_chunks where series_id = ? and run_id = ?
       order by first_step desc, id desc limit 1`,
    ),
    chunkData: db.prepare<[number], Buffer>('select data from metric_chunk_data where chunk_id = ?').pluck(),
    insertChunk: db.prepare<[number, number, number, number, number, number, number | null, number | null, number | null]>(
      `insert into metric_chunks (series_id, run_id, slot, count, first_step, last_step, last_value, min, max)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    updateChunk: db.prepare<[number, number, number, number | null, number | null, number | null, number]>(
      'update metric_chunks set count = ?, first_step = ?, last_step = ?, last_value = ?, min = ?, max = ? where id = ?',
    ),
    insertData: db.prepare<[number, Buffer]>('insert into metric_chunk_data (chunk_id, data) values (?, ?)'),
    updateData: db.prepare<[Buffer, number]>('update metric_chunk_data set data = ? where chunk_id = ?'),
    chunksAfter: db.prepare<[number, number], { id: number; slot: number }>(
      'select id, slot from metric_chunks where series_id = ? and first_step > ?',
    ),
    deleteData: db.prepare<[number]>('delete from metric_chunk_data where chunk_id = ?'),
    deleteChunk: db.prepare<[number]>('delete from metric_chunks where id = ?'),
    chunksEndingAfter: db.prepare<[number, number], { id: number; slot: number; data: Buffer }>(
      `select c.id, c.slot, d.data from metric_chunks c join metric_chunk_data d on d.chunk_id = c.id
       where c.series_id = ? and c.last_step > ?`,
    ),
    chunkDataBatch: db
      .prepare<number[], [number, Buffer]>(
        `select chunk_id, data from metric_chunk_data where chunk_id in (${Array(BLOB_BATCH).fill('?').join(', ')})`,
      )
      .raw(),
    chunkDataOfJobs: db.prepare<[string, string], { job_id: number; data: Buffer }>(
      `select s.job_id, d.data from metric_series s
       join metric_chunks c on c.series_id = s.id join metric_chunk_data d on d.chunk_id = c.id
       where s.key = ? and s.job_id in (select value from json_each(?)) order by s.job_id, c.id`,
    ),
    chunkDataInRange: db.prepare<[number, number, number], Buffer>(
      `select d.data from metric_chunks c join metric_chunk_data d on d.chunk_id = c.id
       where c.series_id = ? and c.first_step <= ? and c.last_step >= ? order by c.id`,
    ).pluck(),

    insertPending: db.prepare<[number, number, number, Buffer]>('insert into metric_pending (job_id, run_id, points, data) values (?, ?, ?, ?)'),
    pendingOfRun: db.prepare<[number, number], Buffer>('select data from metric_pending where job_id = ? and run_id = ? order by id').pluck(),
    deletePendingOfRun: db.prepare<[number, number]>('delete from metric_pending where job_id = ? and run_id = ?'),
    pendingOfJob: db.prepare<[number], Buffer>('select data from metric_pending where job_id = ? order by id').pluck(),
    pendingOfJobs: db.prepare<[string], { job_id: number; data: Buffer }>(
      'select job_id, data from metric_pending where job_id in (select value from json_each(?)) order by id',
    ),
    pendingRuns: db.prepare<[], { job_id: number; run_id: number }>('select distinct job_id, run_id from metric_pending'),
    pendingRunsOfJob: db.prepare<[number], number>('select distinct run_id from metric_pending where job_id = ?').pluck(),

    group: db.prepare<[number, number], Buffer>('select data from metric_chunk_groups where series_id = ? and group_no = ?').pluck(),
    groupsInRange: db.prepare<[number, number, number], Buffer>(
      `select data from metric_chunk_groups where series_id = ? and first_step <= ? and last_step >= ? order by group_no`,
    ).pluck(),
    upsertGroup: db.prepare<[number, number, number, number, Buffer]>(
      `insert into metric_chunk_groups (series_id, group_no, first_step, last_step, data) values (?, ?, ?, ?, ?)
       on conflict (series_id, group_no) do update
       set first_step = excluded.first_step, last_step = excluded.last_step, data = excluded.data`,
    ),
    deleteGroup: db.prepare<[number, number]>('delete from metric_chunk_groups where series_id = ? and group_no = ?'),
    deleteGroups: db.prepare<[number]>('delete from metric_chunk_groups where series_id = ?'),
  };

  return {
    /** Runs `fn` in one write transaction (BEGIN IMMEDIATE), or a savepoint when nested. */
    writeTransaction<T>(fn: () => T): T {
      return db.transaction(fn).immediate();
    },
    /** Runs `fn` in one read transaction, so all its statements see the same snapshot. */
    readTransaction<T>(fn: () => T): T {
      return db.transaction(fn).deferred();
    },
    runJobId(runId: number): number | null {
      return q.runJob.get(runId)?.job_id ?? null;
    },
    /** False when (run, batch id) was recorded before. */
    insertBatchId(runId: number, batchId: string): boolean {
      return q.insertBatch.run(runId, batchId).changes > 0;
    },
    setLogOffset(runId: number, offset: number): void {
      q.setLogOffset.run(offset, runId);
    },
    findSeries(jobId: number, key: string): SeriesRow | null {
      return q.series.get(jobId, key) ?? null;
    },
    seriesOfJob(jobId: number): (SeriesRow & { key: string })[] {
      return q.seriesOfJob.all(jobId);
    },
    /** Last step and value of every series of these jobs, in one statement (ids as a JSON array). */
    latestOfJobs(jobIds: readonly number[]): { job_id: number; key: string; last_step: number; last_value: number | null }[] {
      return q.latestOfJobs.all(JSON.stringify(jobIds));
    },
    insertSeries(jobId: number, key: string, s: SummaryColumns, nextSlot: number): number {
      const r = q.insertSeries.run(jobId, key, s.count, s.first_step, s.last_step, s.last_value, s.min, s.max, nextSlot);
      return Number(r.lastInsertRowid);
    },
    updateSeries(seriesId: number, s: SummaryColumns, nextSlot: number): void {
      q.updateSeries.run(s.count, s.first_step, s.last_step, s.last_value, s.min, s.max, nextSlot, seriesId);
    },
    deleteSeries(seriesId: number): void {
      q.deleteGroups.run(seriesId);
      q.deleteSeries.run(seriesId);
    },
    /** The series' summary recomputed from its chunks; null when it has none. */
    summarizeChunks(seriesId: number): SummaryColumns | null {
      const a = q.aggregateChunks.get(seriesId);
      if (a === undefined || a.chunks === 0 || a.count === null || a.first_step === null || a.last_step === null) return null;
      const last = q.lastChunkValue.get(seriesId);
      return { count: a.count, first_step: a.first_step, last_step: a.last_step, last_value: last?.last_value ?? null, min: a.min, max: a.max };
    },
    /** The chunk of this run with the highest first step (where appends go). */
    runTail(seriesId: number, runId: number): ChunkRef | null {
      return q.runTail.get(seriesId, runId) ?? null;
    },
    chunkData(chunkId: number): Buffer {
      const data = q.chunkData.get(chunkId);
      if (data === undefined) throw new TrainyardError(`metric chunk ${chunkId} has no data row`);
      return data;
    },
    insertChunk(seriesId: number, runId: number, slot: number, s: SummaryColumns, data: Buffer): number {
      const r = q.insertChunk.run(seriesId, runId, slot, s.count, s.first_step, s.last_step, s.last_value, s.min, s.max);
      const id = Number(r.lastInsertRowid);
      q.insertData.run(id, data);
      return id;
    },
    updateChunk(chunkId: number, s: SummaryColumns, data: Buffer): void {
      q.updateChunk.run(s.count, s.first_step, s.last_step, s.last_value, s.min, s.max, chunkId);
      q.updateData.run(data, chunkId);
    },
    deleteChunk(chunkId: number): void {
      q.deleteData.run(chunkId);
      q.deleteChunk.run(chunkId);
    },
    /** Calls `fn` with the blob of each chunk id given (in no particular order). */
    forEachChunkData(ids: readonly number[], fn: (chunkId: number, data: Buffer) => void): void {
      for (let i = 0; i < ids.length; i += BLOB_BATCH) {
        const params = ids.slice(i, i + BLOB_BATCH);
        while (params.length < BLOB_BATCH) params.push(-1);
        for (const [id, data] of q.chunkDataBatch.all(...params)) fn(id, data);
      }
    },
    chunksAfter(seriesId: number, step: number): { id: number; slot: number }[] {
      return q.chunksAfter.all(seriesId, step);
    },
    chunksEndingAfter(seriesId: number, step: number): { id: number; slot: number; data: Buffer }[] {
      return q.chunksEndingAfter.all(seriesId, step);
    },
    /** Blobs of the chunks overlapping [from, to], by chunk id. */
    chunkDataInRange(seriesId: number, from: number, to: number): Buffer[] {
      return q.chunkDataInRange.all(seriesId, to, from);
    },
    /**
     * Blobs of every chunk of series `key` of these jobs (ids as a JSON array), by job then chunk
     * id, one job's at a time to `fn` (a job's blobs are not all held at once across jobs).
     */
    forEachJobChunks(jobIds: readonly number[], key: string, fn: (jobId: number, blobs: Buffer[]) => void): void {
      let jobId: number | null = null;
      let blobs: Buffer[] = [];
      for (const row of q.chunkDataOfJobs.iterate(key, JSON.stringify(jobIds))) {
        if (row.job_id !== jobId) {
          if (jobId !== null) fn(jobId, blobs);
          jobId = row.job_id;
          blobs = [];
        }
        blobs.push(row.data);
      }
      if (jobId !== null) fn(jobId, blobs);
    },
    /** Buffers a batch of a run (see pending-batch.ts). */
    insertPending(jobId: number, runId: number, points: number, data: Buffer): void {
      q.insertPending.run(jobId, runId, points, data);
    },
    /** The run's buffered batches, oldest first. */
    pendingOfRun(jobId: number, runId: number): Buffer[] {
      return q.pendingOfRun.all(jobId, runId);
    },
    deletePendingOfRun(jobId: number, runId: number): void {
      q.deletePendingOfRun.run(jobId, runId);
    },
    /** The job's buffered batches (all its runs), oldest first. */
    pendingOfJob(jobId: number): Buffer[] {
      return q.pendingOfJob.all(jobId);
    },
    /** Buffered batches of these jobs, oldest first (ids as a JSON array). */
    pendingOfJobs(jobIds: readonly number[]): { job_id: number; data: Buffer }[] {
      return q.pendingOfJobs.all(JSON.stringify(jobIds));
    },
    /** Every run with buffered batches; with `jobId`, that job's. */
    pendingRuns(jobId?: number): { job_id: number; run_id: number }[] {
      if (jobId === undefined) return q.pendingRuns.all();
      return q.pendingRunsOfJob.all(jobId).map((runId) => ({ job_id: jobId, run_id: runId }));
    },
    group(seriesId: number, groupNo: number): Buffer | null {
      return q.group.get(seriesId, groupNo) ?? null;
    },
    groupsInRange(seriesId: number, from: number, to: number): Buffer[] {
      return q.groupsInRange.all(seriesId, to, from);
    },
    putGroup(seriesId: number, groupNo: number, firstStep: number, lastStep: number, data: Buffer): void {
      q.upsertGroup.run(seriesId, groupNo, firstStep, lastStep, data);
    },
    deleteGroup(seriesId: number, groupNo: number): void {
      q.deleteGroup.run(seriesId, groupNo);
    },
  };
}
