import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { summarizeSeries } from '../study-report.ts';
import { seriesExtremes } from './series-extremes.ts';

describe('seriesExtremes', () => {
  it('gives the last non-NaN point and the first lowest and highest, NaN skipped', () => {
    assert.deepEqual(seriesExtremes([1, 2, 3, 4, 5], [0.5, 0.2, NaN, 0.2, 0.9]), {
      final: { step: 5, value: 0.9 }, min: { step: 2, value: 0.2 }, max: { step: 5, value: 0.9 },
    });
    assert.deepEqual(seriesExtremes([1, 2], [0.3, NaN]).final, { step: 1, value: 0.3 });
    assert.deepEqual(seriesExtremes([1, 2], [NaN, NaN]), { final: null, min: null, max: null });
    assert.deepEqual(seriesExtremes([], []), { final: null, min: null, max: null });
    assert.deepEqual(seriesExtremes([1, 2], [-Infinity, Infinity]), { final: { step: 2, value: Infinity }, min: { step: 1, value: -Infinity }, max: { step: 2, value: Infinity } });
  });

  it('agrees with summarizeSeries in both modes', () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    for (let n = 0; n < 200; n++) {
      const len = Math.floor(rand() * 12);
      const steps = Array.from({ length: len }, (_, i) => Math.floor(i / 2));
      const values = steps.map(() => (rand() < 0.15 ? NaN : Math.round(rand() * 4) / 2));
      const e = seriesExtremes(steps, values);
      assert.deepEqual({ final: e.final, best: e.min }, summarizeSeries(steps, values, 'min'));
      assert.deepEqual({ final: e.final, best: e.max }, summarizeSeries(steps, values, 'max'));
    }
  });
});
