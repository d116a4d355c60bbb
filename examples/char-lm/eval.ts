// The held-out evaluation of a char-lm checkpoint, run by Trainyard as the `char-lm-heldout` eval
// suite (eval-suite.yaml): it reads TRAINYARD_EVAL_CHECKPOINT, measures the checkpoint on the
// held-out end of the corpus (the text its training never saw) and reports, at the checkpoint's
// step:
//   loss      mean cross-entropy per character, nats (lower is better)
//   bpc       the same in bits per character
//   accuracy  how often the most likely next character is the right one (higher is better)
//
//   node --import tsx examples/char-lm/eval.ts [checkpoint]   (by hand: prints the figures)
//
// The corpus is CHAR_LM_EVAL_CORPUS when set (a path), else data/corpus.txt; the held-out part
// is its last CHAR_LM_VAL_FRACTION (default 0.1), cut as the trainer cuts it.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { init } from '../../src/sdk/index.ts';
import { allocBatch, evalPositions, fillBatch, splitCorpus } from './data.ts';
import { encodeKnown, loadModel } from './inference.ts';
import { evaluate } from './trainer.ts';

const here = dirname(fileURLToPath(import.meta.url));

const checkpoint = process.argv[2] ?? process.env.TRAINYARD_EVAL_CHECKPOINT;
if (!checkpoint) {
  console.error('char-lm eval: no checkpoint (TRAINYARD_EVAL_CHECKPOINT, or a path argument)');
  process.exit(78);
}
const corpusPath = process.env.CHAR_LM_EVAL_CORPUS || join(here, 'data', 'corpus.txt');
const valFraction = Number(process.env.CHAR_LM_VAL_FRACTION ?? 0.1);

const { model, vocab, header } = await loadModel(checkpoint);
// The held-out text is cut from the corpus as the trainer cuts it, then read in the checkpoint's
// own vocabulary (a model continued on other data may know other characters).
const text = readFileSync(corpusPath, 'utf8');
const heldOutText = Array.from(text).slice(splitCorpus(text, valFraction).train.length).join('');
const ids = encodeKnown(vocab, heldOutText);
const positions = evalPositions(ids, model.config.context, ids.length);
const loss = evaluate(model, ids, positions);
const accuracy = topOneAccuracy(ids, positions);
const step = Number(process.env.TRAINYARD_EVAL_STEP ?? header.step);

const run = init({ offline: process.stdout.isTTY ? 'none' : 'lines' });
run.log({ loss, bpc: loss / Math.LN2, accuracy }, step);
await run.close();
console.log(`checkpoint step ${step}: held-out loss ${loss.toFixed(4)} (${(loss / Math.LN2).toFixed(3)} bits/char), accuracy ${(accuracy * 100).toFixed(1)} % over ${positions.length} characters`);

/** Fraction of held-out positions whose most likely next character is the right one. */
function topOneAccuracy(tokens: Int32Array, at: Int32Array): number {
  const C = model.config.context;
  const batch = allocBatch(1, C);
  let right = 0;
  for (let i = 0; i < at.length; i++) {
    fillBatch(tokens, C, at.subarray(i, i + 1), batch);
    const dist = model.nextDistribution(batch.context, 1);
    let best = 0;
    for (let v = 1; v < dist.length; v++) if (dist[v] > dist[best]) best = v;
    if (best === batch.target[0]) right += 1;
  }
  return right / at.length;
}
