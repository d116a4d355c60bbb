/**
 * A uPlot chart (canvas, made for long series) as a React component. The plot is created once
 * per shape (lines, bands, log scale, theme) and fed new data with `setData`, so a live series
 * redraws in well under a frame. Zoom is controlled: drag to select a step range (`onZoom`),
 * double-click to go back (`onZoom(null)`); the parent fetches finer data for the range.
 */
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import { formatThousands, formatValue } from '../lib/format.ts';
import { cssVar, useTheme } from '../theme.ts';

export interface ChartLine {
  readonly label: string;
  readonly stroke: string;
  readonly width?: number;
  /** An edge of a band: drawn as a fill only, no line. */
  readonly bandEdge?: boolean;
}

export interface ChartProps {
  /** [x, ...one column per line]; null marks a gap. */
  readonly data: uPlot.AlignedData;
  readonly lines: readonly ChartLine[];
  /** [upper, lower] column indices (1-based, as in `data`) with their fill. */
  readonly bands?: ReadonlyArray<readonly [number, number, string]>;
  readonly logY?: boolean;
  readonly height?: number;
  /** The zoomed x range, or null for all data. */
  readonly xRange?: readonly [number, number] | null;
  readonly onZoom?: (range: [number, number] | null) => void;
  /** The data index under the cursor, or null when it leaves. */
  readonly onHover?: (index: number | null) => void;
  readonly label: string;
}

export function Chart(props: ChartProps) {
  const { data, lines, bands, logY = false, height = 220, xRange = null, label } = props;
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const handlers = useRef(props);
  handlers.current = props;
  const theme = useTheme();
  const shape = JSON.stringify([lines, bands, logY, theme, height]);

  useEffect(() => {
    const el = box.current!;
    const axis = { stroke: cssVar('--chart-text'), grid: { stroke: cssVar('--chart-grid'), width: 1 }, ticks: { stroke: cssVar('--chart-grid'), width: 1 } };
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height,
      legend: { show: false },
      cursor: { drag: { x: true, y: false, setScale: false }, points: { size: 6 } },
      scales: { x: { time: false }, y: logY ? { distr: 3 } : {} },
      axes: [
        { ...axis, values: (_u, splits) => splits.map((v) => formatThousands(v)) },
        { ...axis, size: 64, values: (_u, splits) => splits.map((v) => formatValue(v)) },
      ],
      series: [
        { label: 'step' },
        ...lines.map((l): uPlot.Series => ({
          label: l.label,
          stroke: l.bandEdge ? 'transparent' : l.stroke,
          width: l.bandEdge ? 0 : (l.width ?? 1.5),
          points: { show: false },
          spanGaps: true,
        })),
      ],
      bands: bands?.map(([upper, lower, fill]) => ({ series: [upper, lower], fill })),
      hooks: {
        setSelect: [(u) => {
          if (u.select.width < 3) return;
          const from = u.posToVal(u.select.left, 'x');
          const to = u.posToVal(u.select.left + u.select.width, 'x');
          u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
          handlers.current.onZoom?.([from, to]);
        }],
        setCursor: [(u) => handlers.current.onHover?.(u.cursor.idx ?? null)],
      },
    };
    const u = new uPlot(opts, handlers.current.data as uPlot.AlignedData, el);
    plot.current = u;
    const range = handlers.current.xRange;
    if (range) u.setScale('x', { min: range[0], max: range[1] });
    const onDouble = () => handlers.current.onZoom?.(null);
    u.over.addEventListener('dblclick', onDouble);
    const onLeave = () => handlers.current.onHover?.(null);
    u.over.addEventListener('mouseleave', onLeave);
    const resize = new ResizeObserver(() => {
      const width = Math.max(200, el.clientWidth);
      if (width !== u.width) u.setSize({ width, height });
    });
    resize.observe(el);
    return () => {
      resize.disconnect();
      u.destroy();
      plot.current = null;
    };
  }, [shape]); // eslint-disable-line react-hooks/exhaustive-deps

  useEffect(() => {
    const u = plot.current;
    if (!u) return;
    u.setData(data as uPlot.AlignedData, xRange === null);
    if (xRange) u.setScale('x', { min: xRange[0], max: xRange[1] });
  }, [data, xRange, shape]);

  return <div ref={box} className="chart" role="img" aria-label={label} data-points={data[0]?.length ?? 0} />;
}

/** Distinct colours for overlaid runs: 10 hand-picked, then spread around the hue circle. */
export function runColor(i: number): string {
  const base = ['#4ea1ff', '#f7a13b', '#3fcf8e', '#ef5b7a', '#b58cff', '#f2d14b', '#35c7d4', '#ff7f50', '#9acd32', '#d78bd3'];
  return i < base.length ? base[i] : `hsl(${(i * 137.508) % 360} 70% 60%)`;
}
