/**
 * Studies end to end: a real server, the CLI, a tiny real training script per trial
 * (test/fixtures/study-trainer.mjs), a dry run with the rung plan, errors at their line, and a
 * `kill -9` of the server mid-study: after the restart no variant is launched twice, none is
 * lost, and the cap holds exactly.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { cliJson, killRuns, REPO, runCli, startServer, tempDir, waitFor, type TestServer } from './harness.ts';

const TRAINER = join(REPO, 'test', 'fixtures', 'study-trainer.mjs');

function studyYaml(name: string, extra = ''): string {
  return [
    `name: ${name}`,
    'job:',
    `  command: [${JSON.stringify(process.execPath)}, ${JSON.stringify(TRAINER)}]`,
    '  maxRetries: 0',
    '  params: {steps: 30, intervalMs: 40}',
    'params:',
    '  lr: {choice: [0.1, 0.2, 0.3]}',
    'seeds: 2',
    'parallelism: 2',
    'objective: {metric: loss, mode: min}',
    extra,
  ].join('\n');
}

describe('studies end to end', () => {
  const servers: TestServer[] = [];
  after(async () => {
    for (const s of servers) {
      killRuns(s.dataDir);
      await s.stop().catch(() => {});
    }
  });

  it('previews, then runs a study across a kill -9 of the server: every trial once, the cap exact', async () => {
    let server = await startServer();
    servers.push(server);
    const dir = tempDir('trainyard-study-');
    const file = join(dir, 'study.yaml');

    // A dry run: every variant and the ASHA rung plan, nothing launched.
    writeFileSync(file, studyYaml('preview', 'earlyStopping: {asha: {minResource: 2, maxResource: 40, reductionFactor: 3}}'));
    const dry = cliJson(await runCli(['study', 'submit', file, '--dry-run', '--json'], { dataDir: server.dataDir }));
    assert.equal(dry.trialCount, 6);
    assert.deepEqual(dry.variants.map((v: any) => [v.params.lr, v.seed]), [[0.1, 0], [0.1, 1], [0.2, 0], [0.2, 1], [0.3, 0], [0.3, 1]]);
    assert.deepEqual(dry.rungs, [2, 6, 18]);
    assert.equal((await server.api('/api/v1/studies')).body.studies.length, 0, 'a dry run stores nothing');

    // An error names the file, the line and the field.
    writeFileSync(file, studyYaml('bad').replace('seeds: 2', 'seeds: 2\nmaxRuns: 4'));
    const refused = await runCli(['study', 'submit', file], { dataDir: server.dataDir });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /study\.yaml:9:1: maxRuns: grid of 3 = 3 variants × 2 seeds = 6 runs exceeds maxRuns 4/);

    writeFileSync(file, studyYaml('sweep'));
    const submitted = cliJson(await runCli(['study', 'submit', file, '--json'], { dataDir: server.dataDir }));
    assert.equal(submitted.trialCount, 6);
    // Mid-study: two trials launched, at least one of them ended, then the server dies.
    await waitFor(async () => {
      const { body } = await server.api('/api/v1/studies/sweep');
      return body.counts.succeeded >= 1 && body.counts.active >= 1 ? body : null;
    }, { what: 'the study to be mid-way', timeoutMs: 60_000 });
    await server.kill9();
    server = await server.restart();
    servers.push(server);

    const done = await waitFor(async () => {
      const { body } = await server.api('/api/v1/studies/sweep');
      return body.state === 'completed' ? body : null;
    }, { what: 'the study to complete after the restart', timeoutMs: 90_000 });
    assert.deepEqual(done.counts, { pending: 0, active: 0, held: 0, succeeded: 6, failed: 0, stopped: 0 });
    const jobs = (await server.api('/api/v1/jobs?tag=study:sweep&limit=100')).body.jobs;
    assert.equal(jobs.length, 6, 'exactly one job per trial: none twice, none lost');
    const tags = jobs.map((j: any) => j.spec.tags.find((t: string) => t.startsWith('study-trial:'))).sort();
    assert.deepEqual(tags, [0, 1, 2, 3, 4, 5].map((i) => `study-trial:sweep:${i}`));
    assert.equal(done.best.index <= 1, true, 'lr 0.1 has the lowest loss');

    const shown = cliJson(await runCli(['study', 'show', 'sweep', '--json'], { dataDir: server.dataDir }));
    assert.equal(shown.trials.length, 6);
    assert.ok(shown.trials.every((t: any) => t.state === 'succeeded' && t.objective.step === 30));
    const listed = await runCli(['study', 'ls'], { dataDir: server.dataDir });
    assert.match(listed.stdout, /sweep\s+completed\s+6/);
  });
});
