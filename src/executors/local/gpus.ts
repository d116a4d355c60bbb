/** GPU discovery with nvidia-smi; none when it is absent or fails. */
import { execFile } from 'node:child_process';

export interface GpuInfo {
  readonly index: number;
  readonly name: string;
  readonly memoryMiB: number;
}

/** Default: 10 s, nvidia-smi can be slow to start while the driver loads. */
const NVIDIA_SMI_TIMEOUT_MS = 10_000;

export function detectGpus(): Promise<GpuInfo[]> {
  return new Promise((resolve) => {
    execFile('nvidia-smi', ['--query-gpu=index,name,memory.total', '--format=csv,noheader,nounits'], {
      encoding: 'utf8',
      timeout: NVIDIA_SMI_TIMEOUT_MS,
    }, (error, out) => {
      if (error) return resolve([]);
      resolve(out.trim().split('\n').filter(Boolean).map((line) => {
        const [index, name, memory] = line.split(',').map((s) => s.trim());
        return { index: Number(index), name, memoryMiB: Number(memory) };
      }));
    });
  });
}
