// Hyperparameters: defaults, overridden by the job's params (TRAINYARD_PARAMS, JSON, camelCase
// keys), overridden by command-line arguments (--kebab-case). Invalid input is a ConfigError,
// which train.ts turns into exit code 78 so that Trainyard does not retry it.
import { parseArgs } from 'node:util';

export interface TrainConfig {
  steps: number;
  lr: number;
  batch: number;
  hidden: number;
  embed: number;
  context: number;
  seed: number;
  clip: number;
  weightDecay: number;
  warmup: number;
  logEvery: number;
  evalEvery: number;
  evalChars: number;
  ckptEvery: number;
  valFraction: number;
  sampleChars: number;
  temperature: number;
  corpus: string;
  /** A checkpoint file to start from; overrides TRAINYARD_RESUME_FROM. */
  resume: string;
  /**
   * A checkpoint whose weights (and vocabulary, and model shape) a fresh run starts from, at
   * step 0 with a new optimizer; overrides TRAINYARD_INIT_FROM. Ignored when resuming.
   */
  init: string;
}

export const defaults: TrainConfig = {
  steps: 2500,
  lr: 0.01,
  batch: 64,
  hidden: 128,
  embed: 16,
  context: 8,
  seed: 1,
  clip: 1,
  weightDecay: 0,
  warmup: 50,
  logEvery: 10,
  evalEvery: 100,
  evalChars: 2000,
  ckptEvery: 500,
  valFraction: 0.1,
  sampleChars: 400,
  temperature: 0.7,
  corpus: '',
  resume: '',
  init: '',
};

const help: Record<keyof TrainConfig, string> = {
  steps: 'optimizer steps in all (a resumed run continues up to this step)',
  lr: 'peak learning rate of Adam (cosine decay to 10 % of it)',
  batch: 'examples per step',
  hidden: 'hidden units of the MLP',
  embed: 'embedding size per character',
  context: 'characters of context the model sees',
  seed: 'seed of initialisation, batches and sampling',
  clip: 'global gradient-norm clip (0: off)',
  weightDecay: 'decoupled (AdamW) weight decay',
  warmup: 'linear learning-rate warm-up steps',
  logEvery: 'report the mean train loss every N steps',
  evalEvery: 'measure held-out loss / bits per char every N steps',
  evalChars: 'held-out characters per evaluation (the final one uses all)',
  ckptEvery: 'checkpoint every N steps (and at the end, and on stop)',
  valFraction: 'fraction of the corpus held out (its end)',
  sampleChars: 'characters to generate at the end (0: none)',
  temperature: 'sampling temperature',
  corpus: "text file to train on (default: the job's `train` dataset, else data/corpus.txt next to train.ts)",
  resume: 'checkpoint file to resume from (default: TRAINYARD_RESUME_FROM)',
  init: "checkpoint whose weights a fresh run starts from, at step 0 (default: TRAINYARD_INIT_FROM, the job's from:)",
};

export class ConfigError extends Error {}

const kebab = (s: string): string => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const integers = new Set<keyof TrainConfig>(['steps', 'batch', 'hidden', 'embed', 'context', 'seed', 'warmup', 'logEvery', 'evalEvery', 'evalChars', 'ckptEvery', 'sampleChars']);

export function usage(): string {
  const lines = ['usage: node --import tsx examples/char-lm/train.ts [options]', ''];
  for (const key of Object.keys(defaults) as (keyof TrainConfig)[]) {
    const d = defaults[key] === '' ? '' : ` (default ${defaults[key]})`;
    lines.push(`  --${kebab(key).padEnd(14)} ${help[key]}${d}`);
  }
  lines.push('', 'The same keys in camelCase are read from TRAINYARD_PARAMS (JSON); arguments win.');
  return lines.join('\n');
}

function coerce(key: keyof TrainConfig, raw: unknown, source: string): string | number {
  if (typeof defaults[key] === 'string') {
    if (typeof raw !== 'string') throw new ConfigError(`${source} ${key}: expected a string`);
    return raw;
  }
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
  if (!Number.isFinite(n)) throw new ConfigError(`${source} ${key}: expected a number, got ${JSON.stringify(raw)}`);
  if (integers.has(key) && !Number.isInteger(n)) throw new ConfigError(`${source} ${key}: expected an integer, got ${n}`);
  return n;
}

/** Resolves the configuration; returns null when --help was asked for. */
export function resolveConfig(argv: string[], params: Record<string, unknown>): TrainConfig | null {
  const cfg: Record<string, unknown> = { ...defaults };
  const keys = Object.keys(defaults) as (keyof TrainConfig)[];
  for (const [key, value] of Object.entries(params)) {
    // Params may carry other keys (notes, tags for other tools): those are ignored, not fatal.
    if ((keys as string[]).includes(key)) cfg[key] = coerce(key as keyof TrainConfig, value, 'param');
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        help: { type: 'boolean', short: 'h' },
        ...Object.fromEntries(keys.map((k) => [kebab(k), { type: 'string' as const }])),
      },
    });
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
  if (parsed.values.help) return null;
  for (const key of keys) {
    const raw = (parsed.values as Record<string, unknown>)[kebab(key)];
    if (raw !== undefined) cfg[key] = coerce(key, raw, 'argument');
  }
  const c = cfg as unknown as TrainConfig;
  const positive: (keyof TrainConfig)[] = ['steps', 'lr', 'batch', 'hidden', 'embed', 'context', 'logEvery', 'evalEvery', 'evalChars', 'ckptEvery', 'temperature'];
  for (const key of positive) if (!((c[key] as number) > 0)) throw new ConfigError(`${key} must be positive, got ${c[key]}`);
  if (!(c.valFraction > 0 && c.valFraction < 0.5)) throw new ConfigError(`valFraction must be in (0, 0.5), got ${c.valFraction}`);
  if (c.clip < 0 || c.weightDecay < 0 || c.warmup < 0 || c.sampleChars < 0) {
    throw new ConfigError('clip, weightDecay, warmup and sampleChars must not be negative');
  }
  return c;
}
