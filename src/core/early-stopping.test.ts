import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ashaDecide, ashaPromotable, ashaRungs, bestValue, circuitBreakerInput, circuitBreakerTrips, medianChecksAt, medianDecide,
  parseEarlyStopping, resolveEarlyStopping, type AshaConfig, type MedianConfig, type TrialOutcome,
} from './early-stopping.ts';
import { ValidationError } from './errors.ts';

const asha = (over: Partial<AshaConfig> = {}): AshaConfig => ({
  metric: 'val_loss', mode: 'min', resource: 'step', minResource: 10, maxResource: 1000, reductionFactor: 4, action: 'stop', ...over,
});
const median = (over: Partial<MedianConfig> = {}): MedianConfig => ({
  metric: 'val_loss', mode: 'min', startupTrials: 5, warmupSteps: 0, intervalSteps: 1, ...over,
});
const values = (...vs: number[]): Map<number, number> => new Map(vs.map((v, i) => [i, v]));

describe('earlyStopping: the schema', () => {
  it('fills the defaults: η 4, resource step, action stop; Optuna\'s median defaults', () => {
    assert.deepEqual(parseEarlyStopping({ asha: { gracePeriod: 10, maxResource: 1000 } }), {
      asha: { resource: 'step', minResource: 10, maxResource: 1000, reductionFactor: 4, action: 'stop' },
    });
    assert.deepEqual(parseEarlyStopping({ median: { metric: 'acc', mode: 'max' } }), {
      median: { metric: 'acc', mode: 'max', startupTrials: 5, warmupSteps: 0, intervalSteps: 1 },
    });
  });

  it('names the field of every mistake, with what came', () => {
    for (const [input, field, message] of [
      [{}, 'earlyStopping', /exactly one policy, asha or median \(came neither\)/],
      [{ asha: { minResource: 1, maxResource: 9 }, median: {} }, 'earlyStopping', /came both/],
      [{ asha: { maxResource: 100 } }, 'earlyStopping.asha.minResource', /is required/],
      [{ asha: { minResource: 5, gracePeriod: 6, maxResource: 100 } }, 'earlyStopping.asha.gracePeriod', /another name for minResource/],
      [{ asha: { minResource: 100, maxResource: 100 } }, 'earlyStopping.asha.maxResource', /greater than minResource 100 \(got 100\)/],
      [{ asha: { minResource: 1 } }, 'earlyStopping.asha.maxResource', /is required/],
      [{ asha: { minResource: 1, maxResource: 9, reductionFactor: 1 } }, 'earlyStopping.asha.reductionFactor', /at least 2/],
      [{ asha: { minResource: 1, maxResource: 9, reductionFactor: 2.5 } }, 'earlyStopping.asha.reductionFactor', /whole number/],
      [{ asha: { minResource: 1, maxResource: 9, action: 'kill' } }, 'earlyStopping.asha.action', /"stop"|"pause", got the string "kill"/],
      [{ asha: { minResource: 1, maxResource: 9, mode: 'down' } }, 'earlyStopping.asha.mode', /"min"|"max"/],
      [{ median: { startupTrials: -1 } }, 'earlyStopping.median.startupTrials', /at least 0/],
      [{ median: { intervalSteps: 0 } }, 'earlyStopping.median.intervalSteps', /at least 1/],
      [{ median: { warmup: 3 } }, 'earlyStopping.median.warmup', /unknown field/],
    ] as const) {
      assert.throws(() => parseEarlyStopping(input), (e: unknown) => e instanceof ValidationError && e.field === field && message.test(e.message), `${JSON.stringify(input)}: expected ${field} ${message}`);
    }
  });

  it('takes metric and mode from the objective when the block names none', () => {
    const objective = { metric: 'val_loss', mode: 'min' } as const;
    assert.deepEqual(resolveEarlyStopping(parseEarlyStopping({ asha: { gracePeriod: 10, maxResource: 100, mode: 'max' } }), objective), {
      asha: { metric: 'val_loss', mode: 'max', resource: 'step', minResource: 10, maxResource: 100, reductionFactor: 4, action: 'stop' },
    });
    assert.throws(() => resolveEarlyStopping(parseEarlyStopping({ median: { mode: 'min' } })), (e: unknown) => e instanceof ValidationError && e.field === 'earlyStopping.median.metric');
    assert.throws(() => resolveEarlyStopping(parseEarlyStopping({ median: { metric: 'x' } })), (e: unknown) => e instanceof ValidationError && e.field === 'earlyStopping.median.mode');
  });

  it('parses a circuit breaker', () => {
    assert.deepEqual(circuitBreakerInput.parse({ consecutive: 3, classification: 'cuda-oom' }), { consecutive: 3, classification: 'cuda-oom' });
    assert.equal(circuitBreakerInput.safeParse({ consecutive: 0 }).success, false);
  });
});

describe('ashaRungs', () => {
  it('is minResource · η^k below maxResource', () => {
    assert.deepEqual(ashaRungs(asha({ minResource: 1, maxResource: 100 })), [1, 4, 16, 64]);
    assert.deepEqual(ashaRungs(asha({ minResource: 10, maxResource: 1000 })), [10, 40, 160, 640]);
    assert.deepEqual(ashaRungs(asha({ minResource: 16, maxResource: 256 })), [16, 64], 'a rung at the full length decides nothing');
    assert.deepEqual(ashaRungs(asha({ minResource: 5, maxResource: 100, reductionFactor: 3 })), [5, 15, 45]);
  });
});

describe('ashaDecide', () => {
  it('lets the first trial at a rung continue, and while n < η only one at least as good as all', () => {
    assert.equal(ashaDecide(asha(), 0, 10, values(0.9)).action, 'continue');
    const second = ashaDecide(asha(), 1, 10, values(0.5, 0.6));
    assert.deepEqual(second, {
      policy: 'asha', action: 'stop', trialId: 1, step: 10, value: 0.6, cutoff: 0.5, rank: 2, of: 2,
      reason: 'val_loss 0.6 ranks 2 of 2 at rung 10; the best 1 (fewer than η = 4 values) continue, cutoff 0.5 (min): stopped',
    });
    assert.equal(ashaDecide(asha(), 1, 10, values(0.5, 0.5)).action, 'continue', 'a tie with the cutoff continues');
    assert.equal(ashaDecide(asha(), 2, 10, values(0.5, 0.6, 0.4)).action, 'continue');
  });

  it('keeps the top ⌊n/η⌋ and records the numbers', () => {
    const eight = values(0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8);
    const second = ashaDecide(asha(), 1, 40, eight);
    assert.deepEqual([second.action, second.cutoff, second.rank, second.of], ['continue', 0.2, 2, 8]);
    assert.match(second.reason, /the top 2 \(⌊8\/4⌋\) continue, cutoff 0\.2/);
    const third = ashaDecide(asha(), 2, 40, eight);
    assert.deepEqual([third.action, third.cutoff, third.rank, third.of], ['stop', 0.2, 3, 8]);
  });

  it('ranks ties together, so more than k may continue', () => {
    const tied = values(0.3, 0.1, 0.1, 0.1, 0.2, 0.4, 0.5, 0.6); // k = 2; three share rank 1
    for (const id of [1, 2, 3]) assert.deepEqual(pick(ashaDecide(asha(), id, 10, tied)), ['continue', 1]);
    assert.deepEqual(pick(ashaDecide(asha(), 4, 10, tied)), ['stop', 4]);
  });

  it('reads max mode the other way', () => {
    const accs = values(0.9, 0.8, 0.7, 0.6);
    assert.equal(ashaDecide(asha({ mode: 'max' }), 0, 10, accs).action, 'continue');
    assert.equal(ashaDecide(asha({ mode: 'max' }), 3, 10, accs).action, 'stop');
    assert.equal(ashaDecide(asha({ mode: 'max' }), 3, 10, accs).cutoff, 0.9);
  });

  it('stops a NaN, skips NaN of others, ranks infinities as numbers', () => {
    assert.deepEqual(pick(ashaDecide(asha(), 0, 10, values(NaN, 0.5))), ['stop', null]);
    const withNaN = ashaDecide(asha(), 1, 10, values(NaN, 0.5));
    assert.deepEqual([withNaN.action, withNaN.of], ['continue', 1]);
    assert.equal(ashaDecide(asha(), 0, 10, values(Infinity, 0.5)).action, 'stop');
    assert.equal(ashaDecide(asha(), 1, 10, values(Infinity, 0.5)).action, 'continue');
  });

  it('refuses a map without the trial and a step that is no rung', () => {
    assert.throws(() => ashaDecide(asha(), 7, 10, values(0.5)), RangeError);
    assert.throws(() => ashaDecide(asha(), 0, 11, values(0.5)), /11 is not a rung of 10, 40, 160, 640/);
  });

  it('decides as Optuna\'s SuccessiveHalvingPruner on random rungs', () => {
    let seed = 7;
    const rand = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let round = 0; round < 500; round++) {
      const eta = 2 + Math.floor(rand() * 4);
      const mode = rand() < 0.5 ? 'min' : 'max';
      const n = 1 + Math.floor(rand() * 30);
      const vs = Array.from({ length: n }, () => Math.round(rand() * 20) / 10); // coarse: many ties
      const id = Math.floor(rand() * n);
      const ours = ashaDecide(asha({ mode, reductionFactor: eta }), id, 10, values(...vs)).action === 'continue';
      assert.equal(ours, optunaPromotable(vs[id], vs, eta, mode), JSON.stringify({ eta, mode, vs, id }));
    }
  });
});

describe('ashaPromotable', () => {
  it('names the paused trials that rank in the top k once more values came, best first', () => {
    // Trial 1 was paused as second of 2 (k = 1); with 8 values k = 2 and it ranks 2nd.
    const grown = values(0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8);
    assert.deepEqual(ashaPromotable(asha(), grown, [2, 1]), [1]);
    assert.deepEqual(ashaPromotable(asha(), values(0.1, 0.2, 0.2, 0.4, 0.5, 0.6, 0.7, 0.8), [2, 1, 1]), [1, 2], 'ties with the cutoff, each once');
    assert.deepEqual(ashaPromotable(asha({ mode: 'max' }), grown, [0, 7, 6]), [7, 6]);
    assert.deepEqual(ashaPromotable(asha(), values(NaN, 0.2), [0, 5]), [], 'NaN and unknown ids never');
    // Agrees with ashaDecide on every trial.
    for (const id of grown.keys()) assert.equal(ashaPromotable(asha(), grown, [id]).length === 1, ashaDecide(asha(), id, 10, grown).action === 'continue');
  });
});

/** optuna/pruners/_successive_halving.py `_is_trial_promotable_to_next_rung`, transcribed. */
function optunaPromotable(value: number, competing: number[], eta: number, mode: 'min' | 'max'): boolean {
  let idx = Math.floor(competing.length / eta) - 1;
  if (idx === -1) idx = 0;
  const sorted = [...competing].sort((a, b) => a - b);
  return mode === 'max' ? value >= sorted[sorted.length - (idx + 1)] : value <= sorted[idx];
}

describe('medianDecide', () => {
  it('waits for the startup trials and the warm-up', () => {
    assert.deepEqual(pick(medianDecide(median(), 9, 100, 2, [0.1, 0.2], 4)), ['continue', null]);
    assert.match(medianDecide(median(), 9, 100, 2, [0.1], 4).reason, /startup: 4 of 5 trials completed/);
    assert.equal(medianDecide(median({ startupTrials: 0 }), 9, 100, 2, [0.1], 0).action, 'continue', 'Optuna: none completed, none judged');
    assert.match(medianDecide(median({ warmupSteps: 200 }), 9, 100, 2, [0.1], 5).reason, /warm-up/);
  });

  it('stops a best value strictly worse than the median of the completed trials at the step', () => {
    const d = medianDecide(median(), 9, 100, 0.36, [0.1, 0.2, 0.3, 0.4, 0.5, 0.6], 6);
    assert.deepEqual(d, {
      policy: 'median', action: 'stop', trialId: 9, step: 100, value: 0.36, cutoff: 0.35, rank: 4, of: 7,
      reason: 'best val_loss so far 0.36 is worse than the median 0.35 of 6 completed trials at step 100 (min): stopped',
    });
    assert.equal(medianDecide(median(), 9, 100, 0.3, [0.1, 0.3, 0.5, 0.7, 0.9], 5).action, 'continue', 'equal to the median continues');
    assert.equal(medianDecide(median(), 9, 100, 0.31, [0.1, 0.3, 0.5, 0.7, 0.9], 5).action, 'continue');
    assert.equal(medianDecide(median(), 9, 100, 0.51, [0.1, 0.3, 0.5, 0.7, 0.9], 5).action, 'stop');
    assert.equal(medianDecide(median({ mode: 'max' }), 9, 100, 0.49, [0.1, 0.3, 0.5, 0.7, 0.9], 5).action, 'stop');
    assert.equal(medianDecide(median({ mode: 'max' }), 9, 100, 0.5, [0.1, 0.3, 0.5, 0.7, 0.9], 5).action, 'continue');
  });

  it('stops a trial whose values are all NaN; skips NaN of others; continues with none to compare', () => {
    assert.deepEqual(pick(medianDecide(median(), 9, 100, NaN, [0.1], 5)), ['stop', null]);
    assert.equal(medianDecide(median(), 9, 100, 0.2, [NaN, 0.1, NaN], 5).cutoff, 0.1);
    assert.match(medianDecide(median(), 9, 100, 0.2, [NaN], 5).reason, /no completed trial has val_loss at step 100/);
  });

  it('checks at the first report of each interval after the warm-up, as Optuna', () => {
    const cfg = median({ warmupSteps: 10, intervalSteps: 5 });
    assert.equal(medianChecksAt(cfg, 9, 8), false, 'warm-up');
    assert.equal(medianChecksAt(cfg, 10, 9), true);
    assert.equal(medianChecksAt(cfg, 11, 10), false, 'same window as 10');
    assert.equal(medianChecksAt(cfg, 15, 14), true);
    assert.equal(medianChecksAt(cfg, 17, 12), true, 'the first report in window 15–19 came at 17');
    assert.equal(medianChecksAt(cfg, 23, null), true, 'a first report is checked');
    assert.equal(medianChecksAt(median(), 3, 2), true, 'interval 1: every report');
  });

  it('takes the best value so far, NaN skipped', () => {
    assert.equal(bestValue('min', [0.5, NaN, 0.2, 0.4]), 0.2);
    assert.equal(bestValue('max', [0.5, NaN, 0.2]), 0.5);
    assert.ok(Number.isNaN(bestValue('min', [NaN])));
  });
});

describe('circuitBreakerTrips', () => {
  const fail = (classification: string | null): TrialOutcome => ({ classification, failed: true });
  const ok: TrialOutcome = { classification: null, failed: false };

  it('trips after N consecutive failures of any classification when none is configured', () => {
    assert.equal(circuitBreakerTrips({ consecutive: 3 }, [fail('cuda-oom'), fail('exit-code')]).trip, false);
    const v = circuitBreakerTrips({ consecutive: 3 }, [ok, fail('cuda-oom'), fail('exit-code'), fail('cuda-oom')]);
    assert.deepEqual(v, { trip: true, consecutive: 3, reason: '3 consecutive failed trials (cuda-oom ×2, exit-code ×1; the breaker trips at 3): the study pauses' });
  });

  it('is reset by a success', () => {
    const v = circuitBreakerTrips({ consecutive: 3 }, [fail('x'), fail('x'), ok, fail('x')]);
    assert.deepEqual([v.trip, v.consecutive], [false, 1]);
    assert.match(v.reason, /1 consecutive failed trials, the breaker trips at 3/);
  });

  it('counts only the configured classification; another failure ends the run', () => {
    const cfg = { consecutive: 2, classification: 'cuda-oom' };
    assert.equal(circuitBreakerTrips(cfg, [fail('cuda-oom'), fail('cuda-oom')]).trip, true);
    assert.equal(circuitBreakerTrips(cfg, [fail('cuda-oom'), fail('exit-code')]).trip, false);
    assert.equal(circuitBreakerTrips(cfg, [fail('cuda-oom'), fail(null), fail('cuda-oom')]).consecutive, 1);
    assert.match(circuitBreakerTrips(cfg, [fail('cuda-oom'), fail('cuda-oom')]).reason, /2 consecutive trials failed with cuda-oom/);
    assert.equal(circuitBreakerTrips(cfg, []).trip, false);
  });
});

function pick(d: { action: string; rank: number | null }): [string, number | null] {
  return [d.action, d.rank];
}
