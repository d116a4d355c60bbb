/**
 * `SIGSTOP` of the server for longer than the SDKs' request timeout, then `SIGCONT` (issue 15 §1),
 * with a training script of each SDK reporting all along: the script notices (its requests time
 * out, it spools and says so), keeps training, and once the server answers again the spooled
 * points and checkpoint registrations are sent: every step arrives exactly once (a batch that the
 * stopped server did take in before the timeout and that the SDK resent counts once, by its
 * batchId) and the job succeeds.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { killRuns, REPO, startServer, tempDir, waitFor, waitForJob, type TestServer } from '../harness.ts';

const SDK = pathToFileURL(join(REPO, 'src', 'sdk', 'index.ts')).href;
const TSX = pathToFileURL(join(REPO, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
const PYTHON = '/usr/bin/python3';
const STEPS = 150;
/** The scripts' request timeout; the server stays stopped for several of them. */
const TIMEOUT_MS = 400;
const STOPPED_MS = 2_500;

const TS_SCRIPT = `import { init } from '${SDK}';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
const run = init({ requestTimeoutMs: ${TIMEOUT_MS}, heartbeatIntervalMs: 300, flushIntervalMs: 100 });
for (let step = 1; step <= ${STEPS}; step++) {
  run.log({ loss: 1 / step }, step);
  if (step % 50 === 0) {
    writeFileSync(join(run.checkpointDir, 'step-' + step + '.bin'), 'weights');
    run.checkpoint('step-' + step + '.bin', step, { loss: 1 / step });
  }
  await new Promise((r) => setTimeout(r, 25));
}
await run.close();
`;

const PY_SCRIPT = `import os, time, trainyard
run = trainyard.init(request_timeout=${TIMEOUT_MS / 1000}, flush_interval=0.1)
for step in range(1, ${STEPS} + 1):
    run.log({"loss": 1 / step}, step=step)
    if step % 50 == 0:
        with open(os.path.join(run.checkpoint_dir, f"step-{step}.bin"), "w") as f:
            f.write("weights")
        run.checkpoint(f"step-{step}.bin", step, {"loss": 1 / step})
    time.sleep(0.025)
run.close()
`;

describe('SIGSTOP of the server longer than the SDK timeouts', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    process.kill(server.pid, 'SIGCONT');
    killRuns(server.dataDir);
    await server.stop();
  });

  async function outage(language: 'typescript' | 'python'): Promise<void> {
    const started = Date.now();
    const dir = tempDir(`trainyard-sigstop-${language}-`);
    const command = language === 'typescript'
      ? (writeFileSync(join(dir, 'script.mts'), TS_SCRIPT), [process.execPath, '--import', TSX, 'script.mts'])
      : (writeFileSync(join(dir, 'script.py'), PY_SCRIPT), [PYTHON, 'script.py']);
    const { status, body } = await server.api('/api/v1/jobs', {
      body: { name: `sigstop-${language}`, command, cwd: dir, maxRetries: 0, env: { PYTHONPATH: join(REPO, 'sdk', 'python'), PYTHONUNBUFFERED: '1' } },
    });
    assert.equal(status, 201, JSON.stringify(body));
    const id: number = body.id;
    await waitFor(async () => ((await server.api(`/api/v1/jobs/${id}`)).body.latest?.loss?.step ?? 0) >= 10, { what: `job ${id} reporting` });
    process.kill(server.pid, 'SIGSTOP');
    await new Promise((r) => setTimeout(r, STOPPED_MS));
    process.kill(server.pid, 'SIGCONT');
    const job = await waitForJob(server, id, ['succeeded', 'failed'], 60_000);
    const log = (await server.api(`/api/v1/jobs/${id}/log`)).body as string;
    assert.equal(job.state, 'succeeded', `${JSON.stringify(job.outcome)}\n${log}`);
    assert.match(log, /unreachable/, 'the script noticed the outage (its requests timed out)');
    const { body: series } = await server.api(`/api/v1/jobs/${id}/metrics/loss?buckets=100000`);
    assert.deepEqual(series.steps, Array.from({ length: STEPS }, (_, i) => i + 1), 'every step once: none lost, none twice');
    const { body: checkpoints } = await server.api(`/api/v1/jobs/${id}/checkpoints`);
    assert.deepEqual(checkpoints.checkpoints.map((c: { step: number }) => c.step), [50, 100, 150]);
    console.log(`# ${language}: stopped ${STOPPED_MS} ms (request timeout ${TIMEOUT_MS} ms); job done ${((Date.now() - started) / 1000).toFixed(1)} s after submit`);
  }

  it('a TypeScript SDK script keeps training and backfills what it spooled', () => outage('typescript'));
  it('a Python SDK script keeps training and backfills what it spooled', { skip: existsSync(PYTHON) ? false : `${PYTHON} is not installed` }, () => outage('python'));
});
