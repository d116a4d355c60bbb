/**
 * The live view of a followed job, as pure functions of what is known: a progress bar for a
 * terminal (redrawn in place with \r) and plain lines for logs and CI.
 */
import { formatEta, formatThousands, formatValue, truncate } from './format.ts';

export interface ProgressView {
  readonly jobId: number;
  readonly state: string;
  readonly attempt: number;
  readonly step: number | null;
  readonly total: number | null;
  /** Steps per second. */
  readonly rate: number | null;
  readonly etaSeconds: number | null;
  /** The loss-like metric to show, if the job reports one. */
  readonly loss: { readonly key: string; readonly value: number | null } | null;
}

/** The metric a progress line shows: `loss`, else `train_loss`, else the first key naming a loss. */
export function pickLossKey(keys: readonly string[]): string | null {
  if (keys.includes('loss')) return 'loss';
  if (keys.includes('train_loss')) return 'train_loss';
  if (keys.includes('train/loss')) return 'train/loss';
  return [...keys].sort().find((k) => /loss/i.test(k)) ?? null;
}

function percent(view: ProgressView): number | null {
  if (view.step === null || !view.total) return null;
  return Math.max(0, Math.min(100, (view.step / view.total) * 100));
}

function details(view: ProgressView): string[] {
  const parts: string[] = [];
  if (view.loss) parts.push(`${view.loss.key} ${formatValue(view.loss.value)}`);
  if (view.rate !== null && view.rate > 0) parts.push(`${formatRate(view.rate)} steps/s`);
  if (view.etaSeconds !== null && view.state === 'running') parts.push(`ETA ${formatEta(view.etaSeconds)}`);
  return parts;
}

/** "12.3", "0.42", "1,204": a rate with sensible precision. */
export function formatRate(rate: number): string {
  if (rate >= 100) return formatThousands(Math.round(rate));
  if (rate >= 10) return rate.toFixed(1);
  return rate.toFixed(2);
}

function stepText(view: ProgressView): string {
  if (view.step === null) return view.total ? `-/${formatThousands(view.total)}` : 'starting…';
  return view.total ? `${formatThousands(view.step)}/${formatThousands(view.total)}` : `step ${formatThousands(view.step)}`;
}

/**
 * One terminal line, at most `width` columns:
 * `job 3 running [████████░░░░░░░░] 1,200/5,000  24%  loss 0.5312  12.30 steps/s  ETA 5m 08s`.
 * Without a known total the bar is left out.
 */
export function renderBar(view: ProgressView, width: number): string {
  const head = `job ${view.jobId} ${view.state}${view.attempt > 1 ? ` (attempt ${view.attempt})` : ''}`;
  const pct = percent(view);
  const tail = [stepText(view), ...(pct === null ? [] : [`${Math.floor(pct)}%`]), ...details(view)].join('  ');
  if (pct === null) return truncate(`${head}  ${tail}`, width);
  const barWidth = Math.max(0, Math.min(30, width - head.length - tail.length - 5));
  if (barWidth < 5) return truncate(`${head}  ${tail}`, width);
  const filled = Math.round((pct / 100) * barWidth);
  const bar = `[${'█'.repeat(filled)}${'░'.repeat(barWidth - filled)}]`;
  return truncate(`${head} ${bar} ${tail}`, width);
}

/** A plain line for logs and CI: `job 3 running: step 1,200/5,000 (24%) · loss 0.5312 · …`. */
export function renderLine(view: ProgressView): string {
  const pct = percent(view);
  const step = view.step === null ? 'waiting for the first step' : `step ${stepText(view).replace(/^step /, '')}${pct === null ? '' : ` (${Math.floor(pct)}%)`}`;
  return [`job ${view.jobId} ${view.state}: ${step}`, ...details(view)].join(' · ');
}

/**
 * Steps per second seen by the client, for servers that do not report a rate: the slope
 * between the oldest and newest observation of the last `windowMs`.
 */
export function createRateEstimator(windowMs = 10_000) {
  let points: { time: number; step: number }[] = [];
  return {
    observe(time: number, step: number): void {
      const last = points[points.length - 1];
      if (last && step < last.step) points = [];
      if (!last || step !== last.step) points.push({ time, step });
      while (points.length > 2 && time - points[0].time > windowMs) points.shift();
    },
    rate(): number | null {
      if (points.length < 2) return null;
      const a = points[0];
      const b = points[points.length - 1];
      // Metrics arrive in bursts: a slope over less than a second says little.
      return b.time - a.time >= 1000 ? ((b.step - a.step) * 1000) / (b.time - a.time) : null;
    },
  };
}
