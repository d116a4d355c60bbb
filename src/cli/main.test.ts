import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Io } from './io.ts';
import { main } from './main.ts';

/** Runs the CLI in process with captured output and an empty data directory. */
async function run(argv: string[], env: Record<string, string> = {}) {
  const home = mkdtempSync(join(tmpdir(), 'trainyard-cli-'));
  let stdout = '';
  let stderr = '';
  const io: Io = {
    stdout: { write: (chunk) => (stdout += String(chunk)) },
    stderr: { write: (chunk) => (stderr += String(chunk)) },
    env: { TRAINYARD_HOME: home, ...env },
    cwd: home,
    onInterrupt: () => () => undefined,
    now: () => Date.now(),
  };
  const code = await main(argv, io);
  return { code, stdout, stderr, home };
}

/** A loopback port nothing listens on (it was free a moment ago). */
function closedPort(): Promise<number> {
  return new Promise((done) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

describe('main', () => {
  it('prints help and exits 0 with --help, 2 without a command', async () => {
    const help = await run(['--help']);
    assert.equal(help.code, 0);
    for (const command of ['server', 'submit', 'ls', 'show', 'logs', 'stop', 'metrics', 'checkpoints', 'demo']) {
      assert.match(help.stdout, new RegExp(`\\n  ${command} `));
    }
    assert.equal((await run([])).code, 2);
  });

  it('has help for every command, each listing --json', async () => {
    for (const command of ['server', 'submit', 'ls', 'show', 'logs', 'stop', 'metrics', 'checkpoints', 'demo']) {
      const result = await run([command, '--help']);
      assert.equal(result.code, 0, command);
      assert.match(result.stdout, /--json/, command);
    }
  });

  it('exits 2 on usage errors', async () => {
    assert.equal((await run(['bogus'])).code, 2);
    assert.equal((await run(['ls', '--bogus'])).code, 2);
    assert.equal((await run(['show'])).code, 2);
    const badId = await run(['show', 'abc']);
    assert.equal(badId.code, 2);
    assert.match(badId.stderr, /job id is a whole number/);
    assert.equal((await run(['submit'])).code, 2);
    assert.equal((await run(['submit', 'job.yaml', '--', 'echo'])).code, 2);
    assert.equal((await run(['submit', '--gpus', 'x', '--', 'echo'])).code, 2);
    assert.equal((await run(['ls', '--', 'x'])).code, 2);
  });

  it('says how to start a server when none runs', async () => {
    const result = await run(['ls']);
    assert.equal(result.code, 1);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /^error: no server running for data dir .*trainyard-cli-.*: start one with `trainyard server`\n$/);
    assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
  });

  it('prints the error as one JSON document with --json', async () => {
    const result = await run(['ls', '--json']);
    assert.equal(result.code, 1);
    assert.equal(JSON.parse(result.stdout).error.code, 'no_server');
  });

  it('reports an unreachable TRAINYARD_URL', async () => {
    const port = await closedPort();
    const result = await run(['ls'], { TRAINYARD_URL: `http://127.0.0.1:${port}`, TRAINYARD_TOKEN: 'ty_x_y' });
    assert.equal(result.code, 1);
    assert.equal(result.stderr, `error: cannot reach the Trainyard server at http://127.0.0.1:${port}: ECONNREFUSED\n`);
  });

  it('names file, line and column of a job file that does not parse, before looking for a server', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'trainyard-cli-'));
    writeFileSync(join(dir, 'bad.yaml'), 'name: x\ncommand: [node, train.ts\ncwd: .\n');
    const result = await run(['submit', join(dir, 'bad.yaml')]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^error: .*bad\.yaml:3:1: /);
  });
});
