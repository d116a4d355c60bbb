import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { createCachingDatabase } from './statement-cache.ts';

describe('statement-cache', () => {
  it('reuses statements by text and evicts the least recently used', () => {
    const raw = new Database(':memory:');
    let prepared = 0;
    const counting = {
      prepare: (sql: string) => {
        prepared++;
        return raw.prepare(sql);
      },
      close: () => raw.close(),
      inTransaction: false,
    } as Pick<Database.Database, 'prepare' | 'close' | 'inTransaction'>;
    const db = createCachingDatabase(counting, 2);
    const a = db.prepare('select 1');
    assert.equal(db.prepare('select 1'), a);
    db.prepare('select 2');
    db.prepare('select 1');
    db.prepare('select 3');
    assert.equal(prepared, 3);
    assert.equal(db.prepare('select 1'), a, 'recently used, kept');
    db.prepare('select 2');
    assert.equal(prepared, 4, 'select 2 was evicted');
    assert.deepEqual(a.all([]), [{ 1: 1 }]);
    db.close();
    assert.equal(raw.open, false);
  });

  it('keeps the error of a transaction SQLite rolled back by itself (a full disk), through Kysely', async () => {
    const { Kysely, SqliteDialect, sql } = await import('kysely');
    const raw = new Database(':memory:');
    raw.exec('create table t (x integer)');
    const db = new Kysely<{ t: { x: number } }>({ dialect: new SqliteDialect({ database: createCachingDatabase(raw) }) });
    const full = Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
    await assert.rejects(db.transaction().execute(async (trx) => {
      await trx.insertInto('t').values({ x: 1 }).execute();
      await sql`rollback`.execute(trx); // what SQLite does on SQLITE_FULL
      throw full;
    }), (error) => error === full);
    assert.deepEqual(await db.selectFrom('t').selectAll().execute(), []);
    // A rollback inside a transaction still rolls back.
    await assert.rejects(db.transaction().execute(async (trx) => {
      await trx.insertInto('t').values({ x: 2 }).execute();
      throw new Error('no');
    }), /no/);
    assert.deepEqual(await db.selectFrom('t').selectAll().execute(), []);
    await db.destroy();
  });
});
