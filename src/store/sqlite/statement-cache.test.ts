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
    } as Pick<Database.Database, 'prepare' | 'close'>;
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
});
