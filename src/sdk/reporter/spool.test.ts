import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { adoptEntry, createSpool, spoolFileName, SPOOL_VERSION, type SpoolEntry } from './spool.ts';

const metrics = (runId: string, steps: number[]): SpoolEntry => ({
  v: SPOOL_VERSION,
  jobId: '1',
  runId,
  kind: 'metrics',
  body: { batchId: `s-${runId}`, series: { loss: { steps, values: steps.map((s) => s / 10), times: steps.map((s) => 1000 + s) } } },
});

describe('spool files', () => {
  it('names sort in creation order and entries round-trip', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'trainyard-spool-'));
    const spool = createSpool(dir, assert.fail);
    assert.equal(spoolFileName('abc', 12, 1_700_000_000_000), '1700000000000-abc-00000012.json');
    await spool.write(spoolFileName('abc', 10, 2000), metrics('7', [2]));
    await spool.write(spoolFileName('abc', 9, 1000), metrics('7', [1]));
    spool.writeSync(spoolFileName('abc', 11, 2000), metrics('7', [3]));
    writeFileSync(join(dir, 'stray.json.tmp'), '{');
    const files = await spool.files();
    const entries = await Promise.all(files.map((f) => spool.read(f)));
    assert.deepEqual(entries.map((e) => e?.body), [
      metrics('7', [1]).body,
      metrics('7', [2]).body,
      metrics('7', [3]).body,
    ]);
    await spool.remove(files[0]);
    assert.equal(readdirSync(dir).filter((n) => n.endsWith('.json')).length, 2);
  });

  it('reads a corrupt or foreign-version file as null', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'trainyard-spool-'));
    writeFileSync(join(dir, 'a.json'), '{not json');
    writeFileSync(join(dir, 'b.json'), JSON.stringify({ v: 99 }));
    const spool = createSpool(dir, assert.fail);
    assert.deepEqual(await Promise.all((await spool.files()).map((f) => spool.read(f))), [null, null]);
  });
});

describe('adoptEntry', () => {
  it('sends an entry of this run as it is', () => {
    const entry = metrics('7', [1, 2, 3]);
    assert.equal(adoptEntry(entry, '7', null), entry);
  });

  it("keeps an earlier run's points up to the resume step, under this run", () => {
    const adopted = adoptEntry(metrics('6', [3, 4, 5, 6]), '7', 4);
    assert.deepEqual(adopted, {
      ...metrics('6', []),
      runId: '7',
      body: { batchId: 's-6', series: { loss: { steps: [3, 4], values: [0.3, 0.4], times: [1003, 1004] } } },
    });
  });

  it("drops an earlier run's later points, its checkpoints, and everything on a fresh start", () => {
    assert.equal(adoptEntry(metrics('6', [5, 6]), '7', 4), null);
    assert.equal(adoptEntry(metrics('6', [1, 2]), '7', null), null);
    const checkpoint: SpoolEntry = { v: SPOOL_VERSION, jobId: '1', runId: '6', kind: 'checkpoint', body: { path: 'a', step: 1, metrics: {} } };
    assert.equal(adoptEntry(checkpoint, '7', 4), null);
  });
});
