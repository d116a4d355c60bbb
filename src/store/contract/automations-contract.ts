/** Contract of AutomationStore: rules from the file and the API, firings once per cause, with events. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRule } from '../../core/automation.ts';
import { ConflictError, NotFoundError } from '../../core/errors.ts';
import type { NewFiring } from '../automation-store.ts';
import { type StoreFactory, T0, useStore } from './fixtures.ts';

const rule = (name: string, over: Record<string, unknown> = {}) => parseRule({ name, on: 'checkpoint.registered', do: { eval: { suite: 'smoke' } }, ...over });
const firing = (over: Partial<NewFiring> = {}): NewFiring => ({ rule: 'a', eventId: 1, scheduledAt: null, action: 'eval', depth: 1, state: 'running', detail: null, value: null, ...over });

export function automationContract(createStore: StoreFactory): void {
  describe('automations', () => {
    const store = useStore(createStore);

    it('syncs the file rules: adds, changes, removes; keeps a toggle while the file keeps enabled; API rules apart', async () => {
      assert.deepEqual(await store().syncFileRules([rule('a'), rule('b')], T0), { added: ['a', 'b'], changed: [], removed: [] });
      await store().saveRule(rule('api-one'), T0);
      await assert.rejects(store().saveRule(rule('a'), T0), ConflictError);
      await store().setRuleEnabled('a', false, T0 + 1);
      assert.deepEqual(await store().syncFileRules([rule('a', { cooldownSeconds: 5 })], T0 + 2), { added: [], changed: ['a'], removed: ['b'] });
      const a = await store().getRule('a');
      assert.equal(a?.enabled, false);
      assert.equal(a?.rule.cooldownSeconds, 5);
      assert.equal(a?.source, 'file');
      assert.deepEqual((await store().listRules()).map((r) => [r.name, r.source]), [['a', 'file'], ['api-one', 'api']]);
      await assert.rejects(store().deleteRule('a'), ConflictError);
      await store().deleteRule('api-one');
      await assert.rejects(store().deleteRule('api-one'), NotFoundError);
      await assert.rejects(store().setRuleEnabled('nope', true, T0), NotFoundError);
    });

    it('records a firing once per (rule, event) and per (rule, scheduled time), with its events', async () => {
      const first = await store().beginFiring(firing(), T0);
      assert.equal(first.created, true);
      const again = await store().beginFiring(firing({ detail: 'other' }), T0 + 1);
      assert.deepEqual(again, { firing: first.firing, created: false });
      assert.deepEqual(await store().firingFor('a', 1), first.firing);
      assert.equal(await store().firingFor('a', 2), null);
      assert.equal((await store().beginFiring(firing({ rule: 'b' }), T0)).created, true);
      assert.equal((await store().beginFiring(firing({ eventId: null, scheduledAt: T0 }), T0)).created, true);
      assert.equal((await store().beginFiring(firing({ eventId: null, scheduledAt: T0 }), T0)).created, false);
      const done = await store().finishFiring(first.firing.id, { state: 'succeeded', detail: 'job 9 submitted', madeJobId: 9 }, T0 + 40);
      assert.deepEqual([done.state, done.endedAt, done.madeJobId], ['succeeded', T0 + 40, 9]);
      assert.equal((await store().finishFiring(first.firing.id, { state: 'failed', detail: 'x' }, T0 + 50)).state, 'succeeded');
      const events = await store().listEvents({ types: ['automation.fired', 'automation.finished'] });
      assert.deepEqual(events.map((e) => e.type), ['automation.fired', 'automation.fired', 'automation.fired', 'automation.finished']);
      assert.deepEqual(events[3].data, { firingId: first.firing.id, rule: 'a', action: 'eval', eventId: 1, scheduledAt: null, depth: 1, state: 'succeeded', detail: 'job 9 submitted', durationMs: 40 });
      assert.equal(await store().madeDepth({ jobIds: [9], deploymentId: null }), 1);
      assert.equal(await store().madeDepth({ jobIds: [8], deploymentId: null }), 0);
    });

    it('a skipped firing ends at once; activity counts the firings that ran; condition values oldest first', async () => {
      await store().beginFiring(firing({ eventId: 1, state: 'skipped', detail: 'condition', value: 0.5 }), T0);
      await store().beginFiring(firing({ eventId: 2, value: 0.7 }), T0 + 10);
      await store().beginFiring(firing({ eventId: 3, value: 0.9 }), T0 + 20);
      assert.deepEqual(await store().conditionValues('a', 2), [0.7, 0.9]);
      assert.deepEqual(await store().conditionValues('a', 9), [0.5, 0.7, 0.9]);
      assert.deepEqual(await store().ruleActivity('a', T0 + 15), { lastFiredAt: T0 + 20, firedSince: 1 });
      assert.deepEqual(await store().ruleActivity('b', T0), { lastFiredAt: null, firedSince: 0 });
      const listed = await store().listFirings({ rule: 'a' });
      assert.deepEqual(listed.map((f) => [f.eventId, f.state]), [[3, 'running'], [2, 'running'], [1, 'skipped']]);
      assert.deepEqual((await store().listFirings({ state: 'skipped' })).map((f) => f.endedAt), [T0]);
      assert.deepEqual(await store().listEvents({ types: ['automation.finished'] }), [], 'skipped firings append no event');
    });
  });
}
