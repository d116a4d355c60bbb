import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { auditCutoff, auditParams, isAudited, rateClassOf } from './audit.ts';

describe('audit policy', () => {
  it('audits state-changing /api requests that matched a route, not reads nor other paths', () => {
    assert.equal(isAudited('POST', '/api/v1/jobs', 201), true);
    assert.equal(isAudited('DELETE', '/api/v1/tokens/:id', 204), true);
    assert.equal(isAudited('PUT', '/api/v1/retention', 403), true);
    assert.equal(isAudited('PATCH', '/api/v1/models/:name', 200), true);
    assert.equal(isAudited('GET', '/api/v1/jobs', 200), false);
    assert.equal(isAudited('POST', '/sign-in', 200), false, 'outside /api/');
    assert.equal(isAudited('POST', undefined, 404), false, 'no route matched');
  });

  it('leaves out accepted or rate-limited metric batches and heartbeats, keeps their refusals and other run routes', () => {
    assert.equal(isAudited('POST', '/api/v1/runs/:runId/metrics', 200), false);
    assert.equal(isAudited('POST', '/api/v1/runs/:runId/status', 200), false);
    assert.equal(isAudited('POST', '/api/v1/runs/:runId/metrics', 429), false);
    assert.equal(isAudited('POST', '/api/v1/runs/:runId/metrics', 403), true);
    assert.equal(isAudited('POST', '/api/v1/runs/:runId/checkpoints', 201), true);
    assert.equal(isAudited('POST', '/api/v1/runs/:runId/artifacts', 201), true);
  });

  it('puts a run\'s reporting in ingest, other changes in control, GETs in read', () => {
    assert.equal(rateClassOf('POST', '/api/v1/runs/:runId/metrics'), 'ingest');
    assert.equal(rateClassOf('POST', '/api/v1/runs/:runId/status'), 'ingest');
    assert.equal(rateClassOf('POST', '/api/v1/jobs'), 'control');
    assert.equal(rateClassOf('POST', '/api/v1/jobs/:id/stop'), 'control');
    assert.equal(rateClassOf('DELETE', '/api/v1/tokens/:id'), 'control');
    assert.equal(rateClassOf('GET', '/api/v1/jobs'), 'read');
    assert.equal(rateClassOf('GET', '/health'), null);
    assert.equal(rateClassOf('POST', undefined), null);
  });

  it('keeps params as strings cut to 100 characters', () => {
    assert.deepEqual(auditParams({ id: 12, name: 'x'.repeat(150), none: undefined }), { id: '12', name: `${'x'.repeat(100)}…` });
    assert.deepEqual(auditParams(undefined), {});
  });

  it('cuts off entries older than the retention in days', () => {
    assert.equal(auditCutoff(10 * 86_400_000, 3), 7 * 86_400_000);
  });
});
