/**
 * The suggest interface of a study with `search: external` (core/study-ask.ts, docs/studies.md
 * "Adaptive search with Optuna"): ask → run → tell, over the store's `askTrial` (the trial and
 * its job in one transaction) and the job controls (a prune stops the trial's job).
 *
 * Restart-safe as the runner is: an ask is one transaction; a tell records the decision first and
 * then stops the job, and `carryOutTells` (called by every runner pass) stops the job of a pruned
 * trial still open, so a crash between the two leaves nothing running that the searcher pruned.
 */
import { askRefusalMessage, askedVariant, parseTell, tellDecision } from '../core/study-ask.ts';
import { ConflictError, NotFoundError } from '../core/errors.ts';
import { ACTIVE_JOB_STATES, ENDED_JOB_STATES, type Study, type Trial } from '../core/study-record.ts';
import { trialJobSpec } from '../core/study.ts';
import type { TrialView } from '../core/api/studies.ts';
import type { Control } from '../control/control.ts';
import { jobView } from '../control/views.ts';
import type { Store } from '../store/store.ts';
import { trialView } from './views.ts';

export interface SuggestDeps {
  readonly store: Store;
  readonly control: Pick<Control, 'jobs' | 'bus' | 'poke'>;
  readonly now: () => number;
  readonly log: (line: string) => void;
}

export interface Suggest {
  /** Launches the study's next trial with the searcher's params. ValidationError (params), ConflictError (full, capped, not running, not external). */
  ask(study: Study, params: unknown): Promise<TrialView>;
  /** The searcher pruned (or gave up) trial `index`: recorded on it, its job stopped. Idempotent; ConflictError once its job ended otherwise. */
  tell(study: Study, index: number, body: unknown): Promise<TrialView>;
  /** One trial with its objective's latest point. NotFoundError. */
  trial(study: Study, index: number): Promise<TrialView>;
  /** Stops the open jobs of trials the searcher pruned (after a crash between a tell's record and its stop). */
  carryOutTells(trials: readonly Trial[]): Promise<void>;
}

const isOpen = (t: Trial) => ACTIVE_JOB_STATES.includes(t.state as never);
const prunedBySearcher = (t: Trial) => t.decision?.policy === 'external' && t.decision.carriedOut === 'stop';

export function createSuggest(deps: SuggestDeps): Suggest {
  const { store, control } = deps;

  function external(study: Study, verb: string): void {
    if (study.spec.search.kind !== 'external') {
      throw new ConflictError(`study ${study.name} searches by ${study.spec.search.kind}: its trials launch themselves; ${verb} is for a study with search: external`);
    }
  }

  async function load(study: Study, index: number): Promise<Trial> {
    const trial = (await store.listTrials(study.id)).find((t) => t.index === index);
    if (!trial) throw new NotFoundError(`trial of study ${study.name}`, index);
    return trial;
  }

  async function view(study: Study, trial: Trial): Promise<TrialView> {
    const metric = study.spec.objective?.metric ?? null;
    const latest = trial.jobId !== null && metric ? (await store.latestValuesOfJobs([trial.jobId])).get(trial.jobId) : undefined;
    return trialView(trial, latest, metric);
  }

  async function stopJob(jobId: number): Promise<void> {
    try {
      await control.jobs.requestStop(jobId, 'stop');
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error; // it ended meanwhile: nothing to stop
    }
  }

  return {
    async ask(study, params) {
      external(study, 'ask');
      // Checked before the transaction (the index is only a name here): a bad ask writes nothing.
      const variant = askedVariant(study.spec, study.trialCount, params);
      trialJobSpec(study.spec, variant);
      const asked = await store.askTrial(study.id, variant.params, (index) => trialJobSpec(study.spec, { ...variant, index, group: index }), deps.now());
      if ('refused' in asked) throw new ConflictError(askRefusalMessage(study.name, asked));
      control.bus.publish({ type: 'job', jobId: asked.job.id, data: jobView(asked.job) });
      control.poke();
      deps.log(`study ${study.name}: trial ${asked.trial.index} asked for, launched as job ${asked.job.id}`);
      return view(study, asked.trial);
    },

    async tell(study, index, body) {
      external(study, 'tell');
      const tell = parseTell(body);
      const trial = await load(study, index);
      if (!prunedBySearcher(trial)) {
        if (ENDED_JOB_STATES.includes(trial.state as never)) {
          throw new ConflictError(`trial ${index} of study ${study.name} ended (${trial.state}) before the tell: its result stands (read it with GET /api/v1/studies/${study.name}/trials/${index})`);
        }
        const metric = study.spec.objective!.metric;
        const last = (await store.latestValuesOfJobs([trial.jobId!])).get(trial.jobId!)?.[metric] ?? null;
        const decision = tellDecision(tell, index, metric, last, deps.now());
        await store.recordTrialDecision(study.id, index, decision, deps.now());
        deps.log(`study ${study.name}: trial ${index} (job ${trial.jobId}) ${decision.reason}`);
      }
      // Again on a repeated tell: a stop request of a stopping job changes nothing.
      if (isOpen(trial)) await stopJob(trial.jobId!);
      return view(study, await load(study, index));
    },

    async trial(study, index) {
      return view(study, await load(study, index));
    },

    async carryOutTells(trials) {
      for (const trial of trials) {
        if (prunedBySearcher(trial) && (trial.state === 'queued' || trial.state === 'running')) await stopJob(trial.jobId!);
      }
    },
  };
}
