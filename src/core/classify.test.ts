import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyExit, type ExitFacts } from './classify.ts';
import { retryDelayMs, shouldRetry } from './retry.ts';

const facts = (f: Partial<ExitFacts>): ExitFacts => ({
  exitCode: null, signal: null, stopRequested: false, oomKilled: false, logTail: '', spawnError: null, ...f,
});

describe('classifyExit', () => {
  const cases: Array<[string, Partial<ExitFacts>, string, boolean]> = [
    ['exit 0', { exitCode: 0 }, 'success', false],
    ['exit 3', { exitCode: 3 }, 'exit-code', true],
    ['exit 78 is a config error', { exitCode: 78 }, 'config-error', false],
    ['spawn failure', { spawnError: 'ENOENT: no such file: pythn' }, 'config-error', false],
    ['SIGSEGV', { signal: 'SIGSEGV' }, 'signal', true],
    ['SIGKILL without OOM', { signal: 'SIGKILL' }, 'signal', true],
    ['SIGKILL with OOM counter', { signal: 'SIGKILL', oomKilled: true }, 'oom-killed', true],
    ['CUDA OOM in the log', { exitCode: 1, logTail: 'step 3\ntorch.cuda.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB\n' }, 'cuda-oom', true],
    ['stop requested, SIGTERM', { signal: 'SIGTERM', stopRequested: true }, 'stopped', false],
    ['stop requested, clean exit after checkpoint', { exitCode: 0, stopRequested: true }, 'stopped', false],
  ];
  for (const [name, input, kind, retryable] of cases) {
    it(name, () => {
      const outcome = classifyExit(facts(input));
      assert.equal(outcome.kind, kind);
      assert.equal(outcome.retryable, retryable);
    });
  }
  it('names the CUDA line', () => {
    const outcome = classifyExit(facts({ exitCode: 1, logTail: 'RuntimeError: CUDA out of memory. Tried to allocate 20 MiB' }));
    assert.match(outcome.detail, /Tried to allocate 20 MiB/);
  });
});

describe('retry policy', () => {
  it('retries up to maxRetries', () => {
    const failed = { kind: 'exit-code', detail: '', retryable: true } as const;
    assert.equal(shouldRetry(failed, 1, 2), true);
    assert.equal(shouldRetry(failed, 2, 2), true);
    assert.equal(shouldRetry(failed, 3, 2), false);
    assert.equal(shouldRetry({ ...failed, retryable: false }, 1, 5), false);
  });
  it('backs off exponentially with a cap', () => {
    assert.deepEqual([1, 2, 3].map((a) => retryDelayMs(a)), [2000, 4000, 8000]);
    assert.equal(retryDelayMs(30), 300_000);
  });
});
