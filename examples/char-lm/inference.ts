// Loading a checkpoint for inference: the model with its weights and its vocabulary, without the
// optimizer. Used by the eval suite's script (eval.ts) and the serving backend (serve-backend.ts).
import { loadCheckpoint, type CheckpointHeader } from './checkpoint.ts';
import { CharMLP } from './model.ts';
import { Vocab } from './data.ts';
import { Rng } from './rng.ts';

export interface LoadedModel {
  readonly model: CharMLP;
  readonly vocab: Vocab;
  readonly header: CheckpointHeader;
}

/** Reads a checkpoint file; throws with the reason when it is not a whole char-lm checkpoint. */
export async function loadModel(path: string): Promise<LoadedModel> {
  const ckpt = await loadCheckpoint(path);
  const { header, tensors } = ckpt;
  const model = new CharMLP(header.config, new Rng(0));
  for (const p of model.params) {
    const t = tensors.get(p.name);
    if (!t || t.length !== p.data.length) throw new Error(`checkpoint tensor ${p.name} is missing or has the wrong size`);
    if (!t.every(Number.isFinite)) throw new Error(`checkpoint tensor ${p.name} holds NaN or infinite weights`);
    p.data.set(t);
  }
  return { model, vocab: new Vocab(header.vocab), header };
}

/**
 * The ids of `text` under the model's vocabulary; characters it does not know are dropped (a
 * model trained on one corpus reads another one's text).
 */
export function encodeKnown(vocab: Vocab, text: string): Int32Array {
  const known = new Set(vocab.chars);
  return vocab.encode(Array.from(text).filter((c) => known.has(c)).join(''));
}
