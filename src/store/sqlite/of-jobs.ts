/**
 * Reads of many jobs at once (a study report of 1,000 trials): the ids go in `in` lists of at
 * most `JOB_IDS_PER_READ` (well under SQLite's 32,766 bound variables), and the rows come back
 * grouped by job, each job's rows in the order its read gave them.
 */
export const JOB_IDS_PER_READ = 5000;

/**
 * Every id of `jobIds` mapped to its rows (empty when it has none or does not exist); `read`
 * returns the rows of a chunk of distinct ids, each job's rows in order.
 */
export async function readOfJobs<T extends { readonly jobId: number }>(
  jobIds: readonly number[],
  read: (chunk: number[]) => Promise<readonly T[]>,
): Promise<Map<number, T[]>> {
  const out = new Map<number, T[]>();
  for (const id of jobIds) out.set(id, []);
  const distinct = [...out.keys()];
  for (let i = 0; i < distinct.length; i += JOB_IDS_PER_READ) {
    for (const row of await read(distinct.slice(i, i + JOB_IDS_PER_READ))) out.get(row.jobId)!.push(row);
  }
  return out;
}
