import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareJobs, parseQuery, type FilterableJob } from './job-filter.ts';

const job = (id: number, name: string, state: string, tags: string[] = [], step: number | null = null, total: number | null = null): FilterableJob => ({
  id, name, state, createdAt: 1000 + id, spec: { tags }, progress: { step, total, etaSeconds: null },
});

describe('job filter', () => {
  const jobs = [job(1, 'char-lm', 'running', ['demo'], 50, 100), job(2, 'sweep-lr', 'failed', ['nightly']), job(3, 'Sweep-bs', 'queued', ['nightly', 'demo'], 10, 100)];

  it('matches words against names and fields against fields', () => {
    const ids = (q: string) => jobs.filter(parseQuery(q)).map((j) => j.id);
    assert.deepEqual(ids(''), [1, 2, 3]);
    assert.deepEqual(ids('sweep'), [2, 3]);
    assert.deepEqual(ids('state:running,queued'), [1, 3]);
    assert.deepEqual(ids('tag:nightly sweep-b'), [3]);
    assert.deepEqual(ids('id:2'), [2]);
    assert.deepEqual(ids('2'), [2]);
  });

  it('sorts by any column, missing values last, ties newest first', () => {
    const losses: Record<number, number> = { 1: 0.5, 3: 0.2 };
    const sorted = (key: Parameters<typeof compareJobs>[0]['key'], descending = false) =>
      [...jobs].sort(compareJobs({ key, descending }, (id) => losses[id] ?? null)).map((j) => j.id);
    assert.deepEqual(sorted('loss'), [3, 1, 2]);
    assert.deepEqual(sorted('loss', true), [1, 3, 2]);
    assert.deepEqual(sorted('state'), [1, 3, 2]);
    assert.deepEqual(sorted('progress', true), [1, 3, 2]);
    assert.deepEqual(sorted('age'), [3, 2, 1]);
    assert.deepEqual(sorted('name'), [1, 3, 2]);
  });
});
