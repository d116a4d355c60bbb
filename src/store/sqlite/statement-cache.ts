/**
 * A `SqliteDatabase` for Kysely's SqliteDialect that reuses prepared statements.
 *
 * Kysely's SQLite driver calls `prepare(sql)` for every query; preparing costs more than
 * running most of the store's queries (about 30 µs against a few µs). Kysely compiles the
 * same query shape to the same SQL text with bound parameters, so a small LRU cache keyed by
 * the text turns nearly every prepare into a lookup. Safe because the driver runs one query at
 * a time on its single connection and consumes each statement (`all`/`run`) before the next.
 *
 * It also keeps a failure's own error: SQLite rolls a transaction back by itself on some errors
 * (SQLITE_FULL on a full disk among them), after which Kysely's `rollback` would fail with "no
 * transaction is active" and that error would replace the one that says what happened. A
 * `rollback` outside a transaction is therefore a no-op here.
 */
import type { Database, Statement } from 'better-sqlite3';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

/** Statements kept. Default: 256 (the store has a few dozen query shapes; IN lists add some). */
const DEFAULT_CAPACITY = 256;

/** What `rollback` runs when SQLite already rolled the transaction back. */
const NOTHING_TO_ROLL_BACK = { reader: false, all: () => [], run: () => ({ changes: 0, lastInsertRowid: 0 }), iterate: () => [][Symbol.iterator]() };

export function createCachingDatabase(db: Pick<Database, 'prepare' | 'close' | 'inTransaction'>, capacity = DEFAULT_CAPACITY): SqliteDatabase {
  const cache = new Map<string, Statement>();
  return {
    close() {
      cache.clear();
      db.close();
    },
    prepare(sql: string): SqliteStatement {
      if (sql === 'rollback' && !db.inTransaction) return NOTHING_TO_ROLL_BACK as unknown as SqliteStatement;
      let stmt = cache.get(sql);
      if (stmt !== undefined) {
        // Re-insert to mark it most recently used.
        cache.delete(sql);
      } else {
        stmt = db.prepare(sql);
        if (cache.size >= capacity) cache.delete(cache.keys().next().value as string);
      }
      cache.set(sql, stmt);
      return stmt as unknown as SqliteStatement;
    },
  };
}
