// A character-level language model in the style of Bengio et al. (2003):
//
//   x      = concat(emb[c_1], …, emb[c_C])          (C characters of context, E numbers each)
//   h      = tanh(x · W1ᵀ + b1)                      (H hidden units)
//   logits = h · W2ᵀ + b2                            (one score per vocabulary character)
//   loss   = mean over the batch of −log softmax(logits)[target]
//
// Weights are stored out × in (W1: H × C·E, W2: V × H), like PyTorch's Linear. The backward pass
// is written by hand (and checked against finite differences in model.test.ts); every matrix
// product goes through matmulABt in kernels.ts.
import type { Batch } from './data.ts';
import { matmulABt, sumRows, transpose, type Vec } from './kernels.ts';
import type { Rng } from './rng.ts';

export type { Vec };
export type VecCtor = Float32ArrayConstructor | Float64ArrayConstructor;

export interface ModelConfig {
  vocab: number;
  context: number;
  embed: number;
  hidden: number;
}

export interface Param {
  name: string;
  shape: number[];
  data: Vec;
  grad: Vec;
}

export class CharMLP {
  readonly config: ModelConfig;
  readonly emb: Param;
  readonly w1: Param;
  readonly b1: Param;
  readonly w2: Param;
  readonly b2: Param;
  readonly params: Param[];

  // Activations of the last forward pass (kept for backward) and scratch, grown on demand.
  private capacity = 0;
  private x!: Vec; // B × C·E   inputs (gathered embeddings)
  private h!: Vec; // B × H     hidden activations
  private probs!: Vec; // B × V softmax, turned into dLoss/dLogits by backward
  private xT!: Vec; // C·E × B
  private hT!: Vec; // H × B
  private dlT!: Vec; // V × B
  private dh!: Vec; // B × H    dLoss/dh, then dLoss/d(pre-activation)
  private dhT!: Vec; // H × B
  private dx!: Vec; // B × C·E
  private readonly w1T: Vec; // C·E × H
  private readonly w2T: Vec; // H × V
  private last: Batch | null = null;

  constructor(config: ModelConfig, rng: Rng, private readonly Arr: VecCtor = Float32Array) {
    this.config = { ...config };
    const { vocab: V, context: C, embed: E, hidden: H } = config;
    const param = (name: string, shape: number[], init: () => number): Param => {
      const size = shape.reduce((a, b) => a * b, 1);
      const data = new Arr(size);
      for (let i = 0; i < size; i++) data[i] = init();
      return { name, shape, data, grad: new Arr(size) };
    };
    this.emb = param('emb', [V, E], () => rng.normal());
    // tanh gain 5/3 over √fan-in keeps the hidden units out of saturation at the start.
    const s1 = 5 / 3 / Math.sqrt(C * E);
    this.w1 = param('w1', [H, C * E], () => rng.normal() * s1);
    this.b1 = param('b1', [H], () => 0);
    // Small output weights: the first predictions are nearly uniform, loss ≈ ln(V).
    const s2 = 0.1 / Math.sqrt(H);
    this.w2 = param('w2', [V, H], () => rng.normal() * s2);
    this.b2 = param('b2', [V], () => 0);
    this.params = [this.emb, this.w1, this.b1, this.w2, this.b2];
    this.w1T = new Arr(C * E * H);
    this.w2T = new Arr(H * V);
  }

  get parameterCount(): number {
    return this.params.reduce((n, p) => n + p.data.length, 0);
  }

  private ensureCapacity(batch: number): void {
    if (batch <= this.capacity) return;
    const { vocab: V, context: C, embed: E, hidden: H } = this.config;
    const A = this.Arr;
    this.capacity = batch;
    this.x = new A(batch * C * E);
    this.h = new A(batch * H);
    this.probs = new A(batch * V);
    this.xT = new A(batch * C * E);
    this.hT = new A(batch * H);
    this.dlT = new A(batch * V);
    this.dh = new A(batch * H);
    this.dhT = new A(batch * H);
    this.dx = new A(batch * C * E);
  }

  /** Mean cross-entropy (nats) of the batch; keeps the activations for `backward`. */
  forward(batch: Batch): number {
    const { vocab: V, context: C, embed: E, hidden: H } = this.config;
    const CE = C * E;
    const B = batch.size;
    this.ensureCapacity(B);
    const { x, h, probs } = this;
    const emb = this.emb.data;
    // Gather the embeddings of the context characters.
    for (let b = 0; b < B; b++) {
      for (let c = 0; c < C; c++) {
        const eo = batch.context[b * C + c] * E;
        const xo = b * CE + c * E;
        for (let e = 0; e < E; e++) x[xo + e] = emb[eo + e];
      }
    }
    // Hidden layer: h = tanh(x W1ᵀ + b1).
    matmulABt(x, this.w1.data, h, B, H, CE, this.b1.data);
    for (let i = 0; i < B * H; i++) h[i] = Math.tanh(h[i]);
    // Output layer: logits = h W2ᵀ + b2, then a numerically stable softmax per row.
    matmulABt(h, this.w2.data, probs, B, V, H, this.b2.data);
    let loss = 0;
    for (let b = 0; b < B; b++) {
      const po = b * V;
      let max = -Infinity;
      for (let v = 0; v < V; v++) if (probs[po + v] > max) max = probs[po + v];
      let sum = 0;
      for (let v = 0; v < V; v++) {
        const ev = Math.exp(probs[po + v] - max);
        probs[po + v] = ev;
        sum += ev;
      }
      for (let v = 0; v < V; v++) probs[po + v] /= sum;
      loss -= Math.log(Math.max(probs[po + batch.target[b]], 1e-30));
    }
    this.last = batch;
    return loss / B;
  }

  /** Gradients of the last forward pass's mean loss, written (not added) into each `param.grad`. */
  backward(): void {
    const batch = this.last;
    if (!batch) throw new Error('backward() needs a forward() first');
    this.last = null; // probs is overwritten below
    const { vocab: V, context: C, embed: E, hidden: H } = this.config;
    const CE = C * E;
    const B = batch.size;
    const { x, h, probs, xT, hT, dlT, dh, dhT, dx, w1T, w2T } = this;

    // dLoss/dLogits = (softmax − onehot(target)) / B, in place of probs.
    const invB = 1 / B;
    for (let i = 0; i < B * V; i++) probs[i] *= invB;
    for (let b = 0; b < B; b++) probs[b * V + batch.target[b]] -= invB;
    const dl = probs;

    // Output layer: dW2 = dlᵀ·h, db2 = Σ_b dl, dh = dl·W2.
    transpose(dl, B, V, dlT);
    transpose(h, B, H, hT);
    matmulABt(dlT, hT, this.w2.grad, V, H, B);
    sumRows(dl, B, V, this.b2.grad);
    transpose(this.w2.data, V, H, w2T);
    matmulABt(dl, w2T, dh, B, H, V);

    // Through tanh: d(pre-activation) = dh · (1 − h²).
    for (let i = 0; i < B * H; i++) dh[i] *= 1 - h[i] * h[i];

    // Hidden layer: dW1 = dpreᵀ·x, db1 = Σ_b dpre, dx = dpre·W1.
    transpose(dh, B, H, dhT);
    transpose(x, B, CE, xT);
    matmulABt(dhT, xT, this.w1.grad, H, CE, B);
    sumRows(dh, B, H, this.b1.grad);
    transpose(this.w1.data, H, CE, w1T);
    matmulABt(dh, w1T, dx, B, CE, H);

    // Scatter into the embedding rows that were gathered (a character may occur many times).
    const gEmb = this.emb.grad;
    gEmb.fill(0);
    for (let b = 0; b < B; b++) {
      for (let c = 0; c < C; c++) {
        const eo = batch.context[b * C + c] * E;
        const xo = b * CE + c * E;
        for (let e = 0; e < E; e++) gEmb[eo + e] += dx[xo + e];
      }
    }
  }

  /** forward + backward; returns the loss. */
  lossAndGrad(batch: Batch): number {
    const loss = this.forward(batch);
    this.backward();
    return loss;
  }

  /** The next-character distribution after `context` (C ids), sharpened or flattened by temperature. */
  nextDistribution(context: ArrayLike<number>, temperature = 1): Float64Array {
    const { vocab: V, context: C } = this.config;
    const batch: Batch = { size: 1, context: Int32Array.from(context).subarray(0, C), target: new Int32Array(1) };
    this.forward(batch);
    const out = new Float64Array(V);
    let sum = 0;
    for (let v = 0; v < V; v++) {
      out[v] = Math.pow(Math.max(this.probs[v], 1e-30), 1 / temperature);
      sum += out[v];
    }
    for (let v = 0; v < V; v++) out[v] /= sum;
    this.last = null;
    return out;
  }

  /** Samples `length` characters following `prompt` (whose last C ids are the starting context). */
  generate(prompt: ArrayLike<number>, length: number, rng: Rng, temperature = 0.8): number[] {
    const C = this.config.context;
    if (prompt.length < C) throw new Error(`the prompt needs at least ${C} characters`);
    const window = Array.from(prompt).slice(-C);
    const out: number[] = [];
    for (let i = 0; i < length; i++) {
      const next = rng.categorical(this.nextDistribution(window, temperature));
      out.push(next);
      window.shift();
      window.push(next);
    }
    return out;
  }
}
