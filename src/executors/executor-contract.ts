/**
 * The contract every Executor keeps, as a node:test suite:
 * `runExecutorContract('local', { create: () => createLocalExecutor() })`. A Slurm or agent
 * executor runs the same cases unchanged: they go through the interface only, read nothing but
 * the run's log (which the server reads too), and stand for a server restart by asking the
 * factory for a fresh instance that knows only the stored handle and the run's `RunRef`.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, it } from 'node:test';
import type { Executor, RunHandle, RunningProcess, StartRequest } from './executor.ts';

export interface ExecutorContractOptions {
  /**
   * A new instance of the executor. Each call after the first stands for the same executor in a
   * restarted server: it must learn everything from handles and run directories.
   */
  create(): Executor;
  /**
   * A new empty folder that the server and the executor's runs both reach (a shared filesystem
   * for a cluster). Default: a folder under the OS temp directory.
   */
  makeDir?(): string;
  /** How long one case may take. Default: 20 s (a batch system's queue may want more). */
  timeoutMs?: number;
}

const SHELL = ['/bin/sh', '-c'];

export function runExecutorContract(name: string, options: ExecutorContractOptions): void {
  const dirs: string[] = [];
  const started: Array<{ readonly handle: RunHandle }> = [];
  const makeDir = options.makeDir ?? (() => realpathSync(mkdtempSync(join(tmpdir(), 'trainyard-exec-'))));
  let runs = 0;

  /** A request in a fresh folder: cwd is the folder, the log and the run directory inside it. */
  const request = (argv: readonly string[]): StartRequest => {
    const dir = makeDir();
    dirs.push(dir);
    const runDir = join(dir, 'run');
    mkdirSync(runDir, { recursive: true });
    runs += 1;
    return {
      argv, cwd: dir, runDir, name: `trainyard-contract-${process.pid}-${runs}`,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HELLO: 'world' },
      logPath: join(dir, 'log'),
    };
  };
  const sh = (script: string) => request([...SHELL, script]);
  const start = async (executor: Executor, r: StartRequest): Promise<RunningProcess> => {
    const p = await executor.start(r);
    started.push(p);
    return p;
  };
  /** What a store gives back: a copy through JSON. */
  const stored = (handle: RunHandle): RunHandle => JSON.parse(JSON.stringify(handle)) as RunHandle;
  const log = (r: StartRequest) => (existsSync(r.logPath) ? readFileSync(r.logPath, 'utf8') : '');
  const untilLogged = async (r: StartRequest, text: string) => {
    while (!log(r).includes(text)) await sleep(20);
  };
  const fields = (s: { exitCode: number | null; signal: string | null }) => ({ exitCode: s.exitCode, signal: s.signal });

  describe(`Executor contract: ${name}`, { timeout: options.timeoutMs ?? 20_000 }, () => {
    after(async () => {
      const executor = options.create();
      for (const p of started) await executor.signal(p.handle, 'SIGKILL');
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    });

    it('runs argv without a shell, in cwd, with env, logging stdout and stderr', async () => {
      const executor = options.create();
      const r = sh('echo "out $HELLO $(pwd)"; echo err >&2; exit 3');
      const p = await start(executor, r);
      assert.equal(p.handle.executor, executor.name);
      assert.equal(typeof p.handle.externalId, 'string');
      assert.deepEqual(await p.exited, { exitCode: 3, signal: null, oomKilled: false });
      assert.equal(log(r), `out world ${r.cwd}\nerr\n`);
    });

    it('passes arguments verbatim', async () => {
      const r = request(['/bin/echo', 'a b', '$HOME', '*']);
      await (await start(options.create(), r)).exited;
      assert.equal(log(r), 'a b $HOME *\n');
    });

    it('reports a signal that killed the process', async () => {
      const p = await start(options.create(), sh('kill -KILL $$'));
      assert.deepEqual(fields(await p.exited), { exitCode: null, signal: 'SIGKILL' });
    });

    it('signals the whole process tree', async () => {
      const executor = options.create();
      const r = sh('(sleep 0.5; echo survived) & echo started; wait');
      const p = await start(executor, r);
      await untilLogged(r, 'started');
      await executor.signal(p.handle, 'SIGTERM');
      assert.equal((await p.exited).signal, 'SIGTERM');
      await sleep(800);
      assert.ok(!log(r).includes('survived'), 'a child of the run outlived SIGTERM to the run');
    });

    it('does not lose a SIGTERM sent right after start', async () => {
      const executor = options.create();
      const p = await start(executor, request(['sleep', '30']));
      await executor.signal(p.handle, 'SIGTERM');
      assert.equal((await p.exited).signal, 'SIGTERM');
    });

    it('ends with SIGKILL a run that ignores SIGTERM', async () => {
      const executor = options.create();
      const r = sh('trap "" TERM; echo started; sleep 30');
      const p = await start(executor, r);
      await untilLogged(r, 'started');
      await executor.signal(p.handle, 'SIGTERM');
      await sleep(200);
      await executor.signal(p.handle, 'SIGKILL');
      assert.equal((await p.exited).signal, 'SIGKILL');
    });

    it('treats a signal to a run that has ended as a no-op', async () => {
      const p = await start(options.create(), sh('exit 0'));
      await p.exited;
      await options.create().signal(stored(p.handle), 'SIGKILL');
      await options.create().signal(stored(p.handle), 'SIGTERM');
    });

    it('after a restart, adopts a live run and sees it end', async () => {
      const r = sh('echo started; sleep 1; exit 4');
      const p = await start(options.create(), r);
      await untilLogged(r, 'started');
      const adopted = await options.create().adopt(stored(p.handle), r);
      assert.equal(adopted.kind, 'alive');
      if (adopted.kind !== 'alive') return;
      assert.deepEqual(adopted.process.handle, p.handle);
      assert.deepEqual(fields(await adopted.process.exited), { exitCode: 4, signal: null });
    });

    it('after a restart, stops an adopted run', async () => {
      const r = sh('echo started; sleep 30');
      const p = await start(options.create(), r);
      await untilLogged(r, 'started');
      const restarted = options.create();
      const adopted = await restarted.adopt(stored(p.handle), r);
      assert.equal(adopted.kind, 'alive');
      if (adopted.kind !== 'alive') return;
      await restarted.signal(adopted.process.handle, 'SIGTERM');
      assert.equal((await adopted.process.exited).signal, 'SIGTERM');
    });

    it('after a restart, reads the recorded status of a run that ended unwatched', async () => {
      const exitFive = sh('exit 5');
      const killed = sh('kill -KILL $$');
      const five = await start(options.create(), exitFive);
      const nine = await start(options.create(), killed);
      await Promise.all([five.exited, nine.exited]);
      const restarted = options.create();
      assert.deepEqual(await restarted.adopt(stored(five.handle), exitFive), { kind: 'exited', status: { exitCode: 5, signal: null, oomKilled: false } });
      const adopted = await restarted.adopt(stored(nine.handle), killed);
      assert.equal(adopted.kind, 'exited');
      if (adopted.kind === 'exited') assert.deepEqual(fields(adopted.status), { exitCode: null, signal: 'SIGKILL' });
    });

    it('finds a live run whose handle was never recorded, through its ref', async () => {
      const r = sh('echo started; sleep 30');
      const p = await start(options.create(), r);
      await untilLogged(r, 'started');
      const restarted = options.create();
      const found = await restarted.adopt(null, { runDir: r.runDir, name: r.name });
      assert.equal(found.kind, 'alive');
      if (found.kind !== 'alive') return;
      assert.equal(found.process.handle.executor, restarted.name);
      // The handle found is as good as the one start gave: recorded now, adopted later.
      const again = await options.create().adopt(stored(found.process.handle), r);
      assert.equal(again.kind, 'alive');
      await restarted.signal(found.process.handle, 'SIGTERM');
      assert.equal((await found.process.exited).signal, 'SIGTERM');
      assert.equal((await p.exited).signal, 'SIGTERM');
    });

    it('reads the status of a run whose handle was never recorded and that ended', async () => {
      const r = sh('exit 7');
      await (await start(options.create(), r)).exited;
      assert.deepEqual(await options.create().adopt(null, { runDir: r.runDir, name: r.name }), { kind: 'exited', status: { exitCode: 7, signal: null, oomKilled: false } });
    });

    it('calls a run lost when it was never started', async () => {
      const r = sh('exit 0');
      assert.deepEqual(await options.create().adopt(null, { runDir: r.runDir, name: r.name }), { kind: 'lost' });
    });

    it('calls a handle lost that it cannot read or did not make', async () => {
      const r = sh('echo started; sleep 30');
      const executor = options.create();
      const p = await start(executor, r);
      await untilLogged(r, 'started');
      assert.deepEqual(await executor.adopt({ executor: executor.name, externalId: 'no such run' }, r), { kind: 'lost' });
      assert.deepEqual(await executor.adopt({ executor: `not-${executor.name}`, externalId: p.handle.externalId }, r), { kind: 'lost' });
      await executor.signal({ executor: `not-${executor.name}`, externalId: p.handle.externalId }, 'SIGTERM');
      await sleep(100);
      await executor.signal(p.handle, 'SIGKILL');
      assert.equal((await p.exited).signal, 'SIGKILL');
    });

    it('reports its capacity', async () => {
      const { gpus, cpuSlots } = await options.create().capacity();
      assert.ok(Number.isInteger(cpuSlots) && cpuSlots >= 0, `cpuSlots ${cpuSlots}`);
      assert.ok(gpus.every((g) => Number.isInteger(g) && g >= 0), `gpus ${gpus.join(',')}`);
      assert.equal(new Set(gpus).size, gpus.length);
    });

    it('passes a runnable request in preflight; reports a missing command there or by the run\'s end', async () => {
      const executor = options.create();
      assert.equal(await executor.preflight(sh('exit 0')), null);
      const missing = request(['trainyard-no-such-command', '--flag']);
      const problem = await executor.preflight(missing);
      if (problem !== null) {
        assert.match(problem, /trainyard-no-such-command/);
      } else {
        const status = await (await start(executor, missing)).exited;
        assert.notEqual(status.exitCode, 0);
      }
    });
  });
}
