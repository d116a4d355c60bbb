/**
 * The curriculum service (docs/curriculum.md): apply a spec, read where a curriculum stands,
 * move it by hand, run a level's job, and the durable subscriber that counts evaluations.
 *
 * - `evaluation.done` of a job tagged `curriculum:<name>:<level>` at the current level, by the
 *   level's suite, after the level was (re)entered: its value of `metric` joins the window, the
 *   pure decision (core/curriculum.ts `decideLevel`) reads the window, and the store counts the
 *   value and records a move in one transaction (`countCurriculumEvaluation`). A replayed event
 *   (at-least-once delivery, a server killed before its cursor moved) finds the evaluation
 *   counted and writes nothing; a crash before the commit leaves nothing, and the replay decides
 *   again on the same window.
 */
import {
  type Curriculum,
  decideLevel,
  type HistoryRow,
  type LevelChange,
  levelJobSpec,
  type LevelJobKind,
  parseCurriculum,
  parseCurriculumTag,
  smooth,
  type WindowValue,
} from '../core/curriculum.ts';
import { ConflictError, NotFoundError, ValidationError } from '../core/errors.ts';
import type { DomainEvent } from '../core/events.ts';
import { parseJobSpec } from '../core/job-spec.ts';
import type { Job } from '../core/types.ts';
import type { Control } from '../control/control.ts';
import { resolveJobDatasets } from '../datasets/job-datasets.ts';
import type { Store } from '../store/store.ts';

/** The durable subscriber's name: its cursor is stored under it. */
export const CURRICULUM_SUBSCRIBER = 'curricula';

export interface CurriculaDeps {
  readonly store: Store;
  readonly control: Pick<Control, 'events' | 'jobs'>;
  readonly now: () => number;
  readonly log: (line: string) => void;
}

/** The current level's window as the API shows it. */
export interface CurriculumWindow {
  readonly metric: string;
  readonly values: readonly WindowValue[];
  /** The EMA of the values, where `promote.ema` is given; else null. */
  readonly smoothed: readonly number[] | null;
  /** How many evaluations the promote rule reads (`promote.over`). */
  readonly need: number;
}

export interface CurriculumDetail extends Curriculum {
  readonly history: readonly HistoryRow[];
  readonly window: CurriculumWindow;
}

export interface Curricula {
  /** Subscribes to the event log (call before `control.start()`). */
  subscribe(): void;
  /**
   * Validates (core/curriculum.ts, then each level's suite exists and reports `metric`) and
   * stores a spec. ValidationError naming the field; ConflictError when it drops the current level.
   */
  apply(input: unknown, by: string): Promise<{ curriculum: Curriculum; created: boolean; changed: boolean }>;
  list(): Promise<Curriculum[]>;
  /** NotFoundError. */
  get(name: string): Promise<CurriculumDetail>;
  /** A manual move (direction `set`): `level` a name or an index. NotFoundError, ValidationError. */
  setLevel(name: string, level: string | number, reason: string, by: string): Promise<HistoryRow>;
  /**
   * Submits the current level's job (`train`) or data-generation job (`generate`), with `tags`
   * added. NotFoundError; ConflictError for `generate` on a level without one; ValidationError
   * (e.g. `datasets.train`, a dataset not registered yet).
   */
  run(name: string, kind: LevelJobKind, tags?: readonly string[]): Promise<Job>;
  /** Handles one event as the subscriber does (exposed for tests). */
  handle(event: DomainEvent): Promise<void>;
}

export function createCurricula(deps: CurriculaDeps): Curricula {
  const { store, control, now, log } = deps;

  async function load(name: string): Promise<Curriculum> {
    const curriculum = await store.getCurriculum(name);
    if (!curriculum) throw new NotFoundError('curriculum', name);
    return curriculum;
  }

  /** Checks against the store what the pure parse cannot: each suite exists and has the metric. */
  async function checkSuites(spec: ReturnType<typeof parseCurriculum>): Promise<void> {
    for (const [i, level] of spec.levels.entries()) {
      const suite = await store.getEvalSuite(level.suite);
      if (!suite) throw new ValidationError(`no eval suite ${JSON.stringify(level.suite)}: add it first (trainyard eval suite add FILE)`, `levels.${i}.suite`, { code: 'invalid_curriculum' });
      const metrics = suite.metrics.map((m) => m.name);
      if (spec.metric !== 'score' && !metrics.includes(spec.metric)) {
        throw new ValidationError(`${JSON.stringify(spec.metric)} is not a metric of suite ${suite.name} (levels.${i}.suite; its metrics: ${metrics.join(', ')}; or score)`, 'metric', { code: 'invalid_curriculum' });
      }
    }
  }

  /** The value of the curriculum's metric in an evaluation's result, or null. */
  async function valueOf(curriculum: Curriculum, evaluationId: number): Promise<number | null> {
    const result = (await store.getEvaluation(evaluationId))?.result ?? null;
    if (!result) return null;
    const value = curriculum.spec.metric === 'score' ? result.score : result.values[curriculum.spec.metric];
    return typeof value === 'number' && Number.isFinite(value) ? value : null;
  }

  async function count(curriculum: Curriculum, job: Job, event: DomainEvent & { type: 'evaluation.done' }): Promise<void> {
    const value = await valueOf(curriculum, event.data.evaluationId);
    const what = `curriculum ${curriculum.name} (level ${curriculum.levelName}): evaluation ${event.data.evaluationId} of job ${job.id}`;
    if (value === null) {
      log(`${what} reported no ${curriculum.spec.metric}; not counted`);
      return;
    }
    const window = await store.curriculumWindow(curriculum.name);
    if (window.some((v) => v.evaluationId === event.data.evaluationId)) return;
    const decision = decideLevel(curriculum.spec, curriculum.level, [...window.map((v) => v.value), value]);
    const levels = curriculum.spec.levels;
    const change: LevelChange | null = decision.direction === 'stay' ? null : {
      from: curriculum.level, to: decision.to, fromLevel: curriculum.levelName, toLevel: levels[decision.to].name,
      direction: decision.direction, reason: decision.reason, values: decision.values, completed: decision.completed,
    };
    const made = await store.countCurriculumEvaluation(curriculum.name, {
      enteredEventId: curriculum.enteredEventId, evaluationId: event.data.evaluationId, jobId: job.id, eventId: event.id, value,
    }, change, now());
    if (!made.counted) return;
    const moved = made.change;
    log(moved === null ? `${what}: ${curriculum.spec.metric} ${value}; stays (${decision.reason})`
      : moved.completed ? `${what}: completed: ${moved.reason}`
      : `${what}: ${moved.direction} ${moved.fromLevel} → ${moved.toLevel}: ${moved.reason}`);
  }

  async function handle(event: DomainEvent): Promise<void> {
    if (event.type !== 'evaluation.done' || event.jobId === null) return;
    const job = await store.getJob(event.jobId);
    if (!job) return;
    for (const tag of job.spec.tags) {
      const ref = parseCurriculumTag(tag);
      if (!ref) continue;
      const curriculum = await store.getCurriculum(ref.curriculum);
      // Only the current level's jobs, by its suite, since it was (re)entered, while active.
      if (!curriculum || curriculum.state !== 'active' || curriculum.levelName !== ref.level) continue;
      if (event.data.suite !== curriculum.spec.levels[curriculum.level].suite || event.id <= curriculum.enteredEventId) continue;
      await count(curriculum, job, event);
    }
  }

  return {
    subscribe() {
      control.events.subscribe(CURRICULUM_SUBSCRIBER, handle, { types: ['evaluation.done'], startAt: 'beginning' });
    },

    async apply(input, by) {
      const spec = parseCurriculum(input);
      await checkSuites(spec);
      return store.applyCurriculum(spec, by, now());
    },

    list: () => store.listCurricula(),

    async get(name) {
      const curriculum = await load(name);
      const [history, values] = await Promise.all([store.listCurriculumHistory(name), store.curriculumWindow(name)]);
      const { promote, metric } = curriculum.spec;
      const smoothed = promote.ema === undefined ? null : smooth(values.map((v) => v.value), promote.ema);
      return { ...curriculum, history, window: { metric, values, smoothed, need: promote.over } };
    },

    async setLevel(name, level, reason, by) {
      if (reason.trim() === '') throw new ValidationError('say why the level is set (--reason)', 'reason');
      const curriculum = await load(name);
      const levels = curriculum.spec.levels;
      const to = typeof level === 'number' ? level : /^\d+$/.test(level) && !levels.some((l) => l.name === level) ? Number(level) : levels.findIndex((l) => l.name === level);
      if (to < 0 || to >= levels.length) {
        throw new ValidationError(`expected a level of ${name}: ${levels.map((l, i) => `${i} ${l.name}`).join(', ')}; got ${JSON.stringify(level)}`, 'level');
      }
      return store.setCurriculumLevel(name, { to, reason: reason.trim(), by }, now());
    },

    async run(name, kind, tags = []) {
      const curriculum = await load(name);
      const level = curriculum.spec.levels[curriculum.level];
      if (kind === 'generate' && !level.generate) throw new ConflictError(`level ${level.name} of curriculum ${name} has no generate job (levels.${curriculum.level}.generate)`);
      const input = levelJobSpec(curriculum.spec, curriculum.level, kind);
      const spec = await resolveJobDatasets(store, parseJobSpec({ ...input, tags: [...(input.tags as string[]), ...tags] }));
      return control.jobs.submit(spec);
    },

    handle,
  };
}
