/**
 * Numbers people read: thousands separators, metric values with sensible precision, durations,
 * relative times, bytes. Pure; every function takes `now` where time matters.
 */

const thousands = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** "1,234,567"; "–" for null or non-finite. */
export function formatThousands(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '–';
  return thousands.format(n);
}

/**
 * A metric value: four significant digits, exponent form for very large or small magnitudes
 * ("0.4213", "12.35", "1.2e-5", "3.4e+7"); integers keep separators ("1,024").
 */
export function formatValue(x: number | null | undefined): string {
  if (x === null || x === undefined) return '–';
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? '∞' : '-∞';
  if (x === 0) return '0';
  const abs = Math.abs(x);
  if (abs >= 1e7 || abs < 1e-4) return x.toExponential(2).replace(/\.?0+e/, 'e');
  if (Number.isInteger(x)) return thousands.format(x);
  const digits = Math.max(0, 4 - Math.floor(Math.log10(abs)) - 1);
  return Number(x.toFixed(Math.min(digits, 6))).toLocaleString('en-US', { maximumFractionDigits: 6 });
}

/** "45 s", "3 min 20 s", "2 h 5 min", "3 d 4 h"; "–" for null or negative. */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '–';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 === 0 ? `${m} min` : `${m} min ${s % 60} s`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 === 0 ? `${h} h` : `${h} h ${m % 60} min`;
  const d = Math.floor(h / 24);
  return h % 24 === 0 ? `${d} d` : `${d} d ${h % 24} h`;
}

/** The largest unit only: "12 s", "5 min", "3 h", "2 d". */
function coarse(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h`;
  return `${Math.floor(s / 86_400)} d`;
}

/** "just now", "12 s ago", "5 min ago", "in 3 min". */
export function formatRelative(time: number | null | undefined, now: number): string {
  if (time === null || time === undefined) return '–';
  const delta = now - time;
  if (Math.abs(delta) < 2000) return 'just now';
  return delta > 0 ? `${coarse(delta)} ago` : `in ${coarse(-delta)}`;
}

/** "2024-05-01 14:03:22" in local time, for tooltips beside relative times. */
export function formatTimestamp(time: number | null | undefined): string {
  if (time === null || time === undefined) return '–';
  const d = new Date(time);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** "512 B", "1.5 KB", "23.4 MB", "1.2 GB" (powers of 1024). */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return '–';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v} B` : `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

/** "12.3 steps/s", "0.42 steps/s", "1,200 steps/s". */
export function formatRate(rate: number | null | undefined): string {
  if (rate === null || rate === undefined || !Number.isFinite(rate)) return '–';
  const text = rate >= 100 ? thousands.format(rate) : rate >= 10 ? rate.toFixed(1) : rate.toFixed(2);
  return `${text} steps/s`;
}

/** What a job holds: "1 GPU", "2 GPUs + 1 CPU", "1 CPU". */
export function formatSlots(resources: { gpus?: number; cpus?: number } | null | undefined): string {
  const gpus = resources?.gpus ?? 0;
  const cpus = resources?.cpus ?? 0;
  const parts = [];
  if (gpus > 0) parts.push(`${gpus} GPU${gpus === 1 ? '' : 's'}`);
  if (cpus > 0) parts.push(`${cpus} CPU${cpus === 1 ? '' : 's'}`);
  return parts.join(' + ') || '–';
}

/** Percent done, 0-100, or null when the total is unknown. */
export function percentDone(progress: { step: number | null; total: number | null } | null | undefined): number | null {
  if (!progress || progress.step === null || !progress.total) return null;
  return Math.max(0, Math.min(100, (progress.step / progress.total) * 100));
}
