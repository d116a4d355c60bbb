/**
 * Migration `0028_remedies`: each run records the params it started with (a `cuda-oom` remedy
 * or a divergence retry changes them between attempts) and the most GPU memory it held.
 */
import type { Kysely, Migration } from 'kysely';

// Migrations see the schema as it was when they were written, hence Kysely<any>.
type AnyDb = Kysely<any>;

export const remediesMigration: Migration = {
  async up(db: AnyDb) {
    await db.schema.alterTable('runs').addColumn('params', 'text').execute();
    await db.schema.alterTable('runs').addColumn('peak_gpu_memory_mib', 'real').execute();
  },
};
