import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ForbiddenError } from '../core/errors.ts';
import type { TokenScope } from '../core/types.ts';
import { authorize, type Access } from './auth.ts';

const run = (upstreamJobIds?: number[]): TokenScope => ({ role: 'run', runId: 7, jobId: 3, ...(upstreamJobIds ? { upstreamJobIds } : {}) });
const allowed = (scope: TokenScope, access: Access) => {
  try {
    authorize(scope, access);
    return true;
  } catch (error) {
    assert.ok(error instanceof ForbiddenError);
    return false;
  }
};
const job = (jobId: number, write = false): Access => ({ kind: 'job', jobId, write });

describe('authorize', () => {
  it('lets a run token read its own job and report for its own run only', () => {
    assert.equal(allowed(run(), job(3)), true);
    assert.equal(allowed(run(), job(3, true)), false);
    assert.equal(allowed(run(), job(4)), false);
    assert.equal(allowed(run(), { kind: 'run', runId: 7 }), true);
    assert.equal(allowed(run(), { kind: 'run', runId: 8 }), false);
    assert.equal(allowed(run(), { kind: 'read' }), false);
    assert.equal(allowed(run(), { kind: 'admin' }), false);
  });

  it("lets a run token read its job's upstream jobs, and nothing more of them", () => {
    const scope = run([1, 2]);
    assert.equal(allowed(scope, job(1)), true);
    assert.equal(allowed(scope, job(2)), true);
    assert.equal(allowed(scope, job(1, true)), false, 'reading only');
    assert.equal(allowed(scope, job(5)), false, 'not a job it does not wait on');
    assert.equal(allowed(run([]), job(1)), false);
  });

  it('keeps admin and read tokens as they were', () => {
    const admin: TokenScope = { role: 'admin', runId: null, jobId: null };
    const read: TokenScope = { role: 'read', runId: null, jobId: null };
    assert.equal(allowed(admin, job(1, true)), true);
    assert.equal(allowed(read, job(1)), true);
    assert.equal(allowed(read, job(1, true)), false);
    assert.equal(allowed(read, { kind: 'run', runId: 7 }), false);
  });
});
