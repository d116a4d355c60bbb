/**
 * Server benchmarks against a real `trainyard server` child process on loopback:
 * metric ingestion through the HTTP batch endpoint (beside bare JSON.parse of the same
 * payloads), submit-to-running latency (beside spawning /bin/true), idle resident memory
 * (beside a bare Node process).
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { killRuns, REPO, startServer, waitForJob, type TestServer } from '../test/harness.ts';
import type { BenchResult } from './bench-result.ts';

const KEYS = 10;
const POINTS_PER_KEY = 10_000;
const BATCHES = 60;
const CONCURRENCY = 2;

export async function benchServer(): Promise<BenchResult[]> {
  const server = await startServer();
  try {
    const idle = await idleRss(server);
    const ingest = await ingestion(server);
    const latency = await submitLatency(server);
    return [...ingest, latency, idle];
  } finally {
    killRuns(server.dataDir);
    await server.stop();
  }
}

function payload(batch: number): string {
  const series: Record<string, { steps: number[]; values: number[]; times: number[] }> = {};
  const t0 = Date.now();
  for (let k = 0; k < KEYS; k++) {
    const steps = new Array<number>(POINTS_PER_KEY);
    const values = new Array<number>(POINTS_PER_KEY);
    const times = new Array<number>(POINTS_PER_KEY);
    for (let i = 0; i < POINTS_PER_KEY; i++) {
      steps[i] = batch * POINTS_PER_KEY + i;
      values[i] = Math.random();
      times[i] = t0 + i;
    }
    series[`metric_${k}`] = { steps, values, times };
  }
  return JSON.stringify({ batchId: `bench-${batch}`, series });
}

async function ingestion(server: TestServer): Promise<BenchResult[]> {
  const { body: job } = await server.api('/api/v1/jobs', { body: { command: ['sleep', '600'], cwd: REPO, stopGraceSeconds: 1 } });
  const running = await waitForJob(server, job.id, ['running']);
  const runId = running.runs[0].id;
  const payloads = Array.from({ length: BATCHES }, (_, i) => payload(i));
  const points = BATCHES * KEYS * POINTS_PER_KEY;

  let start = performance.now();
  for (const p of payloads) JSON.parse(p);
  const parseRate = points / ((performance.now() - start) / 1000);

  const post = (body: string) => fetch(`${server.url}/api/v1/runs/${runId}/metrics`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json' },
    body,
  }).then(async (r) => {
    if (!r.ok) throw new Error(`ingest failed: ${r.status} ${await r.text()}`);
    await r.arrayBuffer();
  });
  // Warm up the route and the store with steps before the timed ones, as a run's steps go up
  // (a warm-up after them made every timed batch reach back and rewrite a chunk).
  await post(payload(-1));
  start = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < payloads.length) await post(payloads[next++]);
  }));
  const rate = points / ((performance.now() - start) / 1000);
  await server.api(`/api/v1/jobs/${job.id}/stop`, { method: 'POST' });
  const mb = payloads.reduce((n, p) => n + p.length, 0) / 1e6;
  return [{
    name: `HTTP metric ingestion (${BATCHES} columnar batches of ${KEYS}×${POINTS_PER_KEY.toLocaleString()} points, ${mb.toFixed(0)} MB JSON)`,
    value: Math.round(rate),
    unit: 'points/s',
    baseline: { name: 'bare JSON.parse of the same payloads', value: Math.round(parseRate) },
    target: '>= 2,000,000 points/s',
    ok: rate >= 2_000_000,
  }];
}

async function submitLatency(server: TestServer): Promise<BenchResult> {
  const samples: number[] = [];
  const controller = new AbortController();
  const events = await fetch(`${server.url}/api/v1/events`, { headers: { authorization: `Bearer ${server.adminToken}`, accept: 'text/event-stream' }, signal: controller.signal });
  const reader = events.body!.pipeThrough(new TextDecoderStream()).getReader();
  const runningAt = new Map<number, number>();
  void (async () => {
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done) return;
      buffer += value;
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const message = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (!message.startsWith('event: job')) continue;
        const job = JSON.parse(message.slice(message.indexOf('data: ') + 6));
        if (job.state === 'running' && !runningAt.has(job.id)) runningAt.set(job.id, performance.now());
      }
    }
  })();
  for (let i = 0; i < 25; i++) {
    const t0 = performance.now();
    const { body: job } = await server.api('/api/v1/jobs', { body: { command: ['true'], cwd: REPO } });
    while (!runningAt.has(job.id)) await sleep(1);
    samples.push(runningAt.get(job.id)! - t0);
    await waitForJob(server, job.id, ['succeeded', 'failed']);
  }
  controller.abort();
  const spawnTimes: number[] = [];
  for (let i = 0; i < 25; i++) {
    const t0 = performance.now();
    await new Promise((done) => spawn('/bin/true').once('spawn', done));
    spawnTimes.push(performance.now() - t0);
  }
  const p50 = median(samples);
  return {
    name: 'submit-to-running latency of a local job (median of 25)',
    value: round(p50),
    unit: 'ms',
    baseline: { name: 'spawning /bin/true from Node (median)', value: round(median(spawnTimes)) },
    target: '< 200 ms',
    ok: p50 < 200,
  };
}

async function idleRss(server: TestServer): Promise<BenchResult> {
  await sleep(2000);
  const rss = rssMiB(server.pid);
  const bare = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)']);
  await sleep(1000);
  const bareRss = rssMiB(bare.pid!);
  bare.kill();
  spawnSync('true');
  return {
    name: 'server resident memory, idle',
    value: round(rss),
    unit: 'MiB',
    baseline: { name: 'a bare Node process', value: round(bareRss) },
    target: '< 150 MB',
    ok: rss * 1.048576 < 150,
  };
}

function rssMiB(pid: number): number {
  // The server runs as `node bin/trainyard.js`; tsx adds no extra process.
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}
