import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { capabilitiesFrom, listRoutes } from './capabilities.ts';

describe('capabilities', () => {
  const doc = {
    paths: {
      '/api/v1/jobs/{id}/stop': { post: {} },
      '/api/v1/jobs/{jobId}/pause': { post: {} },
      '/api/v1/jobs/:id/resume': { post: {} },
      '/api/v1/timeline': { get: {} },
      '/api/v1/models': { get: {}, post: {} },
      '/api/v1/evaluations/leaderboard': { get: {} },
      '/api/v1/rules/{name}/disable': { post: {} },
    },
  };

  it('lists routes with parameters in one form', () => {
    assert.deepEqual([...listRoutes(doc)].sort(), [
      'GET /api/v1/evaluations/leaderboard', 'GET /api/v1/models', 'GET /api/v1/timeline', 'POST /api/v1/jobs/{id}/resume', 'POST /api/v1/jobs/{id}/stop', 'POST /api/v1/jobs/{jobId}/pause', 'POST /api/v1/models', 'POST /api/v1/rules/{name}/disable',
    ]);
  });

  it('detects optional features whatever the parameter is called', () => {
    const caps = capabilitiesFrom(doc);
    assert.equal(caps.pause, true);
    assert.equal(caps.resume, true);
    assert.equal(caps.priority, false);
    assert.equal(caps.timeline, true);
    assert.equal(caps.datasets, false);
    assert.equal(caps.models, true);
    assert.equal(caps.evaluations, true);
    assert.equal(caps.deployments, false);
    assert.equal(caps.inbox, false);
    assert.equal(caps.automations, false, 'a toggle route alone is no listing');
    assert.equal(capabilitiesFrom({ paths: { '/api/v1/rules': { get: {} } } }).automations, true);
    assert.equal(caps.has('post', '/api/v1/jobs/{x}/stop'), true);
  });

  it('copes with a missing or odd document', () => {
    assert.equal(capabilitiesFrom(null).pause, false);
    assert.equal(capabilitiesFrom({ paths: 3 }).timeline, false);
  });
});
