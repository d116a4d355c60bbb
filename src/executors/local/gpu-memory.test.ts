/**
 * Peak GPU memory of local runs, with a fake `nvidia-smi` on PATH (a shell script this test
 * writes: it prints what the test put in a file and counts its calls). No GPU is needed.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createGpuMemoryWatch, parseComputeApps, queryComputeApps } from './gpu-memory.ts';
import { createLocalExecutor } from './local-executor.ts';

describe('parseComputeApps', () => {
  it('reads pid, MiB lines, sums a pid on several GPUs, skips what is not a number', () => {
    const text = '4242, 20480\n4243, 512\n4242, 1024\n4244, [N/A]\n\nNo running processes found\n';
    assert.deepEqual(parseComputeApps(text), new Map([[4242, 21504], [4243, 512]]));
    assert.deepEqual(parseComputeApps(''), new Map());
  });
});

describe('GPU memory of local runs (fake nvidia-smi)', () => {
  const root = mkdtempSync(join(tmpdir(), 'trainyard-gpu-'));
  const bin = join(root, 'bin');
  const answer = join(root, 'answer');
  const calls = join(root, 'calls');
  const path = process.env.PATH;
  before(() => {
    mkdirSync(bin);
    writeFileSync(join(bin, 'nvidia-smi'), [
      '#!/bin/sh',
      `[ "$1" = "--query-compute-apps=pid,used_memory" ] && [ "$2" = "--format=csv,noheader,nounits" ] || exit 9`,
      `echo called >> '${calls}'`,
      `cat '${answer}'`,
    ].join('\n'));
    chmodSync(join(bin, 'nvidia-smi'), 0o755);
    writeFileSync(answer, '');
    writeFileSync(calls, '');
    process.env.PATH = `${bin}:${path}`;
  });
  after(() => {
    process.env.PATH = path;
    rmSync(root, { recursive: true, force: true });
  });

  const callCount = () => readFileSync(calls, 'utf8').split('\n').filter(Boolean).length;
  async function until(check: () => boolean, what: string): Promise<void> {
    const end = Date.now() + 10_000;
    while (!check()) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }
  /** Puts `text` in the fake's answer and waits until two samples began after it (one read it whole). */
  async function answerWith(text: string): Promise<void> {
    writeFileSync(answer, text);
    const seen = callCount();
    await until(() => callCount() >= seen + 2, 'two samples');
  }
  let n = 0;
  function start(env: Record<string, string>) {
    const dir = join(root, `run-${++n}`);
    mkdirSync(dir);
    const executor = createLocalExecutor({ gpuMemory: createGpuMemoryWatch({ intervalMs: 30 }) });
    // The training process is a child of the run's shell, as a real launcher's would be.
    const argv = ['/bin/sh', '-c', `sh -c 'echo $$ > ${dir}/child; exec sleep 30' & wait`];
    return { dir, executor, running: executor.start({ argv, cwd: dir, env: { PATH: '/usr/bin:/bin', ...env }, logPath: join(dir, 'log'), runDir: dir, name: `gpu-${n}` }) };
  }

  it('keeps the highest sum over the run\'s process tree, leaving other processes out', async () => {
    const { dir, executor, running } = start({ CUDA_VISIBLE_DEVICES: '0,1' });
    const p = await running;
    await until(() => { try { return readFileSync(join(dir, 'child'), 'utf8').endsWith('\n'); } catch { return false; } }, 'the child pid');
    const child = Number(readFileSync(join(dir, 'child'), 'utf8'));
    await answerWith(`${child}, 500\n999999, 70000\n`);
    await answerWith(`${child}, 700\n${child}, 800\n`); // on two GPUs: 1500
    await answerWith(`${child}, 900\n`);
    await executor.signal(p.handle, 'SIGKILL');
    const report = await p.exited;
    assert.equal(report.peakGpuMemoryMiB, 1500);
  });

  it('does not ask nvidia-smi for a CPU-only run, and measures nothing where nvidia-smi is missing', async () => {
    writeFileSync(answer, '1, 100\n');
    const before = callCount();
    const { executor, running } = start({ CUDA_VISIBLE_DEVICES: '' });
    const p = await running;
    await new Promise((r) => setTimeout(r, 150));
    await executor.signal(p.handle, 'SIGKILL');
    assert.equal((await p.exited).peakGpuMemoryMiB, undefined, 'not measured');
    assert.equal(callCount(), before, 'no sample for a run without GPUs');
    assert.equal(await queryComputeApps(join(root, 'missing', 'nvidia-smi')), null);
  });
});
