import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { createSqliteStore } from '../store/sqlite/sqlite-store.ts';
import { doctorExitCode, runDoctor } from './doctor.ts';
import { jobSpec } from '../store/contract/fixtures.ts';

const noGpus = async () => [];

describe('runDoctor', () => {
  it('fails a database made by a newer version, a lock that is not a pid, and free space under the floor', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ty-doctor-'));
    try {
      await (await createSqliteStore(join(dir, 'trainyard.db'))).close();
      const raw = new Database(join(dir, 'trainyard.db'));
      raw.prepare(`insert into kysely_migration (name, timestamp) values ('0099_future', '2030-01-01')`).run();
      raw.close();
      writeFileSync(join(dir, 'server.lock'), 'garbage');
      const findings = await runDoctor({ dataDir: dir, minFree: { percent: 100 }, detectGpus: noGpus });
      const by = (check: string) => findings.find((f) => f.check === check)!;
      assert.equal(by('schema').status, 'fail');
      assert.match(by('schema').message, /0099_future \(made by a newer Trainyard\)/);
      assert.equal(by('lock').status, 'fail');
      assert.match(by('lock').fix!, /^rm .*server\.lock$/);
      assert.equal(by('free-space').status, 'fail');
      assert.match(by('gpus').message, /no GPU: CPU slots only/);
      assert.equal(doctorExitCode(findings), 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('asks Slurm only when it is the executor, and fails with a fix when slurmctld does not answer', async () => {
    const dir = '/nonexistent/trainyard-doctor';
    const slurm = async (probeSlurm?: () => Promise<number>) => (await runDoctor({ dataDir: dir, detectGpus: noGpus, probeSlurm })).find((f) => f.check === 'slurm')!;
    assert.match((await slurm()).message, /not configured/);
    const up = await slurm(async () => 3);
    assert.equal(up.status, 'ok');
    assert.match(up.message, /3 jobs/);
    const down = await slurm(async () => { throw new Error('squeue --json failed: Unable to contact slurm controller\nmore'); });
    assert.equal(down.status, 'fail');
    assert.match(down.message, /Unable to contact slurm controller$/);
    assert.match(down.fix ?? '', /SLURM_CONF/);
  });

  it('says a missing data directory is missing, with the command that makes one', async () => {
    const findings = await runDoctor({ dataDir: '/nonexistent/trainyard-doctor', detectGpus: noGpus });
    assert.deepEqual([findings[0].check, findings[0].status], ['data-dir', 'fail']);
    assert.match(findings[0].fix!, /trainyard server --data-dir \/nonexistent\/trainyard-doctor/);
  });

  it('shows the event table size and the oldest event, and names the subscriber retention waits for', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ty-doctor-'));
    const day = 86_400_000;
    const t0 = 1_700_000_000_000;
    try {
      const store = await createSqliteStore(join(dir, 'trainyard.db'));
      await store.createJob(jobSpec({ name: 'a' }), t0);
      await store.createJob(jobSpec({ name: 'b' }), t0 + day);
      const [first] = await store.listEvents();
      await store.ackEvents('automations', first.id - 1, t0);
      await store.close();
      const by = async (now: number, eventMaxAgeMs?: number | null) => (await runDoctor({ dataDir: dir, detectGpus: noGpus, now, eventMaxAgeMs })).find((f) => f.check === 'events')!;
      const fresh = await by(t0 + 2 * day);
      assert.equal(fresh.status, 'ok');
      assert.equal(fresh.message, `2 events, the oldest #${first.id} from ${new Date(t0).toISOString()} (2 d ago); retention keeps 30 d`);
      const held = await by(t0 + 40 * day);
      assert.equal(held.status, 'warn');
      assert.match(held.message, new RegExp(`: subscriber automations has handled events up to #${first.id - 1} only, and retention waits for it$`));
      assert.match(held.fix!, /"event subscriber automations"/);
      assert.equal((await by(t0 + 40 * day, null)).status, 'ok', 'retention off: old events are expected');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
