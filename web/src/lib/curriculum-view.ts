/**
 * How a curriculum reads on the Curriculum page (docs/curriculum.md): its promote and demote
 * rules in words, each level's place (passed, current, ahead), the current window's values
 * against the bound, and a level move in words. Pure.
 */
import type { CurriculumDetail, CurriculumInfo, CurriculumMove } from '../../../src/core/api/curricula.ts';
import { formatValue } from './format.ts';

type Spec = CurriculumInfo['spec'];

/** `≥ 0.8` or `≤ 0.45`. */
export function boundText(spec: Spec): string {
  const p = spec.promote;
  return p.atLeast !== undefined ? `≥ ${formatValue(p.atLeast)}` : `≤ ${formatValue(p.atMost)}`;
}

/** Whether a (smoothed) value passes the promote bound. */
export function passes(spec: Spec, value: number): boolean {
  const p = spec.promote;
  return p.atLeast !== undefined ? value >= p.atLeast : value <= p.atMost!;
}

/** `promote when accuracy ≥ 0.8 on each of the last 3 evaluations (EMA 0.5)`. */
export function promoteText(spec: Spec): string {
  const p = spec.promote;
  const over = p.over === 1 ? 'on the last evaluation' : `on each of the last ${p.over} evaluations`;
  return `promote when ${spec.metric} ${boundText(spec)} ${over}${p.ema !== undefined ? ` (EMA ${formatValue(p.ema)})` : ''}`;
}

/** `demote when accuracy < 0.3 on each of the last 2 evaluations`, or '' without a floor. */
export function demoteText(spec: Spec): string {
  const d = spec.demote;
  if (!d || (d.below === undefined && d.above === undefined)) return '';
  const floor = d.below !== undefined ? `< ${formatValue(d.below)}` : `> ${formatValue(d.above)}`;
  return `demote when ${spec.metric} ${floor} ${d.over === 1 ? 'on the last evaluation' : `on each of the last ${d.over} evaluations`}`;
}

export type LevelPlace = 'passed' | 'current' | 'ahead';

/** A level before the current one was passed; the current one of a completed curriculum too. */
export function levelPlace(info: Pick<CurriculumInfo, 'level' | 'state'>, index: number): LevelPlace {
  if (index < info.level || (index === info.level && info.state === 'completed')) return 'passed';
  return index === info.level ? 'current' : 'ahead';
}

export interface WindowRow {
  readonly evaluationId: number;
  readonly jobId: number;
  readonly at: number;
  /** null: not a finite number (NaN or ±Infinity on the wire). */
  readonly value: number | null;
  /** The EMA at this value, when the rule smooths; else null. */
  readonly smoothed: number | null;
  /** Whether the value the rule reads (smoothed or raw) passes the bound. */
  readonly passes: boolean;
  /** Whether it is among the last `need` values, the ones the decision reads. */
  readonly counted: boolean;
}

/** The window's values, oldest first, each with what the rule reads and whether it counts. */
export function windowRows(detail: Pick<CurriculumDetail, 'spec' | 'window'>): WindowRow[] {
  const { values, smoothed, need } = detail.window;
  return values.map((v, i) => {
    const s = smoothed?.[i] ?? null;
    const read = s ?? v.value;
    return {
      evaluationId: v.evaluationId, jobId: v.jobId, at: v.at, value: v.value, smoothed: s,
      passes: read !== null && passes(detail.spec, read),
      counted: i >= values.length - need,
    };
  });
}

/** `2 of the last 3 pass ≥ 0.8 (1 more evaluation needed)`: where the window stands. */
export function windowText(detail: Pick<CurriculumDetail, 'spec' | 'window' | 'state'>): string {
  if (detail.state === 'completed') return 'completed: the last level was passed; nothing is counted until the level is set';
  const rows = windowRows(detail);
  const need = detail.window.need;
  const counted = rows.filter((r) => r.counted);
  const passing = counted.filter((r) => r.passes).length;
  if (rows.length === 0) return `no evaluations at this level yet; ${need} needed`;
  const missing = need - counted.length;
  return `${passing} of the last ${counted.length} pass ${boundText(detail.spec)}` + (missing > 0 ? ` (${missing} more evaluation${missing === 1 ? '' : 's'} needed)` : '');
}

/** `easy → hard` (or `hard (completed)` for a promotion from the last level). */
export function moveText(move: Pick<CurriculumMove, 'fromLevel' | 'toLevel' | 'completed'>): string {
  return move.completed ? `${move.fromLevel} (completed)` : `${move.fromLevel} → ${move.toLevel}`;
}
