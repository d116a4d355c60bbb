/**
 * Test kit for the control layer: a real SQLite store in a throwaway data directory, the fake
 * executor (no processes) and a fake clock, so orchestration is tested fast and exactly. A
 * "server restart" keeps the data directory and the executor's runs (the machine's processes)
 * and builds a new store and control over them.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseJobSpec, type JobSpecInput } from '../core/job-spec.ts';
import type { Job, JobSpec } from '../core/types.ts';
import { createFakeExecutor, type FakeExecutor, type FakeRun } from '../executors/fake/fake-executor.ts';
import { createSqliteStore } from '../store/sqlite/sqlite-store.ts';
import type { Store } from '../store/store.ts';
import { createControl, type Control } from './control.ts';
import { createDataDirLayout, type DataDirLayout } from './data-dir.ts';
import type { RunRef } from './run-intake.ts';

export const T0 = 1_700_000_000_000;

export interface Kit {
  readonly store: Store;
  readonly control: Control;
  readonly executor: FakeExecutor;
  readonly layout: DataDirLayout;
  readonly lines: string[];
  /** The fake wall clock, epoch ms; move it with `advance` (time passes) or `jump`. */
  now(): number;
  /** Time passes: both the wall clock and the monotonic clock move on by `ms`. */
  advance(ms: number): void;
  /** The wall clock alone jumps by `ms` (either way), as NTP or `date -s` makes it; no time passes. */
  jump(ms: number): void;
  spec(input?: Partial<JobSpecInput>): JobSpec;
  /** Waits until `check` holds (real time, polling); throws naming `what` after `ms`. */
  until<T>(check: () => Promise<T> | T, what: string, ms?: number): Promise<NonNullable<T>>;
  /** The fake run of a job's attempt, once started. */
  run(jobId: number, attempt: number): Promise<FakeRun>;
  /** The run ref (ids) of a job's attempt, as the intake wants it. */
  ref(jobId: number, attempt: number): Promise<RunRef>;
  job(jobId: number): Promise<Job>;
  /** Writes a file into the job's checkpoint directory. */
  writeCheckpoint(jobId: number, name: string): void;
  /** Closes control and store (the data directory and the executor's runs stay). */
  close(): Promise<void>;
  /**
   * A new store, executor instance and control over the same data and runs, recovered and
   * started. `crashed`: the old server died (its calls hang), so it is left as it is, not closed.
   */
  restart(options?: { wrapStore?: (store: Store) => Store; recover?: boolean; crashed?: boolean }): Promise<Kit>;
}

export interface KitOptions {
  readonly dataDir?: string;
  readonly executor?: FakeExecutor;
  readonly clock?: { value: number };
  /** The fake monotonic clock, ms; shared across restarts like the machine's. */
  readonly monotonic?: { value: number };
  /** Wraps the store the control uses (crash injection). */
  readonly wrapStore?: (store: Store) => Store;
  /** Default: true. */
  readonly start?: boolean;
}

export async function createKit(options: KitOptions = {}): Promise<Kit> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'trainyard-control-'));
  const layout = createDataDirLayout(dataDir);
  const executor = options.executor ?? createFakeExecutor({ capacity: { gpus: [0, 1], cpuSlots: 2 } });
  const clock = options.clock ?? { value: T0 };
  const monotonic = options.monotonic ?? { value: 1_000 };
  const raw = await createSqliteStore(layout.database);
  const store = options.wrapStore ? options.wrapStore(raw) : raw;
  const lines: string[] = [];
  const control = createControl({
    store, executor, layout,
    slots: await executor.capacity(),
    serverUrl: () => 'http://127.0.0.1:1',
    baseEnv: { PATH: '/usr/bin:/bin' },
    now: () => clock.value,
    monotonic: () => monotonic.value,
    log: (line) => lines.push(line),
    tickMs: 20,
    eventPollMs: 50,
    endRunRetryMs: 50,
  });
  if (options.start !== false) {
    await control.recover();
    control.start();
  }

  const kit: Kit = {
    store, control, executor, layout, lines,
    now: () => clock.value,
    advance(ms) {
      clock.value += ms;
      monotonic.value += ms;
      control.poke();
    },
    jump(ms) {
      clock.value += ms;
      control.poke();
    },
    spec: (input = {}) => parseJobSpec({ name: 'train', command: ['python3', 'train.py'], cwd: dataDir, ...input }),
    async until(check, what, ms = 5_000) {
      const end = Date.now() + ms;
      for (;;) {
        const value = await check();
        if (value) return value as NonNullable<Awaited<typeof value>>;
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}\n${lines.join('\n')}`);
        await new Promise((r) => setTimeout(r, 5));
      }
    },
    async run(jobId, attempt) {
      const name = `trainyard-${jobId}-${attempt}`;
      return kit.until(() => executor.runs.find((r) => r.ref.name === name), `run ${name} to start`);
    },
    async ref(jobId, attempt) {
      const run = await kit.until(async () => (await raw.listRuns(jobId)).find((r) => r.attempt === attempt), `attempt ${attempt} of job ${jobId}`);
      return { runId: run.id, jobId };
    },
    async job(jobId) {
      const job = await raw.getJob(jobId);
      if (!job) throw new Error(`no job ${jobId}`);
      return job;
    },
    writeCheckpoint(jobId, name) {
      const dir = layout.checkpointDir(jobId);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, name), `weights ${name}`);
    },
    async close() {
      await control.close();
      await raw.close();
    },
    restart: async (restartOptions = {}) => {
      if (!restartOptions.crashed) await kit.close().catch(() => {});
      const next = await createKit({ dataDir, executor: executor.restarted(), clock, monotonic, wrapStore: restartOptions.wrapStore, start: false });
      if (restartOptions.recover !== false) {
        await next.control.recover();
        next.control.start();
      }
      return next;
    },
  };
  return kit;
}
