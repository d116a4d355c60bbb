/**
 * The spool: requests the server could not take yet, one JSON file each, resent oldest first.
 *
 * File name: `<epoch ms, 13 digits>-<session>-<seq, 8 digits>.json`, so the name order is the
 * creation order. Content: {@link SpoolEntry}. The Python SDK (`sdk/python/trainyard.py`) writes
 * the same files, so either SDK can send what the other left behind.
 *
 * Size cap: a write made with `capped` is refused (`'full'`, nothing written) when it would take
 * the folder's `.json` files past `maxBytes`; the caller drops it and says so. The size is
 * counted once from the folder (files an earlier process left count) and then kept up to date.
 */
import { mkdirSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ColumnarBatch } from './batch.ts';

export const SPOOL_VERSION = 1;

/** Default cap on a spool folder's size: 512 MiB (`TRAINYARD_SPOOL_MAX_MB`), hours of an outage at a typical rate. */
export const DEFAULT_SPOOL_MAX_MB = 512;

export interface MetricsRequest {
  readonly batchId: string;
  readonly series: ColumnarBatch;
}

export interface CheckpointRequest {
  readonly path: string;
  readonly step: number;
  readonly metrics: Readonly<Record<string, number>>;
}

/** One undelivered request, and whose it is. */
export type SpoolEntry = {
  readonly v: typeof SPOOL_VERSION;
  readonly jobId: string | null;
  readonly runId: string | null;
} & (
  | { readonly kind: 'metrics'; readonly body: MetricsRequest }
  | { readonly kind: 'checkpoint'; readonly body: CheckpointRequest }
);

export function spoolFileName(session: string, seq: number, now: number): string {
  return `${String(Math.floor(now)).padStart(13, '0')}-${session}-${String(seq).padStart(8, '0')}.json`;
}

export interface Spool {
  readonly dir: string;
  /** The cap, bytes (Infinity: none). */
  readonly maxBytes: number;
  /**
   * Writes atomically (temporary name, then rename). Returns the path, null on failure, `'full'`
   * when `capped` and the entry would take the spool past its cap (nothing written).
   */
  write(name: string, entry: SpoolEntry, capped?: boolean): Promise<string | null | 'full'>;
  /** The same, synchronously: for the process's `exit` event, where nothing async runs. */
  writeSync(name: string, entry: SpoolEntry, capped?: boolean): string | null | 'full';
  /** Paths of the spooled files, oldest first. */
  files(): Promise<string[]>;
  /** The entry, or null when the file is gone or unreadable. */
  read(path: string): Promise<SpoolEntry | null>;
  remove(path: string): Promise<void>;
}

/** Bytes of the `.json` files in `dir` now; 0 when it is not there. */
function folderBytes(dir: string): number {
  try {
    return readdirSync(dir).filter((n) => n.endsWith('.json')).reduce((sum, n) => {
      try {
        return sum + statSync(join(dir, n)).size;
      } catch {
        return sum;
      }
    }, 0);
  } catch {
    return 0;
  }
}

export function createSpool(dir: string, warn: (message: string) => void, maxBytes = Infinity): Spool {
  let bytes: number | null = null;
  const sizes = new Map<string, number>();
  /** The entry's text, or null when it would not fit under the cap. */
  const fit = (entry: SpoolEntry, capped: boolean): string | null => {
    const text = JSON.stringify(entry);
    bytes ??= folderBytes(dir);
    return capped && bytes + Buffer.byteLength(text) > maxBytes ? null : text;
  };
  const added = (path: string, text: string): void => {
    const size = Buffer.byteLength(text);
    sizes.set(path, size);
    bytes = (bytes ?? 0) + size;
  };
  return {
    dir,
    maxBytes,
    async write(name, entry, capped = false) {
      const path = join(dir, name);
      const text = fit(entry, capped);
      if (text === null) return 'full';
      try {
        await mkdir(dir, { recursive: true });
        await writeFile(`${path}.tmp`, text);
        await rename(`${path}.tmp`, path);
        added(path, text);
        return path;
      } catch (error) {
        warn(`cannot write spool file ${path}: ${(error as Error).message}`);
        await rm(`${path}.tmp`, { force: true }).catch(() => undefined);
        return null;
      }
    },
    writeSync(name, entry, capped = false) {
      const path = join(dir, name);
      const text = fit(entry, capped);
      if (text === null) return 'full';
      try {
        mkdirSync(dir, { recursive: true });
        writeFileSync(`${path}.tmp`, text);
        renameSync(`${path}.tmp`, path);
        added(path, text);
        return path;
      } catch (error) {
        warn(`cannot write spool file ${path}: ${(error as Error).message}`);
        return null;
      }
    },
    async files() {
      try {
        const names = (await readdir(dir)).filter((n) => n.endsWith('.json')).sort();
        return names.map((n) => join(dir, n));
      } catch {
        return [];
      }
    },
    async read(path) {
      try {
        const entry = JSON.parse(await readFile(path, 'utf8')) as Partial<SpoolEntry> | null;
        return entry !== null && typeof entry === 'object' && entry.v === SPOOL_VERSION ? (entry as SpoolEntry) : null;
      } catch {
        return null;
      }
    },
    async remove(path) {
      // A file an earlier process left: its size was counted from the folder.
      const size = sizes.get(path) ?? (await stat(path).then((s) => s.size, () => 0));
      await rm(path, { force: true }).catch(() => undefined);
      sizes.delete(path);
      if (bytes !== null) bytes = Math.max(0, bytes - size);
    },
  };
}

/**
 * The request to send for a spooled entry, from the point of view of run `runId`.
 *
 * An entry of this run is sent as it is. An entry left by an earlier run of the same job (it
 * ended while the server was unreachable) is sent under this run, keeping only the points at or
 * before `resumeStep`: later points of the earlier run are superseded by this one, and a fresh
 * start (`resumeStep` null) supersedes all of them. Its checkpoint registrations are not sent:
 * this run resumed without them. Returns null for an entry to delete unsent.
 */
export function adoptEntry(entry: SpoolEntry, runId: string | null, resumeStep: number | null): SpoolEntry | null {
  if (entry.runId === runId) return entry;
  if (entry.kind !== 'metrics' || resumeStep === null) return null;
  const series: ColumnarBatch = {};
  for (const [key, columns] of Object.entries(entry.body.series)) {
    const keep = columns.steps.flatMap((step, i) => (step <= resumeStep ? [i] : []));
    if (keep.length === 0) continue;
    series[key] = {
      steps: keep.map((i) => columns.steps[i]),
      values: keep.map((i) => columns.values[i]),
      times: keep.map((i) => columns.times[i]),
    };
  }
  if (Object.keys(series).length === 0) return null;
  return { ...entry, runId, body: { batchId: entry.body.batchId, series } };
}

/** True when `dir` holds spool files (an earlier process left them). */
export function hasSpoolFiles(dir: string): boolean {
  try {
    return readdirSync(dir).some((name) => name.endsWith('.json'));
  } catch {
    return false;
  }
}
