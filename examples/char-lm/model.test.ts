import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, renameSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CharMLP, type Param } from './model.ts';
import { matmulABt } from './kernels.ts';
import { Adam, clipGradNorm, learningRate } from './optim.ts';
import { Rng } from './rng.ts';
import { allocBatch, randomBatch, splitCorpus, Vocab } from './data.ts';
import { decodeCheckpoint, encodeCheckpoint, restore } from './checkpoint.ts';
import { ConfigError, defaults, resolveConfig, type TrainConfig } from './config.ts';
import { train, type TrainingRun } from './trainer.ts';

const here = dirname(fileURLToPath(import.meta.url));
const corpusPath = join(here, 'data', 'corpus.txt');

test('matmulABt matches the naive product on odd shapes, with and without bias', () => {
  const rng = new Rng(3);
  for (const [n, m, k] of [[1, 1, 1], [3, 5, 7], [4, 2, 3], [5, 4, 1]]) {
    const A = Float64Array.from({ length: n * k }, () => rng.normal());
    const B = Float64Array.from({ length: m * k }, () => rng.normal());
    const bias = Float64Array.from({ length: m }, () => rng.normal());
    for (const b of [null, bias]) {
      const out = new Float64Array(n * m);
      matmulABt(A, B, out, n, m, k, b);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < m; j++) {
          let want = b ? b[j] : 0;
          for (let p = 0; p < k; p++) want += A[i * k + p] * B[j * k + p];
          assert.ok(Math.abs(out[i * m + j] - want) < 1e-12, `(${n}×${k})·(${m}×${k})ᵀ at ${i},${j}`);
        }
      }
    }
  }
});

test('backward matches central finite differences for every parameter', () => {
  // Float64 and odd sizes everywhere (batch 5, vocab 7, hidden 5) to exercise the kernels' edges.
  const rng = new Rng(11);
  const model = new CharMLP({ vocab: 7, context: 3, embed: 4, hidden: 5 }, rng, Float64Array);
  // Larger output weights than the default init, so the output layer's gradients are not tiny.
  for (let i = 0; i < model.w2.data.length; i++) model.w2.data[i] = rng.normal() * 0.5;
  const ids = Int32Array.from({ length: 200 }, () => rng.int(7));
  const batch = randomBatch(ids, 3, rng, allocBatch(5, 3));
  // The same character repeated in one context checks that embedding gradients accumulate.
  batch.context.set([2, 2, 2], 0);

  model.lossAndGrad(batch);
  const analytic = model.params.map((p) => Float64Array.from(p.grad));
  const eps = 1e-5;
  let worst = 0;
  model.params.forEach((p: Param, pi) => {
    for (let i = 0; i < p.data.length; i++) {
      const saved = p.data[i];
      p.data[i] = saved + eps;
      const up = model.forward(batch);
      p.data[i] = saved - eps;
      const down = model.forward(batch);
      p.data[i] = saved;
      const numeric = (up - down) / (2 * eps);
      const err = Math.abs(numeric - analytic[pi][i]) / Math.max(1e-6, Math.abs(numeric) + Math.abs(analytic[pi][i]));
      worst = Math.max(worst, err);
      assert.ok(err < 1e-5, `${p.name}[${i}]: analytic ${analytic[pi][i]}, numeric ${numeric}`);
    }
  });
  assert.ok(worst < 1e-5);
});

test('the first loss is close to ln(vocab) and a few Adam steps bring it down', () => {
  const corpus = splitCorpus('the quick brown fox jumps over the lazy dog. '.repeat(40), 0.1);
  const rng = new Rng(1);
  const model = new CharMLP({ vocab: corpus.vocab.size, context: 4, embed: 8, hidden: 32 }, rng);
  const opt = new Adam(model.params);
  const batch = allocBatch(32, 4);
  const first = model.lossAndGrad(randomBatch(corpus.train, 4, rng, batch));
  assert.ok(Math.abs(first - Math.log(corpus.vocab.size)) < 0.1, `first loss ${first}`);
  let loss = first;
  for (let step = 1; step <= 150; step++) {
    loss = model.lossAndGrad(randomBatch(corpus.train, 4, rng, batch));
    clipGradNorm(model.params, 1);
    opt.step(learningRate(step, 150, 0.01, 10));
  }
  assert.ok(loss < first / 3, `loss ${first} → ${loss}`);
});

test('checkpoint save → load gives an identical next step', () => {
  const text = 'Old Bess rolled into Ashford Yard at dawn. '.repeat(30);
  const corpus = splitCorpus(text, 0.1);
  const config = { vocab: corpus.vocab.size, context: 5, embed: 6, hidden: 24 };
  const rng = new Rng(5);
  const model = new CharMLP(config, rng);
  const opt = new Adam(model.params, { weightDecay: 0.01 });
  const batch = allocBatch(16, 5);
  for (let step = 1; step <= 10; step++) {
    model.lossAndGrad(randomBatch(corpus.train, 5, rng, batch));
    opt.step(0.01);
  }
  const bytes = encodeCheckpoint({ step: 10, model, optimizer: opt, rng, vocab: corpus.vocab.chars, meta: { note: 'x' } });

  // A fresh model from another seed, then restored: everything must match bit for bit.
  const rng2 = new Rng(999);
  const model2 = new CharMLP(config, rng2);
  const opt2 = new Adam(model2.params, { weightDecay: 0.01 });
  const ckpt = decodeCheckpoint(bytes);
  assert.equal(ckpt.header.step, 10);
  assert.deepEqual(ckpt.header.vocab, corpus.vocab.chars);
  assert.deepEqual(ckpt.header.meta, { note: 'x' });
  restore(ckpt, model2, opt2, rng2);
  assert.equal(opt2.t, 10);
  assert.deepEqual(rng2.getState(), rng.getState());

  const nextA = model.lossAndGrad(randomBatch(corpus.train, 5, rng, allocBatch(16, 5)));
  opt.step(0.01);
  const nextB = model2.lossAndGrad(randomBatch(corpus.train, 5, rng2, allocBatch(16, 5)));
  opt2.step(0.01);
  assert.equal(nextB, nextA);
  model.params.forEach((p, i) => assert.deepEqual(model2.params[i].data, p.data, p.name));

  assert.throws(() => decodeCheckpoint(bytes.subarray(0, bytes.length - 4)), /truncated/);
  assert.throws(() => decodeCheckpoint(Buffer.from('not a checkpoint at all')), /not a char-lm checkpoint/);
});

test('vocab round-trips text and refuses unknown characters', () => {
  const v = Vocab.fromText('hello, world');
  assert.equal(v.decode(v.encode('lower world')), 'lower world');
  assert.throws(() => v.encode('Z'), /not in the vocabulary/);
});

test('rng state round-trips', () => {
  const a = new Rng(42);
  a.next();
  const b = new Rng(1);
  b.setState(a.getState());
  assert.deepEqual([b.next(), b.normal(), b.int(10)], [a.next(), a.normal(), a.int(10)]);
});

test('config: defaults < params < arguments; bad input is a ConfigError', () => {
  const cfg = resolveConfig(['--steps', '30', '--lr=0.01'], { steps: 10, hidden: 64, batch: '16', note: 'ignored' }) as TrainConfig;
  assert.equal(cfg.steps, 30);
  assert.equal(cfg.lr, 0.01);
  assert.equal(cfg.hidden, 64);
  assert.equal(cfg.batch, 16);
  assert.equal(cfg.context, defaults.context);
  assert.equal(resolveConfig(['--help'], {}), null);
  assert.throws(() => resolveConfig(['--stepz', '3'], {}), ConfigError);
  assert.throws(() => resolveConfig(['--steps', 'many'], {}), ConfigError);
  assert.throws(() => resolveConfig([], { batch: 2.5 }), ConfigError);
  assert.throws(() => resolveConfig([], { lr: -1 }), ConfigError);
});

/** A stand-in for the SDK's Run: checkpoints go to a temp dir, everything else is recorded. */
function fakeRun(dir: string, opts: { resumeFrom?: string; stopAfter?: number } = {}) {
  let stepsSeen = 0;
  const run = {
    logged: [] as { step?: number; metrics: Record<string, number> }[],
    registered: [] as { path: string; step: number; metrics?: Record<string, number> }[],
    resumeFrom: opts.resumeFrom ?? null,
    log(metrics: Record<string, number>, step?: number) {
      run.logged.push({ step, metrics });
    },
    setTotal() {},
    async checkpoint(path: string, step: number, metrics?: Record<string, number>) {
      assert.ok(existsSync(join(dir, path)), `registered ${path} exists`);
      run.registered.push({ path, step, metrics });
    },
    async atomicPath(name: string, write: (tmp: string) => Promise<void>) {
      const final = join(dir, name);
      await write(`${final}.tmp`);
      renameSync(`${final}.tmp`, final);
      return final;
    },
    shouldStop: () => opts.stopAfter !== undefined && stepsSeen >= opts.stopAfter,
    onStep: (step: number) => {
      stepsSeen = step;
    },
  };
  return run satisfies TrainingRun;
}

test('stop saves a checkpoint; resuming from it continues the same loss curve', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'char-lm-'));
  try {
    const cfg = { ...defaults, steps: 40, hidden: 16, batch: 8, evalEvery: 10, evalChars: 200, ckptEvery: 25, logEvery: 5, sampleChars: 20 };
    const quiet = () => {};
    const losses = (into: Map<number, number>, run?: ReturnType<typeof fakeRun>) => (step: number, loss: number) => {
      into.set(step, loss);
      run?.onStep(step);
    };

    const straight = new Map<number, number>();
    const a = fakeRun(dir);
    const resultA = await train(cfg, a, { corpusPath, print: quiet, onStep: losses(straight) });
    assert.equal(resultA.step, 40);
    assert.equal(resultA.stopped, false);
    assert.deepEqual(a.registered.map((r) => r.step), [25, 40]);
    assert.equal(resultA.sample.length, 20);
    assert.ok(a.logged.some((l) => l.step === 40 && 'val_loss' in l.metrics && 'val_bpc' in l.metrics));

    const first = new Map<number, number>();
    const b = fakeRun(dir, { stopAfter: 17 });
    const resultB = await train(cfg, b, { corpusPath, print: quiet, onStep: losses(first, b) });
    assert.equal(resultB.stopped, true);
    assert.equal(resultB.step, 17);
    assert.deepEqual(b.registered.map((r) => [r.path, r.step]), [['step-17.bin', 17]]);

    const second = new Map<number, number>();
    const c = fakeRun(dir, { resumeFrom: join(dir, 'step-17.bin') });
    const resultC = await train(cfg, c, { corpusPath, print: quiet, onStep: losses(second) });
    assert.equal(resultC.step, 40);
    assert.deepEqual([...second.keys()], Array.from({ length: 23 }, (_, i) => 18 + i), 'steps continue at 18');
    for (const [step, loss] of [...first, ...second]) assert.equal(loss, straight.get(step), `loss at step ${step}`);
    assert.equal(resultC.sample, resultA.sample);

    // A checkpoint of another shape is a configuration error (exit 78), not a crash to retry.
    await assert.rejects(
      train({ ...cfg, hidden: 32 }, fakeRun(dir, { resumeFrom: join(dir, 'step-17.bin') }), { corpusPath, print: quiet }),
      (err: Error) => err instanceof ConfigError && /hidden=16/.test(err.message),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
