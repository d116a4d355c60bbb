/**
 * The Python SDK's spool cap (`spool_max_mb`, TRAINYARD_SPOOL_MAX_MB; the TypeScript SDK's is
 * tested in src/sdk/reporter/delivery.test.ts): while the server is down the spool stays under
 * its cap, dropping metric batches with one warning, and once the server answers the spooled
 * batches are sent and a second warning counts what was dropped.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { REPO } from '../harness.ts';

const PYTHON = '/usr/bin/python3';
const CAP_MB = 0.02;

describe('the Python SDK spool cap', { skip: existsSync(PYTHON) ? false : `${PYTHON} is not installed` }, () => {
  it('stays under the cap while the server is down, warns once, and counts what it dropped', async () => {
    let metricPosts = 0;
    let up = false;
    const accepted = new Map<string, number[]>();
    const stub = createServer((req, res) => {
      let data = '';
      req.on('data', (c) => (data += c));
      req.on('end', () => {
        if (req.url?.endsWith('/metrics')) metricPosts++;
        if (!up) {
          res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":{"code":"x","message":"down"}}');
          return;
        }
        if (req.url?.endsWith('/metrics')) {
          const body = JSON.parse(data);
          accepted.set(body.batchId, body.series.loss.steps);
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end(req.url?.endsWith('/status') ? '{"stopRequested":false}' : '{"accepted":1,"duplicate":false}');
      });
    });
    await new Promise<void>((r) => stub.listen(0, '127.0.0.1', r));
    const port = (stub.address() as { port: number }).port;
    const dir = mkdtempSync(join(tmpdir(), 'trainyard-spool-cap-py-'));
    writeFileSync(join(dir, 'script.py'), `import sys, time, trainyard
run = trainyard.init(flush_interval=60, heartbeat_interval=60, close_timeout=5)
for batch in range(40):
    for i in range(50):
        run.log({"loss": 0.5}, step=batch * 50 + i)
    run.flush()
print("SPOOLED", flush=True)
sys.stdin.readline()
assert run.flush(timeout=5), "the spool emptied"
run.close()
`);
    const child = spawn(PYTHON, ['script.py'], {
      cwd: dir,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin', PYTHONPATH: join(REPO, 'sdk', 'python'), PYTHONDONTWRITEBYTECODE: '1',
        TRAINYARD_URL: `http://127.0.0.1:${port}`, TRAINYARD_TOKEN: 'ty_1_x', TRAINYARD_JOB_ID: '1', TRAINYARD_RUN_ID: '7',
        TRAINYARD_CHECKPOINT_DIR: dir, TRAINYARD_SPOOL_MAX_MB: String(CAP_MB),
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    try {
      const deadline = Date.now() + 30_000;
      while (!stdout.includes('SPOOLED') && child.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.match(stdout, /SPOOLED/, stderr);
      const spool = join(dir, '.spool');
      const files = readdirSync(spool).filter((n) => n.endsWith('.json'));
      const bytes = files.reduce((sum, n) => sum + statSync(join(spool, n)).size, 0);
      assert.ok(files.length > 0 && bytes <= CAP_MB * 2 ** 20, `${files.length} files, ${bytes} bytes, cap ${CAP_MB * 2 ** 20}`);
      const full = stderr.split('\n').filter((l) => l.includes('is full'));
      assert.equal(full.length, 1, stderr);
      assert.match(full[0], /spool in .* is full \(its cap: 0\.02 MiB, TRAINYARD_SPOOL_MAX_MB\): metric points are dropped/);
      up = true;
      child.stdin.end('\n');
      const code = await new Promise((r) => child.once('exit', r));
      assert.equal(code, 0, stderr);
      assert.equal(accepted.size, files.length, 'every spooled batch was sent once the server answered');
      const room = /room again: (\d+) metric batch\(es\), (\d+) point\(s\) were dropped/.exec(stderr);
      assert.ok(room, stderr);
      assert.equal(Number(room[1]) + files.length, 40, 'each batch was spooled or counted as dropped');
      assert.equal(Number(room[2]), Number(room[1]) * 50);
      assert.ok(metricPosts > 0);
    } finally {
      child.kill('SIGKILL');
      stub.close();
    }
  });
});
