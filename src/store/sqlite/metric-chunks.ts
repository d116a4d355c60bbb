/**
 * Chunk writes of one series within a transaction: every insert, rewrite or delete of a chunk
 * row also updates its entry in the packed summary groups; `flush` writes each touched group
 * once.
 */
import { type ChunkSummary, type DecodedPoints, encodeChunk } from '../../core/metrics/chunk-codec.ts';
import type { MetricSql, SummaryColumns } from './metric-sql.ts';
import { valueToColumn } from './rows.ts';
import { applySlotChanges, groupOfSlot, type SlotChange } from './summary-groups.ts';

/** Points per full chunk: 12 KB for a regular series, so a row's overhead is lost in it. */
export const CHUNK_POINTS = 1000;

export interface ChunkWriter {
  /** The slot the next new chunk gets; save it with the series. */
  readonly nextSlot: number;
  /**
   * Writes step-sorted points as chunks of CHUNK_POINTS, the remainder last; the first chunk
   * replaces `reuse` (the run's tail chunk whose points are included) when given. Returns the
   * number of points in the last chunk written.
   */
  writePoints(runId: number, points: DecodedPoints, reuse: { id: number; slot: number } | null): number;
  /** Replaces a chunk's points (non-empty, sorted). */
  rewrite(chunkId: number, slot: number, points: DecodedPoints): void;
  remove(chunkId: number, slot: number): void;
  /** Writes the summary groups touched so far. */
  flush(): void;
}

export function createChunkWriter(sql: MetricSql, seriesId: number, firstFreeSlot: number): ChunkWriter {
  let nextSlot = firstFreeSlot;
  const changes: SlotChange[] = [];

  return {
    get nextSlot() {
      return nextSlot;
    },

    writePoints(runId, points, reuse) {
      const n = points.steps.length;
      let last = 0;
      for (let start = 0; start < n; start += CHUNK_POINTS) {
        last = Math.min(n, start + CHUNK_POINTS) - start;
        const { summary, data } = encodeChunk(points, start, Math.min(n, start + CHUNK_POINTS));
        if (start === 0 && reuse !== null) {
          sql.updateChunk(reuse.id, summaryColumns(summary), data);
          changes.push({ slot: reuse.slot, chunkId: reuse.id, summary });
        } else {
          const slot = nextSlot++;
          const chunkId = sql.insertChunk(seriesId, runId, slot, summaryColumns(summary), data);
          changes.push({ slot, chunkId, summary });
        }
      }
      return last;
    },

    rewrite(chunkId, slot, points) {
      const { summary, data } = encodeChunk(points);
      sql.updateChunk(chunkId, summaryColumns(summary), data);
      changes.push({ slot, chunkId, summary });
    },

    remove(chunkId, slot) {
      sql.deleteChunk(chunkId);
      changes.push({ slot, chunkId, summary: null });
    },

    flush() {
      const byGroup = new Map<number, SlotChange[]>();
      for (const c of changes) {
        const g = groupOfSlot(c.slot);
        const list = byGroup.get(g);
        if (list === undefined) byGroup.set(g, [c]);
        else list.push(c);
      }
      for (const [g, list] of byGroup) {
        const next = applySlotChanges(sql.group(seriesId, g), list);
        if (next === null) sql.deleteGroup(seriesId, g);
        else sql.putGroup(seriesId, g, next.firstStep, next.lastStep, next.data);
      }
      changes.length = 0;
    },
  };
}

/** A summary as column values (NaN stored as NULL). */
export function summaryColumns(s: ChunkSummary): SummaryColumns {
  return {
    count: s.count,
    first_step: s.firstStep,
    last_step: s.lastStep,
    last_value: valueToColumn(s.lastValue),
    min: valueToColumn(s.min),
    max: valueToColumn(s.max),
  };
}
