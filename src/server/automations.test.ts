/**
 * The automations engine as the server wires it (real promotion, real inbox folders) over the
 * control test kit: the `promote` action and the `on: {inbox}` trigger.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Automations } from '../automations/automations.ts';
import { RULES_FILE } from '../automations/automations.ts';
import { createKit, T0, type Kit } from '../control/test-kit.ts';
import { DEFAULT_WATCH } from '../core/deployment.ts';
import type { Deployer } from '../deploy/deployer.ts';
import type { Evaluator } from '../evaluation/evaluator.ts';
import { suiteSpec } from '../store/contract/evaluations-contract.ts';
import { jobSpec } from '../store/contract/fixtures.ts';
import { createCurricula } from '../curriculum/curricula.ts';
import { parseCurriculum } from '../core/curriculum.ts';
import { promoteByRule, subscribeAutomations } from './automations.ts';

const clock = { value: T0 };

async function setUp(dataDir: string): Promise<{ kit: Kit; automations: Automations }> {
  const kit = await createKit({ dataDir, start: false, clock });
  // The promote, inbox and curriculum paths use neither the evaluator nor the deployer.
  const curricula = createCurricula({ store: kit.store, control: kit.control, now: kit.now, log: (line) => kit.lines.push(line) });
  const automations = subscribeAutomations({ store: kit.store, control: kit.control, evaluator: {} as Evaluator, deployer: {} as Deployer, curricula, dataDir, now: kit.now, log: (line) => kit.lines.push(line) });
  await kit.control.recover();
  kit.control.start();
  await automations.start();
  return { kit, automations };
}

async function tearDown(s: { kit: Kit; automations: Automations }): Promise<void> {
  await s.automations.close();
  await s.kit.close();
}

function dataDir(rules: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'trainyard-automations-server-'));
  writeFileSync(join(dir, RULES_FILE), rules);
  return dir;
}

const RESULT = { verdict: 'pass' as const, summary: 'ok', values: { acc: 1 }, baseline: null, scoreDelta: null, diffs: [], regressions: [] };

describe('automations: promote', () => {
  it('promotes a model without a rule of its own by the action\'s margin, says why, and a replay makes nothing new', async () => {
    const s = await setUp(dataDir(`rules:\n  - name: ship\n    on: evaluation.done\n    do: {promote: {model: chat, margin: 0.1}}\n`));
    try {
      const { kit } = s;
      await kit.store.createModel({ name: 'chat' }, 'test', T0);
      const { suite } = await kit.store.saveEvalSuite(suiteSpec({ name: 'heldout' }), T0);
      const job = await kit.control.jobs.submit(kit.spec());
      await kit.run(job.id, 1);
      const ref = await kit.ref(job.id, 1);
      const evaluations: number[] = [];
      for (const [step, score] of [[1, 0.5], [2, 0.55], [3, 0.7]] as const) {
        kit.writeCheckpoint(job.id, `step-${step}.bin`);
        const checkpoint = await kit.control.intake.checkpoint(ref, { path: `step-${step}.bin`, step, metrics: {} });
        const { evaluation } = await kit.store.createEvaluation({ suite, checkpoint, trigger: 'manual' }, jobSpec({ name: `eval-${step}` }), T0);
        await kit.store.completeEvaluation(evaluation.id, { ...RESULT, score }, T0);
        evaluations.push(evaluation.id);
        await kit.until(async () => (await kit.store.listFirings({ rule: 'ship' })).filter((f) => f.state !== 'running').length === step, `firing ${step}`);
      }
      await s.automations.idle();
      const firings = (await kit.store.listFirings({ rule: 'ship' })).reverse();
      assert.deepEqual(firings.map((f) => [f.action, f.state]), [['promote', 'succeeded'], ['promote', 'succeeded'], ['promote', 'succeeded']]);
      assert.match(firings[0].detail!, /^chat version 1 \(checkpoint \d+\) is production: score 0\.5; production pointed at no version$/);
      assert.match(firings[1].detail!, /^chat: not promoted: score 0\.55 does not beat 0\.6: production \(version 1\) scores 0\.5, margin 0\.1$/);
      assert.match(firings[2].detail!, /^chat version 2 \(checkpoint \d+\) is production: score 0\.7 beats 0\.6/);
      assert.equal((await kit.store.getModelVersion('chat', 'production'))?.version, 2);

      // A replay (the firing cut by a crash and run again) finds what it made.
      const replay = await promoteByRule({ store: kit.store, now: kit.now }, { model: 'chat', alias: 'production', margin: 0.1, relative: false, evaluationId: evaluations[2] });
      assert.match(replay.detail, /not promoted: checkpoint \d+ is production already \(version 2\)/);
      assert.equal((await kit.store.getModelVersion('chat', 'production'))?.version, 2);
      assert.equal((await kit.store.listAliasMoves('chat', 'production')).length, 2);
    } finally {
      await tearDown(s);
    }
  });

  it('requests deployments on the targets that follow the alias, as the promotions subscriber does; a replay finds them', async () => {
    const s = await setUp(dataDir(''));
    try {
      const { kit } = s;
      await kit.store.createModel({ name: 'chat' }, 'test', T0);
      await kit.store.saveDeployTarget({ name: 'serve', kind: 'command', model: 'chat', alias: 'production', config: {}, smoke: null, watch: DEFAULT_WATCH }, 'test', T0);
      const { suite } = await kit.store.saveEvalSuite(suiteSpec({ name: 'heldout' }), T0);
      const job = await kit.control.jobs.submit(kit.spec());
      await kit.run(job.id, 1);
      kit.writeCheckpoint(job.id, 'step-1.bin');
      const checkpoint = await kit.control.intake.checkpoint(await kit.ref(job.id, 1), { path: 'step-1.bin', step: 1, metrics: {} });
      const { evaluation } = await kit.store.createEvaluation({ suite, checkpoint, trigger: 'manual' }, jobSpec({ name: 'eval' }), T0);
      await kit.store.completeEvaluation(evaluation.id, { ...RESULT, score: 0.9 }, T0);
      const request = { model: 'chat', alias: 'production', margin: 0, relative: false, evaluationId: evaluation.id };
      const first = await promoteByRule({ store: kit.store, now: kit.now }, request);
      assert.match(first.detail, /^chat version 1 \(checkpoint \d+\): deploying to serve \(deployment \d+\); production moves when one succeeds: score 0\.9/);
      assert.equal(first.deploymentIds.length, 1);
      const replay = await promoteByRule({ store: kit.store, now: kit.now }, request);
      assert.deepEqual(replay.deploymentIds, first.deploymentIds);
      assert.equal((await kit.store.listDeployments()).length, 1);
      assert.equal(await kit.store.getModelVersion('chat', 'production'), null, 'the alias waits for the deployment');
    } finally {
      await tearDown(s);
    }
  });

  it('a promote rule on an event without an evaluation is refused when the rule is read, naming `on`', async () => {
    const s = await setUp(dataDir(''));
    try {
      await assert.rejects(s.automations.save('bad', { on: 'job.submitted', do: { promote: { model: 'chat' } } }), (error: Error & { field?: string }) => {
        assert.equal(error.field, 'on');
        assert.match(error.message, /needs an evaluation: expected `on: evaluation\.done`/);
        return true;
      });
    } finally {
      await tearDown(s);
    }
  });
});

describe('automations: on inbox', () => {
  const RULE = `rules:\n  - name: feed\n    on: {inbox: {fewerThan: 2, priority: normal}}\n    do: {submit: {name: "feed-\${scheduledAt}", command: [x]}}\n`;

  it('fires once per crossing below N, again only after the count went back to N, and not again after a restart', async () => {
    const dir = dataDir(RULE);
    const normal = join(dir, 'inbox', 'normal');
    mkdirSync(normal, { recursive: true });
    mkdirSync(join(dir, 'inbox', 'high'), { recursive: true });
    for (const name of ['a.jsonl', 'b.jsonl', 'c.jsonl']) writeFileSync(join(normal, name), '{}\n');
    writeFileSync(join(dir, 'inbox', 'high', 'h.jsonl'), '{}\n'); // another priority: not counted
    const fired = async (kit: Kit) => (await kit.store.listFirings({ rule: 'feed' })).reverse();
    let s = await setUp(dir);
    try {
      await s.automations.checkInbox();
      assert.equal((await fired(s.kit)).length, 0, '3 waiting');
      rmSync(join(normal, 'a.jsonl'));
      rmSync(join(normal, 'b.jsonl'));
      await s.automations.checkInbox();
      s.kit.advance(1000);
      await s.automations.checkInbox();
      await s.automations.idle();
      let firings = await fired(s.kit);
      assert.deepEqual(firings.map((f) => f.state), ['succeeded'], 'one firing for the crossing');
      assert.match(firings[0].detail!, /job \d+ \(feed-\d+\) submitted/);
      assert.equal(firings[0].eventId, null);
      const [made] = await s.kit.store.listJobs({ tags: ['automation:feed'] });
      assert.equal(made.spec.name, `feed-${firings[0].scheduledAt}`);

      writeFileSync(join(normal, 'd.jsonl'), '{}\n');
      await s.automations.checkInbox(); // back to 2: armed
      rmSync(join(normal, 'd.jsonl'));
      s.kit.advance(1000);
      await s.automations.checkInbox();
      await s.automations.idle();
      firings = await fired(s.kit);
      assert.equal(firings.length, 2, 'the second crossing fires');

      const [dry] = await s.automations.test('feed', {});
      assert.match(dry.detail, /^1 waiting inbox file \(normal\) < 2/);

      await tearDown(s);
      s = await setUp(dir);
      s.kit.advance(1000);
      await s.automations.checkInbox();
      await s.automations.idle();
      assert.equal((await fired(s.kit)).length, 2, 'a restart below N does not fire the crossing again');
      writeFileSync(join(normal, 'e.jsonl'), '{}\n');
      await s.automations.checkInbox();
      rmSync(join(normal, 'e.jsonl'));
      s.kit.advance(1000);
      await s.automations.checkInbox();
      await s.automations.idle();
      assert.equal((await fired(s.kit)).length, 3, 'a new crossing after the restart fires');
    } finally {
      await tearDown(s);
    }
  });

  it('a crossing within the cooldown is recorded as skipped', async () => {
    const dir = dataDir(RULE.replace('    do:', '    cooldownSeconds: 600\n    do:'));
    const normal = join(dir, 'inbox', 'normal');
    mkdirSync(normal, { recursive: true });
    const s = await setUp(dir);
    try {
      await s.automations.checkInbox(); // 0 waiting, never fired: fires
      writeFileSync(join(normal, 'a.jsonl'), '{}\n');
      writeFileSync(join(normal, 'b.jsonl'), '{}\n');
      await s.automations.checkInbox();
      rmSync(join(normal, 'a.jsonl'));
      s.kit.advance(60_000);
      await s.automations.checkInbox();
      await s.automations.idle();
      const firings = (await s.kit.store.listFirings({ rule: 'feed' })).reverse();
      assert.deepEqual(firings.map((f) => f.state), ['succeeded', 'skipped']);
      assert.match(firings[1].detail!, /^1 waiting inbox file \(normal\) < 2; cooldown: fired 60 s ago/);
    } finally {
      await tearDown(s);
    }
  });
});

describe('automations: curriculum', () => {
  it("submits the current level's generate job, once, tagged with its level and its firing; an unknown curriculum fails the firing, naming it", async () => {
    const rules = `rules:
  - name: more-data
    on: job.submitted
    where: {data.name: low}
    do: {curriculum: {name: arith, run: generate}}
  - name: broken
    on: job.submitted
    where: {data.name: low}
    do: {curriculum: {name: nope}}
`;
    const s = await setUp(dataDir(rules));
    try {
      const { kit } = s;
      await kit.store.applyCurriculum(parseCurriculum({
        name: 'arith', metric: 'accuracy', promote: { atLeast: 0.8 }, job: { command: ['train'], cwd: kit.layout.root },
        levels: [{ name: 'easy', suite: 's', generate: { command: ['gen', 'easy'] } }, { name: 'hard', suite: 's', generate: { command: ['gen', 'hard'] } }],
      }), 'test', T0);
      await kit.store.setCurriculumLevel('arith', { to: 1, reason: 'test', by: 'test' }, T0);
      await kit.control.jobs.submit(kit.spec({ name: 'low' }));
      const firing = await kit.until(async () => (await kit.store.listFirings({ rule: 'more-data' })).find((f) => f.state !== 'running'), 'the firing');
      assert.equal(firing.state, 'succeeded', firing.detail ?? '');
      const made = await kit.job(firing.madeJobId!);
      assert.deepEqual(made.spec.command, ['gen', 'hard']);
      assert.deepEqual(made.spec.tags, ['curriculum:arith:hard', 'curriculum-generate', 'automation:more-data', `automation-firing:${firing.id}`]);
      assert.match(firing.detail ?? '', /the generate job of curriculum arith at level hard/);
      const broken = await kit.until(async () => (await kit.store.listFirings({ rule: 'broken' })).find((f) => f.state !== 'running'), 'the broken firing');
      assert.equal(broken.state, 'failed');
      assert.match(broken.detail ?? '', /curriculum nope not found/);
      assert.equal((await kit.store.listJobs({ tags: ['curriculum-generate'] })).length, 1);
    } finally {
      await tearDown(s);
    }
  });
});
