/**
 * The engine over the control test kit (real SQLite, fake executor): rules from the file, the
 * loop limit, exactly once across restarts, a webhook that is down, the dry run.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createKit, T0, type Kit } from '../control/test-kit.ts';
import { createAutomations, RULES_FILE, type Automations } from './automations.ts';
import { signBody } from './webhook.ts';

interface Setup {
  readonly kit: Kit;
  readonly automations: Automations;
  readonly calls: string[];
}

const clock = { value: T0 };

async function setUp(dataDir: string, env: NodeJS.ProcessEnv = {}): Promise<Setup> {
  const kit = await createKit({ dataDir, start: false, clock });
  const calls: string[] = [];
  const automations = createAutomations({
    store: kit.store, control: kit.control, dataDir, now: kit.now, log: (line) => kit.lines.push(line), env,
    filePollMs: 50,
    webhook: { backoffMs: () => 20 },
    ports: {
      async evaluate(suite, checkpointId) {
        calls.push(`eval ${suite} ${checkpointId}`);
        return { evaluationId: 1, evalJobId: null, created: true };
      },
      async deploy(request) {
        calls.push(`deploy ${request.model}@${request.version} to ${request.target}`);
        return { deploymentId: 5 };
      },
      async promote(request) {
        calls.push(`promote ${request.model} evaluation ${request.evaluationId}`);
        return { detail: 'not promoted', deploymentIds: [] };
      },
    },
  });
  automations.subscribe();
  await kit.control.recover();
  kit.control.start();
  await automations.start();
  return { kit, automations, calls };
}

async function tearDown(setup: Setup): Promise<void> {
  await setup.automations.close();
  await setup.kit.close();
}

function dataDir(rules: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'trainyard-automations-'));
  writeFileSync(join(dir, RULES_FILE), rules);
  return dir;
}

const FOLLOW = `rules:
  - name: follow
    on: job.submitted
    where: {data.name: base}
    do:
      submit:
        name: "follow-\${event.jobId}"
        command: [python3, train.py]
`;

describe('automations engine', () => {
  it('a rule from the file submits a job from its template, once, tagged with its firing', async () => {
    const s = await setUp(dataDir(FOLLOW));
    try {
      const base = await s.kit.control.jobs.submit(s.kit.spec({ name: 'base' }));
      const firing = await s.kit.until(async () => (await s.kit.store.listFirings({ rule: 'follow', state: 'succeeded' }))[0], 'the firing');
      assert.equal(firing.eventId !== null, true);
      const follow = await s.kit.job(firing.madeJobId!);
      assert.equal(follow.spec.name, `follow-${base.id}`);
      assert.deepEqual(follow.spec.tags, ['automation:follow', `automation-firing:${firing.id}`]);
      assert.match(firing.detail!, new RegExp(`job ${follow.id} \\(follow-${base.id}\\) submitted`));
      await s.automations.idle();
      assert.equal((await s.kit.store.listFirings({ rule: 'follow' })).length, 1, 'the follow job itself is not named base');
    } finally {
      await tearDown(s);
    }
  });

  it('refuses a firing whose cause chain is deeper than 3, and says why', async () => {
    const s = await setUp(dataDir(`rules:\n  - name: chain\n    on: job.submitted\n    do: {submit: {name: "next-\${event.jobId}", command: [x]}}\n`));
    try {
      await s.kit.control.jobs.submit(s.kit.spec({ name: 'seed' }));
      const refused = await s.kit.until(async () => (await s.kit.store.listFirings({ rule: 'chain', state: 'refused' }))[0], 'a refused firing');
      assert.match(refused.detail!, /loop limit: the cause chain is 4 firings deep \(at most 3\)/);
      const ran = await s.kit.store.listFirings({ rule: 'chain', state: 'succeeded' });
      assert.deepEqual(ran.map((f) => f.depth), [3, 2, 1]);
      assert.equal((await s.kit.store.listJobs()).length, 4, 'the seed and three automated jobs');
    } finally {
      await tearDown(s);
    }
  });

  it('a server that died between the event and its action fires after restart exactly once', async () => {
    const dir = dataDir(FOLLOW);
    const first = await setUp(dir);
    await first.kit.store.ackEvents('automations', await first.kit.store.lastEventId(), T0);
    // The server stops reading events (as if killed) before it handles the submission.
    await first.automations.close();
    await first.kit.control.jobs.submit(first.kit.spec({ name: 'base' }));
    await first.kit.close();
    for (let restart = 0; restart < 2; restart++) {
      const s = await setUp(dir);
      try {
        await s.kit.until(async () => (await s.kit.store.listFirings({ rule: 'follow', state: 'succeeded' })).length === 1, 'the firing');
        await s.automations.idle();
        const jobs = await s.kit.store.listJobs();
        assert.deepEqual(jobs.map((j) => j.spec.name).sort(), ['base', 'follow-1']);
      } finally {
        await tearDown(s);
      }
    }
  });

  it('a firing cut in its action: a submit is found by its tag (not run twice), a webhook ends failed', async () => {
    const dir = dataDir(FOLLOW + `  - name: hook\n    on: run.ended\n    do: {webhook: {url: "http://127.0.0.1:9/x"}}\n`);
    const first = await setUp(dir);
    // What a crash in the middle leaves: running firings; the submit's job made, its end not recorded.
    const cut = await first.kit.store.beginFiring({ rule: 'follow', eventId: 99_001, scheduledAt: null, action: 'submit', depth: 1, state: 'running', detail: null, value: null }, T0);
    const made = await first.kit.control.jobs.submit(first.kit.spec({ name: 'follow-x', tags: [`automation-firing:${cut.firing.id}`] }));
    const hook = await first.kit.store.beginFiring({ rule: 'hook', eventId: 99_002, scheduledAt: null, action: 'webhook', depth: 1, state: 'running', detail: null, value: null }, T0);
    await tearDown(first);
    const s = await setUp(dir);
    try {
      const submit = await s.kit.store.getFiring(cut.firing.id);
      assert.deepEqual([submit?.state, submit?.madeJobId], ['succeeded', made.id]);
      assert.equal((await s.kit.store.listJobs()).length, 1);
      const webhook = await s.kit.store.getFiring(hook.firing.id);
      assert.equal(webhook?.state, 'failed');
      assert.match(webhook!.detail!, /interrupted by restart/);
    } finally {
      await tearDown(s);
    }
  });

  it('a webhook that is down gets retries then a recorded failure, without holding other rules up; a live one is signed', async () => {
    const bodies: Array<{ body: string; signature: string | undefined }> = [];
    const receiver: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        bodies.push({ body, signature: req.headers['x-trainyard-signature'] as string | undefined });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    after(() => receiver.close());
    const port = (receiver.address() as { port: number }).port;
    const s = await setUp(dataDir(`rules:
  - name: down
    on: job.submitted
    do: {webhook: {url: "http://127.0.0.1:9/hook", retries: 3, timeoutSeconds: 2}}
  - name: up
    on: job.submitted
    do: {webhook: {url: "http://127.0.0.1:${port}/hook", secretEnv: HOOK_SECRET}}
  - name: after
    on: job.submitted
    do: {pause: {}}
`), { HOOK_SECRET: 's3cret' });
    try {
      const job = await s.kit.control.jobs.submit(s.kit.spec({ name: 'watched' }));
      await s.kit.until(async () => (await s.kit.store.listFirings({ rule: 'after', state: 'succeeded' })).length === 1, 'the pause');
      await s.automations.idle();
      const [down] = await s.kit.store.listFirings({ rule: 'down' });
      assert.equal(down.state, 'failed');
      assert.match(down.detail!, /not delivered: .*after 4 tries/);
      const [up] = await s.kit.store.listFirings({ rule: 'up' });
      assert.equal(up.state, 'succeeded');
      assert.equal(bodies.length, 1);
      assert.equal(bodies[0].signature, signBody(bodies[0].body, 's3cret'));
      const sent = JSON.parse(bodies[0].body);
      assert.equal(sent.rule, 'up');
      assert.equal(sent.event.jobId, job.id);
      assert.equal(typeof sent.firedAt, 'number');
      assert.match((await s.kit.job(job.id)).state, /paus/);
    } finally {
      await tearDown(s);
    }
  });

  it('a condition reads the values of the causes the rule saw: K consecutive checkpoints under a bound', async () => {
    const s = await setUp(dataDir(`rules:\n  - name: good\n    on: checkpoint.registered\n    condition: {metric: metrics.loss, atMost: 0.5, consecutive: 2}\n    do: {eval: {suite: smoke}}\n`));
    try {
      const job = await s.kit.control.jobs.submit(s.kit.spec());
      await s.kit.run(job.id, 1);
      const ref = await s.kit.ref(job.id, 1);
      const ids: number[] = [];
      for (const [step, loss] of [[1, 0.9], [2, 0.4], [3, 0.3], [4, 0.6]] as const) {
        s.kit.writeCheckpoint(job.id, `step-${step}.bin`);
        ids.push((await s.kit.control.intake.checkpoint(ref, { path: `step-${step}.bin`, step, metrics: { loss } })).id);
        await s.kit.until(async () => (await s.kit.store.listFirings({ rule: 'good' })).length === step, `firing ${step}`);
      }
      await s.automations.idle();
      const firings = (await s.kit.store.listFirings({ rule: 'good' })).reverse();
      assert.deepEqual(firings.map((f) => f.state), ['skipped', 'skipped', 'succeeded', 'skipped']);
      assert.match(firings[1].detail!, /metrics\.loss 0\.9 is not ≤ 0\.5 \(last 2: 0\.9, 0\.4\)/);
      assert.match(firings[2].detail!, /evaluation 1 \(suite smoke on checkpoint/);
      assert.deepEqual(s.calls, [`eval smoke ${ids[2]}`]);
    } finally {
      await tearDown(s);
    }
  });

  it('a schedule fires on its slots (croner), once per slot, with the slot in the template', async () => {
    const s = await setUp(dataDir(`rules:\n  - name: tick\n    on: {schedule: "* * * * * *", timezone: UTC}\n    do: {submit: {name: "tick-\${scheduledAt}", command: [x]}}\n`));
    try {
      const firing = await s.kit.until(async () => (await s.kit.store.listFirings({ rule: 'tick', state: 'succeeded' }))[0], 'a scheduled firing', 10_000);
      assert.equal(firing.eventId, null);
      assert.equal(firing.scheduledAt! % 1000, 0);
      assert.equal((await s.kit.job(firing.madeJobId!)).spec.name, `tick-${firing.scheduledAt}`);
      await s.automations.setEnabled('tick', false);
      await s.automations.idle();
      const slots = (await s.kit.store.listFirings({ rule: 'tick' })).map((f) => f.scheduledAt);
      assert.equal(new Set(slots).size, slots.length, 'one firing per slot');
      const [next] = await s.automations.test('tick', { last: 1 });
      assert.equal(next.action, `submit job "tick-${next.scheduledAt}": x`);
    } finally {
      await tearDown(s);
    }
  });

  it('a broken rules file keeps the previous rules and reports the position; the dry run does nothing', async () => {
    const dir = dataDir(FOLLOW);
    const s = await setUp(dir);
    try {
      writeFileSync(join(dir, RULES_FILE), FOLLOW.replace('on: job.submitted', 'on: job.made'));
      await s.automations.reload();
      const status = s.automations.fileStatus();
      assert.equal(status.error?.line, 3);
      assert.equal(status.error?.field, 'rules.0.on');
      assert.match(status.error!.message, /^automations\.yaml:3:5: rules\.0\.on: expected one of "job\.submitted"/);
      assert.equal((await s.automations.rule('follow')).rule.on, 'job.submitted');
      const base = await s.kit.control.jobs.submit(s.kit.spec({ name: 'base' }));
      await s.kit.until(async () => (await s.kit.store.listFirings({ rule: 'follow' })).length === 1, 'the old rule to fire');
      await s.automations.idle();
      const jobs = (await s.kit.store.listJobs()).length;
      const [dry] = await s.automations.test('follow', { eventId: (await s.kit.store.listEvents({ types: ['job.submitted'], jobId: base.id }))[0].id });
      assert.equal(dry.decision, 'fire');
      assert.match(dry.action!, new RegExp(`submit job "follow-${base.id}"`));
      assert.equal(dry.firing?.state, 'succeeded');
      const last = await s.automations.test('follow', { last: 5 });
      assert.deepEqual(last.map((r) => r.decision), ['fire', 'no-match']);
      assert.equal((await s.kit.store.listJobs()).length, jobs, 'a dry run submits nothing');
    } finally {
      await tearDown(s);
    }
  });
});
