// Entry point: node --import tsx examples/char-lm/train.ts [--steps N --lr X …]
//
// Trains the character-level language model of model.ts on data/corpus.txt (or `--corpus`, or
// the job's `train` dataset from TRAINYARD_DATASETS) and reports to
// Trainyard through the TypeScript SDK: train loss, held-out loss and bits per character,
// progress, checkpoints. Started by Trainyard it resumes from TRAINYARD_RESUME_FROM, else starts
// from the weights of TRAINYARD_INIT_FROM (the job's `from:`) when set, and stops cleanly on
// SIGTERM; started by hand it runs the same code with the SDK offline.
//
// Exit codes: 0 done (or stopped after a checkpoint), 78 bad configuration (not retried),
// 1 anything else (retried by Trainyard from the latest checkpoint).
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { init } from '../../src/sdk/index.ts';
import { ConfigError, resolveConfig, usage } from './config.ts';
import { train } from './trainer.ts';

const here = dirname(fileURLToPath(import.meta.url));
const EX_CONFIG = 78;

const run = init({
  // Started by hand: checkpoints go to examples/char-lm/checkpoints/ (git-ignored) instead of
  // ./checkpoints, and the metric lines of the SDK's offline line protocol are printed only when
  // stdout is not a terminal (a person at a terminal reads the summary lines below instead).
  checkpointDir: process.env.TRAINYARD_CHECKPOINT_DIR ? undefined : join(here, 'checkpoints'),
  offline: process.stdout.isTTY ? 'none' : 'lines',
});

async function main(): Promise<number> {
  const cfg = resolveConfig(process.argv.slice(2), run.params);
  if (cfg === null) {
    console.log(usage());
    return 0;
  }
  const corpusPath = cfg.corpus ? resolve(cfg.corpus) : (datasetPath('train') ?? join(here, 'data', 'corpus.txt'));
  if (cfg.resume) cfg.resume = resolve(cfg.resume);
  if (cfg.init) cfg.init = resolve(cfg.init);
  if (run.attempt > 1) console.log(`attempt ${run.attempt}`);
  const result = await train(cfg, run, { corpusPath });
  const figures = [`after ${result.seconds.toFixed(1)} s`];
  if (Number.isFinite(result.trainLoss)) figures.push(`train loss ${result.trainLoss.toFixed(3)}`);
  if (Number.isFinite(result.valLoss)) {
    figures.push(`held-out loss ${result.valLoss.toFixed(3)} (${(result.valLoss / Math.LN2).toFixed(3)} bits/char)`);
  }
  console.log(`${result.stopped ? 'stopped' : 'finished'} at step ${result.step} ${figures.join(', ')}; checkpoints in ${run.checkpointDir}`);
  return 0;
}

/**
 * The path of the job's dataset in `role` (TRAINYARD_DATASETS, docs/training-contract.md), or
 * null when the job names none: an inbox template with `dataset:` hands the dropped file over so.
 */
function datasetPath(role: string): string | null {
  try {
    const path = (JSON.parse(process.env.TRAINYARD_DATASETS || '{}') as Record<string, { path?: unknown }>)[role]?.path;
    return typeof path === 'string' ? path : null;
  } catch {
    throw new ConfigError(`TRAINYARD_DATASETS is not JSON: ${process.env.TRAINYARD_DATASETS}`);
  }
}

let code: number;
try {
  code = await main();
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(`char-lm: ${err.message}\n(see --help)`);
    code = EX_CONFIG;
  } else {
    console.error(err);
    code = 1;
  }
}
await run.close();
process.exit(code);
