/**
 * Pure formatting for the CLI's readable output: numbers, durations, relative times, tables.
 * Locale-independent on purpose, so that output is the same on every machine and in tests.
 */

/**
 * Characters that must not reach a terminal from user text (names, tags, messages, params):
 * C0 controls (NUL, ESC, newline…), DEL, C1 controls (U+0080–U+009F, CSI among them), the
 * invisible bidirectional controls that reorder what a terminal shows (U+061C, U+200E, U+200F,
 * embeddings and overrides U+202A–U+202E, isolates U+2066–U+2069), and the line and paragraph
 * separators U+2028 and U+2029.
 */
const UNSAFE_CHARS = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const NAMED_ESCAPES: Readonly<Record<string, string>> = { '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/**
 * User text made safe to print on a terminal: each unsafe character (see `UNSAFE_CHARS`) becomes
 * a visible escape: "\t", "\n", "\r", "\x1b" (below U+0100), "\u202e" (above). Everything else,
 * backslashes included, is left as it is.
 */
export function escapeControlChars(text: string): string {
  return text.replace(UNSAFE_CHARS, (c) => {
    const named = NAMED_ESCAPES[c];
    if (named !== undefined) return named;
    const code = c.charCodeAt(0);
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** 156945 → "156,945"; -1234.5 → "-1,234.5". */
export function formatThousands(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const [int, frac] = Math.abs(n).toString().split('.');
  if (int.includes('e')) return n.toString();
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return (n < 0 ? '-' : '') + grouped + (frac ? `.${frac}` : '');
}

/**
 * A metric value for people: integers with thousands separators, others with 4 significant
 * digits ("0.5312", "1,234.6", "1.2e-7"). null (the wire form of NaN) prints "NaN".
 */
export function formatValue(v: number | string | null | undefined): string {
  if (v === null || v === undefined) return 'NaN';
  if (typeof v === 'string') return v;
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return formatThousands(v);
  const abs = Math.abs(v);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e15)) return v.toExponential(2).replace(/\.?0+e/, 'e');
  if (abs >= 1000) return formatThousands(Math.round(v * 10) / 10);
  return String(Number(v.toPrecision(4)));
}

/** A duration for people: "850ms", "42s", "3m 12s", "2h 05m", "3d 4h". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '-';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h ${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

/** A time relative to `now`: "just now", "12s ago", "3m ago", "2h ago", "5d ago", "in 3m". */
export function formatRelative(time: number | null | undefined, now: number): string {
  if (time === null || time === undefined) return '-';
  const delta = now - time;
  const abs = Math.abs(delta);
  if (abs < 2000) return 'just now';
  const s = Math.floor(abs / 1000);
  const text =
    s < 60 ? `${s}s` : s < 3600 ? `${Math.floor(s / 60)}m` : s < 86_400 ? `${Math.floor(s / 3600)}h` : `${Math.floor(s / 86_400)}d`;
  return delta >= 0 ? `${text} ago` : `in ${text}`;
}

/** 1536 → "1.5 KiB". */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '-';
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

/** Seconds left as "ETA 4m 35s"-ready text; "-" when unknown. */
export function formatEta(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '-';
  const rounded = Math.round(seconds);
  return rounded < 1 ? '0s' : formatDuration(rounded * 1000);
}

/** Shortens `text` to `width` characters, ending with "…" when cut. */
export function truncate(text: string, width: number): string {
  if (width <= 0) return '';
  return text.length <= width ? text : `${text.slice(0, Math.max(0, width - 1))}…`;
}

export interface Column {
  readonly header: string;
  /** Default: left. Numbers read best right-aligned. */
  readonly align?: 'left' | 'right';
  /** Longest cell before it is cut with "…". Default: no limit. */
  readonly max?: number;
}

/**
 * An aligned text table: a header row, then one line per row; columns separated by two spaces,
 * trailing spaces trimmed. Cells are plain text: control characters in them are escaped
 * (`escapeControlChars`), so a cell can hold user text as it came.
 */
export function renderTable(columns: readonly Column[], rows: readonly (readonly string[])[]): string {
  const cell = (text: string, max: number | undefined) => (max ? truncate(escapeControlChars(text), max) : escapeControlChars(text));
  const cells = rows.map((row) => columns.map((c, i) => cell(row[i] ?? '', c.max)));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((row) => row[i].length)));
  const line = (row: readonly string[]) =>
    row
      .map((cell, i) => (columns[i].align === 'right' ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.header)), ...cells.map(line)].join('\n') + '\n';
}

/**
 * Key/value lines with the keys padded to one width: "state:     running". Values are escaped
 * like table cells (`escapeControlChars`).
 */
export function renderFields(fields: readonly (readonly [string, string])[]): string {
  const width = Math.max(0, ...fields.map(([k]) => k.length)) + 1;
  return fields.map(([k, v]) => `${`${k}:`.padEnd(width)} ${escapeControlChars(v)}`).join('\n') + '\n';
}

/** "loss 0.5312 · acc 0.91", keys sorted, for a metrics record. */
export function formatMetrics(metrics: Readonly<Record<string, number | string | null>>): string {
  const keys = Object.keys(metrics).sort();
  return keys.length === 0 ? '-' : keys.map((k) => `${k} ${formatValue(metrics[k])}`).join(' · ');
}

const SPARKS = '▁▂▃▄▅▆▇█';

/** A one-line sparkline of at most `width` values (nulls, and NaN or infinities sent as strings, as spaces). */
export function sparkline(values: readonly (number | string | null)[], width = 60): string {
  if (values.length === 0) return '';
  const step = Math.max(1, values.length / width);
  const picked: (number | string | null)[] = [];
  for (let i = 0; i < values.length && picked.length < width; i += step) picked.push(values[Math.floor(i)]);
  const finite = picked.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  const lo = Math.min(...finite);
  const hi = Math.max(...finite);
  return picked
    .map((v) => {
      if (typeof v !== 'number' || !Number.isFinite(v)) return ' ';
      const k = hi === lo ? 3 : Math.round(((v - lo) / (hi - lo)) * (SPARKS.length - 1));
      return SPARKS[k];
    })
    .join('');
}
