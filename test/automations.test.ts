/**
 * Automations through a real server, real processes and the real CLI: a rule submits a job that
 * continues from each new checkpoint (`from:`), a webhook receiver checks every HMAC signature,
 * a receiver that is down gets its retries and a recorded failure without holding other rules
 * up, a malformed rules file is reported with its line while the old rules stay in force (and a
 * fixed one is taken at once), an eval action's result fires a metric rule one level deeper, the
 * API's rules are made, toggled and removed, and a server killed with SIGKILL around its actions
 * (one event surely committed and not handled) does each of them exactly once after the restart.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseJobSpec } from '../src/core/job-spec.ts';
import { createSqliteStore } from '../src/store/sqlite/sqlite-store.ts';
import { cliJson, freePort, killRuns, REPO, runCli, startServer, tempDir, waitFor, waitForJob, withOptions, type TestServer } from './harness.ts';

const TRAINER = join(REPO, 'test', 'fixtures', 'line-trainer.mjs');
const SECRET = 'hook-secret-for-tests';

interface Delivery {
  readonly body: any;
  readonly valid: boolean;
}

/** A webhook receiver that checks the signature of each delivery. */
async function startReceiver(): Promise<{ port: number; deliveries: Delivery[]; server: Server }> {
  const deliveries: Delivery[] = [];
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const expected = `sha256=${createHmac('sha256', SECRET).update(raw).digest('hex')}`;
      deliveries.push({ body: JSON.parse(raw), valid: req.headers['x-trainyard-signature'] === expected });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as { port: number }).port, deliveries, server };
}

function rulesFile(receiverPort: number, deadPort: number): string {
  return `rules:
  # Each checkpoint of a "base" job is continued by a short job started from it.
  - name: continue
    on: checkpoint.registered
    where: {data.step: 6}
    do:
      submit:
        name: "continue-\${event.data.checkpointId}"
        command: [${JSON.stringify(process.execPath)}, ${JSON.stringify(TRAINER)}, --steps, "2", --ckpt-every, "1", --interval-ms, "5"]
        cwd: ${JSON.stringify(REPO)}
        from: "checkpoint:\${event.data.checkpointId}"
  - name: notify
    on: job.state_changed
    where: {data.to: [succeeded, failed]}
    do: {webhook: {url: "http://127.0.0.1:${receiverPort}/hook", secretEnv: HOOK_SECRET}}
  - name: down
    on: job.state_changed
    where: {data.to: succeeded}
    cooldownSeconds: 3600
    do: {webhook: {url: "http://127.0.0.1:${deadPort}/hook", retries: 2, timeoutSeconds: 2}}
`;
}

const firings = async (s: TestServer, rule: string) => (await s.api(`/api/v1/rules/${rule}/firings`)).body.firings as any[];

describe('automations', () => {
  let server: TestServer;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let dataDir: string;

  before(async () => {
    receiver = await startReceiver();
    dataDir = tempDir();
    writeFileSync(join(dataDir, 'automations.yaml'), rulesFile(receiver.port, await freePort()));
    server = await startServer({ dataDir, env: { HOOK_SECRET: SECRET } });
  });

  after(async () => {
    killRuns(dataDir);
    await server?.stop();
    receiver?.server.close();
  });

  it('continues from a new checkpoint, signs every webhook, and records the failures of a receiver that is down', async () => {
    const base = await server.api('/api/v1/jobs', { body: { name: 'base', command: [process.execPath, TRAINER, '--steps', '6', '--ckpt-every', '6', '--interval-ms', '5'], cwd: REPO } });
    assert.equal(base.status, 201, JSON.stringify(base.body));
    assert.equal((await waitForJob(server, base.body.id, ['succeeded', 'failed'])).state, 'succeeded');
    const [checkpoint] = (await server.api(`/api/v1/jobs/${base.body.id}/checkpoints`)).body.checkpoints;

    const fired = await waitFor(async () => (await firings(server, 'continue')).find((f) => f.state !== 'running'), { what: 'the continue firing' });
    assert.equal(fired.state, 'succeeded', fired.detail);
    const continued = await waitForJob(server, fired.madeJobId, ['succeeded', 'failed']);
    assert.equal(continued.state, 'succeeded');
    assert.equal(continued.spec.name, `continue-${checkpoint.id}`);
    assert.equal(continued.initFrom.checkpointId, checkpoint.id);
    assert.ok(continued.spec.tags.includes('automation:continue'));

    // Both jobs ended: two signed deliveries; the continued job's step-6-less checkpoints fired nothing more.
    await waitFor(() => receiver.deliveries.length >= 2, { what: 'two webhook deliveries' });
    assert.ok(receiver.deliveries.every((d) => d.valid), 'every delivery carries a valid HMAC');
    assert.deepEqual(receiver.deliveries.map((d) => [d.body.rule, d.body.event.type, d.body.event.jobId]).sort(),
      [['notify', 'job.state_changed', base.body.id], ['notify', 'job.state_changed', continued.id]].sort());
    assert.equal((await firings(server, 'continue')).length, 1);

    // The receiver that is down: three tries, then a recorded failure; the cooldown skips the second job.
    const down = await waitFor(async () => {
      const all = await firings(server, 'down');
      return all.some((f) => f.state === 'failed') ? all : null;
    }, { what: 'the failed delivery', timeoutMs: 30_000 });
    const failed = down.find((f) => f.state === 'failed');
    assert.match(failed.detail, /not delivered: .*after 3 tries/);
    assert.ok(failed.endedAt - failed.startedAt >= 2_000, 'backoff of 1 s then 2 s between the tries');
    assert.deepEqual(down.map((f) => f.state).sort(), ['failed', 'skipped']);
    assert.match(down.find((f) => f.state === 'skipped').detail, /^cooldown: /);

    // The CLI: list, dry run, firings.
    const listed = cliJson(await runCli(withOptions(['rules', 'ls'], '--json'), { dataDir }));
    assert.deepEqual(listed.rules.map((r: any) => [r.name, r.source, r.enabled]), [['continue', 'file', true], ['down', 'file', true], ['notify', 'file', true]]);
    const dry = cliJson(await runCli(withOptions(['rules', 'test', 'continue', '--last', '5'], '--json'), { dataDir }));
    const decisions = dry.results.map((r: any) => [r.decision, r.firing?.state ?? null]);
    assert.deepEqual(decisions[0], ['fire', 'succeeded'], 'the base checkpoint: fired already');
    assert.ok(decisions.slice(1).every(([d]: [string]) => d === 'no-match'), JSON.stringify(decisions));
    const human = await runCli(['rules', 'test', 'continue', '--event', String(dry.results[0].eventId)], { dataDir });
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, new RegExp(`would submit job "continue-${checkpoint.id}" from checkpoint:${checkpoint.id}`));
    assert.equal((await server.api('/api/v1/jobs')).body.jobs.length, 2, 'the dry run submitted nothing');
    const shown = await runCli(['rules', 'firings', 'down'], { dataDir });
    assert.match(shown.stdout, /failed/);
  });

  it('keeps the old rules when the file breaks, reporting its line; API rules are made, toggled and removed', async () => {
    writeFileSync(join(dataDir, 'automations.yaml'), rulesFile(receiver.port, 9).replace('on: job.state_changed', 'on: job.changed'));
    const broken = await waitFor(async () => (await server.api('/api/v1/rules')).body.file.error, { what: 'the file error' });
    assert.match(broken.message, /^automations\.yaml:\d+:\d+: rules\.1\.on: expected one of "job\.submitted"/);
    assert.equal(broken.field, 'rules.1.on');
    assert.match(server.output(), /automations\.yaml:\d+:\d+: rules\.1\.on: .*\n.*previous rules stay in force/);
    assert.equal((await server.api('/api/v1/rules/notify')).body.rule.on, 'job.state_changed');
    assert.equal((await server.api('/health')).status, 200);

    const bad = await server.api('/api/v1/rules/nightly', { method: 'PUT', body: { on: { schedule: 'every day' }, do: { stop: { job: 1 } } } });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.field, 'on.schedule');
    const made = await server.api('/api/v1/rules/nightly', { method: 'PUT', body: { on: { schedule: '0 3 * * *', timezone: 'Europe/Berlin' }, do: { webhook: { url: `http://127.0.0.1:${receiver.port}/n` } } } });
    assert.equal(made.status, 200, JSON.stringify(made.body));
    assert.deepEqual([made.body.source, made.body.enabled], ['api', true]);
    const next = (await server.api('/api/v1/rules/nightly/test', { body: { last: 2 } })).body.results;
    assert.equal(next.length, 2);
    assert.ok([1, 2].includes(new Date(next[0].scheduledAt).getUTCHours()), '03:00 in Berlin is 01:00 or 02:00 UTC');
    assert.equal((await server.api('/api/v1/rules/nightly/disable', { body: {} })).body.enabled, false);
    assert.equal((await server.api('/api/v1/rules/nightly/enable', { body: {} })).body.enabled, true);
    assert.equal((await server.api('/api/v1/rules/notify', { method: 'DELETE' })).status, 409, 'a file rule is removed in the file');
    assert.equal((await server.api('/api/v1/rules/nightly', { method: 'DELETE' })).status, 200);
    assert.equal((await server.api('/api/v1/rules/nightly')).status, 404);
  });

  it('takes a fixed file at once; evaluates a new checkpoint and acts on the evaluation metric, one level deeper', async () => {
    const suite = await server.api('/api/v1/eval-suites', {
      body: { name: 'quick', command: [process.execPath, '-e', "console.log('#trainyard metrics step=0 accuracy=0.75')"], cwd: REPO, metrics: [{ name: 'accuracy', goal: 'max' }] },
    });
    assert.equal(suite.status, 201, JSON.stringify(suite.body));
    writeFileSync(join(dataDir, 'automations.yaml'), `rules:
  - name: check
    on: checkpoint.registered
    where: {data.step: 4}
    do: {eval: {suite: quick}}
  - name: good
    on: {metric: accuracy, suite: quick}
    condition: {atLeast: 0.5}
    do: {webhook: {url: "http://127.0.0.1:${receiver.port}/good", secretEnv: HOOK_SECRET}}
`);
    await waitFor(async () => {
      const list = (await server.api('/api/v1/rules')).body;
      return list.file.error === null && list.rules.map((r: any) => r.name).join() === 'check,good';
    }, { what: 'the fixed file to be loaded' });
    const before = receiver.deliveries.length;
    const base = await server.api('/api/v1/jobs', { body: { name: 'evaluated', command: [process.execPath, TRAINER, '--steps', '4', '--ckpt-every', '4', '--interval-ms', '5'], cwd: REPO } });
    assert.equal(base.status, 201);
    const check = await waitFor(async () => (await firings(server, 'check')).find((f) => f.state !== 'running'), { what: 'the eval firing' });
    assert.equal(check.state, 'succeeded', check.detail);
    assert.match(check.detail, /^evaluation \d+ \(suite quick on checkpoint \d+\) runs as job \d+$/);
    const good = await waitFor(async () => (await firings(server, 'good')).find((f) => f.state !== 'running'), { what: 'the metric firing', timeoutMs: 60_000 });
    assert.equal(good.state, 'succeeded', good.detail);
    assert.equal(good.depth, 2, 'caused by the evaluation the eval action made');
    await waitFor(() => receiver.deliveries.length > before, { what: 'the delivery' });
    const delivery = receiver.deliveries.at(-1)!;
    assert.equal(delivery.valid, true);
    assert.deepEqual([delivery.body.rule, delivery.body.event.type, delivery.body.event.data.suite], ['good', 'evaluation.done', 'quick']);
  });
});

describe('automations across SIGKILL', () => {
  it('does each action exactly once after the server was killed around its firings', async () => {
    const dataDir = tempDir();
    writeFileSync(join(dataDir, 'automations.yaml'), `rules:
  - name: follow
    on: job.submitted
    where: {data.name: [a, b, c, d, e, f]}
    do: {submit: {name: "follow-\${event.jobId}", command: ["true"], cwd: ${JSON.stringify(REPO)}}}
`);
    let server = await startServer({ dataDir });
    try {
      const submitted = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((name) => server.api('/api/v1/jobs', { body: { name, command: ['true'], cwd: REPO } })));
      // Killed at once: some submissions are handled, maybe some not yet, or in the middle.
      await server.kill9();
      // And one whose event committed just before the crash, surely not handled: as the server's
      // own transaction would have left it (the job and its job.submitted event).
      const store = await createSqliteStore(join(dataDir, 'trainyard.db'));
      const late = await store.createJob(parseJobSpec({ name: 'f', command: ['true'], cwd: REPO }), Date.now());
      await store.close();
      server = await server.restart();
      const ids = [...submitted.map((r) => r.body.id as number), late.id];
      await waitFor(async () => (await firings(server, 'follow')).filter((f) => f.state === 'succeeded').length === 6, { what: 'six firings' });
      const jobs = (await server.api('/api/v1/jobs?limit=100')).body.jobs as any[];
      const follows = jobs.filter((j) => j.spec.name.startsWith('follow-')).map((j) => j.spec.name).sort();
      assert.deepEqual(follows, ids.map((id) => `follow-${id}`).sort(), 'one follow job per submission');
      assert.equal((await firings(server, 'follow')).length, 6);
    } finally {
      killRuns(dataDir);
      await server.stop();
    }
  });
});
