/**
 * The reporter's delivery and a 429 (docs/audit.md "Rate limits"): the batch is spooled, not
 * dropped, and the spool is not resent before the server's Retry-After, even when a heartbeat
 * gets through meanwhile; without a Retry-After, a heartbeat that gets through resends at once.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Delivery } from './delivery.ts';
import type { SendOutcome, Transport } from './transport.ts';

function refusingTransport(outcome: SendOutcome): Transport {
  return { post: async () => outcome, postBytes: async () => outcome };
}

const series = { loss: { steps: [1, 2], values: [0.5, 0.4], times: [1, 2] } };

describe('delivery: a 429 with Retry-After', () => {
  it('spools the batch and waits the Retry-After, which a heartbeat does not cut short', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'trainyard-429-'));
    const warnings: string[] = [];
    const transport = refusingTransport({ kind: 'transient', reason: 'HTTP 429: rate limited', retryAfterMs: 60_000 });
    const delivery = new Delivery({ transport, jobId: '1', runId: '7', resumeStep: null, spoolDir: dir, warn: (w) => warnings.push(w) });
    await delivery.metrics(series);
    assert.equal(readdirSync(dir).filter((n) => n.endsWith('.json')).length, 1, 'the batch is in the spool');
    assert.equal(delivery.retryDue(), false);
    delivery.serverAnswered();
    assert.equal(delivery.retryDue(), false, 'a heartbeat that got through does not end the wait');
    assert.deepEqual(warnings, [`the server asks to wait 60 s (HTTP 429: rate limited); spooling to ${dir} and resending then`]);
  });

  it('without a Retry-After, a heartbeat that gets through resends at once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'trainyard-503-'));
    const transport = refusingTransport({ kind: 'transient', reason: 'connection refused' });
    const delivery = new Delivery({ transport, jobId: '1', runId: '7', resumeStep: null, spoolDir: dir, warn: () => {} });
    await delivery.metrics(series);
    delivery.serverAnswered();
    assert.equal(delivery.retryDue(), true);
  });
});
