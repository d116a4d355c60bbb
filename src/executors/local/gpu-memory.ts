/**
 * The peak GPU memory of local runs: `nvidia-smi --query-compute-apps=pid,used_memory` every few
 * seconds, summed over each watched run's process tree (/proc), the highest sum kept. One query
 * per interval serves every run, and none is made while no run with GPUs is watched.
 *
 * Not measured (null) where nvidia-smi is missing or fails, and where its pids are not this
 * machine's view of them (a container without the host's PID namespace): the sum then never
 * finds the run's processes.
 */
import { execFile } from 'node:child_process';
import { processTree } from './proc.ts';

/** pid → MiB it uses now, over all GPUs; null when nvidia-smi could not be asked. */
export type ComputeAppsQuery = () => Promise<ReadonlyMap<number, number> | null>;

/** Default sampling interval: 5 s, a few samples a minute for a process that exists for hours. */
export const GPU_SAMPLE_MS = 5_000;

/** Default: 10 s, nvidia-smi can be slow to answer while the driver is busy. */
const NVIDIA_SMI_TIMEOUT_MS = 10_000;

/**
 * Reads `pid, used_memory` lines (csv, noheader, nounits). A pid on several GPUs is summed;
 * lines whose memory is not a number (`[N/A]`, `[Not Supported]`) are skipped.
 */
export function parseComputeApps(text: string): Map<number, number> {
  const used = new Map<number, number>();
  for (const line of text.split('\n')) {
    const [pidText, mibText] = line.split(',').map((s) => s.trim());
    const pid = Number(pidText);
    const mib = Number(mibText);
    if (!pidText || !mibText || !Number.isSafeInteger(pid) || pid <= 0 || !Number.isFinite(mib) || mib < 0) continue;
    used.set(pid, (used.get(pid) ?? 0) + mib);
  }
  return used;
}

/** Asks `nvidia-smi` (found on PATH) for its compute apps; null when it is missing or fails. */
export function queryComputeApps(command = 'nvidia-smi'): Promise<Map<number, number> | null> {
  return new Promise((resolve) => {
    execFile(command, ['--query-compute-apps=pid,used_memory', '--format=csv,noheader,nounits'], {
      encoding: 'utf8',
      timeout: NVIDIA_SMI_TIMEOUT_MS,
    }, (error, out) => resolve(error ? null : parseComputeApps(out)));
  });
}

export interface GpuMemoryWatcher {
  /** The highest sum seen so far (MiB); null until a sample found one of the run's processes. */
  peak(): number | null;
  /** Stops watching; returns the peak. */
  stop(): number | null;
}

export interface GpuMemoryWatch {
  /** Watches the process tree below `rootPid` until `stop`. */
  watch(rootPid: number): GpuMemoryWatcher;
}

export interface GpuMemoryWatchOptions {
  /** Default: nvidia-smi on PATH. */
  readonly query?: ComputeAppsQuery;
  /** Default: `GPU_SAMPLE_MS`. */
  readonly intervalMs?: number;
  /** The processes of a run now. Default: its tree in /proc. */
  readonly tree?: (rootPid: number) => ReadonlySet<number>;
}

export function createGpuMemoryWatch(options: GpuMemoryWatchOptions = {}): GpuMemoryWatch {
  const query = options.query ?? (() => queryComputeApps());
  const tree = options.tree ?? processTree;
  const watched = new Set<{ readonly root: number; peak: number | null }>();
  let timer: NodeJS.Timeout | null = null;
  let sampling = false;

  async function sample(): Promise<void> {
    if (sampling) return;
    sampling = true;
    try {
      const used = await query();
      if (used === null) return;
      for (const w of watched) {
        let sum = 0;
        let found = false;
        for (const pid of tree(w.root)) {
          const mib = used.get(pid);
          if (mib !== undefined) {
            sum += mib;
            found = true;
          }
        }
        if (found && (w.peak === null || sum > w.peak)) w.peak = sum;
      }
    } finally {
      sampling = false;
    }
  }

  return {
    watch(rootPid) {
      const w = { root: rootPid, peak: null as number | null };
      watched.add(w);
      if (timer === null) {
        timer = setInterval(() => void sample(), options.intervalMs ?? GPU_SAMPLE_MS);
        timer.unref();
      }
      return {
        peak: () => w.peak,
        stop() {
          watched.delete(w);
          if (watched.size === 0 && timer !== null) {
            clearInterval(timer);
            timer = null;
          }
          return w.peak;
        },
      };
    },
  };
}
