/**
 * A `SqliteDatabase` for Kysely's SqliteDialect that reuses prepared statements.
 *
 * Kysely's SQLite driver calls `prepare(sql)` for every query; preparing costs more than
 * running most of the store's queries (about 30 µs against a few µs). Kysely compiles the
 * same query shape to the same SQL text with bound parameters, so a small LRU cache keyed by
 * the text turns nearly every prepare into a lookup. Safe because the driver runs one query at
 * a time on its single connection and consumes each statement (`all`/`run`) before the next.
 */
import type { Database, Statement } from 'better-sqlite3';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

/** Statements kept. Default: 256 (the store has a few dozen query shapes; IN lists add some). */
const DEFAULT_CAPACITY = 256;

export function createCachingDatabase(db: Pick<Database, 'prepare' | 'close'>, capacity = DEFAULT_CAPACITY): SqliteDatabase {
  const cache = new Map<string, Statement>();
  return {
    close() {
      cache.clear();
      db.close();
    },
    prepare(sql: string): SqliteStatement {
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
