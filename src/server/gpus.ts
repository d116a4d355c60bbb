/** GPU discovery with nvidia-smi; none when it is absent or fails. */
import { execFileSync } from 'node:child_process';

export interface GpuInfo {
  readonly index: number;
  readonly name: string;
  readonly memoryMiB: number;
}

export function detectGpus(): GpuInfo[] {
  try {
    const out = execFileSync('nvidia-smi', ['--query-gpu=index,name,memory.total', '--format=csv,noheader,nounits'], {
      encoding: 'utf8',
      timeout: 10_000,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return out.trim().split('\n').filter(Boolean).map((line) => {
      const [index, name, memory] = line.split(',').map((s) => s.trim());
      return { index: Number(index), name, memoryMiB: Number(memory) };
    });
  } catch {
    return [];
  }
}
