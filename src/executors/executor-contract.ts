/**
 * The contract every Executor keeps, as a node:test suite: `runExecutorContract('local',
 * createLocalExecutor)`. A Slurm or agent executor runs the same cases.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Executor, StartRequest } from './executor.ts';

export function runExecutorContract(name: string, create: () => Executor): void {
  describe(`Executor contract: ${name}`, () => {
    const request = (argv: string[], extra: Partial<StartRequest> = {}): StartRequest => {
      const dir = mkdtempSync(join(tmpdir(), 'trainyard-exec-'));
      return { argv, cwd: dir, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HELLO: 'world' }, logPath: join(dir, 'log'), exitPath: join(dir, 'exit'), ...extra };
    };

    it('runs argv without a shell, in cwd, with env, logging stdout and stderr', async () => {
      const r = request(['/bin/sh', '-c', 'echo "out $HELLO $(pwd)"; echo err >&2; exit 3']);
      const p = await create().start(r);
      assert.deepEqual(await p.exited, { exitCode: 3, signal: null });
      assert.equal(readFileSync(r.logPath, 'utf8'), `out world ${r.cwd}\nerr\n`);
      assert.equal(readFileSync(r.exitPath, 'utf8').trim(), '3');
    });

    it('passes arguments verbatim', async () => {
      const r = request(['/bin/echo', 'a b', '$HOME', '*']);
      await (await create().start(r)).exited;
      assert.equal(readFileSync(r.logPath, 'utf8'), 'a b $HOME *\n');
    });

    it('signals the whole process group', async () => {
      const executor = create();
      const r = request(['/bin/sh', '-c', 'sleep 30 & sleep 30; wait']);
      const p = await executor.start(r);
      executor.signal(p.handle, 'SIGTERM');
      const status = await p.exited;
      assert.equal(status.signal, 'SIGTERM');
    });

    it('reports a signal that killed the process', async () => {
      const r = request(['/bin/sh', '-c', 'kill -KILL $$']);
      assert.deepEqual(await (await create().start(r)).exited, { exitCode: null, signal: 'SIGKILL' });
    });

    it('adopts a live process and sees it end', async () => {
      const executor = create();
      const r = request(['/bin/sh', '-c', 'sleep 0.5; exit 4']);
      const p = await executor.start(r);
      const adopted = executor.adopt(p.handle);
      assert.equal(adopted.kind, 'alive');
      if (adopted.kind === 'alive') assert.deepEqual(await adopted.process.exited, { exitCode: 4, signal: null });
    });

    it('reads the recorded status of a process that ended unwatched', async () => {
      const executor = create();
      const p = await executor.start(request(['/bin/sh', '-c', 'exit 5']));
      await p.exited;
      assert.deepEqual(executor.adopt(p.handle), { kind: 'exited', status: { exitCode: 5, signal: null } });
    });

    it('calls a process lost when it left no status', () => {
      const dir = mkdtempSync(join(tmpdir(), 'trainyard-exec-'));
      assert.deepEqual(create().adopt({ pid: 0, procStart: null, exitPath: join(dir, 'none') }), { kind: 'lost' });
    });
  });
}
