/**
 * `npm run demo -- --loop`, the example that proves the loop after training, run as a user runs
 * it (no terminal, so it stops what it started): a real server, char-lm training, the real eval
 * suite, the promotion rule, the builtin serving process, a continued job and a broken version.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { BIN, REPO, tempDir } from './harness.ts';
import { SERVER_NODE_FLAGS } from '../src/cli/node-flags.ts';

describe('demo --loop', () => {
  it('trains, evaluates, promotes, deploys and answers; refuses a regression; rolls back a broken version', { timeout: 900_000 }, async () => {
    const dataDir = tempDir('trainyard-demo-loop-');
    const child = spawn(process.execPath, [...SERVER_NODE_FLAGS, BIN, 'demo', '--loop', '--data-dir', dataDir], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const code = await new Promise<number | null>((done) => child.once('exit', (c) => done(c)));
    assert.equal(code, 0, output);

    // The first job's best checkpoint reached production through a deployment, and it answered.
    assert.match(output, /char-lm@production: unset → v1 by system: deployment \d+ on char-lm-serve succeeded/);
    const answers = [...output.matchAll(/production (?:still )?answers \(POST http:\/\/127\.0\.0\.1:\d+\/v1\/completions, version (\d+)\):\n {2}"The driver (.+)"/g)];
    assert.equal(answers.length, 3, output);
    assert.ok(answers.every((a) => a[2].trim().length > 10), 'each answer has text');
    // The continued job: worse checkpoints raised the alarm, a better one replaced production.
    assert.match(output, /evaluation of job \d+ step \d+: \w+, score [-\d.]+ · REGRESSION ALARM/);
    assert.ok(Number(answers[1][1]) > Number(answers[0][1]), `production moved on after the continued job: ${answers.map((a) => a[1])}`);
    // The broken version failed its smoke check and was rolled back; production kept answering.
    assert.match(output, /deployment \d+: rolled-back: check: smoke: answer "(.)\1+" does not match/);
    assert.equal(answers[2][1], answers[1][1], 'production is the same version after the rollback');
    // The dashboard link is a one-time sign-in code, never the admin token (issue 15 §3).
    assert.match(output, /Dashboard: http:\/\/127\.0\.0\.1:\d+\/sign-in#code=[A-Za-z0-9_-]{22}\n/);
    assert.ok(!output.includes(readFileSync(join(dataDir, 'admin-token'), 'utf8').trim()), 'the admin token is not printed');

    // Nothing it started keeps running: the server and the serving process were stopped by pid.
    const stopped = [...output.matchAll(/Stopped the (?:demo server|serving process) \(pid (\d+)\)/g)].map((m) => Number(m[1]));
    assert.equal(stopped.length, 2, output);
    for (const pid of stopped) assert.throws(() => process.kill(pid, 0), 'pid ' + pid + ' is gone');
    const state = JSON.parse(readFileSync(join(dataDir, 'deploy', 'char-lm-serve', 'state.json'), 'utf8')) as { version: number };
    assert.equal(state.version, Number(answers[2][1]), 'the serving process served production last');
  });
});
