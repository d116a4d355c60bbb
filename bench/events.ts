/**
 * Event latency: how long a durable event takes from the store commit that appended it to an
 * SSE subscriber (`GET /api/v1/events`, text/event-stream) and to an in-server subscriber
 * (control/event-log.ts `subscribe`). Beside it, in the same run: a bare HTTP round trip to
 * `/health` on the same server.
 *
 * The server runs in this process (store, control, HTTP app, as src/server/start.ts composes
 * them): the commit is when the store tells its watchers (`watchEvents`, the signal the event
 * log wakes on), the receipt is when the subscriber's handler runs, or when the bytes reach an
 * SSE client in a child process (bench/sse-client.ts; epoch clocks agree on one machine). Jobs
 * are submitted over HTTP, one at a time, and each starts (a real `true` process) as it would.
 *
 * Run alone: `node --import tsx bench/events.ts`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createControl } from '../src/control/control.ts';
import { createDataDirLayout } from '../src/control/data-dir.ts';
import { issueToken } from '../src/control/tokens.ts';
import { createEvaluator } from '../src/evaluation/evaluator.ts';
import { createDeployer } from '../src/deploy/deployer.ts';
import { createExecutor } from '../src/executors/executors.ts';
import { createModelBaseline } from '../src/registry/index.ts';
import { buildApp } from '../src/server/app.ts';
import { subscribeAutomations } from '../src/server/automations.ts';
import { createBatchParserPool } from '../src/server/ingest/batch-parser-pool.ts';
import { createCurricula } from '../src/curriculum/curricula.ts';
import { createSqliteStore } from '../src/store/sqlite/sqlite-store.ts';
import type { BenchResult } from './bench-result.ts';

const EVENTS = 60;
const HEALTH_TRIPS = 60;

export async function benchEvents(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'trainyard-bench-events-'));
  const layout = createDataDirLayout(dir);
  const store = await createSqliteStore(layout.database);
  const executor = createExecutor('local', { gpus: [], cpuSlots: 1 })!;
  const now = () => Date.now();
  const log = () => {};
  const control = createControl({
    store, executor, layout, now, log,
    slots: await executor.capacity(),
    serverUrl: () => '',
    baseEnv: {},
  });
  const batchParser = createBatchParserPool();
  const evaluator = createEvaluator({ store, control, now, log, modelBaseline: createModelBaseline(store) });
  const deployer = createDeployer({ store, control, now, log, dataDir: dir });
  const automations = subscribeAutomations({ store, control, evaluator, deployer, dataDir: dir, now, log });
  const app = await buildApp({ store, control, layout, now, batchParser, slots: await executor.capacity(), log, evaluator, deployer, automations, curricula: createCurricula({ store, control, now, log }) });
  let sseClient: ChildProcess | null = null;
  try {
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    const { token } = await issueToken(store, { role: 'admin', runId: null, jobId: null }, now());
    const auth = { authorization: `Bearer ${token}` };

    // Commit times, in order; the n-th submission's commit is the first one after it began.
    const commits: number[] = [];
    store.watchEvents(() => commits.push(performance.now()));
    const inServer = new Map<number, number>();
    const overSse = new Map<number, number>();
    control.events.subscribe('bench-latency', (event) => {
      if (event.type === 'job.submitted' && event.jobId !== null) inServer.set(event.jobId, performance.now());
    }, { types: ['job.submitted'] });
    control.events.start();
    sseClient = await startSseClient(`${url}/api/v1/events?types=job.submitted`, token, (jobId, at) => overSse.set(jobId, at));

    const toServer: number[] = [];
    const toSse: number[] = [];
    for (let i = 0; i < EVENTS; i++) {
      const before = commits.length;
      const response = await fetch(`${url}/api/v1/jobs`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ name: `latency-${i}`, command: ['true'], cwd: '/' }),
      });
      if (!response.ok) throw new Error(`submit: ${response.status} ${await response.text()}`);
      const { id } = (await response.json()) as { id: number };
      const deadline = performance.now() + 5_000;
      while (!(inServer.has(id) && overSse.has(id))) {
        if (performance.now() > deadline) throw new Error(`job.submitted of job ${id} did not arrive within 5 s`);
        await new Promise((done) => setTimeout(done, 1));
      }
      const committed = commits[before];
      toServer.push(inServer.get(id)! - committed);
      toSse.push(overSse.get(id)! - committed);
    }

    const trips: number[] = [];
    for (let i = 0; i < HEALTH_TRIPS; i++) {
      const start = performance.now();
      await (await fetch(`${url}/health`)).arrayBuffer();
      trips.push(performance.now() - start);
    }
    const health = { name: 'a bare HTTP round trip to /health on the same server (median)', value: round(median(trips)) };
    const sse = median(toSse);
    const server = median(toServer);
    return [
      {
        name: `event from store commit to an SSE subscriber (job.submitted, median of ${EVENTS})`,
        value: round(sse),
        unit: 'ms',
        baseline: health,
        target: '< 50 ms',
        ok: sse < 50,
      },
      {
        name: `event from store commit to an in-server subscriber (event-log subscribe, median of ${EVENTS})`,
        value: round(server),
        unit: 'ms',
        baseline: health,
        target: '< 50 ms',
        ok: server < 50,
      },
    ];
  } finally {
    sseClient?.kill();
    await app.close();
    await control.close();
    await batchParser.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Starts bench/sse-client.ts on the stream and calls `received` with each job id and its
 * arrival on this process's clock (performance.now()). A subscriber in its own process, as
 * a dashboard would be: in this one, it would wait for the server's work to yield.
 */
async function startSseClient(url: string, token: string, received: (jobId: number, at: number) => void): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'sse-client.ts'), url, token], { stdio: ['ignore', 'pipe', 'inherit'] });
  let buffer = '';
  await new Promise<void>((ready, fail) => {
    child.once('exit', (code) => fail(new Error(`sse-client exited with ${code}`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      for (let end = buffer.indexOf('\n'); end >= 0; end = buffer.indexOf('\n')) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 1);
        if (line === 'ready') ready();
        else {
          const [jobId, at] = line.split(' ').map(Number);
          received(jobId, at - performance.timeOrigin);
        }
      }
    });
  });
  return child;
}

function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const r of await benchEvents()) {
    console.log(`${r.name}: ${r.value} ${r.unit}  target ${r.target}: ${r.ok ? 'ok' : 'MISSED'}`);
    if (r.baseline) console.log(`    baseline, ${r.baseline.name}: ${r.baseline.value} ${r.unit}`);
  }
  process.exit(0);
}
