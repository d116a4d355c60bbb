import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { createWalCheckpointer } from './wal-checkpointer.ts';

const dir = mkdtempSync(join(tmpdir(), 'trainyard-wal-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function openDb(name: string): Database.Database {
  const db = new Database(join(dir, name));
  db.pragma('journal_mode = WAL');
  db.exec('create table t (x blob)');
  return db;
}

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 5));
  }
}

describe('WAL checkpointer', () => {
  it('checkpoints after writes on its own thread, raising the connection own threshold meanwhile', async () => {
    const db = openDb('a.db');
    const settings: number[] = [];
    const runs: Array<[number, number]> = [];
    const checkpointer = createWalCheckpointer(join(dir, 'a.db'), (pages) => {
      settings.push(pages);
      db.pragma(`wal_autocheckpoint = ${pages}`);
    }, { intervalMs: 10, fallbackPages: 50_000, checkpointed: (wal, copied) => runs.push([wal, copied]) });
    const insert = db.prepare('insert into t values (?)');
    db.transaction(() => { for (let i = 0; i < 200; i++) insert.run(Buffer.alloc(4000, i)); })();
    checkpointer.written();
    await until(() => runs.length > 0, 'a checkpoint');
    assert.ok(runs[0][0] >= 200 && runs[0][1] === runs[0][0], `every page copied: ${runs[0]}`);
    assert.deepEqual(settings, [50_000]);
    await checkpointer.close();
    assert.deepEqual(settings, [50_000, 1000], 'SQLite default again once the worker is gone');
    checkpointer.written();
    assert.equal(runs.length, 1, 'nothing after close');
    db.close();
  });

  it('ends its worker when idle and starts it again on the next write', async () => {
    const db = openDb('b.db');
    const settings: number[] = [];
    let runs = 0;
    const checkpointer = createWalCheckpointer(join(dir, 'b.db'), (pages) => settings.push(pages), { intervalMs: 5, idleMs: 30, checkpointed: () => runs++ });
    db.prepare('insert into t values (?)').run(Buffer.alloc(10));
    checkpointer.written();
    await until(() => settings.length === 2, 'the idle worker to end');
    assert.deepEqual(settings, [16_000, 1000]);
    checkpointer.written();
    await until(() => runs === 2, 'a second checkpoint');
    assert.equal(settings.at(-1), 16_000);
    await checkpointer.close();
    db.close();
  });

  it('hands checkpoints back to the connection, with a warning, when its worker fails', async () => {
    const settings: number[] = [];
    const warned = new Promise<Error>((done) => process.once('warning', done));
    const checkpointer = createWalCheckpointer(join(dir, 'missing', 'c.db'), (pages) => settings.push(pages), { intervalMs: 5 });
    checkpointer.written();
    // The worker and its timer do not hold the process (a server has its own reasons to live).
    const alive = setInterval(() => {}, 1000);
    const warning = await warned.finally(() => clearInterval(alive));
    assert.match(warning.message, /WAL checkpoints are back on the main thread/);
    assert.equal(settings.at(-1), 1000);
    checkpointer.written();
    await checkpointer.close();
  });
});
