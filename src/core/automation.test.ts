import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AUTOMATION_LIMITS, parseRule, parseRulesFile } from './automation.ts';
import { decide, evaluateCondition, fillTemplates, inboxCrossing, matchesWhere, type DecideContext } from './automation-match.ts';
import { ValidationError } from './errors.ts';
import type { DomainEvent } from './events.ts';

const checkpointEvent = {
  id: 41, at: 1_000, type: 'checkpoint.registered', jobId: 7, runId: 3,
  data: { id: 12, jobId: 7, runId: 3, step: 500, path: '/ck/500', registeredAt: 1_000 },
} as unknown as DomainEvent;

const evalDone = (id: number, verdict: string, accuracy: number): DomainEvent => ({
  id, at: id, type: 'evaluation.done', jobId: 7, runId: null,
  data: { evaluationId: id, suite: 'smoke', checkpointId: 12, step: 500, evalJobId: 90, verdict, summary: '', score: 0.5, baselineScore: null, regressed: false,
    diffs: [{ metric: 'accuracy', goal: 'max', value: accuracy, baseline: null, absolute: null, relative: null, threshold: {}, failed: null }] },
}) as unknown as DomainEvent;

const ctx = (over: Partial<DecideContext> = {}): DecideContext => ({ now: 10_000, causeDepth: 0, lastFiredAt: null, firedLastMinute: 0, values: [], ...over });

describe('automation rules: parse', () => {
  it('reads a rule with defaults', () => {
    const rule = parseRule({ name: 'eval-new', on: 'checkpoint.registered', do: { eval: { suite: 'smoke' } } });
    assert.equal(rule.enabled, true);
    assert.equal(rule.cooldownSeconds, 0);
  });

  it('names the field, what was expected and what came', () => {
    assert.throws(() => parseRule({ name: 'x', on: 'checkpoint.made', do: { eval: { suite: 's' } } }), (e: ValidationError) => e.field === 'on' && /checkpoint\.registered/.test(e.message));
    assert.throws(() => parseRule({ name: 'x', on: 'job.submitted', do: { webhook: { url: 'ftp://x' } } }), (e: ValidationError) => e.field === 'do.webhook.url');
    assert.throws(() => parseRule({ name: 'x', on: 'job.submitted', do: { webhook: { url: 'http://x', secretEnv: 'not a name' } } }), (e: ValidationError) => e.field === 'do.webhook.secretEnv');
    assert.throws(() => parseRule({ name: 'x', on: { metric: 'accuracy' }, do: { stop: {} } }), (e: ValidationError) => e.field === 'condition');
    assert.throws(() => parseRule({ name: 'x', on: 'evaluation.done', condition: { metric: 'a', avg: 3, min: 2, atLeast: 1 }, do: { stop: {} } }), (e: ValidationError) => e.field === 'condition.min');
  });

  it('refuses a name used twice in a file, naming both', () => {
    const rule = { name: 'a', on: 'job.submitted', do: { stop: {} } };
    assert.throws(() => parseRulesFile({ rules: [rule, rule] }), (e: ValidationError) => e.field === 'rules.1.name' && /rules\.0\.name/.test(e.message));
    assert.throws(() => parseRulesFile({ rules: [rule, { ...rule, name: 'b', on: { schedule: 'x' } }] }, (r) => typeof r.on === 'object' && 'schedule' in r.on ? { field: 'on.schedule', message: 'bad cron' } : null), (e: ValidationError) => e.field === 'rules.1.on.schedule');
  });
});

describe('automation rules: matching and templates', () => {
  it('where: equality on dotted paths, lists are any of, numbers match their text', () => {
    const event = evalDone(1, 'fail', 0.5);
    assert.equal(matchesWhere({ 'data.verdict': 'fail' }, event), true);
    assert.equal(matchesWhere({ 'data.verdict': ['pass', 'warn'] }, event), false);
    assert.equal(matchesWhere({ 'data.step': '500', jobId: 7 }, event), true);
    assert.equal(matchesWhere({ 'data.nothing': 'x' }, event), false);
  });

  it('fills placeholders; a whole placeholder keeps its type; a missing value is named', () => {
    const cause = { event: checkpointEvent, scheduledAt: null };
    assert.deepEqual(fillTemplates({ from: 'checkpoint:${event.data.id}', step: '${event.data.step}', list: ['job ${event.jobId}'] }, cause),
      { from: 'checkpoint:12', step: 500, list: ['job 7'] });
    assert.equal(fillTemplates('checkpoint:${event.data.checkpointId}', cause), 'checkpoint:12', 'a registered checkpoint is data.checkpointId too');
    assert.throws(() => fillTemplates({ x: '${event.data.model}' }, cause), /template \$\{event\.data\.model\}: event 41 \(checkpoint\.registered\) has no value/);
  });
});

describe('automation rules: conditions', () => {
  const base = { metric: 'accuracy', atLeast: 0.8 };
  it('consecutive: each of the last K passes; fewer values do not hold yet', () => {
    assert.equal(evaluateCondition({ ...base, consecutive: 3 }, [0.9, 0.85]).holds, false);
    assert.equal(evaluateCondition({ ...base, consecutive: 3 }, [0.1, 0.9, 0.85, 0.81]).holds, true);
    assert.equal(evaluateCondition({ ...base, consecutive: 3 }, [0.9, 0.79, 0.85]).holds, false);
    assert.equal(evaluateCondition(base, [0.81]).holds, true);
  });
  it('avg, min, max of the last N', () => {
    assert.equal(evaluateCondition({ ...base, avg: 2 }, [0.1, 0.7, 0.95]).holds, true);
    assert.equal(evaluateCondition({ ...base, min: 2 }, [0.1, 0.7, 0.95]).holds, false);
    assert.equal(evaluateCondition({ metric: 'loss', max: 3, atMost: 1 }, [0.5, 0.9, 0.2]).holds, true);
  });
  it('change of the last N against the N before', () => {
    const result = evaluateCondition({ metric: 'loss', change: 2, atMost: -0.1 }, [1, 1, 0.8, 0.8]);
    assert.equal(result.holds, true);
    assert.match(result.detail, /-0\.2/);
    assert.equal(evaluateCondition({ metric: 'loss', change: 2, atMost: -0.1 }, [1, 1, 0.95, 1]).holds, false);
  });
});

describe('automation rules: decide', () => {
  const rule = parseRule({ name: 'fail-hook', on: 'evaluation.done', where: { 'data.verdict': 'fail' }, cooldownSeconds: 60, do: { pause: {} } });

  it('fires on a match, skips what does not match', () => {
    assert.equal(decide(rule, { event: evalDone(1, 'fail', 0.1), scheduledAt: null }, ctx()).kind, 'fire');
    assert.equal(decide(rule, { event: evalDone(1, 'pass', 0.1), scheduledAt: null }, ctx()).kind, 'no-match');
  });

  it('refuses a cause chain deeper than the limit, saying why', () => {
    const ok = decide(rule, { event: evalDone(1, 'fail', 0.1), scheduledAt: null }, ctx({ causeDepth: AUTOMATION_LIMITS.maxDepth - 1 }));
    assert.equal(ok.kind, 'fire');
    const refused = decide(rule, { event: evalDone(1, 'fail', 0.1), scheduledAt: null }, ctx({ causeDepth: AUTOMATION_LIMITS.maxDepth }));
    assert.equal(refused.kind, 'refused');
    assert.match((refused as { detail: string }).detail, /loop limit: the cause chain is 4 firings deep \(at most 3\)/);
  });

  it('refuses past the rate limit, skips within the cooldown', () => {
    const event = { event: evalDone(1, 'fail', 0.1), scheduledAt: null };
    assert.match((decide(rule, event, ctx({ firedLastMinute: AUTOMATION_LIMITS.maxFiringsPerMinute })) as { detail: string }).detail, /rate limit/);
    const skipped = decide(rule, event, ctx({ lastFiredAt: 10_000 - 20_000 }));
    assert.equal(skipped.kind, 'skipped');
    assert.match((skipped as { detail: string }).detail, /cooldown: fired 20 s ago, 40 s of 60 s left/);
    assert.equal(decide(rule, event, ctx({ lastFiredAt: 10_000 - 61_000 })).kind, 'fire');
  });

  it('metric rules: evaluation results holding the metric, the condition over the last values', () => {
    const metricRule = parseRule({ name: 'good', on: { metric: 'accuracy', suite: 'smoke' }, condition: { atLeast: 0.8, consecutive: 2 }, do: { deploy: { target: 'prod', model: 'chat', version: 'candidate' } } });
    const cause = { event: evalDone(3, 'pass', 0.9), scheduledAt: null };
    assert.equal(decide(metricRule, cause, ctx({ values: [0.5, 0.9] })).kind, 'skipped');
    assert.equal(decide(metricRule, cause, ctx({ values: [0.85, 0.9] })).kind, 'fire');
    assert.equal(decide(metricRule, { event: checkpointEvent, scheduledAt: null }, ctx()).kind, 'no-match');
  });

  it('a template the event cannot fill refuses the firing, naming the placeholder', () => {
    const submit = parseRule({ name: 's', on: 'checkpoint.registered', do: { submit: { command: 'x', from: 'model:${event.data.model}@production' } } });
    const decision = decide(submit, { event: checkpointEvent, scheduledAt: null }, ctx());
    assert.equal(decision.kind, 'refused');
  });
});

describe('automation rules: promote and inbox', () => {
  it('reads a promote action with the promotion rule defaults, on an evaluation event', () => {
    const rule = parseRule({ name: 'ship', on: 'evaluation.done', do: { promote: { model: 'chat' } } });
    assert.deepEqual(rule.do.promote, { model: 'chat', alias: 'production', margin: 0, relative: false });
    assert.ok(parseRule({ name: 'ship', on: { metric: 'score', suite: 'heldout' }, condition: { atLeast: 0.5 }, do: { promote: { model: 'chat', margin: 0.02, relative: true } } }));
  });

  it('names the field of a bad promote or inbox rule', () => {
    const field = (input: unknown) => {
      try {
        parseRule(input);
      } catch (error) {
        return [(error as ValidationError).field, (error as ValidationError).message];
      }
      return null;
    };
    assert.equal(field({ name: 'x', on: 'evaluation.done', do: { promote: { model: 'chat', margin: -1 } } })?.[0], 'do.promote.margin');
    assert.equal(field({ name: 'x', on: 'evaluation.done', do: { promote: {} } })?.[0], 'do.promote.model');
    const [on, why] = field({ name: 'x', on: 'job.submitted', do: { promote: { model: 'chat' } } })!;
    assert.equal(on, 'on');
    assert.match(why!, /expected `on: evaluation\.done`.*got "job\.submitted"/);
    assert.equal(field({ name: 'x', on: { inbox: { fewerThan: 0 } }, do: { stop: { job: 1 } } })?.[0], 'on.inbox.fewerThan');
    assert.equal(field({ name: 'x', on: { inbox: { fewerThan: 3, priority: 'urgent' } }, do: { stop: { job: 1 } } })?.[0], 'on.inbox.priority');
  });

  it('an inbox rule listens to no event and fires on a schedule-like cause', () => {
    const rule = parseRule({ name: 'feed', on: { inbox: { fewerThan: 3 } }, do: { submit: { name: 'feed-${scheduledAt}', command: ['x'] } } });
    const decision = decide(rule, { event: null, scheduledAt: 5_000 }, ctx());
    assert.equal(decision.kind, 'fire');
    assert.equal((decision as Extract<typeof decision, { kind: 'fire' }>).action.submit?.name, 'feed-5000');
  });

  it('inboxCrossing fires once per crossing below N', () => {
    let armed = true;
    const fired: number[] = [];
    for (const count of [5, 3, 2, 1, 0, 2, 3, 2, 3, 4, 1]) {
      const step = inboxCrossing(armed, count, 3);
      armed = step.armed;
      if (step.fire) fired.push(count);
    }
    assert.deepEqual(fired, [2, 2, 1]);
    assert.deepEqual(inboxCrossing(false, 0, 3), { fire: false, armed: false });
  });
});
