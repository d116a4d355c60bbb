/**
 * The study runner (docs/studies.md): keeps up to `parallelism` trials of each running study
 * launched and unfinished, never more than its trials (the exact cap), pauses a study when its
 * circuit breaker trips, completes it when every trial ended, and stops the losers that early
 * stopping names (early-stop.ts).
 *
 * It reacts to the durable event log (subscriber `studies`: `job.state_changed` of trial jobs,
 * `study.created`, `study.resumed`, `study.widened`) and makes one pass over every running study at start, so a
 * study goes on after a restart where it was. Each pass reads the store and acts on what it finds
 * (it is idempotent); passes run one at a time. Launching a trial is one store transaction that
 * creates its job and marks the trial launched (`launchTrial`): a crash between two launches
 * loses none and repeats none.
 */
import { ConflictError, NotFoundError, ValidationError } from '../core/errors.ts';
import { circuitBreakerTrips } from '../core/early-stopping.ts';
import { ACTIVE_JOB_STATES, ENDED_JOB_STATES, type Study, type Trial } from '../core/study-record.ts';
import { parseStudySpec, trialJobSpec, type StudySpec, type Variant } from '../core/study.ts';
import { expandVariants } from '../core/study-variants.ts';
import type { DomainEvent } from '../core/events.ts';
import type { Control } from '../control/control.ts';
import { jobView } from '../control/views.ts';
import type { Store } from '../store/store.ts';
import { createEarlyStopper } from './early-stop.ts';
import { createSuggest } from './suggest.ts';
import { dryRunView, studySummary, studyView, type DryRunView, type StudySummary, type StudyView, type TrialView } from './views.ts';
import { createWidener } from './widen.ts';
import type { StudyWidenBody, StudyWidenResult } from '../core/api/studies.ts';

/** The durable subscriber's name (its cursor in the store). */
export const SUBSCRIBER = 'studies';

export interface StudiesDeps {
  readonly store: Store;
  readonly control: Pick<Control, 'jobs' | 'events' | 'bus' | 'poke'>;
  readonly now: () => number;
  readonly log: (line: string) => void;
  /** Early stopping reads the running trials' metric series this often. Default: 2,000 ms. */
  readonly earlyStopPollMs?: number;
}

export interface Studies {
  /** Subscribes to the event log; call before `control.start()`. */
  subscribe(): void;
  /** One pass over every study (after a restart: launches, and the holds of paused or stopped ones), then the early-stopping poll. */
  start(): Promise<void>;
  /** Validates and expands a study; with `dryRun`, returns every variant and the rung plan and stores nothing. */
  submit(input: unknown, options?: { readonly dryRun?: boolean }): Promise<StudyView | DryRunView>;
  /** Every study without its trials, newest first. */
  list(): Promise<StudySummary[]>;
  /** The study with every trial. NotFoundError. */
  show(name: string): Promise<StudyView>;
  pause(name: string): Promise<StudyView>;
  resume(name: string): Promise<StudyView>;
  stop(name: string): Promise<StudyView>;
  /** One early-stopping pass now (also run every `earlyStopPollMs`). */
  checkEarlyStopping(): Promise<void>;
  /** `search: external`: launches the next trial with the searcher's params (suggest.ts). 409 when full, capped or not running. */
  ask(name: string, params: unknown): Promise<TrialView>;
  /** `search: external`: the searcher pruned (or gave up) a trial: recorded on it, its job stopped. */
  tell(name: string, index: number, body: unknown): Promise<TrialView>;
  /** One trial, with its objective's latest point. */
  trial(name: string, index: number): Promise<TrialView>;
  /** `search: external`: the searcher is done; the study completes (409 while trials are open). */
  finish(name: string): Promise<StudyView>;
  /** More budget without starting over (core/study-widen.ts): a larger maxRuns, the ASHA-paused trials that rank in resumed; a completed study reopens. */
  widen(name: string, request: StudyWidenBody): Promise<StudyWidenResult>;
  /** Resolves when the passes queued so far are done (tests). */
  idle(): Promise<void>;
  close(): Promise<void>;
}

export function createStudies(deps: StudiesDeps): Studies {
  const { store, control, log } = deps;
  let queue: Promise<unknown> = Promise.resolve();
  let timer: NodeJS.Timeout | null = null;
  let closed = false;
  const stopper = createEarlyStopper({ store, jobs: control.jobs, now: deps.now, log });
  const suggest = createSuggest({ store, control, now: deps.now, log });
  const widener = createWidener({ store, jobs: control.jobs, now: deps.now, log });

  /** Runs passes one at a time, so two never launch into the same free slot. */
  function serial<T>(task: () => Promise<T>): Promise<T> {
    const run = queue.then(task);
    queue = run.catch(() => undefined);
    return run;
  }

  async function load(name: string): Promise<Study> {
    const study = await store.getStudy(name);
    if (!study) throw new NotFoundError('study', name);
    return study;
  }

  /** Pauses (or stops) every launched trial whose job has not ended. */
  async function holdTrials(trials: readonly Trial[], how: 'pause' | 'stop'): Promise<void> {
    for (const trial of trials) {
      if (trial.jobId === null || !ACTIVE_JOB_STATES.includes(trial.state as never)) continue;
      // Only a queued or running job can be paused; one stopping or pausing ends on its own.
      if (how === 'pause' && trial.state !== 'queued' && trial.state !== 'running') continue;
      try {
        if (how === 'pause') await control.jobs.pause(trial.jobId);
        else await control.jobs.requestStop(trial.jobId, 'stop');
      } catch (error) {
        // The job moved on meanwhile (it ended): nothing to hold.
        if (!(error instanceof ConflictError)) throw error;
      }
    }
  }

  /** The circuit breaker's verdict over the trials that ended after `breakerSince` (creation, last resume), oldest first. */
  function breakerTrips(study: Study, trials: readonly Trial[]): string | null {
    const cfg = study.spec.circuitBreaker;
    if (!cfg) return null;
    const ended = trials
      .filter((t) => t.endedAt !== null && t.endedAt > study.breakerSince && ENDED_JOB_STATES.includes(t.state as never))
      .sort((a, b) => a.endedAt! - b.endedAt! || a.index - b.index);
    const verdict = circuitBreakerTrips(cfg, ended.map((t) => ({ classification: t.outcome?.kind ?? null, failed: t.state === 'failed' })));
    return verdict.trip ? verdict.reason : null;
  }

  /** One pass over a study: breaker → completion → launches. */
  async function reconcile(studyId: number, name: string): Promise<void> {
    const study = await store.getStudy(name);
    if (!study || study.id !== studyId || study.state !== 'running') return;
    const trials = await store.listTrials(study.id);
    const tripped = breakerTrips(study, trials);
    if (tripped) {
      const paused = await store.setStudyState(study.id, { to: 'paused', reason: tripped, by: 'circuit-breaker' }, deps.now());
      if (paused) {
        log(`study ${name}: circuit breaker: ${tripped}`);
        await holdTrials(trials, 'pause');
      }
      return;
    }
    const pending = trials.filter((t) => t.state === 'pending');
    // A trial early stopping paused holds no slot and does not keep the study from completing.
    const heldEarly = (t: Trial) => t.state === 'paused' && t.decision?.carriedOut === 'pause';
    let active = trials.filter((t) => ACTIVE_JOB_STATES.includes(t.state as never) && !heldEarly(t)).length;
    // An external search completes when the searcher asked for maxRuns trials (or says it is done: `finish`).
    const asking = study.spec.search.kind === 'external' && study.trialCount < (study.spec.maxRuns ?? 0);
    if (asking) await suggest.carryOutTells(trials);
    if (pending.length === 0 && active === 0 && !asking) {
      if (await store.setStudyState(study.id, { to: 'completed', reason: null, by: 'runner' }, deps.now())) log(`study ${name}: completed`);
      return;
    }
    for (const trial of pending) {
      if (active >= study.spec.parallelism) break;
      const variant: Variant = { index: trial.index, params: trial.params, seed: trial.seed, group: trial.group };
      const launched = await store.launchTrial(study.id, trial.index, trialJobSpec(study.spec, variant), deps.now());
      if (!launched) break; // paused or full meanwhile: the next pass looks again
      active++;
      control.bus.publish({ type: 'job', jobId: launched.job.id, data: jobView(launched.job) });
      log(`study ${name}: trial ${trial.index} launched as job ${launched.job.id}`);
    }
    control.poke();
  }

  async function reconcileAll(): Promise<void> {
    for (const study of await store.listStudies()) {
      if (study.state === 'running') {
        await widener.carryOutResumes(await store.listTrials(study.id));
        await reconcile(study.id, study.name);
      }
      // A crash between a pause (or stop) and holding its trials: hold them now (idempotent).
      else if (study.state === 'paused' || study.state === 'stopped') await holdTrials(await store.listTrials(study.id), study.state === 'paused' ? 'pause' : 'stop');
    }
  }

  async function handle(event: DomainEvent): Promise<void> {
    if (closed) throw new Error('studies are closing'); // the cursor stays: the next start handles it
    if (event.type === 'study.created' || event.type === 'study.resumed' || event.type === 'study.widened') {
      const study = await store.getStudy(event.data.study);
      if (!study) return;
      // A crash between a widening and the resumes it decided: carried out now (idempotent).
      if (event.type === 'study.widened' && study.state === 'running') await serial(async () => widener.carryOutResumes(await store.listTrials(study.id)));
      await serial(() => reconcile(study.id, study.name));
      return;
    }
    if (event.jobId === null) return;
    const trial = await store.trialOfJob(event.jobId);
    if (trial) await serial(() => reconcile(trial.studyId, trial.study));
  }

  /** Every variant's job spec is checked at submit, so a launch cannot fail on its spec later. */
  async function validate(spec: StudySpec, variants: readonly Variant[]): Promise<void> {
    for (const variant of variants) {
      try {
        trialJobSpec(spec, variant);
      } catch (error) {
        if (error instanceof ValidationError) throw new ValidationError(`${error.message} (variant ${variant.index}: ${JSON.stringify(variant.params)})`, null, { code: 'invalid_study' });
        throw error;
      }
    }
    const suites = trialJobSpec(spec, variants[0] ?? { index: 0, params: {}, seed: null, group: 0 }).evaluate ?? [];
    for (const [i, suite] of suites.entries()) {
      if (!(await store.getEvalSuite(suite))) throw new ValidationError(`no eval suite ${JSON.stringify(suite)}: add it first (trainyard eval suite add FILE)`, `job.evaluate.${i}`, { code: 'invalid_study' });
    }
  }

  async function view(study: Study): Promise<StudyView> {
    const trials = await store.listTrials(study.id);
    const objective = study.spec.objective;
    const launched = trials.flatMap((t) => (t.jobId === null ? [] : [t.jobId]));
    const latest = objective && launched.length > 0 ? await store.latestValuesOfJobs(launched) : new Map();
    return studyView(study, trials, latest);
  }

  return {
    subscribe() {
      control.events.subscribe(SUBSCRIBER, handle, { types: ['job.state_changed', 'study.created', 'study.resumed', 'study.widened'] });
    },

    async start() {
      await serial(reconcileAll);
      const every = deps.earlyStopPollMs ?? 2_000;
      timer = setInterval(() => {
        void serial(() => stopper.pass()).catch((error: unknown) => log(`studies: early stopping: ${String((error as Error)?.stack ?? error)}`));
      }, every);
      timer.unref();
    },

    async submit(input, options = {}) {
      const spec = parseStudySpec(input);
      const variants = expandVariants(spec);
      await validate(spec, variants);
      if (options.dryRun) return dryRunView(spec, variants);
      const study = await store.createStudy(spec, variants, deps.now());
      log(`study ${spec.name}: submitted, ${variants.length} trials, parallelism ${spec.parallelism}`);
      // The subscriber launches on `study.created`; this pass makes the answer show the first launches.
      await serial(() => reconcile(study.id, study.name));
      return view(await load(spec.name));
    },

    list: async () => (await store.listStudies()).map(studySummary),

    show: async (name) => view(await load(name)),

    pause: (name) => serial(async () => {
      const study = await load(name);
      const paused = await store.setStudyState(study.id, { to: 'paused', reason: 'paused by a person', by: 'user' }, deps.now());
      if (!paused && study.state !== 'paused') throw new ConflictError(`study ${name} is ${study.state}: only a running study can be paused`);
      if (paused) await holdTrials(await store.listTrials(study.id), 'pause');
      return view(await load(name));
    }),

    resume: (name) => serial(async () => {
      const study = await load(name);
      const resumed = await store.setStudyState(study.id, { to: 'running', reason: null, by: 'user' }, deps.now());
      if (!resumed && study.state !== 'running') throw new ConflictError(`study ${name} is ${study.state}: only a paused study can be resumed`);
      if (resumed) {
        // The trials the study's pause held, not those early stopping paused (they stay paused).
        for (const trial of await store.listTrials(study.id)) {
          if (trial.jobId !== null && trial.state === 'paused' && trial.decision?.carriedOut !== 'pause') await control.jobs.resume(trial.jobId);
        }
        await reconcile(study.id, name);
      }
      return view(await load(name));
    }),

    stop: (name) => serial(async () => {
      const study = await load(name);
      const stopped = await store.setStudyState(study.id, { to: 'stopped', reason: 'stopped by a person', by: 'user' }, deps.now());
      if (!stopped && study.state !== 'stopped') throw new ConflictError(`study ${name} is ${study.state}: it has ended`);
      if (stopped) await holdTrials(await store.listTrials(study.id), 'stop');
      return view(await load(name));
    }),

    checkEarlyStopping: () => serial(() => stopper.pass()),

    ask: (name, params) => serial(async () => suggest.ask(await load(name), params)),
    tell: (name, index, body) => serial(async () => suggest.tell(await load(name), index, body)),
    trial: async (name, index) => suggest.trial(await load(name), index),

    finish: (name) => serial(async () => {
      const study = await load(name);
      if (study.spec.search.kind !== 'external') throw new ConflictError(`study ${name} searches by ${study.spec.search.kind}: it completes when its trials end; finish is for search: external`);
      const open = (await store.listTrials(study.id)).filter((t) => ACTIVE_JOB_STATES.includes(t.state as never) && t.decision?.carriedOut !== 'pause');
      if (study.state === 'running' && open.length > 0) throw new ConflictError(`study ${name} has ${open.length} open trials (${open.map((t) => t.index).join(', ')}): tell them (pruned or failed) or wait for them to end, then finish`);
      const done = await store.setStudyState(study.id, { to: 'completed', reason: null, by: 'runner' }, deps.now());
      if (!done && study.state !== 'completed') throw new ConflictError(`study ${name} is ${study.state}: only a running study can be finished`);
      if (done) log(`study ${name}: finished by its searcher, ${study.trialCount} trials`);
      return view(await load(name));
    }),

    widen: (name, request) => serial(async () => {
      const done = await widener.widen(await load(name), request);
      if (done.study.state === 'running') await reconcile(done.study.id, name);
      return { study: await view(await load(name)), added: done.added, reopened: done.reopened, resumed: done.resumed, held: done.held };
    }),

    idle: () => serial(async () => undefined),

    async close() {
      closed = true;
      if (timer) clearInterval(timer);
      await queue;
    },
  };
}
