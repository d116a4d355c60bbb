/** Curricula's part of the Store (see store.ts for the rules every verb keeps; core/curriculum.ts). */
import type { Curriculum, CurriculumSpec, HistoryRow, LevelChange, WindowValue } from '../core/curriculum.ts';

/** An evaluation to count in the current level's window (src/curriculum). */
export interface CountedEvaluation {
  /** The level entry it was read against (`Curriculum.enteredEventId`): nothing is written when the level moved since. */
  readonly enteredEventId: number;
  readonly evaluationId: number;
  /** The evaluated job. */
  readonly jobId: number;
  /** Its `evaluation.done` event: the cause of a level change it brings. */
  readonly eventId: number;
  readonly value: number;
}

/**
 * Curricula (docs/curriculum.md): the spec, where each stands, the evaluations counted in the
 * current level's window, and the history of moves. Each change appends its event in its
 * transaction: `curriculum.updated`, `curriculum.level_changed`, `curriculum.completed`.
 */
export interface CurriculumStore {
  /**
   * Creates a curriculum at its first level, or replaces its spec (next version), keeping the
   * current level by name; the window restarts (the level is re-entered) when the metric, the
   * promote or demote rule or that level's suite changed. The same spec again writes nothing
   * (`changed: false`). ConflictError when the new spec drops the current level.
   */
  applyCurriculum(spec: CurriculumSpec, by: string, now: number): Promise<{ curriculum: Curriculum; created: boolean; changed: boolean }>;
  getCurriculum(name: string): Promise<Curriculum | null>;
  /** By name. */
  listCurricula(): Promise<Curriculum[]>;
  /** The values counted since the current level was entered, oldest first. */
  curriculumWindow(name: string): Promise<WindowValue[]>;
  /**
   * Counts an evaluation in the current level's window and, with `change` (the decision made on
   * the window with it), moves the level: the history row, the curriculum's level or state, and
   * `curriculum.level_changed` or `curriculum.completed`, in one transaction. Nothing is written
   * (`counted: false`) when the evaluation was counted already, the curriculum is completed, or
   * its level was (re)entered after `enteredEventId`; a change is recorded at most once per cause
   * event. NotFoundError for an unknown curriculum.
   */
  countCurriculumEvaluation(name: string, evaluation: CountedEvaluation, change: LevelChange | null, now: number): Promise<{ counted: boolean; change: HistoryRow | null }>;
  /**
   * A manual move to level `to` (direction `set`, `reason` given): the level is (re)entered and
   * the curriculum is active again. NotFoundError; ValidationError (`level`) for an index out of range.
   */
  setCurriculumLevel(name: string, move: { readonly to: number; readonly reason: string; readonly by: string }, now: number): Promise<HistoryRow>;
  /** Oldest first. Default limit: 1,000 (the newest that many). */
  listCurriculumHistory(name: string, limit?: number): Promise<HistoryRow[]>;
}
