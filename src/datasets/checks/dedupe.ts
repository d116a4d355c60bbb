/**
 * Finds rows whose key (a 64-bit hash) was seen before, in bounded memory: keys live in a
 * `U64Table` until it holds `memoryRows`, then its entries are sorted and spilled to a run file
 * and the table starts over. Duplicates within the table are found as rows arrive; duplicates
 * across runs when `finish` merges the sorted runs (each run's keys are unique, so the earliest
 * run holds the first occurrence).
 *
 * A row's place is a packed number (`where`): callers choose the packing (file and line).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { U64Table } from './u64-table.ts';

export interface DuplicatePair {
  readonly where: number;
  readonly firstWhere: number;
}

export interface DuplicateFinder {
  /** The first occurrence's `where` when the key was seen (in memory), else -1 (and the key is kept). */
  add(a: number, b: number, where: number): number;
  /** Duplicates that only the merge of spilled runs finds; then frees the run files. */
  finish(): Promise<DuplicatePair[]>;
  /** Runs spilled so far. */
  readonly runs: number;
}

const RECORD = 16;

export function createDuplicateFinder(memoryRows: number): DuplicateFinder {
  const table = new U64Table(Math.min(memoryRows, 1 << 16));
  const runs: string[] = [];
  let dir: string | null = null;
  let spilling: Promise<void> = Promise.resolve();

  function spill(): void {
    dir ??= mkdtempSync(join(tmpdir(), 'trainyard-dedupe-'));
    const path = join(dir, `run-${runs.length}`);
    runs.push(path);
    const bytes = sortedRecords(table);
    table.clear();
    const previous = spilling;
    spilling = (async () => {
      await previous;
      const handle = await open(path, 'w');
      try {
        await handle.write(bytes);
      } finally {
        await handle.close();
      }
    })();
  }

  return {
    add(a, b, where) {
      const slot = table.find(a, b);
      if (slot !== -1) return table.value(slot);
      if (table.size >= memoryRows) spill();
      table.insert(a, b, where);
      return -1;
    },

    async finish() {
      if (runs.length === 0) {
        table.clear();
        return [];
      }
      spill();
      await spilling;
      try {
        return await mergeRuns(runs);
      } finally {
        if (dir) rmSync(dir, { recursive: true, force: true });
        runs.length = 0;
      }
    },

    get runs() {
      return runs.length;
    },
  };
}

/** The table's entries as 16-byte records (a, b, where), sorted by (a, b). */
function sortedRecords(table: U64Table): Buffer {
  const { a, b, values } = table.columns();
  const order = sortByKey(a, b);
  const out = Buffer.allocUnsafe(order.length * RECORD);
  for (let i = 0; i < order.length; i++) {
    const k = order[i];
    out.writeUInt32BE(a[k], i * RECORD);
    out.writeUInt32BE(b[k], i * RECORD + 4);
    out.writeDoubleBE(values[k], i * RECORD + 8);
  }
  return out;
}

/**
 * Indices ordering (a, b) ascending: a counting sort on the top 16 bits of `a` (hash keys are
 * uniform, so buckets are small), then insertion sort inside each bucket.
 */
export function sortByKey(a: Uint32Array, b: Uint32Array): Uint32Array {
  const n = a.length;
  const starts = new Uint32Array(65537);
  for (let i = 0; i < n; i++) starts[(a[i] >>> 16) + 1]++;
  for (let i = 1; i <= 65536; i++) starts[i] += starts[i - 1];
  const next = starts.slice(0, 65536);
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[next[a[i] >>> 16]++] = i;
  for (let bucket = 0; bucket < 65536; bucket++) {
    const lo = starts[bucket];
    const hi = starts[bucket + 1];
    for (let i = lo + 1; i < hi; i++) {
      const k = order[i];
      let j = i - 1;
      while (j >= lo && (a[order[j]] > a[k] || (a[order[j]] === a[k] && b[order[j]] > b[k]))) {
        order[j + 1] = order[j];
        j--;
      }
      order[j + 1] = k;
    }
  }
  return order;
}

/** Reads a run file in blocks; `advance` is synchronous while the block lasts. */
class RunReader {
  private buf = Buffer.alloc(0);
  private pos = 0;
  private fileOffset = 0;
  done = false;
  a = 0;
  b = 0;
  where = 0;

  constructor(private readonly handle: FileHandle) {}

  /** Moves to the next record; false when the block is used up (call `fill`, then again). */
  advance(): boolean {
    if (this.pos + RECORD > this.buf.length) return false;
    this.a = this.buf.readUInt32BE(this.pos);
    this.b = this.buf.readUInt32BE(this.pos + 4);
    this.where = this.buf.readDoubleBE(this.pos + 8);
    this.pos += RECORD;
    return true;
  }

  /** Reads the next block; sets `done` at the end of the file. */
  async fill(): Promise<void> {
    const block = Buffer.allocUnsafe(RECORD * 65536);
    const { bytesRead } = await this.handle.read(block, 0, block.length, this.fileOffset);
    this.fileOffset += bytesRead;
    this.buf = block.subarray(0, bytesRead - (bytesRead % RECORD));
    this.pos = 0;
    if (this.buf.length === 0) this.done = true;
  }

  async next(): Promise<void> {
    while (!this.done && !this.advance()) await this.fill();
  }
}

/** k-way merge of sorted runs: every key in more than one run after the first is a duplicate. */
async function mergeRuns(paths: readonly string[]): Promise<DuplicatePair[]> {
  const handles = await Promise.all(paths.map((p) => open(p, 'r')));
  try {
    const readers = handles.map((h) => new RunReader(h));
    for (const r of readers) await r.next();
    const pairs: DuplicatePair[] = [];
    let steps = 0;
    for (;;) {
      let min: RunReader | null = null;
      for (const r of readers) {
        if (r.done) continue;
        if (min === null || r.a < min.a || (r.a === min.a && r.b < min.b)) min = r;
      }
      if (min === null) break;
      const { a, b } = min;
      // Readers are scanned in run order, so the first holding the key is the earliest run.
      let first: number | null = null;
      for (const r of readers) {
        while (!r.done && r.a === a && r.b === b) {
          if (first === null) first = r.where;
          else pairs.push({ where: r.where, firstWhere: first });
          if (!r.advance()) await r.next();
        }
      }
      if (++steps % 65536 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    return pairs;
  } finally {
    await Promise.all(handles.map((h) => h.close()));
  }
}
