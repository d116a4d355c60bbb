/**
 * A curriculum end to end, through a real server, real processes and the CLI: two real eval
 * suites (a small node script reporting an accuracy per checkpoint), a curriculum applied from a
 * YAML file (a bad one refused with its file:line), the first level's job (the line-protocol
 * trainer) registering three checkpoints, each evaluated; the curriculum stays at its first level
 * after two passing evaluations and is promoted by the third (accuracy ≥ 0.8 over 3), and the
 * history shows it through `trainyard curriculum show`.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { cliJson, killRuns, REPO, runCli, startServer, tempDir, waitFor, waitForJob, type TestServer } from './harness.ts';

const TRAINER = join(REPO, 'test', 'fixtures', 'line-trainer.mjs');

/** The suites' command: an accuracy per checkpoint step; step 15 waits for the test's gate. */
const EVAL_SCRIPT = `
import { existsSync, readFileSync } from 'node:fs';
const { step } = JSON.parse(readFileSync(process.env.TRAINYARD_EVAL_CHECKPOINT, 'utf8'));
while (step === 15 && !existsSync('gate')) await new Promise((r) => setTimeout(r, 50));
const accuracy = { 5: 0.9, 10: 0.85, 15: 0.95 }[step];
console.log('#trainyard metrics step=0 accuracy=' + accuracy);
`;

const suite = (name: string) => `name: ${name}\ncommand: [${JSON.stringify(process.execPath)}, eval.mjs]\nmetrics:\n  - name: accuracy\n    goal: max\n`;

const CURRICULUM = `# team 2: accuracy 80 % over the last 3 evaluations
name: arith
metric: accuracy
promote: {atLeast: 0.8, over: 3}
demote: {below: 0.3, over: 2}
job:
  command: [${JSON.stringify(process.execPath)}, ${JSON.stringify(TRAINER)}, --steps, "15", --ckpt-every, "5"]
  keepCheckpoints: 0
  maxRetries: 0
levels:
  - name: easy
    suite: arith-easy
    generate: {command: [${JSON.stringify(process.execPath)}, -e, "console.log('generated')"]}
  - name: medium
    suite: arith-medium
    job: {params: {digits: 3}}
`;

describe('curriculum end to end', { timeout: 240_000 }, () => {
  const servers: TestServer[] = [];
  after(async () => {
    for (const s of servers) {
      killRuns(s.dataDir);
      await s.stop().catch(() => {});
    }
  });

  it('promotes after K passing evaluations at the level and shows the history through the CLI', async () => {
    const work = tempDir('trainyard-curriculum-work-');
    writeFileSync(join(work, 'eval.mjs'), EVAL_SCRIPT);
    for (const name of ['arith-easy', 'arith-medium']) writeFileSync(join(work, `${name}.yaml`), suite(name));
    writeFileSync(join(work, 'curriculum.yaml'), CURRICULUM);
    writeFileSync(join(work, 'bad.yaml'), CURRICULUM.replace('over: 3}', 'over: 0}'));
    const server = await startServer();
    servers.push(server);
    const cli = (...args: string[]) => runCli(args, { cwd: work, env: { TRAINYARD_URL: server.url, TRAINYARD_TOKEN: server.adminToken, USER: 'ana' } });

    const bad = await cli('curriculum', 'apply', 'bad.yaml');
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^error: bad\.yaml:4:\d+: promote\.over: .*0/m);
    const early = await cli('curriculum', 'apply', 'curriculum.yaml');
    assert.equal(early.code, 1, 'the suites do not exist yet');
    assert.match(early.stderr, /^error: curriculum\.yaml:12:5: levels\.0\.suite: no eval suite "arith-easy": add it first/m);
    for (const name of ['arith-easy', 'arith-medium']) assert.equal((await cli('eval', 'suite', 'add', `${name}.yaml`)).code, 0);
    const applied = await cli('curriculum', 'apply', 'curriculum.yaml');
    assert.equal(applied.code, 0, applied.stderr);
    assert.match(applied.stdout, /created curriculum arith: at level 0 easy of 2 \(active\)/);

    const run = cliJson(await cli('curriculum', 'run', 'arith', '--json'));
    assert.deepEqual([run.spec.name, run.spec.tags, run.spec.evaluate, run.spec.cwd], ['arith-easy', ['curriculum:arith:easy'], ['arith-easy'], work]);
    const tagged = (await server.api('/api/v1/jobs?tag=curriculum:arith:easy')).body.jobs as any[];
    assert.deepEqual(tagged.map((j) => j.id), [run.id], 'the job list finds it by its level tag');
    assert.equal((await waitForJob(server, run.id, ['succeeded', 'failed'])).state, 'succeeded');

    // Two evaluations passed, the third waits at its gate: still at easy, the window shows them.
    const show = async () => cliJson(await cli('curriculum', 'show', 'arith', '--json'));
    const two = await waitFor(async () => {
      const c = await show();
      return c.window.values.length === 2 ? c : null;
    }, { what: 'two evaluations counted' });
    // The two ungated evaluations end in either order.
    assert.deepEqual([two.levelName, two.window.values.map((v: any) => v.value).sort(), two.window.need, two.history], ['easy', [0.85, 0.9], 3, []]);
    const first = two.window.values.map((v: any) => v.value).join(', ');
    writeFileSync(join(work, 'gate'), '');
    const promoted = await waitFor(async () => {
      const c = await show();
      return c.levelName === 'medium' ? c : null;
    }, { what: 'the promotion to medium' });
    assert.equal(promoted.history.length, 1);
    const [move] = promoted.history;
    assert.deepEqual([move.direction, move.fromLevel, move.toLevel, move.values.join(', '), move.by], ['promote', 'easy', 'medium', `${first}, 0.95`, 'system']);
    assert.equal(move.reason, `accuracy ${first}, 0.95 ≥ 0.8 over the last 3`);
    const done = (await server.api('/api/v1/events?types=evaluation.done')).body.events as any[];
    assert.equal(move.causeEventId, done.at(-1).id, 'caused by the third evaluation');

    const text = await cli('curriculum', 'show', 'arith');
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^level: +1 medium/m);
    assert.ok(text.stdout.includes(`promote easy → medium  system  event ${move.causeEventId}  accuracy ${first}, 0.95 ≥ 0.8 over the last 3`), text.stdout);
    const ls = await cli('curriculum', 'ls');
    assert.match(ls.stdout, /arith +2\/2 medium +active +accuracy ≥ 0\.8 over 3; demote < 0\.3 over 2/);

    // The next level's job, a manual move back, the generate job.
    const medium = cliJson(await cli('curriculum', 'run', 'arith', '--json'));
    assert.deepEqual([medium.spec.tags, medium.spec.params], [['curriculum:arith:medium'], { digits: 3 }]);
    const refused = await cli('curriculum', 'run', 'arith', '--generate');
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /level medium of curriculum arith has no generate job/);
    const set = await cli('curriculum', 'set-level', 'arith', 'easy', '--reason', 'new data');
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stdout, /set medium → easy \(history \d+\): new data/);
    const gen = cliJson(await cli('curriculum', 'run', 'arith', '--generate', '--json'));
    assert.deepEqual(gen.spec.tags, ['curriculum:arith:easy', 'curriculum-generate']);
    const events = (await server.api('/api/v1/events?types=curriculum.updated,curriculum.level_changed')).body.events as any[];
    assert.deepEqual(events.map((e) => [e.type, e.data.direction ?? null]), [['curriculum.updated', null], ['curriculum.level_changed', 'promote'], ['curriculum.level_changed', 'set']]);
  });
});
