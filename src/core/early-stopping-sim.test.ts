import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AshaConfig, MedianConfig } from './early-stopping.ts';
import { simulateStudy, syntheticStudy } from './early-stopping-sim.ts';

const asha = (minResource: number): AshaConfig => ({
  metric: 'loss', mode: 'min', resource: 'step', minResource, maxResource: 1000, reductionFactor: 4, action: 'stop',
});
const median: MedianConfig = { metric: 'loss', mode: 'min', startupTrials: 5, warmupSteps: 0, intervalSteps: 1 };
const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 42];

describe('early stopping on a synthetic study with a known best (issue 12, performance)', () => {
  it('ASHA keeps the best variant and spends at most half the GPU-seconds of running every variant to the end', () => {
    for (const seed of SEEDS) {
      const study = syntheticStudy({ seed });
      const all = simulateStudy(study, { none: true });
      const run = simulateStudy(study, { asha: asha(10) });
      const ratio = run.gpuSeconds / all.gpuSeconds;
      if (seed === 42) console.log(`seed 42, 64 trials: ASHA ${Math.round(run.gpuSeconds)} GPU-s, run-all ${Math.round(all.gpuSeconds)} GPU-s, ratio ${ratio.toFixed(3)}`);
      assert.ok(run.completed.includes(study.bestId), `seed ${seed}: the best variant ${study.bestId} ran to the end`);
      assert.equal(run.winner, study.bestId, `seed ${seed}: the study's winner is the known best`);
      assert.ok(ratio <= 0.5, `seed ${seed}: ASHA spent ${ratio.toFixed(3)} of run-all`);
      assert.equal(all.completed.length, study.trials.length);
    }
  });

  it('ASHA keeps a best that starts like the others once the grace period covers the noisy start', () => {
    for (const seed of SEEDS) {
      const study = syntheticStudy({ seed, bestScale: 2 });
      const run = simulateStudy(study, { asha: asha(30) });
      assert.equal(run.winner, study.bestId, `seed ${seed}`);
      assert.ok(run.gpuSeconds <= 0.5 * simulateStudy(study, { none: true }).gpuSeconds, `seed ${seed}`);
    }
  });

  it('the median rule keeps the best variant and saves GPU-seconds too', () => {
    for (const seed of SEEDS) {
      const study = syntheticStudy({ seed });
      const run = simulateStudy(study, { median });
      assert.equal(run.winner, study.bestId, `seed ${seed}`);
      assert.ok(run.gpuSeconds < simulateStudy(study, { none: true }).gpuSeconds, `seed ${seed}`);
      const judged = run.decisions.filter((d) => d.cutoff !== null);
      assert.ok(judged.length > 0 && judged.every((d) => d.of! >= 6), 'judged only after 5 completed trials');
    }
  });

  it('records every ASHA decision with its numbers, and stops most trials at the first rung', () => {
    const study = syntheticStudy({ seed: 42 });
    const run = simulateStudy(study, { asha: asha(10) });
    const stops = run.decisions.filter((d) => d.action === 'stop');
    assert.equal(stops.length, study.trials.length - run.completed.length);
    assert.ok(stops.every((d) => d.rank! > Math.max(1, Math.floor(d.of! / 4)) && d.cutoff !== null));
    assert.ok(stops.filter((d) => d.step === 10).length >= study.trials.length / 2);
    assert.deepEqual(syntheticStudy({ seed: 42 }), study, 'deterministic');
  });
});
