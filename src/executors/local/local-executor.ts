/**
 * The local executor: each run is a child process of the server in its own process group
 * (`detached`), with stdout/stderr going straight to its log file rather than through the
 * server, so it survives a server crash and can be adopted by the next server.
 *
 * Each run goes through `run-wrapper.sh`, which writes `<runDir>/pid` first and
 * `<runDir>/exit-status` last: a later server finds a run whose handle was never recorded by the
 * first, and learns how a run ended while no server watched by the second. Its handle is
 * `PID@START` (handle.ts). When the wrapper has ended, whatever is left of its process group is
 * killed (`killLeftovers`): a wrapper killed with SIGKILL leaves its command running unwatched,
 * which would otherwise write checkpoints beside the retry. The OOM verdict compares this
 * server's cgroup `oom_kill` counter
 * before and after the run. A run with GPUs (a non-empty `CUDA_VISIBLE_DEVICES`) has its GPU
 * memory sampled with nvidia-smi while this executor watches it (gpu-memory.ts): its
 * `ExitReport.peakGpuMemoryMiB`.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { signalFromShellStatus } from '../../core/classify.ts';
import type { AdoptResult, Capacity, Executor, ExitReport, ExitStatus, RunHandle, RunningProcess, RunRef, StartRequest } from '../executor.ts';
import { createGpuMemoryWatch, type GpuMemoryWatch, type GpuMemoryWatcher } from './gpu-memory.ts';
import { detectGpus } from './gpus.ts';
import { decodeLocalHandle, encodeLocalHandle, LOCAL_EXECUTOR, type LocalProcess } from './handle.ts';
import { preflight } from './preflight.ts';
import { commandStarted, isAlive, readCmdline, readEnvVar, readOomKillCount, readProcStart } from './proc.ts';

const WRAPPER = fileURLToPath(new URL('./run-wrapper.sh', import.meta.url));
/** Files the wrapper writes into the run directory. */
const PID_FILE = 'pid';
const EXIT_FILE = 'exit-status';

export interface LocalExecutorOptions {
  /** GPU indices to hand out (TRAINYARD_GPUS). Default: detected with nvidia-smi, none without it. */
  readonly gpus?: readonly number[] | null;
  /** CPU-only runs that may go at once (TRAINYARD_CPU_SLOTS). Default: the number of cores. */
  readonly cpuSlots?: number | null;
  /** How often an adopted process (not our child) is checked for exit. Default: 500 ms. */
  readonly adoptPollMs?: number;
  /** Samples the GPU memory of runs with GPUs. Default: nvidia-smi every 5 s (gpu-memory.ts). */
  readonly gpuMemory?: GpuMemoryWatch;
}

export function createLocalExecutor(options: LocalExecutorOptions = {}): Executor {
  const adoptPollMs = options.adoptPollMs ?? 500;
  const gpuMemory = options.gpuMemory ?? createGpuMemoryWatch();
  /** Watches a run's GPU memory when it has GPUs (as its environment says). */
  const watchGpus = (pid: number, visibleDevices: string | null | undefined): GpuMemoryWatcher | null =>
    visibleDevices ? gpuMemory.watch(pid) : null;

  return {
    name: LOCAL_EXECUTOR,

    async capacity(): Promise<Capacity> {
      const gpus = options.gpus ?? (await detectGpus()).map((g) => g.index);
      return { gpus: [...gpus], cpuSlots: options.cpuSlots ?? cpus().length };
    },

    async preflight(request: StartRequest): Promise<string | null> {
      return preflight(request.argv, request.cwd, request.env);
    },

    async start(request: StartRequest): Promise<RunningProcess> {
      const oomBefore = readOomKillCount();
      const logFd = openSync(request.logPath, 'a');
      try {
        const child = spawn('/bin/sh', [WRAPPER, request.runDir, ...request.argv], {
          cwd: request.cwd,
          env: request.env,
          detached: true,
          stdio: ['ignore', logFd, logFd],
        });
        return await new Promise((resolve, reject) => {
          child.once('error', reject);
          child.once('spawn', () => {
            const pid = child.pid as number;
            const gpus = watchGpus(pid, request.env.CUDA_VISIBLE_DEVICES);
            const exited = new Promise<ExitReport>((done) => {
              child.once('exit', (code, signal) => {
                killLeftovers(pid);
                done({ ...toStatus(code, signal), oomKilled: oomRose(oomBefore), ...(gpus ? { peakGpuMemoryMiB: gpus.stop() } : {}) });
              });
            });
            resolve({ handle: encodeLocalHandle({ pid, procStart: readProcStart(pid) }), exited });
          });
        });
      } finally {
        closeSync(logFd);
      }
    },

    async signal(handle: RunHandle, signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
      const proc = decodeLocalHandle(handle);
      if (!proc || !owns(proc)) return;
      // The wrapper ignores SIGTERM (to outlive its command and record the status) from its
      // `trap` on; a SIGTERM between the trap and the command's start would be lost, so wait
      // until the command is running (at most WRAPPER_START_MS).
      if (signal === 'SIGTERM') await untilCommandStarted(proc.pid);
      killGroup(proc, signal);
    },

    async adopt(handle: RunHandle | null, ref: RunRef): Promise<AdoptResult> {
      const proc = handle ? decodeLocalHandle(handle) : await findByRunDir(ref.runDir);
      if (handle && !proc) return { kind: 'lost' };
      if (proc && owns(proc) && isAlive(proc.pid)) {
        // The peak since this executor took the run over: earlier samples went with the old server.
        const gpus = watchGpus(proc.pid, readEnvVar(proc.pid, 'CUDA_VISIBLE_DEVICES'));
        const exited = watchForeign(proc, ref.runDir, adoptPollMs).then((report) => (gpus ? { ...report, peakGpuMemoryMiB: gpus.stop() } : report));
        return { kind: 'alive', process: { handle: handle ?? encodeLocalHandle(proc), exited } };
      }
      const status = readExitFile(ref.runDir);
      return status ? { kind: 'exited', status: { ...status, oomKilled: false } } : { kind: 'lost' };
    },
  };
}

/** How long a SIGTERM waits for the wrapper to start its command. Default: 2 s. */
const WRAPPER_START_MS = 2_000;

async function untilCommandStarted(pid: number): Promise<void> {
  const deadline = Date.now() + WRAPPER_START_MS;
  while (!commandStarted(pid) && isAlive(pid) && Date.now() < deadline) await sleep(10);
}

/**
 * SIGKILL to what is left of the process group of a wrapper that has ended (its leader's pid is
 * the group's id): the command and its children when the wrapper itself was killed, stray
 * children of a command that exited otherwise. A group id is not reused while any member lives,
 * so this reaches only the run's own processes.
 */
function killLeftovers(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // ESRCH: nothing left.
  }
}

function killGroup(proc: LocalProcess, signal: NodeJS.Signals): void {
  if (!owns(proc)) return;
  try {
    process.kill(-proc.pid, signal);
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

/** The pid is still the process the handle named (not recycled), as far as /proc tells. */
function owns(proc: LocalProcess): boolean {
  return proc.procStart === null || readProcStart(proc.pid) === proc.procStart;
}

/** Whether the cgroup's OOM-kill counter rose since `before`; false where it is not readable. */
function oomRose(before: number | null): boolean {
  const after = readOomKillCount();
  return before !== null && after !== null && after > before;
}

function readExitFile(runDir: string): ExitStatus | null {
  try {
    const code = Number(readFileSync(join(runDir, EXIT_FILE), 'utf8').trim());
    return Number.isInteger(code) ? toStatus(code, null) : null;
  } catch {
    return null;
  }
}

/**
 * The live wrapper of the run in `runDir`, from the pid it wrote there and its command line
 * (`/bin/sh …/run-wrapper.sh RUN_DIR …`, so a recycled pid is not taken); null when none is
 * alive. The pid file is written by a shell builtin, not renamed: an empty file is read again.
 */
async function findByRunDir(runDir: string): Promise<LocalProcess | null> {
  for (let tries = 0; tries < 5; tries++) {
    let text: string;
    try {
      text = readFileSync(join(runDir, PID_FILE), 'utf8');
    } catch {
      return null;
    }
    const pid = Number(text.trim());
    if (text.endsWith('\n') && Number.isSafeInteger(pid) && pid > 1) {
      const args = readCmdline(pid);
      const ours = args !== null && args[1]?.endsWith('/run-wrapper.sh') && args[2] === runDir;
      return ours && isAlive(pid) ? { pid, procStart: readProcStart(pid) } : null;
    }
    await sleep(20);
  }
  return null;
}

/** A process that is not our child: poll until it is gone, then read its exit file. */
function watchForeign(proc: LocalProcess, runDir: string, pollMs: number): Promise<ExitReport> {
  const oomBefore = readOomKillCount();
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      if (owns(proc) && isAlive(proc.pid)) return;
      clearInterval(timer);
      // Not when the pid now names another live process (recycled): that group is not ours.
      if (!isAlive(proc.pid)) killLeftovers(proc.pid);
      // The wrapper writes the file just before it exits; give the rename a moment if needed.
      setTimeout(() => {
        const status = readExitFile(runDir) ?? { exitCode: null, signal: 'SIGKILL' };
        resolve({ ...status, oomKilled: oomRose(oomBefore) });
      }, 50);
    }, pollMs);
  });
}
