import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Delivery } from './delivery.ts';
import { createRegistration } from './pending-checkpoint.ts';
import type { SendOutcome, Transport } from './transport.ts';

/** A server that is down until `up` is set; records what it took. */
function flakyTransport() {
  const state = { up: false, taken: [] as unknown[] };
  const transport: Transport = {
    async post(_path, body): Promise<SendOutcome> {
      if (!state.up) return { kind: 'transient', reason: 'connection refused' };
      state.taken.push(body);
      return { kind: 'ok', reply: { id: 1 } };
    },
    postBytes: async () => ({ kind: 'permanent', status: 400, reason: 'unused' }),
  };
  return { state, transport };
}

const series = (from: number, n: number) => ({ loss: { steps: Array.from({ length: n }, (_, i) => from + i), values: Array.from({ length: n }, () => 0.5), times: Array.from({ length: n }, () => 1) } });
const spoolBytes = (dir: string) => readdirSync(dir).filter((n) => n.endsWith('.json')).reduce((sum, n) => sum + statSync(join(dir, n)).size, 0);

describe('delivery: the spool cap', () => {
  it('drops metric batches past the cap with one warning, keeps checkpoints, and says what it dropped once there is room', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'trainyard-spool-cap-'));
    const warnings: string[] = [];
    const { state, transport } = flakyTransport();
    const cap = 0.02 * 2 ** 20;
    const delivery = new Delivery({ transport, jobId: '1', runId: '7', resumeStep: null, spoolDir: dir, spoolMaxBytes: cap, warn: (w) => warnings.push(w) });
    for (let i = 0; i < 40; i++) await delivery.metrics(series(i * 50, 50));
    assert.ok(spoolBytes(dir) <= cap, `${spoolBytes(dir)} bytes spooled, cap ${cap}`);
    const full = warnings.filter((w) => w.includes('is full'));
    assert.equal(full.length, 1, warnings.join('\n'));
    assert.match(full[0], /spool in .* is full \(its cap: 0\.02 MiB, TRAINYARD_SPOOL_MAX_MB\): metric points are dropped/);
    // A checkpoint registration is spooled past the cap.
    const registration = createRegistration('step-1.bin', 7, { path: 'step-1.bin', step: 1, metrics: {} });
    await delivery.checkpoint(registration);
    assert.ok(spoolBytes(dir) > 0 && readdirSync(dir).length > 0);
    const kept = readdirSync(dir).filter((n) => n.endsWith('.json')).length;
    state.up = true;
    await delivery.drain();
    assert.equal(state.taken.length, kept, 'every spooled request was sent');
    assert.deepEqual(await registration.pending.registered, { id: 1 });
    const dropped = warnings.find((w) => w.startsWith('the spool has room again'));
    assert.match(dropped ?? '', /: (\d+) metric batch\(es\), (\d+) point\(s\) were dropped while it was full/);
    const batches = Number(/: (\d+) metric batch/.exec(dropped!)![1]);
    assert.equal(batches + kept - 1, 40, 'each batch was either spooled or counted as dropped');
  });
});
