/**
 * Packed chunk summaries: the summaries of a series' chunks, `GROUP_SLOTS` to a blob, so that
 * `readBuckets` reads a 10M-point series' 10,000 summaries as ~80 blobs instead of 10,000 rows
 * (turning rows into JS values costs over a microsecond each; a blob is one copy).
 *
 * Each chunk has a slot, numbered per series in creation order; slot s lives in group
 * floor(s / GROUP_SLOTS) at entry s % GROUP_SLOTS. An entry is 8 little-endian float64:
 * chunk id, first step, last step, count, min, max, last value, 0. count = 0 marks a free
 * entry (its chunk was deleted). A group blob ends at its highest used entry.
 *
 * The same summaries stay as columns of `metric_chunks` (what range queries and truncation
 * use); every chunk write updates both in the same transaction.
 */
import type { ChunkSummary } from '../../core/metrics/chunk-codec.ts';

export const GROUP_SLOTS = 128;
/** Float64 fields per entry. */
export const ENTRY_FIELDS = 8;
export const F_ID = 0;
export const F_FIRST = 1;
export const F_LAST = 2;
export const F_COUNT = 3;
export const F_MIN = 4;
export const F_MAX = 5;
export const F_LAST_VALUE = 6;

const ENTRY_BYTES = ENTRY_FIELDS * 8;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** A change to one slot: the chunk's new summary, or null when the chunk was deleted. */
export interface SlotChange {
  readonly slot: number;
  readonly chunkId: number;
  readonly summary: ChunkSummary | null;
}

export function groupOfSlot(slot: number): number {
  return Math.floor(slot / GROUP_SLOTS);
}

/** A group blob as float64 entries (a view when aligned, else a copy). */
export function groupEntries(data: Uint8Array): Float64Array {
  if (data.byteLength % ENTRY_BYTES !== 0) throw new RangeError(`summary group of ${data.byteLength} bytes`);
  const n = data.byteLength / 8;
  if (LITTLE_ENDIAN && data.byteOffset % 8 === 0) return new Float64Array(data.buffer, data.byteOffset, n);
  const out = new Float64Array(n);
  if (LITTLE_ENDIAN) {
    new Uint8Array(out.buffer).set(data);
  } else {
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    for (let i = 0; i < n; i++) out[i] = view.getFloat64(i * 8, true);
  }
  return out;
}

/**
 * Applies changes (all in this group) to a group blob (null: none yet). Returns the new blob
 * and the step range of its live entries, or null when no live entry is left.
 */
export function applySlotChanges(
  data: Uint8Array | null,
  changes: readonly SlotChange[],
): { data: Buffer; firstStep: number; lastStep: number } | null {
  const old = data === null ? new Float64Array(0) : groupEntries(data);
  let entries = old.length / ENTRY_FIELDS;
  for (const c of changes) entries = Math.max(entries, (c.slot % GROUP_SLOTS) + 1);
  const f = new Float64Array(entries * ENTRY_FIELDS);
  f.set(old);
  for (const c of changes) {
    const at = (c.slot % GROUP_SLOTS) * ENTRY_FIELDS;
    if (c.summary === null) {
      f.fill(0, at, at + ENTRY_FIELDS);
      continue;
    }
    const s = c.summary;
    f[at + F_ID] = c.chunkId;
    f[at + F_FIRST] = s.firstStep;
    f[at + F_LAST] = s.lastStep;
    f[at + F_COUNT] = s.count;
    f[at + F_MIN] = s.min;
    f[at + F_MAX] = s.max;
    f[at + F_LAST_VALUE] = s.lastValue;
    f[at + 7] = 0;
  }
  // Trim free entries at the end, and find the live step range.
  let used = 0;
  let firstStep = Infinity;
  let lastStep = -Infinity;
  for (let e = 0; e < entries; e++) {
    const at = e * ENTRY_FIELDS;
    if (f[at + F_COUNT] === 0) continue;
    used = e + 1;
    if (f[at + F_FIRST] < firstStep) firstStep = f[at + F_FIRST];
    if (f[at + F_LAST] > lastStep) lastStep = f[at + F_LAST];
  }
  if (used === 0) return null;
  const bytes = new Uint8Array(f.buffer, 0, used * ENTRY_BYTES);
  const out = Buffer.alloc(bytes.byteLength);
  if (LITTLE_ENDIAN) out.set(bytes);
  else for (let i = 0; i < used * ENTRY_FIELDS; i++) out.writeDoubleLE(f[i], i * 8);
  return { data: out, firstStep, lastStep };
}

/** The summary held in entry `e` of a group's entries. */
export function entrySummary(f: Float64Array, e: number): ChunkSummary {
  const at = e * ENTRY_FIELDS;
  return {
    count: f[at + F_COUNT],
    firstStep: f[at + F_FIRST],
    lastStep: f[at + F_LAST],
    min: f[at + F_MIN],
    max: f[at + F_MAX],
    lastValue: f[at + F_LAST_VALUE],
  };
}
