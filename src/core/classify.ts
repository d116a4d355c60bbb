/**
 * Exit classification: why a run ended, and whether retrying can help. Pure: the supervisor
 * gathers the facts (exit status, whether a stop was asked for, the kernel's OOM counter, the
 * log tail) and this decides.
 */
import type { RunOutcome } from './types.ts';

export interface ExitFacts {
  readonly exitCode: number | null;
  readonly signal: string | null;
  /** A stop (or pause) was requested before the process ended. */
  readonly stopRequested: boolean;
  /** The kernel's OOM-kill counter for our cgroup rose while this run was alive. */
  readonly oomKilled: boolean;
  /** The last lines of the run's log (a few KiB). */
  readonly logTail: string;
  /** The process could not be started at all (ENOENT, EACCES, bad cwd). */
  readonly spawnError: string | null;
}

/** The conventional "configuration error" exit code (sysexits.h EX_CONFIG): never retried. */
export const EXIT_CONFIG_ERROR = 78;

const CUDA_OOM = [
  /CUDA out of memory/i,
  /torch\.(cuda\.)?OutOfMemoryError/,
  /CUBLAS_STATUS_ALLOC_FAILED/,
  /cudaErrorMemoryAllocation/,
  /out of memory.*(cuda|gpu|device)/i,
];

export function classifyExit(facts: ExitFacts): RunOutcome {
  if (facts.spawnError !== null) {
    return { kind: 'config-error', detail: facts.spawnError, retryable: false };
  }
  if (facts.stopRequested) {
    const how = facts.signal ? facts.signal : `exit code ${facts.exitCode}`;
    return { kind: 'stopped', detail: `stopped on request (${how})`, retryable: false };
  }
  if (facts.exitCode === 0) return { kind: 'success', detail: 'exit code 0', retryable: false };
  const cudaLine = findLine(facts.logTail, CUDA_OOM);
  if (cudaLine !== null) return { kind: 'cuda-oom', detail: cudaLine, retryable: true };
  if (facts.signal === 'SIGKILL' && facts.oomKilled) {
    return { kind: 'oom-killed', detail: 'killed by the kernel out-of-memory killer', retryable: true };
  }
  if (facts.signal !== null) return { kind: 'signal', detail: facts.signal, retryable: true };
  if (facts.exitCode === EXIT_CONFIG_ERROR) {
    return { kind: 'config-error', detail: `exit code ${EXIT_CONFIG_ERROR} (configuration error)`, retryable: false };
  }
  return { kind: 'exit-code', detail: `exit code ${facts.exitCode}`, retryable: true };
}

/** The last line of `text` that matches one of `patterns`, trimmed, or null. */
function findLine(text: string, patterns: readonly RegExp[]): string | null {
  const lines = text.split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i];
    if (patterns.some((p) => p.test(line))) return line.trim().slice(0, 500);
  }
  return null;
}

/** Shell-style exit statuses (128 + N) mean "killed by signal N" when a wrapper shell reports them. */
export function signalFromShellStatus(status: number): string | null {
  const names: Record<number, string> = { 1: 'SIGHUP', 2: 'SIGINT', 6: 'SIGABRT', 9: 'SIGKILL', 11: 'SIGSEGV', 13: 'SIGPIPE', 15: 'SIGTERM' };
  if (status > 128 && status < 160) return names[status - 128] ?? `SIG${status - 128}`;
  return null;
}
