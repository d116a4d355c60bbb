// Adam (Kingma & Ba, 2015) with optional decoupled weight decay (AdamW), global-norm gradient
// clipping, and a cosine learning-rate schedule with a short linear warm-up.
import type { Param, Vec } from './model.ts';

export interface AdamOptions {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

export const defaultAdam: AdamOptions = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 };

export class Adam {
  readonly options: AdamOptions;
  /** First and second moment estimates, one per parameter, same shapes. */
  readonly m: Vec[];
  readonly v: Vec[];
  /** Number of updates applied so far (for bias correction). */
  t = 0;

  constructor(readonly params: Param[], options: Partial<AdamOptions> = {}) {
    this.options = { ...defaultAdam, ...options };
    this.m = params.map((p) => new (p.data.constructor as Float32ArrayConstructor)(p.data.length));
    this.v = params.map((p) => new (p.data.constructor as Float32ArrayConstructor)(p.data.length));
  }

  step(lr: number): void {
    const { beta1, beta2, eps, weightDecay } = this.options;
    this.t += 1;
    const c1 = 1 - Math.pow(beta1, this.t);
    const c2 = 1 - Math.pow(beta2, this.t);
    this.params.forEach((p, i) => {
      const m = this.m[i], v = this.v[i], w = p.data, g = p.grad;
      const decay = p.shape.length > 1 ? weightDecay : 0; // never decay biases
      for (let k = 0; k < w.length; k++) {
        m[k] = beta1 * m[k] + (1 - beta1) * g[k];
        v[k] = beta2 * v[k] + (1 - beta2) * g[k] * g[k];
        w[k] -= lr * ((m[k] / c1) / (Math.sqrt(v[k] / c2) + eps) + decay * w[k]);
      }
    });
  }
}

/** Scales all gradients down so their global L2 norm is at most `maxNorm`; returns the norm before. */
export function clipGradNorm(params: Param[], maxNorm: number): number {
  let sq = 0;
  for (const p of params) for (let k = 0; k < p.grad.length; k++) sq += p.grad[k] * p.grad[k];
  const norm = Math.sqrt(sq);
  if (maxNorm > 0 && norm > maxNorm) {
    const scale = maxNorm / norm;
    for (const p of params) for (let k = 0; k < p.grad.length; k++) p.grad[k] *= scale;
  }
  return norm;
}

/** Learning rate at `step` (1-based) of `total`: linear warm-up, then cosine decay to `floor`·lr. */
export function learningRate(step: number, total: number, lr: number, warmup = 50, floor = 0.1): number {
  if (step <= warmup) return (lr * step) / warmup;
  const progress = Math.min(1, (step - warmup) / Math.max(1, total - warmup));
  return lr * (floor + (1 - floor) * 0.5 * (1 + Math.cos(Math.PI * progress)));
}
