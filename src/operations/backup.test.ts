import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ValidationError } from '../core/errors.ts';
import { createSqliteStore } from '../store/sqlite/sqlite-store.ts';
import { jobSpec } from '../store/contract/fixtures.ts';
import { createBackup } from './backup.ts';
import { restoreBackup } from './restore.ts';

const root = mkdtempSync(join(tmpdir(), 'ty-backup-'));
after(() => rmSync(root, { recursive: true, force: true }));

async function dataDir(name: string): Promise<string> {
  const dir = join(root, name);
  mkdirSync(dir);
  const store = await createSqliteStore(join(dir, 'trainyard.db'));
  await store.createJob(jobSpec({ name: 'one' }), 1);
  await store.close();
  writeFileSync(join(dir, 'automations.yaml'), 'rules: []\n');
  return dir;
}

const options = (dir: string, dest: string) => ({ dataDir: dir, dest, now: () => 1, version: 'test', copyDatabase: async (to: string) => {
  const store = await createSqliteStore(join(dir, 'trainyard.db'));
  try {
    await store.backupDatabase(to);
  } finally {
    await store.close();
  }
} });

describe('createBackup', () => {
  it('writes DEST with its manifest, and restores it', async () => {
    const dir = await dataDir('a');
    const dest = join(root, 'a-backup');
    const manifest = await createBackup(options(dir, dest));
    assert.deepEqual(manifest.files.map((f) => f.path), ['automations.yaml']);
    assert.equal(manifest.database.counts.jobs, 1);
    assert.equal(JSON.parse(readFileSync(join(dest, 'manifest.json'), 'utf8')).database.sha256, manifest.database.sha256);
    const restored = await restoreBackup(dest, join(root, 'a-restored'));
    assert.equal(restored.counts.jobs, 1);
    assert.equal(readFileSync(join(root, 'a-restored', 'automations.yaml'), 'utf8'), 'rules: []\n');
  });

  it('leaves a backup cut short as DEST.partial, never as DEST', async () => {
    const dir = await dataDir('b');
    const dest = join(root, 'b-backup');
    await assert.rejects(createBackup({ ...options(dir, dest), copyDatabase: async () => {
      throw new Error('disk full');
    } }), /disk full/);
    assert.deepEqual([existsSync(dest), existsSync(`${dest}.partial`)], [false, true]);
    await assert.rejects(createBackup(options(dir, dest)), (error: unknown) => error instanceof ValidationError && error.field === 'dest' && /b-backup\.partial exists/.test(error.message));
  });

  it('refuses a destination inside the data directory, or one that is not empty', async () => {
    const dir = await dataDir('c');
    await assert.rejects(createBackup(options(dir, join(dir, 'backups', 'x'))), /lies inside the data directory/);
    const used = join(root, 'c-used');
    mkdirSync(used);
    writeFileSync(join(used, 'keep.txt'), 'x');
    await assert.rejects(createBackup(options(dir, used)), /dest: .*c-used is not empty \(1 entries, e\.g\. keep\.txt\)/);
  });
});
