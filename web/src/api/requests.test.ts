import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareParams, compareUrl, firstRequests } from './requests.ts';

describe('first requests', () => {
  it('names the request each view starts with, exactly as the view asks it', () => {
    assert.deepEqual(firstRequests('/', ''), ['/api/v1/jobs?limit=2000']);
    assert.deepEqual(firstRequests('/jobs/12', ''), ['/api/v1/jobs/12', '/api/v1/jobs/12/metrics']);
    assert.deepEqual(firstRequests('/compare', '?jobs=3,4&key=val%2Facc'), [compareUrl([3, 4], 'val/acc', null, true)]);
    assert.deepEqual(firstRequests('/compare', ''), []);
    assert.deepEqual(firstRequests('/settings', ''), []);
    assert.deepEqual(firstRequests('/models', ''), ['/api/v1/models']);
    assert.deepEqual(firstRequests('/inbox', ''), ['/api/v1/inbox?limit=50']);
    assert.deepEqual(firstRequests('/automations', ''), ['/api/v1/rules']);
    assert.deepEqual(firstRequests('/curriculum', ''), ['/api/v1/curricula']);
    assert.deepEqual(firstRequests('/curriculum/arith%20v2', ''), ['/api/v1/curricula/arith%20v2']);
    assert.deepEqual(firstRequests('/models/chat-v2.1', ''), ['/api/v1/models/chat-v2.1']);
  });

  it('builds compare URLs with the goal of the metric and the zoom range', () => {
    assert.equal(compareUrl([1, 2], 'loss', null, false), '/api/v1/compare?jobs=1%2C2&key=loss&buckets=1000&goal=min&bands=false');
    assert.equal(compareUrl([1], 'accuracy', [10.4, 20.2], true), '/api/v1/compare?jobs=1&key=accuracy&buckets=1000&goal=max&bands=true&from=10&to=21');
    assert.deepEqual(compareParams(new URLSearchParams('jobs=3,x,-1,4&key=acc')), { ids: [3, 4], key: 'acc' });
    assert.deepEqual(compareParams(new URLSearchParams('')), { ids: [], key: 'loss' });
  });
});
