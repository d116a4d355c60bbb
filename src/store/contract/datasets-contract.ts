/** Contract of DatasetStore: versions, validations, lineage and user formats. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EvalSetResult, ValidationLevel, ValidationReport } from '../../core/datasets.ts';
import { ConflictError, NotFoundError } from '../../core/errors.ts';
import type { NewDatasetVersion } from '../store.ts';
import { startRun, type StoreFactory, T0, useStore } from './fixtures.ts';

/** A report as the validator makes them, with only what the store reads filled in. */
export function fakeReport(options: {
  level?: ValidationLevel;
  errors?: Partial<Record<ValidationLevel, number>>;
  rows?: number;
  estimated?: boolean;
  evalSets?: EvalSetResult[];
} = {}): ValidationReport {
  const errorsByLevel = { quick: 0, standard: 0, deep: 0, ...options.errors };
  const errors = errorsByLevel.quick + errorsByLevel.standard + errorsByLevel.deep + (options.evalSets ?? []).reduce((n, e) => n + e.contaminatedRows, 0);
  return {
    format: 'chat',
    level: options.level ?? 'standard',
    passed: errors === 0,
    errors,
    warnings: 1,
    errorsByLevel,
    rows: options.rows ?? 100,
    rowsEstimated: options.estimated ?? false,
    bytes: 1234,
    files: [],
    rules: [],
    stats: { fields: [], tokens: null, roles: {} },
    evalSets: options.evalSets ?? [],
    settings: { charsPerToken: 4, maxTokens: 8192, maxLineBytes: 1 << 23, nearDuplicateThreshold: 0.8, shingleWords: 3, ngramWords: 13, leakageMinWords: 4, sampleBytes: 1 << 20 },
    durationMs: 5,
    summary: errors === 0 ? 'PASSED' : 'FAILED',
  };
}

function version(name: string, sha256: string, overrides: Partial<NewDatasetVersion> = {}): NewDatasetVersion {
  return { name, sha256, format: 'chat', bytes: 1234, files: 1, source: `/data/${name}.jsonl`, path: `${sha256}/${name}.jsonl`, ...overrides };
}

const sha = (c: string) => c.repeat(64);

export function datasetContract(createStore: StoreFactory): void {
  describe('datasets', () => {
    const store = useStore(createStore);

    it('numbers versions per name and returns the existing version for the same content', async () => {
      const a1 = await store().registerDatasetVersion(version('chat-v3', sha('a')), fakeReport(), T0);
      assert.equal(a1.created, true);
      assert.equal(a1.version.version, 1);
      assert.equal(a1.version.name, 'chat-v3');
      assert.equal(a1.version.sha256, sha('a'));
      assert.equal(a1.version.rows, 100);
      assert.equal(a1.version.rowsExact, true);
      assert.equal(a1.version.createdAt, T0);
      assert.equal(a1.version.source, '/data/chat-v3.jsonl');
      assert.equal(a1.version.path, `${sha('a')}/chat-v3.jsonl`);
      const a2 = await store().registerDatasetVersion(version('chat-v3', sha('b')), fakeReport(), T0 + 1);
      assert.equal(a2.version.version, 2);
      const other = await store().registerDatasetVersion(version('suite', sha('a')), fakeReport(), T0 + 2);
      assert.equal(other.version.version, 1, 'the same content under another name is that name\'s own version');
      const again = await store().registerDatasetVersion(version('chat-v3', sha('a'), { source: '/elsewhere' }), fakeReport({ level: 'deep' }), T0 + 3);
      assert.equal(again.created, false);
      assert.equal(again.version.id, a1.version.id);
      assert.equal(again.version.source, '/data/chat-v3.jsonl', 'a version is immutable');
      assert.deepEqual(again.version.validations.map((v) => v.level), ['standard', 'deep'], 'the new validation is recorded');
    });

    it('refuses the same content under a name with another format', async () => {
      await store().registerDatasetVersion(version('d', sha('c')), fakeReport(), T0);
      await assert.rejects(store().registerDatasetVersion(version('d', sha('c'), { format: 'sharegpt' }), fakeReport(), T0), ConflictError);
    });

    it('gets a version or the latest, and lists versions and names', async () => {
      await store().registerDatasetVersion(version('b-set', sha('1')), fakeReport(), T0);
      await store().registerDatasetVersion(version('b-set', sha('2')), fakeReport(), T0 + 1);
      await store().registerDatasetVersion(version('a-set', sha('3')), fakeReport(), T0 + 2);
      assert.equal((await store().getDataset('b-set'))?.version, 2);
      assert.equal((await store().getDataset('b-set', 1))?.sha256, sha('1'));
      assert.equal(await store().getDataset('b-set', 3), null);
      assert.equal(await store().getDataset('missing'), null);
      assert.deepEqual((await store().listDatasetVersions('b-set')).map((v) => v.version), [1, 2]);
      assert.deepEqual(await store().listDatasetVersions('missing'), []);
      const list = await store().listDatasets();
      assert.deepEqual(list.map((d) => [d.name, d.versions, d.latest.version]), [['a-set', 1, 1], ['b-set', 2, 2]]);
    });

    it('records validations, decides each depth, and keeps reports', async () => {
      const { version: v } = await store().registerDatasetVersion(version('x', sha('d')), fakeReport({ level: 'quick', rows: 90, estimated: true }), T0);
      assert.equal(v.rowsExact, false);
      assert.equal(v.rows, 90);
      assert.deepEqual(v.levels, { quick: 'passed', standard: 'unchecked', deep: 'unchecked' });
      const record = await store().recordValidation(v.id, fakeReport({ level: 'standard', rows: 101, errors: { standard: 2 } }), T0 + 1);
      assert.equal(record.level, 'standard');
      assert.equal(record.passed, false);
      assert.equal(record.errors, 2);
      assert.deepEqual(record.errorsByLevel, { quick: 0, standard: 2, deep: 0 });
      const after = await store().getDataset('x', 1);
      assert.ok(after);
      assert.equal(after.rows, 101);
      assert.equal(after.rowsExact, true);
      assert.deepEqual(after.levels, { quick: 'passed', standard: 'failed', deep: 'unchecked' });
      const report = await store().getValidationReport(record.id);
      assert.equal(report?.rows, 101);
      assert.equal(await store().getValidationReport(record.id + 1000), null);
      await assert.rejects(store().recordValidation(v.id + 1000, fakeReport(), T0), NotFoundError);

      const evalSets = [{ ref: 'suite@1', sha256: sha('e'), rows: 10, contaminatedRows: 0 }];
      await store().recordValidation(v.id, fakeReport({ level: 'deep', evalSets }), T0 + 2);
      const deep = await store().getDataset('x');
      assert.deepEqual(deep?.levels, { quick: 'passed', standard: 'passed', deep: 'passed' });
      assert.deepEqual(deep?.validations.at(-1)?.evalSets, evalSets);
    });

    it('records and lists the runs that used a version, once each', async () => {
      const { version: v } = await store().registerDatasetVersion(version('y', sha('f')), fakeReport(), T0);
      const first = await startRun(store());
      const second = await startRun(store());
      await store().recordDatasetUses([{ versionId: v.id, jobId: first.job.id, runId: first.run.id, role: 'train' }], T0 + 1);
      await store().recordDatasetUses([
        { versionId: v.id, jobId: first.job.id, runId: first.run.id, role: 'train' },
        { versionId: v.id, jobId: second.job.id, runId: second.run.id, role: 'eval' },
      ], T0 + 2);
      await store().recordDatasetUses([], T0 + 3);
      assert.deepEqual(await store().listDatasetUses(v.id), [
        { versionId: v.id, jobId: first.job.id, runId: first.run.id, role: 'train', createdAt: T0 + 1 },
        { versionId: v.id, jobId: second.job.id, runId: second.run.id, role: 'eval', createdAt: T0 + 2 },
      ]);
      assert.deepEqual(await store().listDatasetUses(v.id + 1000), []);
    });

    it('registers user formats once, immutable', async () => {
      const definition = { name: 'schedule-v1', schema: { type: 'object' }, unique: ['order_id'] };
      const stored = await store().registerFormat(definition, sha('9'), T0);
      assert.deepEqual(stored, { name: 'schedule-v1', definition, sha256: sha('9'), createdAt: T0 });
      assert.deepEqual(await store().registerFormat(definition, sha('9'), T0 + 5), stored);
      await assert.rejects(store().registerFormat({ ...definition, unique: [] }, sha('8'), T0), ConflictError);
      await store().registerFormat({ name: 'a-format', schema: {} }, sha('7'), T0);
      assert.deepEqual((await store().listFormats()).map((f) => f.name), ['a-format', 'schedule-v1']);
      assert.deepEqual(await store().getFormat('schedule-v1'), stored);
      assert.equal(await store().getFormat('nope'), null);
    });
  });
}
