/**
 * The model registry through a real server, real training processes and the real CLI: a job
 * registers checkpoints, a model gets versions from them, `production` moves twice with who and
 * why in its history, and retention (keepCheckpoints 1) leaves the version's checkpoint file.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { cliJson as parseCliJson, REPO, runCli, useServer, waitFor, waitForJob, type TestServer } from './harness.ts';

const TRAINER = join(REPO, 'test', 'fixtures', 'line-trainer.mjs');

/** Runs the CLI against the server's data directory (its admin token). */
const cli = (server: TestServer, args: string[]) => runCli(args, { dataDir: server.dataDir });

/** `trainyard ARGS --json`, asserted to succeed, its output parsed. */
const cliJson = async (server: TestServer, args: string[]): Promise<any> => parseCliJson(await cli(server, [...args, '--json']));

const live = (checkpoints: any[]) => checkpoints.filter((c) => !c.deleted);

describe('model registry', () => {
  const server = useServer();

  it('registers versions from a trained job, moves production twice with history, and pins the checkpoint against retention', async () => {
    const s = server();
    const submitted = await s.api('/api/v1/jobs', {
      body: { name: 'reg-train', command: [process.execPath, TRAINER, '--steps', '60', '--interval-ms', '40', '--ckpt-every', '5'], cwd: REPO, keepCheckpoints: 1, params: { lr: 0.01 } },
    });
    assert.equal(submitted.status, 201, JSON.stringify(submitted.body));
    const jobId = submitted.body.id;

    // Pause after the first checkpoint: the pause writes one more, and keep 1 leaves only it.
    await waitFor(async () => (await s.api(`/api/v1/jobs/${jobId}/checkpoints`)).body.checkpoints.length > 0, { what: 'a first checkpoint' });
    assert.equal((await s.api(`/api/v1/jobs/${jobId}/pause`, { method: 'POST' })).status, 200);
    await waitForJob(s, jobId, ['paused']);
    const atPause = live((await s.api(`/api/v1/jobs/${jobId}/checkpoints`)).body.checkpoints);
    assert.equal(atPause.length, 1, JSON.stringify(atPause));
    const pinned = atPause[0];

    const created = await cliJson(s, ['model', 'create', 'chat', '--description', 'the assistant', '--tag', 'llm']);
    assert.deepEqual([created.name, created.description, created.tags, created.promotionRule], ['chat', 'the assistant', ['llm'], null]);
    const v1 = await cliJson(s, ['model', 'version', 'chat', '--checkpoint', String(pinned.id), '--notes', 'before the pause']);
    assert.deepEqual([v1.version, v1.created, v1.checkpointId, v1.notes], [1, true, pinned.id, 'before the pause']);
    assert.deepEqual([v1.lineage.job.id, v1.lineage.job.name, v1.lineage.job.params, v1.lineage.run.attempt, v1.lineage.checkpoint.step], [jobId, 'reg-train', { lr: 0.01 }, 1, pinned.step]);
    const first = await cliJson(s, ['model', 'alias', 'chat', '1', 'production', '--reason', 'first usable checkpoint']);
    assert.deepEqual([first.move.from, first.move.to, first.alias.version], [null, 1, 1]);

    // Resume: keep 1 deletes every earlier checkpoint as new ones come, but not the version's.
    assert.equal((await s.api(`/api/v1/jobs/${jobId}/resume`, { method: 'POST' })).status, 200);
    const done = await waitForJob(s, jobId, ['succeeded', 'failed']);
    assert.equal(done.state, 'succeeded', JSON.stringify(done.outcome));
    const all = (await s.api(`/api/v1/jobs/${jobId}/checkpoints`)).body.checkpoints;
    const kept = live(all);
    assert.deepEqual(kept.map((c: any) => c.id).sort(), [pinned.id, all.at(-1).id].sort(), 'the version\'s checkpoint and the newest are kept');
    assert.ok(all.filter((c: any) => c.deleted).length >= 5, 'retention ran on the others');
    assert.equal(existsSync(pinned.path), true, 'the version pins its checkpoint file');

    const newest = kept.find((c: any) => c.id !== pinned.id);
    const v2 = await cliJson(s, ['model', 'version', 'chat', '--checkpoint', String(newest.id)]);
    assert.deepEqual([v2.version, v2.lineage.run.attempt], [2, 2]);
    const again = await s.api('/api/v1/models/chat/versions', { body: { checkpointId: newest.id } });
    assert.deepEqual([again.status, again.body.version, again.body.created], [200, 2, false]);
    const second = await cliJson(s, ['model', 'alias', 'chat', 'latest', 'production', '--reason', 'trained to the end', '--expect', '1']);
    assert.deepEqual([second.move.from, second.move.to], [1, 2]);

    // A named admin token is recorded by name; a read token reads but may not move.
    const bot = (await s.api('/api/v1/tokens', { body: { role: 'admin', name: 'release-bot' } })).body;
    const reader = (await s.api('/api/v1/tokens', { body: { role: 'read', name: 'wall' } })).body;
    const staged = await s.api('/api/v1/models/chat/aliases/staging', { method: 'PUT', body: { version: 1, reason: 'compare' }, token: bot.token });
    assert.equal(staged.status, 200, JSON.stringify(staged.body));
    assert.equal(staged.body.move.by, `release-bot (token ${bot.id})`);
    assert.equal((await s.api('/api/v1/models/chat', { token: reader.token })).status, 200);
    assert.equal((await s.api('/api/v1/models/chat/aliases/staging', { method: 'PUT', body: { version: 2 }, token: reader.token })).status, 403);
    const latest = await s.api('/api/v1/models/chat/aliases/latest', { method: 'PUT', body: { version: 1 } });
    assert.deepEqual([latest.status, latest.body.error.field], [400, 'alias']);
    assert.match(latest.body.error.message, /latest is computed/);
    const stale = await s.api('/api/v1/models/chat/aliases/production', { method: 'PUT', body: { version: 1, expectedVersion: 1 } });
    assert.equal(stale.status, 409, 'compare-and-set refuses a stale view');

    const history = await cliJson(s, ['model', 'history', 'chat', 'production']);
    const admin = `admin token ${s.adminToken.split('_')[1]}`;
    assert.deepEqual(history.moves.map((m: any) => [m.from, m.to, m.by, m.reason]), [
      [null, 1, admin, 'first usable checkpoint'],
      [1, 2, admin, 'trained to the end'],
    ]);
    assert.ok(history.moves.every((m: any, i: number) => typeof m.at === 'number' && (i === 0 || m.at >= history.moves[i - 1].at)));
    const text = await cli(s, ['model', 'history', 'chat']);
    assert.match(text.stdout, /production\s+-\s+v1\s+admin token \w+\s+first usable checkpoint/);
    assert.match(text.stdout, /staging\s+-\s+v1\s+release-bot/);

    const shown = await cliJson(s, ['model', 'show', 'chat']);
    assert.equal(shown.latest, 2);
    assert.deepEqual(shown.aliases.map((a: any) => [a.alias, a.version]), [['production', 2], ['staging', 1]]);
    assert.deepEqual(shown.versions.map((v: any) => v.aliases), [['staging'], ['production']]);
    const listed = (await s.api('/api/v1/models')).body;
    assert.deepEqual(listed.models.map((m: any) => [m.name, m.latest, m.aliases]), [['chat', 2, { production: 2, staging: 1 }]]);
    const human = await cli(s, ['model', 'show', 'chat']);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /^model chat\n/);
    assert.match(human.stdout, /production\s+v2/);

    const events = (await s.api('/api/v1/events?types=model.created,model.version_created,model.alias_moved')).body.events;
    assert.deepEqual(events.map((e: any) => [e.type, e.data.alias ?? null, e.data.to ?? e.data.version ?? null]), [
      ['model.created', null, null],
      ['model.version_created', null, 1],
      ['model.alias_moved', 'production', 1],
      ['model.version_created', null, 2],
      ['model.alias_moved', 'production', 2],
      ['model.alias_moved', 'staging', 1],
    ]);

    // A deleted alias leaves its history; deleting it again is a 404.
    const unaliased = await cliJson(s, ['model', 'unalias', 'chat', 'staging', '--reason', 'compared']);
    assert.deepEqual([unaliased.alias, unaliased.move.from, unaliased.move.to], [null, 1, null]);
    const gone = await s.api('/api/v1/models/chat/aliases/staging', { method: 'DELETE' });
    assert.equal(gone.status, 404);
    assert.match(gone.body.error.message, /alias chat@staging not found/);
  });
});
