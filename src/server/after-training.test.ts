/**
 * Promotion as a subscriber, wired as the server wires it (after-training.ts), over the control
 * layer's test kit (fake executor, fake clock, real SQLite) with the real evaluator: evaluated checkpoints move `production` by themselves, a
 * regressing or too-small one does not, the lineage records the evaluations, a suite's model
 * baseline is resolved, and events replayed after a restart without a stored cursor change
 * nothing (not even a person's later move).
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createKit, type Kit } from '../control/test-kit.ts';
import type { Evaluator } from '../evaluation/evaluator.ts';
import { createModelBaseline, PROMOTION_SUBSCRIBER } from '../registry/index.ts';
import type { Store } from '../store/store.ts';
import { subscribeAfterTraining } from './after-training.ts';

const kits: Kit[] = [];
after(async () => {
  for (const kit of kits) await kit.close().catch(() => {});
});

/** A started kit with the evaluator and the promoter subscribed before the event log reads, as start.ts does. */
async function wired(from?: Kit, wrapStore?: (store: Store) => Store): Promise<{ k: Kit; evaluator: Evaluator }> {
  const k = from ? await from.restart({ recover: false, wrapStore }) : await createKit({ start: false });
  kits.push(k);
  const evaluator = subscribeAfterTraining({ store: k.store, control: k.control, now: k.now, log: (line) => k.lines.push(line) });
  await k.control.recover();
  k.control.start();
  return { k, evaluator };
}

const SUITE = {
  name: 'heldout',
  command: ['python3', 'eval.py'],
  cwd: '/work',
  metrics: [{ name: 'loss', goal: 'min' }, { name: 'accuracy', goal: 'max' }],
  baseline: { label: 'random policy', values: { loss: 1, accuracy: 0 } },
};

function batch(values: Record<string, number>) {
  const series = new Map(Object.entries(values).map(([key, v]) => [key, { steps: [0], values: [v], times: [0] }]));
  return { batchId: null, series, maxStep: 0, latest: Object.fromEntries(Object.entries(values).map(([k, v]) => [k, { step: 0, value: v }])) };
}

/** Registers a checkpoint at `step`, runs its evaluation by `suite` reporting `values`, waits for the verdict. */
async function evaluated(k: Kit, jobId: number, step: number, values: Record<string, number>, suite = 'heldout', checkpointId?: number) {
  let id = checkpointId;
  if (id === undefined) {
    k.writeCheckpoint(jobId, `step-${step}.bin`);
    id = (await k.control.intake.checkpoint(await k.ref(jobId, 1), { path: `step-${step}.bin`, step, metrics: {} })).id;
  }
  const e = await k.until(async () => (await k.store.listEvaluations({ checkpointId: id, suite }))[0], `the evaluation of checkpoint ${id}`);
  await k.run(e.evalJobId, 1);
  await k.control.intake.metrics(await k.ref(e.evalJobId, 1), batch(values));
  (await k.run(e.evalJobId, 1)).exit({ exitCode: 0 });
  return k.until(async () => {
    const done = await k.store.getEvaluation(e.id);
    return done?.state === 'done' ? done : null;
  }, `evaluation ${e.id} to be done`);
}

/** Waits until the promoter has handled every event appended so far. */
async function settled(k: Kit): Promise<void> {
  const last = await k.store.lastEventId();
  await k.until(async () => ((await k.store.getEventCursor(PROMOTION_SUBSCRIBER)) ?? 0) >= last, 'the promoter to catch up');
}

/**
 * Restarts the kit with the promoter's cursor reading as none, so it replays the log from the
 * beginning; resolves once it has handled every event, checking that the replay wrote none.
 */
async function restartForgetting(k: Kit): Promise<Kit> {
  const eventsBefore = await k.store.lastEventId();
  const acked: number[] = [];
  const { k: next } = await wired(k, (store) => ({
    ...store,
    getEventCursor: async (name) => (name === PROMOTION_SUBSCRIBER ? null : store.getEventCursor(name)),
    ackEvents: async (name, lastId, now) => {
      if (name === PROMOTION_SUBSCRIBER) acked.push(lastId);
      return store.ackEvents(name, lastId, now);
    },
  }));
  const last = await next.store.lastEventId();
  await next.until(() => acked.some((id) => id >= last), 'the promoter to replay the log');
  assert.equal(acked[0], 0, 'it started from the beginning');
  const written = await next.store.listEvents({ after: eventsBefore, types: ['model.version_created', 'model.alias_moved'] });
  assert.deepEqual(written, [], 'the replay wrote no registry event');
  return next;
}

const moves = async (store: Store) => (await store.listAliasMoves('lm', 'production')).map((m) => [m.from, m.to, m.by]);

describe('promoter', () => {
  it('promotes the best evaluated checkpoint by itself, once, and never a regressing one', async () => {
    const { k, evaluator } = await wired();
    await evaluator.saveSuite(SUITE);
    await evaluator.saveSuite({ ...SUITE, name: 'vs-prod', metrics: [{ name: 'loss', goal: 'min', change: { relative: 0 } }], baseline: { model: 'lm@production' } });
    await k.store.createModel({ name: 'lm', promotionRule: { alias: 'production', margin: 0.05, relative: false, suite: 'heldout' } }, 'test', k.now());
    await k.store.createModel({ name: 'tagged', promotionRule: { alias: 'production', margin: 0, relative: false, jobTag: 'other-line' } }, 'test', k.now());
    const job = await k.control.jobs.submit(k.spec({ evaluate: ['heldout'], keepCheckpoints: 0 }));
    await k.run(job.id, 1);

    const e5 = await evaluated(k, job.id, 5, { loss: 0.5, accuracy: 0.5 }); // score 0
    await settled(k);
    assert.deepEqual(await moves(k.store), [[null, 1, 'system']]);
    const e10 = await evaluated(k, job.id, 10, { loss: 0.3, accuracy: 0.7 }); // 0.2 beats 0 + 0.05
    await settled(k);
    const e15 = await evaluated(k, job.id, 15, { loss: 0.9, accuracy: 0.1 }); // regression alarm
    assert.equal(e15.result?.regressions.length, 2);
    await evaluated(k, job.id, 20, { loss: 0.28, accuracy: 0.72 }); // 0.22: inside the margin
    await settled(k);
    assert.deepEqual(await moves(k.store), [[null, 1, 'system'], [1, 2, 'system']]);
    const history = await k.store.listAliasMoves('lm', 'production');
    assert.equal(history[1].reason, 'promotion rule: score 0.2 beats 0.05: production (version 1) scores 0, margin 0.05');
    assert.ok(k.lines.some((l) => /^promotion lm: evaluation \d+ \(checkpoint \d+, step 15\): not promoted: regression alarm: loss 0\.9/.test(l)), k.lines.join('\n'));
    assert.ok(k.lines.some((l) => /step 20\): not promoted: score 0\.22 does not beat 0\.25/.test(l)));
    assert.deepEqual(await k.store.listModelVersions('tagged'), [], 'a rule for jobs tagged other-line does not watch this job');

    // The lineage records the checkpoint's evaluations, shown by `model show`.
    const v2 = (await k.store.getModelVersion('lm', 'production'))!;
    assert.deepEqual([v2.version, v2.checkpointId, v2.createdBy], [2, e10.checkpointId, 'system']);
    assert.deepEqual(v2.lineage.evaluations.map((e) => [e.id, e.suite, e.verdict, e.regressed, e.override]), [[e10.id, 'heldout', 'pass', false, null]]);
    assert.equal(Math.round(v2.lineage.evaluations[0].score! * 1e9) / 1e9, 0.2);
    assert.match(v2.notes ?? '', new RegExp(`^evaluation ${e10.id} on heldout: pass, score 0\\.2`));

    // "Promote anyway" lifts the alarm, not the margin: -0.4 does not beat 0.25.
    await evaluator.override(e15.id, 'ana', 'noisy eval set');
    await settled(k);
    assert.ok(k.lines.some((l) => /step 15\): not promoted: score -0\.4 does not beat 0\.25/.test(l)), k.lines.join('\n'));

    // A suite whose baseline is lm@production: production's own results on that suite.
    const resolve = createModelBaseline(k.store);
    assert.deepEqual(await resolve('lm@production', { name: 'heldout', version: 1 }), e10.result!.values);
    assert.deepEqual(await Promise.all([resolve('lm@staging', { name: 'heldout', version: 1 }), resolve('nope@1', { name: 'heldout', version: 1 }), resolve('lm@@', { name: 'heldout', version: 1 })]), [null, null, null]);
    await evaluator.run('vs-prod', e10.checkpointId);
    const first = await evaluated(k, job.id, 10, { loss: 0.3 }, 'vs-prod', e10.checkpointId);
    assert.deepEqual([first.result?.verdict, first.result?.baseline], ['no-baseline', null], 'production had no vs-prod results yet');
    await evaluator.run('vs-prod', e5.checkpointId);
    const judged = await evaluated(k, job.id, 5, { loss: 0.5 }, 'vs-prod', e5.checkpointId);
    assert.deepEqual([judged.result?.verdict, judged.result?.baseline?.label, judged.result?.baseline?.values], ['fail', 'lm@production', { loss: 0.3 }]);
    await settled(k);
    assert.deepEqual(await moves(k.store), [[null, 1, 'system'], [1, 2, 'system']], 'the rule watches heldout only');

    // A restart with no stored cursor replays every evaluation: nothing is made or moved again.
    const k2 = await restartForgetting(k);
    assert.deepEqual((await k2.store.listModelVersions('lm')).map((v) => v.version), [1, 2], 'no version made twice');
    assert.deepEqual(await moves(k2.store), [[null, 1, 'system'], [1, 2, 'system']]);
    assert.ok(k2.lines.some((l) => /step 10\): not promoted: checkpoint \d+ is production already \(version 2\)/.test(l)), k2.lines.join('\n'));

    // A person rolls production back; another replay leaves their choice alone (step 20's 0.22
    // would beat version 1's 0 + 0.05 if it were judged now).
    k2.advance(60_000);
    await k2.store.moveAlias({ model: 'lm', alias: 'production', version: 1, by: 'ann', reason: 'rollback' }, k2.now());
    const k3 = await restartForgetting(k2);
    assert.deepEqual((await k3.store.listModelVersions('lm')).map((v) => v.version), [1, 2]);
    assert.deepEqual(await moves(k3.store), [[null, 1, 'system'], [1, 2, 'system'], [2, 1, 'ann']], "the replay does not undo the person's move");
    assert.ok(k3.lines.some((l) => /step 20\): left alone: ann moved production after it was judged \(to version 1: rollback\)/.test(l)), k3.lines.join('\n'));
  });
});
