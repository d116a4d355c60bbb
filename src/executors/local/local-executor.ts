/**
 * The local executor: each run is a child process of the server in its own process group
 * (`detached`), with stdout/stderr going straight to its log file rather than through the
 * server, so it survives a server crash and can be adopted by the next server.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { signalFromShellStatus } from '../../core/classify.ts';
import type { AdoptResult, Executor, ExitStatus, ProcessHandle, RunningProcess, StartRequest } from '../executor.ts';
import { commandStarted, isAlive, readProcStart } from './proc.ts';

const WRAPPER = fileURLToPath(new URL('./run-wrapper.sh', import.meta.url));

export interface LocalExecutorOptions {
  /** How often an adopted process (not our child) is checked for exit. Default: 500 ms. */
  readonly adoptPollMs?: number;
}

export function createLocalExecutor(options: LocalExecutorOptions = {}): Executor {
  const adoptPollMs = options.adoptPollMs ?? 500;

  return {
    name: 'local',

    start(request: StartRequest): Promise<RunningProcess> {
      const logFd = openSync(request.logPath, 'a');
      try {
        const child = spawn('/bin/sh', [WRAPPER, request.exitPath, ...request.argv], {
          cwd: request.cwd,
          env: request.env,
          detached: true,
          stdio: ['ignore', logFd, logFd],
        });
        return new Promise((resolve, reject) => {
          child.once('error', reject);
          child.once('spawn', () => {
            const pid = child.pid as number;
            const handle: ProcessHandle = { pid, procStart: readProcStart(pid), exitPath: request.exitPath };
            const exited = new Promise<ExitStatus>((done) => {
              child.once('exit', (code, signal) => done(toStatus(code, signal)));
            });
            resolve({ handle, exited });
          });
        });
      } finally {
        closeSync(logFd);
      }
    },

    signal(handle: ProcessHandle, signal: 'SIGTERM' | 'SIGKILL'): void {
      if (!ownsPid(handle)) return;
      // The wrapper ignores SIGTERM (to outlive its command and record the status) from its
      // `trap` on; a SIGTERM between the trap and the command's start would be lost, so wait
      // until the command is running (at most WRAPPER_START_MS).
      if (signal === 'SIGTERM' && !commandStarted(handle.pid)) {
        const deadline = Date.now() + WRAPPER_START_MS;
        const retry = setInterval(() => {
          if (!commandStarted(handle.pid) && Date.now() < deadline && isAlive(handle.pid)) return;
          clearInterval(retry);
          killGroup(handle, signal);
        }, 10);
        return;
      }
      killGroup(handle, signal);
    },

    adopt(handle: ProcessHandle): AdoptResult {
      if (ownsPid(handle) && isAlive(handle.pid)) {
        return { kind: 'alive', process: { handle, exited: watchForeign(handle, adoptPollMs) } };
      }
      const status = readExitFile(handle.exitPath);
      return status ? { kind: 'exited', status } : { kind: 'lost' };
    },
  };
}

/** How long a SIGTERM waits for the wrapper to start its command. Default: 2 s. */
const WRAPPER_START_MS = 2_000;

function killGroup(handle: ProcessHandle, signal: NodeJS.Signals): void {
  if (!ownsPid(handle)) return;
  try {
    process.kill(-handle.pid, signal);
  } catch {
    // ESRCH: the group is gone already.
  }
}

/** The wrapper shell survives signals to report them as 128 + N; undo that. */
function toStatus(code: number | null, signal: NodeJS.Signals | null): ExitStatus {
  if (code !== null) {
    const fromShell = signalFromShellStatus(code);
    if (fromShell) return { exitCode: null, signal: fromShell };
  }
  return { exitCode: code, signal };
}

/** Never true for pid 0 or below: kill(-0) would signal our own process group. */
function ownsPid(handle: ProcessHandle): boolean {
  if (!Number.isInteger(handle.pid) || handle.pid <= 1) return false;
  return handle.procStart === null || readProcStart(handle.pid) === handle.procStart;
}

function readExitFile(path: string): ExitStatus | null {
  try {
    const code = Number(readFileSync(path, 'utf8').trim());
    return Number.isInteger(code) ? toStatus(code, null) : null;
  } catch {
    return null;
  }
}

/** A process that is not our child: poll until it is gone, then read its exit file. */
function watchForeign(handle: ProcessHandle, pollMs: number): Promise<ExitStatus> {
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      if (ownsPid(handle) && isAlive(handle.pid)) return;
      clearInterval(timer);
      // The wrapper writes the file just before it exits; give the rename a moment if needed.
      setTimeout(() => resolve(readExitFile(handle.exitPath) ?? { exitCode: null, signal: 'SIGKILL' }), 50);
    }, pollMs);
  });
}
