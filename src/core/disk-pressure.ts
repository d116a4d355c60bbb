/**
 * Disk pressure, as pure decisions: the free-space floor `TRAINYARD_GC_MIN_FREE` names (`10%`
 * of the filesystem, or an amount such as `20GiB`), and whether a reading is under it. The
 * collector (control/gc.ts) reads the filesystem and frees the oldest unprotected checkpoints
 * while this says so.
 */

/** A floor on free space: a share of the filesystem's size, or bytes. */
export type FreeSpaceFloor = { readonly percent: number } | { readonly bytes: number };

/** Free and total bytes of the filesystem that holds the data directory. */
export interface FreeSpace {
  readonly free: number;
  readonly total: number;
}

const UNITS: Readonly<Record<string, number>> = {
  '': 1, b: 1,
  k: 1e3, kb: 1e3, m: 1e6, mb: 1e6, g: 1e9, gb: 1e9, t: 1e12, tb: 1e12,
  kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30, tib: 2 ** 40,
};

/**
 * Parses `10%` (0 to 100) or an amount with an optional unit (`20GiB`, `500MB`, `1e9`).
 * Returns the floor, or a sentence saying what was expected (the caller names the variable).
 */
export function parseFreeSpaceFloor(text: string): FreeSpaceFloor | string {
  const trimmed = text.trim();
  const percent = /^(\d+(?:\.\d+)?)\s*%$/.exec(trimmed);
  if (percent) {
    const value = Number(percent[1]);
    return value > 0 && value <= 100 ? { percent: value } : `a percentage above 0 and at most 100, not ${JSON.stringify(text)}`;
  }
  const amount = /^(\d+(?:\.\d+)?(?:e\d+)?)\s*([a-z]*)$/i.exec(trimmed);
  const unit = amount ? UNITS[amount[2].toLowerCase()] : undefined;
  if (!amount || unit === undefined || !(Number(amount[1]) > 0)) {
    return `a percentage (10%) or an amount of bytes (20GiB, 500MB, 1000000), not ${JSON.stringify(text)}`;
  }
  return { bytes: Math.round(Number(amount[1]) * unit) };
}

/** The floor in bytes on a filesystem of `total` bytes. */
export function floorBytes(floor: FreeSpaceFloor, total: number): number {
  return 'bytes' in floor ? floor.bytes : (total * floor.percent) / 100;
}

/** True when free space is under the floor. */
export function underPressure(space: FreeSpace, floor: FreeSpaceFloor): boolean {
  return space.free < floorBytes(floor, space.total);
}

/** "3.2 GiB free < 10% (20 GiB)": the reading against the floor, for the log. */
export function describePressure(space: FreeSpace, floor: FreeSpaceFloor): string {
  const limit = floorBytes(floor, space.total);
  const floorText = 'bytes' in floor ? formatBytes(limit) : `${floor.percent}% (${formatBytes(limit)})`;
  return `${formatBytes(space.free)} free ${space.free < limit ? '<' : '>='} ${floorText}`;
}

/** Bytes in binary units, one decimal: "512 B", "3.2 GiB". */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = bytes;
  let i = 0;
  while (Math.abs(value) >= 1024 && i < units.length - 1) {
    value /= 1024;
    i++;
  }
  return i === 0 ? `${Math.round(value)} B` : `${value.toFixed(1)} ${units[i]}`;
}
