/**
 * CLI start-up as users run it: `trainyard --help`, `trainyard ls --help` and `trainyard --version`
 * from an installed layout (bin/ beside the compiled dist/, no src/), with the shebang's Node
 * flags, each beside bare Node start-up (`node -e 0`) measured in the same rounds. Target: under
 * 2x. Also `trainyard ls --help` in this checkout, where bin/trainyard.js runs the sources
 * through tsx (what every call cost before dist/).
 *
 * dist/ is compiled first (`npm run build`, a few seconds); the layout is a temporary folder with
 * a copy of bin/trainyard.js and a link to dist/.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { SERVER_NODE_FLAGS } from '../src/cli/node-flags.ts';
import { REPO } from '../test/harness.ts';
import type { BenchResult } from './bench-result.ts';

const ROUNDS = 15;
const TARGET_RATIO = 2;

const COMMANDS: Array<[string, string[]]> = [
  ['trainyard --help', ['--help']],
  ['trainyard ls --help', ['ls', '--help']],
  ['trainyard --version', ['--version']],
];

export async function benchCliStartup(): Promise<BenchResult[]> {
  const build = spawnSync(process.execPath, ['scripts/build.js'], { cwd: REPO, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`scripts/build.js failed:\n${build.stdout}${build.stderr}`);
  const installed = mkdtempSync(join(tmpdir(), 'trainyard-cli-bench-'));
  try {
    mkdirSync(join(installed, 'bin'));
    copyFileSync(join(REPO, 'bin', 'trainyard.js'), join(installed, 'bin', 'trainyard.js'));
    symlinkSync(join(REPO, 'dist'), join(installed, 'dist'));
    const bin = join(installed, 'bin', 'trainyard.js');

    const bare: number[] = [];
    const times = COMMANDS.map((): number[] => []);
    for (let round = 0; round < ROUNDS; round++) {
      // Interleaved, so that load from elsewhere falls on every figure alike.
      bare.push(timeRun([...SERVER_NODE_FLAGS, '-e', '0']));
      COMMANDS.forEach(([, args], i) => times[i].push(timeRun([...SERVER_NODE_FLAGS, bin, ...args])));
    }
    const sources = [1, 2, 3].map(() => timeRun([...SERVER_NODE_FLAGS, join(REPO, 'bin', 'trainyard.js'), 'ls', '--help']));

    const baseline = { name: 'bare Node start-up (node -e 0), median', value: round1(median(bare)) };
    const results: BenchResult[] = COMMANDS.map(([name], i) => {
      const value = round1(median(times[i]));
      return { name: `${name}, installed (dist/), median of ${ROUNDS}`, value, unit: 'ms', baseline, target: `< ${TARGET_RATIO}× baseline`, ok: value < TARGET_RATIO * baseline.value };
    });
    results.push({ name: 'trainyard ls --help in a checkout (src/ through tsx), median of 3', value: round1(median(sources)), unit: 'ms', baseline });
    return results;
  } finally {
    rmSync(installed, { recursive: true, force: true });
  }
}

function run(args: string[]): ReturnType<typeof spawnSync> {
  const result = spawnSync(process.execPath, args, { cwd: REPO, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`node ${args.join(' ')} exited ${result.status}:\n${result.stderr}`);
  return result;
}

function timeRun(args: string[]): number {
  const start = performance.now();
  run(args);
  return performance.now() - start;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1];
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}
