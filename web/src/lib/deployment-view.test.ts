import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatElapsed, rollbackVersion, stepsOf, type DeploymentLike } from './deployment-view.ts';

const deployment = (id: number, version: number, state: DeploymentLike['state'], steps: DeploymentLike['steps'] = {}, failedStep: string | null = null, previousVersion: number | null = null): DeploymentLike =>
  ({ id, version, previousVersion, state, steps, failedStep, createdAt: 1000 });

describe('deployment view', () => {
  it('lists the steps entered in the order of a deployment, with the failed one marked', () => {
    const d = deployment(3, 2, 'rolled-back', { 'rolled-back': 9000, requested: 1000, staging: 1500, checking: 3000 }, 'check');
    assert.deepEqual(stepsOf(d).map((s) => [s.label, s.offsetMs, s.failed]), [
      ['requested', 0, false], ['stage', 500, false], ['check', 2000, true], ['rolled-back', 8000, false],
    ]);
  });

  it('finds the version a rollback restores: what the target served before its current deployment', () => {
    const history = [deployment(1, 1, 'succeeded', {}, null, null), deployment(2, 2, 'succeeded', {}, null, 1), deployment(3, 1, 'rolled-back', {}, 'check', 2), deployment(4, 3, 'succeeded', {}, null, 2)];
    assert.equal(rollbackVersion({ deploymentId: 4 }, history), 2);
    assert.equal(rollbackVersion({ deploymentId: 2 }, history), 1);
    assert.equal(rollbackVersion({ deploymentId: 1 }, history), null, 'the first deployment: nothing before it');
    assert.equal(rollbackVersion({ deploymentId: 9 }, history), undefined, 'not in the history read');
    assert.equal(rollbackVersion(null, history), null);
  });

  it('reads elapsed times in ms under a second', () => {
    assert.deepEqual([formatElapsed(0), formatElapsed(340.4), formatElapsed(1000), formatElapsed(65_000), formatElapsed(null), formatElapsed(-1)], ['0 ms', '340 ms', '1 s', '1 min 5 s', '–', '–']);
  });
});
