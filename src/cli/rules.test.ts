import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderFirings, renderTest } from './rules.ts';

describe('trainyard rules: output', () => {
  it('says what a dry run would do, and what fired already', () => {
    const firing = { id: 4, rule: 'r', eventId: 12, scheduledAt: null, action: 'submit' as const, state: 'succeeded' as const, detail: 'job 3 submitted', madeJobId: 3, madeDeploymentId: null, depth: 1, startedAt: 0, endedAt: 40 };
    const text = renderTest({ rule: 'r', results: [
      { eventId: 12, eventType: 'checkpoint.registered', scheduledAt: null, decision: 'fire', detail: '', action: 'submit job "c-7" from checkpoint:7: x', firing },
      { eventId: 13, eventType: 'checkpoint.registered', scheduledAt: null, decision: 'skipped', detail: 'cooldown: fired 20 s ago, 40 s of 60 s left', action: null, firing: null },
    ] });
    assert.match(text, /event 12 \(checkpoint\.registered\): would submit job "c-7" from checkpoint:7: x \[fired already: firing 4 succeeded\]/);
    assert.match(text, /event 13 \(checkpoint\.registered\): skipped: cooldown/);
    assert.match(renderFirings([firing], 1000), /4 +event 12 +submit +succeeded +1 .* job 3 submitted/);
    assert.equal(renderTest({ rule: 'r', results: [] }), 'rule r: no events of its types yet\n');
  });
});
