// The char-lm model as Trainyard's builtin serving program loads it (src/serving/, docs/
// deployment.md, "builtin"): `load(path)` decodes a checkpoint (checkpoint.ts) into a CharMLP and
// returns a `generate(prompt, {maxTokens, temperature, seed})` that maps the prompt's characters
// through the checkpoint's vocabulary and samples the characters that follow.
//
// Prompt characters the vocabulary lacks are dropped; a prompt shorter than the model's context
// is padded on the left with a space (or the vocabulary's first character when it has no space).
import { loadCheckpoint } from './checkpoint.ts';
import { Vocab } from './data.ts';
import { CharMLP } from './model.ts';
import { Rng } from './rng.ts';

export interface GenerateOptions {
  /** Characters to sample. */
  readonly maxTokens: number;
  /** 1 samples the model's distribution as it is, lower is greedier; 0 (or less) takes the likeliest character. */
  readonly temperature: number;
  /** Same seed, same prompt, same weights: same answer. Default: random. */
  readonly seed?: number;
}

export interface CharLmServable {
  generate(prompt: string, options: GenerateOptions): string;
}

/** Loads a char-lm checkpoint; throws saying what is wrong with it (the caller names the file). */
export async function load(path: string): Promise<CharLmServable> {
  let model: CharMLP;
  let vocab: Vocab;
  try {
    const { header, tensors } = await loadCheckpoint(path);
    vocab = new Vocab(header.vocab);
    if (vocab.size !== header.config.vocab) {
      throw new Error(`its vocabulary has ${vocab.size} characters, its model config says ${header.config.vocab}`);
    }
    model = new CharMLP(header.config, new Rng(0));
    for (const param of model.params) {
      const data = tensors.get(param.name);
      if (!data || data.length !== param.data.length) {
        throw new Error(`tensor ${param.name} is ${data ? `${data.length} numbers, expected ${param.data.length}` : 'missing'}`);
      }
      param.data.set(data);
    }
  } catch (error) {
    throw new Error(`char-lm: ${(error as Error).message}`, { cause: error });
  }
  const pad = vocab.chars.includes(' ') ? ' ' : vocab.chars[0];
  const C = model.config.context;
  return {
    generate(prompt, options) {
      const known = Array.from(prompt).filter((c) => vocab.chars.includes(c)).join('');
      const padded = known.length >= C ? known : pad.repeat(C - known.length) + known;
      const rng = new Rng(options.seed ?? Math.floor(Math.random() * 0x7fffffff));
      const window = Array.from(vocab.encode(padded)).slice(-C);
      const out: number[] = [];
      for (let i = 0; i < options.maxTokens; i++) {
        const next = options.temperature > 0 ? rng.categorical(model.nextDistribution(window, options.temperature)) : argmax(model.nextDistribution(window, 1));
        out.push(next);
        window.shift();
        window.push(next);
      }
      return vocab.decode(out);
    },
  };
}

function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}
