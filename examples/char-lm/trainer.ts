// The training loop. It talks to Trainyard only through the small `TrainingRun` interface, which
// the SDK's `Run` satisfies (train.ts passes one in) and which tests can fake.
import { Adam, clipGradNorm, learningRate } from './optim.ts';
import { CharMLP } from './model.ts';
import { allocBatch, evalPositions, fillBatch, loadCorpus, randomBatch, Vocab, type Corpus } from './data.ts';
import { loadCheckpoint, restore, restoreWeights, saveCheckpoint, type Checkpoint } from './checkpoint.ts';
import { Rng } from './rng.ts';
import { ConfigError, type TrainConfig } from './config.ts';

/** What the loop needs from the SDK's `Run`. */
export interface TrainingRun {
  log(metrics: Record<string, number>, step?: number): void;
  setTotal(total: number, message?: string): void;
  /** Returns at once; the SDK registers the checkpoint in the background. */
  checkpoint(path: string, step: number, metrics?: Record<string, number>): unknown;
  atomicPath(name: string, write: (tmpPath: string) => Promise<void>): Promise<string>;
  shouldStop(): boolean;
  readonly resumeFrom: string | null;
  /** The checkpoint the job starts from (`from:`, TRAINYARD_INIT_FROM); null or absent when none. */
  readonly initFrom?: string | null;
}

export interface TrainOptions {
  corpusPath: string;
  print?: (line: string) => void;
  /** Called after every optimizer step with that step's training loss (tests use it). */
  onStep?: (step: number, loss: number) => void;
}

export interface TrainResult {
  step: number;
  stopped: boolean;
  trainLoss: number;
  valLoss: number;
  seconds: number;
  sample: string;
}

const LN2 = Math.log(2);

/** Mean loss of the model over the examples ending at `positions` (forward passes only). */
export function evaluate(model: CharMLP, ids: Int32Array, positions: Int32Array, chunk = 512): number {
  const C = model.config.context;
  const batch = allocBatch(chunk, C);
  let total = 0;
  for (let start = 0; start < positions.length; start += chunk) {
    const part = positions.subarray(start, Math.min(positions.length, start + chunk));
    total += model.forward(fillBatch(ids, C, part, batch)) * part.length;
  }
  return total / positions.length;
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Reads a checkpoint to start from; an unreadable one is a configuration error (not retried). */
async function readStart(path: string, what: string): Promise<Checkpoint> {
  try {
    return await loadCheckpoint(path);
  } catch (err) {
    throw new ConfigError(`cannot read the ${what} checkpoint ${path}: ${(err as Error).message}`);
  }
}

export async function train(cfg: TrainConfig, run: TrainingRun, opts: TrainOptions): Promise<TrainResult> {
  const print = opts.print ?? ((line: string) => console.log(line));
  const resumePath = cfg.resume || run.resumeFrom;
  // A job that starts from another run's checkpoint: its own resume point wins on a retry, but
  // the vocabulary stays the one the init checkpoint was trained with.
  const initPath = cfg.init || run.initFrom || '';
  const init = initPath && !resumePath ? await readStart(initPath, 'init') : null;
  const resumed = resumePath ? await readStart(resumePath, 'resume') : null;
  const fixedVocab = initPath ? new Vocab((resumed ?? init)!.header.vocab) : undefined;
  let corpus: Corpus;
  try {
    corpus = loadCorpus(opts.corpusPath, cfg.valFraction, fixedVocab);
  } catch (err) {
    throw new ConfigError(`cannot read the corpus: ${(err as Error).message}`);
  }
  const { vocab, dropped } = corpus;
  if (dropped.count > 0) {
    print(
      `warning: ${dropped.count.toLocaleString('en')} characters of ${opts.corpusPath} are not in the vocabulary of ${initPath} ` +
        `and were dropped (${dropped.chars.length} distinct: ${dropped.chars.slice(0, 20).map((c) => JSON.stringify(c)).join(' ')}${dropped.chars.length > 20 ? ' …' : ''})`,
    );
  }
  if (init) {
    // The weights fix the model's shape: the init checkpoint's wins over this run's settings.
    const shape = init.header.config;
    const changed = (['context', 'embed', 'hidden'] as const).filter((key) => cfg[key] !== shape[key]);
    if (changed.length > 0) print(`model shape from ${initPath}: ${changed.map((key) => `${key}=${shape[key]} (not ${cfg[key]})`).join(', ')}`);
    cfg = { ...cfg, context: shape.context, embed: shape.embed, hidden: shape.hidden };
  }
  const C = cfg.context;

  const rng = new Rng(cfg.seed);
  const model = new CharMLP({ vocab: vocab.size, context: C, embed: cfg.embed, hidden: cfg.hidden }, rng);
  const optimizer = new Adam(model.params, { weightDecay: cfg.weightDecay });
  let step = 0;

  if (init) {
    restoreWeights(init, model);
    print(`starting from the weights of ${initPath} (its step ${init.header.step}) at step 0 with a fresh optimizer, lr ${cfg.lr}`);
  }
  if (resumePath && resumed) {
    const ckpt = resumed;
    const { config, vocab: savedVocab } = ckpt.header;
    if (savedVocab.join('') !== vocab.chars.join('')) {
      throw new ConfigError(`${resumePath} was trained on a different character set than ${opts.corpusPath}`);
    }
    for (const key of ['context', 'embed', 'hidden'] as const) {
      if (config[key] !== model.config[key]) {
        throw new ConfigError(`${resumePath} has ${key}=${config[key]}, this run asks for ${model.config[key]}`);
      }
    }
    restore(ckpt, model, optimizer, rng);
    step = ckpt.header.step;
    print(`resumed from ${resumePath} at step ${step}; continuing at step ${step + 1}`);
  } else if (!init) {
    print(
      `char-lm: ${model.parameterCount.toLocaleString('en')} parameters, vocabulary ${vocab.size} ` +
        `(uniform guess: loss ${Math.log(vocab.size).toFixed(3)}), ${corpus.train.length.toLocaleString('en')} train / ` +
        `${corpus.val.length.toLocaleString('en')} held-out characters`,
    );
  }
  run.setTotal(cfg.steps, 'training');

  const evalSubset = evalPositions(corpus.val, C, cfg.evalChars);
  const evalAll = evalPositions(corpus.val, C, corpus.val.length);
  const batch = allocBatch(cfg.batch, C);
  let windowLoss = 0;
  let windowSteps = 0;
  let trainLoss = NaN;
  let valLoss = NaN;
  let lastSaved = resumePath ? step : -1;
  let stopped = false;
  const firstStep = step;
  const started = performance.now();

  const save = async (atStep: number): Promise<void> => {
    const name = checkpointName(atStep);
    const state = { step: atStep, model, optimizer, rng, vocab: vocab.chars, meta: { config: cfg, trainLoss, valLoss } };
    const path = await run.atomicPath(name, (tmp) => saveCheckpoint(tmp, state));
    const metrics: Record<string, number> = {};
    if (Number.isFinite(trainLoss)) metrics.loss = trainLoss;
    if (Number.isFinite(valLoss)) metrics.val_loss = valLoss;
    try {
      run.checkpoint(name, atStep, metrics);
    } catch (err) {
      print(`warning: could not register checkpoint ${name}: ${(err as Error).message}`);
    }
    lastSaved = atStep;
    print(`checkpoint ${path} (step ${atStep})`);
  };

  while (step < cfg.steps) {
    if (run.shouldStop()) {
      stopped = true;
      break;
    }
    step += 1;
    randomBatch(corpus.train, C, rng, batch);
    const loss = model.lossAndGrad(batch);
    if (!Number.isFinite(loss)) throw new Error(`the loss diverged at step ${step} (${loss}); try a lower --lr`);
    const gradNorm = clipGradNorm(model.params, cfg.clip);
    const lr = learningRate(step, cfg.steps, cfg.lr, cfg.warmup);
    optimizer.step(lr);
    opts.onStep?.(step, loss);

    windowLoss += loss;
    windowSteps += 1;
    const last = step === cfg.steps;
    if (step % cfg.logEvery === 0 || last) {
      trainLoss = windowLoss / windowSteps;
      run.log({ loss: trainLoss, lr, grad_norm: gradNorm }, step);
      windowLoss = 0;
      windowSteps = 0;
    }
    if (step % cfg.evalEvery === 0 || last) {
      // The last evaluation reads the whole held-out text; the periodic ones a fixed subset.
      valLoss = evaluate(model, corpus.val, last ? evalAll : evalSubset);
      const rate = (step - firstStep) / ((performance.now() - started) / 1000);
      run.log({ val_loss: valLoss, val_bpc: valLoss / LN2, steps_per_sec: rate }, step);
      print(
        `step ${String(step).padStart(String(cfg.steps).length)}/${cfg.steps}  loss ${trainLoss.toFixed(3)}  ` +
          `val ${valLoss.toFixed(3)} (${(valLoss / LN2).toFixed(2)} bits/char)  lr ${lr.toExponential(1)}  ${rate.toFixed(0)} steps/s`,
      );
    }
    if (step % cfg.ckptEvery === 0 || last) await save(step);
    // Let the SDK's timers, network I/O and signal handlers run between steps.
    await yieldToEventLoop();
  }
  if (stopped) {
    print(`stop requested at step ${step}`);
    if (lastSaved !== step && step > 0) await save(step);
  }

  let sample = '';
  if (!stopped && cfg.sampleChars > 0) {
    // Start a new paragraph: the context is the end of the training text ("…\n\n").
    const prompt = corpus.train.subarray(corpus.train.length - C);
    sample = vocab.decode(model.generate(prompt, cfg.sampleChars, new Rng(cfg.seed + 1), cfg.temperature));
    print(`--- ${cfg.sampleChars} characters sampled at temperature ${cfg.temperature} ---\n${sample}\n---`);
  }
  return { step, stopped, trainLoss, valLoss, seconds: (performance.now() - started) / 1000, sample };
}

export function checkpointName(step: number): string {
  return `step-${step}.bin`;
}
