import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createTraffic } from './traffic.ts';

it('counts requests, 5xx errors and 4xx refusals; median and p95 within 2 %', () => {
  const traffic = createTraffic(() => 1000);
  assert.deepEqual(traffic.report().latencyMs, { median: null, p95: null });
  for (let ms = 1; ms <= 100; ms++) traffic.record(200, ms);
  traffic.record(500, 50);
  traffic.record(401, 50);
  const report = traffic.report();
  assert.deepEqual([report.requests, report.errors, report.rejected, report.since], [102, 1, 1, 1000]);
  assert.ok(Math.abs(report.latencyMs.median! - 51) / 51 <= 0.02, `median ${report.latencyMs.median}`);
  assert.ok(Math.abs(report.latencyMs.p95! - 95) / 95 <= 0.02, `p95 ${report.latencyMs.p95}`);
});
