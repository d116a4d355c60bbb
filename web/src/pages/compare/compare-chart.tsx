/** The overlay: each run's line (optionally smoothed) over its min/max band, one colour per run. */
import { useMemo } from 'react';
import type uPlot from 'uplot';
import { Chart, runColor, type ChartLine } from '../../components/chart.tsx';
import { ema } from '../../lib/ema.ts';
import { positiveOnly } from '../../lib/series.ts';
import type { CompareResponse } from './use-compare.ts';

/** Runs from which lines are drawn 1 px wide (a 50-run overlay then paints in ~15 ms, not ~200). */
const THIN_LINES_FROM = 10;

interface Props {
  readonly data: CompareResponse;
  readonly colorOf: (id: number) => string;
  readonly bands: boolean;
  readonly smoothing: number;
  readonly logY: boolean;
  readonly zoom: readonly [number, number] | null;
  readonly onZoom: (range: [number, number] | null) => void;
  readonly onHover: (index: number | null) => void;
}

export function CompareChart({ data, colorOf, bands, smoothing, logY, zoom, onZoom, onHover }: Props) {
  const built = useMemo(() => {
    const fit = logY ? positiveOnly : (v: readonly (number | null)[]) => v.slice();
    // Anti-aliasing fractional widths costs the browser's raster: many runs get 1 px lines.
    const thin = data.jobs.length > THIN_LINES_FROM;
    const columns: (number | null)[][] = [data.steps.slice()];
    const lines: ChartLine[] = [];
    const fills: Array<[number, number, string]> = [];
    for (const job of data.jobs) {
      const color = colorOf(job.id);
      if (bands && job.min && job.max) {
        columns.push(fit(job.max), fit(job.min));
        lines.push({ label: `#${job.id} max`, stroke: '', bandEdge: true }, { label: `#${job.id} min`, stroke: '', bandEdge: true });
        fills.push([columns.length - 2, columns.length - 1, withAlpha(color, 0.15)]);
      }
      columns.push(smoothing > 0 ? ema(fit(job.last), smoothing) : fit(job.last));
      lines.push({ label: `#${job.id} ${job.name}`, stroke: color, width: thin ? 1 : 1.5 });
    }
    return { columns: columns as uPlot.AlignedData, lines, fills };
  }, [data, colorOf, bands, smoothing, logY]);

  return (
    <Chart data={built.columns} lines={built.lines} bands={built.fills} logY={logY} height={380} xRange={zoom}
      onZoom={onZoom} onHover={onHover} label={`${data.key} of ${data.jobs.length} runs by step`} />
  );
}

/** "#4ea1ff" or "hsl(…)" with an alpha. */
export function withAlpha(color: string, alpha: number): string {
  if (color.startsWith('#') && color.length === 7) {
    const n = Number.parseInt(color.slice(1), 16);
    return `rgba(${n >> 16}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
  }
  return color.replace(/\)$/, ` / ${alpha})`);
}

export { runColor };
