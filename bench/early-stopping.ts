/**
 * Early stopping on a synthetic study with a known best (issue 12, performance): GPU-seconds of
 * ASHA and of median stopping beside running every variant to the end, on the same study in
 * the same run (src/core/early-stopping-sim.ts describes the study and the simulated runner).
 *
 * Figures:
 * - seed 42, 64 trials, 8 at once, 1,000 steps, η 4, grace 10 (rungs 10, 40, 160, 640): ASHA's
 *   GPU-seconds against run-all; target ≤ 0.5× with the best variant kept (it must also win);
 *   the median rule (Optuna's defaults) beside it.
 * - the same over seeds 1–50: mean ratio and how often the best was kept; and with a best
 *   that starts like the others (scale 2) or slower (2.5, a late bloomer) for grace 10 and 30:
 *   what a too-short grace period costs (docs/studies.md#early-stopping quotes these).
 * - the cost of one ASHA decision at a rung of 1,000 trials (the runner makes one per trial
 *   per rung): median of several.
 */
import { performance } from 'node:perf_hooks';
import { ashaDecide, type AshaConfig, type MedianConfig } from '../src/core/early-stopping.ts';
import { simulateStudy, syntheticStudy, type SyntheticStudyOptions } from '../src/core/early-stopping-sim.ts';
import type { BenchResult } from './bench-result.ts';

const SEED = 42;
const SEEDS = 50;
const asha = (minResource: number): AshaConfig => ({
  metric: 'loss', mode: 'min', resource: 'step', minResource, maxResource: 1000, reductionFactor: 4, action: 'stop',
});
const median: MedianConfig = { metric: 'loss', mode: 'min', startupTrials: 5, warmupSteps: 0, intervalSteps: 1 };

export async function benchEarlyStopping(): Promise<BenchResult[]> {
  const study = syntheticStudy({ seed: SEED });
  const all = simulateStudy(study, { none: true });
  const a = simulateStudy(study, { asha: asha(10) });
  const m = simulateStudy(study, { median });
  const ratio = a.gpuSeconds / all.gpuSeconds;
  const kept = a.completed.includes(study.bestId) && a.winner === study.bestId;
  console.log(`seed ${SEED}, ${study.trials.length} trials: run-all ${round(all.gpuSeconds)} GPU-s; ASHA ${round(a.gpuSeconds)} GPU-s, ratio ${ratio.toFixed(3)}, ${a.completed.length} ran to the end, best kept: ${kept}; median ${round(m.gpuSeconds)} GPU-s, ratio ${(m.gpuSeconds / all.gpuSeconds).toFixed(3)}, ${m.completed.length} ran to the end, best kept: ${m.winner === study.bestId}`);
  const results: BenchResult[] = [
    {
      name: `ASHA, ${study.trials.length} trials (seed ${SEED}): GPU-seconds`, value: round(a.gpuSeconds), unit: 'GPU-s',
      baseline: { name: 'every variant to the end', value: round(all.gpuSeconds) },
      target: '<= 0.5× baseline, best variant kept', ok: ratio <= 0.5 && kept,
    },
    { name: `ASHA / run-all GPU-seconds ratio (seed ${SEED})`, value: round(ratio, 3), unit: '×', target: '<= 0.5', ok: ratio <= 0.5 },
    {
      name: `median stopping (seed ${SEED}): GPU-seconds`, value: round(m.gpuSeconds), unit: 'GPU-s',
      baseline: { name: 'every variant to the end', value: round(all.gpuSeconds) }, target: 'best variant kept', ok: m.winner === study.bestId,
    },
    {
      name: `ASHA makespan, 8 at once (seed ${SEED})`, value: round(a.makespanSeconds), unit: 's',
      baseline: { name: 'every variant to the end', value: round(all.makespanSeconds) },
    },
  ];
  for (const [label, options, grace] of [
    ['best leads, grace 10', {}, 10],
    ['best starts like the others, grace 10', { bestScale: 2 }, 10],
    ['best starts like the others, grace 30', { bestScale: 2 }, 30],
    ['late bloomer, grace 10', { bestScale: 2.5 }, 10],
    ['late bloomer, grace 30', { bestScale: 2.5 }, 30],
  ] as const) {
    const s = overSeeds(options, grace);
    console.log(`seeds 1-${SEEDS}, ${label}: ASHA mean ratio ${s.ashaRatio.toFixed(3)}, best kept ${s.ashaKept}/${SEEDS}; median mean ratio ${s.medianRatio.toFixed(3)}, best kept ${s.medianKept}/${SEEDS}`);
    results.push({ name: `seeds 1-${SEEDS}, ${label}: ASHA best kept`, value: s.ashaKept, unit: `of ${SEEDS}`, baseline: { name: 'median stopping', value: s.medianKept } });
  }
  results.push(decisionCost());
  return results;
}

function overSeeds(options: Partial<SyntheticStudyOptions>, grace: number): { ashaRatio: number; ashaKept: number; medianRatio: number; medianKept: number } {
  let ashaRatio = 0, ashaKept = 0, medianRatio = 0, medianKept = 0;
  for (let seed = 1; seed <= SEEDS; seed++) {
    const study = syntheticStudy({ ...options, seed });
    const all = simulateStudy(study, { none: true }).gpuSeconds;
    const a = simulateStudy(study, { asha: asha(grace) });
    const m = simulateStudy(study, { median });
    ashaRatio += a.gpuSeconds / all / SEEDS;
    medianRatio += m.gpuSeconds / all / SEEDS;
    if (a.winner === study.bestId) ashaKept++;
    if (m.winner === study.bestId) medianKept++;
  }
  return { ashaRatio, ashaKept, medianRatio, medianKept };
}

function decisionCost(): BenchResult {
  const values = new Map<number, number>();
  for (let i = 0; i < 1000; i++) values.set(i, Math.sin(i) * 10);
  const times: number[] = [];
  for (let run = 0; run < 51; run++) {
    const start = performance.now();
    for (let i = 0; i < 100; i++) ashaDecide(asha(10), i, 40, values);
    times.push((performance.now() - start) / 100);
  }
  times.sort((x, y) => x - y);
  return { name: 'one ASHA decision at a rung of 1,000 trials', value: round(times[25] * 1000, 1), unit: 'µs', target: '< 1000 µs', ok: times[25] < 1 };
}

function round(x: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
