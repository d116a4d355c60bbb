/**
 * examples/flywheel end to end, as a user runs it (`npm run flywheel`), with real processes: the
 * runner starts a server, trains the seed model, drops two files into the inbox one after the
 * other; each is a job of the curriculum at its current level that continues production, is
 * evaluated, and is promoted and deployed or refused by the registry (the first passes a level);
 * a webhook receiver here (a real HTTP server on 127.0.0.1) checks every signed POST.
 * Then a server restarted on the same data directory is asked what happened, through the API.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { REPO, startServer, tempDir, type TestServer } from './harness.ts';
import { stopServingProcesses } from '../src/cli/local-server.ts';

interface Post {
  readonly body: string;
  readonly signature: string | undefined;
}

describe('examples/flywheel', () => {
  const dataDir = tempDir('trainyard-flywheel-test-');
  const secret = 'flywheel-test-secret';
  const posts: Post[] = [];
  const receiver = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
    request.on('end', () => {
      posts.push({ body, signature: request.headers['x-trainyard-signature'] as string | undefined });
      response.writeHead(204).end();
    });
  });
  let server: TestServer | null = null;
  after(async () => {
    await server?.stop();
    await stopServingProcesses(dataDir);
    await new Promise((done) => receiver.close(done));
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('continues production from each dropped file at the current level; promotes or refuses as the registry decides; serves the latest promoted version; passes a level; signs every promotion', { timeout: 300_000 }, async () => {
    await new Promise<void>((done) => receiver.listen(0, '127.0.0.1', done));
    const hookUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`;
    const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'examples', 'flywheel', 'run.ts'), '--data-dir', dataDir, '--webhook-url', hookUrl, '--json'], {
      cwd: REPO,
      env: { ...process.env, FLYWHEEL_HOOK_SECRET: secret },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const code = await new Promise<number | null>((done) => child.once('exit', (c) => done(c)));
    assert.equal(code, 0, stderr);
    const summary = JSON.parse(stdout);

    // Every process the runner started was stopped, by pid.
    const stopped = [...stderr.matchAll(/Stopped the (?:server|serving process) \(pid (\d+)\)/g)].map((m) => Number(m[1]));
    assert.equal(stopped.length, 2, stderr);
    for (const pid of stopped) assert.throws(() => process.kill(pid, 0), `pid ${pid} is gone`);
    // Events were printed as they happened.
    assert.match(stderr, /· dataset flywheel-drops@1 \(text, sha256 [0-9a-f]{12}…\) registered/);
    assert.match(stderr, /· rule promotion-webhook \(webhook\) on event \d+: succeeded: delivered: HTTP 204/);

    server = await startServer({ dataDir });
    const api = async (path: string) => {
      const response = await server!.api(path);
      assert.equal(response.status, 200, `${path}: ${JSON.stringify(response.body)}`);
      return response.body;
    };

    // Both files were consumed: done, each a dataset version and a job.
    const inbox = await api('/api/v1/inbox');
    const files = ['day-1.txt', 'day-2.txt'].map((name) => inbox.files.find((f: { name: string }) => f.name === name));
    assert.deepEqual(files.map((f) => f?.state), ['done', 'done'], JSON.stringify(inbox.files));
    assert.deepEqual(files.map((f) => f.dataset), [{ name: 'flywheel-drops', version: 1 }, { name: 'flywheel-drops', version: 2 }]);

    // Each file's job started from the version production named when the job was made.
    const moves: Array<{ to: number | null; at: number; by: string; reason: string | null }> = (await api('/api/v1/models/char-lm/history?alias=production')).moves;
    const productionAt = (t: number) => moves.filter((m) => m.at <= t).at(-1)?.to ?? null;
    const jobs = await Promise.all(files.map((f) => api(`/api/v1/jobs/${f.jobId}`)));
    for (const job of jobs) {
      assert.equal(job.state, 'succeeded');
      assert.ok(job.initFrom?.model, `job ${job.id} started from a model version`);
      assert.equal(job.initFrom.model.version, productionAt(job.createdAt), `job ${job.id}'s initFrom is production when it was made`);
      assert.deepEqual(job.spec.datasets.train, `flywheel-drops@${files[jobs.indexOf(job)].dataset.version}`);
    }
    assert.notEqual(jobs[0].initFrom.model.version, jobs[1].initFrom.model.version, 'the second file continued the version the first one made');

    // Each file trained at the curriculum's level of the moment: the first passed warm-up.
    assert.deepEqual(jobs.map((j) => j.spec.tags.filter((t: string) => t.startsWith('curriculum:'))), [['curriculum:flywheel:warm-up'], ['curriculum:flywheel:fine-tune']]);
    assert.deepEqual(jobs.map((j) => j.spec.params.lr), [0.005, 0.002], "each level's job overlay");
    const curriculum = await api('/api/v1/curricula/flywheel');
    assert.equal(curriculum.levelName, 'fine-tune');
    assert.ok(curriculum.level >= 1, 'past level 1');
    assert.deepEqual(curriculum.history.map((m: any) => [m.fromLevel, m.toLevel, m.direction, m.by]), [['warm-up', 'fine-tune', 'promote', 'system']]);
    assert.match(curriculum.history[0].reason, /^accuracy 0\.8\d* ≥ 0\.8/);
    assert.equal(summary.curriculum.levelName, 'fine-tune');

    // Each round was evaluated; the registry's decision follows its rule from the evaluations.
    const model = await api('/api/v1/models/char-lm');
    const margin = model.promotionRule.margin;
    const roundJobs = [summary.rounds[0].jobId, ...jobs.map((j) => j.id)];
    let production: { version: number; score: number } | null = null;
    const decisions: string[] = [];
    for (const jobId of roundJobs) {
      const evaluations = (await api(`/api/v1/evaluations?job=${jobId}`)).evaluations;
      assert.equal(evaluations.length, 1, `job ${jobId}: one checkpoint, one evaluation`);
      const [evaluation] = evaluations;
      assert.equal(evaluation.state, 'done');
      const checkpoint = evaluation.checkpointId;
      const version = model.versions.find((v: { checkpointId: number }) => v.checkpointId === checkpoint);
      const promoted = version !== undefined && moves.some((m) => m.to === version.version);
      const { score, regressions, verdict } = evaluation.result;
      const rule: boolean = regressions.length === 0 && verdict !== 'fail' && (production === null || score > production.score + margin);
      assert.equal(promoted, rule, `job ${jobId}: score ${score}, ${regressions.length} regressions, production ${JSON.stringify(production)}`);
      if (promoted) production = { version: version.version, score };
      decisions.push(promoted ? `promoted v${version.version}` : 'refused');
    }
    assert.deepEqual(decisions, ['promoted v1', 'promoted v2', 'refused'], 'the good file is promoted, the scrambled one refused');
    assert.deepEqual(summary.rounds.map((r: { decision: string }) => r.decision), ['promoted', 'promoted', 'refused']);

    // Serving answered with the latest promoted version, through a deployment that succeeded.
    assert.equal(summary.serving.version, production!.version);
    assert.ok(summary.serving.text.trim().length > 10, 'the serving process answered with text');
    const state = JSON.parse(readFileSync(join(dataDir, 'deploy', 'char-lm-serve', 'state.json'), 'utf8')) as { version: number };
    assert.equal(state.version, production!.version);
    assert.ok(moves.every((m) => m.by === 'system' && /^deployment \d+ on char-lm-serve succeeded/.test(m.reason ?? '')), JSON.stringify(moves));

    // The receiver got one POST per promotion, each signed with the secret over its exact body.
    const promotionEvents = (await api('/api/v1/events?types=model.alias_moved&limit=100')).events.filter((e: any) => e.data.alias === 'production');
    assert.equal(promotionEvents.length, 2);
    assert.equal(posts.length, promotionEvents.length, JSON.stringify(posts));
    for (const post of posts) {
      assert.equal(post.signature, `sha256=${createHmac('sha256', secret).update(post.body).digest('hex')}`);
    }
    assert.deepEqual(posts.map((p) => JSON.parse(p.body).event.id).sort(), promotionEvents.map((e: { id: number }) => e.id).sort());
    assert.deepEqual(posts.map((p) => JSON.parse(p.body).event.data.to).sort(), [1, 2]);
  });
});
