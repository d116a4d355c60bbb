/**
 * Runs one step of a `command` target's script: argv without a shell, in its own process group
 * (a timeout ends the whole tree: SIGTERM, then SIGKILL after a grace), stdout kept for the
 * check's answer, the tail of stderr kept for the error that names the step.
 */
import { spawn } from 'node:child_process';

export interface StepRun {
  readonly argv: readonly string[];
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  /** Each line the script writes to stderr, as it comes. */
  readonly onStderrLine?: (line: string) => void;
}

export type StepOutcome =
  | { readonly kind: 'exited'; readonly exitCode: number | null; readonly signal: string | null; readonly stdout: string; readonly stderrTail: readonly string[] }
  | { readonly kind: 'timed-out'; readonly stderrTail: readonly string[] }
  | { readonly kind: 'not-started'; readonly message: string };

/** Most stdout kept (a smoke answer is short). */
const STDOUT_MAX = 1 << 20;
/** Lines of stderr kept for the error. */
const STDERR_LINES = 10;
/** Between SIGTERM and SIGKILL on a timeout. */
const KILL_GRACE_MS = 2000;

export function runStep(run: StepRun): Promise<StepOutcome> {
  return new Promise((resolve) => {
    const child = spawn(run.argv[0], run.argv.slice(1), { cwd: run.cwd, env: run.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let partial = '';
    const tail: string[] = [];
    let timedOut = false;
    const keep = (line: string) => {
      tail.push(line);
      if (tail.length > STDERR_LINES) tail.shift();
      run.onStderrLine?.(line);
    };
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      if (stdout.length < STDOUT_MAX) stdout += chunk.slice(0, STDOUT_MAX - stdout.length);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) keep(line);
    });
    const killGroup = (signal: NodeJS.Signals) => {
      try {
        if (child.pid && child.pid > 1) process.kill(-child.pid, signal);
      } catch {
        // The group has ended already.
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup('SIGTERM');
      setTimeout(() => killGroup('SIGKILL'), KILL_GRACE_MS).unref();
    }, run.timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ kind: 'not-started', message: error.message });
    });
    child.on('close', (exitCode, signal) => {
      clearTimeout(timer);
      if (partial) keep(partial);
      if (timedOut) resolve({ kind: 'timed-out', stderrTail: tail });
      else resolve({ kind: 'exited', exitCode, signal, stdout, stderrTail: tail });
    });
  });
}
