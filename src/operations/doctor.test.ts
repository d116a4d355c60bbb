import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { createSqliteStore } from '../store/sqlite/sqlite-store.ts';
import { doctorExitCode, runDoctor } from './doctor.ts';

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

  it('says a missing data directory is missing, with the command that makes one', async () => {
    const findings = await runDoctor({ dataDir: '/nonexistent/trainyard-doctor', detectGpus: noGpus });
    assert.deepEqual([findings[0].check, findings[0].status], ['data-dir', 'fail']);
    assert.match(findings[0].fix!, /trainyard server --data-dir \/nonexistent\/trainyard-doctor/);
  });
});
