import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runExecutorContract } from '../executor-contract.ts';
import { decodeLocalHandle, encodeLocalHandle, localPid } from './handle.ts';
import { createLocalExecutor } from './local-executor.ts';
import { readProcStart } from './proc.ts';

runExecutorContract('local', { create: () => createLocalExecutor({ adoptPollMs: 50 }) });

describe('local executor', () => {
  const root = mkdtempSync(join(tmpdir(), 'trainyard-local-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  let n = 0;
  const runDir = () => {
    const dir = join(root, `run-${++n}`);
    mkdirSync(dir);
    return dir;
  };
  const ref = (dir: string) => ({ runDir: dir, name: `local-${n}` });

  it('encodes pid and /proc start time in its handle, and reads the pid-only form of older runs', () => {
    assert.deepEqual(encodeLocalHandle({ pid: 4242, procStart: 987654 }), { executor: 'local', externalId: '4242@987654' });
    assert.deepEqual(decodeLocalHandle({ executor: 'local', externalId: '4242@987654' }), { pid: 4242, procStart: 987654 });
    assert.deepEqual(decodeLocalHandle({ executor: 'local', externalId: '4242' }), { pid: 4242, procStart: null });
    for (const externalId of ['0', '1', '-5', '12@', 'abc', '']) assert.equal(decodeLocalHandle({ executor: 'local', externalId }), null, externalId);
    assert.equal(decodeLocalHandle({ executor: 'slurm', externalId: '4242' }), null);
    assert.equal(localPid({ executor: 'local', externalId: '4242@1' }), 4242);
    assert.equal(localPid({ executor: 'slurm', externalId: '4242' }), null);
    assert.equal(localPid(null), null);
  });

  it('records the exit status and the wrapper pid in the run directory', async () => {
    const dir = runDir();
    const p = await createLocalExecutor().start({ argv: ['/bin/sh', '-c', 'exit 3'], cwd: dir, env: {}, logPath: join(dir, 'log'), runDir: dir, name: 'x' });
    await p.exited;
    assert.equal(readFileSync(join(dir, 'exit-status'), 'utf8').trim(), '3');
    assert.equal(`${readFileSync(join(dir, 'pid'), 'utf8').trim()}`, p.handle.externalId.split('@')[0]);
  });

  it('never signals or adopts a process whose pid was recycled', async () => {
    // This test process stands for a recycled pid: same pid, another start time.
    const start = readProcStart(process.pid);
    if (start === null) return; // no /proc here
    const recycled = encodeLocalHandle({ pid: process.pid, procStart: start + 1 });
    const executor = createLocalExecutor();
    await executor.signal(recycled, 'SIGKILL');
    assert.deepEqual(await executor.adopt(recycled, ref(runDir())), { kind: 'lost' });
  });

  it('does not take a pid file naming another process for the run', async () => {
    const dir = runDir();
    writeFileSync(join(dir, 'pid'), `${process.pid}\n`);
    assert.deepEqual(await createLocalExecutor().adopt(null, ref(dir)), { kind: 'lost' });
  });

  it('reports the configured capacity, else the cores and detected GPUs', async () => {
    assert.deepEqual(await createLocalExecutor({ gpus: [0, 2], cpuSlots: 3 }).capacity(), { gpus: [0, 2], cpuSlots: 3 });
    assert.deepEqual((await createLocalExecutor({ gpus: [], cpuSlots: null }).capacity()).gpus, []);
    assert.ok((await createLocalExecutor({ gpus: [] }).capacity()).cpuSlots >= 1);
  });

  it('names the working directory or the command that preflight finds missing', async () => {
    const executor = createLocalExecutor();
    const dir = runDir();
    const base = { cwd: dir, env: { PATH: '/usr/bin:/bin' }, logPath: join(dir, 'log'), runDir: dir, name: 'x' };
    assert.equal(await executor.preflight({ ...base, argv: ['sh', '-c', 'true'] }), null);
    assert.equal(await executor.preflight({ ...base, argv: ['true'], cwd: join(dir, 'nope') }), `working directory ${join(dir, 'nope')} does not exist`);
    assert.equal(await executor.preflight({ ...base, argv: ['no-such-tool'] }), 'command no-such-tool not found on PATH');
    assert.equal(await executor.preflight({ ...base, argv: ['./train.py'] }), `command ./train.py not found or not executable (looked at ${join(dir, 'train.py')})`);
  });
});
