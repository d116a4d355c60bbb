import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRule } from '../../../src/core/automation.ts';
import { actionKindOf, actionText, conditionText, cooldownText, firingCause, firingDuration, triggerText } from './automation-view.ts';

const rule = (input: Record<string, unknown>) => parseRule({ name: 'r', ...input });

describe('automation view', () => {
  it('reads a trigger with its where and condition in words', () => {
    assert.equal(triggerText(rule({ on: 'job.submitted', do: { pause: {} } })), 'on job.submitted');
    assert.equal(triggerText(rule({ on: 'job.state_changed', where: { 'data.to': ['succeeded', 'failed'], jobId: 3 }, do: { stop: null } })),
      'on job.state_changed where data.to is succeeded or failed and jobId is 3');
    assert.equal(triggerText(rule({ on: { schedule: '0 3 * * *', timezone: 'Europe/Berlin' }, do: { eval: { suite: 's', checkpoint: 4 } } })), 'on schedule 0 3 * * * (Europe/Berlin)');
    assert.equal(triggerText(rule({ on: { metric: 'accuracy', suite: 'smoke' }, condition: { atLeast: 0.8, consecutive: 3 }, do: { pause: {} } })),
      'on metric accuracy of suite smoke, when accuracy ≥ 0.8 on 3 in a row');
    assert.equal(triggerText(rule({ on: { inbox: { fewerThan: 5, priority: 'high' } }, do: { pause: { job: 1 } } })), 'on inbox: fewer than 5 high files waiting');
  });

  it('reads each form of condition and bound', () => {
    assert.equal(conditionText({ atMost: 0.2 }, 'loss'), 'loss ≤ 0.2');
    assert.equal(conditionText({ avg: 5, atLeast: 0.5, atMost: 0.9, metric: 'acc' }, 'loss'), 'the average of the last 5 acc between 0.5 and 0.9');
    assert.equal(conditionText({ min: 2, atLeast: 1 }, 'x'), 'the smallest of the last 2 x ≥ 1');
    assert.equal(conditionText({ max: 2, atMost: 1 }, 'x'), 'the largest of the last 2 x ≤ 1');
    assert.equal(conditionText({ change: 3, atMost: -0.01 }, 'loss'), "loss's change over 3 ≤ -0.01");
    assert.equal(conditionText(undefined, 'loss'), '');
  });

  it('reads each action in words, with its kind', () => {
    const submit = rule({ on: 'checkpoint.registered', do: { submit: { name: 'continue-${event.data.checkpointId}', command: ['x'], from: 'checkpoint:${event.data.checkpointId}' } } });
    assert.equal(actionText(submit.do), 'submit job "continue-${event.data.checkpointId}" from checkpoint:${event.data.checkpointId}');
    assert.equal(actionKindOf(submit.do), 'submit');
    assert.equal(actionText(rule({ on: 'job.submitted', do: { pause: {} } }).do), "pause the event's job");
    assert.equal(actionText(rule({ on: 'job.submitted', do: { stop: { job: 7 } } }).do), 'stop job 7');
    assert.equal(actionKindOf(rule({ on: 'job.submitted', do: { stop: null } }).do), 'stop');
    assert.equal(actionText(rule({ on: 'evaluation.done', do: { eval: { suite: 'smoke' } } }).do), "evaluate the event's checkpoint with suite smoke");
    assert.equal(actionText(rule({ on: 'evaluation.done', do: { deploy: { target: 'serve', model: 'chat', version: 'candidate' } } }).do), 'deploy chat@candidate to serve');
    const hook = rule({ on: 'evaluation.done', do: { webhook: { url: 'https://h.example/x', secretEnv: 'HOOK' } } });
    assert.equal(actionText(hook.do), 'POST to https://h.example/x (signed with $HOOK)');
    assert.equal(actionKindOf(hook.do), 'webhook');
  });

  it('reads cooldowns, a firing cause and its duration', () => {
    assert.deepEqual([cooldownText(0), cooldownText(undefined), cooldownText(600)], ['–', '–', '10 min']);
    assert.equal(firingCause({ eventId: 12, scheduledAt: null, startedAt: 0, endedAt: null }), 'event #12');
    assert.match(firingCause({ eventId: null, scheduledAt: Date.UTC(2026, 0, 1), startedAt: 0, endedAt: null }), /^slot 202[56]-/);
    assert.equal(firingDuration({ eventId: 1, scheduledAt: null, startedAt: 1000, endedAt: null }), 'running');
    assert.equal(firingDuration({ eventId: 1, scheduledAt: null, startedAt: 1000, endedAt: 1340 }), '340 ms');
    assert.equal(firingDuration({ eventId: 1, scheduledAt: null, startedAt: 1000, endedAt: 3000 }), '2 s');
  });
});
