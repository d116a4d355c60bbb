/**
 * What reporting costs a training loop: the median time of one `log()` call (Python, and the
 * TypeScript reporter), each beside a baseline measured in the same process, and the slowdown
 * of a loop of simulated 10 ms steps when every step logs.
 *
 * The SDKs report to an unreachable URL (a closed loopback port), so the figures are the call
 * itself plus whatever the background sender and spool cost while the server is down: the
 * worst case for the loop, since every batch then goes to disk.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { init } from '../src/sdk/reporter.ts';
import type { BenchResult } from './bench-result.ts';

const REPO = resolve(import.meta.dirname, '..');
const PYTHON = process.env.TRAINYARD_BENCH_PYTHON ?? 'python3';

/** Target for one `log()` call, median. */
const LOG_TARGET_US = 5;
/** Target for the slowdown of a loop of 10 ms steps that logs every step. */
const SLOWDOWN_TARGET_PCT = 1;

/** Runs in python3: prints one JSON object with the medians and loop times. */
const PYTHON_BENCH = String.raw`
import json, statistics, sys, time
import trainyard

run = trainyard.init(catch_sigterm=False, close_timeout=0.0)
metrics = {"loss": 0.5, "acc": 0.9, "lr": 1e-4}
clock = time.perf_counter_ns
CALLS = 200_000

def per_call_ns(call):
    """Median of individually timed calls: a call the background thread's GIL turn lands on
    counts as one slow sample, not a slow batch."""
    samples = [0] * CALLS
    for i in range(CALLS):
        start = clock()
        call(metrics, i)
        samples[i] = clock() - start
    return statistics.median(samples)

def empty(m, step=None):
    pass

buffer = []
def append(m, step=None):
    buffer.append(m)

per_call_ns(append)                                    # warm up
timer_ns = per_call_ns(empty)                          # the clock reads and an empty call
base_ns = per_call_ns(append)
buffer.clear()
log_ns = per_call_ns(run.log)

def step_sleep():
    time.sleep(0.01)

def step_busy():
    end = time.perf_counter() + 0.01
    while time.perf_counter() < end:
        pass

def loop(step_fn, log, steps=int(sys.argv[1])):
    """Seconds spent in odd and in even steps; odd steps log() when \`log\`. Alternating step by
    step puts both halves under the same machine load."""
    odd = even = 0
    for step in range(steps):
        start = clock()
        step_fn()
        if log and step % 2:
            run.log(metrics, step=step)
        if step % 2:
            odd += clock() - start
        else:
            even += clock() - start
    return {"odd": odd / 1e9, "even": even / 1e9}

loops = {}
for name, fn in (("sleep", step_sleep), ("busy", step_busy)):
    loops[name] = {"quiet": loop(fn, False), "logging": loop(fn, True)}
print(json.dumps({"log_ns": log_ns, "base_ns": base_ns, "timer_ns": timer_ns, "loops": loops}))
`;

interface PythonFigures {
  readonly log_ns: number;
  readonly base_ns: number;
  /** An empty function call between two clock reads: subtracted from both figures. */
  readonly timer_ns: number;
  /** Seconds in odd and even steps, without log() (`quiet`) and with log() in odd steps. */
  readonly loops: Record<'sleep' | 'busy', Record<'quiet' | 'logging', { odd: number; even: number }>>;
}

/** A loopback port with nothing listening: connections are refused at once. */
async function closedPort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

function downEnv(url: string, dir: string): Record<string, string> {
  return {
    TRAINYARD_URL: url,
    TRAINYARD_TOKEN: 'ty_bench',
    TRAINYARD_JOB_ID: '1',
    TRAINYARD_RUN_ID: '1',
    TRAINYARD_CHECKPOINT_DIR: join(dir, 'checkpoints'),
    TRAINYARD_SPOOL_DIR: join(dir, 'spool'),
  };
}

async function benchPython(url: string, dir: string, steps: number): Promise<BenchResult[]> {
  const child = spawnSync(PYTHON, ['-c', PYTHON_BENCH, String(steps)], {
    env: { ...process.env, ...downEnv(url, dir), PYTHONPATH: join(REPO, 'sdk', 'python') },
    encoding: 'utf8',
    maxBuffer: 16 << 20,
    timeout: 300_000,
  });
  if (child.status !== 0) throw new Error(`python bench failed (${child.status}): ${child.stderr}`);
  const figures = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as PythonFigures;
  const logUs = figures.log_ns / 1000;
  const baseUs = figures.base_ns / 1000;
  const results: BenchResult[] = [
    {
      name: `python log() per call, median (server down; each call timed alone, ${round(figures.timer_ns / 1000, 3)} µs of clock reads included)`,
      value: round(logUs, 3),
      unit: 'µs',
      baseline: { name: 'a function call that appends to a list, same measure', value: round(baseUs, 3) },
      target: `< ${LOG_TARGET_US} µs`,
      ok: logUs < LOG_TARGET_US,
    },
  ];
  for (const kind of ['sleep', 'busy'] as const) {
    const { quiet, logging } = figures.loops[kind];
    const slowdown = ((logging.odd - logging.even) / logging.even) * 100;
    const noise = ((quiet.odd - quiet.even) / quiet.even) * 100;
    results.push({
      name: `python ${steps} × 10 ms steps (${kind === 'sleep' ? 'time.sleep' : 'busy-wait'}), log() every other step: slowdown of those steps`,
      value: round(slowdown, 3),
      unit: '%',
      baseline: { name: 'the same comparison with no log() at all (noise)', value: round(noise, 3) },
      target: `< ${SLOWDOWN_TARGET_PCT} %`,
      ok: slowdown < SLOWDOWN_TARGET_PCT,
    });
  }
  return results;
}

async function benchTypeScript(url: string, dir: string): Promise<BenchResult> {
  const run = init({ env: downEnv(url, dir), catchSigterm: false, closeTimeoutMs: 0, warn: () => undefined });
  const metrics = { loss: 0.5, acc: 0.9, lr: 1e-4 };
  const buffer: unknown[] = [];
  const baseline = (m: Record<string, number>, step: number): void => void buffer.push({ step, m });
  const perCallNs = (call: (m: Record<string, number>, step: number) => void): number => {
    const samples: number[] = [];
    for (let b = 0; b < 2000; b++) {
      const start = performance.now();
      for (let i = 0; i < 100; i++) call(metrics, i);
      samples.push(((performance.now() - start) * 1e6) / 100);
    }
    samples.sort((a, b) => a - b);
    return samples[samples.length >> 1];
  };
  perCallNs(baseline);
  const baseNs = perCallNs(baseline);
  buffer.length = 0;
  perCallNs((m, s) => run.log(m, s));
  const logNs = perCallNs((m, s) => run.log(m, s));
  await run.close();
  return {
    name: 'typescript log() per call, median (server down)',
    value: round(logNs / 1000, 3),
    unit: 'µs',
    baseline: { name: 'function call + array push', value: round(baseNs / 1000, 3) },
    target: `< ${LOG_TARGET_US} µs`,
    ok: logNs / 1000 < LOG_TARGET_US,
  };
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Python figures need `python3` on PATH (or `TRAINYARD_BENCH_PYTHON`). */
export async function benchSdkOverhead(options: { loopSteps?: number } = {}): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'trainyard-bench-sdk-'));
  try {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const python = await benchPython(url, join(dir, 'py'), options.loopSteps ?? 300);
    const typescript = await benchTypeScript(url, join(dir, 'ts'));
    return [...python, typescript];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
