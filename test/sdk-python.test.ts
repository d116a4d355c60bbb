/**
 * The Python SDK (`sdk/python/trainyard.py`) in real jobs of a real server: every point arrives
 * exactly once, training goes on while the server is down and the spool backfills after it
 * restarts, `log()` never raises, and a stop reaches `should_stop()`. A last group uses a stub
 * HTTP server for the failure modes the real server does not produce on demand (5xx, 4xx).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseLine, type LineInstruction } from '../src/core/line-protocol.ts';
import { killRuns, REPO, startServer, tempDir, waitFor, waitForJob, type TestServer } from './harness.ts';

const PYTHON = '/usr/bin/python3';
const SDK_DIR = join(REPO, 'sdk', 'python');
const skip = existsSync(PYTHON) ? false : `${PYTHON} is not installed`;

/** Writes `script` into a fresh directory and submits it as a job; returns the job id and dir. */
async function submitPython(
  server: TestServer,
  script: string,
  args: string[] = [],
  spec: Record<string, unknown> = {},
): Promise<{ id: number; dir: string }> {
  const dir = tempDir('trainyard-sdk-py-');
  writeFileSync(join(dir, 'script.py'), script);
  const { status, body } = await server.api('/api/v1/jobs', {
    body: {
      name: 'sdk-python',
      command: [PYTHON, 'script.py', ...args],
      cwd: dir,
      env: { PYTHONPATH: SDK_DIR, PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1' },
      maxRetries: 0,
      keepCheckpoints: 0,
      ...spec,
    },
  });
  assert.equal(status, 201, JSON.stringify(body));
  return { id: body.id as number, dir };
}

interface RawSeries {
  steps: number[];
  values: (number | string | null)[];
}

async function series(server: TestServer, jobId: number, key: string): Promise<RawSeries> {
  const { status, body } = await server.api(`/api/v1/jobs/${jobId}/metrics/${encodeURIComponent(key)}?buckets=100000`);
  assert.equal(status, 200, JSON.stringify(body));
  assert.notEqual(body.bucketed, true);
  return body as RawSeries;
}

async function seriesKeys(server: TestServer, jobId: number): Promise<string[]> {
  const { body } = await server.api(`/api/v1/jobs/${jobId}/metrics`);
  return (body.series as { key: string }[]).map((s) => s.key).sort();
}

async function logOf(server: TestServer, jobId: number): Promise<string> {
  return (await server.api(`/api/v1/jobs/${jobId}/log`)).body as string;
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** Asserts the job succeeded, showing its log when it did not. */
async function assertSucceeded(server: TestServer, id: number, job: { state: string }): Promise<void> {
  if (job.state !== 'succeeded') assert.fail(`job ${id} is ${job.state}; log:\n${await logOf(server, id)}`);
}

const EXACTLY_ONCE = `
import os, sys, trainyard
N = int(sys.argv[1])
run = trainyard.init()
assert run.mode == "http", run.mode
assert run.attempt == 1 and run.resume_from is None and run.resume_step is None, (run.attempt, run.resume_from)
assert run.init_from is None and run.init_from_id is None, (run.init_from, run.init_from_id)   # no from: in the spec
assert run.params == {"lr": 0.5}, run.params
run.set_total(N, message="training")
for step in range(N):
    run.log({"loss": 1.0 / (step + 1), "acc": step / N})          # automatic step: 0, 1, 2 ...
    if step % 250 == 249:
        name = f"step-{step}.bin"
        with run.atomic_path(name) as tmp:
            with open(tmp, "wb") as file:
                file.write(b"x" * (step + 1))
        record = run.checkpoint(name, step=step, metrics={"loss": 1.0 / (step + 1)}, wait=True)
        assert record is not None and record["step"] == step, record
run.log({"diverged": float("nan"), "up": float("inf")}, step=N)
run.close()
print("script done")
`;

const OUTAGE = `
import json, os, sys, time, trainyard
control = sys.argv[1]
run = trainyard.init(request_timeout=2.0, close_timeout=60.0)
step = 0

def flag(name):
    return os.path.exists(os.path.join(control, name))

def put(name, data):
    tmp = os.path.join(control, name + ".tmp")
    with open(tmp, "w") as file:
        json.dump(data, file)
    os.replace(tmp, os.path.join(control, name))

def spooled():
    try:
        return len([n for n in os.listdir(run.spool_dir) if n.endswith(".json")])
    except FileNotFoundError:
        return 0

def log_one():
    global step
    run.log({"loss": 1.0 / (step + 1), "x": step}, step=step)
    step += 1
    time.sleep(0.002)

while not flag("killed"):            # the server is up, then gets killed under us
    log_one()
while step % 50 or spooled() < 3:    # the server is down: training goes on, batches spool
    log_one()
name = f"step-{step - 1}.bin"
with run.atomic_path(name) as tmp:
    with open(tmp, "wb") as file:
        file.write(b"checkpoint")
pending = run.checkpoint(name, step=step - 1)  # returns at once
run.flush()                                     # sent or spooled: spooled, the server is down
assert not pending.done(), pending
put("spooled", {"files": spooled(), "checkpointStep": pending.step, "spoolDir": run.spool_dir})
while not flag("restarted"):
    log_one()
for _ in range(300):
    log_one()
record = pending.wait(60)                       # from the spool, once the server answers again
assert record is not None and record["step"] == pending.step, record
run.close()
put("done", {"steps": step, "left": spooled()})
`;

const BAD_VALUES = `
import trainyard
run = trainyard.init()

class Weird:
    def __float__(self):
        raise RuntimeError("no float for you")

bad_calls = [
    lambda: run.log({"loss": "high"}),
    lambda: run.log({"loss": None}),
    lambda: run.log({"bad key!": 1.0}),
    lambda: run.log({"k" * 300: 1.0}),
    lambda: run.log({"w": Weird()}),
    lambda: run.log("not a dict"),
    lambda: run.log(None),
    lambda: run.log({"loss": 1.0}, step="7"),
    lambda: run.log({"loss": 1.0}, step=float("nan")),
    lambda: run.set_total(-5),
    lambda: run.set_total("many"),
]
for _ in range(3):
    for call in bad_calls:
        call()
for step in range(10):
    run.log({"loss": float(step), "flag": True, "big": 10**30}, step=step)
run.close()
print("script done")
`;

/** Fails on attempt 1 after a checkpoint; attempt 2 resumes from it with automatic steps. */
const RESUME = `
import sys, trainyard
run = trainyard.init()
step = 0
if run.resume_from:
    assert run.attempt == 2 and run.resume_step == 199, (run.attempt, run.resume_step)
    with open(run.resume_from) as file:
        step = int(file.read()) + 1
while step < 400:
    run.log({"loss": float(step), "attempt": run.attempt})      # automatic step
    if step == 199:
        with run.atomic_path("step-199.txt") as tmp:
            with open(tmp, "w") as file:
                file.write("199")
        run.checkpoint("step-199.txt", step=199)
    if step == 300 and run.attempt == 1:
        run.close()          # these points reach the server, then attempt 2 supersedes them
        sys.exit(3)
    step += 1
run.close()
`;

/** Loops until a stop; with IGNORE_TERM it ignores SIGTERM and relies on the heartbeat reply. */
const STOP = `
import os, signal, sys, time, trainyard
heartbeat_only = sys.argv[1] == "heartbeat"
if heartbeat_only:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
run = trainyard.init(catch_sigterm=not heartbeat_only, heartbeat_interval=0.3)
step = 0
while not run.should_stop():
    run.log({"loss": 1.0 / (step + 1)}, step=step)
    step += 1
    time.sleep(0.01)
name = f"final-{step - 1}.bin"
with run.atomic_path(name) as tmp:
    with open(tmp, "wb") as file:
        file.write(b"final")
record = run.checkpoint(name, step=step - 1, wait=True)
assert record is not None, "final checkpoint not registered"
run.close()
print(f"stopped cleanly at step {step - 1}")
`;

/** Checkpoints while the server is frozen (SIGSTOP): the call must not wait for it. */
const FROZEN = `
import json, os, sys, time, trainyard
control = sys.argv[1]
run = trainyard.init()
step = 0

def flag(name):
    return os.path.exists(os.path.join(control, name))

def put(name, data):
    tmp = os.path.join(control, name + ".tmp")
    with open(tmp, "w") as file:
        json.dump(data, file)
    os.replace(tmp, os.path.join(control, name))

def log_one():
    global step
    run.log({"loss": 1.0 / (step + 1)}, step=step)
    step += 1
    time.sleep(0.002)

while not flag("frozen"):
    log_one()
for _ in range(100):              # the reporter's requests now hang
    log_one()
checkpoint_step = step - 1        # its points are logged already
name = f"step-{checkpoint_step}.bin"
with run.atomic_path(name) as tmp:
    with open(tmp, "wb") as file:
        file.write(b"checkpoint")
started = time.monotonic()
pending = run.checkpoint(name, step=checkpoint_step, metrics={"loss": 0.5})
put("returned", {"ms": (time.monotonic() - started) * 1000, "checkpointStep": checkpoint_step})
while not flag("thawed"):
    log_one()
for _ in range(100):
    log_one()
put("registered", {"record": pending.wait(60)})
run.close()
`;

describe('Python SDK in real jobs', { skip }, () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server?.stop();
    if (server) killRuns(server.dataDir);
  });

  it('delivers every point exactly once, with checkpoints and the total', async () => {
    const N = 1000;
    const { id } = await submitPython(server, EXACTLY_ONCE, [String(N)], { params: { lr: 0.5 } });
    const job = await waitForJob(server, id, ['succeeded', 'failed', 'stopped']);
    await assertSucceeded(server, id, job);
    assert.deepEqual(await seriesKeys(server, id), ['acc', 'diverged', 'loss', 'up']);
    const loss = await series(server, id, 'loss');
    assert.deepEqual(loss.steps, range(N));
    assert.deepEqual(loss.values, range(N).map((s) => 1 / (s + 1)));
    assert.deepEqual((await series(server, id, 'acc')).steps, range(N));
    assert.deepEqual(await series(server, id, 'diverged').then((s) => [s.steps, s.values]), [[N], ['NaN']]);
    assert.deepEqual(await series(server, id, 'up').then((s) => s.values), ['Infinity']);
    assert.equal(job.progress.total, N);

    const { body } = await server.api(`/api/v1/jobs/${id}/checkpoints`);
    const checkpoints = body.checkpoints as { step: number; bytes: number; path: string; metrics: { loss: number } }[];
    assert.deepEqual(checkpoints.map((c) => c.step), [249, 499, 749, 999]);
    assert.deepEqual(checkpoints.map((c) => c.bytes), [250, 500, 750, 1000]);
    assert.equal(checkpoints[0].metrics.loss, 1 / 250);
    const checkpointDir = checkpoints[0].path.replace(/\/[^/]+$/, '');
    const leftovers = readdirSync(checkpointDir).filter((n) => n.includes('.tmp-'));
    assert.deepEqual(leftovers, [], 'atomic_path left temporary files');
  });

  it('never raises from log() on bad values and warns once per problem', async () => {
    const { id } = await submitPython(server, BAD_VALUES);
    const job = await waitForJob(server, id, ['succeeded', 'failed', 'stopped']);
    await assertSucceeded(server, id, job);
    const text = await logOf(server, id);
    assert.match(text, /script done/);
    assert.deepEqual(await seriesKeys(server, id), ['big', 'flag', 'loss']);
    const loss = await series(server, id, 'loss');
    assert.deepEqual(loss.steps, range(10));
    assert.deepEqual(loss.values, range(10));
    assert.deepEqual((await series(server, id, 'flag')).values, range(10).map(() => 1));
    const warnings = text.split('\n').filter((line) => line.startsWith('trainyard: warning:'));
    // 33 bad calls, 10 distinct problems: one warning each.
    assert.ok(warnings.length >= 6 && warnings.length <= 10, warnings.join('\n'));
    assert.equal(new Set(warnings).size, warnings.length, 'a warning was repeated');
  });

  it('resumes a retried run from its checkpoint, continuing the automatic step', async () => {
    const { id } = await submitPython(server, RESUME, [], { maxRetries: 1 });
    const job = await waitForJob(server, id, ['succeeded', 'failed', 'stopped']);
    await assertSucceeded(server, id, job);
    assert.equal(job.attempts, 2);
    const loss = await series(server, id, 'loss');
    assert.deepEqual(loss.steps, range(400), 'points of attempt 1 after the checkpoint are superseded');
    assert.deepEqual(loss.values, range(400));
    const attempt = await series(server, id, 'attempt');
    assert.deepEqual(attempt.values, range(400).map((s) => (s <= 199 ? 1 : 2)));
  });

  for (const how of ['sigterm', 'heartbeat'] as const) {
    it(`turns should_stop() true on a stop (${how}), and the script checkpoints and exits`, async () => {
      const { id } = await submitPython(server, STOP, [how], { stopGraceSeconds: 20 });
      await waitFor(async () => (await seriesKeys(server, id)).includes('loss'), { what: 'first points' });
      const { status } = await server.api(`/api/v1/jobs/${id}/stop`, { method: 'POST', body: {} });
      assert.equal(status, 200);
      const job = await waitForJob(server, id, ['succeeded', 'failed', 'stopped']);
      const text = await logOf(server, id);
      assert.match(text, /stopped cleanly at step (\d+)/, text);
      const lastStep = Number(/stopped cleanly at step (\d+)/.exec(text)![1]);
      if (how === 'sigterm') assert.match(text, /SIGTERM received; should_stop\(\) is now True/);
      assert.ok(['stopped', 'succeeded'].includes(job.state), job.state);
      const { body } = await server.api(`/api/v1/jobs/${id}/checkpoints`);
      assert.deepEqual(body.checkpoints.map((c: { step: number }) => c.step), [lastStep]);
      assert.deepEqual((await series(server, id, 'loss')).steps, range(lastStep + 1));
    });
  }
});

describe('Python SDK while the server is frozen', { skip }, () => {
  it('returns from checkpoint() at once, and registers the checkpoint once the server thaws', async () => {
    const server = await startServer();
    let frozen = false;
    try {
      const control = tempDir('trainyard-sdk-py-control-');
      const { id } = await submitPython(server, FROZEN, [control]);
      await waitFor(async () => (await series(server, id, 'loss').catch(() => ({ steps: [] }))).steps.length >= 50, { what: 'first points' });
      process.kill(server.pid, 'SIGSTOP');
      frozen = true;
      const frozenAt = Date.now();
      writeFileSync(join(control, 'frozen'), '');
      const returnedFile = join(control, 'returned');
      await waitFor(() => existsSync(returnedFile), { what: 'checkpoint() to return', timeoutMs: 30_000 });
      const returned = JSON.parse(readFileSync(returnedFile, 'utf8'));
      // A generous bound: before, the call waited for the registration (7 s measured).
      assert.ok(returned.ms < 1_000, `checkpoint() took ${returned.ms} ms while the server was frozen`);
      await sleep(Math.max(0, frozenAt + 5_000 - Date.now()));
      assert.equal(existsSync(join(control, 'registered')), false, 'registered while the server was frozen?');
      process.kill(server.pid, 'SIGCONT');
      frozen = false;
      writeFileSync(join(control, 'thawed'), '');
      const job = await waitForJob(server, id, ['succeeded', 'failed', 'stopped'], 120_000);
      await assertSucceeded(server, id, job);
      const { record } = JSON.parse(readFileSync(join(control, 'registered'), 'utf8'));
      assert.equal(record?.step, returned.checkpointStep, JSON.stringify(record));
      const { body } = await server.api(`/api/v1/jobs/${id}/checkpoints`);
      assert.deepEqual(body.checkpoints.map((c: { step: number }) => c.step), [returned.checkpointStep]);
      const loss = await series(server, id, 'loss');
      assert.deepEqual(loss.steps, range(loss.steps.length), 'every point exactly once');
      assert.ok(loss.steps.length > returned.checkpointStep, 'the points up to the checkpoint arrived');
    } finally {
      if (frozen) process.kill(server.pid, 'SIGCONT');
      await server.stop().catch(() => undefined);
      killRuns(server.dataDir);
    }
  });
});

describe('Python SDK while the server is down', { skip }, () => {
  it('keeps training, spools, and backfills after a restart with no loss and no duplicates', async () => {
    let server = await startServer();
    const dataDir = server.dataDir;
    try {
      const control = tempDir('trainyard-sdk-py-control-');
      const { id } = await submitPython(server, OUTAGE, [control]);
      // Kill the server while points stream in: some batch may be in flight at that moment.
      await waitFor(async () => (await series(server, id, 'loss').catch(() => ({ steps: [] }))).steps.length >= 200, {
        what: '200 points before the crash',
      });
      await server.kill9();
      writeFileSync(join(control, 'killed'), '');
      const spooledFile = join(control, 'spooled');
      await waitFor(() => existsSync(spooledFile), { what: 'the script to spool while the server is down' });
      const spooled = JSON.parse(readFileSync(spooledFile, 'utf8'));
      assert.ok(spooled.files >= 3, `spool files: ${spooled.files}`);

      server = await server.restart();
      writeFileSync(join(control, 'restarted'), '');
      const job = await waitForJob(server, id, ['succeeded', 'failed', 'stopped'], 120_000);
      await assertSucceeded(server, id, job);
      const done = JSON.parse(readFileSync(join(control, 'done'), 'utf8'));
      assert.equal(done.left, 0, 'the spool was emptied');
      const loss = await series(server, id, 'loss');
      assert.equal(loss.steps.length, done.steps, 'every point exactly once');
      assert.deepEqual(loss.steps, range(done.steps));
      assert.deepEqual((await series(server, id, 'x')).values, range(done.steps));
      const { body } = await server.api(`/api/v1/jobs/${id}/checkpoints`);
      assert.deepEqual(body.checkpoints.map((c: { step: number }) => c.step), [spooled.checkpointStep]);
    } catch (error) {
      // Show what the script and the server said: a timeout alone does not explain itself.
      const jobLog = await server.api('/api/v1/jobs?limit=1').then(
        ({ body }) => (body.jobs?.[0] ? logOf(server, body.jobs[0].id) : 'no job'),
        (e: unknown) => `server unreachable: ${String(e)}`,
      );
      console.error(`job log:\n${jobLog}\nserver output:\n${server.output()}`);
      throw error;
    } finally {
      await server.stop().catch(() => undefined);
      killRuns(dataDir);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Failure modes the real server does not produce on demand.

interface StubRequest {
  readonly path: string;
  readonly body: { batchId?: string; series?: Record<string, { steps: number[] }> };
}

/** A stand-in server: `answer` decides each metrics request's status; status requests get 200. */
async function startStub(answer: (request: StubRequest, index: number) => number): Promise<{
  url: string;
  requests: StubRequest[];
  accepted: Map<string, number[]>;
  close(): Promise<void>;
}> {
  const requests: StubRequest[] = [];
  const accepted = new Map<string, number[]>();
  let metricsIndex = 0;
  const server: Server = createServer((req: IncomingMessage, res) => {
    let data = '';
    req.on('data', (chunk) => (data += chunk));
    req.on('end', () => {
      const request: StubRequest = { path: req.url ?? '', body: data ? JSON.parse(data) : {} };
      requests.push(request);
      res.setHeader('content-type', 'application/json');
      if (!request.path.endsWith('/metrics')) {
        res.end(JSON.stringify({ stopRequested: false }));
        return;
      }
      const status = answer(request, metricsIndex++);
      res.statusCode = status;
      if (status >= 300) {
        res.end(JSON.stringify({ error: { code: 'stub', message: `stub says ${status}` } }));
        return;
      }
      const id = request.body.batchId!;
      const duplicate = accepted.has(id);
      if (!duplicate) accepted.set(id, request.body.series!.loss.steps);
      res.end(JSON.stringify({ accepted: duplicate ? 0 : 1, duplicate }));
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    accepted,
    close: () => new Promise((done) => server.close(() => done())),
  };
}

const STUB_SCRIPT = `
import sys, time, trainyard
run = trainyard.init(flush_interval=0.05, close_timeout=20.0)
for step in range(200):
    run.log({"loss": 1.0 / (step + 1)}, step=step)
    if step % 20 == 19:
        time.sleep(0.08)
run.close()
print("left", len(__import__("os").listdir(run.spool_dir)) if __import__("os").path.isdir(run.spool_dir) else 0)
`;

async function runStubScript(url: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const dir = tempDir('trainyard-sdk-py-stub-');
  writeFileSync(join(dir, 'script.py'), STUB_SCRIPT);
  const child = spawn(PYTHON, ['script.py'], {
    cwd: dir,
    env: {
      ...process.env,
      PYTHONPATH: SDK_DIR,
      PYTHONDONTWRITEBYTECODE: '1',
      TRAINYARD_URL: url,
      TRAINYARD_TOKEN: 'ty_stub',
      TRAINYARD_JOB_ID: '1',
      TRAINYARD_RUN_ID: '1',
      TRAINYARD_CHECKPOINT_DIR: join(dir, 'checkpoints'),
    },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const code = await new Promise<number | null>((done) => child.once('exit', done));
  return { code, stdout, stderr };
}

describe('Python SDK against a stub server', { skip }, () => {
  it('spools batches refused with 503 and resends them oldest first until accepted', async () => {
    const stub = await startStub((_, index) => (index < 3 ? 503 : 200));
    try {
      const result = await runStubScript(stub.url);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /left 0/);
      const steps = [...stub.accepted.values()].flat();
      assert.deepEqual(steps, range(200), 'all points, in order, exactly once');
      const seqs = [...stub.accepted.keys()].map((id) => Number(id.split('-')[1]));
      assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), 'spooled batches are resent oldest first');
      assert.equal(new Set([...stub.accepted.keys()].map((id) => id.split('-')[0])).size, 1, 'one session id');
      assert.match(result.stderr, /the server is unreachable \(HTTP 503: stub says 503\)/);
    } finally {
      await stub.close();
    }
  });

  it('drops batches refused with a 4xx after one warning each, without retrying', async () => {
    const stub = await startStub(() => 400);
    try {
      const started = Date.now();
      const result = await runStubScript(stub.url);
      assert.equal(result.code, 0, result.stderr);
      assert.ok(Date.now() - started < 15_000, 'close() did not wait on a refused batch');
      assert.match(result.stdout, /left 0/);
      const ids = stub.requests.filter((r) => r.path.endsWith('/metrics')).map((r) => r.body.batchId);
      assert.ok(ids.length > 0);
      assert.equal(new Set(ids).size, ids.length, 'a refused batch was sent again');
      assert.match(result.stderr, /refused a metrics request, dropped: HTTP 400: stub says 400/);
    } finally {
      await stub.close();
    }
  });
});

const OFFLINE_SCRIPT = `
import trainyard
run = trainyard.init()
assert run.mode == "lines", run.mode
run.set_total(3, message='epoch "1"')
for step in range(3):
    run.log({"loss": 1.0 / (step + 1), "lr": 1e-05, "gap": float("nan")})
with run.atomic_path("step 2.pt") as tmp:
    open(tmp, "w").write("x")
run.checkpoint("step 2.pt", step=2, metrics={"loss": 0.25})
print("plain log line")
run.close()
`;

/** A thread prints long lines while the reporter prints its own: none may cut into another. */
const INTERLEAVED = `
import threading, time, trainyard
run = trainyard.init(flush_interval=0.001)
assert run.mode == "lines", run.mode

def user():
    for i in range(2000):
        print(f"user {i:05d} " + "u" * 3000)

thread = threading.Thread(target=user)
thread.start()
step = 0
while thread.is_alive():
    run.log({"loss": 1.0 / (step + 1)}, step=step)
    step += 1
    if step % 50 == 0:
        time.sleep(0.0005)
thread.join()
print("an open line", end="", flush=True)     # the reporter's line waits for its end, then
run.log({"loss": 0.5}, step=step)              # goes out after a newline of its own
time.sleep(1.5)
step += 1
run.log({"loss": 0.25}, step=step)
print(" ended late")
with open(run.checkpoint_path("c.pt"), "w"):
    pass
record = run.checkpoint("c.pt", step=step, wait=True)     # in "lines" mode: once printed
assert record == {"path": run.checkpoint_path("c.pt"), "step": step, "metrics": {}}, record
run.close()
print(f"logged {step + 1}")
`;

async function runOffline(script: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const dir = tempDir('trainyard-sdk-py-offline-');
  writeFileSync(join(dir, 'script.py'), script);
  const env: NodeJS.ProcessEnv = { ...process.env, PYTHONPATH: SDK_DIR, PYTHONDONTWRITEBYTECODE: '1', PYTHONUNBUFFERED: '1' };
  for (const name of Object.keys(env)) if (name.startsWith('TRAINYARD_')) delete env[name];
  env.TRAINYARD_CHECKPOINT_DIR = join(dir, 'checkpoints');
  mkdirSync(env.TRAINYARD_CHECKPOINT_DIR, { recursive: true });
  const child = spawn(PYTHON, ['script.py'], { cwd: dir, env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const code = await new Promise<number | null>((done) => child.once('exit', done));
  return { code, stdout, stderr };
}

describe('Python SDK without a server', { skip }, () => {
  it("never cuts a #trainyard line into a line the script's other threads print", async () => {
    const { code, stdout, stderr } = await runOffline(INTERLEAVED);
    assert.equal(code, 0, stderr);
    const userLine = /^user (\d{5}) u{3000}$/;
    const plain = /^(an open line| ended late|logged \d+|)$/;
    const users: number[] = [];
    const steps: number[] = [];
    const broken: string[] = [];
    const lines = stdout.split('\n');
    for (const line of lines) {
      const user = userLine.exec(line);
      const parsed = parseLine(line);
      if (user) users.push(Number(user[1]));
      else if (parsed?.kind === 'metrics') steps.push(parsed.step);
      else if (parsed?.kind !== 'checkpoint' && !plain.test(line)) broken.push(line.slice(0, 120));
    }
    assert.deepEqual(broken, [], 'lines cut into each other');
    assert.deepEqual(users, range(2000));
    const logged = Number(/^logged (\d+)$/m.exec(stdout)![1]);
    assert.deepEqual(steps, range(logged), 'every point printed once, in order');
    assert.ok(lines.includes('an open line') && lines.includes(' ended late'), 'a line left open is ended before a #trainyard line');
  });


  it('prints the stdout line protocol, which the server-side parser reads back', async () => {
    const dir = tempDir('trainyard-sdk-py-offline-');
    writeFileSync(join(dir, 'script.py'), OFFLINE_SCRIPT);
    const env: NodeJS.ProcessEnv = { ...process.env, PYTHONPATH: SDK_DIR, PYTHONDONTWRITEBYTECODE: '1' };
    for (const name of Object.keys(env)) if (name.startsWith('TRAINYARD_')) delete env[name];
    const child = spawn(PYTHON, ['script.py'], { cwd: dir, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise<number | null>((done) => child.once('exit', done));
    assert.equal(code, 0, stderr);
    const parsed = stdout.split('\n').map((line) => parseLine(line)).filter((p) => p !== null);
    const expected: LineInstruction[] = [
      { kind: 'progress', total: 3, message: 'epoch "1"' },
      { kind: 'metrics', step: 0, metrics: { loss: 1, lr: 1e-5, gap: NaN } },
      { kind: 'metrics', step: 1, metrics: { loss: 0.5, lr: 1e-5, gap: NaN } },
      { kind: 'metrics', step: 2, metrics: { loss: 1 / 3, lr: 1e-5, gap: NaN } },
      { kind: 'checkpoint', path: 'step 2.pt', step: 2, metrics: { loss: 0.25 } },
    ];
    assert.deepEqual(parsed, expected);
    assert.match(stdout, /plain log line/);
    assert.ok(existsSync(join(dir, 'checkpoints', 'step 2.pt')));
  });
});
